//! Small GitHub-flavoured markdown helpers: code spans and fences that any content can go into,
//! HTML escaping for `<summary>`, table cells, numbers, and GitHub's way of measuring a body.

/// The length GitHub's limits are checked against, counted conservatively.
///
/// GitHub counts characters; a body's UTF-8 byte length is never smaller than its count of
/// characters or of UTF-16 code units, so staying under the limit in bytes is always safe.
pub fn github_len(text: &str) -> usize {
    text.len().max(text.encode_utf16().count())
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    longest
}

/// An inline code span holding `text` literally, whatever backticks it contains.
pub fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    if text.starts_with('`') || text.ends_with('`') || text.is_empty() {
        format!("{ticks} {text} {ticks}")
    } else {
        format!("{ticks}{text}{ticks}")
    }
}

/// The opening/closing fence for a code block holding `content`: longer than any backtick run in
/// it, so the block can never be closed early and fences always balance.
pub fn fence_for(content: &str) -> String {
    "`".repeat((longest_backtick_run(content) + 1).max(3))
}

/// Text for inside HTML elements such as `<summary>`.
pub fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A table cell: pipes escaped, line breaks flattened.
pub fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// `1234567` → `1,234,567`.
pub fn num(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `1 stack`, `2 stacks`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{} {}", num(n), if n == 1 { one } else { many })
}

/// Cuts `text` to at most `max` characters, marking the cut with `…`.
pub fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a.b"), "`a.b`");
        assert_eq!(code("x[\"a`b\"]"), "``x[\"a`b\"]``");
        assert_eq!(code("`edge"), "`` `edge ``");
    }

    #[test]
    fn fences_outgrow_their_content() {
        assert_eq!(fence_for("plain"), "```");
        assert_eq!(fence_for("has ``` inside"), "````");
    }

    #[test]
    fn length_is_never_below_characters_or_utf16_units() {
        for s in ["abc", "→…", "😀", "a\u{0301}"] {
            assert!(github_len(s) >= s.chars().count());
            assert!(github_len(s) >= s.encode_utf16().count());
        }
        assert_eq!(github_len("→"), 3);
    }

    #[test]
    fn numbers_group_thousands() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1234567), "1,234,567");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("abcdef", 4), "abc…");
        assert_eq!(truncate_chars("→→→", 3), "→→→");
    }
}
