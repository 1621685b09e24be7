locals {
  log_group_name = coalesce(var.log_group_name, "aws-waf-logs-${var.name}")
  blocked_ipv4   = [for c in var.blocked_ip_addresses : c if !strcontains(c, ":")]
  blocked_ipv6   = [for c in var.blocked_ip_addresses : c if strcontains(c, ":")]
  metric_prefix  = replace(var.name, "/[^A-Za-z0-9_-]/", "-")

  # Custom rules take the first priorities; managed groups follow in list order.
  managed_priority_base = 10
}

# Block list: both address families are always present (empty sets are valid) so the rule shape never changes.
resource "aws_wafv2_ip_set" "blocked_ipv4" {
  name               = "${var.name}-blocked-ipv4"
  description        = "IPv4 addresses always blocked by ${var.name}"
  scope              = var.scope
  ip_address_version = "IPV4"
  addresses          = local.blocked_ipv4
  tags               = var.tags
}

resource "aws_wafv2_ip_set" "blocked_ipv6" {
  name               = "${var.name}-blocked-ipv6"
  description        = "IPv6 addresses always blocked by ${var.name}"
  scope              = var.scope
  ip_address_version = "IPV6"
  addresses          = local.blocked_ipv6
  tags               = var.tags
}

resource "aws_wafv2_web_acl" "this" {
  name        = var.name
  description = var.description
  scope       = var.scope
  tags        = var.tags

  default_action {
    allow {}
  }

  rule {
    name     = "block-list"
    priority = 0

    action {
      block {}
    }

    statement {
      or_statement {
        statement {
          ip_set_reference_statement {
            arn = aws_wafv2_ip_set.blocked_ipv4.arn
          }
        }
        statement {
          ip_set_reference_statement {
            arn = aws_wafv2_ip_set.blocked_ipv6.arn
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-block-list"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = length(var.geo_block_country_codes) > 0 ? [1] : []
    content {
      name     = "geo-block"
      priority = 1

      action {
        block {}
      }

      statement {
        geo_match_statement {
          country_codes = var.geo_block_country_codes
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${local.metric_prefix}-geo-block"
        sampled_requests_enabled   = true
      }
    }
  }

  # Load shedding: one client sending more than rate_limit requests per window gets rate_limit_response_code.
  rule {
    name     = "rate-limit-per-ip"
    priority = 2

    action {
      block {
        custom_response {
          response_code = var.rate_limit_response_code
          response_header {
            name  = "retry-after"
            value = tostring(var.rate_limit_window_seconds)
          }
        }
      }
    }

    statement {
      rate_based_statement {
        limit                 = var.rate_limit
        evaluation_window_sec = var.rate_limit_window_seconds
        aggregate_key_type    = var.rate_limit_aggregate_key

        dynamic "forwarded_ip_config" {
          for_each = var.rate_limit_aggregate_key == "FORWARDED_IP" ? [1] : []
          content {
            header_name       = "X-Forwarded-For"
            fallback_behavior = "MATCH"
          }
        }
      }
    }

    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${local.metric_prefix}-rate-limit"
      sampled_requests_enabled   = true
    }
  }

  dynamic "rule" {
    for_each = var.managed_rule_groups
    content {
      name     = rule.value.name
      priority = local.managed_priority_base + rule.key

      override_action {
        none {}
      }

      statement {
        managed_rule_group_statement {
          name        = rule.value.name
          vendor_name = rule.value.vendor_name
          version     = rule.value.version

          dynamic "rule_action_override" {
            for_each = rule.value.count_rules
            content {
              name = rule_action_override.value
              action_to_use {
                count {}
              }
            }
          }
        }
      }

      visibility_config {
        cloudwatch_metrics_enabled = true
        metric_name                = "${local.metric_prefix}-${rule.value.name}"
        sampled_requests_enabled   = true
      }
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.metric_prefix
    sampled_requests_enabled   = true
  }
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn
  tags              = var.tags
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.this.arn]

  dynamic "redacted_fields" {
    for_each = var.redacted_headers
    content {
      single_header {
        name = redacted_fields.value
      }
    }
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  for_each = var.scope == "REGIONAL" ? var.association_resource_arns : {}

  resource_arn = each.value
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}
