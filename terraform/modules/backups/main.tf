# AWS Backup for the platform. One instance per regional stack, both with the same name:
#   primary stack (existing_vaults = null): creates both vaults, so the DR stack does not have to exist first
#     primary vault (KMS) <- plan (daily + weekly rules, selection by tag) -- copy_action --> DR vault (KMS, DR region)
#   DR stack (existing_vaults set): creates no vault; after a failover its plan writes to the DR vault and copies back
#     DR vault <- plan -- copy_action --> primary vault
# Only the region holding the database writer runs a plan (plan_enabled): the plan, its selection, the restore-testing
# plan and its validation. Vaults, keys and IAM roles stay either way, so moving the plan makes no IAM change (IAM's
# control plane lives in us-east-1, which may be the region a failover leaves).
# Plus optional Vault Lock on both vaults.

data "aws_partition" "current" {}

locals {
  create_vaults = var.existing_vaults == null

  kms_key_arn             = !local.create_vaults ? null : var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.primary[0].arn
  destination_kms_key_arn = !local.create_vaults ? null : var.destination_kms_key_arn != null ? var.destination_kms_key_arn : aws_kms_key.destination[0].arn

  # The vault the rules write to (this region) and the one they copy to (the other region).
  vault_arn             = local.create_vaults ? aws_backup_vault.primary[0].arn : var.existing_vaults.vault_arn
  vault_name            = local.create_vaults ? aws_backup_vault.primary[0].name : element(split(":", var.existing_vaults.vault_arn), 6)
  destination_vault_arn = local.create_vaults ? aws_backup_vault.destination[0].arn : var.existing_vaults.destination_vault_arn

  # arn:<partition>:backup:<region>:<account>:backup-vault:<name>: no API call, plans stay offline.
  region     = element(split(":", local.vault_arn), 3)
  account_id = element(split(":", local.vault_arn), 4)

  # The aliases the creating instance gives the vault keys: how the DR stack's instance names keys it did not create.
  vault_key_aliases = ["alias/${var.name}-backup", "alias/${var.name}-backup-dr"]

  daily_copy_retention_days  = coalesce(var.daily_copy_retention_days, var.daily_retention_days)
  weekly_copy_retention_days = coalesce(var.weekly_copy_retention_days, var.weekly_retention_days)

  rules = {
    daily = {
      schedule       = var.daily_schedule
      retention      = var.daily_retention_days
      copy_retention = local.daily_copy_retention_days
    }
    weekly = {
      schedule       = var.weekly_schedule
      retention      = var.weekly_retention_days
      copy_retention = local.weekly_copy_retention_days
    }
  }
}

# --- keys ----------------------------------------------------------------------------------------------------------

resource "aws_kms_key" "primary" {
  count = local.create_vaults && var.kms_key_arn == null ? 1 : 0

  #checkov:skip=CKV2_AWS_64:default key policy (the account administers it); AWS Backup uses it through the backup role's IAM permissions
  description             = "AWS Backup vault ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "primary" {
  count = local.create_vaults && var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name}-backup"
  target_key_id = aws_kms_key.primary[0].key_id
}

