# CLOUDFRONT-scope web ACL (us-east-1). The regional stacks build their REGIONAL ACLs from the same module
# (scope = "REGIONAL", rate_limit_aggregate_key = "FORWARDED_IP", association_resource_arns = { alb = ... }).
module "waf" {
  source = "../modules/waf"
  providers = {
    aws = aws.edge
  }

  name                    = "${local.name}-edge"
  scope                   = "CLOUDFRONT"
  rate_limit              = var.waf_rate_limit
  blocked_ip_addresses    = var.waf_blocked_ip_addresses
  geo_block_country_codes = var.waf_geo_block_country_codes
  log_retention_days      = var.waf_log_retention_days
  log_kms_key_arn         = aws_kms_key.logs.arn
}
