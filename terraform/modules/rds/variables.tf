variable "name" {
  description = "Name prefix of every resource (cluster identifier is \"<name>-<region role>\"). Lowercase letters, digits and hyphens; starts with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "role" {
  description = "\"primary\": create the global cluster and the writer cluster in this region. \"secondary\": create a read-only cluster that joins global_cluster_identifier (the DR region)."
  type        = string

  validation {
    condition     = contains(["primary", "secondary"], var.role)
    error_message = "role must be \"primary\" or \"secondary\"."
  }
}

variable "global_cluster_identifier" {
  description = "Secondary: identifier of the global cluster to join (the primary's global_cluster_identifier output); required. Primary: identifier to give the new global cluster (default \"<name>-global\")."
  type        = string
  default     = null

  validation {
    condition     = var.role != "secondary" || (var.global_cluster_identifier != null && var.global_cluster_identifier != "")
    error_message = "global_cluster_identifier is required when role = \"secondary\" (pass the primary stack's global_cluster_identifier output)."
  }

  validation {
    condition     = var.global_cluster_identifier == null || can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,62}$", coalesce(var.global_cluster_identifier, "x")))
    error_message = "global_cluster_identifier must start with a letter and contain only letters, digits and hyphens (at most 63 characters)."
  }
}

variable "engine_version" {
  description = "Aurora PostgreSQL engine version (major.minor), e.g. \"16.6\". Must be a version that supports Aurora global databases."
  type        = string
  default     = "16.6"

  validation {
    condition     = can(regex("^[0-9]{2}\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must look like \"16.6\" (major.minor)."
  }
}

variable "instance_class" {
  description = "Instance class of the cluster instances. Global databases need memory-optimized classes (db.r5/r6g/r6i/r7g/r8g and larger)."
  type        = string
  default     = "db.r6g.large"

  validation {
    condition     = can(regex("^db\\.(r[5-8][a-z]*|x2[a-z]*)\\.[0-9]*x?large$", var.instance_class))
    error_message = "instance_class must be a memory-optimized class supported by Aurora global databases, e.g. db.r6g.large or db.r7g.2xlarge."
  }
}

variable "instance_count" {
  description = "Number of instances in this region's cluster (primary: writer + readers, 2+ for Multi-AZ; secondary: readers, 1 is enough for a cost-optimized DR region)."
  type        = number
  default     = 2

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 16 && floor(var.instance_count) == var.instance_count
    error_message = "instance_count must be a whole number between 1 and 16."
  }
}

variable "vpc_id" {
  description = "VPC of the private subnets; the module's database security group is created in it."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private (database) subnet ids, in at least two Availability Zones. Never public subnets."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))])
    error_message = "subnet_ids must hold at least two subnet ids (subnet-...) in different Availability Zones."
  }
}

variable "allowed_security_group_ids" {
  description = "Security groups (ECS services, bastion) allowed to connect to the database port."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.allowed_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "allowed_security_group_ids must be security group ids (sg-...)."
  }
}

variable "additional_security_group_ids" {
  description = "Extra security groups attached to the cluster besides the one the module creates."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.additional_security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))])
    error_message = "additional_security_group_ids must be security group ids (sg-...)."
  }
}

variable "port" {
  description = "Database port."
  type        = number
  default     = 5432

  validation {
    condition     = var.port >= 1150 && var.port <= 65535
    error_message = "port must be between 1150 and 65535 (Aurora's allowed range)."
  }
}

variable "database_name" {
  description = "Name of the database created in the global cluster (primary only; secondaries replicate it)."
  type        = string
  default     = "app"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,62}$", var.database_name))
    error_message = "database_name must start with a letter and contain only letters, digits and underscores (at most 63 characters)."
  }
}

variable "master_username" {
  description = "Master user name (primary only)."
  type        = string
  default     = "dbadmin"

  validation {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9_]{0,15}$", var.master_username)) && !contains(["rdsadmin", "admin", "postgres"], lower(var.master_username))
    error_message = "master_username must be 1-16 letters, digits or underscores starting with a letter, and not a reserved name (rdsadmin, admin, postgres)."
  }
}

variable "master_password" {
  description = <<-EOT
    Master password (primary only). Ephemeral: written to the cluster (master_password_wo) and to the module's
    Secrets Manager secret (secret_string_wo) and never stored in state or plan. Aurora cannot manage the password
    itself (manage_master_user_password) for clusters in a global database, so CI passes it from a secret store.
    Change it by passing the new value and bumping master_password_version.
  EOT
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.role == "secondary" ? var.master_password == null : var.role != "primary" || (var.master_password != null && length(coalesce(var.master_password, "x")) >= 16 && length(coalesce(var.master_password, "x")) <= 128 && !can(regex("[/@\" ]", coalesce(var.master_password, "x"))))
    error_message = "master_password is required for role = \"primary\" (16-128 printable characters without /, @, \" or space) and must be null for role = \"secondary\" (a secondary joins the global cluster with the primary's credentials)."
  }
}

