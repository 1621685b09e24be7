//! `.dockerignore` with exactly Docker's rules.
//!
//! This follows the code the Docker CLI runs for a local build context (docker/cli
//! `ReadDockerignore` + `TrimBuildFilesFromExcludes`, moby/patternmatcher, moby/go-archive
//! `TarWithOptions`), including its quirks, so that the files sent are the files `docker build`
//! sends:
//!
//! - lines are read with a UTF-8 BOM stripped from the first, `#` starts a comment only in the first
//!   column, surrounding white space is trimmed, each pattern is cleaned like Go's `filepath.Clean`
//!   and one leading `/` is dropped;
//! - a pattern is matched against the slash-separated path relative to the context, as an exact
//!   string, a prefix (`dir/**`), a suffix (`**/name`, `**name`) or a regular expression (`*` and
//!   `?` never cross `/`, `**` crosses any number of folders, `[...]` are Go character classes,
//!   `\` escapes);
//! - a pattern that matches a folder matches everything below it; the last matching pattern wins,
//!   and `!pattern` re-includes;
//! - an excluded folder is still walked only when the text of some `!` pattern starts with the
//!   folder's path, and the folder itself is then not sent (the daemon creates it as 0755);
//! - the Dockerfile and `.dockerignore` are always sent, even when ignored.

use std::fmt;

/// A problem with a `.dockerignore` pattern; Docker refuses the same patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub pattern: String,
    pub reason: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pattern `{}`: {}", self.pattern, self.reason)
    }
}

/// Reads a `.dockerignore` file into patterns, as Docker's `ignorefile.ReadAll` does.
pub fn read_patterns(content: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for (index, raw) in scan_lines(content).into_iter().enumerate() {
        let raw = if index == 0 {
            raw.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(raw)
        } else {
            raw
        };
        let line = String::from_utf8_lossy(raw);
        if line.starts_with('#') {
            continue;
        }
        let mut pattern = line.trim().to_string();
        if pattern.is_empty() {
            continue;
        }
        let invert = pattern.starts_with('!');
        if invert {
            pattern = pattern[1..].trim().to_string();
        }
        if !pattern.is_empty() {
            pattern = clean(&pattern);
            if pattern.len() > 1 && pattern.starts_with('/') {
                pattern.remove(0);
            }
        }
        if invert {
            pattern.insert(0, '!');
        }
        out.push(pattern);
    }
    out
}

