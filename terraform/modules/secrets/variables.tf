variable "name" {
  description = "Path prefix of the secret names (secrets are named \"<name>/<key>\") and name of the KMS key alias."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.name))
    error_message = "name must start with a letter and hold at most 32 lowercase letters, digits or hyphens."
  }
}

variable "secrets" {
  description = <<-EOT
    Secrets to create in this region, keyed by name suffix (e.g. "api/APP_SECRET_KEY"). Values are written out
    of band (console, CLI, rotation), never by Terraform.
  EOT
  type = map(object({
    description = optional(string, "")
  }))
  default = {}

  validation {
    condition     = alltrue([for k in keys(var.secrets) : can(regex("^[A-Za-z0-9][A-Za-z0-9/_+=.@-]{0,255}$", k))])
    error_message = "secret keys may hold only letters, digits and /_+=.@- characters."
  }
}

variable "readers" {
  description = <<-EOT
    Secret key => IAM role ARNs allowed to read it (the ECS task execution roles that inject it). Everyone else,
    administrators included, is denied GetSecretValue. Separate from secrets so the roles may be created after
    the secrets (their task definitions need the secret ARNs).
  EOT
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for k in keys(var.secrets) : length(lookup(var.readers, k, [])) > 0]) && alltrue([for k in keys(var.readers) : contains(keys(var.secrets), k)])
    error_message = "every secret needs at least one reader role, and readers may only name secrets of this module."
  }

  validation {
    condition     = alltrue(flatten([for arns in values(var.readers) : [for a in arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/", a))]]))
    error_message = "readers must be IAM role ARNs."
  }
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored: 0 (delete at once) or 7 to 30."
  type        = number
  default     = 30

  validation {
    condition     = var.recovery_window_in_days == 0 || (var.recovery_window_in_days >= 7 && var.recovery_window_in_days <= 30)
    error_message = "recovery_window_in_days must be 0 or between 7 and 30."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the KMS key is deleted, 7 to 30 days."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
