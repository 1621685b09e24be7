output "secret_arns" {
  description = "Map of secret key to secret ARN (feed these to the ECS module's secrets maps)."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.arn }
}

output "secret_names" {
  description = "Map of secret key to full secret name."
  value       = { for k, s in aws_secretsmanager_secret.this : k => s.name }
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the secrets (available once its policy is attached)."
  value       = aws_kms_key.this.arn
  depends_on  = [aws_kms_key_policy.this]
}

output "kms_key_id" {
  description = "ID of the KMS key that encrypts the secrets."
  value       = aws_kms_key.this.key_id
}

output "kms_alias_name" {
  description = "Alias of the KMS key."
  value       = aws_kms_alias.this.name
}
