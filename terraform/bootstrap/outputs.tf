output "state_bucket_name" {
  description = "Name of the state bucket (platform.toml [terraform.backend] bucket; global stack state_bucket_name)."
  value       = aws_s3_bucket.state.bucket
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "kms_key_arn" {
  description = "KMS key encrypting the state (global stack state_kms_key_arn)."
  value       = aws_kms_key.state.arn
}

output "region" {
  description = "Region of the state bucket."
  value       = var.region
}

output "backend_config" {
  description = "Settings for `terraform init -backend-config=...` of every stack (key is per stack). Locking is S3-native: no DynamoDB table."
  value = {
    bucket       = aws_s3_bucket.state.bucket
    region       = var.region
    encrypt      = true
    kms_key_id   = aws_kms_key.state.arn
    use_lockfile = true
  }
}
