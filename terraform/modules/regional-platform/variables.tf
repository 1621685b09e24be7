################################################################################
# Identity and DR
################################################################################

variable "name" {
  description = "Name prefix of every resource of the region (VPC, ALBs, cluster, CodeDeploy app, alarms, secrets)."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,15}$", var.name))
    error_message = "name must be 1-16 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "is_dr" {
  description = "DR region (cost-optimized active-passive): secondary Aurora cluster; while its traffic role is standby, no NAT gateway, zero tasks (desired count and autoscaling minimum 0), no backup plan and no chaos templates. Load balancers, target groups, deployment groups, alarms and IAM roles are pre-created."
  type        = bool
  default     = false
}

variable "traffic_role_override" {
  description = "DR: plan as if the region's traffic role (SSM parameter /<name>/traffic-role) were this, without writing the parameter (platform-deploy failover --drill). null: the parameter's value. The primary is always \"active\"."
  type        = string
  default     = null

  validation {
    condition     = var.traffic_role_override == null || contains(["standby", "active", "draining"], coalesce(var.traffic_role_override, "standby"))
    error_message = "traffic_role_override must be null, \"standby\", \"active\" or \"draining\"."
  }

  validation {
    condition     = var.is_dr || var.traffic_role_override == null || var.traffic_role_override == "active"
    error_message = "traffic_role_override must be null or \"active\" in the primary region (is_dr = false): the primary is always active. Drill a failover on the DR region's stack."
  }
}

variable "dr_traffic_role" {
  description = "Primary only: override of the DR region's traffic role, which tells the primary where the Aurora writer is. null (the default): read it from the DR region's parameter (dr_traffic_role_parameter) through the aws.dr provider; a parameter that does not exist yet (the DR stack is applied after this one on the first deploy) reads as \"standby\". Set it only for plans that must not read the parameter (a failover drill, an offline plan). \"active\": failover promoted the DR region, which now runs the backup plan (copying back here), so this region's plan, restore tests and Aurora failover experiment stop. \"standby\" or \"draining\": the writer is here. Must be null in a DR region (it reads its own role)."
  type        = string
  default     = null

  validation {
    condition     = var.dr_traffic_role == null || contains(["standby", "active", "draining"], coalesce(var.dr_traffic_role, "standby"))
    error_message = "dr_traffic_role must be null, \"standby\", \"active\" or \"draining\" (the DR region's traffic role)."
  }

  validation {
    condition     = !var.is_dr || var.dr_traffic_role == null
    error_message = "dr_traffic_role must be null in a DR region (is_dr = true): it reads its own role from its traffic role parameter (or traffic_role_override). Set it on the primary region's stack."
  }
}

variable "dr_traffic_role_parameter" {
  description = "Primary only: the DR region's traffic role parameter, which the primary reads through aws.dr (the DR stack's deploy_targets.traffic_role_parameter). null: /<name>/traffic-role, the DR stack having the same name. Must be null in a DR region."
  type        = string
  default     = null

  validation {
    condition     = var.dr_traffic_role_parameter == null || can(regex("^(/[A-Za-z0-9_.-]+){2,}$", coalesce(var.dr_traffic_role_parameter, "x")))
    error_message = "dr_traffic_role_parameter must be a full SSM parameter name in a folder, such as /platform/traffic-role."
  }

  validation {
    condition     = !var.is_dr || var.dr_traffic_role_parameter == null
    error_message = "dr_traffic_role_parameter must be null in a DR region (is_dr = true): it reads its own parameter."
  }
}

variable "primary_region" {
  description = "DR only (required there): the primary region. After a failover (traffic role active) this region's backup plan copies its recovery points back to the primary vault there. Must be null in the primary region."
  type        = string
  default     = null

  validation {
    condition     = var.is_dr ? var.primary_region != null : var.primary_region == null
    error_message = "primary_region is required in DR (is_dr = true: the region the backup copies go back to after a failover) and must be null in the primary region."
  }

  validation {
    condition     = var.primary_region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", coalesce(var.primary_region, "x")))
    error_message = "primary_region must be an AWS region name such as us-east-1."
  }
}

