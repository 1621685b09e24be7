//! Fitting the body under the target's limit by leaving detail out in a fixed order.
//!
//! Order of what goes when the body is too long: attribute diffs (largest stack first), then the
//! unchanged-count detail, then the create/update/import/move/forget lists (turned into counts),
//! and last the destroy, replace and warning lists are cut to the same length with an exact
//! "… and N more". The headline, the table, every count and every change-set hash always stay.

use super::document::Doc;
use super::load::StackPlan;
use super::markdown::github_len;
use super::render::{RenderOptions, Rendered};
use super::view::{State, View, stateful_warnings};

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

/// The indexes of the views with some `weight`, heaviest first (ties by stack name).
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
