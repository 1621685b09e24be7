variable "offline" {
  description = "Plan without AWS access (fake credentials, no account lookups)."
  type        = bool
  default     = false
}

variable "project" {
  description = "Project name: the buckets are <project>-tfstate-<account_id>-<region> unless bucket_name_prefix is set."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.project))
    error_message = "project must be 3-22 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account id (bucket names, KMS key policies). aws_caller_identity is not usable offline."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "regions" {
  description = "The state regions: the primary region first, the DR region second. One bucket in each, replicated to the other."
  type        = list(string)
  default     = ["us-east-1", "eu-west-1"]

  validation {
    condition     = length(var.regions) == 2 && length(distinct(var.regions)) == 2
    error_message = "regions must name exactly two different regions, the primary first and the DR region second: this configuration declares one AWS provider per region (aws.primary and aws.dr in providers.tf), and Terraform cannot make providers from a variable. A third region needs a provider block in providers.tf and a module call replicating to and from it in main.tf."
  }

  validation {
    condition     = alltrue([for region in var.regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", region))])
    error_message = "regions must be AWS region names such as us-east-1."
  }
}

variable "backend_region" {
  description = "Region whose bucket holds the state of stacks without a region of their own (the global stack): platform.toml [terraform.backend] region. Null uses the DR region, so that the global stack (DNS and CDN failover) can still be applied while the primary region is down."
  type        = string
  default     = null

  validation {
    condition     = var.backend_region == null || contains(var.regions, coalesce(var.backend_region, "-"))
    error_message = "backend_region must be one of regions (it needs a state bucket)."
  }
}

variable "key_prefix" {
  description = "platform.toml [terraform.backend] key_prefix: each stack's state is <key_prefix>/<stack>.tfstate."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()/-]*$", var.key_prefix))
    error_message = "key_prefix must be S3 key characters that need no quoting (letters, digits, ! _ . * ' ( ) / -)."
  }
}

variable "bucket_name_prefix" {
  description = "State buckets are <bucket_name_prefix>-<region>. Null uses <project>-tfstate-<account_id>."
  type        = string
  default     = null

  validation {
    condition     = var.bucket_name_prefix == null || can(regex("^[a-z0-9][a-z0-9-]{1,46}[a-z0-9]$", coalesce(var.bucket_name_prefix, "-")))
    error_message = "bucket_name_prefix must be 3-48 lower-case letters, digits or '-' without dots (the region is appended and a bucket name has at most 63 characters)."
  }
}

variable "replication_time_control" {
  description = "S3 Replication Time Control on both replication rules: 99.99% of state writes replicated within 15 minutes (SLA), with replication metrics and missed-threshold events. State objects are small, so it costs little."
  type        = bool
  default     = true
}

variable "noncurrent_version_retention_days" {
  description = "Days old state versions are kept (recovery from a bad apply), in each bucket."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1
    error_message = "noncurrent_version_retention_days must be at least 1."
  }
}

variable "kms_deletion_window_days" {
  description = "Waiting period before a state key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "default_tags" {
  description = "Tags applied by the providers to every resource."
  type        = map(string)
  default = {
    Project   = "platform"
    Stack     = "bootstrap"
    ManagedBy = "terraform"
  }
}