resource "aws_kms_key" "destination" {
  count    = local.create_vaults && var.destination_kms_key_arn == null ? 1 : 0
  provider = aws.destination

  #checkov:skip=CKV2_AWS_64:default key policy (the account administers it); AWS Backup uses it through the backup role's IAM permissions
  description             = "AWS Backup DR vault ${var.name}-dr"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "destination" {
  count    = local.create_vaults && var.destination_kms_key_arn == null ? 1 : 0
  provider = aws.destination

  name          = "alias/${var.name}-backup-dr"
  target_key_id = aws_kms_key.destination[0].key_id
}

# --- vaults --------------------------------------------------------------------------------------------------------

resource "aws_backup_vault" "primary" {
  count = local.create_vaults ? 1 : 0

  name          = var.name
  kms_key_arn   = local.kms_key_arn
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_backup_vault" "destination" {
  count    = local.create_vaults ? 1 : 0
  provider = aws.destination

  name          = "${var.name}-dr"
  kms_key_arn   = local.destination_kms_key_arn
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_backup_vault_lock_configuration" "primary" {
  count = local.create_vaults && var.vault_lock != null ? 1 : 0

  backup_vault_name   = aws_backup_vault.primary[0].name
  min_retention_days  = var.vault_lock.min_retention_days
  max_retention_days  = var.vault_lock.max_retention_days
  changeable_for_days = var.vault_lock.changeable_for_days
}

resource "aws_backup_vault_lock_configuration" "destination" {
  count    = local.create_vaults && var.vault_lock != null ? 1 : 0
  provider = aws.destination

  backup_vault_name   = aws_backup_vault.destination[0].name
  min_retention_days  = var.vault_lock.min_retention_days
  max_retention_days  = var.vault_lock.max_retention_days
  changeable_for_days = var.vault_lock.changeable_for_days
}

resource "aws_backup_vault_notifications" "primary" {
  count = local.create_vaults && var.notification_topic_arn != null ? 1 : 0

  backup_vault_name = aws_backup_vault.primary[0].name
  sns_topic_arn     = var.notification_topic_arn
  backup_vault_events = [
    "BACKUP_JOB_FAILED",
    "BACKUP_JOB_EXPIRED",
    "COPY_JOB_FAILED",
    "RESTORE_JOB_FAILED",
    "S3_BACKUP_OBJECT_FAILED",
  ]
}

# --- plan and selection --------------------------------------------------------------------------------------------

resource "aws_backup_plan" "this" {
  count = var.plan_enabled ? 1 : 0

  name = var.name

  dynamic "rule" {
    for_each = local.rules
    content {
      rule_name                    = rule.key
      target_vault_name            = local.vault_name
      schedule                     = rule.value.schedule
      schedule_expression_timezone = var.schedule_timezone
      start_window                 = var.start_window_minutes
      completion_window            = var.completion_window_minutes
      recovery_point_tags          = merge(var.tags, { backup-rule = rule.key })

      lifecycle {
        delete_after                              = rule.value.retention
        opt_in_to_archive_for_supported_resources = false
      }

      # Cross-region copy to the other region's vault: a regional disaster leaves restorable, encrypted copies there.
      copy_action {
        destination_vault_arn = local.destination_vault_arn

        lifecycle {
          delete_after                              = rule.value.copy_retention
          opt_in_to_archive_for_supported_resources = false
        }
      }
    }
  }

  tags = var.tags

  # A locked vault rejects recovery points outside its retention bounds: lock first, then schedule.
  depends_on = [aws_backup_vault_lock_configuration.primary, aws_backup_vault_lock_configuration.destination]
}

resource "aws_backup_selection" "by_tag" {
  count = var.plan_enabled ? 1 : 0

  name         = "${var.name}-tagged"
  plan_id      = aws_backup_plan.this[0].id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = ["*"]

  condition {
    dynamic "string_equals" {
      for_each = var.selection_tags
      content {
        key   = "aws:ResourceTag/${string_equals.key}"
        value = string_equals.value
      }
    }
  }
}

# --- restore testing -----------------------------------------------------------------------------------------------

# Where the plan runs: restore tests draw from this region's vault, where its fresh recovery points land.
resource "aws_backup_restore_testing_plan" "this" {
  count = var.plan_enabled && var.restore_testing != null ? 1 : 0

  # Restore testing plan names allow letters, digits and underscores only.
  name                         = "${replace(var.name, "-", "_")}_restore_test"
  schedule_expression          = var.restore_testing.schedule
  schedule_expression_timezone = var.schedule_timezone
  start_window_hours           = var.restore_testing.start_window_hours

  recovery_point_selection {
    algorithm             = "LATEST_WITHIN_WINDOW"
    include_vaults        = [local.vault_arn]
    recovery_point_types  = ["SNAPSHOT"]
    selection_window_days = var.restore_testing.selection_window_days
  }

  tags = var.tags
}

resource "aws_backup_restore_testing_selection" "this" {
  for_each = var.plan_enabled && var.restore_testing != null ? toset(var.restore_testing.resource_types) : toset([])

  name                      = "${lower(each.value)}_tagged"
  restore_testing_plan_name = aws_backup_restore_testing_plan.this[0].name
  protected_resource_type   = each.value
  iam_role_arn              = aws_iam_role.backup.arn
  validation_window_hours   = var.restore_testing.validation_window_hours

  restore_metadata_overrides = var.restore_testing.restore_metadata_overrides

  protected_resource_conditions {
    dynamic "string_equals" {
      for_each = var.selection_tags
      content {
        key   = "aws:ResourceTag/${string_equals.key}"
        value = string_equals.value
      }
    }
  }
}

# --- role ----------------------------------------------------------------------------------------------------------

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name_prefix        = "${substr(var.name, 0, 24)}-backup-"
  description        = "AWS Backup: back up, copy and restore-test resources tagged for ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "backup" {
  for_each = toset([
    "AWSBackupServiceRolePolicyForBackup",
    "AWSBackupServiceRolePolicyForRestores",
  ])

  role       = aws_iam_role.backup.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/${each.value}"
}

# The vault keys are customer managed: the role needs them for encrypted recovery points and the cross-region copies.
# The DR stack's instance did not create them: it names them by the aliases the creating instance gave them.
data "aws_iam_policy_document" "backup_kms" {
  dynamic "statement" {
    for_each = local.create_vaults ? ["VaultKeys"] : []
    content {
      sid = statement.value
      actions = [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
        "kms:DescribeKey",
        "kms:CreateGrant",
      ]
      resources = [local.kms_key_arn, local.destination_kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = local.create_vaults ? [] : ["VaultKeysByAlias"]
    content {
      sid = statement.value
      actions = [
        "kms:Decrypt",
        "kms:Encrypt",
        "kms:GenerateDataKey*",
        "kms:ReEncrypt*",
        "kms:DescribeKey",
        "kms:CreateGrant",
      ]
      resources = ["arn:${data.aws_partition.current.partition}:kms:*:${local.account_id}:key/*"]

      condition {
        test     = "ForAnyValue:StringEquals"
        variable = "kms:ResourceAliases"
        values   = local.vault_key_aliases
      }
    }
  }
}

resource "aws_iam_role_policy" "backup_kms" {
  name   = "vault-keys"
  role   = aws_iam_role.backup.id
  policy = data.aws_iam_policy_document.backup_kms.json
}

# --- addresses before the vaults and the plan became optional ------------------------------------------------------

moved {
  from = aws_backup_vault.primary
  to   = aws_backup_vault.primary[0]
}

moved {
  from = aws_backup_vault.destination
  to   = aws_backup_vault.destination[0]
}

moved {
  from = aws_backup_plan.this
  to   = aws_backup_plan.this[0]
}

moved {
  from = aws_backup_selection.by_tag
  to   = aws_backup_selection.by_tag[0]
}
