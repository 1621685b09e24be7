locals {
  tg_prefix = coalesce(var.target_group_name_prefix, var.name)

  require_origin_verify = nonsensitive(var.origin_verify_secret != null)

  # One CodeDeploy service and no header to check: the listeners' default actions forward (CodeDeploy's
  # simplest, best-trodden setup). Otherwise: one listener rule per service, default action refuses. An
  # ECS-controlled service needs rules: ECS blue/green shifts the weights of a listener rule.
  codedeploy_only         = alltrue([for s in values(var.services) : s.deployment_controller == "CODE_DEPLOY"])
  default_forward_service = length(var.services) == 1 && !local.require_origin_verify && local.codedeploy_only ? one(keys(var.services)) : null
  use_rules               = local.default_forward_service == null

  service_keys = sort(keys(var.services))
  priorities = {
    for i, k in local.service_keys : k => coalesce(var.services[k].priority, 100 + 10 * i)
  }

  test_listener_cidr_blocks = length(var.test_listener_cidr_blocks) > 0 ? var.test_listener_cidr_blocks : [var.vpc_cidr_block]
  service_ports             = toset([for s in values(var.services) : tostring(s.port)])

  create_log_bucket  = var.access_logs_bucket == null
  access_logs_bucket = local.create_log_bucket ? aws_s3_bucket.logs[0].id : var.access_logs_bucket
}

################################################################################
# Load balancer
################################################################################

resource "aws_lb" "this" {
  name                       = var.name
  internal                   = var.internal
  load_balancer_type         = "application"
  security_groups            = [aws_security_group.this.id]
  subnets                    = var.subnet_ids
  idle_timeout               = var.idle_timeout
  drop_invalid_header_fields = true
  desync_mitigation_mode     = "strictest"
  enable_deletion_protection = var.enable_deletion_protection
  enable_http2               = true

  access_logs {
    enabled = true
    bucket  = local.access_logs_bucket
    prefix  = var.name
  }

  tags = merge(var.tags, { Name = var.name, Tier = var.internal ? "2-internal" : "1-regional" })

  depends_on = [aws_s3_bucket_policy.logs]
}

################################################################################
# Target groups: a blue and a green one per service (the deployment controller swaps
# them; ECS calls green the alternate target group)
################################################################################

resource "aws_lb_target_group" "blue" {
  for_each = var.services

  name                 = "${local.tg_prefix}-${each.key}-blue"
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = each.value.deregistration_delay

  health_check {
    enabled             = true
    path                = each.value.health_check_path
    matcher             = each.value.health_check_matcher
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Service = each.key, Color = "blue" })
}

resource "aws_lb_target_group" "green" {
  for_each = var.services

  name                 = "${local.tg_prefix}-${each.key}-green"
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = each.value.deregistration_delay

  health_check {
    enabled             = true
    path                = each.value.health_check_path
    matcher             = each.value.health_check_matcher
    protocol            = "HTTP"
    port                = "traffic-port"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }

  tags = merge(var.tags, { Service = each.key, Color = "green" })
}
