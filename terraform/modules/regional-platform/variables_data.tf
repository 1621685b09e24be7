################################################################################
# Aurora PostgreSQL global database (rds.tf)
################################################################################

variable "global_cluster_identifier" {
  description = "Aurora global cluster. Primary: identifier of the global cluster it creates. DR: the global cluster its secondary cluster joins (the primary stack's global_cluster_identifier output). null: \"<name>-global\", the primary's default."
  type        = string
  default     = null

  validation {
    condition     = var.global_cluster_identifier == null || can(regex("^[a-zA-Z][a-zA-Z0-9-]{0,62}$", coalesce(var.global_cluster_identifier, "x")))
    error_message = "global_cluster_identifier must start with a letter and hold only letters, digits and hyphens (at most 63 characters)."
  }
}

variable "db_master_password" {
  description = "Primary only (required there): master password of the global database, 16-128 characters without /, @, \" or space. Ephemeral: written with write-only arguments to the cluster and the master secret, never to state or a saved plan. Must be null in DR (the secondary replicates the primary's credentials)."
  type        = string
  default     = null
  sensitive   = true
  ephemeral   = true

  validation {
    condition     = var.is_dr ? var.db_master_password == null : var.db_master_password != null
    error_message = "db_master_password is required in the primary region (is_dr = false) and must be null in DR (the secondary cluster uses the primary's credentials)."
  }
}

variable "db_master_password_version" {
  description = "Primary only: bump to write a new db_master_password to the cluster and the secret (rotation)."
  type        = number
  default     = 1

  validation {
    condition     = var.db_master_password_version >= 1 && floor(var.db_master_password_version) == var.db_master_password_version
    error_message = "db_master_password_version must be a whole number >= 1."
  }
}

variable "db_master_secret_arn" {
  description = "DR only (required there): ARN of the master-credentials secret replica in this region (the primary stack's db_master_secret_replica_arns[<this region>]); injected into the DB client services as in the primary. Must be null in the primary region, which creates the secret."
  type        = string
  default     = null

  validation {
    condition     = var.is_dr ? var.db_master_secret_arn != null : var.db_master_secret_arn == null
    error_message = "db_master_secret_arn is required in DR (is_dr = true: the primary's secret replica in this region) and must be null in the primary region."
  }

  validation {
    condition     = var.db_master_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", coalesce(var.db_master_secret_arn, "x")))
    error_message = "db_master_secret_arn must be a Secrets Manager secret ARN."
  }
}

variable "db_engine_version" {
  description = "Aurora PostgreSQL engine version (major.minor) of both regions' clusters; it must support global databases."
  type        = string
  default     = "16.6"

  validation {
    condition     = can(regex("^[0-9]{2}\\.[0-9]+$", var.db_engine_version))
    error_message = "db_engine_version must look like \"16.6\" (major.minor)."
  }
}

variable "db_instance_class" {
  description = "Instance class of the cluster instances (memory-optimized: global databases need db.r5/r6g/r6i/r7g/r8g or x2)."
  type        = string
  default     = "db.r6g.large"

  validation {
    condition     = can(regex("^db\\.(r[5-8][a-z]*|x2[a-z]*)\\.[0-9]*x?large$", var.db_instance_class))
    error_message = "db_instance_class must be a memory-optimized class supported by Aurora global databases, e.g. db.r6g.large."
  }
}

variable "db_instance_count" {
  description = "Instances of this region's cluster. null: 2 in the primary (writer + a reader in another AZ, the failover target), 1 reader in DR (cost-optimized)."
  type        = number
  default     = null

  validation {
    condition     = var.db_instance_count == null || try(var.db_instance_count >= 1 && var.db_instance_count <= 16 && floor(var.db_instance_count) == var.db_instance_count, false)
    error_message = "db_instance_count must be null or a whole number between 1 and 16."
  }
}

variable "db_deletion_protection" {
  description = "Deletion protection of the global cluster and this region's cluster."
  type        = bool
  default     = true
}

variable "db_client_services" {
  description = "Services whose tasks reach the database (security group rules on the database port) and get its connection settings: DB_HOST, DB_READER_HOST, DB_PORT, DB_NAME and the secret DB_CREDENTIALS (JSON: username, password, engine, port, dbname). null: every service."
  type        = list(string)
  default     = null

  validation {
    condition     = var.db_client_services == null || try(alltrue([for s in var.db_client_services : contains(keys(var.services), s)]), false)
    error_message = "db_client_services must name services of var.services."
  }
}

################################################################################
# Real-time WebSocket path (websocket.tf)
################################################################################

