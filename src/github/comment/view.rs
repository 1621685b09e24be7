//! What the body shows about each stack, computed once from its plan: the view of a stack (its
//! counts, resource lists with notes, attribute and output diffs, trust changes), the warnings
//! about stateful resources, and how much of each view a rendering shows.

use serde_json::{Map, Value};

use super::diff::{AttributeDiff, Secrets, attribute_diff};
use super::load::{StackPlan, SummaryStack};
use super::markdown::{code, truncate_chars};
use super::trust::{TrustChange, trust_change};
use crate::terraform::plan_json::{
    Action, Change, Counts, PlanJson, ResourceChange, change_set_hash,
};

/// The title of the diff block of a stack's output changes.
pub(super) const OUTPUTS_TITLE: &str = "outputs";
/// Longest failure message (from summary.json) shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// Stateful resource types: destroying or replacing one loses data, so it is called out at the top.
pub fn stateful_kind(resource_type: &str) -> Option<&'static str> {
    Some(match resource_type {
        "aws_rds_cluster" => "RDS/Aurora cluster",
        "aws_rds_global_cluster" => "Aurora global database",
        "aws_db_instance" => "RDS database instance",
        "aws_docdb_cluster" => "DocumentDB cluster",
        "aws_neptune_cluster" => "Neptune cluster",
        "aws_redshift_cluster" => "Redshift cluster",
        "aws_elasticache_replication_group" => "ElastiCache replication group",
        "aws_opensearch_domain" | "aws_elasticsearch_domain" => "OpenSearch domain",
        "aws_backup_vault" => "backup vault",
        "aws_ecr_repository" => "ECR repository",
        "aws_s3_bucket" => "S3 bucket",
        "aws_kms_key" => "KMS key",
        "aws_dynamodb_table" => "DynamoDB table",
        "aws_efs_file_system" => "EFS file system",
        "aws_ebs_volume" => "EBS volume",
        "aws_secretsmanager_secret" => "Secrets Manager secret",
        _ => return None,
    })
}

/// How much of one stack's view a rendering shows.
#[derive(Debug, Clone, Copy)]
pub(super) struct Detail {
    /// How many resources' attribute diffs are shown (`usize::MAX`: all).
    pub(super) diffs: usize,
    pub(super) unchanged: bool,
    /// Most entries shown per create/update/import/move/forget list; 0: counts only.
    pub(super) lists: usize,
}

/// How much of every view a rendering shows.
#[derive(Debug, Clone)]
pub(super) struct State {
    pub(super) detail: Vec<Detail>,
    /// Most destroy / replace / warning entries shown per list.
    pub(super) cap: Option<usize>,
}

impl State {
    /// Everything shown, for `n` stacks.
    pub(super) fn full(n: usize) -> State {
        State {
            detail: vec![
                Detail {
                    diffs: usize::MAX,
                    unchanged: true,
                    lists: usize::MAX,
                };
                n
            ],
            cap: None,
        }
    }
}

/// One listed resource: its address and a short markdown note.
#[derive(Debug, Clone)]
pub(super) struct Item {
    pub(super) address: String,
    pub(super) note: String,
    pub(super) stateful: Option<&'static str>,
}

impl Item {
    /// The item as a markdown list line.
    pub(super) fn line(&self) -> String {
        let mut line = format!("- {}", code(&self.address));
        if let Some(kind) = self.stateful {
            line.push_str(&format!(" — ⚠️ **{kind}**"));
        }
        if !self.note.is_empty() {
            line.push_str(" — ");
            line.push_str(&self.note);
        }
        line
    }
}

/// The attribute diff of one resource (or of the stack's outputs).
#[derive(Debug, Clone)]
pub(super) struct DiffBlock {
    /// Sort key: the resource address (outputs sort last).
    pub(super) address: String,
    pub(super) title: String,
    pub(super) diff: AttributeDiff,
}

impl DiffBlock {
    /// The diff of a resource change, titled with its address and what happens to it.
    fn of(rc: &ResourceChange, what: &str, secrets: &Secrets) -> DiffBlock {
        DiffBlock {
            address: rc.address.clone(),
            title: format!("{} ({what})", rc.address),
            diff: attribute_diff(&rc.change, secrets),
        }
    }
}

/// A stateful resource that a stack destroys or replaces.
#[derive(Debug, Clone)]
pub(super) struct Warning {
    pub(super) stack: String,
    pub(super) action: Action,
    pub(super) address: String,
    pub(super) kind: &'static str,
}

