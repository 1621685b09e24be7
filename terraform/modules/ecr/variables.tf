variable "repository_names" {
  description = "Full names of the application repositories, e.g. [\"platform/api\"]. Each must start with replication_prefix to be replicated."
  type        = list(string)

  validation {
    condition     = length(var.repository_names) > 0
    error_message = "repository_names must hold at least one repository."
  }

  validation {
    condition     = alltrue([for n in var.repository_names : can(regex("^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$", n)) && length(n) >= 2 && length(n) <= 256])
    error_message = "Repository names must be 2-256 lower-case characters, segments separated by '/', words by '.', '_' or '-'."
  }

  validation {
    condition     = length(distinct(var.repository_names)) == length(var.repository_names)
    error_message = "repository_names must not repeat a name."
  }
}

variable "account_id" {
  description = "AWS account id of the registry (replication destinations and the KMS key policy need it; aws_caller_identity is not usable offline)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "replication_regions" {
  description = "Regions (DR) that receive a copy of every repository matching replication_prefix. Empty disables replication."
  type        = list(string)
  default     = ["eu-west-1"]

  validation {
    condition     = alltrue([for r in var.replication_regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", r))])
    error_message = "replication_regions must be AWS region names such as eu-west-1."
  }

  validation {
    condition     = length(distinct(var.replication_regions)) == length(var.replication_regions) && length(var.replication_regions) <= 25
    error_message = "replication_regions must not repeat a region (and a rule holds at most 25 destinations)."
  }
}

variable "manage_replication_configuration" {
  description = "Create the registry replication configuration. There is ONE per registry and region: turn off when another stack owns it."
  type        = bool
  default     = true
}

variable "replication_prefix" {
  description = "Repository filter of the replication rule (PREFIX_MATCH): normally the project prefix."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/-]{1,255}$", var.replication_prefix))
    error_message = "replication_prefix must be 2-256 lower-case characters (letters, digits, '.', '_', '-', '/')."
  }
}

variable "kms_key_arn" {
  description = "KMS key encrypting the repositories. Null creates a dedicated key with rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the created KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "keep_image_count" {
  description = "Images kept per repository by the lifecycle policy (the oldest beyond it expire); keep enough for rollbacks."
  type        = number
  default     = 50

  validation {
    condition     = var.keep_image_count >= 1 && var.keep_image_count <= 10000 && floor(var.keep_image_count) == var.keep_image_count
    error_message = "keep_image_count must be a whole number between 1 and 10000."
  }
}

variable "untagged_expiry_days" {
  description = "Days after which untagged images (superseded layers of multi-arch pushes, failed builds) expire."
  type        = number
  default     = 7

  validation {
    condition     = var.untagged_expiry_days >= 1 && var.untagged_expiry_days <= 3650 && floor(var.untagged_expiry_days) == var.untagged_expiry_days
    error_message = "untagged_expiry_days must be a whole number between 1 and 3650."
  }
}

variable "force_delete" {
  description = "Allow destroying repositories that still hold images."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
