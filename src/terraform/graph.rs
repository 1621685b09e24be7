//! The stack dependency graph: which stacks may run together, and in which order.
//!
//! `platform.toml` loading already refused cycles and unknown names, so the graph here is a DAG.

use std::collections::{BTreeMap, BTreeSet};

use crate::config::Stack;

#[derive(Debug, Clone)]
pub struct StackGraph {
    /// Stack name -> the stacks it depends on.
    upstream: BTreeMap<String, BTreeSet<String>>,
    /// Declaration order, used to keep output stable.
    order: Vec<String>,
}

impl StackGraph {
    pub fn new(stacks: &[Stack]) -> Self {
        StackGraph {
            upstream: stacks
                .iter()
                .map(|s| (s.name.clone(), s.depends_on.iter().cloned().collect()))
                .collect(),
            order: stacks.iter().map(|s| s.name.clone()).collect(),
        }
    }

    pub fn upstream(&self, stack: &str) -> impl Iterator<Item = &str> {
        self.upstream
            .get(stack)
            .into_iter()
            .flat_map(|deps| deps.iter().map(String::as_str))
    }

    /// Stacks grouped in levels: every stack of a level depends only on earlier levels, so the
    /// stacks of one level can run at the same time.
    pub fn levels(&self) -> Vec<Vec<String>> {
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut levels = Vec::new();
        while done.len() < self.order.len() {
            let level: Vec<String> = self
                .order
                .iter()
                .filter(|s| !done.contains(*s))
                .filter(|s| self.upstream(s).all(|d| done.contains(d)))
                .cloned()
                .collect();
            if level.is_empty() {
                // Unreachable for validated configs; stop rather than loop.
                break;
            }
            done.extend(level.iter().cloned());
            levels.push(level);
        }
        levels
    }

    /// `stacks` plus everything they depend on, transitively, in declaration order.
    pub fn with_upstreams(&self, stacks: &[String]) -> Vec<String> {
        let mut wanted: BTreeSet<String> = BTreeSet::new();
        let mut todo: Vec<String> = stacks.to_vec();
        while let Some(s) = todo.pop() {
            if wanted.insert(s.clone()) {
                todo.extend(self.upstream(&s).map(str::to_string));
            }
        }
        self.order
            .iter()
            .filter(|s| wanted.contains(*s))
            .cloned()
            .collect()
    }

    /// Every stack that depends on `stack`, transitively.
    pub fn downstream_of(&self, stack: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        let mut changed = true;
        while changed {
            changed = false;
            for (name, deps) in &self.upstream {
                if !out.contains(name)
                    && (deps.contains(stack) || deps.iter().any(|d| out.contains(d)))
                {
                    out.insert(name.clone());
                    changed = true;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn stack(name: &str, deps: &[&str]) -> Stack {
        Stack {
            name: name.into(),
            dir: PathBuf::from(name),
            region: None,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            inputs: Default::default(),
            backend: None,
            backend_location: None,
        }
    }

    #[test]
    fn independent_stacks_share_a_level() {
        let g = StackGraph::new(&[
            stack("global", &["us-east-1", "eu-west-1"]),
            stack("us-east-1", &[]),
            stack("eu-west-1", &[]),
        ]);
        assert_eq!(
            g.levels(),
            vec![
                vec!["us-east-1".to_string(), "eu-west-1".into()],
                vec!["global".into()]
            ]
        );
    }

    #[test]
    fn chains_run_in_order_and_downstream_is_transitive() {
        let g = StackGraph::new(&[
            stack("a", &[]),
            stack("b", &["a"]),
            stack("c", &["b"]),
            stack("d", &[]),
        ]);
        assert_eq!(g.levels().len(), 3);
        assert_eq!(
            g.downstream_of("a"),
            ["b", "c"].iter().map(|s| s.to_string()).collect()
        );
        assert_eq!(g.with_upstreams(&["c".into()]), vec!["a", "b", "c"]);
    }
}
