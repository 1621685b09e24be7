//! [`DeployPlan`]: what `deploy` will do, computed from the configuration alone; `--dry-run` prints
//! it, and [`super::run`] walks it step by step.

use std::fmt::Write as _;

use serde::Serialize;

use crate::config::Config;
use crate::terraform::graph::StackGraph;

#[derive(Debug, Clone, Serialize)]
pub struct DeployPlan {
    pub project: String,
    pub git_sha: String,
    pub dry_run: bool,
    pub offline: bool,
    pub terraform: TerraformStep,
    pub image: Option<ImageStep>,
    pub rollout: Vec<RolloutWave>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TerraformStep {
    /// Plans read upstream outputs from current state, so every stack plans at once.
    pub plan_parallel: Vec<String>,
    /// Apply order: the stacks of one level apply at the same time.
    pub apply_levels: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageStep {
    pub context: String,
    pub dockerfile: String,
    pub repository: String,
    pub tags: Vec<String>,
    pub push_region: String,
    pub replicate_to: Vec<String>,
    pub replication_timeout_seconds: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RolloutWave {
    pub wave: usize,
    pub regions: Vec<String>,
    pub services: Vec<ServiceRollout>,
    /// How long alarms must stay OK after this wave before the next starts.
    pub bake_seconds_after: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceRollout {
    pub service: String,
    pub region: String,
    pub stack: Option<String>,
    pub deployment_config: String,
    pub dr_standby: bool,
}

/// The name used when the deployment group's own config (set by Terraform) applies.
pub const CONFIG_FROM_GROUP: &str = "the deployment group's config (deploy_targets)";

impl DeployPlan {
    pub fn new(config: &Config, git_sha: &str, dry_run: bool, offline: bool) -> Self {
        let graph = StackGraph::new(&config.stacks);
        let terraform = TerraformStep {
            plan_parallel: config.stacks.iter().map(|s| s.name.clone()).collect(),
            apply_levels: graph.levels(),
        };
        let image = config.image.as_ref().map(|image| ImageStep {
            context: display_relative(&image.context, &config.root),
            dockerfile: display_relative(&image.dockerfile, &config.root),
            repository: image.repository.clone(),
            tags: crate::image::release_tags(image, git_sha),
            push_region: config.primary_region.clone(),
            replicate_to: config.dr_regions.clone(),
            replication_timeout_seconds: image.replication_timeout.as_secs(),
        });
        DeployPlan {
            project: config.project.clone(),
            git_sha: git_sha.to_string(),
            dry_run,
            offline,
            terraform,
            image,
            rollout: rollout_waves(config),
        }
    }

    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let mode = match (self.dry_run, self.offline) {
            (true, true) => " (dry run, offline: nothing is sent anywhere)",
            (true, false) => " (dry run: nothing that changes anything is sent)",
            _ => "",
        };
        let _ = writeln!(
            out,
            "Deploy plan for project {} at {}{mode}",
            self.project,
            short(&self.git_sha)
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "1. Terraform: plan {} stack(s) in parallel: {}",
            self.terraform.plan_parallel.len(),
            self.terraform.plan_parallel.join(", ")
        );
        for (i, level) in self.terraform.apply_levels.iter().enumerate() {
            let together = if level.len() > 1 {
                " (in parallel)"
            } else {
                ""
            };
            let _ = writeln!(out, "   apply {}: {}{together}", i + 1, level.join(", "));
        }
        match &self.image {
            Some(image) => {
                let _ = writeln!(
                    out,
                    "2. Image: build {} (Dockerfile {})",
                    image.context, image.dockerfile
                );
                let _ = writeln!(
                    out,
                    "   push {}:{} to ECR in {}",
                    image.repository,
                    image.tags.join(", "),
                    image.push_region
                );
                if !image.replicate_to.is_empty() {
                    let _ = writeln!(
                        out,
                        "   wait for replication of the digest to {} (timeout {}s)",
                        image.replicate_to.join(", "),
                        image.replication_timeout_seconds
                    );
                }
            }
            None => {
                let _ = writeln!(out, "2. Image: none configured ([image] absent): skipped");
            }
        }
        if self.rollout.is_empty() {
            let _ = writeln!(out, "3. Rollout: no [[services]] configured: skipped");
        }
        for wave in &self.rollout {
            let _ = writeln!(
                out,
                "{}rollout wave {}: {}",
                if wave.wave == 1 { "3. " } else { "   " },
                wave.wave,
                wave.regions.join(", ")
            );
            for s in &wave.services {
                let standby = if s.dr_standby { " [DR standby]" } else { "" };
                let _ = writeln!(
                    out,
                    "     {} in {}: CodeDeploy blue/green with {}{standby}",
                    s.service, s.region, s.deployment_config
                );
            }
            if let Some(bake) = wave.bake_seconds_after {
                let _ = writeln!(out, "     then bake {bake}s with every alarm OK");
            }
        }
        out
    }
}

fn rollout_waves(config: &Config) -> Vec<RolloutWave> {
    if config.services.is_empty() {
        return Vec::new();
    }
    let region_waves = config
        .rollout
        .dr_waves
        .arrange(Some(&config.primary_region), &config.dr_regions);
    let last = region_waves.len();
    region_waves
        .into_iter()
        .enumerate()
        .map(|(i, regions)| {
            let services = regions
                .iter()
                .flat_map(|region| {
                    config.services.iter().map(move |service| ServiceRollout {
                        service: service.name.clone(),
                        region: region.clone(),
                        stack: config.regional_stack(region).map(|s| s.name.clone()),
                        deployment_config: service
                            .deployment_config
                            .clone()
                            .or_else(|| config.rollout.deployment_config.clone())
                            .unwrap_or_else(|| CONFIG_FROM_GROUP.to_string()),
                        dr_standby: *region != config.primary_region,
                    })
                })
                .collect();
            RolloutWave {
                wave: i + 1,
                regions,
                services,
                bake_seconds_after: (i + 1 < last).then_some(config.rollout.bake_time.as_secs()),
            }
        })
        .collect()
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn display_relative(path: &std::path::Path, root: &std::path::Path) -> String {
    path.strip_prefix(root)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| path.display().to_string())
}
