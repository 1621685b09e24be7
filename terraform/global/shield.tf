# Shield Advanced (off by default: it needs a paid subscription, which is not managed here).

locals {
  shield_resources = var.enable_shield_advanced ? merge(
    {
      cloudfront = module.edge.distribution_arn
      zone       = local.zone_arn
    },
    { for r, arn in var.shield_alb_arns : "alb-${r}" => arn },
  ) : {}

  # Health-based detection: each protection reports the health of what it fronts.
  shield_health_checks = var.enable_shield_advanced ? merge(
    { cloudfront = aws_route53_health_check.global.arn },
    { for r in keys(var.shield_alb_arns) : "alb-${r}" => aws_route53_health_check.regional[r].arn },
  ) : {}
}

resource "aws_shield_protection" "this" {
  provider = aws.edge
  for_each = local.shield_resources

  name         = "${local.name}-${each.key}"
  resource_arn = each.value
}

resource "aws_shield_protection_group" "platform" {
  provider = aws.edge
  count    = var.enable_shield_advanced ? 1 : 0

  protection_group_id = "${local.name}-platform"
  aggregation         = "MAX"
  pattern             = "ARBITRARY"
  members             = [for k in sort(keys(local.shield_resources)) : local.shield_resources[k]]

  depends_on = [aws_shield_protection.this]
}

resource "aws_shield_protection_health_check_association" "this" {
  provider = aws.edge
  for_each = local.shield_health_checks

  shield_protection_id = aws_shield_protection.this[each.key].id
  health_check_arn     = each.value
}