variable "websocket_throttling_rate_limit" {
  description = "Load shedding of the WebSocket stage: steady-state messages and connects per second before API Gateway answers 429."
  type        = number
  default     = 1000

  validation {
    condition     = var.websocket_throttling_rate_limit > 0 && var.websocket_throttling_rate_limit <= 10000
    error_message = "websocket_throttling_rate_limit must be greater than 0 and at most 10000 (the regional account limit)."
  }
}

variable "websocket_throttling_burst_limit" {
  description = "Load shedding of the WebSocket stage: burst bucket size."
  type        = number
  default     = 500

  validation {
    condition     = var.websocket_throttling_burst_limit > 0 && var.websocket_throttling_burst_limit <= 5000 && floor(var.websocket_throttling_burst_limit) == var.websocket_throttling_burst_limit
    error_message = "websocket_throttling_burst_limit must be a whole number greater than 0 and at most 5000."
  }
}

variable "websocket_connect_throttling" {
  description = "Tighter limits of the $connect route, against reconnect storms after a regional failover. null: the stage limits."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = {
    rate_limit  = 200
    burst_limit = 100
  }

  validation {
    condition = var.websocket_connect_throttling == null || try(
      var.websocket_connect_throttling.rate_limit > 0 && var.websocket_connect_throttling.burst_limit > 0 &&
      var.websocket_connect_throttling.rate_limit <= var.websocket_throttling_rate_limit &&
      var.websocket_connect_throttling.burst_limit <= var.websocket_throttling_burst_limit,
      false
    )
    error_message = "websocket_connect_throttling limits must be greater than 0 and at most the stage limits (websocket_throttling_rate_limit, websocket_throttling_burst_limit)."
  }
}

variable "websocket_worker_services" {
  description = "Services whose tasks process the WebSocket messages: their task role gets the worker policy (consume the queue, read the connections table, reply through @connections) and their containers WEBSOCKET_QUEUE_URL and WEBSOCKET_CONNECTIONS_URL."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for s in var.websocket_worker_services : contains(keys(var.services), s)])
    error_message = "websocket_worker_services must name services of var.services."
  }
}

################################################################################
# Cross-region backups (backups.tf: the plan runs where the Aurora writer is)
################################################################################

variable "backup_selection_tags" {
  description = "AWS Backup selects the resources carrying all of these tags (the Aurora cluster gets them; tag others to protect them too). null: { backup = \"<name>\" }."
  type        = map(string)
  default     = null

  validation {
    condition     = var.backup_selection_tags == null || try(length(var.backup_selection_tags) > 0, false)
    error_message = "backup_selection_tags must hold at least one tag (an empty selection backs up nothing)."
  }
}

variable "backup_daily_retention_days" {
  description = "Days the daily recovery points are kept, in the writer region's vault and (copies) in the other region's vault."
  type        = number
  default     = 35

  validation {
    condition     = var.backup_daily_retention_days >= 1 && var.backup_daily_retention_days <= 36500 && floor(var.backup_daily_retention_days) == var.backup_daily_retention_days
    error_message = "backup_daily_retention_days must be a whole number between 1 and 36500."
  }
}

variable "backup_weekly_retention_days" {
  description = "Days the weekly recovery points are kept, in the writer region's vault and (copies) in the other region's vault."
  type        = number
  default     = 90

  validation {
    condition     = var.backup_weekly_retention_days >= 1 && var.backup_weekly_retention_days <= 36500 && floor(var.backup_weekly_retention_days) == var.backup_weekly_retention_days
    error_message = "backup_weekly_retention_days must be a whole number between 1 and 36500."
  }
}

variable "backup_vault_lock" {
  description = "Optional AWS Backup Vault Lock on both vaults (see modules/backups): min/max_retention_days, changeable_for_days (null: governance mode; >= 3: compliance mode). Primary only: its stack creates both vaults; must be null in DR."
  type = object({
    min_retention_days  = number
    max_retention_days  = number
    changeable_for_days = optional(number)
  })
  default = null

  validation {
    condition     = !var.is_dr || var.backup_vault_lock == null
    error_message = "backup_vault_lock must be null in DR (is_dr = true): the primary region's stack creates and locks both vaults."
  }
}

################################################################################
# Chaos engineering (chaos.tf: templates where the region serves)
################################################################################

variable "chaos_enabled" {
  description = "AWS FIS experiments (AZ outage, ECS failures per service, Aurora failover where the writer is): templates in every region that serves (the primary; a DR region once active or draining, none on standby at 0 tasks); their role, log group and the tasks' fault injection exist in both regions from the start."
  type        = bool
  default     = true
}
