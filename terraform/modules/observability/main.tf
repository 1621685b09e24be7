locals {
  alarm_common = {
    period              = var.alarm_period_seconds
    evaluation_periods  = var.alarm_evaluation_periods
    datapoints_to_alarm = var.alarm_datapoints_to_alarm
  }
}

################################################################################
# Log groups (one per service, KMS-encrypted)
################################################################################

resource "aws_cloudwatch_log_group" "service" {
  for_each = var.services

  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.logs.arn

  tags = merge(var.tags, { Service = each.key })

  depends_on = [aws_kms_key_policy.logs]
}

################################################################################
# SLO alarms that gate rollouts (CodeDeploy stops and rolls back when one fires).
# Target group metrics cover the blue and the green group: the live one changes
# with every rollout, and during a canary both serve.
################################################################################

# Error rate SLO (< 0.1%): 100 * target 5xx / requests of each target group, the worse of the two. Summing
# the groups would dilute a 10% canary's errors about tenfold in the primary's traffic; each group's own
# rate shows the canary as it is. A group below error_rate_min_requests in a period counts as 0 % (a
# single failed request of two is not an SLO breach).
resource "aws_cloudwatch_metric_alarm" "error_rate" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-5xx-rate"
  alarm_description   = "${each.key}: target 5xx rate above ${var.error_rate_threshold_percent}% of requests (SLO error rate / availability)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = local.alarm_common.evaluation_periods
  datapoints_to_alarm = local.alarm_common.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "rate"
    expression  = "MAX([rate_blue, rate_green])"
    label       = "5xx rate (%), the worse target group"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = toset(["blue", "green"])

    content {
      id         = "rate_${metric_query.key}"
      expression = "IF(FILL(r_${metric_query.key}, 0) >= ${var.error_rate_min_requests}, 100 * FILL(e_${metric_query.key}, 0) / FILL(r_${metric_query.key}, 0), 0)"
    }
  }

  dynamic "metric_query" {
    for_each = {
      e_blue  = { metric = "HTTPCode_Target_5XX_Count", tg = each.value.blue_target_group_arn_suffix }
      e_green = { metric = "HTTPCode_Target_5XX_Count", tg = each.value.green_target_group_arn_suffix }
      r_blue  = { metric = "RequestCount", tg = each.value.blue_target_group_arn_suffix }
      r_green = { metric = "RequestCount", tg = each.value.green_target_group_arn_suffix }
    }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = metric_query.value.metric
        period      = local.alarm_common.period
        stat        = "Sum"
        dimensions = {
          LoadBalancer = each.value.load_balancer_arn_suffix
          TargetGroup  = metric_query.value.tg
        }
      }
    }
  }

  tags = merge(var.tags, { Service = each.key, Slo = "error-rate" })
}

# Latency SLO (p95 < 300 ms): the worse of the two target groups.
resource "aws_cloudwatch_metric_alarm" "latency_p95" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-p95-latency"
  alarm_description   = "${each.key}: p95 TargetResponseTime above ${var.latency_p95_threshold_ms} ms (SLO latency)"
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.latency_p95_threshold_ms / 1000
  evaluation_periods  = local.alarm_common.evaluation_periods
  datapoints_to_alarm = local.alarm_common.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "p95"
    expression  = "MAX([FILL(blue, 0), FILL(green, 0)])"
    label       = "p95 TargetResponseTime (s)"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = {
      blue  = each.value.blue_target_group_arn_suffix
      green = each.value.green_target_group_arn_suffix
    }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "TargetResponseTime"
        period      = local.alarm_common.period
        stat        = "p95"
        dimensions = {
          LoadBalancer = each.value.load_balancer_arn_suffix
          TargetGroup  = metric_query.value
        }
      }
    }
  }

  tags = merge(var.tags, { Service = each.key, Slo = "latency" })
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "${each.key}: a target of the blue or green target group fails its health check"
  comparison_operator = "GreaterThanThreshold"
  threshold           = 0
  evaluation_periods  = local.alarm_common.evaluation_periods
  datapoints_to_alarm = local.alarm_common.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  metric_query {
    id          = "unhealthy"
    expression  = "MAX([FILL(blue, 0), FILL(green, 0)])"
    label       = "UnHealthyHostCount"
    return_data = true
  }

  dynamic "metric_query" {
    for_each = {
      blue  = each.value.blue_target_group_arn_suffix
      green = each.value.green_target_group_arn_suffix
    }

    content {
      id = metric_query.key

      metric {
        namespace   = "AWS/ApplicationELB"
        metric_name = "UnHealthyHostCount"
        period      = local.alarm_common.period
        stat        = "Maximum"
        dimensions = {
          LoadBalancer = each.value.load_balancer_arn_suffix
          TargetGroup  = metric_query.value
        }
      }
    }
  }

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_cloudwatch_metric_alarm" "cpu" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-cpu-high"
  alarm_description   = "${each.key}: average CPU utilization above ${var.cpu_threshold_percent}%"
  namespace           = "AWS/ECS"
  metric_name         = "CPUUtilization"
  statistic           = "Average"
  period              = local.alarm_common.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.cpu_threshold_percent
  evaluation_periods  = local.alarm_common.evaluation_periods
  datapoints_to_alarm = local.alarm_common.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  dimensions = {
    ClusterName = each.value.cluster_name
    ServiceName = each.value.service_name
  }

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_cloudwatch_metric_alarm" "memory" {
  for_each = var.services

  alarm_name          = "${var.name}-${each.key}-memory-high"
  alarm_description   = "${each.key}: average memory utilization above ${var.memory_threshold_percent}%"
  namespace           = "AWS/ECS"
  metric_name         = "MemoryUtilization"
  statistic           = "Average"
  period              = local.alarm_common.period
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.memory_threshold_percent
  evaluation_periods  = local.alarm_common.evaluation_periods
  datapoints_to_alarm = local.alarm_common.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions

  dimensions = {
    ClusterName = each.value.cluster_name
    ServiceName = each.value.service_name
  }

  tags = merge(var.tags, { Service = each.key })
}

################################################################################
# X-Ray sampling: never trace health checks; a fixed rate after the reservoir.
################################################################################

resource "aws_xray_sampling_rule" "health_checks" {
  rule_name      = "${substr(var.name, 0, 18)}-health"
  priority       = var.xray_rule_priority - 1
  version        = 1
  reservoir_size = 0
  fixed_rate     = 0
  url_path       = var.health_check_path
  host           = "*"
  http_method    = "GET"
  service_type   = "*"
  service_name   = "*"
  resource_arn   = "*"

  tags = var.tags
}

resource "aws_xray_sampling_rule" "default" {
  rule_name      = "${substr(var.name, 0, 18)}-default"
  priority       = var.xray_rule_priority
  version        = 1
  reservoir_size = var.xray_reservoir_size
  fixed_rate     = var.xray_sampling_rate
  url_path       = "*"
  host           = "*"
  http_method    = "*"
  service_type   = "*"
  service_name   = "*"
  resource_arn   = "*"

  tags = var.tags
}
