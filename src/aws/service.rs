//! The live ECS service: the one definition every reader (pre-flight, rollback, status, failover
//! health) uses.

/// What DescribeServices says of one ECS service.
#[derive(Debug, Clone)]
pub enum LiveService {
    /// The service that runs (ECS reports it ACTIVE).
    Found(Box<aws_sdk_ecs::types::Service>),
    /// None is: ECS's reason (a failure such as MISSING), or the status of what is left of it.
    Missing(String),
}

/// The live ECS service `name` of `cluster`. A deleted service lingers in DescribeServices as
/// INACTIVE, one being deleted as DRAINING: neither runs a release, so neither is the live service.
/// This is the one definition every reader (pre-flight, rollback, status, failover health) uses.
pub async fn live_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
) -> Result<
    LiveService,
    aws_sdk_ecs::error::SdkError<aws_sdk_ecs::operation::describe_services::DescribeServicesError>,
> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await?;
    let gone =
        |s: &aws_sdk_ecs::types::Service| matches!(s.status(), Some("INACTIVE" | "DRAINING"));
    if let Some(service) = out.services().iter().find(|s| !gone(s)) {
        return Ok(LiveService::Found(Box::new(service.clone())));
    }
    let reason = out
        .failures()
        .first()
        .and_then(|f| f.reason())
        .map(str::to_string)
        .or_else(|| {
            out.services()
                .first()
                .and_then(|s| s.status())
                .map(|status| format!("it is {status}"))
        })
        .unwrap_or_else(|| "not found".into());
    Ok(LiveService::Missing(reason))
}
