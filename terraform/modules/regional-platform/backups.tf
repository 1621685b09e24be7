# Cross-region backups, run where the Aurora writer is (local.writer, traffic.tf): a plan (daily + weekly rules) whose
# recovery points are copied to the other region's vault, selection by tag (the Aurora cluster carries
# backup_selection_tags, see rds.tf), a weekly restore test of the latest Aurora recovery point from the plan's own
# vault, and its validation (the restored cluster must be encrypted and become available).
#
#   primary stack   creates both vaults (its own "<name>", and "<name>-dr" in the DR region through aws.dr, so the DR
#                   stack does not have to exist first); runs the plan unless the DR region is "active" (traffic.tf)
#   DR stack        uses those vaults; runs the plan while its traffic role is "active", writing to "<name>-dr" and
#                   copying back to "<name>" in primary_region; it needs nothing from the primary region to do so
#
# The backup and validation IAM roles exist in both stacks from the start: a failover then creates only regional
# Backup, Step Functions and EventBridge resources, and no IAM (whose control plane lives in us-east-1).
# Tag-based selection only backs up resource types opted in to AWS Backup in the region (Aurora is not by default):
# opt in to Aurora in both regions.

locals {
  # The vaults the primary stack's instance of the module creates: "<name>" in the primary region, "<name>-dr" in DR.
  backup_existing_vaults = var.is_dr ? {
    vault_arn             = "arn:${data.aws_partition.current.partition}:backup:${local.region}:${local.account_id}:backup-vault:${var.name}-dr"
    destination_vault_arn = "arn:${data.aws_partition.current.partition}:backup:${coalesce(var.primary_region, "none")}:${local.account_id}:backup-vault:${var.name}"
  } : null
}

module "backups" {
  source = "../backups"

  providers = {
    aws             = aws
    aws.destination = aws.dr
  }

  name            = var.name
  plan_enabled    = local.writer
  existing_vaults = local.backup_existing_vaults

  selection_tags        = local.backup_selection_tags
  daily_retention_days  = var.backup_daily_retention_days
  weekly_retention_days = var.backup_weekly_retention_days
  vault_lock            = var.backup_vault_lock

  restore_validation = {
    log_kms_key_arn    = local.logs_kms_key_arn
    log_retention_days = var.log_retention_days
  }

  tags = var.tags
}

# Before the DR stack had an instance of the module, the primary's was module.backups[0].
moved {
  from = module.backups[0]
  to   = module.backups
}
