module "platform" {
  source = "../../modules/regional-platform"

  # aws.dr is only used by the primary region (backup copies, secret replica): DR passes its own provider.
  providers = {
    aws    = aws
    aws.dr = aws
  }

  name                      = var.name
  is_dr                     = true # standby (the traffic role parameter): ECS desired count 0, no NAT gateway
  traffic_role_override     = var.traffic_role_override
  azs                       = var.azs
  vpc_cidr                  = var.vpc_cidr
  nat_gateway_mode          = var.nat_gateway_mode
  certificate_arn           = var.certificate_arn
  origin_verify_secret      = var.origin_verify_secret
  cloudfront_prefix_list_id = var.cloudfront_prefix_list_id
  ecr_repository_name       = var.ecr_repository_name
  services                  = var.services
  alarm_actions             = var.alarm_actions

  primary_region            = var.primary_region
  global_cluster_identifier = var.global_cluster_identifier
  db_master_secret_arn      = var.db_master_secret_arn
  websocket_worker_services = var.websocket_worker_services
}
