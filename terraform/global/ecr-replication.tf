locals {
  ecr_repository_names = [for r in var.ecr_repositories : "${var.project}/${r}"]
}

# Repositories in the primary region, replicated to every DR region (same account) by prefix.
module "ecr" {
  source = "../modules/ecr"

  repository_names     = local.ecr_repository_names
  account_id           = var.account_id
  replication_regions  = var.dr_regions
  replication_prefix   = var.project
  keep_image_count     = var.ecr_keep_image_count
  untagged_expiry_days = var.ecr_untagged_expiry_days
}
