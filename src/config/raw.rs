//! The `platform.toml` schema as written, with source spans kept for the values that later checks
//! point at. Unknown keys and wrong types are refused here by serde with the key's position.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub project: RawProject,
    pub regions: RawRegions,
    #[serde(default)]
    pub terraform: RawTerraform,
    #[serde(default)]
    pub stacks: Vec<RawStack>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub services: Vec<RawService>,
    #[serde(default)]
    pub rollout: RawRollout,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProject {
    pub name: Spanned<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegions {
    pub primary: Spanned<String>,
    #[serde(default)]
    pub secondary: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTerraform {
    pub binary: Option<String>,
    pub parallelism: Option<Spanned<i64>>,
    pub backend: Option<RawBackend>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackend {
    /// The bucket in `region`; may be left out when `buckets` names one there.
    pub bucket: Option<Spanned<String>>,
    /// Where the state of a stack without its own `state_region` lives.
    pub region: Spanned<String>,
    #[serde(default)]
    pub key_prefix: Option<String>,
    /// One state bucket per region (region → bucket), S3-replicated to each other: a stack's state
    /// lives in one of them and is read from another when its region does not answer.
    #[serde(default)]
    pub buckets: BTreeMap<String, Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStack {
    pub name: Spanned<String>,
    pub dir: Spanned<String>,
    /// The AWS region of a regional stack: its `deploy_targets` output drives the rollout there.
    pub region: Option<Spanned<String>>,
    #[serde(default)]
    pub depends_on: Vec<Spanned<String>>,
    /// Variables of this stack filled from upstream outputs: `name = "stack.output[.key…]"`, or a
    /// table / array of such references to build a map or a list.
    #[serde(default)]
    pub inputs: BTreeMap<String, Spanned<toml::Value>>,
    /// The region whose state bucket holds this stack's state (default: the stack's own region,
    /// else `terraform.backend.region`).
    pub state_region: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    pub repository: Spanned<String>,
    #[serde(default = "default_context")]
    pub context: Spanned<String>,
    #[serde(default = "default_dockerfile")]
    pub dockerfile: Spanned<String>,
    pub target: Option<String>,
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub platform: Option<String>,
    pub tag: Option<Spanned<String>>,
    #[serde(default)]
    pub extra_tags: Vec<Spanned<String>>,
    pub replication_timeout: Option<Spanned<String>>,
    #[serde(default)]
    pub secrets: BTreeMap<Spanned<String>, Spanned<RawSecret>>,
}

/// `[image.secrets]` entry: `id = { env = "NAME" }` or `id = { file = "path" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecret {
    pub env: Option<String>,
    pub file: Option<String>,
}

fn default_context() -> Spanned<String> {
    Spanned::new(0..0, ".".to_string())
}

fn default_dockerfile() -> Spanned<String> {
    Spanned::new(0..0, "Dockerfile".to_string())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    pub name: Spanned<String>,
    pub deployment_config: Option<Spanned<String>>,
    #[serde(default)]
    pub hooks: BTreeMap<Spanned<String>, String>,
    /// `[services.analysis]`: this service's settings over `[rollout.analysis]`.
    pub analysis: Option<Spanned<RawAnalysis>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRollout {
    pub deployment_config: Option<Spanned<String>>,
    pub bake_time: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    pub poll_interval: Option<Spanned<String>>,
    pub dr_waves: Option<Spanned<String>>,
    pub require_alarms: Option<bool>,
    pub analysis: Option<Spanned<RawAnalysis>>,
    pub pause: Option<Spanned<RawPause>>,
}

/// `[rollout.pause]`: where a rollout waits for a person's promote or abort.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPause {
    #[serde(default)]
    pub at: Vec<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
}

/// `[rollout.analysis]` (and `[services.analysis]`): canary checks on the new target group's metrics.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAnalysis {
    pub enabled: Option<bool>,
    pub interval: Option<Spanned<String>>,
    pub failure_limit: Option<Spanned<i64>>,
    pub inconclusive: Option<Spanned<String>>,
    pub min_requests: Option<Spanned<i64>>,
    /// Absent: the bundled platform's SLO checks. A service's checks replace the rollout's of the
    /// same name and add the others.
    pub checks: Option<BTreeMap<Spanned<String>, Spanned<RawCheck>>>,
}

/// One check: a metric with a statistic, or metric math over named metrics.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCheck {
    pub metric: Option<Spanned<String>>,
    pub stat: Option<Spanned<String>>,
    pub expression: Option<Spanned<String>>,
    #[serde(default)]
    pub metrics: BTreeMap<Spanned<String>, Spanned<String>>,
    pub max: Option<Spanned<String>>,
    pub min: Option<Spanned<String>>,
    pub max_vs_stable: Option<Spanned<f64>>,
}
