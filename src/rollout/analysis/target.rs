//! Before the rollout: which of the service's two target groups the new version will receive
//! traffic in (green) and which serves now (blue), read from the production listener (CodeDeploy)
//! or listener rule (ECS), and whether the checks' metrics exist for them (ListMetrics). A metric
//! that does not exist would make every measurement inconclusive: refused instead.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch::types::DimensionFilter;
use aws_sdk_elasticloadbalancingv2::types::Action;

use crate::aws::{AwsError, RegionClients};
use crate::config::{Analysis, CheckQuery};
use crate::rollout::error::Refusal;
use crate::rollout::targets::{Controller, ServiceTarget};

use super::query::{NAMESPACE, TargetGroupDims};

/// The target groups a deployment's analysis reads.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnalysisTarget {
    pub green: TargetGroupDims,
    pub blue: TargetGroupDims,
}

/// `targetgroup/NAME/ID` of a target group ARN.
pub fn target_group_dimension(arn: &str) -> Option<String> {
    arn.split_once(":targetgroup/")
        .map(|(_, rest)| format!("targetgroup/{rest}"))
}

/// `app/NAME/ID` of a listener or listener rule ARN.
pub fn load_balancer_dimension(arn: &str) -> Option<String> {
    let (_, rest) = arn
        .split_once(":listener/")
        .or_else(|| arn.split_once(":listener-rule/"))?;
    let parts: Vec<&str> = rest.split('/').take(3).collect();
    (parts.len() == 3).then(|| parts.join("/"))
}

/// The target groups of a forward action, each with its weight.
fn forwarded(actions: &[Action]) -> Vec<(String, i32)> {
    let mut out = Vec::new();
    for action in actions {
        if let Some(config) = action.forward_config() {
            for tg in config.target_groups() {
                if let Some(arn) = tg.target_group_arn() {
                    out.push((arn.to_string(), tg.weight().unwrap_or(1)));
                }
            }
        } else if let Some(arn) = action.target_group_arn() {
            out.push((arn.to_string(), 1));
        }
    }
    out
}

