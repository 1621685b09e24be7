//! A service in the AWS stand-in as the bundled stacks leave it, and the alarm and traffic probes
//! around it: shared by the wire-level rollout tests (moto.rs) and the alarm-reaction benchmark
//! (bench/alarm-reaction includes this file next to sim.rs).

use aws_sdk_cloudwatch::types::StateValue;
use platform_deploy::aws::RegionClients;
use platform_deploy::rollout::{ImageRef, taskdef};
use serde_json::{Value, json};

use super::sim::{GIT_SHA, fixture};

/// The stand-in region the wire-level tests and the benchmark use.
pub const REGION: &str = "us-east-1";

/// A service in moto as the bundled stacks would leave it: an ECR repository holding the image,
/// an ECS service on the CODE_DEPLOY controller running a real-world task definition, a
/// CodeDeploy application and blue/green deployment group. Returns the deploy_targets value and
/// the pushed image.
pub async fn platform_in_moto(
    c: &RegionClients,
    name: &str,
    push_image: bool,
) -> (Value, ImageRef) {
    let repo = format!("{name}/api");
    c.ecr
        .create_repository()
        .repository_name(&repo)
        .send()
        .await
        .unwrap();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2,
                   "digest": format!("sha256:{}", "1".repeat(64))},
        "layers": []
    });
    let digest = if push_image {
        let out = c
            .ecr
            .put_image()
            .repository_name(&repo)
            .image_manifest(manifest.to_string())
            .image_tag(GIT_SHA)
            .send()
            .await
            .unwrap();
        out.image()
            .unwrap()
            .image_id()
            .unwrap()
            .image_digest()
            .unwrap()
            .to_string()
    } else {
        format!("sha256:{}", "2".repeat(64))
    };
    let image = ImageRef::parse(&format!("{repo}@{digest}")).unwrap();

    // The service's current revision: the EC2/bridge real-world fixture under this test's family.
    let mut current = taskdef::registrable(&fixture("ec2-bridge-linux-parameters")).unwrap();
    current["family"] = json!(format!("{name}-api"));
    let first = taskdef::register_raw(&c.ecs, &current).await.unwrap();
    c.ecs
        .create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap();
    create_api_service(
        c,
        name,
        &first,
        aws_sdk_ecs::types::DeploymentControllerType::CodeDeploy,
        None,
    )
    .await;
    c.codedeploy
        .create_application()
        .application_name(name)
        .compute_platform(aws_sdk_codedeploy::types::ComputePlatform::Ecs)
        .send()
        .await
        .unwrap();
    c.codedeploy
        .create_deployment_group()
        .application_name(name)
        .deployment_group_name("api")
        .service_role_arn("arn:aws:iam::123456789012:role/codedeploy")
        .deployment_config_name("CodeDeployDefault.ECSAllAtOnce")
        .deployment_style(
            aws_sdk_codedeploy::types::DeploymentStyle::builder()
                .deployment_type(aws_sdk_codedeploy::types::DeploymentType::BlueGreen)
                .deployment_option(aws_sdk_codedeploy::types::DeploymentOption::WithTrafficControl)
                .build(),
        )
        .ecs_services(
            aws_sdk_codedeploy::types::EcsService::builder()
                .cluster_name(name)
                .service_name("api")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let targets = json!({
        "region": REGION,
        "is_dr": false,
        "ecr_repository": repo,
        "services": {"api": {
            "cluster_name": name, "service_name": "api", "container_name": "web", "container_port": 80,
            "task_family": format!("{name}-api"), "desired_count": 2,
            "codedeploy_app": name, "deployment_group": "api",
            "deployment_config": "CodeDeployDefault.ECSCanary10Percent5Minutes",
            "target_groups": ["blue", "green"], "prod_listener_arn": "", "test_listener_arn": "",
            "alarm_names": [], "subnets": [], "security_groups": []
        }}
    });
    (targets, image)
}

/// The service `api` of cluster `name` on `controller`, running `task_definition` (two tasks on
/// EC2), behind `load_balancer` when given.
pub async fn create_api_service(
    c: &RegionClients,
    name: &str,
    task_definition: &str,
    controller: aws_sdk_ecs::types::DeploymentControllerType,
    load_balancer: Option<aws_sdk_ecs::types::LoadBalancer>,
) {
    c.ecs
        .create_service()
        .cluster(name)
        .service_name("api")
        .task_definition(task_definition)
        .desired_count(2)
        .launch_type(aws_sdk_ecs::types::LaunchType::Ec2)
        .deployment_controller(
            aws_sdk_ecs::types::DeploymentController::builder()
                .r#type(controller)
                .build()
                .unwrap(),
        )
        .set_load_balancers(load_balancer.map(|lb| vec![lb]))
        .send()
        .await
        .unwrap();
}

