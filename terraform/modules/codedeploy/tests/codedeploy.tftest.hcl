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
}

variables {
  name = "platform"
  services = {
    api = {
      cluster_name            = "platform"
      service_name            = "api"
      blue_target_group_name  = "platform-api-blue"
      green_target_group_name = "platform-api-green"
      prod_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/platform-public/0123456789abcdef/0123456789abcdef"
      test_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/platform-public/0123456789abcdef/fedcba9876543210"
      alarm_names             = ["platform-api-5xx-rate", "platform-api-p95-latency"]
    }
    payments = {
      cluster_name            = "platform"
      service_name            = "payments"
      blue_target_group_name  = "platform-payments-blue"
      green_target_group_name = "platform-payments-green"
      prod_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/platform-payments/0123456789abcdef/0123456789abcdef"
      test_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/platform-payments/0123456789abcdef/fedcba9876543210"
      alarm_names             = ["platform-payments-5xx-rate"]
      deployment_strategy     = "linear"
    }
  }
}

run "blue_green_with_traffic_control" {
  command = plan

  assert {
    condition     = aws_codedeploy_app.this.compute_platform == "ECS"
    error_message = "the application must target ECS"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].deployment_style[0].deployment_type == "BLUE_GREEN" && aws_codedeploy_deployment_group.this["api"].deployment_style[0].deployment_option == "WITH_TRAFFIC_CONTROL"
    error_message = "deployment groups must be BLUE_GREEN with traffic control"
  }

  assert {
    condition     = [for tg in aws_codedeploy_deployment_group.this["api"].load_balancer_info[0].target_group_pair_info[0].target_group : tg.name] == ["platform-api-blue", "platform-api-green"]
    error_message = "the deployment group must hold the service's target group pair"
  }

  assert {
    condition = (
      aws_codedeploy_deployment_group.this["api"].load_balancer_info[0].target_group_pair_info[0].prod_traffic_route[0].listener_arns == toset([var.services.api.prod_listener_arn]) &&
      aws_codedeploy_deployment_group.this["api"].load_balancer_info[0].target_group_pair_info[0].test_traffic_route[0].listener_arns == toset([var.services.api.test_listener_arn])
    )
    error_message = "prod and test listeners must be wired"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].blue_green_deployment_config[0].terminate_blue_instances_on_deployment_success[0].termination_wait_time_in_minutes == 5
    error_message = "the blue task set must be kept for the termination wait time"
  }
}

run "rolls_back_on_alarm" {
  command = plan

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].alarm_configuration[0].enabled && aws_codedeploy_deployment_group.this["api"].alarm_configuration[0].alarms == toset(["platform-api-5xx-rate", "platform-api-p95-latency"])
    error_message = "the deployment group must watch the service's alarms"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].alarm_configuration[0].ignore_poll_alarm_failure == false
    error_message = "an alarm that cannot be read must not be ignored"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].auto_rollback_configuration[0].enabled && aws_codedeploy_deployment_group.this["api"].auto_rollback_configuration[0].events == toset(["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
    error_message = "the deployment group must roll back on failure and on alarm"
  }
}

run "reroutes_production_traffic_at_once_by_default" {
  command = plan

  assert {
    condition     = alltrue([for g in values(aws_codedeploy_deployment_group.this) : g.blue_green_deployment_config[0].deployment_ready_option[0].action_on_timeout == "CONTINUE_DEPLOYMENT"])
    error_message = "without a ready wait, production traffic must be rerouted as soon as the replacement task set is ready"
  }

  assert {
    condition     = alltrue([for g in values(aws_codedeploy_deployment_group.this) : g.blue_green_deployment_config[0].deployment_ready_option[0].wait_time_in_minutes == null])
    error_message = "without a ready wait, no wait time must be set"
  }
}

run "ready_wait_holds_until_continued" {
  command = plan

  variables {
    ready_wait_minutes = 30
  }

  assert {
    condition     = alltrue([for g in values(aws_codedeploy_deployment_group.this) : g.blue_green_deployment_config[0].deployment_ready_option[0].action_on_timeout == "STOP_DEPLOYMENT"])
    error_message = "with a ready wait, a rollout nobody continues must be stopped"
  }

  assert {
    condition     = alltrue([for g in values(aws_codedeploy_deployment_group.this) : g.blue_green_deployment_config[0].deployment_ready_option[0].wait_time_in_minutes == 30])
    error_message = "with a ready wait, the deployment groups must wait ready_wait_minutes for ContinueDeployment"
  }
}

run "custom_canary_and_linear_configs" {
  command = plan

  variables {
    canary_percentage       = 20
    canary_interval_minutes = 10
  }

  assert {
    condition     = aws_codedeploy_deployment_config.canary.traffic_routing_config[0].type == "TimeBasedCanary" && aws_codedeploy_deployment_config.canary.traffic_routing_config[0].time_based_canary[0].percentage == 20 && aws_codedeploy_deployment_config.canary.traffic_routing_config[0].time_based_canary[0].interval == 10
    error_message = "the canary config must follow the inputs"
  }

  assert {
    condition     = aws_codedeploy_deployment_config.linear.traffic_routing_config[0].type == "TimeBasedLinear" && aws_codedeploy_deployment_config.linear.compute_platform == "ECS"
    error_message = "the linear config must be TimeBasedLinear for ECS"
  }

  assert {
    condition     = aws_codedeploy_deployment_group.this["api"].deployment_config_name == "platform-Canary20Percent10Minutes" && aws_codedeploy_deployment_group.this["payments"].deployment_config_name == "platform-Linear10PercentEvery1Minutes"
    error_message = "each group must use the config its strategy names"
  }
}

run "rejects_canary_zero_percent" {
  command = plan

  variables {
    canary_percentage = 0
  }

  expect_failures = [var.canary_percentage]
}

run "rejects_canary_over_100_percent" {
  command = plan

  variables {
    canary_percentage = 101
  }

  expect_failures = [var.canary_percentage]
}

run "rejects_linear_100_percent" {
  command = plan

  variables {
    linear_percentage = 100
  }

  expect_failures = [var.linear_percentage]
}

run "rejects_zero_minute_interval" {
  command = plan

  variables {
    canary_interval_minutes = 0
  }

  expect_failures = [var.canary_interval_minutes]
}

run "rejects_group_without_alarms" {
  command = plan

  variables {
    services = {
      api = {
        cluster_name            = "platform"
        service_name            = "api"
        blue_target_group_name  = "platform-api-blue"
        green_target_group_name = "platform-api-green"
        prod_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/x/1/1"
        test_listener_arn       = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener/app/x/1/2"
        alarm_names             = []
      }
    }
  }

  expect_failures = [var.services]
}

run "rejects_negative_ready_wait" {
  command = plan

  variables {
    ready_wait_minutes = -1
  }

  expect_failures = [var.ready_wait_minutes]
}

run "rejects_fractional_ready_wait" {
  command = plan

  variables {
    ready_wait_minutes = 2.5
  }

  expect_failures = [var.ready_wait_minutes]
}
