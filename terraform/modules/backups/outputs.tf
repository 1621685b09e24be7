output "vault_name" {
  description = "Name of the vault in this region the rules write to: the primary vault (primary stack) or the DR vault (existing_vaults)."
  value       = local.vault_name
}

output "vault_arn" {
  description = "ARN of the vault in this region the rules write to."
  value       = local.vault_arn
}

output "destination_vault_name" {
  description = "Name of the other region's vault that receives the copies."
  value       = local.create_vaults ? aws_backup_vault.destination[0].name : element(split(":", var.existing_vaults.destination_vault_arn), 6)
}

output "destination_vault_arn" {
  description = "ARN of the other region's vault that receives the copies."
  value       = local.destination_vault_arn
}

output "plan_id" {
  description = "Id of the backup plan (null where plan_enabled = false)."
  value       = one(aws_backup_plan.this[*].id)
}

output "plan_arn" {
  description = "ARN of the backup plan (null where plan_enabled = false)."
  value       = one(aws_backup_plan.this[*].arn)
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
  description = "KMS key of the primary vault (null with existing_vaults)."
  value       = local.kms_key_arn
}

output "destination_kms_key_arn" {
  description = "KMS key of the DR vault, in the DR region (null with existing_vaults)."
  value       = local.destination_kms_key_arn
}

output "restore_testing_plan_name" {
  description = "Name of the restore-testing plan (null when restore_testing = null or plan_enabled = false)."
  value       = one(aws_backup_restore_testing_plan.this[*].name)
}

output "restore_validation_state_machine_arn" {
  description = "State machine that validates the restore tests (null without restore_validation or where plan_enabled = false)."
  value       = one(aws_sfn_state_machine.restore_validation[*].arn)
}

output "plan_rules" {
  description = "Per rule of the plan: the vault it writes to (vault) and the vault it copies to (copy_to). Empty where plan_enabled = false."
  value = length(aws_backup_plan.this) == 0 ? {} : {
    for r in aws_backup_plan.this[0].rule : r.rule_name => {
      vault   = r.target_vault_name
      copy_to = one(r.copy_action).destination_vault_arn
    }
  }
}

output "restore_testing" {
  description = "The restore-testing plan where the plan runs: its name, the vaults it draws from, the resource types it restores and whether its restore tests are validated (restore_validation). null where plan_enabled = false or restore_testing = null."
  value = length(aws_backup_restore_testing_plan.this) == 0 ? null : {
    plan_name      = aws_backup_restore_testing_plan.this[0].name
    vault_arns     = one(aws_backup_restore_testing_plan.this[0].recovery_point_selection).include_vaults
    resource_types = keys(aws_backup_restore_testing_selection.this)
    validated      = length(aws_sfn_state_machine.restore_validation) == 1
  }
}
