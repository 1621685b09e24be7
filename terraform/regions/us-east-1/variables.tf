variable "offline" {
  description = "Plan without AWS access (fake credentials, no account lookups). platform-deploy sets TF_VAR_offline=true for offline plans."
  type        = bool
  default     = false
}

variable "region" {
  description = "Region of this stack."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "dr_region" {
  description = "DR region (the aws.dr provider): receives the backup copies and the database secret replica."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.dr_region))
    error_message = "dr_region must be an AWS region name such as eu-west-1."
  }
}

variable "default_tags" {
  description = "Tags the provider applies to every resource."
  type        = map(string)
  default = {
    Project   = "platform"
    Stack     = "us-east-1"
    Role      = "primary"
    ManagedBy = "terraform"
  }
}

variable "traffic_role_override" {
  description = "The DR stack's failover drill input, accepted here for symmetry: the primary region is always active, so only null or \"active\"."
  type        = string
  default     = null

  validation {
    condition     = var.traffic_role_override == null || contains(["standby", "active", "draining"], coalesce(var.traffic_role_override, "standby"))
    error_message = "traffic_role_override must be null, \"standby\", \"active\" or \"draining\"."
  }

  validation {
    condition     = var.traffic_role_override == null || var.traffic_role_override == "active"
    error_message = "traffic_role_override must be null or \"active\" in the primary region: the primary is always active. Drill a failover on the DR region's stack (terraform/regions/eu-west-1)."
  }
}

variable "dr_traffic_role" {
  description = "Override of the DR region's traffic role (\"standby\", \"active\", \"draining\"), for plans that must not read it (a failover drill). null (the default): the stack reads the DR region's parameter (dr_traffic_role_parameter) itself through the aws.dr provider; a parameter that does not exist yet (the first deploy applies this stack before eu-west-1) reads as \"standby\", and so does an offline plan. \"active\" (failed over: the DR region holds the Aurora writer and runs the backup plan copying back here): this region runs no backup plan, restore test or Aurora failover experiment."
  type        = string
  default     = null

  validation {
    condition     = var.dr_traffic_role == null || contains(["standby", "active", "draining"], coalesce(var.dr_traffic_role, "standby"))
    error_message = "dr_traffic_role must be null, \"standby\", \"active\" or \"draining\" (the DR region's traffic role)."
  }
}

variable "dr_traffic_role_parameter" {
  description = "The DR region's traffic role parameter, read through the aws.dr provider (the DR stack's deploy_targets.traffic_role_parameter). null: /<name>/traffic-role, the DR stack (terraform/regions/eu-west-1) having the same name as this one."
  type        = string
  default     = null
}

variable "name" {
  description = "Name prefix of the region's resources."
  type        = string
  default     = "platform"
}

variable "azs" {
  description = "Availability zones used (inputs so plans run offline)."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b", "us-east-1c"]
}

variable "vpc_cidr" {
  description = "CIDR block of the region's VPC (distinct per region)."
  type        = string
  default     = "10.10.0.0/16"
}

variable "nat_gateway_mode" {
  description = "\"per_az\", \"single\" or \"none\"; null: per_az (primary region)."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate of the ALB listeners in this region. The default is an offline placeholder."
  type        = string
  default     = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
}

variable "origin_verify_secret" {
  description = "Secret CloudFront sends in X-Origin-Verify (CI passes TF_VAR_origin_verify_secret from a GitHub secret). The default is an offline placeholder."
  type        = string
  sensitive   = true
  default     = "offline-placeholder-not-a-secret-0000000000"
}

variable "cloudfront_prefix_list_id" {
  description = "CloudFront origin-facing prefix list id; null: 443 from anywhere, guarded by the origin header."
  type        = string
  default     = null
}

variable "ecr_repository_name" {
  description = "ECR repository the services run (created and replicated by the global stack)."
  type        = string
  default     = "platform/api"
}

variable "services" {
  description = "Services of the platform (see modules/regional-platform). The default: api (public) released by CodeDeploy, payments (internal) released by Amazon ECS itself (deployment_controller \"ECS\"), so both of platform-deploy's backends run; null: the module's default (both on CodeDeploy)."
  type = map(object({
    tier                  = string
    container_port        = optional(number, 8080)
    health_check_path     = optional(string, "/health")
    path_patterns         = optional(list(string), ["/*"])
    priority              = optional(number)
    cpu                   = optional(number, 512)
    memory                = optional(number, 1024)
    desired_count         = optional(number, 2)
    min_capacity          = optional(number, 2)
    max_capacity          = optional(number, 10)
    cpu_target_percent    = optional(number, 60)
    requests_per_target   = optional(number, 1000)
    image                 = optional(string)
    environment           = optional(map(string), {})
    secrets               = optional(list(string), [])
    external_secrets      = optional(map(string), {})
    task_role_policy_arns = optional(list(string), [])
    deployment_strategy   = optional(string, "canary")
    deployment_controller = optional(string, "CODE_DEPLOY")
  }))
  default = {
    api = {
      tier    = "public"
      secrets = ["APP_SECRET_KEY"]
    }
    payments = {
      tier                  = "internal"
      secrets               = ["PAYMENTS_PROVIDER_API_KEY"]
      deployment_controller = "ECS"
    }
  }
}

variable "alarm_actions" {
  description = "ARNs notified by the SLO alarms."
  type        = list(string)
  default     = []
}

variable "db_master_password" {
  description = "Master password of the Aurora global database (CI passes TF_VAR_db_master_password from a secret store, at plan and at apply). Ephemeral: never stored in state or plans. The default is an offline placeholder, refused unless offline = true."
  type        = string
  sensitive   = true
  ephemeral   = true
  default     = "offline-placeholder-not-a-password-0000"

  validation {
    condition     = var.offline || var.db_master_password != "offline-placeholder-not-a-password-0000"
    error_message = "db_master_password is the offline placeholder: pass the real password (TF_VAR_db_master_password), or plan with offline = true."
  }
}

variable "db_master_password_version" {
  description = "Bump to write a new db_master_password to the cluster and the secret (rotation)."
  type        = number
  default     = 1
}

variable "websocket_worker_services" {
  description = "Services that process the WebSocket messages (queue consumer policy and WEBSOCKET_* environment)."
  type        = list(string)
  default     = ["api"]
}
