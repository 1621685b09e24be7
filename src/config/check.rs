//! The checker: every value of a parsed platform.toml against the schema and the file system,
//! resolved into a [`Config`], each problem reported with its line, column and fix.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::error::{Positions, Problem};
use super::raw::{self, RawConfig};
use super::*;

pub(super) fn schema_fix(message: &str) -> String {
    if message.contains("unknown field") {
        "remove the key or correct its spelling; the README's platform.toml reference lists every key"
            .into()
    } else if message.contains("missing field") {
        "add the missing key; the README's platform.toml reference shows an example".into()
    } else if message.contains("invalid type") {
        "give the value the type the README's platform.toml reference names (quote strings, use [ ] for lists)".into()
    } else {
        "correct the TOML syntax at this position".into()
    }
}

pub(super) struct Checker<'a> {
    pub(super) positions: Positions<'a>,
    pub(super) problems: Vec<Problem>,
    pub(super) root: PathBuf,
    /// terraform.backend's state bucket per region, once read.
    pub(super) state_buckets: BTreeMap<String, String>,
    pub(super) state_region_span: Range<usize>,
}

impl Checker<'_> {
    pub(super) fn report(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let problem = self.positions.problem(span, message, fix);
        self.problems.push(problem);
    }

    pub(super) fn resolve(&mut self, raw: RawConfig, path: &Path, root: PathBuf) -> Config {
        let project = self.project_name(&raw.project.name);
        let (primary_region, dr_regions) = self.regions(&raw.regions);
        let terraform = self.terraform(raw.terraform);
        let stacks = self.stacks(
            &raw.stacks,
            &primary_region,
            &dr_regions,
            terraform.backend.as_ref(),
        );
        let image = raw.image.map(|i| self.image(i));
        let rollout = self.rollout(raw.rollout, &project);
        let services = self.services(raw.services, rollout.analysis.as_ref());
        if !services.is_empty() && regions::is_known(&primary_region) {
            for region in std::iter::once(&primary_region).chain(dr_regions.iter()) {
                if !stacks.iter().any(|s| s.region.as_ref() == Some(region)) {
                    self.report(
                        raw.regions.primary.span(),
                        format!("no stack has region = \"{region}\", so the services cannot be found there"),
                        format!("add `region = \"{region}\"` to the [[stacks]] entry whose output `deploy_targets` describes {region}"),
                    );
                }
            }
        }
        Config {
            path: path.to_path_buf(),
            root,
            project,
            primary_region,
            dr_regions,
            terraform,
            stacks,
            image,
            services,
            rollout,
        }
    }

    fn project_name(&mut self, name: &Spanned<String>) -> String {
        let valid = !name.as_ref().is_empty()
            && name.as_ref().len() <= 32
            && name
                .as_ref()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && name.as_ref().starts_with(|c: char| c.is_ascii_lowercase());
        if !valid {
            self.report(
                name.span(),
                format!("project name `{}` is not a valid resource prefix", name.as_ref()),
                "use 1-32 characters of lower-case letters, digits and `-`, starting with a letter (e.g. \"shop\")",
            );
        }
        name.as_ref().clone()
    }

    fn region(&mut self, region: &Spanned<String>, key: &str) -> bool {
        if regions::is_known(region.as_ref()) {
            return true;
        }
        let hint = regions::closest(region.as_ref(), regions::KNOWN_REGIONS.iter().copied())
            .map(|r| format!("did you mean \"{r}\"? "))
            .unwrap_or_default();
        self.report(
            region.span(),
            format!("unknown AWS region `{}` in {key}", region.as_ref()),
            format!("{hint}use an AWS region code such as \"us-east-1\" or \"eu-west-1\""),
        );
        false
    }

    fn regions(&mut self, raw: &raw::RawRegions) -> (String, Vec<String>) {
        self.region(&raw.primary, "regions.primary");
        let mut dr: Vec<String> = Vec::new();
        for region in &raw.secondary {
            if !self.region(region, "regions.secondary") {
                continue;
            }
            if region.as_ref() == raw.primary.as_ref() {
                self.report(
                    region.span(),
                    format!(
                        "`{}` is both the primary and a secondary region",
                        region.as_ref()
                    ),
                    "list only the DR regions in regions.secondary",
                );
            } else if dr.contains(region.as_ref()) {
                self.report(
                    region.span(),
                    format!("`{}` is listed twice in regions.secondary", region.as_ref()),
                    "remove the duplicate",
                );
            } else {
                dr.push(region.as_ref().clone());
            }
        }
        (raw.primary.as_ref().clone(), dr)
    }

    fn terraform(&mut self, raw: raw::RawTerraform) -> TerraformSettings {
        let parallelism = raw.parallelism.and_then(|p| {
            if *p.as_ref() < 1 {
                self.report(
                    p.span(),
                    format!("terraform.parallelism is {}", p.as_ref()),
                    "use a whole number of 1 or more, or remove the key to run every ready stack at once",
                );
                None
            } else {
                Some(*p.as_ref() as usize)
            }
        });
        let backend = raw.backend.and_then(|b| self.backend(b));
        TerraformSettings {
            binary: raw.binary.unwrap_or_else(|| "terraform".into()),
            parallelism,
            backend,
        }
    }

    /// The default backend; its replicas are the state buckets of the other regions.
    fn backend(&mut self, raw: raw::RawBackend) -> Option<Backend> {
        let region_ok = self.region(&raw.region, "terraform.backend.region");
        let mut buckets: BTreeMap<String, String> = BTreeMap::new();
        for (region, bucket) in &raw.buckets {
            let known = regions::is_known(region);
            if !known {
                self.report(
                    bucket.span(),
                    format!("unknown AWS region `{region}` in terraform.backend.buckets"),
                    "key each state bucket by an AWS region code such as \"us-east-1\"",
                );
            }
            if self.bucket_name(bucket) && known {
                buckets.insert(region.clone(), bucket.as_ref().clone());
            }
        }
        let region = raw.region.as_ref().clone();
        if let Some(bucket) = &raw.bucket
            && self.bucket_name(bucket)
        {
            match buckets.get(&region) {
                Some(other) if other != bucket.as_ref() => self.report(
                    bucket.span(),
                    format!("terraform.backend.bucket `{}` differs from terraform.backend.buckets.{region} `{other}`", bucket.as_ref()),
                    "name the bucket of that region once: keep `buckets` and remove `bucket`",
                ),
                _ => {
                    buckets.insert(region.clone(), bucket.as_ref().clone());
                }
            }
        }
        if region_ok && !buckets.contains_key(&region) {
            self.report(
                raw.region.span(),
                format!("no state bucket in {region}, the region of terraform.backend"),
                format!("set terraform.backend.bucket, or add {region} = \"BUCKET\" to terraform.backend.buckets"),
            );
            return None;
        }
        self.state_buckets = buckets;
        self.state_region_span = raw.region.span();
        let key_prefix = raw.key_prefix.unwrap_or_default();
        Some(self.backend_in(&region, &key_prefix))
    }

    /// The backend whose state lives in `region`'s bucket, the other buckets its replicas.
    fn backend_in(&self, region: &str, key_prefix: &str) -> Backend {
        Backend {
            bucket: self.state_buckets[region].clone(),
            region: region.to_string(),
            key_prefix: key_prefix.to_string(),
            replicas: self
                .state_buckets
                .iter()
                .filter(|(r, _)| r.as_str() != region)
                .map(|(r, b)| Replica {
                    bucket: b.clone(),
                    region: r.clone(),
                })
                .collect(),
        }
    }

    fn bucket_name(&mut self, bucket: &Spanned<String>) -> bool {
        let name = bucket.as_ref();
        if name.len() < 3 || name.contains(['/', ' ', '_']) {
            self.report(
                bucket.span(),
                format!("`{name}` is not an S3 bucket name"),
                "use the bucket name only (3-63 lower-case letters, digits, `.` and `-`), without s3://",
            );
            return false;
        }
        true
    }

    /// Where `stack`'s state lives: its `state_region`'s bucket, else its own region's when there
    /// is one, else the default backend's; with the platform.toml position that decided it.
    fn stack_backend(
        &mut self,
        stack: &raw::RawStack,
        default: Option<&Backend>,
    ) -> (Option<Backend>, Option<Location>) {
        let name = stack.name.as_ref();
        let Some(default) = default else {
            if let Some(region) = &stack.state_region {
                self.report(
                    region.span(),
                    format!("stack `{name}` sets state_region, but platform.toml has no [terraform.backend]"),
                    "add [terraform.backend] with the state bucket of each region (buckets = { REGION = \"BUCKET\" })",
                );
            }
            return (None, None);
        };
        let chosen = match (&stack.state_region, &stack.region) {
            (Some(region), _) => {
                if !self.state_buckets.contains_key(region.as_ref()) {
                    let have: Vec<&str> = self.state_buckets.keys().map(String::as_str).collect();
                    self.report(
                        region.span(),
                        format!(
                            "stack `{name}`: no state bucket in `{}` (terraform.backend.buckets has {})",
                            region.as_ref(),
                            have.join(", ")
                        ),
                        format!("add {} = \"BUCKET\" to terraform.backend.buckets, or use one of those regions", region.as_ref()),
                    );
                    return (Some(default.clone()), None);
                }
                Some((region.as_ref().clone(), region.span()))
            }
            (None, Some(region)) if self.state_buckets.contains_key(region.as_ref()) => {
                Some((region.as_ref().clone(), region.span()))
            }
            _ => None,
        };
        let (region, span) =
            chosen.unwrap_or_else(|| (default.region.clone(), self.state_region_span.clone()));
        let location = self.positions.location(span.start);
        (
            Some(self.backend_in(&region, &default.key_prefix)),
            Some(location),
        )
    }

    /// The stack's folder: it must exist and hold Terraform files.
    fn stack_dir(&mut self, name: &str, dir: &Spanned<String>) -> PathBuf {
        let path = self.root.join(dir.as_ref());
        if !path.is_dir() {
            self.report(
                dir.span(),
                format!("stack `{name}`: directory `{}` does not exist", path.display()),
                "write the path of the Terraform root module relative to the folder of platform.toml",
            );
        } else if !has_tf_files(&path) {
            self.report(
                dir.span(),
                format!(
                    "stack `{name}`: directory `{}` holds no .tf files",
                    path.display()
                ),
                "point `dir` at the folder that holds the stack's Terraform configuration",
            );
        }
        path
    }

    fn stacks(
        &mut self,
        raw: &[raw::RawStack],
        primary: &str,
        dr: &[String],
        backend: Option<&Backend>,
    ) -> Vec<Stack> {
        let names: Vec<&str> = raw.iter().map(|s| s.name.as_ref().as_str()).collect();
        let mut seen: HashMap<&str, Range<usize>> = HashMap::new();
        let mut stacks = Vec::new();
        for stack in raw {
            let name = stack.name.as_ref().as_str();
            if name.is_empty() || name.contains(['/', '\\', '.', ' ']) {
                self.report(
                    stack.name.span(),
                    format!("stack name `{name}` cannot be used as a file name"),
                    "use letters, digits, `-` and `_` (e.g. \"us-east-1\", \"global\")",
                );
            }
            if seen.insert(name, stack.name.span()).is_some() {
                self.report(
                    stack.name.span(),
                    format!("stack `{name}` is defined twice"),
                    "give every [[stacks]] entry a different name",
                );
            }
            let dir = self.stack_dir(name, &stack.dir);
            if let Some(region) = &stack.region
                && self.region(region, "stacks.region")
                && regions::is_known(primary)
                && region.as_ref() != primary
                && !dr.contains(region.as_ref())
            {
                self.report(
                    region.span(),
                    format!(
                        "stack `{name}` is in region `{}`, which is neither regions.primary nor in regions.secondary",
                        region.as_ref()
                    ),
                    format!("add \"{}\" to regions.secondary, or correct the stack's region", region.as_ref()),
                );
            }
            for dep in &stack.depends_on {
                if !names.contains(&dep.as_ref().as_str()) {
                    let hint = regions::closest(dep.as_ref(), names.iter().copied())
                        .map(|n| format!("did you mean \"{n}\"? "))
                        .unwrap_or_default();
                    self.report(
                        dep.span(),
                        format!(
                            "stack `{name}` depends on `{}`, which is not a stack",
                            dep.as_ref()
                        ),
                        format!(
                            "{hint}name one of the [[stacks]] entries: {}",
                            names.join(", ")
                        ),
                    );
                } else if dep.as_ref() == name {
                    self.report(
                        dep.span(),
                        format!("stack `{name}` depends on itself"),
                        "remove it from its own depends_on",
                    );
                }
            }
            let depends_on: Vec<String> = stack
                .depends_on
                .iter()
                .map(|d| d.as_ref().clone())
                .collect();
            let mut inputs = BTreeMap::new();
            for (variable, value) in &stack.inputs {
                if let Some(source) = self.input(name, variable, value, &depends_on) {
                    inputs.insert(variable.clone(), source);
                }
            }
            let (backend, backend_location) = self.stack_backend(stack, backend);
            stacks.push(Stack {
                name: name.to_string(),
                dir,
                region: stack.region.as_ref().map(|r| r.as_ref().clone()),
                depends_on,
                inputs,
                backend,
                backend_location,
            });
        }
        self.cycles(raw);
        stacks
    }

    fn input(
        &mut self,
        stack: &str,
        variable: &str,
        value: &Spanned<toml::Value>,
        depends_on: &[String],
    ) -> Option<InputSource> {
        let source = match input_source(value.as_ref()) {
            Ok(source) => source,
            Err(bad) => {
                self.report(
                    value.span(),
                    format!("stack `{stack}`: input `{variable}` has `{bad}`, which is not an output reference"),
                    "write \"STACK.OUTPUT\" (or \"STACK.OUTPUT.KEY\"), or a table or list of them",
                );
                return None;
            }
        };
        let mut used = BTreeSet::new();
        source.stacks(&mut used);
        for upstream in used {
            if !depends_on.contains(&upstream) {
                self.report(
                    value.span(),
                    format!("stack `{stack}`: input `{variable}` reads stack `{upstream}`, which is not in its depends_on"),
                    format!("add \"{upstream}\" to depends_on of `{stack}` so it is applied first"),
                );
            }
        }
        Some(source)
    }

    /// Reports each dependency cycle once, at the edge that closes it.
    fn cycles(&mut self, raw: &[raw::RawStack]) {
        let index: HashMap<&str, usize> = raw
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_ref().as_str(), i))
            .collect();
        // 0 = unvisited, 1 = on the current path, 2 = done
        let mut state = vec![0u8; raw.len()];
        let mut path: Vec<usize> = Vec::new();
        let mut found: Vec<(Range<usize>, String)> = Vec::new();
        fn visit(
            i: usize,
            raw: &[raw::RawStack],
            index: &HashMap<&str, usize>,
            state: &mut [u8],
            path: &mut Vec<usize>,
            found: &mut Vec<(Range<usize>, String)>,
        ) {
            state[i] = 1;
            path.push(i);
            for dep in &raw[i].depends_on {
                let Some(&j) = index.get(dep.as_ref().as_str()) else {
                    continue;
                };
                if j == i {
                    continue; // reported as "depends on itself"
                }
                if state[j] == 1 {
                    let start = path.iter().position(|&p| p == j).unwrap_or(0);
                    let mut names: Vec<&str> = path[start..]
                        .iter()
                        .map(|&p| raw[p].name.as_ref().as_str())
                        .collect();
                    names.push(raw[j].name.as_ref());
                    found.push((dep.span(), names.join(" → ")));
                } else if state[j] == 0 {
                    visit(j, raw, index, state, path, found);
                }
            }
            path.pop();
            state[i] = 2;
        }
        for i in 0..raw.len() {
            if state[i] == 0 {
                visit(i, raw, &index, &mut state, &mut path, &mut found);
            }
        }
        for (span, cycle) in found {
            self.report(
                span,
                format!("stack dependency cycle: {cycle}"),
                "remove one of these depends_on entries; stacks must form a graph without cycles",
            );
        }
    }

    fn duration(
        &mut self,
        value: Option<Spanned<String>>,
        key: &str,
        default: Duration,
    ) -> Duration {
        let Some(value) = value else { return default };
        match humantime::parse_duration(value.as_ref()) {
            Ok(d) if !d.is_zero() || key == "rollout.bake_time" => d,
            _ => {
                self.report(
                    value.span(),
                    format!("{key} = \"{}\" is not a duration", value.as_ref()),
                    "write a duration like \"90s\", \"5m\" or \"1h 30m\"",
                );
                default
            }
        }
    }

    fn image(&mut self, raw: raw::RawImage) -> ImageSettings {
        if !is_ecr_repository_name(raw.repository.as_ref()) {
            self.report(
                raw.repository.span(),
                format!("`{}` is not a valid ECR repository name", raw.repository.as_ref()),
                "use lower-case letters, digits and `._-/` (e.g. \"shop/api\"); no registry host and no tag",
            );
        }
        let context = self.root.join(raw.context.as_ref());
        let dockerfile = context.join(raw.dockerfile.as_ref());
        if !context.is_dir() {
            self.report(
                raw.context.span(),
                format!("image.context `{}` is not a directory", context.display()),
                "write the build context folder relative to the folder of platform.toml",
            );
        } else if !dockerfile.is_file() {
            let span = if raw.dockerfile.span().is_empty() {
                raw.repository.span()
            } else {
                raw.dockerfile.span()
            };
            self.report(
                span,
                format!("Dockerfile `{}` does not exist", dockerfile.display()),
                "create it, or set image.dockerfile to its path relative to image.context",
            );
        }
        let tag = match raw.tag.as_ref().map(|t| t.as_ref().as_str()) {
            None | Some("sha") => TagStyle::Sha,
            Some("short-sha") => TagStyle::ShortSha,
            Some(other) => {
                let span = raw.tag.as_ref().map(|t| t.span()).unwrap_or_default();
                self.report(
                    span,
                    format!("image.tag = \"{other}\" is not a tag style"),
                    "use \"sha\" (full git SHA) or \"short-sha\" (12 characters)",
                );
                TagStyle::Sha
            }
        };
        for extra in &raw.extra_tags {
            if !is_docker_tag(extra.as_ref()) {
                self.report(
                    extra.span(),
                    format!("`{}` is not a valid image tag", extra.as_ref()),
                    "use up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`",
                );
            }
        }
        let replication_timeout = self.duration(
            raw.replication_timeout,
            "image.replication_timeout",
            Duration::from_secs(15 * 60),
        );
        let secrets = self.image_secrets(raw.secrets);
        ImageSettings {
            repository: raw.repository.into_inner(),
            context,
            dockerfile,
            target: raw.target,
            build_args: raw.build_args,
            labels: raw.labels,
            platform: raw.platform,
            tag,
            extra_tags: raw
                .extra_tags
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            replication_timeout,
            secrets,
        }
    }

    /// `[image.secrets]`: ids as BuildKit takes them, each read from exactly one place.
    fn image_secrets(
        &mut self,
        raw: BTreeMap<Spanned<String>, Spanned<raw::RawSecret>>,
    ) -> BTreeMap<String, SecretSource> {
        let mut secrets = BTreeMap::new();
        for (id, secret) in raw {
            let span = id.span();
            let id = id.into_inner();
            if id.is_empty()
                || !id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
            {
                self.report(
                    span,
                    format!("`{id}` is not a usable secret id"),
                    "use letters, digits, `_`, `-` and `.`, the id that `RUN --mount=type=secret,id=ID` names",
                );
                continue;
            }
            let secret_span = secret.span();
            let source = match secret.into_inner() {
                raw::RawSecret {
                    env: Some(name),
                    file: None,
                } if !name.is_empty() => SecretSource::Env(name),
                raw::RawSecret {
                    env: None,
                    file: Some(path),
                } if !path.is_empty() => SecretSource::File(self.root.join(path)),
                _ => {
                    self.report(
                        secret_span,
                        format!("image.secrets.{id} must name exactly one source"),
                        format!(
                            "write `{id} = {{ env = \"VARIABLE\" }}` or `{id} = {{ file = \"path/relative/to/platform.toml\" }}`"
                        ),
                    );
                    continue;
                }
            };
            secrets.insert(id, source);
        }
        secrets
    }

    fn deployment_config(&mut self, value: &Spanned<String>) {
        let name = value.as_ref();
        if name.starts_with("CodeDeployDefault.")
            && !ECS_PREDEFINED_CONFIGS.contains(&name.as_str())
        {
            self.report(
                value.span(),
                format!("`{name}` is not a CodeDeploy configuration for ECS"),
                format!(
                    "use one of {} or the name of a custom config from your stacks (a service on the ECS deployment controller: ECSCanary{{P}}Percent{{M}}Minutes or ECSLinear{{P}}PercentEvery{{M}}Minutes)",
                    ECS_PREDEFINED_CONFIGS.join(", ")
                ),
            );
        } else if name.trim().is_empty() {
            self.report(
                value.span(),
                "deployment_config is empty",
                "remove the key to use the deployment group's own config",
            );
        }
    }

    fn services(&mut self, raw: Vec<raw::RawService>, analysis: Option<&Analysis>) -> Vec<Service> {
        let mut seen = BTreeSet::new();
        let mut services = Vec::new();
        for service in raw {
            if !seen.insert(service.name.as_ref().clone()) {
                self.report(
                    service.name.span(),
                    format!("service `{}` is listed twice", service.name.as_ref()),
                    "list each service once in [[services]]",
                );
            }
            if let Some(config) = &service.deployment_config {
                self.deployment_config(config);
            }
            let mut hooks = BTreeMap::new();
            for (hook, target) in service.hooks {
                if !ECS_HOOKS.contains(&hook.as_ref().as_str()) {
                    self.report(
                        hook.span(),
                        format!("`{}` is not a CodeDeploy ECS lifecycle hook", hook.as_ref()),
                        format!("use one of {}", ECS_HOOKS.join(", ")),
                    );
                } else if !target.starts_with("arn:") || !target.contains(":lambda:") {
                    self.report(
                        hook.span(),
                        format!(
                            "hook {} must name a Lambda function ARN, got `{target}`",
                            hook.as_ref()
                        ),
                        "write arn:aws:lambda:REGION:ACCOUNT:function:NAME",
                    );
                }
                hooks.insert(hook.into_inner(), target);
            }
            let analysis =
                self.service_analysis(analysis, service.analysis.as_ref(), service.name.as_ref());
            services.push(Service {
                analysis,
                name: service.name.into_inner(),
                deployment_config: service.deployment_config.map(Spanned::into_inner),
                hooks,
            });
        }
        services
    }

    fn rollout(&mut self, raw: raw::RawRollout, project: &str) -> RolloutSettings {
        if let Some(config) = &raw.deployment_config {
            self.deployment_config(config);
        }
        let dr_waves = match raw.dr_waves.as_ref().map(|w| w.as_ref().as_str()) {
            None | Some("parallel") => DrWaves::Parallel,
            Some("sequential") => DrWaves::Sequential,
            Some(other) => {
                let span = raw.dr_waves.as_ref().map(|w| w.span()).unwrap_or_default();
                self.report(
                    span,
                    format!("rollout.dr_waves = \"{other}\" is not a wave strategy"),
                    "use \"parallel\" (all DR regions at once) or \"sequential\"",
                );
                DrWaves::Parallel
            }
        };
        let raw_pause_span = raw.pause.as_ref().map(|p| {
            p.as_ref()
                .timeout
                .as_ref()
                .map_or_else(|| p.span(), |t| t.span())
        });
        let settings = RolloutSettings {
            deployment_config: raw.deployment_config.map(Spanned::into_inner),
            bake_time: self.duration(
                raw.bake_time,
                "rollout.bake_time",
                Duration::from_secs(5 * 60),
            ),
            timeout: self.duration(raw.timeout, "rollout.timeout", Duration::from_secs(60 * 60)),
            poll_interval: self.duration(
                raw.poll_interval,
                "rollout.poll_interval",
                Duration::from_secs(5),
            ),
            dr_waves,
            require_alarms: raw.require_alarms.unwrap_or(true),
            analysis: self.rollout_analysis(raw.analysis.as_ref()),
            pause: self.pause(raw.pause.as_ref(), project),
        };
        if let (Some(pause), Some(raw_pause)) = (&settings.pause, &raw_pause_span)
            && pause.timeout >= settings.timeout
        {
            self.report(
                raw_pause.clone(),
                format!(
                    "rollout.pause.timeout ({}) is not shorter than rollout.timeout ({}): the rollout would time out while a gate waits",
                    humantime::format_duration(pause.timeout),
                    humantime::format_duration(settings.timeout)
                ),
                "shorten rollout.pause.timeout or lengthen rollout.timeout (a gate's wait counts in the rollout's time)",
            );
        }
        settings
    }
}

