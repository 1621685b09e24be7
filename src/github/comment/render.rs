//! The comment body: a headline, warnings, a table of stacks, then one section per stack, kept
//! under GitHub's size limit by leaving detail out in a fixed order.
//!
//! Order of what goes when the body is too long: attribute diffs (largest stack first), then the
//! unchanged-count detail, then the create/update/import/move/forget lists (turned into counts),
//! and last the destroy, replace and warning lists are cut to the same length with an exact
//! "… and N more". The headline, the table, every count and every change-set hash always stay.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::diff::{AttributeDiff, Secrets, attribute_diff};
use super::load::StackPlan;
use super::markdown::{
    cell, code, escape_html, fence_for, github_len, num, plural, truncate_chars,
};
use super::trust::{TrustChange, trust_change};
use crate::terraform::plan_json::{
    Action, Change, Counts, PlanJson, ResourceChange, change_set_hash,
};

/// GitHub refuses issue comments longer than this.
pub const COMMENT_LIMIT: usize = 65_536;
/// GitHub's job summary limit is 1 MiB per step; this leaves room for what else the step writes.
pub const SUMMARY_LIMIT: usize = 1_000_000;
/// Most attribute lines shown for one resource.
const MAX_DIFF_LINES_PER_RESOURCE: usize = 200;
/// Longest failure message (from summary.json) shown.
const MAX_MESSAGE_CHARS: usize = 300;

/// The log group that holds the full plan when the comment is shortened.
pub const FULL_PLAN_GROUP: &str = "Full plan";
/// The diff block of a stack's output changes.
const OUTPUTS_TITLE: &str = "outputs";
const MARKER_PREFIX: &str = "<!-- platform-deploy:plan key=";
const COMMIT_PREFIX: &str = "<!-- platform-deploy:commit ";
const MARKER_SUFFIX: &str = " -->";

/// Where a body goes: a PR comment or the job summary (each with its own limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Comment,
    JobSummary,
}

impl Target {
    pub fn limit(self) -> usize {
        match self {
            Target::Comment => COMMENT_LIMIT,
            Target::JobSummary => SUMMARY_LIMIT,
        }
    }

    fn limit_text(self) -> &'static str {
        match self {
            Target::Comment => "GitHub's 65,536-character comment limit",
            Target::JobSummary => "the 1 MiB job summary limit",
        }
    }
}

#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// Identifies the comment among others on the PR (`--comment-key`, default the config path).
    pub key: String,
    /// The commit the plans reflect (the PR head).
    pub head_sha: Option<String>,
    /// The workflow run whose log and artifacts hold the full plan.
    pub run_url: Option<String>,
    pub target: Target,
    /// Overrides the target's limit (in [`github_len`] units).
    pub limit: Option<usize>,
}

impl RenderOptions {
    pub fn new(key: impl Into<String>, target: Target) -> RenderOptions {
        RenderOptions {
            key: key.into(),
            head_sha: None,
            run_url: None,
            target,
            limit: None,
        }
    }
}

/// A rendered body and what was left out of it.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub key: String,
    pub head_sha: Option<String>,
    pub body: String,
    /// Human descriptions of what was left out to fit the limit; empty when nothing was.
    pub left_out: Vec<String>,
}

impl Rendered {
    pub fn is_complete(&self) -> bool {
        self.left_out.is_empty()
    }
}

/// The hidden first line that identifies the comment for `key`.
pub fn marker(key: &str) -> String {
    format!("{MARKER_PREFIX}{}{MARKER_SUFFIX}", encode_key(key))
}

/// The hidden second line recording the commit the comment reflects.
pub fn commit_marker(sha: &str) -> String {
    format!("{COMMIT_PREFIX}{}{MARKER_SUFFIX}", encode_key(sha))
}

/// Whether `body` is the plan comment for `key`: its first line is exactly the marker (a reply
/// quoting it starts with `>` and does not count).
pub fn is_comment_for(body: &str, key: &str) -> bool {
    body.lines().next().map(str::trim_end) == Some(marker(key).as_str())
}

/// The commit a plan comment body says it reflects.
pub fn commit_of(body: &str) -> Option<String> {
    let line = body.lines().nth(1)?.trim_end();
    let sha = line
        .strip_prefix(COMMIT_PREFIX)?
        .strip_suffix(MARKER_SUFFIX)?;
    Some(sha.to_string())
}

