module "observability" {
  source = "../observability"

  name                         = var.name
  error_rate_threshold_percent = var.error_rate_threshold_percent
  latency_p95_threshold_ms     = var.latency_p95_threshold_ms
  alarm_actions                = var.alarm_actions
  log_retention_days           = var.log_retention_days
  health_check_path            = local.edge_health_check.path

  services = {
    for k in keys(var.services) : k => {
      load_balancer_arn_suffix      = local.service_alb[k].arn_suffix
      blue_target_group_arn_suffix  = local.service_alb[k].target_groups.blue_arn_suffix
      green_target_group_arn_suffix = local.service_alb[k].target_groups.green_arn_suffix
      cluster_name                  = var.name # the ECS cluster and service names (module.ecs), spelled out:
      service_name                  = k        # referencing module.ecs here would close a dependency cycle
    }
  }

  tags = var.tags
}
