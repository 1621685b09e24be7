################################################################################
# Listeners. Every forward is weighted (blue 100 / green 0); the deployment
# controller (CodeDeploy, or ECS on its listener rules) owns the weights after
# creation, hence ignore_changes on the forwarding actions.
################################################################################

resource "aws_lb_listener" "prod" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.prod_listener_port
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  dynamic "default_action" {
    for_each = local.use_rules ? [] : [local.default_forward_service]

    content {
      type = "forward"

      forward {
        target_group {
          arn    = aws_lb_target_group.blue[default_action.value].arn
          weight = 100
        }

        target_group {
          arn    = aws_lb_target_group.green[default_action.value].arn
          weight = 0
        }
      }
    }
  }

  dynamic "default_action" {
    for_each = local.use_rules ? [1] : []

    content {
      type = "fixed-response"

      fixed_response {
        content_type = "text/plain"
        message_body = local.require_origin_verify ? "Forbidden" : "Not Found"
        status_code  = local.require_origin_verify ? "403" : "404"
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-prod" })

  lifecycle {
    ignore_changes = [default_action[0].forward, default_action[0].target_group_arn]
  }
}

resource "aws_lb_listener" "test" {
  load_balancer_arn = aws_lb.this.arn
  port              = var.test_listener_port
  protocol          = "HTTPS"
  ssl_policy        = var.ssl_policy
  certificate_arn   = var.certificate_arn

  dynamic "default_action" {
    for_each = local.use_rules ? [] : [local.default_forward_service]

    content {
      type = "forward"

      forward {
        target_group {
          arn    = aws_lb_target_group.blue[default_action.value].arn
          weight = 100
        }

        target_group {
          arn    = aws_lb_target_group.green[default_action.value].arn
          weight = 0
        }
      }
    }
  }

  dynamic "default_action" {
    for_each = local.use_rules ? [1] : []

    content {
      type = "fixed-response"

      fixed_response {
        content_type = "text/plain"
        message_body = "Not Found"
        status_code  = "404"
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-test" })

  lifecycle {
    ignore_changes = [default_action[0].forward, default_action[0].target_group_arn]
  }
}

# Route53 health checkers cannot send the origin header: answer one health path without it.
resource "aws_lb_listener_rule" "public_health_check" {
  count = local.require_origin_verify && var.public_health_check != null ? 1 : 0

  listener_arn = aws_lb_listener.prod.arn
  priority     = 1

  condition {
    path_pattern {
      values = [var.public_health_check.path]
    }
  }

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.blue[var.public_health_check.service].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.green[var.public_health_check.service].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-public-health-check" })

  lifecycle {
    ignore_changes = [action[0].forward, action[0].target_group_arn]
  }
}

resource "aws_lb_listener_rule" "prod" {
  for_each = local.use_rules ? var.services : {}

  listener_arn = aws_lb_listener.prod.arn
  priority     = local.priorities[each.key]

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  dynamic "condition" {
    for_each = local.require_origin_verify ? [1] : []

    content {
      http_header {
        http_header_name = var.origin_verify_header_name
        values           = [var.origin_verify_secret]
      }
    }
  }

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.blue[each.key].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.green[each.key].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}-prod" })

  lifecycle {
    ignore_changes = [action[0].forward, action[0].target_group_arn]
  }
}

resource "aws_lb_listener_rule" "test" {
  for_each = local.use_rules ? var.services : {}

  listener_arn = aws_lb_listener.test.arn
  priority     = local.priorities[each.key]

  condition {
    path_pattern {
      values = each.value.path_patterns
    }
  }

  action {
    type = "forward"

    forward {
      target_group {
        arn    = aws_lb_target_group.blue[each.key].arn
        weight = 100
      }

      target_group {
        arn    = aws_lb_target_group.green[each.key].arn
        weight = 0
      }
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}-test" })

  lifecycle {
    ignore_changes = [action[0].forward, action[0].target_group_arn]
  }
}