/// Keys are free text (a path); anything that could end the HTML comment or break the line is
/// percent-encoded.
fn encode_key(key: &str) -> String {
    let mut out = String::new();
    for c in key.chars() {
        if c.is_ascii_alphanumeric() || "._/:@+=,~-".contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

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

/// Renders the body for `target`, as complete as the limit allows.
pub fn render_body(stacks: &[StackPlan], options: &RenderOptions) -> Rendered {
    let limit = options.limit.unwrap_or(options.target.limit());
    let views: Vec<View> = stacks.iter().map(View::build).collect();
    let warnings = stateful_warnings(&views);
    let doc = Doc {
        views: &views,
        warnings: &warnings,
        options,
    };
    let mut state = State::full(views.len());
    let fits = |state: &State| -> Option<String> {
        let body = doc.render(state);
        (github_len(&body) <= limit).then_some(body)
    };
    let done = |body: String, state: &State| Rendered {
        key: options.key.clone(),
        head_sha: options.head_sha.clone(),
        body,
        left_out: doc.left_out(state),
    };
    if let Some(body) = fits(&state) {
        return done(body, &state);
    }
    // 1. Attribute diffs, the stack with the most first; within a stack, as many resources'
    //    diffs as fit.
    for i in order_by_weight(&views, |v| v.diff_weight()) {
        let all = views[i].diffs.len();
        let found = largest_fitting(all - 1, |k| {
            let mut s = state.clone();
            s.detail[i].diffs = k;
            fits(&s)
        });
        if let Some((k, body)) = found {
            state.detail[i].diffs = k;
            return done(body, &state);
        }
        state.detail[i].diffs = 0;
    }
    // 2. Unchanged-count detail.
    for detail in &mut state.detail {
        detail.unchanged = false;
    }
    if let Some(body) = fits(&state) {
        return done(body, &state);
    }
    // 3. Per-resource lists of creates, updates, imports, moves and forgets are cut, down to
    //    counts only, the stack with the longest lists first.
    for i in order_by_weight(&views, |v| v.list_weight()) {
        let longest = views[i].longest_list();
        let found = largest_fitting(longest - 1, |k| {
            let mut s = state.clone();
            s.detail[i].lists = k;
            fits(&s)
        });
        if let Some((k, body)) = found {
            state.detail[i].lists = k;
            return done(body, &state);
        }
        state.detail[i].lists = 0;
    }
    // 4. Destroy, replace and warning lists are cut to the longest length that fits.
    let longest = views
        .iter()
        .map(|v| v.destroy.len().max(v.replace.len()))
        .chain([warnings.len()])
        .max()
        .unwrap_or(0);
    let found = largest_fitting(longest, |k| {
        let mut s = state.clone();
        s.cap = Some(k);
        fits(&s)
    });
    if let Some((cap, body)) = found {
        state.cap = Some(cap);
        return done(body, &state);
    }
    // 5. Not even the skeleton fits (hundreds of stacks): the headline and where to look.
    let body = doc.render_minimal(limit);
    Rendered {
        key: options.key.clone(),
        head_sha: options.head_sha.clone(),
        body,
        left_out: vec!["the stack table and every stack's section".into()],
    }
}

/// The largest `n` in `0..=hi` whose rendering fits, with that rendering; `render` must grow
/// with `n`.
fn largest_fitting(
    hi: usize,
    mut render: impl FnMut(usize) -> Option<String>,
) -> Option<(usize, String)> {
    let (mut lo, mut hi) = (0usize, hi);
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        match render(mid) {
            Some(body) => {
                best = Some((mid, body));
                lo = mid + 1;
            }
            None if mid == 0 => break,
            None => hi = mid - 1,
        }
    }
    best
}

fn order_by_weight(views: &[View], weight: impl Fn(&View) -> usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..views.len())
        .filter(|&i| weight(&views[i]) > 0)
        .collect();
    order.sort_by(|&a, &b| {
        weight(&views[b])
            .cmp(&weight(&views[a]))
            .then_with(|| views[a].name.cmp(&views[b].name))
    });
    order
}

#[derive(Debug, Clone, Copy)]
struct Detail {
    /// How many resources' attribute diffs are shown (`usize::MAX`: all).
    diffs: usize,
    unchanged: bool,
    /// Most entries shown per create/update/import/move/forget list; 0: counts only.
    lists: usize,
}

#[derive(Debug, Clone)]
struct State {
    detail: Vec<Detail>,
    /// Most destroy / replace / warning entries shown per list.
    cap: Option<usize>,
}

