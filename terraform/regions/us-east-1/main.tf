module "platform" {
  source = "../../modules/regional-platform"

  providers = {
    aws    = aws
    aws.dr = aws.dr
  }

  name                      = var.name
  is_dr                     = false
  traffic_role_override     = var.traffic_role_override
  dr_traffic_role_parameter = var.dr_traffic_role_parameter
  # null: the module reads the DR region's parameter through aws.dr; offline (no AWS access) it cannot, so standby.
  dr_traffic_role           = var.offline ? coalesce(var.dr_traffic_role, "standby") : var.dr_traffic_role
  azs                       = var.azs
  vpc_cidr                  = var.vpc_cidr
  nat_gateway_mode          = var.nat_gateway_mode
  certificate_arn           = var.certificate_arn
  origin_verify_secret      = var.origin_verify_secret
  cloudfront_prefix_list_id = var.cloudfront_prefix_list_id
  ecr_repository_name       = var.ecr_repository_name
  services                  = var.services
  alarm_actions             = var.alarm_actions

  db_master_password         = var.db_master_password
  db_master_password_version = var.db_master_password_version
  websocket_worker_services  = var.websocket_worker_services
}
