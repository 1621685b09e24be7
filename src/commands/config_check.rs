use crate::cli::{Cli, OutputFormat};
use crate::config::Config;
use crate::error::Error;
use crate::outcome::Outcome;

/// `config check`: validate and show the resolved settings.
pub fn run(cli: &Cli) -> Result<Outcome, Error> {
    let config = Config::load(&cli.config)?;
    let resolved = serde_json::to_value(&config).unwrap_or_default();
    if cli.output == OutputFormat::Text {
        println!("{} is valid.", cli.config.display());
        println!("project:   {}", config.project);
        println!(
            "regions:   {} (primary), DR: {}",
            config.primary_region,
            list_or_none(&config.dr_regions)
        );
        for stack in &config.stacks {
            let deps = if stack.depends_on.is_empty() {
                String::new()
            } else {
                format!(" after {}", stack.depends_on.join(", "))
            };
            let region = stack
                .region
                .as_deref()
                .map(|r| format!(" [{r}]"))
                .unwrap_or_default();
            println!(
                "stack:     {}{region} {}{deps}",
                stack.name,
                stack.dir.display()
            );
        }
        if let Some(image) = &config.image {
            println!(
                "image:     {} from {}",
                image.repository,
                image.dockerfile.display()
            );
        }
        let services: Vec<&str> = config.services.iter().map(|s| s.name.as_str()).collect();
        println!("services:  {}", list_or_none(&services));
        println!(
            "rollout:   {}, bake {}, timeout {}",
            config
                .rollout
                .deployment_config
                .as_deref()
                .unwrap_or("deployment group's config"),
            humantime::format_duration(config.rollout.bake_time),
            humantime::format_duration(config.rollout.timeout)
        );
        for service in &config.services {
            if let Some(a) = &service.analysis {
                let checks: Vec<&str> = a.checks.iter().map(|c| c.name.as_str()).collect();
                println!(
                    "analysis:  {}: {} every {}",
                    service.name,
                    list_or_none(&checks),
                    humantime::format_duration(a.interval)
                );
            }
        }
        if let Some(pause) = &config.rollout.pause {
            let at: Vec<&str> = pause.at.iter().map(|p| p.as_str()).collect();
            println!(
                "gates:     {} (promote or abort within {})",
                list_or_none(&at),
                humantime::format_duration(pause.timeout)
            );
        }
    }
    Ok(Outcome::success(format!("{} is valid", cli.config.display())).with_data(resolved))
}

fn list_or_none<S: AsRef<str>>(items: &[S]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(", ")
    }
}
