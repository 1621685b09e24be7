# Who releases each service: CodeDeploy (the default, a deployment group) or Amazon ECS itself (deployment_controller
# "ECS": no deployment group; listener rules, the alternate target group and the infrastructure role instead).

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_elb_service_account" {
    defaults = {
      arn = "arn:aws:iam::127311923021:root"
    }
  }
}

mock_provider "aws" {
  alias = "dr"

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  origin_verify_secret = "offline-placeholder-not-a-secret-0000000000"
  db_master_password   = "offline-placeholder-not-a-password-0000"
}

run "codedeploy_is_the_default" {
  command = plan

  assert {
    condition     = toset(keys(module.codedeploy.deployment_groups)) == toset(["api", "payments"]) && alltrue([for n in values(module.ecs.network) : n.controller == "CODE_DEPLOY"])
    error_message = "every service is released by its CodeDeploy deployment group unless it asks for the ECS controller"
  }

  assert {
    condition = alltrue([for s in values(output.deploy_targets.services) :
      s.deployment_controller == "CODE_DEPLOY" && s.codedeploy_app == "platform" && s.deployment_config == "platform-Canary10Percent5Minutes" &&
      s.alternate_target_group_arn == null && s.production_listener_rule_arn == null && s.test_listener_rule_arn == null && s.infrastructure_role_arn == null
    ])
    error_message = "CodeDeploy services keep their CodeDeploy fields in deploy_targets, and the ECS controller's fields are null"
  }

  assert {
    condition     = module.ecs.infrastructure_role_arn == null && length(output.deploy_targets.services["payments"].target_group_arns) == 2
    error_message = "no ECS infrastructure role without an ECS-controlled service; every service lists its [blue, green] target group ARNs"
  }
}

