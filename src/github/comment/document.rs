//! The Markdown document: the headline and totals, the warnings, the note on what was left out,
//! the stack table, then each stack's section (see [`super::section`]), rendered for a given
//! [`State`] of detail; and the last-resort minimal body.

use std::collections::BTreeMap;

use super::markdown::{cell, code, github_len, num, plural};
use super::markers::{commit_marker, marker};
use super::render::{FULL_PLAN_GROUP, RenderOptions, Target};
use super::section::stack_section;
use super::trust::TrustChange;
use super::view::{State, View, Warning};
use crate::terraform::plan_json::{Action, Counts};

/// Reads one count out of [`Counts`] (a column of the stack table).
type CountOf = fn(&Counts) -> usize;

/// The body's writer: the views of every stack and the stateful warnings, for one set of options.
pub(super) struct Doc<'a> {
    pub(super) views: &'a [View],
    pub(super) warnings: &'a [Warning],
    pub(super) options: &'a RenderOptions,
}

impl Doc<'_> {
    /// The counts of all stacks added up.
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

    /// The hidden markers (comment only), the headline, the totals and the run's facts.
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

    /// The stacks that were not planned (failed or skipped), with why.
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

    /// The stateful resources destroyed or replaced: one line each, or grouped by stack, action
    /// and type when the cut `cap` is too short for them all.
    fn stateful_caution(&self, out: &mut String, cap: Option<usize>) {
        if self.warnings.is_empty() {
            return;
        }
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

    /// Every warning above the table: failed stacks, offline plans, stateful resources lost,
    /// trust policy changes, provisional and errored plans.
    fn warnings(&self, out: &mut String, cap: Option<usize>) {
        self.failures(out);
        if self.views.iter().any(|v| v.offline) {
            out.push_str("> [!NOTE]\n> **Planned offline** (no AWS access): these plans did not read the real infrastructure.\n\n");
        }
        self.stateful_caution(out, cap);
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

    /// The note saying what `state` leaves out and where the full plan is.
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

    /// The sentence pointing at the full plan in the job log.
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

    /// Human descriptions of what `state` leaves out; empty when it shows everything.
    pub(super) fn left_out(&self, state: &State) -> Vec<String> {
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

    /// The table of stacks with their counts (import, move and forget columns only when used).
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

    /// The whole body, showing what `state` says.
    pub(super) fn render(&self, state: &State) -> String {
        let mut out = String::new();
        self.head(&mut out);
        self.left_out_note(&mut out, state);
        self.warnings(&mut out, state.cap);
        self.table(&mut out);
        for (view, detail) in self.views.iter().zip(&state.detail) {
            stack_section(&mut out, view, *detail, state.cap);
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    /// The last resort: headline, counts, where to look, and as many hashes as fit.
    pub(super) fn render_minimal(&self, limit: usize) -> String {
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
