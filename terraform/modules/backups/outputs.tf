output "vault_name" {
  description = "Name of the primary-region vault."
  value       = aws_backup_vault.primary.name
}

output "vault_arn" {
  description = "ARN of the primary-region vault."
  value       = aws_backup_vault.primary.arn
}

output "destination_vault_name" {
  description = "Name of the DR-region vault that receives the copies."
  value       = aws_backup_vault.destination.name
}

output "destination_vault_arn" {
  description = "ARN of the DR-region vault that receives the copies."
  value       = aws_backup_vault.destination.arn
}

output "plan_id" {
  description = "Id of the backup plan."
  value       = aws_backup_plan.this.id
}

output "plan_arn" {
  description = "ARN of the backup plan."
  value       = aws_backup_plan.this.arn
}

output "role_arn" {
  description = "IAM role AWS Backup uses for backups, copies and restore tests."
  value       = aws_iam_role.backup.arn
}

output "selection_tags" {
  description = "Tags a resource needs to be backed up (pass them to the rds module's tags)."
  value       = var.selection_tags
}

output "kms_key_arn" {
  description = "KMS key of the primary vault."
  value       = local.kms_key_arn
}

output "destination_kms_key_arn" {
  description = "KMS key of the DR vault (in the DR region)."
  value       = local.destination_kms_key_arn
}

output "restore_testing_plan_name" {
  description = "Name of the restore-testing plan (null when restore_testing = null)."
  value       = var.restore_testing == null ? null : aws_backup_restore_testing_plan.this[0].name
}