/// A 5xx alarm on the ALB metric, in OK.
pub async fn create_alarm(c: &RegionClients, name: &str) {
    c.cloudwatch
        .put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/ApplicationELB")
        .metric_name("HTTPCode_Target_5XX_Count")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(5.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    set_alarm(c, name, StateValue::Ok).await;
}

pub async fn set_alarm(c: &RegionClients, name: &str, state: StateValue) {
    c.cloudwatch
        .set_alarm_state()
        .alarm_name(name)
        .state_value(state)
        .state_reason("Threshold Crossed: 1 datapoint [12.0] was greater than the threshold (5.0).")
        .send()
        .await
        .unwrap();
}

/// The green task set's share of production traffic, once the deployment exists.
pub async fn green_weight(c: &RegionClients, app: &str) -> Option<(String, f64)> {
    let running = c
        .codedeploy
        .list_deployments()
        .application_name(app)
        .deployment_group_name("api")
        .send()
        .await
        .ok()?;
    let id = running.deployments().first()?.clone();
    let target = c
        .codedeploy
        .get_deployment_target()
        .deployment_id(&id)
        .target_id(format!("{app}:api"))
        .send()
        .await
        .ok()?;
    let weight = target
        .deployment_target()?
        .ecs_target()?
        .task_sets_info()
        .iter()
        .find(|s| s.task_set_label() == Some(&aws_sdk_codedeploy::types::TargetLabel::Green))?
        .traffic_weight();
    Some((id, weight))
}

/// A load balancer in moto as the bundled ALB module leaves one for a service: the blue and green
/// target groups, a production (80) and a test (8080) listener each forwarding blue 100 / green 0
/// by default and through a `/*` rule.
pub struct Alb {
    /// Blue, then green.
    pub target_groups: [String; 2],
    /// Production, then test.
    pub listeners: [String; 2],
    /// The production listener's rule, then the test listener's.
    pub rules: [String; 2],
}

/// Creates the load balancer of `name` (see [`Alb`]) in `vpc`'s `subnets` (the default VPC's:
/// `support::aws::default_subnets`).
pub async fn alb_in_moto(
    c: &RegionClients,
    name: &str,
    (vpc, subnets): (String, Vec<String>),
) -> Alb {
    use aws_sdk_elasticloadbalancingv2::types::{
        Action, ActionTypeEnum, ForwardActionConfig, ProtocolEnum, RuleCondition, TargetGroupTuple,
        TargetTypeEnum,
    };
    let lb = c
        .elb
        .create_load_balancer()
        .name(name)
        .set_subnets(Some(subnets))
        .send()
        .await
        .unwrap();
    let lb_arn = lb.load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    let mut tgs = Vec::new();
    for color in ["blue", "green"] {
        let out = c
            .elb
            .create_target_group()
            .name(format!("{name}-{color}"))
            .protocol(ProtocolEnum::Http)
            .port(80)
            .vpc_id(&vpc)
            .target_type(TargetTypeEnum::Ip)
            .send()
            .await
            .unwrap();
        tgs.push(
            out.target_groups()[0]
                .target_group_arn()
                .unwrap()
                .to_string(),
        );
    }
    let weighted = |arn: &str, weight: i32| {
        TargetGroupTuple::builder()
            .target_group_arn(arn)
            .weight(weight)
            .build()
    };
    let forward = Action::builder()
        .r#type(ActionTypeEnum::Forward)
        .forward_config(
            ForwardActionConfig::builder()
                .target_groups(weighted(&tgs[0], 100))
                .target_groups(weighted(&tgs[1], 0))
                .build(),
        )
        .build();
    let (mut listeners, mut rules) = (Vec::new(), Vec::new());
    for port in [80, 8080] {
        let listener = c
            .elb
            .create_listener()
            .load_balancer_arn(&lb_arn)
            .protocol(ProtocolEnum::Http)
            .port(port)
            .default_actions(forward.clone())
            .send()
            .await
            .unwrap();
        let listener_arn = listener.listeners()[0].listener_arn().unwrap().to_string();
        let rule = c
            .elb
            .create_rule()
            .listener_arn(&listener_arn)
            .priority(1)
            .conditions(
                RuleCondition::builder()
                    .field("path-pattern")
                    .values("/*")
                    .build(),
            )
            .actions(forward.clone())
            .send()
            .await
            .unwrap();
        listeners.push(listener_arn);
        rules.push(rule.rules()[0].rule_arn().unwrap().to_string());
    }
    let two = |v: Vec<String>| -> [String; 2] { v.try_into().expect("two") };
    Alb {
        target_groups: two(tgs),
        listeners: two(listeners),
        rules: two(rules),
    }
}
