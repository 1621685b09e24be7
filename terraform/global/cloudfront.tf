module "edge" {
  source = "../modules/edge"
  providers = {
    aws = aws.edge
  }

  name                = local.name
  aliases             = [var.domain_name]
  acm_certificate_arn = var.acm_certificate_arn
  web_acl_arn         = module.waf.web_acl_arn
  origin_mode         = var.origin_mode

  # The preferred region first (a DR region after platform-deploy failover), then the other (locals.tf).
  failover_origins = {
    primary   = local.origin_hostnames.regional[local.preferred_region]
    secondary = local.origin_hostnames.regional[local.fallback_region]
  }
  # failover mode: writes and WebSockets follow the Route53 failover record; latency mode: everything follows the
  # Route53 latency record (active-active).
  routed_origin_domain = var.origin_mode == "failover" ? local.origin_hostnames.failover : local.origin_hostnames.latency

  origin_verify_secret = var.origin_verify_secret
  api_path_patterns    = var.api_path_patterns
  static_path_patterns = var.static_path_patterns
  price_class          = var.price_class
  log_bucket_name      = "${local.name}-cloudfront-logs-${var.account_id}"
  log_retention_days   = var.cloudfront_log_retention_days
}
