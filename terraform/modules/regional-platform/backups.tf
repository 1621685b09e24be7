# Cross-region backups, created by the primary region only: a vault here, a plan (daily + weekly rules) whose
# recovery points are copied to a vault in the DR region (aws.dr), selection by tag (the Aurora cluster carries
# backup_selection_tags, see rds.tf), and a weekly restore test of the latest Aurora recovery point.
# Tag-based selection only backs up resource types opted in to AWS Backup in the region (Aurora is not by default).

module "backups" {
  source = "../backups"
  count  = var.is_dr ? 0 : 1

  providers = {
    aws             = aws
    aws.destination = aws.dr
  }

  name                  = var.name
  selection_tags        = local.backup_selection_tags
  daily_retention_days  = var.backup_daily_retention_days
  weekly_retention_days = var.backup_weekly_retention_days
  vault_lock            = var.backup_vault_lock

  tags = var.tags
}
