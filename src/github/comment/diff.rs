//! Attribute-level diffs of one resource change, safe to publish.
//!
//! Values Terraform marks sensitive (`before_sensitive` / `after_sensitive`) print as `(sensitive)`,
//! values it cannot know yet (`after_unknown`) as `(known after apply)`. Terraform does not mark
//! every copy of a secret (a `terraform_data.output` that echoes a sensitive `input` is unmarked),
//! so every value is also checked against the plan's known sensitive values and hidden when it
//! contains one.

use aho_corasick::AhoCorasick;
use serde_json::Value;

use crate::terraform::plan_json::{Change, PlanJson};

pub const SENSITIVE: &str = "(sensitive)";
pub const UNKNOWN: &str = "(known after apply)";
/// Longest value shown, in characters.
const MAX_VALUE_CHARS: usize = 120;
/// Characters kept before the first difference of two long strings.
const CONTEXT_CHARS: usize = 30;
/// Sensitive values shorter than this are not searched for inside other values: they would hide
/// ordinary words. Marked values are hidden whatever their length.
const MIN_SECRET_CHARS: usize = 4;

/// The sensitive values of one plan: every value under a sensitive mark and every sensitive input,
/// searched for all at once in each value shown.
#[derive(Debug, Default)]
pub struct Secrets {
    matcher: Option<AhoCorasick>,
}

impl Secrets {
    pub fn of_plan(plan: &PlanJson) -> Secrets {
        let mut values = Vec::new();
        for rc in &plan.resource_changes {
            collect_marked(&rc.change.before, &rc.change.before_sensitive, &mut values);
            collect_marked(&rc.change.after, &rc.change.after_sensitive, &mut values);
        }
        for change in plan.output_changes.values() {
            collect_marked(&change.before, &change.before_sensitive, &mut values);
            collect_marked(&change.after, &change.after_sensitive, &mut values);
        }
        for value in plan.sensitive_variable_values() {
            collect_leaves(value, &mut values);
        }
        Secrets::from_values(values)
    }

    pub fn from_values(values: Vec<String>) -> Secrets {
        let mut patterns: Vec<String> = Vec::new();
        for value in values {
            if value.chars().count() < MIN_SECRET_CHARS {
                continue;
            }
            // Also as it appears inside JSON text (quotes, backslashes, line breaks escaped).
            let escaped = serde_json::to_string(&value).unwrap_or_default();
            let escaped = escaped.trim_matches('"').to_string();
            if escaped != value {
                patterns.push(escaped);
            }
            patterns.push(value);
        }
        patterns.sort();
        patterns.dedup();
        let matcher = if patterns.is_empty() {
            None
        } else {
            AhoCorasick::new(&patterns).ok()
        };
        Secrets { matcher }
    }

    /// Whether `text` holds any known sensitive value.
    pub fn leaks(&self, text: &str) -> bool {
        self.matcher.as_ref().is_some_and(|m| m.is_match(text))
    }
}

fn collect_marked(value: &Value, marks: &Value, out: &mut Vec<String>) {
    match (value, marks) {
        (_, Value::Bool(true)) => collect_leaves(value, out),
        (Value::Object(map), Value::Object(marks)) => {
            for (key, mark) in marks {
                if let Some(v) = map.get(key) {
                    collect_marked(v, mark, out);
                }
            }
        }
        (Value::Array(items), Value::Array(marks)) => {
            for (v, mark) in items.iter().zip(marks) {
                collect_marked(v, mark, out);
            }
        }
        _ => {}
    }
}

