variable "name" {
  description = "Name prefix of every resource. Lowercase letters, digits and hyphens; starts with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "plan_enabled" {
  description = "Run the backups here: the plan (daily + weekly rules copying to the other region's vault), its tag selection, the restore-testing plan and its validation. Only the region holding the database writer runs them; false keeps the vaults, keys and IAM roles, so turning it on or off makes no IAM change."
  type        = bool
  default     = true
  nullable    = false
}

variable "existing_vaults" {
  description = <<-EOT
    The DR region's stack: use the vaults the primary stack's instance of this module (same name) created, and create
    none. vault_arn: the DR vault "<name>-dr" in this region (the rules write there, restore tests draw from there);
    destination_vault_arn: the primary vault "<name>" (the rules copy back there). The backup role may use their keys
    by the aliases the creating instance gives them (alias/<name>-backup, alias/<name>-backup-dr). null: this
    instance creates both vaults and their keys (the primary region's stack).
  EOT
  type = object({
    vault_arn             = string
    destination_vault_arn = string
  })
  default = null

  validation {
    condition = var.existing_vaults == null || try(
      can(regex("^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]+$", var.existing_vaults.vault_arn)) &&
      can(regex("^arn:aws[a-z-]*:backup:[a-z0-9-]+:[0-9]{12}:backup-vault:[A-Za-z0-9_.-]+$", var.existing_vaults.destination_vault_arn)) &&
      split(":", var.existing_vaults.vault_arn)[3] != split(":", var.existing_vaults.destination_vault_arn)[3],
      false
    )
    error_message = "existing_vaults.vault_arn and destination_vault_arn must be backup vault ARNs (arn:aws:backup:<region>:<account>:backup-vault:<name>) in two different regions."
  }

  validation {
    condition     = var.existing_vaults == null || (var.vault_lock == null && var.kms_key_arn == null && var.destination_kms_key_arn == null && var.notification_topic_arn == null)
    error_message = "With existing_vaults, leave vault_lock, kms_key_arn, destination_kms_key_arn and notification_topic_arn null: the vaults' lock, keys and notifications belong to the instance that created them."
  }
}

variable "selection_tags" {
  description = "Resources carrying ALL of these tags are backed up (e.g. the Aurora cluster, DynamoDB tables). Put the same tags on the resources (rds module: var.tags)."
  type        = map(string)
  default     = { backup = "platform" }

  validation {
    condition     = length(var.selection_tags) > 0
    error_message = "selection_tags must hold at least one tag: an empty selection would back up nothing."
  }
}

variable "daily_schedule" {
  description = "Schedule (cron, UTC unless schedule_timezone) of the daily rule."
  type        = string
  default     = "cron(0 3 * * ? *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.daily_schedule))
    error_message = "daily_schedule must be a cron(...) expression."
  }
}

variable "weekly_schedule" {
  description = "Schedule (cron) of the weekly rule."
  type        = string
  default     = "cron(0 4 ? * SUN *)"

  validation {
    condition     = can(regex("^cron\\(.+\\)$", var.weekly_schedule))
    error_message = "weekly_schedule must be a cron(...) expression."
  }
}

variable "schedule_timezone" {
  description = "IANA time zone of the schedules."
  type        = string
  default     = "Etc/UTC"
}

variable "daily_retention_days" {
  description = "Days the daily recovery points are kept in the primary vault."
  type        = number
  default     = 35

  validation {
    condition     = var.daily_retention_days >= 1 && var.daily_retention_days <= 36500 && floor(var.daily_retention_days) == var.daily_retention_days
    error_message = "daily_retention_days must be a whole number between 1 and 36500."
  }
}

variable "weekly_retention_days" {
  description = "Days the weekly recovery points are kept in the primary vault."
  type        = number
  default     = 90

  validation {
    condition     = var.weekly_retention_days >= 1 && var.weekly_retention_days <= 36500 && floor(var.weekly_retention_days) == var.weekly_retention_days
    error_message = "weekly_retention_days must be a whole number between 1 and 36500."
  }
}

variable "daily_copy_retention_days" {
  description = "Days the DR-region copies of the daily recovery points are kept (null = daily_retention_days)."
  type        = number
  default     = null

  validation {
    condition     = var.daily_copy_retention_days == null || try(var.daily_copy_retention_days >= 1 && var.daily_copy_retention_days <= 36500, false)
    error_message = "daily_copy_retention_days must be between 1 and 36500."
  }
}

variable "weekly_copy_retention_days" {
  description = "Days the DR-region copies of the weekly recovery points are kept (null = weekly_retention_days)."
  type        = number
  default     = null

  validation {
    condition     = var.weekly_copy_retention_days == null || try(var.weekly_copy_retention_days >= 1 && var.weekly_copy_retention_days <= 36500, false)
    error_message = "weekly_copy_retention_days must be between 1 and 36500."
  }
}

variable "start_window_minutes" {
  description = "Minutes after the scheduled time within which a job must start."
  type        = number
  default     = 60

  validation {
    condition     = var.start_window_minutes >= 60
    error_message = "start_window_minutes must be at least 60."
  }
}

variable "completion_window_minutes" {
  description = "Minutes within which a started job must finish."
  type        = number
  default     = 480

  validation {
    condition     = var.completion_window_minutes >= var.start_window_minutes + 60
    error_message = "completion_window_minutes must be at least start_window_minutes + 60."
  }
}

