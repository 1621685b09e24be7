variable "offline" {
  description = "Plan without AWS access (fake credentials, no account lookups)."
  type        = bool
  default     = false
}

variable "project" {
  description = "Project name: the bucket is <project>-tfstate-<account_id> unless bucket_name is set."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.project))
    error_message = "project must be 3-22 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account id (bucket name, KMS key policy). aws_caller_identity is not usable offline."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "region" {
  description = "Region of the state bucket (platform-deploy passes it as the backend region of every stack)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "bucket_name" {
  description = "Name of the state bucket. Null uses <project>-tfstate-<account_id>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name == null || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", coalesce(var.bucket_name, "-")))
    error_message = "bucket_name must be a valid S3 bucket name without dots (3-63 lower-case letters, digits, '-')."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days old state versions are kept (recovery from a bad apply)."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before the state key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "default_tags" {
  description = "Tags applied by the provider to every resource."
  type        = map(string)
  default = {
    Project   = "platform"
    Stack     = "bootstrap"
    ManagedBy = "terraform"
  }
}