/// Go's `bufio.ScanLines`: split on `\n`, drop one trailing `\r`, a last line without `\n` counts.
fn scan_lines(content: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::new();
    let mut rest = content;
    while !rest.is_empty() {
        let (line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        lines.push(line.strip_suffix(b"\r").unwrap_or(line));
        rest = next;
    }
    lines
}

/// Go's `path.Clean` (and `filepath.Clean` on Unix): the shortest equivalent path, lexically.
pub fn clean(path: &str) -> String {
    if path.is_empty() {
        return ".".into();
    }
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The patterns of one `.dockerignore`, compiled.
#[derive(Debug, Clone)]
pub struct PatternMatcher {
    patterns: Vec<Pattern>,
    exclusions: bool,
}

#[derive(Debug, Clone)]
struct Pattern {
    cleaned: String,
    dirs: usize,
    exclusion: bool,
    kind: MatchKind,
}

#[derive(Debug, Clone)]
enum MatchKind {
    Exact,
    Prefix,
    Suffix,
    Regex(regex::Regex),
}

/// Which patterns matched a folder: lets its children skip re-checking them (moby's `MatchInfo`).
#[derive(Debug, Clone, Default)]
pub struct MatchInfo {
    parent_matched: Vec<bool>,
}

impl PatternMatcher {
    /// moby's `patternmatcher.New`.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<Self, PatternError> {
        let mut out = Vec::with_capacity(patterns.len());
        let mut exclusions = false;
        for original in patterns {
            let original = original.as_ref();
            let trimmed = original.trim();
            if trimmed.is_empty() {
                continue;
            }
            let mut p = clean(trimmed);
            let mut exclusion = false;
            if let Some(rest) = p.strip_prefix('!') {
                if rest.is_empty() {
                    return Err(PatternError {
                        pattern: original.into(),
                        reason: "illegal exclusion pattern: \"!\"".into(),
                    });
                }
                exclusion = true;
                exclusions = true;
                p = rest.to_string();
            }
            if !go_match_syntax_ok(&p) {
                return Err(PatternError {
                    pattern: original.into(),
                    reason: "syntax error in pattern".into(),
                });
            }
            let kind = compile(&p).map_err(|reason| PatternError {
                pattern: original.into(),
                reason,
            })?;
            out.push(Pattern {
                dirs: p.split('/').count(),
                cleaned: p,
                exclusion,
                kind,
            });
        }
        Ok(PatternMatcher {
            patterns: out,
            exclusions,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether any pattern starts with `!`.
    pub fn exclusions(&self) -> bool {
        self.exclusions
    }

    /// The cleaned text of every `!` pattern (without the `!`).
    pub fn exclusion_texts(&self) -> impl Iterator<Item = &str> {
        self.patterns
            .iter()
            .filter(|p| p.exclusion)
            .map(|p| p.cleaned.as_str())
    }

    /// moby's `MatchesOrParentMatches`: does `file` or one of its parent folders match?
    pub fn matches_or_parent_matches(&self, file: &str) -> bool {
        let parent = parent_path(file);
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(file);
            if !hit && let Some(parent) = parent {
                hit = prefixes(parent).any(|dir| pattern.matches(dir));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// moby's deprecated `Matches`, which the Docker CLI still uses to decide whether the Dockerfile
    /// and `.dockerignore` need re-including: it only checks the parent folder at the pattern's depth.
    pub fn matches_legacy(&self, file: &str) -> bool {
        let file = clean(file);
        if file == "." {
            return false;
        }
        let parent = parent_path(&file);
        let parent_dirs: Vec<&str> = parent.map(|p| p.split('/').collect()).unwrap_or_default();
        let mut matched = false;
        for pattern in &self.patterns {
            if pattern.exclusion != matched {
                continue;
            }
            let mut hit = pattern.matches(&file);
            if !hit && parent.is_some() && pattern.dirs <= parent_dirs.len() {
                hit = pattern.matches(&parent_dirs[..pattern.dirs].join("/"));
            }
            if hit {
                matched = !pattern.exclusion;
            }
        }
        matched
    }

    /// moby's `MatchesUsingParentResults`: the walk's matcher, given the parent folder's results.
    pub fn matches_using_parent_results(
        &self,
        file: &str,
        parent: &MatchInfo,
    ) -> (bool, MatchInfo) {
        let parent_matched = &parent.parent_matched;
        let mut matched = false;
        let mut info = MatchInfo {
            parent_matched: vec![false; self.patterns.len()],
        };
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = parent_matched.get(i).copied().unwrap_or(false);
            if !hit {
                if pattern.exclusion != matched {
                    continue;
                }
                hit = pattern.matches(file);
                if !hit
                    && parent_matched.is_empty()
                    && let Some(parent) = parent_path(file)
                {
                    hit = prefixes(parent).any(|dir| pattern.matches(dir));
                }
            }
            info.parent_matched[i] = hit;
            if hit {
                matched = !pattern.exclusion;
            }
        }
        (matched, info)
    }
}

/// `filepath.Dir` of a relative slash path, or `None` when it is `.`.
fn parent_path(file: &str) -> Option<&str> {
    let i = file.rfind('/')?;
    let parent = file[..i].trim_end_matches('/');
    if parent.is_empty() || parent == "." {
        None
    } else {
        Some(parent)
    }
}

/// `a`, `a/b`, `a/b/c` for `a/b/c`.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/')
        .map(move |(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

impl Pattern {
    fn matches(&self, path: &str) -> bool {
        match &self.kind {
            MatchKind::Exact => path == self.cleaned,
            MatchKind::Prefix => path.starts_with(&self.cleaned[..self.cleaned.len() - 2]),
            MatchKind::Suffix => {
                let suffix = &self.cleaned[2..];
                path.ends_with(suffix) || (suffix.starts_with('/') && path == &suffix[1..])
            }
            MatchKind::Regex(re) => re.is_match(path),
        }
    }
}

/// moby's `Pattern.compile`: the match kind, and for regexps Go's regular expression translated
/// for the `regex` crate.
fn compile(pattern: &str) -> Result<MatchKind, String> {
    #[derive(PartialEq)]
    enum Kind {
        Exact,
        Prefix,
        Suffix,
        Regexp,
    }
    let mut re = String::from("^");
    let mut kind = Kind::Exact;
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut index = 0;
    while i < chars.len() {
        let ch = chars[i];
        i += 1;
        if ch == '*' {
            if chars.get(i) == Some(&'*') {
                i += 1;
                if chars.get(i) == Some(&'/') {
                    i += 1;
                }
                if i >= chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        re.push_str(".*");
                        kind = Kind::Regexp;
                    }
                } else {
                    re.push_str("(.*/)?");
                    kind = Kind::Regexp;
                }
                if index == 0 {
                    kind = Kind::Suffix;
                }
            } else {
                re.push_str("[^/]*");
                kind = Kind::Regexp;
            }
        } else if ch == '?' {
            re.push_str("[^/]");
            kind = Kind::Regexp;
        } else if ".+()|{}$".contains(ch) {
            re.push('\\');
            re.push(ch);
        } else if ch == '\\' {
            if let Some(&next) = chars.get(i) {
                i += 1;
                re.push('\\');
                re.push(next);
                kind = Kind::Regexp;
            } else {
                re.push('\\');
            }
        } else if ch == '[' || ch == ']' {
            re.push(ch);
            kind = Kind::Regexp;
        } else {
            re.push(ch);
        }
        index += 1;
    }
    Ok(match kind {
        Kind::Exact => MatchKind::Exact,
        Kind::Prefix => MatchKind::Prefix,
        Kind::Suffix => MatchKind::Suffix,
        Kind::Regexp => {
            re.push('$');
            let translated = go_regex_to_rust(&re);
            let compiled = regex::Regex::new(&translated)
                .map_err(|e| format!("syntax error in pattern ({})", first_line(&e.to_string())))?;
            MatchKind::Regex(compiled)
        }
    })
}

fn first_line(s: &str) -> &str {
    s.lines().last().unwrap_or(s).trim()
}

/// Go's RE2 syntax and the `regex` crate differ in a few places that patterns can reach:
/// `[` inside a class is a literal in Go (a nested class here), `&&`, `--` and `~~` inside a class
/// are set operators here, and Go's `\d \s \w \b` are ASCII-only.
fn go_regex_to_rust(go: &str) -> String {
    let chars: Vec<char> = go.chars().collect();
    let mut out = String::with_capacity(go.len() + 8);
    let mut in_class = false;
    let mut class_start = 0usize;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            if let Some(&n) = chars.get(i + 1) {
                let ascii = match n {
                    'd' => Some("[0-9]"),
                    'D' => Some("[^0-9]"),
                    's' => Some("[\\t\\n\\f\\r ]"),
                    'S' => Some("[^\\t\\n\\f\\r ]"),
                    'w' => Some("[0-9A-Za-z_]"),
                    'W' => Some("[^0-9A-Za-z_]"),
                    'b' if !in_class => Some("(?-u:\\b)"),
                    'B' if !in_class => Some("(?-u:\\B)"),
                    _ => None,
                };
                match ascii {
                    // Inside a class only the positive ASCII sets can be spliced in.
                    Some(class) if in_class && !class.starts_with("[^") => {
                        out.push_str(&class[1..class.len() - 1])
                    }
                    Some(class) if !in_class => out.push_str(class),
                    _ => {
                        out.push('\\');
                        out.push(n);
                    }
                }
                i += 2;
                continue;
            }
            out.push('\\');
            i += 1;
            continue;
        }
        if !in_class {
            if c == '[' {
                in_class = true;
                out.push('[');
                i += 1;
                if chars.get(i) == Some(&'^') {
                    out.push('^');
                    i += 1;
                }
                class_start = i;
                continue;
            }
            if c == ']' {
                out.push_str("\\]");
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        // Inside a class.
        if c == ']' && i != class_start {
            in_class = false;
            out.push(']');
            i += 1;
            continue;
        }
        if c == '[' {
            // Go's [:alpha:] classes are kept; any other `[` is a literal.
            if chars.get(i + 1) == Some(&':')
                && let Some(end) = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars[j] == ':' && chars[j + 1] == ']')
            {
                out.extend(&chars[i..end + 2]);
                i = end + 2;
                continue;
            }
            out.push_str("\\[");
            i += 1;
            continue;
        }
        if matches!(c, '&' | '~' | '-') && chars.get(i + 1) == Some(&c) {
            out.push('\\');
            out.push(c);
            i += 1;
            continue;
        }
        if c == ']' {
            out.push_str("\\]");
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Go's `filepath.Match(pattern, ".")` reports `ErrBadPattern`: Docker refuses such patterns.
fn go_match_syntax_ok(pattern: &str) -> bool {
    go_match(pattern, ".").is_ok()
}

/// A port of Go's `path/filepath.Match` (Unix), used for its syntax check.
fn go_match(mut pattern: &str, mut name: &str) -> Result<bool, ()> {
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            return Ok(!name.contains('/'));
        }
        let (t, ok, err) = match_chunk(chunk, name);
        if ok && (t.is_empty() || !pattern.is_empty()) {
            name = t;
            continue;
        }
        if err {
            return Err(());
        }
        if star {
            let bytes = name.as_bytes();
            let mut i = 0;
            while i < bytes.len() && bytes[i] != b'/' {
                let (t, ok, err) = match_chunk(chunk, &name[i + 1..]);
                if ok {
                    if pattern.is_empty() && !t.is_empty() {
                        i += 1;
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
                if err {
                    return Err(());
                }
                i += 1;
            }
        }
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            if match_chunk(chunk, "").2 {
                return Err(());
            }
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

fn scan_chunk(mut pattern: &str) -> (bool, &str, &str) {
    let mut star = false;
    while let Some(rest) = pattern.strip_prefix('*') {
        pattern = rest;
        star = true;
    }
    let bytes = pattern.as_bytes();
    let mut in_range = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => i += 1,
            b'[' => in_range = true,
            b']' => in_range = false,
            b'*' if !in_range => break,
            _ => {}
        }
        i += 1;
    }
    (star, &pattern[..i], &pattern[i..])
}

/// Returns (rest, ok, syntax error).
fn match_chunk<'a>(mut chunk: &str, mut s: &'a str) -> (&'a str, bool, bool) {
    let mut failed = false;
    while !chunk.is_empty() {
        if !failed && s.is_empty() {
            failed = true;
        }
        let c = chunk.as_bytes()[0];
        match c {
            b'[' => {
                let mut r = '\0';
                if !failed {
                    let ch = s.chars().next().unwrap_or('\u{FFFD}');
                    r = ch;
                    s = &s[ch.len_utf8().min(s.len())..];
                }
                chunk = &chunk[1..];
                let mut negated = false;
                if chunk.starts_with('^') {
                    negated = true;
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut nrange = 0;
                loop {
                    if chunk.starts_with(']') && nrange > 0 {
                        chunk = &chunk[1..];
                        break;
                    }
                    let Some((lo, rest)) = get_esc(chunk) else {
                        return ("", false, true);
                    };
                    chunk = rest;
                    let mut hi = lo;
                    if chunk.starts_with('-') {
                        let Some((h, rest)) = get_esc(&chunk[1..]) else {
                            return ("", false, true);
                        };
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= r && r <= hi {
                        matched = true;
                    }
                    nrange += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            b'?' => {
                if !failed {
                    if s.starts_with('/') {
                        failed = true;
                    }
                    let n = s.chars().next().map(char::len_utf8).unwrap_or(1);
                    s = &s[n.min(s.len())..];
                }
                chunk = &chunk[1..];
            }
            _ => {
                if c == b'\\' {
                    chunk = &chunk[1..];
                    if chunk.is_empty() {
                        return ("", false, true);
                    }
                }
                if !failed {
                    if chunk.as_bytes()[0] != s.as_bytes()[0] {
                        failed = true;
                    }
                    s = s.get(1..).unwrap_or("");
                }
                chunk = chunk.get(1..).unwrap_or("");
            }
        }
    }
    if failed {
        ("", false, false)
    } else {
        (s, true, false)
    }
}

fn get_esc(chunk: &str) -> Option<(char, &str)> {
    if chunk.is_empty() || chunk.starts_with('-') || chunk.starts_with(']') {
        return None;
    }
    let chunk = if let Some(rest) = chunk.strip_prefix('\\') {
        if rest.is_empty() {
            return None;
        }
        rest
    } else {
        chunk
    };
    let r = chunk.chars().next()?;
    let next = &chunk[r.len_utf8()..];
    if next.is_empty() {
        return None;
    }
    Some((r, next))
}

/// The patterns Docker applies to a context: the file's patterns, plus `!Dockerfile` and
/// `!.dockerignore` when those would be ignored (the CLI's `TrimBuildFilesFromExcludes`).
pub fn context_patterns(dockerignore: Option<&[u8]>, dockerfile: &str) -> Vec<String> {
    let mut patterns = dockerignore.map(read_patterns).unwrap_or_default();
    // The CLI ignores a matcher error here (the walk reports it).
    if let Ok(pm) = PatternMatcher::new(&patterns)
        && pm.matches_legacy(".dockerignore")
    {
        patterns.push("!.dockerignore".into());
    }
    if let Ok(pm) = PatternMatcher::new(&patterns)
        && pm.matches_legacy(dockerfile)
    {
        patterns.push(format!("!{dockerfile}"));
    }
    patterns
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(patterns: &[&str]) -> PatternMatcher {
        PatternMatcher::new(patterns).unwrap()
    }

    /// The walk's view: match every parent first, then the file.
    fn walk_match(m: &PatternMatcher, file: &str) -> bool {
        let mut info = MatchInfo::default();
        if let Some(parent) = parent_path(file) {
            for dir in prefixes(parent) {
                info = m.matches_using_parent_results(dir, &info).1;
            }
        }
        m.matches_using_parent_results(file, &info).0
    }

    #[test]
    fn read_patterns_follows_dockers_reader() {
        let content = "\u{feff}test1\r\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n ! /inverted/abs/path\n!\n! \n  #not-a-comment\n./x/../y/\n";
        assert_eq!(
            read_patterns(content.as_bytes()),
            vec![
                "test1",
                "test2",
                "a/file/here",
                "lastfile",
                "!inverted/abs/path",
                "!",
                "!",
                "#not-a-comment",
                "y"
            ]
        );
    }

    #[test]
    fn clean_is_gos_path_clean() {
        for (input, want) in [
            ("", "."),
            ("abc", "abc"),
            ("abc/", "abc"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("a/../..", ".."),
            ("../../a", "../../a"),
            ("/../a", "/a"),
            ("/", "/"),
            ("//", "/"),
            ("a/b/../../..", ".."),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    // The single-pattern table of moby/patternmatcher's tests: (pattern, path, exact, with parents).
    const TABLE: &[(&str, &str, bool, bool)] = &[
        ("**", "file", true, true),
        ("**", "file/", true, true),
        ("**/", "file", true, true),
        ("**/", "file/", true, true),
        ("**", "/", true, true),
        ("**/", "/", true, true),
        ("**", "dir/file", true, true),
        ("**/", "dir/file", true, true),
        ("**", "dir/file/", true, true),
        ("**/", "dir/file/", true, true),
        ("**/**", "dir/file", true, true),
        ("**/**", "dir/file/", true, true),
        ("dir/**", "dir/file", true, true),
        ("dir/**", "dir/file/", true, true),
        ("dir/**", "dir/dir2/file", true, true),
        ("dir/**", "dir/dir2/file/", true, true),
        ("**/dir", "dir", true, true),
        ("**/dir", "dir/file", false, true),
        ("**/dir2/*", "dir/dir2/file", true, true),
        ("**/dir2/*", "dir/dir2/file/", false, true),
        ("**/dir2/**", "dir/dir2/dir3/file", true, true),
        ("**/dir2/**", "dir/dir2/dir3/file/", true, true),
        ("**file", "file", true, true),
        ("**file", "dir/file", true, true),
        ("**/file", "dir/file", true, true),
        ("**file", "dir/dir/file", true, true),
        ("**/file", "dir/dir/file", true, true),
        ("**/file*", "dir/dir/file", true, true),
        ("**/file*", "dir/dir/file.txt", true, true),
        ("**/file*txt", "dir/dir/file.txt", true, true),
        ("**/file*.txt", "dir/dir/file.txt", true, true),
        ("**/file*.txt*", "dir/dir/file.txt", true, true),
        ("**/**/*.txt", "dir/dir/file.txt", true, true),
        ("**/**/*.txt2", "dir/dir/file.txt", false, false),
        ("**/*.txt", "file.txt", true, true),
        ("**/**/*.txt", "file.txt", true, true),
        ("a**/*.txt", "a/file.txt", true, true),
        ("a**/*.txt", "a/dir/file.txt", true, true),
        ("a**/*.txt", "a/dir/dir/file.txt", true, true),
        ("a/*.txt", "a/dir/file.txt", false, false),
        ("a/*.txt", "a/file.txt", true, true),
        ("a/*.txt**", "a/file.txt", true, true),
        ("a[b-d]e", "ae", false, false),
        ("a[b-d]e", "ace", true, true),
        ("a[b-d]e", "aae", false, false),
        ("a[^b-d]e", "aze", true, true),
        (".*", ".foo", true, true),
        (".*", "foo", false, false),
        ("abc.def", "abcdef", false, false),
        ("abc.def", "abc.def", true, true),
        ("abc.def", "abcZdef", false, false),
        ("abc?def", "abcZdef", true, true),
        ("abc?def", "abcdef", false, false),
        ("**/foo/bar", "foo/bar", true, true),
        ("**/foo/bar", "dir/foo/bar", true, true),
        ("**/foo/bar", "dir/dir2/foo/bar", true, true),
        ("abc/**", "abc", false, false),
        ("abc/**", "abc/def", true, true),
        ("abc/**", "abc/def/ghi", true, true),
        ("**/.foo", ".foo", true, true),
        ("**/.foo", "bar.foo", false, false),
        ("a(b)c/def", "a(b)c/def", true, true),
        ("a(b)c/def", "a(b)c/xyz", false, false),
        ("a.|)$(}+{bc", "a.|)$(}+{bc", true, true),
        (
            "dist/*.whl",
            "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
            true,
            true,
        ),
        ("a\\\\", "a\\", true, true),
        ("a\\*b", "a*b", true, true),
    ];

    #[test]
    fn single_patterns_match_like_moby() {
        for &(pattern, path, exact, with_parents) in TABLE {
            let m = pm(&[pattern]);
            let exact_result = m.patterns[0].matches(path);
            assert_eq!(exact_result, exact, "exact: {pattern:?} vs {path:?}");
            assert_eq!(
                m.matches_or_parent_matches(path),
                with_parents,
                "or-parent: {pattern:?} vs {path:?}"
            );
            assert_eq!(
                walk_match(&m, path),
                with_parents,
                "walk: {pattern:?} vs {path:?}"
            );
        }
    }

    #[test]
    fn later_patterns_win_and_exclusions_reinclude() {
        let m = pm(&["**", "!util/docker/web"]);
        assert!(!walk_match(&m, "util/docker/web/foo"));
        let m = pm(&["**", "!util/docker/web", "util/docker/web/foo"]);
        assert!(walk_match(&m, "util/docker/web/foo"));
        let m = pm(&["*.go", "!fileutils.go"]);
        assert!(!m.matches_legacy("fileutils.go"));
        let m = pm(&["!fileutils.go", "*.go"]);
        assert!(m.matches_legacy("fileutils.go"));
        let m = pm(&["docs", "!docs/README.md"]);
        assert!(!m.matches_legacy("docs/README.md"));
    }

    #[test]
    fn bad_patterns_are_refused_like_go() {
        for bad in [
            "[", "[^", "[^bc", "a[", "\\", "[]a]", "[-]", "[x-]", "[a-b-c]", "!",
        ] {
            assert!(
                PatternMatcher::new(&[bad]).is_err(),
                "{bad:?} should be refused"
            );
        }
        for good in ["[\\]a]", "[\\-]", "[x\\-]", "*x", "a[b-d]e", "[*]"] {
            assert!(
                PatternMatcher::new(&[good]).is_ok(),
                "{good:?} should compile"
            );
        }
    }

    #[test]
    fn go_class_syntax_is_translated() {
        // `[*]` in a pattern becomes the Go regexp `[[^/]*]`, where `[` is a literal inside the class.
        let m = pm(&["a[*]"]);
        assert!(m.patterns[0].matches("a]"));
        assert!(m.patterns[0].matches("a[/^]"));
        assert!(!m.patterns[0].matches("ab"));
        // Go's \d is ASCII only.
        let m = pm(&["f\\d"]);
        assert!(m.patterns[0].matches("f1"));
        assert!(!m.patterns[0].matches("f\u{0661}"));
    }

    #[test]
    fn build_files_are_reincluded_only_when_ignored() {
        assert_eq!(
            context_patterns(Some(b"*\n"), "Dockerfile"),
            vec!["*", "!.dockerignore", "!Dockerfile"]
        );
        assert_eq!(
            context_patterns(Some(b"*.md\n"), "Dockerfile"),
            vec!["*.md"]
        );
        assert_eq!(
            context_patterns(Some(b"build\n"), "build/Dockerfile"),
            vec!["build", "!build/Dockerfile"]
        );
        assert!(context_patterns(None, "Dockerfile").is_empty());
    }
}
