output "experiment_template_ids" {
  description = "FIS experiment template id per experiment key (az-outage, <svc>-stop-tasks, <svc>-service-outage, <svc>-latency, <svc>-dependency-blackhole, aurora-failover). Start one with: aws fis start-experiment --experiment-template-id <id>."
  value       = { for k, t in aws_fis_experiment_template.this : k => t.id }
}

output "role_arn" {
  description = "IAM role the experiments run with."
  value       = aws_iam_role.fis.arn
}

output "log_group_name" {
  description = "CloudWatch log group of the experiment logs."
  value       = aws_cloudwatch_log_group.fis.name
}

output "kms_key_arn" {
  description = "KMS key of the experiment log group."
  value       = local.kms_key_arn
}