/// Everything the body shows about one stack, computed once.
#[derive(Debug, Clone)]
pub(super) struct View {
    pub(super) name: String,
    pub(super) provisional: bool,
    pub(super) offline: bool,
    /// `failed` or `skipped` as summary.json records it, with its message.
    pub(super) failure: Option<(String, String)>,
    pub(super) unresolved_inputs: Vec<String>,
    pub(super) missing_json: bool,
    pub(super) errored: bool,
    pub(super) counts: Counts,
    pub(super) hash: Option<String>,
    pub(super) recorded_hash_differs: Option<String>,
    pub(super) terraform_version: String,
    pub(super) destroy: Vec<Item>,
    pub(super) replace: Vec<Item>,
    pub(super) create: Vec<Item>,
    pub(super) update: Vec<Item>,
    pub(super) import: Vec<Item>,
    pub(super) moved: Vec<Item>,
    pub(super) forget: Vec<Item>,
    pub(super) diffs: Vec<DiffBlock>,
    pub(super) output_changes: usize,
    pub(super) unchanged: usize,
    pub(super) reads: usize,
    /// Roles whose trust policy (who may assume them) the plan changes.
    pub(super) trust: Vec<TrustChange>,
}

impl View {
    /// The view of one stack: what summary.json records, then what its plan JSON shows.
    pub(super) fn build(stack: &StackPlan) -> View {
        let recorded = stack.recorded.clone().unwrap_or_default();
        let mut view = View::from_summary(stack, &recorded);
        let Some(plan) = &stack.plan else {
            return view;
        };
        let secrets = Secrets::of_plan(plan);
        view.read_plan_facts(plan, recorded.change_set_hash.as_deref());
        for rc in plan.changes() {
            view.add_change(rc, &secrets);
        }
        view.sort_lists();
        view.add_outputs(plan, &secrets);
        view
    }

    /// What summary.json alone says about the stack (all there is when its plan JSON is not).
    fn from_summary(stack: &StackPlan, recorded: &SummaryStack) -> View {
        let failure = failure_of(recorded);
        View {
            name: stack.name.clone(),
            provisional: stack.provisional,
            offline: stack.offline,
            missing_json: stack.plan.is_none() && failure.is_none(),
            failure,
            unresolved_inputs: recorded.unresolved_inputs.clone(),
            errored: false,
            counts: recorded.counts.clone().unwrap_or_default(),
            hash: recorded.change_set_hash.clone(),
            recorded_hash_differs: None,
            terraform_version: String::new(),
            destroy: Vec::new(),
            replace: Vec::new(),
            create: Vec::new(),
            update: Vec::new(),
            import: Vec::new(),
            moved: Vec::new(),
            forget: Vec::new(),
            diffs: Vec::new(),
            output_changes: 0,
            unchanged: 0,
            reads: 0,
            trust: Vec::new(),
        }
    }

    /// The plan's change-set hash (noting when summary.json recorded another), counts, version,
    /// and how many resources stay unchanged or are only read.
    fn read_plan_facts(&mut self, plan: &PlanJson, recorded_hash: Option<&str>) {
        let hash = change_set_hash(&plan.change_digests());
        if let Some(recorded) = recorded_hash
            && recorded != hash
        {
            self.recorded_hash_differs = Some(recorded.to_string());
        }
        self.hash = Some(hash);
        self.counts = plan.summary_counts().0;
        self.errored = plan.errored;
        self.terraform_version = plan.terraform_version.clone();

        for rc in &plan.resource_changes {
            if !rc.is_managed() {
                self.reads += 1;
            } else if !rc.is_change() {
                self.unchanged += 1;
            }
        }
    }

