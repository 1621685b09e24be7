//! `platform.toml`: the one configuration file. Loading parses it, checks every value against the
//! schema and the file system, and resolves it into [`Config`]; every problem is reported with the
//! file, line and column and the fix.
//!
//! Anything Terraform knows (clusters, services, CodeDeploy groups, alarms) is deliberately absent:
//! it comes from the regional stacks' `deploy_targets` output.

mod analysis;
mod check;
mod error;
mod pause;
mod raw;
pub mod regions;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

pub use analysis::{
    Analysis, Check, CheckQuery, Inconclusive, MetricStat, TARGET_GROUP_METRICS, Threshold, Unit,
    expression_ids, slo_checks,
};
use check::{Checker, schema_fix};
use error::Positions;
pub use error::{ConfigError, Problem};
pub use pause::{GatePoint, Pause, gate_parameter_path};

use crate::runner::Location;
use raw::RawConfig;

pub const DEFAULT_CONFIG_FILE: &str = "platform.toml";

/// The CodeDeploy predefined configurations that apply to ECS.
pub const ECS_PREDEFINED_CONFIGS: &[&str] = &[
    "CodeDeployDefault.ECSAllAtOnce",
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes",
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes",
    "CodeDeployDefault.ECSCanary10Percent5Minutes",
    "CodeDeployDefault.ECSCanary10Percent15Minutes",
];

/// CodeDeploy ECS lifecycle hooks that can run a Lambda function.
pub const ECS_HOOKS: &[&str] = &[
    "BeforeInstall",
    "AfterInstall",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AfterAllowTraffic",
];

#[derive(Debug, Clone, Serialize)]
pub struct Config {
    pub path: PathBuf,
    /// The folder of the config file: relative paths in it are relative to this.
    pub root: PathBuf,
    pub project: String,
    pub primary_region: String,
    pub dr_regions: Vec<String>,
    pub terraform: TerraformSettings,
    pub stacks: Vec<Stack>,
    pub image: Option<ImageSettings>,
    pub services: Vec<Service>,
    pub rollout: RolloutSettings,
}

#[derive(Debug, Clone, Serialize)]
pub struct TerraformSettings {
    pub binary: String,
    /// How many stacks may run at once; `None` means all that are ready.
    pub parallelism: Option<usize>,
    pub backend: Option<Backend>,
}

/// The S3 backend a stack's state lives in (`key = <key_prefix>/<stack>.tfstate`, S3 native locking).
#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    pub bucket: String,
    pub region: String,
    pub key_prefix: String,
    /// Copies of the same state that S3 replication keeps in other regions' buckets, read (never
    /// written) when `region` does not answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replicas: Vec<Replica>,
}

/// A replicated copy of the state buckets' contents in another region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Replica {
    pub bucket: String,
    pub region: String,
}

impl Backend {
    /// The state object's key for `stack`.
    pub fn key(&self, stack: &str) -> String {
        if self.key_prefix.is_empty() {
            format!("{stack}.tfstate")
        } else {
            format!("{}/{stack}.tfstate", self.key_prefix.trim_end_matches('/'))
        }
    }

