output "alarm_names" {
  description = "Per service: names of the alarms that gate its rollouts (5xx rate, p95 latency, unhealthy hosts, CPU, memory)."
  value = {
    for k in keys(var.services) : k => [
      aws_cloudwatch_metric_alarm.error_rate[k].alarm_name,
      aws_cloudwatch_metric_alarm.latency_p95[k].alarm_name,
      aws_cloudwatch_metric_alarm.unhealthy_hosts[k].alarm_name,
      aws_cloudwatch_metric_alarm.cpu[k].alarm_name,
      aws_cloudwatch_metric_alarm.memory[k].alarm_name,
    ]
  }
}

output "alarm_arns" {
  description = "Per service: ARNs of the same alarms, in the same order."
  value = {
    for k in keys(var.services) : k => [
      aws_cloudwatch_metric_alarm.error_rate[k].arn,
      aws_cloudwatch_metric_alarm.latency_p95[k].arn,
      aws_cloudwatch_metric_alarm.unhealthy_hosts[k].arn,
      aws_cloudwatch_metric_alarm.cpu[k].arn,
      aws_cloudwatch_metric_alarm.memory[k].arn,
    ]
  }
}

output "log_group_names" {
  description = "Per service: name of its log group (the awslogs-group of its containers)."
  value       = { for k, g in aws_cloudwatch_log_group.service : k => g.name }
}

output "log_group_arns" {
  description = "Per service: ARN of its log group."
  value       = { for k, g in aws_cloudwatch_log_group.service : k => g.arn }
}

output "kms_key_arn" {
  description = "ARN of the KMS key for this region's log groups (available once its policy is attached)."
  value       = aws_kms_key.logs.arn
  depends_on  = [aws_kms_key_policy.logs]
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}

output "xray_sampling_rule_names" {
  description = "Names of the X-Ray sampling rules."
  value       = [aws_xray_sampling_rule.health_checks.rule_name, aws_xray_sampling_rule.default.rule_name]
}