    /// Files one resource change into the lists (and diffs) it belongs in.
    fn add_change(&mut self, rc: &ResourceChange, secrets: &Secrets) {
        self.trust.extend(trust_change(rc));
        let stateful = stateful_kind(&rc.resource_type);
        let item = |note: String, stateful: Option<&'static str>| Item {
            address: rc.address.clone(),
            note,
            stateful,
        };
        match rc.action() {
            Action::Create => self.create.push(item(String::new(), None)),
            Action::Update => {
                self.update.push(item(update_note(rc), None));
                self.diffs
                    .push(DiffBlock::of(rc, "update in place", secrets));
            }
            Action::Replace => {
                self.replace.push(item(replace_note(rc), stateful));
                self.diffs.push(DiffBlock::of(rc, "replace", secrets));
            }
            Action::Delete => self.destroy.push(item(delete_note(rc), stateful)),
            Action::Forget => self
                .forget
                .push(item("removed from the state, not destroyed".into(), None)),
            Action::Read | Action::NoOp => {}
        }
        if rc.is_import() {
            self.import.push(item(import_note(rc, secrets), None));
        }
        if let Some(from) = rc.moved_from() {
            self.moved.push(item(format!("from {}", code(from)), None));
        }
    }

    /// Addresses in natural order (`replica[2]` before `replica[10]`), and stateful resources
    /// first, so cutting a long list keeps the ones that matter most.
    fn sort_lists(&mut self) {
        for list in [
            &mut self.destroy,
            &mut self.replace,
            &mut self.create,
            &mut self.update,
            &mut self.import,
            &mut self.moved,
            &mut self.forget,
        ] {
            list.sort_by(|a, b| {
                b.stateful
                    .is_some()
                    .cmp(&a.stateful.is_some())
                    .then_with(|| natural_cmp(&a.address, &b.address))
            });
        }
        self.diffs
            .sort_by(|a, b| natural_cmp(&a.address, &b.address));
    }

    /// The count of output changes, and their diff as the last block.
    fn add_outputs(&mut self, plan: &PlanJson, secrets: &Secrets) {
        self.output_changes = plan
            .output_changes
            .values()
            .filter(|c| {
                !matches!(
                    Action::from_actions(&c.actions),
                    Action::NoOp | Action::Read
                )
            })
            .count();
        if let Some(outputs) = output_diff(plan, secrets) {
            self.diffs.push(DiffBlock {
                address: "\u{10FFFF}".into(),
                title: OUTPUTS_TITLE.into(),
                diff: outputs,
            });
        }
    }

    /// Whether this run's plan JSON was read (so unchanged and read counts are known).
    pub(super) fn plan_read(&self) -> bool {
        !self.missing_json && self.failure.is_none()
    }

    pub(super) fn has_changes(&self) -> bool {
        self.counts.total() > 0 || self.output_changes > 0
    }

    /// Roughly how many characters the attribute diffs take.
    pub(super) fn diff_weight(&self) -> usize {
        self.diffs
            .iter()
            .map(|d| d.title.len() + d.diff.lines.iter().map(|l| l.len() + 1).sum::<usize>())
            .sum()
    }

    /// The length of the longest create/update/import/move/forget list.
    pub(super) fn longest_list(&self) -> usize {
        [
            &self.create,
            &self.update,
            &self.import,
            &self.moved,
            &self.forget,
        ]
        .iter()
        .map(|l| l.len())
        .max()
        .unwrap_or(0)
    }

    /// Roughly how many characters the create/update/import/move/forget lists take.
    pub(super) fn list_weight(&self) -> usize {
        [
            &self.create,
            &self.update,
            &self.import,
            &self.moved,
            &self.forget,
        ]
        .iter()
        .flat_map(|l| l.iter())
        .map(|i| i.address.len() + i.note.len() + 8)
        .sum()
    }

    /// The notes in the stack table's last column.
    pub(super) fn notes(&self) -> Vec<&'static str> {
        let mut notes = Vec::new();
        match self.failure.as_ref().map(|f| f.0.as_str()) {
            Some("failed") => notes.push("plan failed"),
            Some(_) => notes.push("skipped"),
            None => {}
        }
        if self.missing_json {
            notes.push("plan JSON missing");
        }
        if self.errored {
            notes.push("plan errored");
        }
        if self.provisional {
            notes.push("provisional");
        }
        if !self.missing_json && self.failure.is_none() && !self.has_changes() {
            notes.push("no changes");
        } else if self.counts.total() == 0 && self.output_changes > 0 {
            notes.push("outputs only");
        }
        notes
    }
}

/// `failed` or `skipped` as summary.json records it, with its message redacted, on one line and
/// cut to [`MAX_MESSAGE_CHARS`].
fn failure_of(recorded: &SummaryStack) -> Option<(String, String)> {
    recorded.failed_or_skipped().map(|status| {
        let message = recorded.message.clone().unwrap_or_default();
        let message = crate::secrets::redact(&message)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        (
            status.to_string(),
            truncate_chars(&message, MAX_MESSAGE_CHARS),
        )
    })
}

/// Why an update-in-place entry also moves or imports the resource.
fn update_note(rc: &ResourceChange) -> String {
    let mut notes = Vec::new();
    if let Some(from) = rc.moved_from() {
        notes.push(format!("moved from {}", code(from)));
    }
    if rc.is_import() {
        notes.push("imported".into());
    }
    notes.join(", ")
}

/// The ID an import reads, unless it is a sensitive value.
fn import_note(rc: &ResourceChange, secrets: &Secrets) -> String {
    rc.change
        .importing
        .as_ref()
        .and_then(|i| i.get("id"))
        .and_then(Value::as_str)
        .map(|id| {
            if secrets.leaks(id) {
                "id (sensitive)".to_string()
            } else {
                format!("id {}", code(id))
            }
        })
        .unwrap_or_default()
}

