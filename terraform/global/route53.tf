resource "aws_route53_zone" "this" {
  #checkov:skip=CKV2_AWS_38:DNSSEC signing needs the DS record at the parent/registrar; enable it once the zone is delegated.
  count = var.create_zone ? 1 : 0

  name          = var.zone_name
  comment       = "${local.name} public zone"
  force_destroy = false
}

locals {
  zone_id  = var.create_zone ? aws_route53_zone.this[0].zone_id : var.zone_id
  zone_arn = "arn:${local.partition}:route53:::hostedzone/${local.zone_id}"
}

# --- DNS query logging (log group must be in us-east-1) -----------------------------------------------------------

resource "aws_cloudwatch_log_group" "dns_queries" {
  provider = aws.edge
  count    = var.enable_dns_query_logging ? 1 : 0

  name              = "/aws/route53/${var.zone_name}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.logs.arn
}

resource "aws_cloudwatch_log_resource_policy" "dns_queries" {
  provider = aws.edge
  count    = var.enable_dns_query_logging ? 1 : 0

  policy_name = "${local.name}-route53-query-logging"
  policy_document = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "route53.amazonaws.com" }
      Action    = ["logs:CreateLogStream", "logs:PutLogEvents"]
      Resource  = "arn:${local.partition}:logs:${local.edge_region}:${var.account_id}:log-group:/aws/route53/*"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
}

resource "aws_route53_query_log" "this" {
  count = var.enable_dns_query_logging ? 1 : 0

  zone_id                  = local.zone_id
  cloudwatch_log_group_arn = aws_cloudwatch_log_group.dns_queries[0].arn

  depends_on = [aws_cloudwatch_log_resource_policy.dns_queries]
}

# --- Health checks of each region's health endpoint ---------------------------------------------------------------
# The ALBs answer 403 without X-Origin-Verify, which Route53 cannot send: the regional listeners must answer
# health_check_path without it.

resource "aws_route53_health_check" "regional" {
  for_each = var.regional_origins

  type              = "HTTPS"
  fqdn              = each.value.alb_dns_name
  port              = 443
  resource_path     = each.value.health_check_path
  enable_sni        = true
  request_interval  = var.health_check_request_interval
  failure_threshold = var.health_check_failure_threshold
  measure_latency   = true

  tags = {
    Name = "${local.name}-${each.key}"
  }
}

# Healthy while at least one region is: the health signal of the distribution for Shield.
resource "aws_route53_health_check" "global" {
  type                   = "CALCULATED"
  child_healthchecks     = [for hc in aws_route53_health_check.regional : hc.id]
  child_health_threshold = 1

  tags = {
    Name = "${local.name}-any-region"
  }
}

# --- Origin records -------------------------------------------------------------------------------------------------

# <region>.origin.<domain>: the members of the CloudFront origin group.
resource "aws_route53_record" "regional" {
  #checkov:skip=CKV2_AWS_23:Aliases a regional ALB owned by the regional stacks (edge_origin input), not by this stack.
  for_each = var.regional_origins

  zone_id = local.zone_id
  name    = local.origin_hostnames.regional[each.key]
  type    = "A"

  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = true
  }
}

# latency.origin.<domain>: active-active, nearest healthy region (origin of latency mode).
resource "aws_route53_record" "latency" {
  #checkov:skip=CKV2_AWS_23:Aliases a regional ALB owned by the regional stacks (edge_origin input), not by this stack.
  for_each = var.regional_origins

  zone_id         = local.zone_id
  name            = local.origin_hostnames.latency
  type            = "A"
  set_identifier  = "${each.key}-latency"
  health_check_id = aws_route53_health_check.regional[each.key].id

  latency_routing_policy {
    region = each.value.region
  }

  alias {
    name                   = each.value.alb_dns_name
    zone_id                = each.value.alb_zone_id
    evaluate_target_health = true
  }
}

# failover.origin.<domain>: active-passive, the preferred region then the other one (locals.tf): primary region then
# the first DR region, or the active DR region then the primary region after platform-deploy failover.
resource "aws_route53_record" "failover" {
  #checkov:skip=CKV2_AWS_23:Aliases a regional ALB owned by the regional stacks (edge_origin input), not by this stack.
  for_each = {
    PRIMARY   = local.preferred_region
    SECONDARY = local.fallback_region
  }

  zone_id         = local.zone_id
  name            = local.origin_hostnames.failover
  type            = "A"
  set_identifier  = "${each.value}-${lower(each.key)}"
  health_check_id = aws_route53_health_check.regional[each.value].id

  failover_routing_policy {
    type = each.key
  }

  alias {
    name                   = var.regional_origins[each.value].alb_dns_name
    zone_id                = var.regional_origins[each.value].alb_zone_id
    evaluate_target_health = true
  }
}

# weighted.origin.<domain>: regional traffic shifting by routing_weights (optional).
resource "aws_route53_record" "weighted" {
  #checkov:skip=CKV2_AWS_23:Aliases a regional ALB owned by the regional stacks (edge_origin input), not by this stack.
  for_each = var.routing_weights

  zone_id         = local.zone_id
  name            = local.origin_hostnames.weighted
  type            = "A"
  set_identifier  = "${each.key}-weighted"
  health_check_id = aws_route53_health_check.regional[each.key].id

  weighted_routing_policy {
    weight = each.value
  }

  alias {
    name                   = var.regional_origins[each.key].alb_dns_name
    zone_id                = var.regional_origins[each.key].alb_zone_id
    evaluate_target_health = true
  }
}

# --- Public name -> CloudFront ----------------------------------------------------------------------------------------

resource "aws_route53_record" "public" {
  for_each = toset(["A", "AAAA"])

  zone_id = local.zone_id
  name    = var.domain_name
  type    = each.key

  alias {
    name                   = module.edge.domain_name
    zone_id                = module.edge.hosted_zone_id
    evaluate_target_health = false
  }
}