################################################################################
# Network
################################################################################

variable "vpc_cidr" {
  description = "IPv4 CIDR block of the region's VPC (/16 to /20); give every region its own range."
  type        = string
  default     = "10.0.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.vpc_cidr))
    error_message = "vpc_cidr must be a valid IPv4 CIDR block with a prefix length between /16 and /20."
  }
}

variable "azs" {
  description = "Availability zone names of the region (at least 2), inputs so plans run offline."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2
    error_message = "azs must list at least 2 availability zones."
  }
}

variable "nat_gateway_mode" {
  description = "\"per_az\", \"single\" or \"none\". null: \"none\" in a standby DR region (tasks reach ECR, logs and secrets through VPC endpoints), \"per_az\" otherwise (the primary, an active or draining DR region)."
  type        = string
  default     = null

  validation {
    condition     = var.nat_gateway_mode == null || contains(["per_az", "single", "none"], coalesce(var.nat_gateway_mode, "none"))
    error_message = "nat_gateway_mode must be null, \"per_az\", \"single\" or \"none\"."
  }
}

################################################################################
# Load balancing
################################################################################

variable "certificate_arn" {
  description = "ACM certificate (in this region) of the ALB listeners; must cover the origin host names CloudFront uses."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN."
  }
}

variable "internal_certificate_arn" {
  description = "ACM certificate of the internal ALBs' listeners (must cover the names callers use for them). null: certificate_arn."
  type        = string
  default     = null

  validation {
    condition     = var.internal_certificate_arn == null || can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", coalesce(var.internal_certificate_arn, "x")))
    error_message = "internal_certificate_arn must be an ACM certificate ARN."
  }
}

variable "origin_verify_secret" {
  description = "Secret CloudFront sends in X-Origin-Verify; the public ALB answers 403 without it (except the edge health check path)."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_secret) >= 32
    error_message = "origin_verify_secret must be at least 32 characters."
  }
}

variable "cloudfront_prefix_list_id" {
  description = "CloudFront origin-facing managed prefix list id (pl-...). Set: the public ALB admits 443 from it only. null: 443 from anywhere, guarded by the origin header. (Passed in: looking it up calls AWS.)"
  type        = string
  default     = null

  validation {
    condition     = var.cloudfront_prefix_list_id == null || can(regex("^pl-[0-9a-f]+$", coalesce(var.cloudfront_prefix_list_id, "pl-0")))
    error_message = "cloudfront_prefix_list_id must be a prefix list id (pl-...)."
  }
}

variable "alb_deletion_protection" {
  description = "Deletion protection of the ALBs (pre-created in DR too)."
  type        = bool
  default     = true
}

variable "test_listener_port" {
  description = "Port of the ALBs' test listeners (CodeDeploy routes test traffic to the replacement task set there)."
  type        = number
  default     = 8443
}

################################################################################
# Services
################################################################################

variable "ecr_repository_name" {
  description = "ECR repository (name, replicated from the primary region) the services run; exported in deploy_targets."
  type        = string
  default     = "platform/api"

  validation {
    condition     = can(regex("^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$", var.ecr_repository_name))
    error_message = "ecr_repository_name must be an ECR repository name (no registry host, no tag)."
  }
}

variable "initial_image_tag" {
  description = "Tag of ecr_repository_name used by the initial task definitions (later revisions come from platform-deploy)."
  type        = string
  default     = "bootstrap"
}

