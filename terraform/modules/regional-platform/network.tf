module "vpc" {
  source = "../vpc"

  name                    = var.name
  cidr_block              = var.vpc_cidr
  azs                     = var.azs
  nat_gateway_mode        = local.nat_gateway_mode
  flow_log_kms_key_arn    = module.observability.kms_key_arn
  flow_log_retention_days = var.log_retention_days

  tags = var.tags
}
