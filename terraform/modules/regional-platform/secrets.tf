# Per-region secrets: one per (service, environment variable), readable only by that service's
# task execution role. Values are written out of band, never by Terraform.
locals {
  service_secret_keys = merge([
    for k, s in var.services : { for env in s.secrets : "${k}/${env}" => { service = k, env = env } }
  ]...)
}

module "secrets" {
  source = "../secrets"

  name    = var.name
  secrets = { for key, s in local.service_secret_keys : key => { description = "${s.env} of service ${s.service}" } }
  readers = { for key, s in local.service_secret_keys : key => [module.ecs.execution_role_arns[s.service]] }

  tags = var.tags
}
