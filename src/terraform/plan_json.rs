//! The model of `terraform show -json <planfile>`: resource and output changes, how each is
//! classified, and the normalized change set whose hash ties an apply to the plan that was reviewed.
//!
//! Only the fields we use are typed; `before`/`after` stay JSON values so that every attribute a
//! provider adds is carried through.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Deserialize)]
pub struct PlanJson {
    #[serde(default)]
    pub format_version: String,
    #[serde(default)]
    pub terraform_version: String,
    #[serde(default)]
    pub resource_changes: Vec<ResourceChange>,
    #[serde(default)]
    pub output_changes: BTreeMap<String, Change>,
    #[serde(default)]
    pub errored: bool,
    /// Root module input values as planned (sensitive ones included: see `configuration`).
    #[serde(default)]
    pub variables: BTreeMap<String, VariableValue>,
    /// Only what tells which inputs are sensitive is typed.
    #[serde(default)]
    pub configuration: Configuration,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct VariableValue {
    #[serde(default)]
    pub value: Value,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Configuration {
    #[serde(default)]
    pub root_module: ConfigModule,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfigModule {
    #[serde(default)]
    pub variables: BTreeMap<String, ConfigVariable>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfigVariable {
    #[serde(default)]
    pub sensitive: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResourceChange {
    pub address: String,
    #[serde(default)]
    pub previous_address: Option<String>,
    #[serde(default)]
    pub mode: String,
    #[serde(rename = "type", default)]
    pub resource_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub provider_name: String,
    pub change: Change,
    #[serde(default)]
    pub action_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Change {
    pub actions: Vec<String>,
    #[serde(default)]
    pub before: Value,
    #[serde(default)]
    pub after: Value,
    #[serde(default)]
    pub after_unknown: Value,
    #[serde(default)]
    pub before_sensitive: Value,
    #[serde(default)]
    pub after_sensitive: Value,
    #[serde(default)]
    pub replace_paths: Value,
    #[serde(default)]
    pub importing: Option<Value>,
}

/// What a change does to a resource, as a reviewer reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
    Read,
    Forget,
    NoOp,
}

impl Action {
    pub fn from_actions(actions: &[String]) -> Action {
        let has = |a: &str| actions.iter().any(|x| x == a);
        if has("delete") && has("create") {
            Action::Replace
        } else if has("create") {
            Action::Create
        } else if has("delete") {
            Action::Delete
        } else if has("update") {
            Action::Update
        } else if has("read") {
            Action::Read
        } else if has("forget") {
            Action::Forget
        } else {
            Action::NoOp
        }
    }
}

impl ResourceChange {
    pub fn action(&self) -> Action {
        Action::from_actions(&self.change.actions)
    }

    pub fn is_managed(&self) -> bool {
        self.mode != "data"
    }

    /// Moved from another address (a `moved` block or a refactor), possibly with no other change.
    pub fn moved_from(&self) -> Option<&str> {
        self.previous_address
            .as_deref()
            .filter(|prev| *prev != self.address)
    }

    pub fn is_import(&self) -> bool {
        self.change.importing.is_some()
    }

    /// Whether applying the plan would do anything to this resource.
    pub fn is_change(&self) -> bool {
        self.is_managed()
            && (!matches!(self.action(), Action::NoOp | Action::Read)
                || self.moved_from().is_some()
                || self.is_import())
    }
}

impl PlanJson {
    pub fn parse(bytes: &[u8]) -> Result<PlanJson, serde_json::Error> {
        serde_json::from_slice(bytes)
    }

    /// The changes applying this plan would make, sorted by address.
    pub fn changes(&self) -> Vec<&ResourceChange> {
        let mut changes: Vec<&ResourceChange> = self
            .resource_changes
            .iter()
            .filter(|rc| rc.is_change())
            .collect();
        changes.sort_by(|a, b| a.address.cmp(&b.address));
        changes
    }

    /// The normalized change set: one canonical JSON document per changed resource and output,
    /// keyed by address. Volatile parts of the plan (timestamps, versions, prior state, unchanged
    /// resources) are left out, so two plans of the same change hash the same.
    pub fn change_digests(&self) -> BTreeMap<String, String> {
        let mut digests = BTreeMap::new();
        for rc in self.changes() {
            let doc = serde_json::json!({
                "actions": rc.change.actions,
                "previous_address": rc.moved_from(),
                "importing": rc.change.importing,
                "before": rc.change.before,
                "after": rc.change.after,
                "after_unknown": rc.change.after_unknown,
            });
            digests.insert(rc.address.clone(), sha256_hex(&canonical_json(&doc)));
        }
        for (name, change) in &self.output_changes {
            if Action::from_actions(&change.actions) == Action::NoOp {
                continue;
            }
            let doc = serde_json::json!({
                "actions": change.actions,
                "after": change.after,
                "after_unknown": change.after_unknown,
            });
            digests.insert(format!("output.{name}"), sha256_hex(&canonical_json(&doc)));
        }
        digests
    }

    /// The planned values of root module variables declared `sensitive = true`.
    pub fn sensitive_variable_values(&self) -> Vec<&Value> {
        self.configuration
            .root_module
            .variables
            .iter()
            .filter(|(_, v)| v.sensitive)
            .filter_map(|(name, _)| self.variables.get(name).map(|v| &v.value))
            .collect()
    }

    pub fn summary_counts(&self) -> (Counts, Addresses) {
        let mut counts = Counts::default();
        let mut addresses = Addresses::default();
        for rc in self.changes() {
            let address = rc.address.clone();
            match rc.action() {
                Action::Create => {
                    counts.add += 1;
                    addresses.create.push(address.clone());
                }
                Action::Update => {
                    counts.change += 1;
                    addresses.update.push(address.clone());
                }
                Action::Replace => {
                    counts.replace += 1;
                    addresses.replace.push(address.clone());
                }
                Action::Delete => {
                    counts.destroy += 1;
                    addresses.delete.push(address.clone());
                }
                Action::Forget => {
                    counts.forget += 1;
                    addresses.forget.push(address.clone());
                }
                Action::Read | Action::NoOp => {}
            }
            if rc.is_import() {
                counts.import += 1;
                addresses.import.push(address.clone());
            }
            if rc.moved_from().is_some() {
                counts.moved += 1;
                addresses.moved.push(address);
            }
        }
        (counts, addresses)
    }
}

/// The hash of a whole change set, from its per-address digests.
pub fn change_set_hash(digests: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (address, digest) in digests {
        hasher.update(address.as_bytes());
        hasher.update(b"\0");
        hasher.update(digest.as_bytes());
        hasher.update(b"\n");
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// The addresses whose change differs between a reviewed and a new change set (added, removed or altered).
pub fn differing_addresses(
    reviewed: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out: Vec<String> = reviewed
        .iter()
        .filter(|(address, digest)| current.get(*address) != Some(digest))
        .map(|(address, _)| address.clone())
        .chain(
            current
                .keys()
                .filter(|address| !reviewed.contains_key(*address))
                .cloned(),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub add: usize,
    pub change: usize,
    pub destroy: usize,
    pub replace: usize,
    pub import: usize,
    #[serde(rename = "move")]
    pub moved: usize,
    #[serde(default)]
    pub forget: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.add
            + self.change
            + self.destroy
            + self.replace
            + self.import
            + self.moved
            + self.forget
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addresses {
    pub create: Vec<String>,
    pub update: Vec<String>,
    pub replace: Vec<String>,
    pub delete: Vec<String>,
    pub import: Vec<String>,
    #[serde(rename = "move")]
    pub moved: Vec<String>,
    #[serde(default)]
    pub forget: Vec<String>,
}

/// JSON with object keys sorted at every level, so equal values serialize to equal bytes.
pub fn canonical_json(value: &Value) -> String {
    fn sorted(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.clone(), sorted(v)))
                        .collect(),
                )
            }
            Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
            other => other.clone(),
        }
    }
    sorted(value).to_string()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(changes: Value) -> PlanJson {
        serde_json::from_value(serde_json::json!({
            "format_version": "1.2",
            "terraform_version": "1.11.4",
            "resource_changes": changes,
        }))
        .unwrap()
    }

    fn rc(address: &str, actions: &[&str], after: Value) -> Value {
        serde_json::json!({
            "address": address, "mode": "managed", "type": "aws_s3_bucket", "name": "b",
            "change": {"actions": actions, "before": null, "after": after, "after_unknown": {}}
        })
    }

    #[test]
    fn actions_classify_as_reviewers_read_them() {
        let s = |a: &[&str]| a.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            Action::from_actions(&s(&["delete", "create"])),
            Action::Replace
        );
        assert_eq!(
            Action::from_actions(&s(&["create", "delete"])),
            Action::Replace
        );
        assert_eq!(Action::from_actions(&s(&["update"])), Action::Update);
        assert_eq!(Action::from_actions(&s(&["no-op"])), Action::NoOp);
        assert_eq!(Action::from_actions(&s(&["forget"])), Action::Forget);
    }

    #[test]
    fn the_hash_ignores_key_order_and_unchanged_resources_but_not_values() {
        let a = plan(serde_json::json!([
            rc(
                "aws_s3_bucket.a",
                &["create"],
                serde_json::json!({"bucket": "x", "tags": {"a": "1", "b": "2"}})
            ),
            rc(
                "aws_s3_bucket.same",
                &["no-op"],
                serde_json::json!({"bucket": "y"})
            ),
        ]));
        let b = plan(serde_json::json!([rc(
            "aws_s3_bucket.a",
            &["create"],
            serde_json::json!({"tags": {"b": "2", "a": "1"}, "bucket": "x"})
        ),]));
        let c = plan(serde_json::json!([rc(
            "aws_s3_bucket.a",
            &["create"],
            serde_json::json!({"bucket": "x", "tags": {"a": "1", "b": "3"}})
        ),]));
        let (da, db, dc) = (a.change_digests(), b.change_digests(), c.change_digests());
        assert_eq!(change_set_hash(&da), change_set_hash(&db));
        assert_ne!(change_set_hash(&da), change_set_hash(&dc));
        assert_eq!(differing_addresses(&da, &dc), vec!["aws_s3_bucket.a"]);
    }

    #[test]
    fn moves_and_imports_count_even_without_other_changes() {
        let p: PlanJson = serde_json::from_value(serde_json::json!({
            "resource_changes": [
                {"address": "aws_s3_bucket.new", "previous_address": "aws_s3_bucket.old", "mode": "managed",
                 "change": {"actions": ["no-op"], "before": {}, "after": {}}},
                {"address": "aws_s3_bucket.imp", "mode": "managed",
                 "change": {"actions": ["no-op"], "before": {}, "after": {}, "importing": {"id": "imp"}}},
                {"address": "data.aws_iam_policy_document.x", "mode": "data",
                 "change": {"actions": ["read"], "before": null, "after": {}}}
            ]
        }))
        .unwrap();
        let (counts, addresses) = p.summary_counts();
        assert_eq!(counts.moved, 1);
        assert_eq!(counts.import, 1);
        assert_eq!(counts.total(), 2);
        assert_eq!(addresses.moved, vec!["aws_s3_bucket.new"]);
    }
}
