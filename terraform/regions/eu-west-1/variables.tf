variable "offline" {
  description = "Plan without AWS access (fake credentials, no account lookups). platform-deploy sets TF_VAR_offline=true for offline plans."
  type        = bool
  default     = false
}

variable "region" {
  description = "Region of this stack."
  type        = string
  default     = "eu-west-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1."
  }
}

variable "primary_region" {
  description = "Primary region: where this region's backup plan copies its recovery points (to the primary vault) while a failover has made this region active."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.primary_region)) && var.primary_region != var.region
    error_message = "primary_region must be an AWS region name such as us-east-1, other than region."
  }
}

variable "default_tags" {
  description = "Tags the provider applies to every resource."
  type        = map(string)
  default = {
    Project   = "platform"
    Stack     = "eu-west-1"
    Role      = "dr"
    ManagedBy = "terraform"
  }
}

variable "traffic_role_override" {
  description = "Plan as if this DR region's traffic role (SSM parameter /<name>/traffic-role, written by platform-deploy failover) were this value, without writing the parameter (failover --drill). null: the parameter's value."
  type        = string
  default     = null

  validation {
    condition     = var.traffic_role_override == null || contains(["standby", "active", "draining"], coalesce(var.traffic_role_override, "standby"))
    error_message = "traffic_role_override must be null, \"standby\", \"active\" or \"draining\"."
  }
}

variable "name" {
  description = "Name prefix of the region's resources."
  type        = string
  default     = "platform"
}

variable "azs" {
  description = "Availability zones used (inputs so plans run offline)."
  type        = list(string)
  default     = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
}

variable "vpc_cidr" {
  description = "CIDR block of the region's VPC (distinct per region)."
  type        = string
  default     = "10.20.0.0/16"
}

variable "nat_gateway_mode" {
  description = "\"per_az\", \"single\" or \"none\"; null: none while the region is on standby (tasks use the VPC endpoints), per_az once failover makes it active or draining."
  type        = string
  default     = null
}

variable "certificate_arn" {
  description = "ACM certificate of the ALB listeners in this region. The default is an offline placeholder."
  type        = string
  default     = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
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
  description = "ECR repository the services run (replicated here from the primary region by the global stack)."
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

variable "global_cluster_identifier" {
  description = "Aurora global cluster the DR cluster joins: the primary stack's global_cluster_identifier output (platform-deploy passes it). The default, the primary's default id, lets the stack plan offline on its own."
  type        = string
  default     = "platform-global"
}

variable "db_master_secret_arn" {
  description = "The primary's database master secret replica in this region: the primary stack's db_master_secret_replica_arns[\"eu-west-1\"] output (platform-deploy passes it). The default is an offline placeholder."
  type        = string
  default     = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-offline-placeholder-AbCdEf"
}

variable "websocket_worker_services" {
  description = "Services that process the WebSocket messages (queue consumer policy and WEBSOCKET_* environment)."
  type        = list(string)
  default     = ["api"]
}
