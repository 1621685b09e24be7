output "state_buckets" {
  description = "State bucket per region (platform.toml [terraform.backend] buckets)."
  value       = { for region, bucket in local.buckets : region => bucket.bucket_name }
}

output "state_bucket_arns" {
  description = "State bucket ARN per region."
  value       = { for region, bucket in local.buckets : region => bucket.bucket_arn }
}

output "kms_key_arns" {
  description = "KMS key encrypting each region's state bucket, per region (the pipeline roles need every one they read state through)."
  value       = { for region, bucket in local.buckets : region => bucket.kms_key_arn }
}

output "replication_role_arns" {
  description = "IAM role S3 replicates each region's bucket to the other as, per source region."
  value       = { for region, bucket in local.buckets : region => bucket.replication_role_arn }
}

output "backend_region" {
  description = "Region whose bucket holds the state of stacks without a region (platform.toml [terraform.backend] region)."
  value       = local.backend_region
}

output "backend_config" {
  description = "Settings for `terraform init -backend-config=...` per region (key is per stack). Locking is S3-native: no DynamoDB table."
  value = {
    for region, bucket in local.buckets : region => {
      bucket       = bucket.bucket_name
      region       = region
      encrypt      = true
      kms_key_id   = bucket.kms_key_arn
      use_lockfile = true
    }
  }
}

output "platform_toml" {
  description = "The [terraform.backend] block of platform.toml for these buckets (terraform output -raw platform_toml)."
  value       = local.platform_toml
}