variable "services" {
  description = <<-EOT
    Services of the platform, keyed by name. tier "public": behind the regional public ALB (Tier 1), routed by
    path_patterns/priority and the origin header. tier "internal": behind its own internal ALB (Tier 2), reached
    by the other services' tasks. secrets: environment variable names, each backed by a Secrets Manager secret
    "<name>/<service>/<ENV>" that only this service's execution role reads; external_secrets: environment variable
    name -> ARN of an existing secret. desired_count/min_capacity are forced to 0 in a standby DR region.
    deployment_controller: "CODE_DEPLOY" (a CodeDeploy deployment group with deployment_strategy) or "ECS" (Amazon
    ECS releases the service itself: no deployment group; see the README).
  EOT
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
  nullable = false
  default = {
    api = {
      tier    = "public"
      secrets = ["APP_SECRET_KEY"]
    }
    payments = {
      tier    = "internal"
      secrets = ["PAYMENTS_PROVIDER_API_KEY"]
    }
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["public", "internal"], s.tier)])
    error_message = "tier must be \"public\" or \"internal\"."
  }

  validation {
    condition     = length([for s in values(var.services) : s if s.tier == "public"]) >= 1
    error_message = "at least one service must be in the public tier (the edge origin)."
  }

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]*$", k)) && length(k) + length(var.name) <= 24])
    error_message = "service names must be lowercase letters, digits or hyphens, and name + service name at most 24 characters (ALB and target group name limits)."
  }

  validation {
    condition     = alltrue(flatten([for s in values(var.services) : [for e in s.secrets : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", e))]]))
    error_message = "secrets must be environment variable names."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(setintersection(toset(s.secrets), toset(keys(s.external_secrets)))) == 0])
    error_message = "an environment variable cannot be both in secrets and external_secrets."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["CODE_DEPLOY", "ECS"], s.deployment_controller)])
    error_message = "deployment_controller must be \"CODE_DEPLOY\" (a CodeDeploy deployment group releases the service) or \"ECS\" (Amazon ECS releases it itself: blue/green, canary or linear)."
  }

  # The first public service by name answers the Route53 health check without the origin header (load_balancing.tf).
  validation {
    condition     = try(var.services[sort([for k, s in var.services : k if s.tier == "public"])[0]].deployment_controller, null) != "ECS"
    error_message = "the first public service by name (${try(sort([for k, s in var.services : k if s.tier == "public"])[0], "")}) answers the edge health check and must stay on the CODE_DEPLOY controller: ECS shifts only the service's production listener rule, and the health check rule would keep forwarding to the target group ECS drains."
  }
}

################################################################################
# Rollouts and SLOs
################################################################################

variable "canary_percentage" {
  description = "Custom canary config: percentage shifted first (1-99)."
  type        = number
  default     = 10
}

variable "canary_interval_minutes" {
  description = "Custom canary config: minutes before the rest is shifted (>= 1)."
  type        = number
  default     = 5
}

variable "linear_percentage" {
  description = "Custom linear config: percentage shifted per step (1-99)."
  type        = number
  default     = 10
}

variable "linear_interval_minutes" {
  description = "Custom linear config: minutes between steps (>= 1)."
  type        = number
  default     = 1
}

variable "termination_wait_time_minutes" {
  description = "Minutes the original task set keeps running after a successful rollout."
  type        = number
  default     = 5
}

variable "ready_wait_minutes" {
  description = <<-EOT
    CodeDeploy deployment groups: minutes a rollout holds once the replacement task set is ready, before production
    traffic is rerouted (0-2880). 0: reroute at once. > 0: wait for ContinueDeployment (READY_WAIT) and stop the
    deployment if nobody continues it in time.
  EOT
  type        = number
  default     = 0

  validation {
    condition     = var.ready_wait_minutes >= 0 && var.ready_wait_minutes <= 2880 && floor(var.ready_wait_minutes) == var.ready_wait_minutes
    error_message = "ready_wait_minutes must be a whole number between 0 (reroute production traffic at once) and 2880 (wait up to 2 days for ContinueDeployment)."
  }
}

variable "error_rate_threshold_percent" {
  description = "SLO: alarm above this target 5xx rate (%)."
  type        = number
  default     = 0.1
}

variable "latency_p95_threshold_ms" {
  description = "SLO: alarm above this p95 latency (ms)."
  type        = number
  default     = 300
}

variable "alarm_actions" {
  description = "ARNs notified by the SLO alarms (e.g. an SNS topic)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of service and flow log groups (days)."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