# api stays with CodeDeploy (it answers the edge health check); ledger (public) and payments (internal, alone on
# its ALB) are released by ECS.
run "ecs_controlled_services_get_rules_and_role_but_no_deployment_group" {
  command = plan

  variables {
    services = {
      api      = { tier = "public", path_patterns = ["/api/*"], priority = 100 }
      ledger   = { tier = "public", path_patterns = ["/ledger/*"], priority = 200, deployment_controller = "ECS" }
      payments = { tier = "internal", deployment_controller = "ECS" }
    }
  }

  override_resource {
    target          = module.public_alb.aws_lb_target_group.blue
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-public-blue/1111111111111111"
    }
  }

  override_resource {
    target          = module.public_alb.aws_lb_target_group.green
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-public-green/2222222222222222"
    }
  }

  override_resource {
    target          = module.internal_alb["payments"].aws_lb_target_group.green
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-payments-green/bbbbbbbbbbbbbbbb"
    }
  }

  override_resource {
    target          = module.public_alb.aws_lb_listener_rule.prod
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-public/0123456789abcdef/3333333333333333/4444444444444444"
    }
  }

  override_resource {
    target          = module.public_alb.aws_lb_listener_rule.test
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-public/0123456789abcdef/5555555555555555/6666666666666666"
    }
  }

  override_resource {
    target          = module.internal_alb["payments"].aws_lb_listener_rule.prod
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/7777777777777777/8888888888888888"
    }
  }

  override_resource {
    target          = module.internal_alb["payments"].aws_lb_listener_rule.test
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/9999999999999999/aaaaaaaaaaaaaaaa"
    }
  }

  override_resource {
    target          = module.ecs.aws_iam_role.ecs_infrastructure
    override_during = plan
    values = {
      arn = "arn:aws:iam::123456789012:role/platform-ecs-infrastructure-us-east-1"
    }
  }

  assert {
    condition     = keys(module.codedeploy.deployment_groups) == ["api"]
    error_message = "only the CodeDeploy service gets a deployment group"
  }

  assert {
    condition     = module.ecs.network["ledger"].controller == "ECS" && module.ecs.network["payments"].controller == "ECS" && module.ecs.network["api"].controller == "CODE_DEPLOY"
    error_message = "each ECS service runs under the controller its service asks for"
  }

  assert {
    condition     = module.ecs.infrastructure_role_arn == "arn:aws:iam::123456789012:role/platform-ecs-infrastructure-us-east-1"
    error_message = "the cluster gets the role ECS shifts the traffic with"
  }

  assert {
    condition = (
      module.internal_alb["payments"].listener_rules["payments"].prod_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/7777777777777777/8888888888888888" &&
      module.internal_alb["payments"].listener_rules["payments"].test_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/9999999999999999/aaaaaaaaaaaaaaaa"
    )
    error_message = "an ECS-controlled service alone on its internal ALB gets a production and a test listener rule"
  }

  assert {
    condition = (
      output.deploy_targets.services["ledger"].deployment_controller == "ECS" &&
      output.deploy_targets.services["ledger"].codedeploy_app == null &&
      output.deploy_targets.services["ledger"].deployment_group == null &&
      output.deploy_targets.services["ledger"].deployment_config == "platform-Canary10Percent5Minutes"
    )
    error_message = "deploy_targets names ECS as the controller of an ECS-controlled service, with null CodeDeploy group fields and its strategy as a config name"
  }

  assert {
    condition = (
      output.deploy_targets.services["ledger"].alternate_target_group_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-public-green/2222222222222222" &&
      output.deploy_targets.services["ledger"].production_listener_rule_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-public/0123456789abcdef/3333333333333333/4444444444444444" &&
      output.deploy_targets.services["ledger"].test_listener_rule_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-public/0123456789abcdef/5555555555555555/6666666666666666" &&
      output.deploy_targets.services["ledger"].infrastructure_role_arn == "arn:aws:iam::123456789012:role/platform-ecs-infrastructure-us-east-1"
    )
    error_message = "deploy_targets carries what UpdateService puts into the ECS service's load balancer advanced configuration: the green target group, its ALB's rules, the infrastructure role"
  }

  assert {
    condition = (
      output.deploy_targets.services["ledger"].target_groups == ["platform-ledger-blue", "platform-ledger-green"] &&
      output.deploy_targets.services["ledger"].target_group_arns == ["arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-public-blue/1111111111111111", "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-public-green/2222222222222222"] &&
      output.deploy_targets.services["ledger"].task_family == "platform-ledger" &&
      length(output.deploy_targets.services["ledger"].alarm_names) == 5
    )
    error_message = "an ECS-controlled service keeps the fields every service has ([blue, green] target groups, task family, alarms)"
  }

  assert {
    condition = (
      output.deploy_targets.services["payments"].deployment_controller == "ECS" && output.deploy_targets.services["payments"].deployment_group == null &&
      output.deploy_targets.services["payments"].alternate_target_group_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/platform-payments-green/bbbbbbbbbbbbbbbb" &&
      output.deploy_targets.services["payments"].production_listener_rule_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/7777777777777777/8888888888888888" &&
      output.deploy_targets.services["payments"].test_listener_rule_arn == "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/platform-payments/0123456789abcdef/9999999999999999/aaaaaaaaaaaaaaaa"
    )
    error_message = "the internal ECS-controlled service exports its own ALB's green target group and rules"
  }

  assert {
    condition = (
      output.deploy_targets.services["api"].deployment_controller == "CODE_DEPLOY" &&
      output.deploy_targets.services["api"].codedeploy_app == "platform" &&
      output.deploy_targets.services["api"].deployment_group == "api" &&
      output.deploy_targets.services["api"].deployment_config == "platform-Canary10Percent5Minutes" &&
      output.deploy_targets.services["api"].target_groups == ["platform-api-blue", "platform-api-green"] &&
      output.deploy_targets.services["api"].alternate_target_group_arn == null &&
      output.deploy_targets.services["api"].production_listener_rule_arn == null &&
      output.deploy_targets.services["api"].test_listener_rule_arn == null &&
      output.deploy_targets.services["api"].infrastructure_role_arn == null
    )
    error_message = "the CodeDeploy service next to them is exported as before, its ECS controller fields null"
  }
}

run "rejects_unknown_deployment_controller" {
  command = plan

  variables {
    services = {
      api = { tier = "public", deployment_controller = "EXTERNAL" }
    }
  }

  expect_failures = [var.services]
}

run "rejects_ecs_for_the_service_answering_the_edge_health_check" {
  command = plan

  variables {
    services = {
      api = { tier = "public", deployment_controller = "ECS" }
      web = { tier = "public", path_patterns = ["/*"], priority = 900 }
    }
  }

  expect_failures = [var.services]
}
