use std::fmt::Write as _;

use crate::cli::{BuildArgs, Cli, OutputFormat};
use crate::error::Error;
use crate::image::ImageError;
use crate::image::context::Context;
use crate::image::progress::BuildOutput;
use crate::image::release::{self, Engine, human_bytes};
use crate::outcome::Outcome;
use crate::pipeline::image::{build_settings, image_settings};
use crate::runner::Workflow;
use crate::settings::Settings;

/// `build`: the image, tagged locally; `--dry-run` shows the request and the context instead.
pub async fn run(cli: &Cli, args: &BuildArgs, workflow: &Workflow) -> Result<Outcome, Error> {
    let run = Settings::load(cli, workflow)?;
    let image = image_settings(&run.config)?;
    let sha = run.release_sha(args.release.git_sha.as_deref())?;
    let source = release::source_url(&run.runner, &run.config.root);
    let settings = build_settings(
        image,
        &super::engine_flags(&args.engine),
        &sha,
        source.as_deref(),
        &image.repository,
    );
    let context = Context::new(&image.context, &image.dockerfile).map_err(ImageError::from)?;
    let text = cli.output == OutputFormat::Text;

    if args.dry_run {
        let (paths, summary) = context.list().map_err(ImageError::from)?;
        let mut out = String::new();
        let _ = writeln!(out, "Dry run: nothing is built.");
        let _ = writeln!(out, "context:    {}", context.root.display());
        let _ = writeln!(out, "dockerfile: {}", context.dockerfile);
        let _ = writeln!(
            out,
            "sends:      {} files, {} folders, {} links, {} ({} entries ignored by .dockerignore)",
            summary.files,
            summary.folders,
            summary.links,
            human_bytes(summary.bytes),
            summary.ignored
        );
        let _ = writeln!(out, "tags:       {}", settings.tags.join(", "));
        if let Some(target) = &settings.target {
            let _ = writeln!(out, "target:     {target}");
        }
        if let Some(platform) = &settings.platform {
            let _ = writeln!(out, "platform:   {platform}");
        }
        for (k, v) in &settings.build_args {
            let _ = writeln!(out, "build arg:  {k}={v}");
        }
        for (k, v) in &settings.labels {
            let _ = writeln!(out, "label:      {k}={v}");
        }
        if text {
            print!("{out}");
            if args.list_context {
                for p in &paths {
                    println!("{p}");
                }
            }
        }
        let mut data = serde_json::json!({
            "dry_run": true,
            "context": context.root,
            "dockerfile": context.dockerfile,
            "patterns": context.patterns,
            "summary": summary,
            "build": settings,
        });
        if args.list_context {
            data["paths"] = serde_json::json!(paths);
        }
        return Ok(
            Outcome::success("dry run: build request printed; nothing was built").with_data(data),
        );
    }

    let mut progress = BuildOutput::new(workflow, cli.verbose > 0);
    let built =
        release::build(&Engine::new(), &context, &settings, workflow, &mut progress).await?;
    workflow.set_output("image-id", &built.image_id)?;
    workflow.set_output("image-tags", &built.tags.join(","))?;
    workflow.append_summary(&format!(
        "## platform-deploy: image built\n\n| | |\n|---|---|\n| image | `{}` |\n| tags | {} |\n| context | {} |\n",
        built.image_id,
        built
            .tags
            .iter()
            .map(|t| format!("`{t}`"))
            .collect::<Vec<_>>()
            .join(", "),
        built.sent_text()
    ))?;
    if text {
        println!("image: {}", built.image_id);
        for tag in &built.tags {
            println!("tag:   {tag}");
        }
    }
    let message = format!("built {} as {}", built.image_id, built.tags.join(", "));
    Ok(Outcome::success(message).with_data(serde_json::to_value(&built).unwrap_or_default()))
}
