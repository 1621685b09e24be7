locals {
  partition   = data.aws_partition.current.partition
  name_prefix = coalesce(var.bucket_name_prefix, "${var.project}-tfstate-${var.account_id}")

  # try(): a list of the wrong length is reported by var.regions' validation, not as an index error.
  primary_region = try(var.regions[0], "us-east-1")
  dr_region      = try(var.regions[1], "eu-west-1")
  backend_region = coalesce(var.backend_region, local.dr_region)

  bucket_names = { for region in [local.primary_region, local.dr_region] : region => "${local.name_prefix}-${region}" }
}

# One state bucket per region, each replicating every write to the other (S3 Cross-Region Replication, both
# ways): a stack writes its state in its own region's bucket and its outputs can still be read from the other
# region's bucket when its region is down. Each module instance replicates its bucket towards the other one.
module "primary" {
  source    = "./modules/state-bucket"
  providers = { aws = aws.primary }

  project                           = var.project
  account_id                        = var.account_id
  partition                         = local.partition
  region                            = local.primary_region
  bucket_name                       = local.bucket_names[local.primary_region]
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  kms_deletion_window_days          = var.kms_deletion_window_days

  replica_region           = local.dr_region
  replica_bucket_arn       = module.dr.versioned_bucket_arn
  replica_kms_key_arn      = module.dr.kms_key_arn
  replication_time_control = var.replication_time_control
}

module "dr" {
  source    = "./modules/state-bucket"
  providers = { aws = aws.dr }

  project                           = var.project
  account_id                        = var.account_id
  partition                         = local.partition
  region                            = local.dr_region
  bucket_name                       = local.bucket_names[local.dr_region]
  noncurrent_version_retention_days = var.noncurrent_version_retention_days
  kms_deletion_window_days          = var.kms_deletion_window_days

  replica_region           = local.primary_region
  replica_bucket_arn       = module.primary.versioned_bucket_arn
  replica_kms_key_arn      = module.primary.kms_key_arn
  replication_time_control = var.replication_time_control
}

locals {
  buckets = {
    (local.primary_region) = module.primary
    (local.dr_region)      = module.dr
  }

  # platform.toml's [terraform.backend], regions in var.regions' order.
  platform_toml = <<-EOT
    [terraform.backend]
    key_prefix = "${var.key_prefix}"
    region = "${local.backend_region}"
    buckets = { ${join(", ", [for region in [local.primary_region, local.dr_region] : "${region} = \"${local.bucket_names[region]}\""])} }
  EOT
}