variable "master_password_version" {
  description = "Bump to rotate: the new master_password is written to the cluster and the secret only when this number changes."
  type        = number
  default     = 1

  validation {
    condition     = var.master_password_version >= 1 && floor(var.master_password_version) == var.master_password_version
    error_message = "master_password_version must be a whole number >= 1."
  }
}

variable "master_secret_arn" {
  description = "Secondary only: ARN of the master-credentials secret replica in this region (the primary's master_secret_replica_arns[<this region>]). Passed through to the secret_arn output so ECS services are wired the same way in every region."
  type        = string
  default     = null

  validation {
    condition     = var.master_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", coalesce(var.master_secret_arn, "x")))
    error_message = "master_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "secret_replica_regions" {
  description = "Primary only: regions the master-credentials secret is replicated to (the DR region), each with an optional KMS key ARN in that region (null = aws/secretsmanager)."
  type = list(object({
    region      = string
    kms_key_arn = optional(string)
  }))
  default = []

  validation {
    condition     = alltrue([for r in var.secret_replica_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r.region))])
    error_message = "secret_replica_regions[*].region must be region names such as eu-west-1."
  }
}

variable "secret_recovery_window_days" {
  description = "Days Secrets Manager keeps the master-credentials secret after deletion (0 deletes at once, else 7-30)."
  type        = number
  default     = 30

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or between 7 and 30."
  }
}

variable "kms_key_arn" {
  description = "KMS key (in this region) for storage, Performance Insights and the secret. null = the module creates a key with rotation enabled."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before a module-created KMS key is deleted."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30
    error_message = "kms_key_deletion_window_days must be between 7 and 30."
  }
}

variable "deletion_protection" {
  description = "Protect the global cluster and this region's cluster from deletion."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Skip the final snapshot when the cluster is destroyed (only for throw-away environments)."
  type        = bool
  default     = false
}

variable "final_snapshot_identifier" {
  description = "Identifier of the final snapshot taken on destroy (default \"<cluster identifier>-final\")."
  type        = string
  default     = null

  validation {
    condition     = var.final_snapshot_identifier == null || can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,254}$", coalesce(var.final_snapshot_identifier, "x")))
    error_message = "final_snapshot_identifier must start with a letter and contain only letters, digits and hyphens."
  }
}

variable "backup_retention_period" {
  description = "Days of automated backups kept for point-in-time recovery (PITR). Aurora PostgreSQL has no backtrack; PITR is its rewind."
  type        = number
  default     = 14

  validation {
    condition     = var.backup_retention_period >= 1 && var.backup_retention_period <= 35 && floor(var.backup_retention_period) == var.backup_retention_period
    error_message = "backup_retention_period must be a whole number of days between 1 and 35."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window for automated backups (hh24:mi-hh24:mi); must not overlap the maintenance window."
  type        = string
  default     = "03:00-04:00"

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.preferred_backup_window))
    error_message = "preferred_backup_window must look like 03:00-04:00."
  }
}

variable "preferred_maintenance_window" {
  description = "Weekly UTC maintenance window (ddd:hh24:mi-ddd:hh24:mi)."
  type        = string
  default     = "sun:05:00-sun:06:00"

  validation {
    condition     = can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.preferred_maintenance_window))
    error_message = "preferred_maintenance_window must look like sun:05:00-sun:06:00."
  }
}

variable "performance_insights_retention_period" {
  description = "Days Performance Insights data is kept: 7 (free tier), or a multiple of 31 up to 731."
  type        = number
  default     = 7

  validation {
    condition     = var.performance_insights_retention_period == 7 || (var.performance_insights_retention_period % 31 == 0 && var.performance_insights_retention_period >= 31 && var.performance_insights_retention_period <= 731)
    error_message = "performance_insights_retention_period must be 7, or a multiple of 31 between 31 and 731."
  }
}

variable "monitoring_interval" {
  description = "Enhanced Monitoring interval in seconds (0 turns it off; the module creates the monitoring role otherwise)."
  type        = number
  default     = 60

  validation {
    condition     = contains([0, 1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 0, 1, 5, 10, 15, 30, 60."
  }
}

variable "log_min_duration_statement_ms" {
  description = "Statements slower than this (ms) are logged (cluster parameter log_min_duration_statement); -1 turns it off."
  type        = number
  default     = 1000

  validation {
    condition     = var.log_min_duration_statement_ms >= -1
    error_message = "log_min_duration_statement_ms must be -1 (off) or a number of milliseconds >= 0."
  }
}

variable "enable_global_write_forwarding" {
  description = "Secondary only: forward writes from the secondary cluster to the primary (off: the DR region is read-only until failover)."
  type        = bool
  default     = false
}

variable "apply_immediately" {
  description = "Apply modifications at once instead of in the next maintenance window."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource (on top of the provider's default_tags). Put the AWS Backup selection tag here."
  type        = map(string)
  default     = {}
}
