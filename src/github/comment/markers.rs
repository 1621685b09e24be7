//! The hidden HTML-comment lines that identify a plan comment (by its key) and record the commit
//! it reflects, and reading them back from a comment body.

const MARKER_PREFIX: &str = "<!-- platform-deploy:plan key=";
const COMMIT_PREFIX: &str = "<!-- platform-deploy:commit ";
const MARKER_SUFFIX: &str = " -->";

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

#[cfg(test)]
mod tests {
    use super::*;

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
