################################################################################
# Contract read by platform-deploy (terraform output -json deploy_targets)
################################################################################

output "deploy_targets" {
  description = "What platform-deploy needs to roll out every service of this region (see the conventions for the shape)."
  value = {
    # Traffic role (traffic.tf): always "active" in the primary; DR: "standby", "active" or "draining", read from
    # traffic_role_parameter, the SSM parameter platform-deploy failover writes (null in the primary).
    region                 = local.region
    is_dr                  = var.is_dr
    traffic_role           = local.traffic_role
    traffic_role_parameter = var.is_dr ? aws_ssm_parameter.traffic_role[0].name : null
    ecr_repository         = var.ecr_repository_name
    # FIS template id by experiment name (chaos.tf): what `platform-deploy chaos <name>` starts. Empty in a standby DR region.
    chaos_experiments = local.chaos_enabled ? module.chaos[0].experiment_template_ids : {}
    # deployment_controller says who releases the service: "CODE_DEPLOY" (codedeploy_app, deployment_group and
    # deployment_config) or "ECS" (codedeploy_app and deployment_group null; deployment_config names the strategy
    # with the custom config's name, which platform-deploy reads as canary/linear percent and minutes; the load
    # balancer's advanced configuration for UpdateService:
    # alternate_target_group_arn, production_listener_rule_arn, test_listener_rule_arn, infrastructure_role_arn,
    # which are null under CODE_DEPLOY).
    services = {
      for k, s in var.services : k => {
        cluster_name                 = module.ecs.cluster_name
        service_name                 = module.ecs.services[k].service_name
        container_name               = module.ecs.services[k].container_name
        container_port               = module.ecs.services[k].container_port
        task_family                  = module.ecs.services[k].task_family
        desired_count                = module.ecs.services[k].desired_count
        deployment_controller        = s.deployment_controller
        codedeploy_app               = s.deployment_controller == "CODE_DEPLOY" ? module.codedeploy.app_name : null
        deployment_group             = s.deployment_controller == "CODE_DEPLOY" ? module.codedeploy.deployment_groups[k].name : null
        deployment_config            = s.deployment_controller == "CODE_DEPLOY" ? module.codedeploy.deployment_groups[k].deployment_config : module.codedeploy.deployment_config_names[s.deployment_strategy]
        target_groups                = [local.service_alb[k].target_groups.blue_name, local.service_alb[k].target_groups.green_name]
        target_group_arns            = [local.service_alb[k].target_groups.blue_arn, local.service_alb[k].target_groups.green_arn]
        prod_listener_arn            = local.service_alb[k].prod_listener_arn
        test_listener_arn            = local.service_alb[k].test_listener_arn
        alternate_target_group_arn   = s.deployment_controller == "ECS" ? local.service_alb[k].target_groups.green_arn : null
        production_listener_rule_arn = s.deployment_controller == "ECS" ? local.service_alb[k].listener_rules.prod_arn : null
        test_listener_rule_arn       = s.deployment_controller == "ECS" ? local.service_alb[k].listener_rules.test_arn : null
        infrastructure_role_arn      = s.deployment_controller == "ECS" ? module.ecs.services[k].infrastructure_role_arn : null
        alarm_names                  = module.observability.alarm_names[k]
        subnets                      = module.vpc.private_subnet_ids
        security_groups              = [module.ecs.security_group_ids[k]]
      }
    }
  }
}

output "edge_origin" {
  description = "The regional public ALB as a CloudFront / Route53 origin (read by the global stack)."
  value = {
    region            = local.region
    alb_dns_name      = module.public_alb.dns_name
    alb_zone_id       = module.public_alb.zone_id
    health_check_path = local.edge_health_check.path
    traffic_role      = local.traffic_role # the global stack prefers the DR region whose role is "active"
  }
}

################################################################################
# Building blocks for extensions (Aurora, WebSocket, backups, chaos)
################################################################################

output "vpc_id" {
  description = "VPC of the region."
  value       = local.vpc_id
}

output "vpc_cidr_block" {
  description = "CIDR block of the region's VPC."
  value       = local.vpc_cidr_block
}

output "private_subnet_ids" {
  description = "Private subnets (tasks, databases, endpoints)."
  value       = local.private_subnet_ids
}

output "public_subnet_ids" {
  description = "Public subnets (public ALB, NAT gateways)."
  value       = local.public_subnet_ids
}

output "nat_gateway_ids" {
  description = "NAT gateways (empty while the DR region is on standby)."
  value       = module.vpc.nat_gateway_ids
}

output "task_security_group_ids" {
  description = "Per service: security group of its tasks."
  value       = local.task_security_group_ids
}

output "alb_security_group_ids" {
  description = "Security groups of the ALBs: \"public\" and one per internal service."
  value       = local.alb_security_group_ids
}

output "task_role_names" {
  description = "Per service: its task role name (attach application policies)."
  value       = module.ecs.task_role_names
}

output "logs_kms_key_arn" {
  description = "KMS key of the region's log groups."
  value       = local.logs_kms_key_arn
}

output "secrets_kms_key_arn" {
  description = "KMS key of the region's Secrets Manager secrets."
  value       = local.secrets_kms_key_arn
}

output "secret_arns" {
  description = "Secret ARNs keyed by \"<service>/<ENV>\"."
  value       = module.secrets.secret_arns
}

output "alarm_arns" {
  description = "Per service: ARNs of the SLO alarms that gate its rollouts."
  value       = local.alarm_arns
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the region."
  value       = module.observability.dashboard_name
}

output "public_alb_arn" {
  description = "ARN of the regional public ALB (e.g. for a regional WAF association)."
  value       = module.public_alb.arn
}
