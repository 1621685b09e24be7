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

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"
    }
  }
}

variables {
  name = "platform"
  services = {
    api = {
      load_balancer_arn_suffix      = "app/platform-public/0123456789abcdef"
      blue_target_group_arn_suffix  = "targetgroup/platform-api-blue/0123456789abcdef"
      green_target_group_arn_suffix = "targetgroup/platform-api-green/fedcba9876543210"
      cluster_name                  = "platform"
      service_name                  = "api"
    }
  }
}

run "slo_alarms" {
  command = plan

  assert {
    condition     = aws_cloudwatch_metric_alarm.error_rate["api"].threshold == 0.1 && aws_cloudwatch_metric_alarm.error_rate["api"].comparison_operator == "GreaterThanThreshold"
    error_message = "the error rate alarm must fire above 0.1% (SLO)"
  }

  assert {
    condition     = one([for q in aws_cloudwatch_metric_alarm.error_rate["api"].metric_query : q if q.return_data == true]).expression == "MAX([rate_blue, rate_green])"
    error_message = "the alarm must take the worse of the two target groups' rates"
  }

  # A 10 % canary on green: its 5xx are divided by green's requests, not by both groups' (no dilution).
  assert {
    condition = { for q in aws_cloudwatch_metric_alarm.error_rate["api"].metric_query : q.id => q.expression if startswith(q.id, "rate_") } == {
      rate_blue  = "IF(FILL(r_blue, 0) >= 10, 100 * FILL(e_blue, 0) / FILL(r_blue, 0), 0)"
      rate_green = "IF(FILL(r_green, 0) >= 10, 100 * FILL(e_green, 0) / FILL(r_green, 0), 0)"
    }
    error_message = "each target group's rate must be its own 5xx over its own requests, from error_rate_min_requests on"
  }

  assert {
    condition = toset(flatten([
      for q in aws_cloudwatch_metric_alarm.error_rate["api"].metric_query : [for m in q.metric : "${m.metric_name}:${m.dimensions.TargetGroup}"]
      ])) == toset([
      "HTTPCode_Target_5XX_Count:targetgroup/platform-api-blue/0123456789abcdef",
      "HTTPCode_Target_5XX_Count:targetgroup/platform-api-green/fedcba9876543210",
      "RequestCount:targetgroup/platform-api-blue/0123456789abcdef",
      "RequestCount:targetgroup/platform-api-green/fedcba9876543210",
    ])
    error_message = "the error rate must read both target groups' 5xx and requests"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.latency_p95["api"].threshold == 0.3 && alltrue(flatten([for q in aws_cloudwatch_metric_alarm.latency_p95["api"].metric_query : [for m in q.metric : m.stat == "p95" && m.metric_name == "TargetResponseTime"]]))
    error_message = "the latency alarm must watch p95 TargetResponseTime against 300 ms"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.cpu["api"].namespace == "AWS/ECS" && aws_cloudwatch_metric_alarm.memory["api"].metric_name == "MemoryUtilization"
    error_message = "ECS CPU and memory alarms must exist"
  }

  assert {
    condition     = alltrue([for a in [aws_cloudwatch_metric_alarm.error_rate["api"], aws_cloudwatch_metric_alarm.latency_p95["api"], aws_cloudwatch_metric_alarm.unhealthy_hosts["api"]] : a.treat_missing_data == "notBreaching"])
    error_message = "no traffic (e.g. DR at zero tasks) must not trip the alarms"
  }

  assert {
    condition     = output.alarm_names["api"] == ["platform-api-5xx-rate", "platform-api-p95-latency", "platform-api-unhealthy-hosts", "platform-api-cpu-high", "platform-api-memory-high"]
    error_message = "alarm_names must list the five gating alarms"
  }
}

run "logs_tracing_dashboard" {
  command = apply

  assert {
    condition     = aws_cloudwatch_log_group.service["api"].retention_in_days == 365 && aws_cloudwatch_log_group.service["api"].name == "/ecs/platform/api"
    error_message = "service log groups must keep a year of logs"
  }

  assert {
    condition     = aws_kms_key.logs.enable_key_rotation
    error_message = "the logs key must rotate"
  }

  assert {
    condition     = aws_xray_sampling_rule.default.fixed_rate == 0.05 && aws_xray_sampling_rule.health_checks.fixed_rate == 0 && aws_xray_sampling_rule.health_checks.priority < aws_xray_sampling_rule.default.priority
    error_message = "X-Ray samples 5% and never the health checks"
  }

  assert {
    condition     = length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 4
    error_message = "the dashboard must hold the alarm widget and three widgets per service"
  }

  assert {
    condition     = jsondecode(aws_kms_key_policy.logs.policy).Statement[1].Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] == "arn:aws:logs:us-east-1:111122223333:log-group:*"
    error_message = "the logs key may only serve log groups of this account and region"
  }

  assert {
    condition     = jsondecode(aws_kms_key_policy.logs.policy).Statement[0].Principal.AWS == "arn:aws:iam::111122223333:root"
    error_message = "the account root (IAM delegation) must keep managing the key"
  }
}

run "stricter_thresholds" {
  command = plan

  variables {
    error_rate_threshold_percent = 0.05
    latency_p95_threshold_ms     = 150
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.error_rate["api"].threshold == 0.05 && aws_cloudwatch_metric_alarm.latency_p95["api"].threshold == 0.15
    error_message = "thresholds must follow the inputs"
  }
}

run "rejects_error_rate_of_100" {
  command = plan

  variables {
    error_rate_threshold_percent = 100
  }

  expect_failures = [var.error_rate_threshold_percent]
}

run "rejects_bad_retention" {
  command = plan

  variables {
    log_retention_days = 42
  }

  expect_failures = [var.log_retention_days]
}

run "rejects_more_datapoints_than_periods" {
  command = plan

  variables {
    alarm_evaluation_periods  = 2
    alarm_datapoints_to_alarm = 3
  }

  expect_failures = [var.alarm_datapoints_to_alarm]
}
