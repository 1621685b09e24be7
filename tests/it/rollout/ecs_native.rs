//! Wire-level: releases on the ECS deployment controller against the sandbox's AWS stand-in, which
//! runs ECS service deployments through their lifecycle stages and shifts the production listener
//! rule (one config-minute per second). The service is as the bundled stacks create it: on the ECS
//! controller with no strategy yet; the rollout's UpdateService sets it.

use std::time::Duration;

use aws_sdk_cloudwatch::types::StateValue;
use aws_sdk_ecs::types::{DeploymentStrategy, ServiceDeploymentStatus};
use platform_deploy::OutcomeKind;
use platform_deploy::aws::RegionClients;
use platform_deploy::rollout::{self, rollback};
use platform_deploy::rollout::{ImageRef, taskdef};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use super::moto::{StandIn, moto_world, opts_for, push_other_image, rollout_in_moto, stand_in};
use super::moto_world::{
    Alb, REGION, alb_in_moto, create_alarm, create_api_service, platform_in_moto, set_alarm,
};
use super::sim::{EcsAdvanced, on_ecs_controller, run_rollback, run_rollout};
use crate::support::names::unique;
use crate::support::{aws, http};

/// A service in moto as the bundled stacks leave one on the ECS deployment controller: the
/// CodeDeploy world's repository, image and task definition, but the service created by
/// Terraform's provider 5.x (deployment controller ECS, the blue target group, no strategy yet),
/// an ALB in the default VPC with a production rule (blue 100, green 0) and a test rule, and the
/// infrastructure role. Returns the deploy_targets value and the pushed image.
pub async fn ecs_platform_in_moto(c: &RegionClients, url: &str, name: &str) -> (Value, ImageRef) {
    let (mut targets, image) = platform_in_moto(c, name, true).await;
    // The CodeDeploy world's service goes: this one is created as Terraform creates it.
    c.ecs
        .delete_service()
        .cluster(name)
        .service("api")
        .force(true)
        .send()
        .await
        .unwrap();
    let Alb {
        target_groups: tgs,
        rules,
        ..
    } = alb_in_moto(c, name, aws::default_subnets(url, REGION)).await;
    let service = targets["services"]["api"].clone();
    let first = c
        .ecs
        .list_task_definitions()
        .family_prefix(service["task_family"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .task_definition_arns()[0]
        .clone();
    create_api_service(
        c,
        name,
        &first,
        aws_sdk_ecs::types::DeploymentControllerType::Ecs,
        Some(
            aws_sdk_ecs::types::LoadBalancer::builder()
                .target_group_arn(&tgs[0])
                .container_name("web")
                .container_port(80)
                .build(),
        ),
    )
    .await;
    let role = aws::ecs_infrastructure_role(url, &format!("{name}-ecs-infrastructure"));
    let api = &mut targets["services"]["api"];
    on_ecs_controller(
        api,
        &format!("{name}-Canary10Percent5Minutes"),
        &EcsAdvanced {
            target_groups: [&tgs[0], &tgs[1]],
            prod_rule: &rules[0],
            test_rule: Some(&rules[1]),
            role: &role,
        },
    );
    (targets, image)
}

/// The service's newest service deployment: its ARN, status and the production traffic on its
/// target revision.
pub(super) async fn newest_deployment(
    c: &RegionClients,
    cluster: &str,
) -> Option<(String, ServiceDeploymentStatus, f64)> {
    let listed = c
        .ecs
        .list_service_deployments()
        .cluster(cluster)
        .service("api")
        .send()
        .await
        .ok()?;
    let arn = listed
        .service_deployments()
        .first()?
        .service_deployment_arn()?
        .to_string();
    let out = c
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(&arn)
        .send()
        .await
        .ok()?;
    let d = out.service_deployments().first()?;
    let weight = d
        .target_service_revision()
        .and_then(|r| r.requested_production_traffic_weight())
        .unwrap_or(0.0);
    Some((arn, d.status()?.clone(), weight))
}

/// Waits until the newest deployment has shifted some production traffic (the canary).
async fn mid_canary(c: &RegionClients, cluster: &str) -> String {
    for _ in 0..600 {
        if let Some((arn, ServiceDeploymentStatus::InProgress, w)) =
            newest_deployment(c, cluster).await
            && w > 0.0
            && w < 100.0
        {
            return arn;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no deployment of {cluster}/api reached its canary within 30 s");
}

async fn service(c: &RegionClients, cluster: &str) -> aws_sdk_ecs::types::Service {
    c.ecs
        .describe_services()
        .cluster(cluster)
        .services("api")
        .send()
        .await
        .unwrap()
        .services()[0]
        .clone()
}

/// The task definition the service runs now.
async fn live_revision(c: &RegionClients, cluster: &str) -> String {
    service(c, cluster)
        .await
        .task_definition()
        .unwrap()
        .to_string()
}

pub(super) async fn status_reason(c: &RegionClients, arn: &str) -> (String, String) {
    let out = c
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .unwrap();
    let d = &out.service_deployments()[0];
    (
        d.status().unwrap().as_str().to_string(),
        d.status_reason().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_canary_on_the_ecs_controller_is_released_with_the_same_progress_as_codedeploy() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdecs");
    let (targets_json, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let first_revision = live_revision(&c, &name).await;
    let (report, log) = rollout_in_moto(&c, targets_json, opts_for(image), async {}).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::Succeeded,
        "{}\n{log}",
        report.message
    );
    for line in [
        "traffic: 10% on the new task set (step 1/2); next shift in ~",
        "traffic: 100% on the new task set (step 2/2)",
        "lifecycle event PRODUCTION_TRAFFIC_SHIFT InProgress",
        "Succeeded",
    ] {
        assert!(log.contains(line), "missing {line:?} in:\n{log}");
    }
    let d = &report.deployments[0];
    let arn = d.deployment_id.clone().unwrap();
    assert!(
        arn.starts_with(&format!(
            "arn:aws:ecs:us-east-1:123456789012:service-deployment/{name}/api/"
        )),
        "{arn}"
    );
    assert_eq!(status_reason(&c, &arn).await.0, "SUCCESSFUL");

    // The service runs the new revision, with the strategy and the advanced configuration the
    // rollout sent (Terraform created it with neither).
    let live = service(&c, &name).await;
    let new_revision = d.task_definition_arn.clone().unwrap();
    assert_ne!(new_revision, first_revision);
    assert_eq!(live.task_definition(), Some(new_revision.as_str()));
    let config = live.deployment_configuration().unwrap();
    assert_eq!(config.strategy(), Some(&DeploymentStrategy::Canary));
    let canary = config.canary_configuration().unwrap();
    assert_eq!(
        (
            canary.canary_percent(),
            canary.canary_bake_time_in_minutes()
        ),
        (Some(10.0), Some(5))
    );
    let advanced = live.load_balancers()[0].advanced_configuration().unwrap();
    assert!(
        advanced
            .alternate_target_group_arn()
            .is_some_and(|a| a.contains("-green/")),
        "{advanced:?}"
    );
    assert!(
        advanced
            .role_arn()
            .is_some_and(|r| r.ends_with("-ecs-infrastructure")),
        "{advanced:?}"
    );
}

#[tokio::test]
async fn an_alarm_mid_canary_rolls_the_ecs_deployment_back_and_names_the_alarm() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdecsalarm");
    let (mut targets_json, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let alarm = format!("{name}-5xx");
    create_alarm(&c, &alarm).await;
    targets_json["services"]["api"]["alarm_names"] = json!([alarm]);
    let first_revision = live_revision(&c, &name).await;
    let mut opts = opts_for(image);
    opts.settings.require_alarms = true;

    let fire = async {
        mid_canary(&c, &name).await;
        set_alarm(&c, &alarm, StateValue::Alarm).await;
    };
    let (report, log) = rollout_in_moto(&c, targets_json, opts, fire).await;

    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    assert!(
        report
            .message
            .contains(&format!("alarm {alarm} went into ALARM")),
        "{}\n{log}",
        report.message
    );
    let arn = report.deployments[0].deployment_id.clone().unwrap();
    assert_eq!(status_reason(&c, &arn).await.0, "ROLLBACK_SUCCESSFUL");
    assert_eq!(
        service(&c, &name).await.task_definition(),
        Some(first_revision.as_str()),
        "the rollback put the previous revision back"
    );
}

#[tokio::test]
async fn a_failed_lifecycle_hook_is_named_with_its_message() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdecshook");
    let (targets_json, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let hook = "arn:aws:lambda:us-east-1:123456789012:function:smoke-test";
    let mut opts = opts_for(image);
    opts.services[0]
        .hooks
        .insert("AfterAllowTraffic".into(), hook.into());
    // The hook after the production shift fails; it is armed during the canary, before its stage.
    let fail = async {
        let arn = mid_canary(&c, &name).await;
        let (status, body) = http::post_json(
            url.trim_start_matches("http://"),
            "/_sandbox/ecs/fail-hook",
            &json!({"serviceDeploymentArn": arn, "stage": "POST_PRODUCTION_TRAFFIC_SHIFT",
                    "message": "smoke test: GET /health answered 503"}),
        )
        .unwrap();
        assert_eq!(status, 200, "{body}");
    };
    let (report, log) = rollout_in_moto(&c, targets_json, opts, fail).await;
    assert_eq!(
        report.outcome,
        OutcomeKind::RolledBack,
        "{}\n{log}",
        report.message
    );
    assert!(
        report.message.contains(&format!("hook {hook}"))
            && report
                .message
                .contains("smoke test: GET /health answered 503"),
        "{}\n{log}",
        report.message
    );
}

#[tokio::test]
async fn a_cancelled_ecs_release_is_stopped_with_rollback_by_the_rollout() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdecscancel");
    let (targets_json, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let opts = opts_for(image);
    let world = moto_world(&c, targets_json);
    let cancel = CancellationToken::new();
    let interrupt = async {
        mid_canary(&c, &name).await;
        cancel.cancel();
    };
    let ((result, log), ()) = tokio::join!(run_rollout(&opts, &world, &cancel), interrupt);
    let report = result.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(report.outcome, OutcomeKind::Cancelled, "{log}");
    let arn = report.deployments[0].deployment_id.clone().unwrap();
    assert!(
        report.deployments[0]
            .message
            .contains(&format!("stopped {arn} with rollback")),
        "{}",
        report.deployments[0].message
    );
    let (status, reason) = status_reason(&c, &arn).await;
    assert!(status.starts_with("ROLLBACK_"), "{status}: {reason}");
    assert!(reason.contains("StopServiceDeployment"), "{reason}");
}

#[tokio::test]
async fn dry_run_rollback_and_status_read_the_ecs_history() {
    let StandIn { url, c } = stand_in().await;
    let name = unique("pdecshist");
    let (targets_json, image) = ecs_platform_in_moto(&c, &url, &name).await;
    let first_revision = live_revision(&c, &name).await;

    // The dry run shows the UpdateService it would send, and sends nothing.
    let mut dry = opts_for(image.clone());
    dry.dry_run = true;
    let world = moto_world(&c, targets_json.clone());
    let (result, log) = run_rollout(&dry, &world, &CancellationToken::new()).await;
    let report = result.unwrap_or_else(|e| panic!("{e}\n{log}"));
    let plan = serde_json::to_value(&report.dry_run.as_ref().unwrap()[0]).unwrap();
    assert_eq!(plan["controller"], "ECS");
    assert_eq!(
        plan["update_service"]["deploymentConfiguration"]["strategy"],
        "CANARY"
    );
    assert!(plan.get("create_deployment").is_none(), "{plan}");
    assert!(
        newest_deployment(&c, &name).await.is_none(),
        "the dry run started a service deployment"
    );

    // Two releases: the rollback goes back from the second to the first, found in ECS's history.
    let (report, log) =
        rollout_in_moto(&c, targets_json.clone(), opts_for(image.clone()), async {}).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    let first_release = report.deployments[0].task_definition_arn.clone().unwrap();
    let second = push_other_image(&c, &image.repository, '3').await;
    let (report, log) =
        rollout_in_moto(&c, targets_json.clone(), opts_for(second.clone()), async {}).await;
    assert_eq!(report.outcome, OutcomeKind::Succeeded, "{log}");
    let released = report.deployments[0].deployment_id.clone().unwrap();

    // status: the last deployment from ECS's history.
    let (targets, clients) = moto_world(&c, targets_json.clone());
    let status = rollout::status::gather(
        &["us-east-1".to_string()],
        &["api".to_string()],
        &targets,
        &clients,
        5,
    )
    .await
    .unwrap();
    let recent = &status.services[0].recent;
    assert_eq!(recent[0].deployment_id, released, "{recent:?}");
    assert_eq!(recent[0].status, "Succeeded");

    // rollback: back to the revision before, through a new ECS deployment.
    let mut base = opts_for(second);
    base.rollback = true;
    let options = rollback::RollbackOptions {
        base,
        to: None,
        config: "CodeDeployDefault.ECSAllAtOnce".into(),
        parallel: false,
        attribution: rollback::Attribution {
            actor: Some("alice".into()),
            reason: Some("the canary looked wrong".into()),
            run_url: None,
        },
    };
    let (result, log) = run_rollback(&options, &(targets, clients)).await;
    let rolled = result.unwrap_or_else(|e| panic!("{e}\n{log}"));
    assert_eq!(rolled.outcome, OutcomeKind::Succeeded, "{log}");
    let live = live_revision(&c, &name).await;
    let back = taskdef::describe_raw(&c.ecs, &live).await.unwrap();
    let was = taskdef::describe_raw(&c.ecs, &first_release).await.unwrap();
    assert_ne!(live, first_revision);
    assert_eq!(
        back["taskDefinition"]["containerDefinitions"][0]["image"],
        was["taskDefinition"]["containerDefinitions"][0]["image"],
        "the rollback runs the first release's image again:\n{log}"
    );
}

#[tokio::test]
async fn a_service_whose_live_controller_differs_from_deploy_targets_is_refused() {
    let StandIn { url: _, c } = stand_in().await;
    let name = unique("pdecsmismatch");
    // A service on the CODE_DEPLOY controller that deploy_targets calls ECS.
    let (mut targets_json, image) = platform_in_moto(&c, &name, true).await;
    let api = &mut targets_json["services"]["api"];
    on_ecs_controller(
        api,
        "CodeDeployDefault.ECSCanary10Percent5Minutes",
        &EcsAdvanced {
            target_groups: ["arn:blue", "arn:green"],
            prod_rule: "arn:rule",
            test_rule: None,
            role: "arn:aws:iam::123456789012:role/infra",
        },
    );
    let world = moto_world(&c, targets_json);
    let (result, log) = run_rollout(&opts_for(image), &world, &CancellationToken::new()).await;
    let err = result.expect_err(&log);
    assert!(matches!(err, rollout::RolloutError::Preflight(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("is on the CODE_DEPLOY deployment controller, but deploy_targets says ECS"),
        "{text}"
    );
    assert_eq!(err.kind(), OutcomeKind::PreflightRefused);
}
