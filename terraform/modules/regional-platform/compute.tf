module "ecs" {
  source = "../ecs"

  cluster_name         = var.name
  vpc_id               = module.vpc.vpc_id
  subnet_ids           = module.vpc.private_subnet_ids
  secrets_kms_key_arns = [module.secrets.kms_key_arn]

  services = {
    for k, s in var.services : k => {
      image          = coalesce(s.image, local.default_image)
      container_port = s.container_port
      cpu            = s.cpu
      memory         = s.memory

      # Standby DR (traffic.tf): no idle compute. Autoscaling owns the running count (Terraform ignores
      # desired_count after creation), so the bounds do the work: a maximum of 0 scales a region that goes
      # back to standby in to 0 at once, and failover's active role restores both bounds, which scales it out.
      desired_count = local.dr_standby ? 0 : s.desired_count
      min_capacity  = local.dr_standby ? 0 : s.min_capacity
      max_capacity  = local.dr_standby ? 0 : s.max_capacity

      cpu_target_percent  = s.cpu_target_percent
      requests_per_target = s.requests_per_target
      scale_on_requests   = true
      request_count_resource_labels = {
        blue  = "${local.service_alb[k].arn_suffix}/${local.service_alb[k].target_groups.blue_arn_suffix}"
        green = "${local.service_alb[k].arn_suffix}/${local.service_alb[k].target_groups.green_arn_suffix}"
      }

      target_group_arn                = local.service_alb[k].target_groups.blue_arn
      load_balancer_security_group_id = local.service_alb[k].security_group_id
      log_group_name                  = module.observability.log_group_names[k]

      environment = merge(s.environment, lookup(local.extra_service_environment, k, {}))
      secrets = merge(
        { for env in s.secrets : env => module.secrets.secret_arns["${k}/${env}"] },
        s.external_secrets,
        lookup(local.extra_service_secrets, k, {}),
      )
      task_role_policy_arns = concat(s.task_role_policy_arns, lookup(local.extra_task_role_policy_arns, k, []))
      deployment_controller = s.deployment_controller
    }
  }

  # The chaos templates' latency and blackhole experiments (chaos.tf) run on these tasks; also in a standby DR region,
  # whose task definitions a promotion does not re-register (the services ignore task definition changes).
  fault_injection = local.chaos_enabled ? {} : null

  tags = var.tags
}