/// Why a resource is destroyed, from Terraform's action reason.
fn delete_note(rc: &ResourceChange) -> String {
    match rc.action_reason.as_deref() {
        Some("delete_because_no_resource_config") => "removed from the configuration".into(),
        Some("delete_because_no_module") => "its module was removed".into(),
        Some("delete_because_wrong_repetition") => "count/for_each was added or removed".into(),
        Some("delete_because_count_index") => "beyond the new count".into(),
        Some("delete_because_each_key") => "its for_each key is gone".into(),
        Some("delete_because_no_move_target") => {
            "its moved target is not in the configuration".into()
        }
        _ => String::new(),
    }
}

/// Why a resource is replaced: Terraform's action reason, else the attributes that force it.
fn replace_note(rc: &ResourceChange) -> String {
    match rc.action_reason.as_deref() {
        Some("replace_because_tainted") => "tainted".into(),
        Some("replace_by_request") => "replacement requested (-replace)".into(),
        Some("replace_by_triggers") => "replace_triggered_by fired".into(),
        _ => {
            let paths: Vec<String> = match &rc.change.replace_paths {
                Value::Array(paths) => paths
                    .iter()
                    .filter_map(|p| p.as_array())
                    .map(|steps| {
                        steps
                            .iter()
                            .map(|s| match s {
                                Value::String(k) => k.clone(),
                                other => format!("[{other}]"),
                            })
                            .collect::<Vec<_>>()
                            .join(".")
                            .replace(".[", "[")
                    })
                    .collect(),
                _ => Vec::new(),
            };
            if paths.is_empty() {
                String::new()
            } else {
                let names: Vec<String> = paths.iter().map(|p| code(p)).collect();
                format!("{} forces replacement", names.join(", "))
            }
        }
    }
}

/// Output changes as one diff (outputs have a bool for sensitivity and unknown-ness).
fn output_diff(plan: &PlanJson, secrets: &Secrets) -> Option<AttributeDiff> {
    let mut before = Map::new();
    let mut after = Map::new();
    let mut unknown = Map::new();
    let mut before_sensitive = Map::new();
    let mut after_sensitive = Map::new();
    for (name, change) in &plan.output_changes {
        if matches!(
            Action::from_actions(&change.actions),
            Action::NoOp | Action::Read
        ) {
            continue;
        }
        before.insert(name.clone(), change.before.clone());
        after.insert(name.clone(), change.after.clone());
        unknown.insert(name.clone(), change.after_unknown.clone());
        before_sensitive.insert(name.clone(), change.before_sensitive.clone());
        after_sensitive.insert(name.clone(), change.after_sensitive.clone());
    }
    if before.is_empty() {
        return None;
    }
    let change: Change = serde_json::from_value(serde_json::json!({
        "actions": ["update"],
        "before": before,
        "after": after,
        "after_unknown": unknown,
        "before_sensitive": before_sensitive,
        "after_sensitive": after_sensitive,
    }))
    .ok()?;
    let diff = attribute_diff(&change, secrets);
    (!diff.lines.is_empty()).then_some(diff)
}

/// Every stateful resource the stacks destroy or replace, stack by stack.
pub(super) fn stateful_warnings(views: &[View]) -> Vec<Warning> {
    let mut out = Vec::new();
    for view in views {
        for (action, list) in [
            (Action::Delete, &view.destroy),
            (Action::Replace, &view.replace),
        ] {
            for item in list {
                if let Some(kind) = item.stateful {
                    out.push(Warning {
                        stack: view.name.clone(),
                        action,
                        address: item.address.clone(),
                        kind,
                    });
                }
            }
        }
    }
    out
}

/// Compares with runs of digits as numbers: `a[2]` < `a[10]`.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(c), Some(d)) if c.is_ascii_digit() && d.is_ascii_digit() => {
                let n = x.iter().take_while(|c| c.is_ascii_digit()).count();
                let m = y.iter().take_while(|c| c.is_ascii_digit()).count();
                let (dx, dy) = (&x[..n], &y[..m]);
                let trim = |d: &[u8]| -> usize { d.iter().take_while(|c| **c == b'0').count() };
                let (tx, ty) = (&dx[trim(dx)..], &dy[trim(dy)..]);
                let ord = tx
                    .len()
                    .cmp(&ty.len())
                    .then_with(|| tx.cmp(ty))
                    .then(n.cmp(&m));
                if ord != Ordering::Equal {
                    return ord;
                }
                x = &x[n..];
                y = &y[m..];
            }
            (Some(c), Some(d)) => {
                if c != d {
                    return c.cmp(d);
                }
                x = &x[1..];
                y = &y[1..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_sort_naturally() {
        let mut v = vec!["a[10]", "a[2]", "b", "a[1]", "a[02]", "a"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["a", "a[1]", "a[2]", "a[02]", "a[10]", "b"]);
    }
}
