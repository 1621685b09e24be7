################################################################################
# Dashboard: one row per service (traffic, error rate, latency, saturation) and
# the alarm states that gate rollouts.
################################################################################

locals {
  service_keys = sort(keys(var.services))

  service_widgets = flatten([
    for i, k in local.service_keys : [
      {
        type   = "metric"
        x      = 0
        y      = 6 * i + 6
        width  = 8
        height = 6
        properties = {
          title  = "${k}: requests and 5xx"
          region = local.region
          stat   = "Sum"
          period = var.alarm_period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/ApplicationELB", "RequestCount", "TargetGroup", var.services[k].blue_target_group_arn_suffix, "LoadBalancer", var.services[k].load_balancer_arn_suffix, { label = "requests (blue)" }],
            ["...", var.services[k].green_target_group_arn_suffix, ".", ".", { label = "requests (green)" }],
            [".", "HTTPCode_Target_5XX_Count", ".", var.services[k].blue_target_group_arn_suffix, ".", ".", { label = "5xx (blue)", yAxis = "right" }],
            ["...", var.services[k].green_target_group_arn_suffix, ".", ".", { label = "5xx (green)", yAxis = "right" }],
          ]
        }
      },
      {
        type   = "metric"
        x      = 8
        y      = 6 * i + 6
        width  = 8
        height = 6
        properties = {
          title  = "${k}: p95 latency (SLO ${var.latency_p95_threshold_ms} ms)"
          region = local.region
          stat   = "p95"
          period = var.alarm_period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/ApplicationELB", "TargetResponseTime", "TargetGroup", var.services[k].blue_target_group_arn_suffix, "LoadBalancer", var.services[k].load_balancer_arn_suffix, { label = "p95 (blue)" }],
            ["...", var.services[k].green_target_group_arn_suffix, ".", ".", { label = "p95 (green)" }],
          ]
          annotations = { horizontal = [{ label = "SLO", value = var.latency_p95_threshold_ms / 1000 }] }
        }
      },
      {
        type   = "metric"
        x      = 16
        y      = 6 * i + 6
        width  = 8
        height = 6
        properties = {
          title  = "${k}: CPU and memory"
          region = local.region
          stat   = "Average"
          period = var.alarm_period_seconds
          view   = "timeSeries"
          metrics = [
            ["AWS/ECS", "CPUUtilization", "ClusterName", var.services[k].cluster_name, "ServiceName", var.services[k].service_name],
            [".", "MemoryUtilization", ".", ".", ".", "."],
          ]
        }
      },
    ]
  ])

  alarm_widget = {
    type   = "alarm"
    x      = 0
    y      = 0
    width  = 24
    height = 6
    properties = {
      title = "Rollout gates (SLO alarms)"
      alarms = flatten([
        for k in local.service_keys : [
          aws_cloudwatch_metric_alarm.error_rate[k].arn,
          aws_cloudwatch_metric_alarm.latency_p95[k].arn,
          aws_cloudwatch_metric_alarm.unhealthy_hosts[k].arn,
          aws_cloudwatch_metric_alarm.cpu[k].arn,
          aws_cloudwatch_metric_alarm.memory[k].arn,
        ]
      ])
    }
  }
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name
  dashboard_body = jsonencode({
    widgets = concat(length(local.service_keys) > 0 ? [local.alarm_widget] : [], local.service_widgets)
  })
}
