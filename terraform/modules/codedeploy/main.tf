data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  service_role_arn = var.service_role_arn != null ? var.service_role_arn : aws_iam_role.codedeploy[0].arn

  deployment_config_names = {
    canary      = aws_codedeploy_deployment_config.canary.deployment_config_name
    linear      = aws_codedeploy_deployment_config.linear.deployment_config_name
    all_at_once = "CodeDeployDefault.ECSAllAtOnce"
  }
}

resource "aws_codedeploy_app" "this" {
  name             = var.name
  compute_platform = "ECS"

  tags = var.tags
}

################################################################################
# Custom traffic-shifting configs. Configs are immutable: the name carries the
# parameters and a new one is created before the old one goes.
################################################################################

resource "aws_codedeploy_deployment_config" "canary" {
  deployment_config_name = "${var.name}-Canary${var.canary_percentage}Percent${var.canary_interval_minutes}Minutes"
  compute_platform       = "ECS"

  traffic_routing_config {
    type = "TimeBasedCanary"

    time_based_canary {
      percentage = var.canary_percentage
      interval   = var.canary_interval_minutes
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_codedeploy_deployment_config" "linear" {
  deployment_config_name = "${var.name}-Linear${var.linear_percentage}PercentEvery${var.linear_interval_minutes}Minutes"
  compute_platform       = "ECS"

  traffic_routing_config {
    type = "TimeBasedLinear"

    time_based_linear {
      percentage = var.linear_percentage
      interval   = var.linear_interval_minutes
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

################################################################################
# Service role
################################################################################

data "aws_iam_policy_document" "codedeploy_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["codedeploy.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "codedeploy" {
  count = var.service_role_arn == null ? 1 : 0

  name               = "${var.name}-codedeploy-${data.aws_region.current.name}"
  description        = "CodeDeploy blue/green rollouts of ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.codedeploy_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "codedeploy" {
  count = var.service_role_arn == null ? 1 : 0

  role       = aws_iam_role.codedeploy[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/AWSCodeDeployRoleForECS"
}

################################################################################
# One blue/green deployment group per service
################################################################################

resource "aws_codedeploy_deployment_group" "this" {
  for_each = var.services

  app_name               = aws_codedeploy_app.this.name
  deployment_group_name  = each.key
  service_role_arn       = local.service_role_arn
  deployment_config_name = local.deployment_config_names[each.value.deployment_strategy]

  deployment_style {
    deployment_type   = "BLUE_GREEN"
    deployment_option = "WITH_TRAFFIC_CONTROL"
  }

  ecs_service {
    cluster_name = each.value.cluster_name
    service_name = each.value.service_name
  }

  blue_green_deployment_config {
    # 0: reroute production traffic as soon as the replacement task set is ready. > 0: hold the rollout until
    # ContinueDeployment (READY_WAIT) and stop it if nobody continues it within ready_wait_minutes.
    deployment_ready_option {
      action_on_timeout    = var.ready_wait_minutes > 0 ? "STOP_DEPLOYMENT" : "CONTINUE_DEPLOYMENT"
      wait_time_in_minutes = var.ready_wait_minutes > 0 ? var.ready_wait_minutes : null
    }

    terminate_blue_instances_on_deployment_success {
      action                           = "TERMINATE"
      termination_wait_time_in_minutes = var.termination_wait_time_minutes
    }
  }

  load_balancer_info {
    target_group_pair_info {
      prod_traffic_route {
        listener_arns = [each.value.prod_listener_arn]
      }

      test_traffic_route {
        listener_arns = [each.value.test_listener_arn]
      }

      target_group {
        name = each.value.blue_target_group_name
      }

      target_group {
        name = each.value.green_target_group_name
      }
    }
  }

  alarm_configuration {
    enabled                   = true
    alarms                    = each.value.alarm_names
    ignore_poll_alarm_failure = false
  }

  auto_rollback_configuration {
    enabled = true
    events  = ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]
  }

  tags = merge(var.tags, { Service = each.key })

  depends_on = [aws_iam_role_policy_attachment.codedeploy]
}