    /// The same state read from `replica`.
    pub fn at(&self, replica: &Replica) -> Backend {
        Backend {
            bucket: replica.bucket.clone(),
            region: replica.region.clone(),
            key_prefix: self.key_prefix.clone(),
            replicas: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    pub name: String,
    pub dir: PathBuf,
    pub region: Option<String>,
    pub depends_on: Vec<String>,
    pub inputs: BTreeMap<String, InputSource>,
    /// Where this stack's state lives (`None`: terraform's own backend configuration).
    pub backend: Option<Backend>,
    /// The platform.toml position that decides `backend`'s region, for errors about it.
    #[serde(skip)]
    pub backend_location: Option<Location>,
}

/// Where a stack variable's value comes from: upstream outputs, assembled into the variable's shape.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum InputSource {
    Output(OutputRef),
    Map(BTreeMap<String, InputSource>),
    List(Vec<InputSource>),
}

/// `stack.output[.key…]`
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutputRef {
    pub stack: String,
    pub output: String,
    pub path: Vec<String>,
}

impl InputSource {
    pub fn stacks(&self, into: &mut BTreeSet<String>) {
        match self {
            InputSource::Output(r) => {
                into.insert(r.stack.clone());
            }
            InputSource::Map(m) => m.values().for_each(|v| v.stacks(into)),
            InputSource::List(l) => l.iter().for_each(|v| v.stacks(into)),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageSettings {
    pub repository: String,
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub target: Option<String>,
    pub build_args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub platform: Option<String>,
    pub tag: TagStyle,
    pub extra_tags: Vec<String>,
    #[serde(with = "humantime_serde_compat")]
    pub replication_timeout: Duration,
    /// Build secrets by id, for `RUN --mount=type=secret,id=ID`.
    pub secrets: BTreeMap<String, SecretSource>,
}

/// Where a build secret's value is read from when the build starts (never stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "env {name}"),
            SecretSource::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TagStyle {
    Sha,
    ShortSha,
}

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub deployment_config: Option<String>,
    pub hooks: BTreeMap<String, String>,
    /// The canary analysis of this service's deployments (`[services.analysis]` over
    /// `[rollout.analysis]`); `None` when neither asks for one.
    pub analysis: Option<Analysis>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutSettings {
    /// `None`: the deployment config the deployment group was given by Terraform.
    pub deployment_config: Option<String>,
    #[serde(with = "humantime_serde_compat")]
    pub bake_time: Duration,
    #[serde(with = "humantime_serde_compat")]
    pub timeout: Duration,
    #[serde(with = "humantime_serde_compat")]
    pub poll_interval: Duration,
    pub dr_waves: DrWaves,
    pub require_alarms: bool,
    /// `[rollout.analysis]` as written; each service's own is in [`Service::analysis`].
    pub analysis: Option<Analysis>,
    /// `[rollout.pause]`: where the rollout waits for `promote` or `abort`.
    pub pause: Option<Pause>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrWaves {
    /// All DR regions at once, after the primary.
    Parallel,
    /// One DR region after another, in `regions.secondary` order.
    Sequential,
}

impl DrWaves {
    /// The region waves of a release: the primary alone (when it takes part), then the DR regions
    /// as this setting groups them. The one place the order is decided, for plans and rollouts.
    pub fn arrange(self, primary: Option<&str>, dr_regions: &[String]) -> Vec<Vec<String>> {
        let mut waves: Vec<Vec<String>> =
            primary.map(|p| vec![p.to_string()]).into_iter().collect();
        match self {
            DrWaves::Parallel if !dr_regions.is_empty() => waves.push(dr_regions.to_vec()),
            DrWaves::Parallel => {}
            DrWaves::Sequential => waves.extend(dr_regions.iter().map(|r| vec![r.clone()])),
        }
        waves
    }
}

mod humantime_serde_compat {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&humantime::format_duration(*d).to_string())
    }
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let source = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(path, &source)
    }

    /// Validates `source` as if it were the file at `path` (relative paths resolve from its folder).
    pub fn parse(path: &Path, source: &str) -> Result<Config, ConfigError> {
        let positions = Positions::new(path, source);
        let raw: RawConfig = toml::from_str(source).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            ConfigError::Invalid(vec![positions.problem(
                span,
                e.message().trim().to_string(),
                schema_fix(e.message()),
            )])
        })?;
        let root = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let mut check = Checker {
            positions,
            problems: Vec::new(),
            root: root.clone(),
            state_buckets: BTreeMap::new(),
            state_region_span: 0..0,
        };
        let config = check.resolve(raw, path, root);
        if check.problems.is_empty() {
            Ok(config)
        } else {
            Err(ConfigError::Invalid(check.problems))
        }
    }

    pub fn stack(&self, name: &str) -> Option<&Stack> {
        self.stacks.iter().find(|s| s.name == name)
    }

    /// All regions in wave order: the primary first, then the DR regions.
    pub fn regions(&self) -> Vec<&str> {
        std::iter::once(self.primary_region.as_str())
            .chain(self.dr_regions.iter().map(String::as_str))
            .collect()
    }

    /// The stack whose `deploy_targets` output describes `region`.
    pub fn regional_stack(&self, region: &str) -> Option<&Stack> {
        self.stacks
            .iter()
            .find(|s| s.region.as_deref() == Some(region))
    }
}

/// ECR's repository name rule: `(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*`, 2-256 chars.
pub fn is_ecr_repository_name(name: &str) -> bool {
    let component_ok = |c: &str| {
        !c.is_empty()
            && c.split(['.', '_', '-']).all(|w| {
                !w.is_empty()
                    && w.chars()
                        .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit())
            })
    };
    // A registry host (`123….dkr.ecr.….amazonaws.com/api`) matches the pattern but is never meant.
    let has_host = name
        .split('/')
        .next()
        .is_some_and(|first| first.contains(".amazonaws.com"));
    (2..=256).contains(&name.len()) && name.split('/').all(component_ok) && !has_host
}

/// Docker's tag rule: `[\w][\w.-]{0,127}`.
pub fn is_docker_tag(tag: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-';
    !tag.is_empty() && tag.len() <= 128 && tag.chars().all(ok_char) && !tag.starts_with(['.', '-'])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_names_follow_ecr_rules() {
        assert!(is_ecr_repository_name("shop/api"));
        assert!(is_ecr_repository_name("a1.b-c_d/e"));
        assert!(!is_ecr_repository_name("Shop/api"));
        assert!(!is_ecr_repository_name("shop//api"));
        assert!(!is_ecr_repository_name("shop/api:latest"));
        assert!(!is_ecr_repository_name(
            "123.dkr.ecr.us-east-1.amazonaws.com/api"
        ));
    }
}

#[cfg(test)]
mod wave_tests {
    use super::DrWaves;

    #[test]
    fn the_primary_goes_alone_then_the_dr_regions_as_configured() {
        let dr = vec!["eu-west-1".to_string(), "ap-south-1".to_string()];
        assert_eq!(
            DrWaves::Parallel.arrange(Some("us-east-1"), &dr),
            vec![vec!["us-east-1".to_string()], dr.clone()]
        );
        assert_eq!(
            DrWaves::Sequential.arrange(Some("us-east-1"), &dr),
            vec![
                vec!["us-east-1".to_string()],
                vec!["eu-west-1".to_string()],
                vec!["ap-south-1".to_string()]
            ]
        );
        // A rollout limited to DR regions, and a platform without DR.
        assert_eq!(DrWaves::Parallel.arrange(None, &dr), vec![dr.clone()]);
        assert_eq!(
            DrWaves::Parallel.arrange(Some("us-east-1"), &[]),
            vec![vec!["us-east-1".to_string()]]
        );
    }
}