impl State {
    fn full(n: usize) -> State {
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
struct Item {
    address: String,
    note: String,
    stateful: Option<&'static str>,
}

impl Item {
    fn line(&self) -> String {
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

#[derive(Debug, Clone)]
struct DiffBlock {
    /// Sort key: the resource address (outputs sort last).
    address: String,
    title: String,
    diff: AttributeDiff,
}

#[derive(Debug, Clone)]
struct Warning {
    stack: String,
    action: Action,
    address: String,
    kind: &'static str,
}

/// Everything the body shows about one stack, computed once.
#[derive(Debug, Clone)]
struct View {
    name: String,
    provisional: bool,
    offline: bool,
    /// `failed` or `skipped` as summary.json records it, with its message.
    failure: Option<(String, String)>,
    unresolved_inputs: Vec<String>,
    missing_json: bool,
    errored: bool,
    counts: Counts,
    hash: Option<String>,
    recorded_hash_differs: Option<String>,
    terraform_version: String,
    destroy: Vec<Item>,
    replace: Vec<Item>,
    create: Vec<Item>,
    update: Vec<Item>,
    import: Vec<Item>,
    moved: Vec<Item>,
    forget: Vec<Item>,
    diffs: Vec<DiffBlock>,
    output_changes: usize,
    unchanged: usize,
    reads: usize,
    /// Roles whose trust policy (who may assume them) the plan changes.
    trust: Vec<TrustChange>,
}

impl View {
    fn build(stack: &StackPlan) -> View {
        let recorded = stack.recorded.clone().unwrap_or_default();
        let failure = recorded.failed_or_skipped().map(|status| {
            let message = recorded.message.clone().unwrap_or_default();
            let message = crate::secrets::redact(&message)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            (
                status.to_string(),
                truncate_chars(&message, MAX_MESSAGE_CHARS),
            )
        });
        let mut view = View {
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
        };
        let Some(plan) = &stack.plan else {
            return view;
        };
        let secrets = Secrets::of_plan(plan);
        let hash = change_set_hash(&plan.change_digests());
        if let Some(recorded) = &recorded.change_set_hash
            && recorded != &hash
        {
            view.recorded_hash_differs = Some(recorded.clone());
        }
        view.hash = Some(hash);
        view.counts = plan.summary_counts().0;
        view.errored = plan.errored;
        view.terraform_version = plan.terraform_version.clone();

        for rc in &plan.resource_changes {
            if !rc.is_managed() {
                view.reads += 1;
            } else if !rc.is_change() {
                view.unchanged += 1;
            }
        }
        for rc in plan.changes() {
            view.trust.extend(trust_change(rc));
            let stateful = stateful_kind(&rc.resource_type);
            let item = |note: String, stateful: Option<&'static str>| Item {
                address: rc.address.clone(),
                note,
                stateful,
            };
            match rc.action() {
                Action::Create => view.create.push(item(String::new(), None)),
                Action::Update => {
                    let mut notes = Vec::new();
                    if let Some(from) = rc.moved_from() {
                        notes.push(format!("moved from {}", code(from)));
                    }
                    if rc.is_import() {
                        notes.push("imported".into());
                    }
                    view.update.push(item(notes.join(", "), None));
                    view.diffs.push(DiffBlock {
                        address: rc.address.clone(),
                        title: format!("{} (update in place)", rc.address),
                        diff: attribute_diff(&rc.change, &secrets),
                    });
                }
                Action::Replace => {
                    view.replace.push(item(replace_note(rc), stateful));
                    view.diffs.push(DiffBlock {
                        address: rc.address.clone(),
                        title: format!("{} (replace)", rc.address),
                        diff: attribute_diff(&rc.change, &secrets),
                    });
                }
                Action::Delete => view.destroy.push(item(delete_note(rc), stateful)),
                Action::Forget => view
                    .forget
                    .push(item("removed from the state, not destroyed".into(), None)),
                Action::Read | Action::NoOp => {}
            }
            if rc.is_import() {
                let id = rc
                    .change
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
                    .unwrap_or_default();
                view.import.push(item(id, None));
            }
            if let Some(from) = rc.moved_from() {
                view.moved.push(item(format!("from {}", code(from)), None));
            }
        }
        // Addresses in natural order (`replica[2]` before `replica[10]`), and stateful resources
        // first, so cutting a long list keeps the ones that matter most.
        for list in [
            &mut view.destroy,
            &mut view.replace,
            &mut view.create,
            &mut view.update,
            &mut view.import,
            &mut view.moved,
            &mut view.forget,
        ] {
            list.sort_by(|a, b| {
                b.stateful
                    .is_some()
                    .cmp(&a.stateful.is_some())
                    .then_with(|| natural_cmp(&a.address, &b.address))
            });
        }
        view.diffs
            .sort_by(|a, b| natural_cmp(&a.address, &b.address));
        view.output_changes = plan
            .output_changes
            .values()
            .filter(|c| {
                !matches!(
                    Action::from_actions(&c.actions),
                    Action::NoOp | Action::Read
                )
            })
            .count();
        if let Some(outputs) = output_diff(plan, &secrets) {
            view.diffs.push(DiffBlock {
                address: "\u{10FFFF}".into(),
                title: OUTPUTS_TITLE.into(),
                diff: outputs,
            });
        }
        view
    }

    /// Whether this run's plan JSON was read (so unchanged and read counts are known).
    fn plan_read(&self) -> bool {
        !self.missing_json && self.failure.is_none()
    }

    fn has_changes(&self) -> bool {
        self.counts.total() > 0 || self.output_changes > 0
    }

    fn diff_weight(&self) -> usize {
        self.diffs
            .iter()
            .map(|d| d.title.len() + d.diff.lines.iter().map(|l| l.len() + 1).sum::<usize>())
            .sum()
    }

    fn longest_list(&self) -> usize {
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

    fn list_weight(&self) -> usize {
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

    fn notes(&self) -> Vec<&'static str> {
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

fn stateful_warnings(views: &[View]) -> Vec<Warning> {
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

type CountOf = fn(&Counts) -> usize;

struct Doc<'a> {
    views: &'a [View],
    warnings: &'a [Warning],
    options: &'a RenderOptions,
}

impl Doc<'_> {
    fn totals(&self) -> Counts {
        let mut t = Counts::default();
        for v in self.views {
            let c = &v.counts;
            t.add += c.add;
            t.change += c.change;
            t.destroy += c.destroy;
            t.replace += c.replace;
            t.import += c.import;
            t.moved += c.moved;
            t.forget += c.forget;
        }
        t
    }

    fn head(&self, out: &mut String) {
        if self.options.target == Target::Comment {
            out.push_str(&marker(&self.options.key));
            out.push('\n');
            if let Some(sha) = &self.options.head_sha {
                out.push_str(&commit_marker(sha));
                out.push('\n');
            }
        }
        let changed = self.views.iter().filter(|v| v.has_changes()).count();
        let total = self.views.len();
        let headline = match (changed, total) {
            (0, 1) => format!("{} has no changes", code(&self.views[0].name)),
            (0, n) => format!("no changes in {}", plural(n, "stack", "stacks")),
            (_, 1) => format!("{} changes", code(&self.views[0].name)),
            (c, n) => format!("{} of {} stacks change", num(c), num(n)),
        };
        out.push_str(&format!("## Terraform plan: {headline}\n\n"));
        let t = self.totals();
        out.push_str(&format!(
            "**{} to add, {} to change, {} to destroy, {} to replace**",
            num(t.add),
            num(t.change),
            num(t.destroy),
            num(t.replace)
        ));
        for (n, word) in [
            (t.import, "to import"),
            (t.moved, "to move"),
            (t.forget, "to forget"),
        ] {
            if n > 0 {
                out.push_str(&format!(" · {} {word}", num(n)));
            }
        }
        out.push_str("\n\n");
        let mut meta = Vec::new();
        if let Some(sha) = &self.options.head_sha {
            meta.push(format!("Commit {sha}"));
        }
        meta.push(format!("configuration {}", code(&self.options.key)));
        if let Some(url) = &self.options.run_url {
            meta.push(format!("[workflow run]({url})"));
        }
        out.push_str(&meta.join(" · "));
        out.push_str("\n\n");
    }

    /// Whether the stateful warnings are too many for the cut: then they are grouped by type.
    fn warnings_grouped(&self, cap: Option<usize>) -> bool {
        cap.is_some_and(|k| self.warnings.len() > k)
    }

    fn failures(&self, out: &mut String) {
        let failed: Vec<&View> = self.views.iter().filter(|v| v.failure.is_some()).collect();
        if failed.is_empty() {
            return;
        }
        out.push_str(&format!(
            "> [!CAUTION]\n> **{} not planned: what {} change is not shown.**\n",
            plural(failed.len(), "stack was", "stacks were"),
            if failed.len() == 1 {
                "it would"
            } else {
                "they would"
            }
        ));
        for v in failed {
            let (status, message) = v.failure.as_ref().expect("filtered");
            let what = if status == "failed" {
                "the plan failed"
            } else {
                "skipped"
            };
            if message.is_empty() {
                out.push_str(&format!("> - {}: {what}\n", code(&v.name)));
            } else {
                out.push_str(&format!(
                    "> - {}: {what}: {}\n",
                    code(&v.name),
                    code(message)
                ));
            }
        }
        out.push('\n');
    }

    /// Roles whose trust policy changes: who may assume each now and after the plan.
    fn trust_warnings(&self, out: &mut String) {
        let changes: Vec<(&str, &TrustChange)> = self
            .views
            .iter()
            .flat_map(|v| v.trust.iter().map(|t| (v.name.as_str(), t)))
            .collect();
        if changes.is_empty() {
            return;
        }
        out.push_str(&format!(
            "> [!WARNING]\n> **The trust policy of {} changes: who may assume {} is different.**\n",
            plural(changes.len(), "role", "roles"),
            if changes.len() == 1 { "it" } else { "them" }
        ));
        let who = |list: &Option<Vec<String>>| match list {
            None => "(known after apply)".to_string(),
            Some(l) if l.is_empty() => "nobody".to_string(),
            Some(l) => l.iter().map(|p| code(p)).collect::<Vec<_>>().join(", "),
        };
        for (stack, t) in changes {
            out.push_str(&format!(
                "> - {} {}: after the plan {}; now {}\n",
                code(stack),
                code(&t.address),
                who(&t.after),
                who(&t.before)
            ));
        }
        out.push('\n');
    }

    fn warnings(&self, out: &mut String, cap: Option<usize>) {
        self.failures(out);
        if self.views.iter().any(|v| v.offline) {
            out.push_str("> [!NOTE]\n> **Planned offline** (no AWS access): these plans did not read the real infrastructure.\n\n");
        }
        if !self.warnings.is_empty() {
            out.push_str("> [!CAUTION]\n");
            out.push_str(&format!(
                "> **{} will be destroyed or replaced: {} data is lost unless it is backed up.**\n",
                plural(
                    self.warnings.len(),
                    "stateful resource",
                    "stateful resources"
                ),
                if self.warnings.len() == 1 {
                    "its"
                } else {
                    "their"
                }
            ));
            if self.warnings_grouped(cap) {
                // Too many to list one by one: one line per stack, action and kind, exact counts.
                // Each stack's destroy and replace lists start with its stateful resources.
                let mut groups: BTreeMap<(&str, bool, &str), usize> = BTreeMap::new();
                for w in self.warnings {
                    *groups
                        .entry((&w.stack, w.action == Action::Delete, w.kind))
                        .or_default() += 1;
                }
                for ((stack, destroy, kind), n) in groups {
                    let verb = if destroy { "destroys" } else { "replaces" };
                    let kinds = if n == 1 {
                        kind.to_string()
                    } else if let Some(stem) = kind.strip_suffix('y') {
                        format!("{stem}ies")
                    } else {
                        format!("{kind}s")
                    };
                    out.push_str(&format!(
                        "> - {} {verb} **{} {kinds}**\n",
                        code(stack),
                        num(n)
                    ));
                }
            } else {
                for w in self.warnings {
                    let verb = if w.action == Action::Delete {
                        "destroys"
                    } else {
                        "replaces"
                    };
                    out.push_str(&format!(
                        "> - {} {verb} {} ({})\n",
                        code(&w.stack),
                        code(&w.address),
                        w.kind
                    ));
                }
            }
            out.push('\n');
        }
        self.trust_warnings(out);
        let provisional: Vec<String> = self
            .views
            .iter()
            .filter(|v| v.provisional)
            .map(|v| code(&v.name))
            .collect();
        if !provisional.is_empty() {
            out.push_str(&format!(
                "> [!WARNING]\n> **Provisional:** {} {} planned against upstream outputs that are not applied yet; {} planned again after {} dependencies apply.\n\n",
                provisional.join(", "),
                if provisional.len() == 1 { "was" } else { "were" },
                if provisional.len() == 1 { "it is" } else { "they are" },
                if provisional.len() == 1 { "its" } else { "their" },
            ));
        }
        let errored: Vec<String> = self
            .views
            .iter()
            .filter(|v| v.errored)
            .map(|v| code(&v.name))
            .collect();
        if !errored.is_empty() {
            out.push_str(&format!(
                "> [!WARNING]\n> **The plan of {} errored:** what it shows is incomplete.\n\n",
                errored.join(", ")
            ));
        }
    }

    fn left_out_note(&self, out: &mut String, state: &State) {
        let left_out = self.left_out(state);
        if left_out.is_empty() {
            return;
        }
        out.push_str(&format!(
            "> [!NOTE]\n> Shortened to fit {}. Left out: {}. Counts and change-set hashes are exact. ",
            self.options.target.limit_text(),
            left_out.join("; ")
        ));
        out.push_str(&self.where_full_plan_is());
        out.push_str("\n\n");
    }

    fn where_full_plan_is(&self) -> String {
        match &self.options.run_url {
            Some(url) => format!(
                "The full plan is in the [job log of this run]({url}), group “{FULL_PLAN_GROUP}”."
            ),
            None => format!(
                "The full plan is in the job log, group “{FULL_PLAN_GROUP}” (and `terraform show <stack>.tfplan`)."
            ),
        }
    }

    fn left_out(&self, state: &State) -> Vec<String> {
        let mut out = Vec::new();
        let names = |pred: &dyn Fn(usize) -> bool| -> Vec<String> {
            (0..self.views.len())
                .filter(|&i| pred(i))
                .map(|i| code(&self.views[i].name))
                .collect()
        };
        let no_diffs = names(&|i| state.detail[i].diffs == 0 && !self.views[i].diffs.is_empty());
        if !no_diffs.is_empty() {
            out.push(format!("attribute changes of {}", no_diffs.join(", ")));
        }
        for (view, detail) in self.views.iter().zip(&state.detail) {
            let all = view.diffs.len();
            if detail.diffs > 0 && detail.diffs < all {
                out.push(format!(
                    "attribute changes of {} of {} resources in {}",
                    num(all - detail.diffs),
                    num(all),
                    code(&view.name)
                ));
            }
        }
        if state.detail.iter().any(|d| !d.unchanged)
            && self
                .views
                .iter()
                .any(|v| v.unchanged > 0 || v.reads > 0 || !v.diffs.is_empty())
        {
            out.push("unchanged-resource and unchanged-attribute counts".into());
        }
        let no_lists = names(&|i| state.detail[i].lists == 0 && self.views[i].list_weight() > 0);
        if !no_lists.is_empty() {
            out.push(format!(
                "the lists of created, updated, imported, moved and forgotten resources of {}",
                no_lists.join(", ")
            ));
        }
        for (view, detail) in self.views.iter().zip(&state.detail) {
            if detail.lists > 0 && detail.lists < view.longest_list() {
                out.push(format!(
                    "the create, update, import, move and forget lists of {} beyond {} entries each",
                    code(&view.name),
                    num(detail.lists)
                ));
            }
        }
        if let Some(cap) = state.cap {
            let destroys: usize = self.views.iter().map(|v| v.destroy.len()).sum();
            let replaces: usize = self.views.iter().map(|v| v.replace.len()).sum();
            let hidden = |len: usize| len.saturating_sub(cap);
            let hidden_destroys: usize = self.views.iter().map(|v| hidden(v.destroy.len())).sum();
            let hidden_replaces: usize = self.views.iter().map(|v| hidden(v.replace.len())).sum();
            if hidden_destroys > 0 {
                out.push(format!(
                    "{} of {} destroyed addresses",
                    num(hidden_destroys),
                    num(destroys)
                ));
            }
            if hidden_replaces > 0 {
                out.push(format!(
                    "{} of {} replaced addresses",
                    num(hidden_replaces),
                    num(replaces)
                ));
            }
        }
        if self.warnings_grouped(state.cap) {
            out.push(format!(
                "the addresses in the {} stateful-resource warnings (grouped by type; each destroy and replace list starts with its stateful resources)",
                num(self.warnings.len())
            ));
        }
        out
    }

    fn table(&self, out: &mut String) {
        let any = |f: fn(&Counts) -> usize| self.views.iter().any(|v| f(&v.counts) > 0);
        let extra: Vec<(&str, CountOf)> = [
            ("Import", (|c: &Counts| c.import) as CountOf),
            ("Move", |c: &Counts| c.moved),
            ("Forget", |c: &Counts| c.forget),
        ]
        .into_iter()
        .filter(|(_, f)| any(*f))
        .collect();
        out.push_str("| Stack | Add | Change | Destroy | Replace |");
        for (name, _) in &extra {
            out.push_str(&format!(" {name} |"));
        }
        out.push_str(" Note |\n|---|--:|--:|--:|--:|");
        for _ in &extra {
            out.push_str("--:|");
        }
        out.push_str("---|\n");
        for v in self.views {
            let c = &v.counts;
            let strong = |n: usize| {
                if n > 0 {
                    format!("**{}**", num(n))
                } else {
                    "0".into()
                }
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} |",
                cell(&code(&v.name)),
                num(c.add),
                num(c.change),
                strong(c.destroy),
                strong(c.replace)
            ));
            for (_, f) in &extra {
                out.push_str(&format!(" {} |", num(f(c))));
            }
            out.push_str(&format!(" {} |\n", v.notes().join(", ")));
        }
        out.push('\n');
    }

    fn list(out: &mut String, title: &str, items: &[Item], cap: Option<usize>, more: (&str, &str)) {
        if items.is_empty() {
            return;
        }
        out.push_str(&format!("**{title} ({})**\n\n", num(items.len())));
        let shown = cap.unwrap_or(usize::MAX).min(items.len());
        for item in &items[..shown] {
            out.push_str(&item.line());
            out.push('\n');
        }
        if shown < items.len() {
            out.push_str(&format!(
                "- … and {} — see the job log\n",
                plural(items.len() - shown, more.0, more.1)
            ));
        }
        out.push('\n');
    }

    fn stack(&self, out: &mut String, view: &View, detail: Detail, cap: Option<usize>) {
        let c = &view.counts;
        let mut parts = Vec::new();
        for (n, word) in [
            (c.add, "to add"),
            (c.change, "to change"),
            (c.destroy, "to destroy"),
            (c.replace, "to replace"),
            (c.import, "to import"),
            (c.moved, "to move"),
            (c.forget, "to forget"),
        ] {
            if n > 0 {
                parts.push(format!("{} {word}", num(n)));
            }
        }
        if view.output_changes > 0 {
            parts.push(plural(
                view.output_changes,
                "output change",
                "output changes",
            ));
        }
        let summary = if let Some((status, _)) = &view.failure {
            if status == "failed" {
                "plan failed".to_string()
            } else {
                "skipped".to_string()
            }
        } else if view.missing_json {
            "plan JSON missing".to_string()
        } else if parts.is_empty() {
            "no changes".to_string()
        } else {
            parts.join(", ")
        };
        let provisional = if view.provisional {
            " (provisional)"
        } else {
            ""
        };
        out.push_str(&format!(
            "### {}: {summary}{provisional}\n\n",
            code(&view.name)
        ));

        let mut meta = Vec::new();
        match &view.hash {
            Some(hash) => meta.push(format!("Change set {}", code(hash))),
            None => meta.push("Change set unknown".into()),
        }
        if !view.terraform_version.is_empty() {
            meta.push(format!("Terraform {}", view.terraform_version));
        }
        if detail.unchanged && view.plan_read() {
            meta.push(format!(
                "{} unchanged, {} read",
                plural(view.unchanged, "resource", "resources"),
                plural(view.reads, "data source", "data sources")
            ));
        }
        out.push_str(&meta.join(" · "));
        out.push_str("\n\n");
        if view.missing_json {
            out.push_str(&format!(
                "summary.json lists this stack but {} is missing, so its changes cannot be shown.\n\n",
                code(&format!("{}.json", view.name))
            ));
        }
        if let Some(recorded) = &view.recorded_hash_differs {
            out.push_str(&format!(
                "> [!WARNING]\n> summary.json records change set {}, but {} hashes to the one above: the plan files do not belong together. Plan again.\n\n",
                code(recorded),
                code(&format!("{}.json", view.name))
            ));
        }

        if view.provisional && !view.unresolved_inputs.is_empty() {
            let inputs: Vec<String> = view.unresolved_inputs.iter().map(|i| code(i)).collect();
            out.push_str(&format!(
                "Provisional: {} not known until upstream stacks apply.\n\n",
                inputs.join(", ")
            ));
        }
        Self::list(
            out,
            "Destroy",
            &view.destroy,
            cap,
            ("more destroy", "more destroys"),
        );
        Self::list(
            out,
            "Replace",
            &view.replace,
            cap,
            ("more replacement", "more replacements"),
        );

        let lists: [(&str, &[Item]); 5] = [
            ("Create", &view.create),
            ("Update in place", &view.update),
            ("Import", &view.import),
            ("Move", &view.moved),
            ("Forget", &view.forget),
        ];
        let listed: Vec<String> = lists
            .iter()
            .filter(|(_, items)| !items.is_empty())
            .map(|(title, items)| format!("{} {}", title.to_lowercase(), num(items.len())))
            .collect();
        let show_diffs = detail.diffs > 0 && !view.diffs.is_empty();
        if detail.lists == 0 {
            if !listed.is_empty() {
                out.push_str(&format!(
                    "{}: resource lists left out to fit — see the job log.\n\n",
                    capitalize(&listed.join(" · "))
                ));
            }
            return;
        }
        if listed.is_empty() && !show_diffs {
            return;
        }
        let outputs = view.diffs.iter().any(|d| d.title == OUTPUTS_TITLE);
        let attributes = view.diffs.iter().any(|d| d.title != OUTPUTS_TITLE);
        let diff_label = match (attributes, outputs) {
            (true, true) => "attribute and output changes",
            (false, true) => "output changes",
            _ => "attribute changes",
        };
        let mut summary = listed.clone();
        if show_diffs {
            summary.push(diff_label.into());
        }
        out.push_str(&format!(
            "<details><summary>{}</summary>\n\n",
            escape_html(&capitalize(&summary.join(" · ")))
        ));
        let list_cap = (detail.lists != usize::MAX).then_some(detail.lists);
        for (title, items) in lists {
            Self::list(out, title, items, list_cap, ("more", "more"));
        }
        if show_diffs {
            out.push_str(&format!("**{}**\n\n", capitalize(diff_label)));
            let mut block = String::new();
            let shown_diffs = detail.diffs.min(view.diffs.len());
            for d in &view.diffs[..shown_diffs] {
                block.push_str(&format!("# {}\n", d.title));
                let lines = &d.diff.lines;
                let shown = lines.len().min(MAX_DIFF_LINES_PER_RESOURCE);
                for line in &lines[..shown] {
                    block.push_str(line);
                    block.push('\n');
                }
                if shown < lines.len() {
                    block.push_str(&format!(
                        "  … {} — see the job log\n",
                        plural(
                            lines.len() - shown,
                            "more attribute change",
                            "more attribute changes"
                        )
                    ));
                }
                if detail.unchanged && d.diff.unchanged > 0 {
                    block.push_str(&format!(
                        "  ({})\n",
                        plural(
                            d.diff.unchanged,
                            "unchanged attribute",
                            "unchanged attributes"
                        )
                    ));
                }
            }
            if shown_diffs < view.diffs.len() {
                block.push_str(&format!(
                    "# … the attribute changes of {} are left out — see the job log\n",
                    plural(
                        view.diffs.len() - shown_diffs,
                        "more resource",
                        "more resources"
                    )
                ));
            }
            let fence = fence_for(&block);
            out.push_str(&format!("{fence}diff\n{block}{fence}\n\n"));
        }
        out.push_str("</details>\n\n");
    }

    fn render(&self, state: &State) -> String {
        let mut out = String::new();
        self.head(&mut out);
        self.left_out_note(&mut out, state);
        self.warnings(&mut out, state.cap);
        self.table(&mut out);
        for (view, detail) in self.views.iter().zip(&state.detail) {
            self.stack(&mut out, view, *detail, state.cap);
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// The last resort: headline, counts, where to look, and as many hashes as fit.
    fn render_minimal(&self, limit: usize) -> String {
        let mut out = String::new();
        self.head(&mut out);
        if !self.warnings.is_empty() {
            out.push_str(&format!(
                "> [!CAUTION]\n> **{} will be destroyed or replaced** — see the job log.\n\n",
                plural(
                    self.warnings.len(),
                    "stateful resource",
                    "stateful resources"
                )
            ));
        }
        out.push_str(&format!(
            "> [!NOTE]\n> Shortened to fit {}. Left out: the stack table and every stack's section. Counts and change-set hashes are exact. ",
            self.options.target.limit_text()
        ));
        out.push_str(&self.where_full_plan_is());
        out.push_str("\n\n");
        let mut hashes: BTreeMap<&str, &str> = BTreeMap::new();
        for v in self.views {
            if let Some(h) = &v.hash {
                hashes.insert(&v.name, h);
            }
        }
        for (name, hash) in hashes {
            let line = format!("- {}: {}\n", code(name), code(hash));
            if github_len(&out) + github_len(&line) > limit {
                break;
            }
            out.push_str(&line);
        }
        if github_len(&out) > limit {
            // Only conceivable with an absurd limit: cut at a character boundary.
            let mut cut = limit.min(out.len());
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
        let mut out = out.trim_end().to_string();
        if github_len(&out) < limit {
            out.push('\n');
        }
        out
    }
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

fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
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

    #[test]
    fn markers_round_trip_and_encode_odd_keys() {
        let m = marker("infra/platform.toml");
        assert_eq!(m, "<!-- platform-deploy:plan key=infra/platform.toml -->");
        let odd = marker("a b-->c");
        assert_eq!(odd, "<!-- platform-deploy:plan key=a%20b--%3Ec -->");
        let body = format!("{m}\n{}\n## Terraform plan", commit_marker("abc"));
        assert!(is_comment_for(&body, "infra/platform.toml"));
        assert!(!is_comment_for(&body, "infra/other.toml"));
        assert!(!is_comment_for(&format!("> {body}"), "infra/platform.toml"));
        assert_eq!(commit_of(&body).as_deref(), Some("abc"));
    }
}
