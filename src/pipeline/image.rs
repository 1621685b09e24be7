//! The image step: platform.toml's `[image]` plus the flags into build and push settings, the push
//! itself (reuse or build, push, wait for replication), and its report on stdout, in the step
//! outputs and in the job summary. `build`, `push` and `deploy` share it.

use std::fmt::Write as _;

use crate::cli::OutputFormat;
use crate::config::{Config, ImageSettings};
use crate::error::Error;
use crate::image::context::Context;
use crate::image::ecr::TokenCache;
use crate::image::engine::BuildSettings;
use crate::image::progress::BuildOutput;
use crate::image::release::{
    self, EcrClients, Engine, PushReport, PushSettings, Source, TagAction,
};
use crate::image::replication::Backoff;
use crate::image::{ImageError, release_tags};
use crate::outcome::Outcome;
use crate::rollout::ImageRef;
use crate::runner::Workflow;
use crate::settings::Settings;

/// The engine flags of `build`, `push` and `deploy`.
#[derive(Debug, Clone, Default)]
pub struct EngineFlags {
    pub no_cache: bool,
    pub pull: bool,
    pub platform: Option<String>,
    pub cache_from: Vec<String>,
    pub cache_to: Option<crate::image::engine::CacheTo>,
}

/// What to push, and how.
#[derive(Debug, Clone, Default)]
pub struct PushRequest {
    /// A local image to push instead of building one.
    pub image: Option<String>,
    pub registry_endpoint: Option<String>,
    pub dry_run: bool,
    pub engine: EngineFlags,
}

/// The build settings from platform.toml and the flags; `repository` prefixes the local tags.
pub fn build_settings(
    image: &ImageSettings,
    engine: &EngineFlags,
    git_sha: &str,
    source: Option<&str>,
    repository: &str,
) -> BuildSettings {
    let created = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    BuildSettings {
        tags: release_tags(image, git_sha)
            .iter()
            .map(|t| format!("{repository}:{t}"))
            .collect(),
        build_args: image.build_args.clone(),
        labels: release::labels(&image.labels, git_sha, source, &created),
        target: image.target.clone(),
        platform: engine.platform.clone().or_else(|| image.platform.clone()),
        no_cache: engine.no_cache,
        pull: engine.pull,
        cache_from: engine.cache_from.clone(),
        cache_to: engine.cache_to.clone(),
        secrets: image.secrets.clone(),
        credentials: None,
    }
}

/// platform.toml's `[image]`, or the error that says to add it.
pub fn image_settings(config: &Config) -> Result<&ImageSettings, Error> {
    Ok(config.image.as_ref().ok_or(ImageError::NotConfigured)?)
}

/// Pre-flight, reuse or build, push, wait for replication: the image of release `sha`.
pub async fn push(
    settings: &Settings,
    request: &PushRequest,
    sha: &str,
    workflow: &Workflow,
) -> Result<(PushReport, PushSettings), Error> {
    let config = &settings.config;
    let image = image_settings(config)?;
    let tags = release_tags(image, sha);
    let source = match &request.image {
        Some(reference) => Source::Local(reference.clone()),
        None => {
            let context =
                Context::new(&image.context, &image.dockerfile).map_err(ImageError::from)?;
            let url = release::source_url(&settings.runner, &config.root);
            Source::Build {
                context: Box::new(context),
                settings: Box::new(build_settings(
                    image,
                    &request.engine,
                    sha,
                    url.as_deref(),
                    &image.repository,
                )),
            }
        }
    };

    // The registry login (ECR GetAuthorizationToken) and the replication wait use the run's role.
    let regions: Vec<String> = config.regions().into_iter().map(str::to_string).collect();
    let mut by_region = settings.clients(&regions, workflow).await?;
    let mut ecr = |region: &str| by_region.remove(region).map(|c| c.ecr);
    let primary = ecr(&config.primary_region).expect("clients of the primary region");
    let dr = config
        .dr_regions
        .iter()
        .filter_map(|r| Some((r.clone(), ecr(r)?)))
        .collect();
    let clients = EcrClients { primary, dr };
    let push = PushSettings {
        repository: image.repository.clone(),
        tags,
        primary_region: config.primary_region.clone(),
        replication_timeout: image.replication_timeout,
        registry_endpoint: request.registry_endpoint.clone(),
        dry_run: request.dry_run,
        // The stack without a region is the global one, which creates the repository.
        repository_stack: config
            .stacks
            .iter()
            .find(|s| s.region.is_none())
            .map(|s| s.name.clone()),
        backoff: Backoff::default(),
    };
    let mut progress = BuildOutput::new(workflow, settings.verbose > 0);
    let report = release::push(
        &Engine::new(),
        &clients,
        &push,
        source,
        &TokenCache::new(),
        workflow,
        &mut progress,
    )
    .await?;
    drop(progress);
    Ok((report, push))
}