variable "vault_lock" {
  description = <<-EOT
    Optional AWS Backup Vault Lock on both vaults. min/max_retention_days bound every recovery point's retention.
    changeable_for_days = null: governance mode (removable by privileged users); a number (>= 3): compliance mode,
    immutable once that grace period ends (WORM; not even the root user can shorten retention).
  EOT
  type = object({
    min_retention_days  = number
    max_retention_days  = number
    changeable_for_days = optional(number)
  })
  default = null

  validation {
    condition = var.vault_lock == null || try(
      var.vault_lock.min_retention_days >= 1 &&
      var.vault_lock.max_retention_days <= 36500 &&
      var.vault_lock.min_retention_days <= var.vault_lock.max_retention_days &&
      coalesce(var.vault_lock.changeable_for_days, 3) >= 3,
      false
    )
    error_message = "vault_lock needs 1 <= min_retention_days <= max_retention_days <= 36500 and changeable_for_days null or >= 3."
  }

  validation {
    condition = var.vault_lock == null || try(
      var.vault_lock.min_retention_days <= min(var.daily_retention_days, var.weekly_retention_days, coalesce(var.daily_copy_retention_days, var.daily_retention_days), coalesce(var.weekly_copy_retention_days, var.weekly_retention_days)) &&
      var.vault_lock.max_retention_days >= max(var.daily_retention_days, var.weekly_retention_days, coalesce(var.daily_copy_retention_days, var.daily_retention_days), coalesce(var.weekly_copy_retention_days, var.weekly_retention_days)),
      false
    )
    error_message = "vault_lock min/max_retention_days must include every rule's and copy's retention, or the vault would reject the recovery points."
  }
}

variable "restore_testing" {
  description = "Restore-testing plan (where the plan runs): AWS Backup periodically restores the latest recovery point of the selected resource types from this region's vault, keeps it validation_window_hours for validation (restore_validation) and deletes it. null turns it off."
  type = object({
    schedule                   = optional(string, "cron(0 6 ? * MON *)")
    start_window_hours         = optional(number, 24)
    selection_window_days      = optional(number, 7)
    resource_types             = optional(list(string), ["Aurora"])
    validation_window_hours    = optional(number, 4)
    restore_metadata_overrides = optional(map(string), {})
  })
  default = {}

  validation {
    condition = var.restore_testing == null || try(
      can(regex("^cron\\(.+\\)$", var.restore_testing.schedule)) &&
      var.restore_testing.start_window_hours >= 1 && var.restore_testing.start_window_hours <= 168 &&
      var.restore_testing.selection_window_days >= 1 && var.restore_testing.selection_window_days <= 365 &&
      var.restore_testing.validation_window_hours >= 1 && var.restore_testing.validation_window_hours <= 168 &&
      length(var.restore_testing.resource_types) > 0 &&
      alltrue([for t in var.restore_testing.resource_types : contains(["Aurora", "DocumentDB", "DynamoDB", "EBS", "EC2", "EFS", "FSx", "Neptune", "RDS", "S3"], t)]),
      false
    )
    error_message = "restore_testing: schedule must be cron(...), start_window_hours and validation_window_hours 1-168, selection_window_days 1-365, resource_types non-empty among Aurora, DocumentDB, DynamoDB, EBS, EC2, EFS, FSx, Neptune, RDS, S3."
  }
}

variable "restore_validation" {
  description = <<-EOT
    Validate every restore test of an Aurora recovery point (with restore_testing, where the plan runs): EventBridge
    starts a Step Functions state machine when a restore job of the restore-testing plan completes; it checks that
    the restored cluster is storage-encrypted and becomes available, and reports SUCCESSFUL or FAILED to AWS Backup
    (PutRestoreValidationResult) within the validation window. log_kms_key_arn: a KMS key of this region whose policy
    lets CloudWatch Logs use it (the execution log group); log_retention_days: that group's retention. null: no
    validation (restore tests then only restore and delete).
  EOT
  type = object({
    log_kms_key_arn    = string
    log_retention_days = optional(number, 365)
  })
  default = null

  validation {
    condition = var.restore_validation == null || try(
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.restore_validation.log_kms_key_arn)) &&
      contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.restore_validation.log_retention_days),
      false
    )
    error_message = "restore_validation.log_kms_key_arn must be a KMS key ARN and log_retention_days a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "notification_topic_arn" {
  description = "Optional SNS topic for failed backup, copy and restore jobs of the primary vault."
  type        = string
  default     = null

  validation {
    condition     = var.notification_topic_arn == null || can(regex("^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:.+$", coalesce(var.notification_topic_arn, "x")))
    error_message = "notification_topic_arn must be an SNS topic ARN."
  }
}

variable "kms_key_arn" {
  description = "KMS key (this region) of the primary vault. null = the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "destination_kms_key_arn" {
  description = "KMS key in the DR region (aws.destination) of the DR vault. null = the module creates one there."
  type        = string
  default     = null

  validation {
    condition     = var.destination_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.destination_kms_key_arn, "x")))
    error_message = "destination_kms_key_arn must be a KMS key ARN."
  }
}

variable "force_destroy" {
  description = "Let terraform destroy vaults that still hold recovery points (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