fn has_tf_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries.flatten().any(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.ends_with(".tf") || name.ends_with(".tf.json")
            })
        })
        .unwrap_or(false)
}

fn input_source(value: &toml::Value) -> Result<InputSource, String> {
    match value {
        toml::Value::String(s) => parse_output_ref(s)
            .map(InputSource::Output)
            .ok_or_else(|| s.clone()),
        toml::Value::Table(t) => t
            .iter()
            .map(|(k, v)| input_source(v).map(|s| (k.clone(), s)))
            .collect::<Result<_, _>>()
            .map(InputSource::Map),
        toml::Value::Array(a) => a
            .iter()
            .map(input_source)
            .collect::<Result<_, _>>()
            .map(InputSource::List),
        other => Err(other.to_string()),
    }
}

fn parse_output_ref(s: &str) -> Option<OutputRef> {
    let mut parts = s.split('.');
    let stack = parts.next().filter(|p| !p.is_empty())?;
    let output = parts.next().filter(|p| !p.is_empty())?;
    let path: Vec<String> = parts.map(str::to_string).collect();
    if path.iter().any(String::is_empty) {
        return None;
    }
    Some(OutputRef {
        stack: stack.to_string(),
        output: output.to_string(),
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_refs_parse_with_paths() {
        let r = parse_output_ref("us-east-1.edge_origin.alb_dns_name").unwrap();
        assert_eq!(r.stack, "us-east-1");
        assert_eq!(r.output, "edge_origin");
        assert_eq!(r.path, vec!["alb_dns_name"]);
        assert!(parse_output_ref("nodot").is_none());
        assert!(parse_output_ref("a..b").is_none());
    }
}
