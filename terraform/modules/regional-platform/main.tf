################################################################################
# Shared values. Extension files (rds.tf, websocket.tf, backups.tf, chaos.tf) read
# the locals below: subnets, security groups, KMS keys and alarm ARNs.
################################################################################

data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  # Read from a key this configuration creates (account lookups call AWS; plans run offline).
  account_id = provider::aws::arn_parse(module.observability.kms_key_arn).account_id

  # Capacity follows the traffic role (traffic.tf), not is_dr: a promoted DR region needs its NAT gateways.
  nat_gateway_mode = coalesce(var.nat_gateway_mode, local.dr_standby ? "none" : "per_az")

  public_services   = { for k, s in var.services : k => s if s.tier == "public" }
  internal_services = { for k, s in var.services : k => s if s.tier == "internal" }

  # Route53 health checks (no custom headers) reach this path on the public ALB without the origin header.
  edge_health_check = {
    service = sort(keys(local.public_services))[0]
    path    = local.public_services[sort(keys(local.public_services))[0]].health_check_path
  }

  default_image = "${local.account_id}.dkr.ecr.${local.region}.amazonaws.com/${var.ecr_repository_name}:${var.initial_image_tag}"

  # --- Extension points ---------------------------------------------------------------------------------------
  vpc_id               = module.vpc.vpc_id
  vpc_cidr_block       = module.vpc.vpc_cidr_block
  private_subnet_ids   = module.vpc.private_subnet_ids
  public_subnet_ids    = module.vpc.public_subnet_ids
  private_subnet_cidrs = module.vpc.private_subnet_cidrs

  task_security_group_ids = module.ecs.security_group_ids # service => sg (add egress to a database here)
  alb_security_group_ids = merge(
    { public = module.public_alb.security_group_id },
    { for k, m in module.internal_alb : k => m.security_group_id },
  )

  logs_kms_key_arn    = module.observability.kms_key_arn # CloudWatch Logs of this region
  secrets_kms_key_arn = module.secrets.kms_key_arn       # Secrets Manager secrets of this region

  alarm_arns  = module.observability.alarm_arns  # service => [alarm ARNs]
  alarm_names = module.observability.alarm_names # service => [alarm names]

  # Extra secrets (env name => secret ARN) and task role policies per service, e.g. the Aurora master secret
  # from rds.tf. Keyed by service name; merged into the services' definitions in compute.tf.
  extra_service_secrets       = local.db_service_secrets # rds.tf: DB_CREDENTIALS
  extra_task_role_policy_arns = {}
  extra_service_environment = { # rds.tf: DB_*; websocket.tf: WEBSOCKET_* (worker services)
    for k in keys(var.services) : k => merge(
      lookup(local.db_service_environment, k, {}),
      lookup(local.websocket_service_environment, k, {}),
    )
  }
  extra_internal_alb_ingress_sg = {} # label => security group admitted by every internal ALB
}
