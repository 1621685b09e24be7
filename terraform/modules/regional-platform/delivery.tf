locals {
  # A deployment group for each service CodeDeploy releases; the others (deployment_controller "ECS") Amazon ECS
  # releases itself, with the listener rules of their ALB and the cluster's infrastructure role (modules/ecs).
  codedeploy_services = { for k, s in var.services : k => s if s.deployment_controller == "CODE_DEPLOY" }
}

module "codedeploy" {
  source = "../codedeploy"

  name                          = var.name
  canary_percentage             = var.canary_percentage
  canary_interval_minutes       = var.canary_interval_minutes
  linear_percentage             = var.linear_percentage
  linear_interval_minutes       = var.linear_interval_minutes
  termination_wait_time_minutes = var.termination_wait_time_minutes
  ready_wait_minutes            = var.ready_wait_minutes

  services = {
    for k, s in local.codedeploy_services : k => {
      cluster_name            = module.ecs.cluster_name
      service_name            = module.ecs.services[k].service_name
      blue_target_group_name  = local.service_alb[k].target_groups.blue_name
      green_target_group_name = local.service_alb[k].target_groups.green_name
      prod_listener_arn       = local.service_alb[k].prod_listener_arn
      test_listener_arn       = local.service_alb[k].test_listener_arn
      alarm_names             = module.observability.alarm_names[k]
      deployment_strategy     = s.deployment_strategy
    }
  }

  tags = var.tags
}
