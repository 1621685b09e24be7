//! One stack's section of the body: its heading, the facts to know first, the destroy and replace
//! lists, then a collapsed block with the other resource lists and the attribute diffs.

use super::markdown::{code, escape_html, fence_for, num, plural};
use super::view::{Detail, Item, OUTPUTS_TITLE, View};

/// Most attribute lines shown for one resource.
const MAX_DIFF_LINES_PER_RESOURCE: usize = 200;

/// Writes the section of `view`, showing what `detail` says; `cap` cuts the destroy and replace
/// lists.
pub(super) fn stack_section(out: &mut String, view: &View, detail: Detail, cap: Option<usize>) {
    heading(out, view);
    facts(out, view, detail);
    list(
        out,
        "Destroy",
        &view.destroy,
        cap,
        ("more destroy", "more destroys"),
    );
    list(
        out,
        "Replace",
        &view.replace,
        cap,
        ("more replacement", "more replacements"),
    );
    details(out, view, detail);
}

/// `### stack: what changes`, from its counts (or why it has none to show).
fn heading(out: &mut String, view: &View) {
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
}

/// The change set, Terraform version and unchanged counts, then what to know before the lists:
/// a missing plan JSON, a change set summary.json records differently, unresolved inputs.
fn facts(out: &mut String, view: &View, detail: Detail) {
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
}

/// A titled list of resources, cut to `cap` entries with an exact "… and N more" (`more`:
/// singular and plural words for the rest).
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

/// The collapsed block with the create/update/import/move/forget lists and the attribute diffs,
/// or, when the lists are left out, one line with their counts.
fn details(out: &mut String, view: &View, detail: Detail) {
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
        list(out, title, items, list_cap, ("more", "more"));
    }
    if show_diffs {
        out.push_str(&format!("**{}**\n\n", capitalize(diff_label)));
        let block = diff_block(view, detail);
        let fence = fence_for(&block);
        out.push_str(&format!("{fence}diff\n{block}{fence}\n\n"));
    }
    out.push_str("</details>\n\n");
}

/// The lines inside the diff fence: the first `detail.diffs` resources' attribute changes, each
/// cut to [`MAX_DIFF_LINES_PER_RESOURCE`], then how many resources were left out.
fn diff_block(view: &View, detail: Detail) -> String {
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
    block
}

/// `text` with its first letter upper-cased.
fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