fn collect_leaves(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| collect_leaves(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_leaves(v, out)),
        Value::Bool(_) | Value::Null => {}
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Seg {
    Key(String),
    Index(usize),
    /// Into a string attribute that holds JSON (policies, container definitions).
    Json,
}

/// The attribute changes of one resource, as lines for a ```diff block.
#[derive(Debug, Clone, Default)]
pub struct AttributeDiff {
    pub lines: Vec<String>,
    /// Attributes with a value that does not change.
    pub unchanged: usize,
}

/// Diffs `before` against `after` of one change. `replace_paths` lines are marked as forcing
/// replacement.
pub fn attribute_diff(change: &Change, secrets: &Secrets) -> AttributeDiff {
    let replace_paths: Vec<Vec<Seg>> = match &change.replace_paths {
        Value::Array(paths) => paths.iter().map(path_of).collect(),
        _ => Vec::new(),
    };
    let mut walker = Walker {
        change,
        secrets,
        replace_paths,
        out: AttributeDiff::default(),
        in_json: 0,
    };
    let before = non_null(&change.before);
    let after = non_null(&change.after);
    walker.walk(&mut Vec::new(), before, after);
    walker.out
}

fn path_of(value: &Value) -> Vec<Seg> {
    match value {
        Value::Array(steps) => steps
            .iter()
            .map(|s| match s {
                Value::Number(n) => Seg::Index(n.as_u64().unwrap_or(0) as usize),
                Value::String(k) => Seg::Key(k.clone()),
                other => Seg::Key(other.to_string()),
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn non_null(value: &Value) -> Option<&Value> {
    (!value.is_null()).then_some(value)
}

/// Whether the mark tree says true at `path` or any of its ancestors.
fn marked(tree: &Value, path: &[Seg]) -> bool {
    let mut node = tree;
    if node == &Value::Bool(true) {
        return true;
    }
    for seg in path {
        let next = match (node, seg) {
            (Value::Object(map), Seg::Key(k)) => map.get(k),
            (Value::Array(items), Seg::Index(i)) => items.get(*i),
            _ => None,
        };
        match next {
            Some(Value::Bool(true)) => return true,
            Some(n) => node = n,
            None => return false,
        }
    }
    false
}

/// The keys (or indexes) the mark tree has directly at `path`.
fn children_at<'a>(tree: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut node = tree;
    for seg in path {
        node = match (node, seg) {
            (Value::Object(map), Seg::Key(k)) => map.get(k)?,
            (Value::Array(items), Seg::Index(i)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn display_path(path: &[Seg]) -> String {
    let mut out = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                let plain = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    && !k.starts_with(|c: char| c.is_ascii_digit());
                if plain {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str(&format!(
                        "[{}]",
                        serde_json::to_string(k).unwrap_or_default()
                    ));
                }
            }
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Json => out = format!("jsondecode({out})"),
        }
    }
    if out.is_empty() {
        "(whole resource)".into()
    } else {
        out
    }
}

struct Walker<'a> {
    change: &'a Change,
    secrets: &'a Secrets,
    replace_paths: Vec<Vec<Seg>>,
    out: AttributeDiff,
    /// Inside a JSON string: its leaves are not attributes, so they are not counted as unchanged.
    in_json: usize,
}

impl Walker<'_> {
    fn show(&self, value: &Value) -> String {
        let text = match value {
            Value::String(s) => {
                if self.secrets.leaks(s) {
                    return SENSITIVE.into();
                }
                serde_json::to_string(s).unwrap_or_default()
            }
            other => other.to_string(),
        };
        if self.secrets.leaks(&text) {
            return SENSITIVE.into();
        }
        super::markdown::truncate_chars(&text, MAX_VALUE_CHARS)
    }

    /// Two long strings that differ: both shown from shortly before their first difference, so
    /// the change is visible even when it is past the first characters.
    fn show_changed_string(&self, before: &str, after: &str) -> String {
        if self.secrets.leaks(before) || self.secrets.leaks(after) {
            let side = |s: &str| {
                if self.secrets.leaks(s) {
                    SENSITIVE.to_string()
                } else {
                    self.show(&Value::String(s.to_string()))
                }
            };
            return format!("{} → {}", side(before), side(after));
        }
        let escaped = |s: &str| serde_json::to_string(s).unwrap_or_default();
        let (b, a) = (escaped(before), escaped(after));
        if b.chars().count() <= MAX_VALUE_CHARS && a.chars().count() <= MAX_VALUE_CHARS {
            return format!("{b} → {a}");
        }
        let common = b.chars().zip(a.chars()).take_while(|(x, y)| x == y).count();
        let start = common.saturating_sub(CONTEXT_CHARS);
        let window = |s: &str| {
            let tail: String = s.chars().skip(start).collect();
            let text = if start > 0 {
                format!("…{tail}")
            } else {
                tail
            };
            super::markdown::truncate_chars(&text, MAX_VALUE_CHARS)
        };
        format!("{} → {}", window(&b), window(&a))
    }

    fn count_unchanged(&mut self) {
        if self.in_json == 0 {
            self.out.unchanged += 1;
        }
    }

    fn forces_replacement(&self, path: &[Seg]) -> bool {
        self.replace_paths
            .iter()
            .any(|p| !p.is_empty() && path.starts_with(p))
    }

    fn emit(&mut self, sign: char, path: &[Seg], text: String) {
        let note = if self.forces_replacement(path) {
            "  # forces replacement"
        } else {
            ""
        };
        self.out
            .lines
            .push(format!("{sign} {}: {text}{note}", display_path(path)));
    }

    fn walk(&mut self, path: &mut Vec<Seg>, before: Option<&Value>, after: Option<&Value>) {
        let sensitive = marked(&self.change.before_sensitive, path)
            || marked(&self.change.after_sensitive, path);
        let unknown = marked(&self.change.after_unknown, path);
        if sensitive {
            match (before, after, unknown) {
                (Some(b), Some(a), false) if b == a => self.count_unchanged(),
                (None, None, false) => {}
                (Some(_), _, true) => self.emit('!', path, format!("{SENSITIVE} → {UNKNOWN}")),
                (None, _, true) => self.emit('+', path, UNKNOWN.into()),
                (Some(_), Some(_), false) => self.emit('!', path, SENSITIVE.into()),
                (None, Some(_), false) => self.emit('+', path, SENSITIVE.into()),
                (Some(_), None, false) => self.emit('-', path, SENSITIVE.into()),
            }
            return;
        }
        if unknown {
            match before {
                Some(b) => {
                    let shown = self.show(b);
                    self.emit('!', path, format!("{shown} → {UNKNOWN}"))
                }
                None => self.emit('+', path, UNKNOWN.into()),
            }
            return;
        }
        match (before, after) {
            (None, None) => {}
            (Some(b), Some(a)) if b == a => {
                // Unknown or sensitive parts below an equal value are impossible; count and move on.
                self.count_unchanged();
            }
            (b, a) if is_container(b) || is_container(a) => self.walk_children(path, b, a),
            (Some(Value::String(b)), Some(Value::String(a))) => {
                if let (Some(jb), Some(ja)) = (json_container(b), json_container(a)) {
                    path.push(Seg::Json);
                    self.in_json += 1;
                    self.walk_children(path, Some(&jb), Some(&ja));
                    self.in_json -= 1;
                    path.pop();
                } else {
                    let text = self.show_changed_string(b, a);
                    self.emit('!', path, text)
                }
            }
            (Some(b), Some(a)) => {
                let text = format!("{} → {}", self.show(b), self.show(a));
                self.emit('!', path, text)
            }
            (None, Some(a)) => {
                let text = self.show(a);
                self.emit('+', path, text)
            }
            (Some(b), None) => {
                let text = self.show(b);
                self.emit('-', path, text)
            }
        }
    }

    fn walk_children(
        &mut self,
        path: &mut Vec<Seg>,
        before: Option<&Value>,
        after: Option<&Value>,
    ) {
        let empty = |v: Option<&Value>| match v {
            Some(Value::Object(m)) => m.is_empty(),
            Some(Value::Array(a)) => a.is_empty(),
            _ => false,
        };
        // A container appearing or disappearing whole, empty: one line says it.
        match (before, after) {
            (None, Some(a)) if empty(Some(a)) => {
                let text = self.show(a);
                return self.emit('+', path, text);
            }
            (Some(b), None) if empty(Some(b)) => {
                let text = self.show(b);
                return self.emit('-', path, text);
            }
            _ => {}
        }
        // Containers of different kinds, or a container against a scalar: show both whole.
        if let (Some(b), Some(a)) = (before, after)
            && (b.is_object() != a.is_object() || b.is_array() != a.is_array())
        {
            let text = format!("{} → {}", self.show(b), self.show(a));
            return self.emit('!', path, text);
        }
        if matches!(before, Some(Value::Object(_))) || matches!(after, Some(Value::Object(_))) {
            let mut keys: Vec<String> = Vec::new();
            for v in [before, after].into_iter().flatten() {
                if let Value::Object(m) = v {
                    keys.extend(m.keys().cloned());
                }
            }
            // Attributes only the unknown tree knows about (computed, absent from `after`).
            if let Some(Value::Object(m)) = children_at(&self.change.after_unknown, path) {
                keys.extend(
                    m.iter()
                        .filter(|(_, v)| v.as_bool() == Some(true))
                        .map(|(k, _)| k.clone()),
                );
            }
            keys.sort();
            keys.dedup();
            for key in keys {
                let b = before.and_then(|v| v.get(&key)).and_then(non_null);
                let a = after.and_then(|v| v.get(&key)).and_then(non_null);
                path.push(Seg::Key(key));
                self.walk(path, b, a);
                path.pop();
            }
        } else {
            let len = |v: Option<&Value>| v.and_then(Value::as_array).map_or(0, Vec::len);
            let unknown_len = children_at(&self.change.after_unknown, path)
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let n = len(before).max(len(after)).max(unknown_len);
            for i in 0..n {
                let b = before.and_then(|v| v.get(i)).and_then(non_null);
                let a = after.and_then(|v| v.get(i)).and_then(non_null);
                path.push(Seg::Index(i));
                self.walk(path, b, a);
                path.pop();
            }
        }
    }
}

/// A string that holds a JSON object or array (e.g. an IAM policy), parsed.
fn json_container(text: &str) -> Option<Value> {
    let trimmed = text.trim_start();
    if !(trimmed.starts_with('{') || trimmed.starts_with('[')) {
        return None;
    }
    serde_json::from_str::<Value>(text)
        .ok()
        .filter(|v| v.is_object() || v.is_array())
}

fn is_container(v: Option<&Value>) -> bool {
    matches!(v, Some(Value::Object(_)) | Some(Value::Array(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(v: Value) -> Change {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn nested_updates_show_each_changed_leaf() {
        let c = change(json!({
            "actions": ["update"],
            "before": {"name": "web", "size": 2, "tags": {"env": "dev"}, "gone": "x"},
            "after": {"name": "web", "size": 3, "tags": {"env": "prod", "team": "a"}, "gone": null},
            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}
        }));
        let d = attribute_diff(&c, &Secrets::default());
        assert_eq!(
            d.lines,
            vec![
                "- gone: \"x\"",
                "! size: 2 → 3",
                "! tags.env: \"dev\" → \"prod\"",
                "+ tags.team: \"a\""
            ]
        );
        assert_eq!(d.unchanged, 1);
    }

    #[test]
    fn sensitive_and_unknown_values_never_print() {
        let c = change(json!({
            "actions": ["update"],
            "before": {"input": "old-secret-1", "output": "old-secret-1", "list": ["a", "hidden-2"]},
            "after": {"input": "new-secret-1", "list": ["a", "hidden-3"]},
            "after_unknown": {"output": true},
            "before_sensitive": {"input": true, "list": [false, true]},
            "after_sensitive": {"input": true, "list": [false, true]}
        }));
        let secrets = Secrets::from_values(vec!["old-secret-1".into(), "new-secret-1".into()]);
        let d = attribute_diff(&c, &secrets);
        let text = d.lines.join("\n");
        assert_eq!(
            d.lines,
            vec![
                "! input: (sensitive)",
                "! list[1]: (sensitive)",
                "! output: (sensitive) → (known after apply)"
            ],
            "{text}"
        );
    }

    #[test]
    fn replace_paths_are_flagged() {
        let c = change(json!({
            "actions": ["delete", "create"],
            "before": {"hash_key": "id", "arn": "a"},
            "after": {"hash_key": "session_id"},
            "after_unknown": {"arn": true},
            "before_sensitive": {}, "after_sensitive": {},
            "replace_paths": [["hash_key"]]
        }));
        let d = attribute_diff(&c, &Secrets::default());
        assert_eq!(
            d.lines,
            vec![
                "! arn: \"a\" → (known after apply)",
                "! hash_key: \"id\" → \"session_id\"  # forces replacement"
            ]
        );
    }

    #[test]
    fn json_strings_diff_by_structure_and_long_strings_show_where_they_differ() {
        let policy = |action: &str| {
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": action, "Resource": "*"}]})
                .to_string()
        };
        let long = |tail: &str| {
            format!(
                "#!/bin/bash\n{}{tail}",
                "echo setting up the node\n".repeat(10)
            )
        };
        let c = change(json!({
            "actions": ["update"],
            "before": {"policy": policy("s3:GetObject"), "user_data": long("exit 0")},
            "after": {"policy": policy("s3:*"), "user_data": long("exit 1")},
            "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}
        }));
        let d = attribute_diff(&c, &Secrets::default());
        assert_eq!(
            d.lines[0],
            "! jsondecode(policy).Statement[0].Action: \"s3:GetObject\" → \"s3:*\""
        );
        assert!(d.lines[1].starts_with("! user_data: …"), "{}", d.lines[1]);
        assert!(
            d.lines[1].contains("exit 0\" → …") && d.lines[1].ends_with("exit 1\""),
            "{}",
            d.lines[1]
        );
        assert_eq!(d.unchanged, 0, "JSON leaves are not attributes");
    }

    #[test]
    fn odd_keys_are_quoted() {
        assert_eq!(
            display_path(&[
                Seg::Key("tags".into()),
                Seg::Key("kubernetes.io/role".into())
            ]),
            "tags[\"kubernetes.io/role\"]"
        );
    }
}