/// Finds the green and blue target groups of `target` and checks that the analysis' metrics
/// exist for them. `Ok(Err)` is a refusal; `Err` a read AWS did not answer.
pub async fn resolve(
    clients: &RegionClients,
    target: &ServiceTarget,
    analysis: &Analysis,
    scope: &str,
) -> Result<Result<AnalysisTarget, Refusal>, AwsError> {
    let refusal = |problem: String, fix: &str| Refusal {
        scope: scope.to_string(),
        problem,
        fix: fix.to_string(),
    };
    if target.target_group_arns.len() != 2 {
        return Ok(Err(refusal(
            "the analysis needs the service's two target groups, and deploy_targets.target_group_arns does not list two".into(),
            "export both target groups' ARNs in deploy_targets.target_group_arns (the bundled stacks do), or turn the analysis off for this service: [services.analysis] enabled = false",
        )));
    }
    let region = clients.region.as_str();
    let (routing_arn, actions) = match target.controller {
        Controller::CodeDeploy => {
            let arn = target.prod_listener_arn.as_str();
            let out = clients
                .elb
                .describe_listeners()
                .listener_arns(arn)
                .send()
                .await
                .map_err(|e| AwsError::new(region, "ELB DescribeListeners", e))?;
            let actions = out
                .listeners()
                .first()
                .map(|l| l.default_actions().to_vec())
                .unwrap_or_default();
            (arn.to_string(), actions)
        }
        Controller::Ecs => {
            let arn = target
                .production_listener_rule_arn
                .clone()
                .unwrap_or_default();
            let out = clients
                .elb
                .describe_rules()
                .rule_arns(&arn)
                .send()
                .await
                .map_err(|e| AwsError::new(region, "ELB DescribeRules", e))?;
            let actions = out
                .rules()
                .first()
                .map(|r| r.actions().to_vec())
                .unwrap_or_default();
            (arn, actions)
        }
    };
    let weights = forwarded(&actions);
    let Some((blue_arn, _)) = weights
        .iter()
        .filter(|(arn, _)| target.target_group_arns.contains(arn))
        .max_by_key(|(_, w)| *w)
    else {
        return Ok(Err(refusal(
            format!(
                "{routing_arn} forwards to neither of the service's target groups ({})",
                target.target_group_arns.join(", ")
            ),
            "apply the regional stack so the listener forwards to the service, or correct deploy_targets",
        )));
    };
    let green_arn = target
        .target_group_arns
        .iter()
        .find(|a| *a != blue_arn)
        .cloned()
        .unwrap_or_default();
    let lb = load_balancer_dimension(&target.prod_listener_arn)
        .or_else(|| load_balancer_dimension(&routing_arn));
    let dims = |arn: &str| -> Option<TargetGroupDims> {
        Some(TargetGroupDims {
            target_group: target_group_dimension(arn)?,
            load_balancer: lb.clone()?,
        })
    };
    let (Some(green), Some(blue)) = (dims(&green_arn), dims(blue_arn)) else {
        return Ok(Err(refusal(
            format!(
                "cannot read the CloudWatch dimensions of {green_arn} and {blue_arn} behind {routing_arn}"
            ),
            "deploy_targets must give the target groups' and the production listener's ARNs",
        )));
    };
    let found = AnalysisTarget { green, blue };
    for metric in metric_names(analysis) {
        if !has_metric(clients, &metric, &found).await? {
            return Ok(Err(refusal(
                format!(
                    "the analysis reads {metric}, and CloudWatch has no {metric} for the service's target groups ({}, {})",
                    found.green.target_group, found.blue.target_group
                ),
                "correct the metric name, send the service traffic first (a target group gets load balancer metrics once it serves requests), or turn the analysis off for this service: [services.analysis] enabled = false",
            )));
        }
    }
    Ok(Ok(found))
}

/// Every metric the checks read (the request count too, for `min_requests`).
fn metric_names(analysis: &Analysis) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for check in &analysis.checks {
        match &check.query {
            CheckQuery::Metric(m) => {
                names.insert(m.metric.clone());
            }
            CheckQuery::Expression { metrics, .. } => {
                names.extend(metrics.values().map(|m| m.metric.clone()));
            }
        }
    }
    if analysis.min_requests > 0 {
        names.insert("RequestCount".into());
    }
    names
}

/// Whether CloudWatch lists `metric` for the green or the blue target group.
async fn has_metric(
    clients: &RegionClients,
    metric: &str,
    target: &AnalysisTarget,
) -> Result<bool, AwsError> {
    for dims in [&target.green, &target.blue] {
        let out = clients
            .cloudwatch
            .list_metrics()
            .namespace(NAMESPACE)
            .metric_name(metric)
            .dimensions(
                DimensionFilter::builder()
                    .name("TargetGroup")
                    .value(&dims.target_group)
                    .build(),
            )
            .send()
            .await
            .map_err(|e| AwsError::new(&clients.region, "CloudWatch ListMetrics", e))?;
        if !out.metrics().is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_come_from_the_arns() {
        assert_eq!(
            target_group_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/shop-api-blue/73e2d6bc24d8a067"
            )
            .as_deref(),
            Some("targetgroup/shop-api-blue/73e2d6bc24d8a067")
        );
        assert_eq!(
            load_balancer_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2"
            )
            .as_deref(),
            Some("app/shop/50dc6c495c0c9188")
        );
        assert_eq!(
            load_balancer_dimension(
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/shop/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"
            )
            .as_deref(),
            Some("app/shop/50dc6c495c0c9188")
        );
        assert_eq!(
            load_balancer_dimension("arn:aws:ecs:us-east-1:1:service/x"),
            None
        );
    }
}
