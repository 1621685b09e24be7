//! The image being released, pinned by digest: `[REGISTRY/]REPOSITORY@sha256:HEX`.

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageRef {
    /// The registry host if one was given (`123456789012.dkr.ecr.us-east-1.amazonaws.com`).
    pub registry: Option<String>,
    /// The repository name inside the registry (`shop/api`).
    pub repository: String,
    /// `sha256:` followed by 64 lower-case hex digits.
    pub digest: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "`{given}` is not an image pinned by digest: {why}\n  fix: pass --image REPOSITORY@sha256:DIGEST with the 64-hex-digit digest the push printed (e.g. shop/api@sha256:4f5e...)"
)]
pub struct ImageRefError {
    pub given: String,
    pub why: &'static str,
}

impl ImageRef {
    pub fn parse(s: &str) -> Result<Self, ImageRefError> {
        let fail = |why| ImageRefError {
            given: s.to_string(),
            why,
        };
        let (name, digest) = s.split_once('@').ok_or_else(|| {
            fail("it has no @sha256:… part (tags are not accepted: they can move)")
        })?;
        let hex = digest
            .strip_prefix("sha256:")
            .ok_or_else(|| fail("the digest does not start with sha256:"))?;
        if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(fail("the digest is not 64 hexadecimal digits"));
        }
        if name.is_empty() {
            return Err(fail("the repository is empty"));
        }
        // A first path component with a dot, a colon or `localhost` is a registry host (Docker's rule).
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (Some(first.to_string()), rest.to_string())
            }
            _ => (None, name.to_string()),
        };
        if repository.contains(':') {
            return Err(fail(
                "a tag and a digest were both given; give the digest only",
            ));
        }
        if !crate::config::is_ecr_repository_name(&repository) {
            return Err(fail("the repository is not a valid ECR repository name"));
        }
        Ok(ImageRef {
            registry,
            repository,
            digest: format!("sha256:{}", hex.to_ascii_lowercase()),
        })
    }

    /// The reference a task definition in a region uses: that region's repository URI by digest.
    pub fn in_repository(&self, repository_uri: &str) -> String {
        format!("{repository_uri}@{}", self.digest)
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.registry {
            Some(r) => write!(f, "{r}/{}@{}", self.repository, self.digest),
            None => write!(f, "{}@{}", self.repository, self.digest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_with_and_without_registry() {
        let a = ImageRef::parse(&format!("shop/api@sha256:{HEX}")).unwrap();
        assert_eq!(a.registry, None);
        assert_eq!(a.repository, "shop/api");
        let b = ImageRef::parse(&format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/api@sha256:{HEX}"
        ))
        .unwrap();
        assert_eq!(
            b.registry.as_deref(),
            Some("123456789012.dkr.ecr.us-east-1.amazonaws.com")
        );
        assert_eq!(b.repository, "shop/api");
        assert_eq!(
            b.in_repository("999.dkr.ecr.eu-west-1.amazonaws.com/shop/api"),
            format!("999.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:{HEX}")
        );
    }

    #[test]
    fn tags_and_short_digests_are_refused() {
        assert!(ImageRef::parse("shop/api:latest").is_err());
        assert!(ImageRef::parse("shop/api@sha256:abc").is_err());
        assert!(ImageRef::parse(&format!("shop/api:v1@sha256:{HEX}")).is_err());
        assert!(ImageRef::parse(&format!("shop/api@md5:{HEX}")).is_err());
    }
}
