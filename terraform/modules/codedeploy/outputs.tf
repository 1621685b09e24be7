output "app_name" {
  description = "Name of the CodeDeploy application."
  value       = aws_codedeploy_app.this.name
}

output "deployment_groups" {
  description = "Per service: deployment group name and the deployment config it uses."
  value = {
    for k, g in aws_codedeploy_deployment_group.this : k => {
      name              = g.deployment_group_name
      deployment_config = g.deployment_config_name
      alarm_names       = var.services[k].alarm_names
    }
  }
}

output "deployment_config_names" {
  description = "Names of the custom canary and linear configs (and the all-at-once default)."
  value       = local.deployment_config_names
}

output "service_role_arn" {
  description = "ARN of the CodeDeploy service role."
  value       = local.service_role_arn
}
