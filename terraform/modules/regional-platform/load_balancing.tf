# Tier 1: the regional public ALB. Only CloudFront gets through: requests need the origin secret header
# (and, with cloudfront_prefix_list_id, must come from CloudFront's origin-facing addresses).
module "public_alb" {
  source = "../alb"

  name                       = "${var.name}-public"
  internal                   = false
  vpc_id                     = module.vpc.vpc_id
  vpc_cidr_block             = module.vpc.vpc_cidr_block
  subnet_ids                 = module.vpc.public_subnet_ids
  certificate_arn            = var.certificate_arn
  enable_deletion_protection = var.alb_deletion_protection
  test_listener_port         = var.test_listener_port
  target_group_name_prefix   = var.name

  ingress_cidr_blocks     = var.cloudfront_prefix_list_id == null ? ["0.0.0.0/0"] : []
  ingress_prefix_list_ids = var.cloudfront_prefix_list_id == null ? [] : [var.cloudfront_prefix_list_id]
  origin_verify_secret    = var.origin_verify_secret
  public_health_check     = local.edge_health_check

  services = {
    for k, s in local.public_services : k => {
      port                  = s.container_port
      health_check_path     = s.health_check_path
      path_patterns         = s.path_patterns
      priority              = s.priority
      deployment_controller = s.deployment_controller
    }
  }

  tags = merge(var.tags, { Tier = "1" })
}

# Tier 2: one internal ALB per internal service (service-level isolation). Reached only from the public
# ALB and the services' tasks.
module "internal_alb" {
  source   = "../alb"
  for_each = local.internal_services

  name                       = "${var.name}-${each.key}"
  internal                   = true
  vpc_id                     = module.vpc.vpc_id
  vpc_cidr_block             = module.vpc.vpc_cidr_block
  subnet_ids                 = module.vpc.private_subnet_ids
  certificate_arn            = coalesce(var.internal_certificate_arn, var.certificate_arn)
  enable_deletion_protection = var.alb_deletion_protection
  test_listener_port         = var.test_listener_port
  target_group_name_prefix   = var.name

  # The services' task security groups are admitted below (they depend on the ECS module, which depends on
  # these target groups: passing them in would be a dependency cycle).
  ingress_security_group_ids = { public_alb = module.public_alb.security_group_id }

  services = {
    (each.key) = {
      port                  = each.value.container_port
      health_check_path     = each.value.health_check_path
      deployment_controller = each.value.deployment_controller
    }
  }

  tags = merge(var.tags, { Tier = "2" })
}

locals {
  # (internal service, caller) pairs: every other service's tasks, plus extension callers.
  internal_alb_callers = merge(
    merge([
      for target in keys(local.internal_services) : {
        for caller in keys(var.services) : "${target}/${caller}" => {
          target            = target
          security_group_id = module.ecs.security_group_ids[caller]
          description       = "tasks of ${caller}"
        } if caller != target
      }
    ]...),
    merge([
      for target in keys(local.internal_services) : {
        for label, sg in local.extra_internal_alb_ingress_sg : "${target}/${label}" => {
          target            = target
          security_group_id = sg
          description       = label
        }
      }
    ]...),
  )
}

resource "aws_vpc_security_group_ingress_rule" "internal_alb_from_tasks" {
  for_each = local.internal_alb_callers

  security_group_id            = module.internal_alb[each.value.target].security_group_id
  description                  = "HTTPS from ${each.value.description}"
  ip_protocol                  = "tcp"
  from_port                    = module.internal_alb[each.value.target].prod_listener_port
  to_port                      = module.internal_alb[each.value.target].prod_listener_port
  referenced_security_group_id = each.value.security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "internal_alb_test_from_tasks" {
  for_each = local.internal_alb_callers

  security_group_id            = module.internal_alb[each.value.target].security_group_id
  description                  = "Test listener from ${each.value.description}"
  ip_protocol                  = "tcp"
  from_port                    = var.test_listener_port
  to_port                      = var.test_listener_port
  referenced_security_group_id = each.value.security_group_id
}

locals {
  # service => the ALB module outputs it sits behind
  service_alb = merge(
    { for k in keys(local.public_services) : k => {
      arn_suffix        = module.public_alb.arn_suffix
      security_group_id = module.public_alb.security_group_id
      prod_listener_arn = module.public_alb.prod_listener_arn
      test_listener_arn = module.public_alb.test_listener_arn
      target_groups     = module.public_alb.target_groups[k]
      listener_rules    = module.public_alb.listener_rules[k]
    } },
    { for k in keys(local.internal_services) : k => {
      arn_suffix        = module.internal_alb[k].arn_suffix
      security_group_id = module.internal_alb[k].security_group_id
      prod_listener_arn = module.internal_alb[k].prod_listener_arn
      test_listener_arn = module.internal_alb[k].test_listener_arn
      target_groups     = module.internal_alb[k].target_groups[k]
      listener_rules    = module.internal_alb[k].listener_rules[k]
    } },
  )
}
