//! Configuration errors: each names the file, line and column, what is wrong and what to write instead.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::runner::Location;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "cannot read {path}: {source}\n  fix: pass --config PATH (or set PLATFORM_DEPLOY_CONFIG) to point at your platform.toml"
    )]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
}

impl ConfigError {
    pub fn problems(&self) -> &[Problem] {
        match self {
            ConfigError::Invalid(p) => p,
            ConfigError::Read { .. } => &[],
        }
    }
}

/// One thing wrong with the file, at a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub location: Location,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}\n  fix: {}",
            self.location.file.display(),
            self.location.line,
            self.location.column,
            self.message,
            self.fix
        )
    }
}

fn render_problems(problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&p.to_string());
    }
    out
}

/// Turns byte offsets of one source file into problems with line and column.
pub struct Positions<'a> {
    path: &'a Path,
    source: &'a str,
}

impl<'a> Positions<'a> {
    pub fn new(path: &'a Path, source: &'a str) -> Self {
        Positions { path, source }
    }

    pub fn location(&self, offset: usize) -> Location {
        let offset = offset.min(self.source.len());
        let before = &self.source[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = before[line_start..].chars().count() + 1;
        Location {
            file: self.path.to_path_buf(),
            line,
            column,
        }
    }

    pub fn problem(
        &self,
        span: std::ops::Range<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Problem {
        Problem {
            location: self.location(span.start),
            message: message.into(),
            fix: fix.into(),
        }
    }
}
