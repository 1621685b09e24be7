output "bucket_name" {
  description = "Name of the state bucket."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = local.bucket_arn
}

output "versioned_bucket_arn" {
  description = "ARN of the state bucket, known once its versioning is enabled (what a replication configuration towards it needs)."
  value       = local.bucket_arn
  depends_on  = [aws_s3_bucket_versioning.state]
}

output "kms_key_arn" {
  description = "KMS key encrypting the bucket (and the replicas written into it)."
  value       = aws_kms_key.state.arn
}

output "replication_role_arn" {
  description = "IAM role S3 replicates this bucket to the replica bucket as."
  value       = aws_iam_role.replication.arn
}

output "replication_rule" {
  description = "The bucket's replication rule (towards the replica bucket)."
  value       = one(aws_s3_bucket_replication_configuration.state.rule)
}