/// The image a rollout deploys: the pushed repository, by digest.
pub fn pushed_image(report: &PushReport) -> Option<Result<ImageRef, Error>> {
    let digest = report.digest.as_ref()?;
    Some(
        ImageRef::parse(&format!("{}@{digest}", report.repository))
            .map_err(|e| Error::from(crate::rollout::RolloutError::from(e))),
    )
}

/// Prints the push report (text output), sets the step outputs and writes the job summary; the
/// outcome says what was pushed.
pub fn report(
    report: &PushReport,
    push: &PushSettings,
    output: OutputFormat,
    workflow: &Workflow,
) -> Result<Outcome, Error> {
    let text = render(report, push);
    if output == OutputFormat::Text {
        print!("{text}");
    }
    if !report.dry_run {
        if let Some(digest) = &report.digest {
            workflow.set_output("image-digest", digest)?;
        }
        if let Some(uri) = &report.image_uri {
            workflow.set_output("image-uri", uri)?;
        }
        workflow.set_output("image-reused", if report.reused { "true" } else { "false" })?;
    }
    workflow.append_summary(&summary(report))?;
    let message = match (&report.image_uri, report.dry_run) {
        (_, true) => "dry run: nothing was pushed".to_string(),
        (Some(uri), false) if report.replication.is_empty() => format!("pushed {uri}"),
        (Some(uri), false) => format!(
            "pushed {uri}; replicated to {}",
            report
                .replication
                .iter()
                .map(|r| format!("{} in {:.1}s", r.region, r.seconds))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (None, false) => "pushed".to_string(),
    };
    Ok(Outcome::success(message).with_data(serde_json::to_value(report).unwrap_or_default()))
}

fn action(a: &TagAction) -> &'static str {
    match a {
        TagAction::Pushed => "pushed",
        TagAction::Reused => "already in ECR, reused",
        TagAction::WouldPush => "would push",
    }
}

fn render(report: &PushReport, settings: &PushSettings) -> String {
    let mut out = String::new();
    if report.dry_run {
        let _ = writeln!(out, "Dry run: nothing was pushed.");
        match (&report.image_id, &report.build_skipped) {
            (Some(id), _) => {
                let _ = writeln!(out, "image:      {id}");
            }
            (None, Some(why)) => {
                let _ = writeln!(out, "image:      not built ({why})");
            }
            (None, None) => {}
        }
        for tag in &report.tags {
            let _ = writeln!(
                out,
                "{}:{}  ({}) to ECR in {}",
                report.remote,
                tag.tag,
                action(&tag.action),
                settings.primary_region
            );
        }
        if let Some(digest) = &report.digest {
            let _ = writeln!(out, "digest:     {digest}");
        }
        if !report.replicate_to.is_empty() {
            let _ = writeln!(
                out,
                "would wait for the digest in {} (timeout {})",
                report.replicate_to.join(", "),
                humantime::format_duration(settings.replication_timeout)
            );
        }
        return out;
    }
    if let Some(uri) = &report.image_uri {
        let _ = writeln!(out, "image:      {uri}");
    }
    for tag in &report.tags {
        let _ = writeln!(out, "tag:        {} ({})", tag.tag, action(&tag.action));
    }
    for r in &report.replication {
        let _ = writeln!(out, "replicated: {} after {:.1}s", r.region, r.seconds);
    }
    out
}

fn summary(report: &PushReport) -> String {
    let mut md = String::from("## platform-deploy: image\n\n| | |\n|---|---|\n");
    if report.dry_run {
        md.push_str("| mode | dry run: nothing was pushed |\n");
    }
    if let Some(uri) = &report.image_uri {
        let _ = writeln!(md, "| image | `{uri}` |");
    }
    if let Some(digest) = &report.digest {
        let _ = writeln!(md, "| digest | `{digest}` |");
    }
    let tags: Vec<String> = report
        .tags
        .iter()
        .map(|t| format!("`{}` ({})", t.tag, action(&t.action)))
        .collect();
    let _ = writeln!(md, "| tags | {} |", tags.join(", "));
    for r in &report.replication {
        let _ = writeln!(
            md,
            "| replicated to {} | after {:.1} s |",
            r.region, r.seconds
        );
    }
    md
}
