# ---------------------------------------------------------------------------------------------------------------
# Stack
# ---------------------------------------------------------------------------------------------------------------

variable "offline" {
  description = "Plan without AWS access (fake credentials, no account lookups). platform-deploy sets TF_VAR_offline=true for offline plans."
  type        = bool
  default     = false
}

variable "project" {
  description = "Project name: prefix of every resource name, of the ECR repositories (<project>/<name>) and of the replication filter."
  type        = string
  default     = "platform"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}[a-z0-9]$", var.project))
    error_message = "project must be 3-22 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account id (ECR replication registry_id, KMS key policies, IAM ARNs). aws_caller_identity is not usable offline."
  type        = string
  default     = "123456789012"

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "primary_region" {
  description = "Primary region: the source of ECR replication, and the preferred region of failover mode unless a DR region's traffic_role is active (see preferred_region)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.primary_region))
    error_message = "primary_region must be an AWS region name such as us-east-1."
  }
}

variable "dr_regions" {
  description = "DR regions. The first is the secondary of the CloudFront origin group and of the Route53 failover record while primary_region is preferred; the one whose traffic_role is active becomes the preferred region. All receive ECR replicas."
  type        = list(string)
  default     = ["eu-west-1"]

  validation {
    condition     = length(var.dr_regions) >= 1 && alltrue([for r in var.dr_regions : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", r))])
    error_message = "dr_regions must list at least one AWS region name such as eu-west-1."
  }

  validation {
    condition     = !contains(var.dr_regions, var.primary_region) && length(distinct(var.dr_regions)) == length(var.dr_regions)
    error_message = "dr_regions must not repeat a region nor contain primary_region."
  }
}

variable "default_tags" {
  description = "Tags applied by the providers to every resource."
  type        = map(string)
  default = {
    Project   = "platform"
    Stack     = "global"
    ManagedBy = "terraform"
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Regional origins (filled by platform-deploy from each regional stack's `edge_origin` output)
# ---------------------------------------------------------------------------------------------------------------

variable "regional_origins" {
  description = "Regional ALBs keyed by region: exactly the regional stacks' edge_origin output. traffic_role is the region's role (standby, active, draining; the primary is always active): the DR region whose role is active is preferred at the edge. Left out, it is active for primary_region and standby for a DR region, so an origin from a stack that predates traffic roles never moves traffic. The defaults are offline placeholders (the DR region on standby)."
  type = map(object({
    region            = string
    alb_dns_name      = string
    alb_zone_id       = string
    health_check_path = string
    traffic_role      = optional(string)
  }))
  default = {
    "us-east-1" = {
      region            = "us-east-1"
      alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
      alb_zone_id       = "Z35SXDOTRQ7X7K"
      health_check_path = "/health"
      traffic_role      = "active"
    }
    "eu-west-1" = {
      region            = "eu-west-1"
      alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
      alb_zone_id       = "Z32O12XQLNTSW2"
      health_check_path = "/health"
      traffic_role      = "standby"
    }
  }

  validation {
    condition     = alltrue([for k, o in var.regional_origins : k == o.region])
    error_message = "regional_origins must be keyed by the region of each origin."
  }

  validation {
    condition     = contains(keys(var.regional_origins), var.primary_region) && alltrue([for r in var.dr_regions : contains(keys(var.regional_origins), r)])
    error_message = "regional_origins must hold an origin for primary_region and for every DR region."
  }

  validation {
    condition = alltrue([for o in var.regional_origins :
      can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", lower(o.alb_dns_name))) &&
      can(regex("^Z[A-Z0-9]{1,31}$", o.alb_zone_id)) &&
      can(regex("^/[^ ]*$", o.health_check_path))
    ])
    error_message = "Each origin needs a DNS name, a Route53 zone id (Z...) and a health_check_path starting with '/'."
  }

  validation {
    condition     = alltrue([for o in var.regional_origins : contains(["standby", "active", "draining"], coalesce(o.traffic_role, "standby"))])
    error_message = "Each origin's traffic_role must be \"standby\", \"active\" or \"draining\" (the regional stacks' edge_origin.traffic_role)."
  }

  validation {
    condition     = coalesce(try(var.regional_origins[var.primary_region].traffic_role, null), "active") == "active"
    error_message = "The primary_region origin's traffic_role must be \"active\": the primary region is always active (failover promotes a DR region instead)."
  }

  validation {
    condition     = length([for r in var.dr_regions : r if try(var.regional_origins[r].traffic_role, null) == "active"]) <= 1
    error_message = "At most one DR region may have traffic_role \"active\" (the edge prefers exactly one region): set the others to \"standby\" or \"draining\" (platform-deploy failover writes the role to each DR region's /<name>/traffic-role parameter)."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# CloudFront
# ---------------------------------------------------------------------------------------------------------------

variable "domain_name" {
  description = "Public host name of the platform (CloudFront alias). The origin names live under origin.<domain_name>."
  type        = string
  default     = "app.example.com"

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.domain_name))
    error_message = "domain_name must be a lower-case DNS name."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate in us-east-1 covering domain_name (CloudFront viewer TLS)."
  type        = string
  default     = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1 (CloudFront uses no other region)."
  }
}

variable "origin_mode" {
  description = "failover: active-passive, CloudFront origin group (primary, secondary on 5xx) plus the Route53 failover record for writes. latency: active-active, the single origin is the Route53 latency record."
  type        = string
  default     = "failover"

  validation {
    condition     = contains(["failover", "latency"], var.origin_mode)
    error_message = "origin_mode must be \"failover\" or \"latency\"."
  }
}

variable "origin_verify_secret" {
  description = "Secret CloudFront sends in X-Origin-Verify; the regional ALBs answer 403 without it. CI passes TF_VAR_origin_verify_secret; the default is an offline placeholder."
  type        = string
  sensitive   = true
  default     = "offline-placeholder-not-a-secret-0000000000"

  validation {
    condition     = length(var.origin_verify_secret) >= 32
    error_message = "origin_verify_secret must be at least 32 characters."
  }
}

variable "api_path_patterns" {
  description = "API path patterns: every method, never cached."
  type        = list(string)
  default     = ["/api/*"]
}

variable "static_path_patterns" {
  description = "Static asset path patterns: cached, compressed, served through the origin group in failover mode."
  type        = list(string)
  default     = ["/static/*", "/assets/*"]
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_All"
}

variable "cloudfront_log_retention_days" {
  description = "Days CloudFront access logs are kept."
  type        = number
  default     = 365
}

# ---------------------------------------------------------------------------------------------------------------
# WAF
# ---------------------------------------------------------------------------------------------------------------

variable "waf_rate_limit" {
  description = "Requests per client IP per 5 minutes before the WAF answers 429 (load shedding). AWS accepts 10 to 2,000,000,000."
  type        = number
  default     = 2000

  validation {
    condition     = var.waf_rate_limit >= 10 && var.waf_rate_limit <= 2000000000
    error_message = "waf_rate_limit must be between 10 (the AWS minimum) and 2000000000."
  }
}

variable "waf_blocked_ip_addresses" {
  description = "CIDR blocks (IPv4/IPv6) always blocked at the edge."
  type        = list(string)
  default     = []
}

variable "waf_geo_block_country_codes" {
  description = "ISO 3166-1 alpha-2 country codes blocked at the edge; empty disables the geo rule."
  type        = list(string)
  default     = []
}

variable "waf_log_retention_days" {
  description = "Retention of the WAF log group (aws-waf-logs-<project>-edge)."
  type        = number
  default     = 365
}

# ---------------------------------------------------------------------------------------------------------------
# Shield Advanced
# ---------------------------------------------------------------------------------------------------------------

variable "enable_shield_advanced" {
  description = "Protect the distribution, the zone and the ALBs with Shield Advanced. Needs an active subscription (USD 3,000/month, 1-year commitment), hence off by default."
  type        = bool
  default     = false
}

variable "shield_alb_arns" {
  description = "ARNs of the regional ALBs protected by Shield Advanced, keyed by region. The defaults are offline placeholders."
  type        = map(string)
  default = {
    "us-east-1" = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/platform-us-east-1/0123456789abcdef"
    "eu-west-1" = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform-eu-west-1/0123456789abcdef"
  }

  validation {
    condition     = alltrue([for r, arn in var.shield_alb_arns : can(regex("^arn:aws[a-z-]*:elasticloadbalancing:${r}:[0-9]{12}:loadbalancer/app/.+$", arn))])
    error_message = "shield_alb_arns must map each region to an application load balancer ARN of that region."
  }

  validation {
    condition     = alltrue([for r in keys(var.shield_alb_arns) : contains(keys(var.regional_origins), r)])
    error_message = "shield_alb_arns keys must be regions of regional_origins (their health checks are associated)."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Route53
# ---------------------------------------------------------------------------------------------------------------

variable "create_zone" {
  description = "Create the public hosted zone zone_name; false uses zone_id."
  type        = bool
  default     = true
}

variable "zone_name" {
  description = "Name of the public hosted zone holding domain_name."
  type        = string
  default     = "example.com"

  validation {
    condition     = var.domain_name == var.zone_name || endswith(var.domain_name, ".${var.zone_name}")
    error_message = "domain_name must be zone_name or a name under it."
  }
}

variable "zone_id" {
  description = "Existing hosted zone id (when create_zone = false)."
  type        = string
  default     = null

  validation {
    condition     = var.create_zone || (var.zone_id != null && can(regex("^Z[A-Z0-9]{1,31}$", coalesce(var.zone_id, "-"))))
    error_message = "zone_id (Z...) is required when create_zone = false."
  }
}

variable "enable_dns_query_logging" {
  description = "Log the zone's DNS queries to CloudWatch (us-east-1)."
  type        = bool
  default     = true
}

variable "health_check_request_interval" {
  description = "Seconds between Route53 health checks of each region (10 = fast, 30 = standard)."
  type        = number
  default     = 10

  validation {
    condition     = contains([10, 30], var.health_check_request_interval)
    error_message = "health_check_request_interval must be 10 or 30."
  }
}

variable "health_check_failure_threshold" {
  description = "Consecutive failures before a region is unhealthy."
  type        = number
  default     = 3

  validation {
    condition     = var.health_check_failure_threshold >= 1 && var.health_check_failure_threshold <= 10
    error_message = "health_check_failure_threshold must be between 1 and 10."
  }
}

variable "routing_weights" {
  description = "Regional traffic shifting: weight (0-255) per region of a weighted record weighted.origin.<domain_name>. Empty creates no weighted records."
  type        = map(number)
  default     = {}

  validation {
    condition     = alltrue([for r, w in var.routing_weights : contains(keys(var.regional_origins), r) && w >= 0 && w <= 255 && floor(w) == w])
    error_message = "routing_weights must map regions of regional_origins to whole weights between 0 and 255."
  }

  validation {
    condition     = length(var.routing_weights) == 0 || sum(concat([0], values(var.routing_weights))) > 0
    error_message = "At least one routing weight must be above 0."
  }
}

# ---------------------------------------------------------------------------------------------------------------
# ECR
# ---------------------------------------------------------------------------------------------------------------

variable "ecr_repositories" {
  description = "Application repositories, created as <project>/<name> in the primary region and replicated to every DR region."
  type        = list(string)
  default     = ["api"]
}

variable "ecr_keep_image_count" {
  description = "Images kept per repository."
  type        = number
  default     = 50
}

variable "ecr_untagged_expiry_days" {
  description = "Days before untagged images expire."
  type        = number
  default     = 7
}

# ---------------------------------------------------------------------------------------------------------------
# Pipeline identity
# ---------------------------------------------------------------------------------------------------------------

variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows assume the plan, apply and deploy roles."
  type        = string
  default     = "example-org/platform"

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name, e.g. example-org/platform."
  }
}

variable "github_default_branch" {
  description = "Default branch: its pushes may assume the apply and deploy roles."
  type        = string
  default     = "main"
}

variable "github_environments" {
  description = "Protected GitHub environments whose jobs may assume the apply and deploy roles."
  type        = list(string)
  default     = ["production"]
}

variable "create_github_oidc_provider" {
  description = "Create the GitHub OIDC provider (once per account); false uses github_oidc_provider_arn."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "Existing GitHub OIDC provider ARN (when create_github_oidc_provider = false)."
  type        = string
  default     = null
}

variable "github_oidc_thumbprints" {
  description = "Thumbprints of token.actions.githubusercontent.com."
  type        = list(string)
  default     = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]
}

variable "state_bucket_names" {
  description = "Terraform state buckets by region, one per region, each replicated to the other (terraform/bootstrap output state_buckets): the pipeline roles get every one. Null: terraform/bootstrap's default names <project>-tfstate-<account_id>-<region> for every region (offline plans), or none besides the deprecated state_bucket_name when that is set."
  type        = map(string)
  default     = null
}

variable "state_kms_key_arns" {
  description = "KMS key of each region's state bucket, by region (terraform/bootstrap output kms_key_arns): the pipeline roles get every one. Null: an offline placeholder key per region, or none besides the deprecated state_kms_key_arn when that is set."
  type        = map(string)
  default     = null
}

variable "state_bucket_name" {
  description = "Deprecated: use state_bucket_names. A single state bucket, added to state_bucket_names (plans warn while it is set)."
  type        = string
  default     = null
}

variable "state_kms_key_arn" {
  description = "Deprecated: use state_kms_key_arns. A single state key, added to state_kms_key_arns (plans warn while it is set)."
  type        = string
  default     = null
}

variable "ecs_task_role_arns" {
  description = "Task and task-execution role ARNs the deploy role may pass to ECS. Null allows the regional stacks' <project>-<service>-task-<region> and <project>-<service>-exec-<region> roles."
  type        = list(string)
  default     = null
}

variable "ecs_infrastructure_role_arns" {
  description = "ECS infrastructure roles the deploy role may pass to ECS when it releases services on the ECS deployment controller (regional-platform deployment_controller = \"ECS\"). Null: the regional stacks' roles, arn:aws:iam::<account_id>:role/<project>-*ecs-infrastructure-* (the bundled regions run payments on the ECS controller). Empty: the deploy role releases through CodeDeploy only."
  type        = list(string)
  default     = null
}
