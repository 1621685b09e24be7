variable "name" {
  description = "Name of the load balancer (also prefixes its security group, target groups and log bucket)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}[a-z0-9]$", var.name))
    error_message = "name must be 2-25 lowercase letters, digits or hyphens, start with a letter and not end with a hyphen."
  }
}

variable "internal" {
  description = "true for a Tier 2 internal service ALB, false for the Tier 1 regional public ALB."
  type        = bool
}

variable "vpc_id" {
  description = "VPC of the load balancer and its target groups."
  type        = string
}

variable "vpc_cidr_block" {
  description = "CIDR block of the VPC: the ALB sends to targets inside it, and test traffic comes from it by default."
  type        = string

  validation {
    condition     = can(cidrhost(var.vpc_cidr_block, 0))
    error_message = "vpc_cidr_block must be a valid IPv4 CIDR block."
  }
}

variable "subnet_ids" {
  description = "Subnets of the load balancer, in at least two AZs (public subnets for a public ALB, private for an internal one)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "an ALB needs subnets in at least two availability zones."
  }
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listeners."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$", var.certificate_arn))
    error_message = "certificate_arn must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)."
  }
}

variable "ssl_policy" {
  description = "TLS negotiation policy of the HTTPS listeners."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"

  validation {
    condition     = startswith(var.ssl_policy, "ELBSecurityPolicy-")
    error_message = "ssl_policy must be an ELBSecurityPolicy-* name."
  }
}

variable "prod_listener_port" {
  description = "Port of the production HTTPS listener."
  type        = number
  default     = 443

  validation {
    condition     = var.prod_listener_port >= 1 && var.prod_listener_port <= 65535
    error_message = "prod_listener_port must be a TCP port (1-65535)."
  }
}

variable "test_listener_port" {
  description = "Port of the HTTPS test listener CodeDeploy routes to the replacement (green) task set before shifting production traffic."
  type        = number
  default     = 8443

  validation {
    condition     = var.test_listener_port >= 1 && var.test_listener_port <= 65535 && var.test_listener_port != var.prod_listener_port
    error_message = "test_listener_port must be a TCP port (1-65535) different from prod_listener_port."
  }
}

variable "enable_deletion_protection" {
  description = "Protect the load balancer from deletion (turn off only for throwaway environments)."
  type        = bool
  default     = true
}

variable "idle_timeout" {
  description = "Idle connection timeout in seconds."
  type        = number
  default     = 60

  validation {
    condition     = var.idle_timeout >= 1 && var.idle_timeout <= 4000
    error_message = "idle_timeout must be between 1 and 4000 seconds."
  }
}

variable "access_logs_bucket" {
  description = "Existing S3 bucket for access logs. null: the module creates a private, versioned, SSE-S3 bucket with a lifecycle."
  type        = string
  default     = null
}

variable "access_logs_expiration_days" {
  description = "Days access logs are kept in the bucket the module creates."
  type        = number
  default     = 365

  validation {
    condition     = var.access_logs_expiration_days >= 1
    error_message = "access_logs_expiration_days must be at least 1."
  }
}

variable "ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks admitted to the production listener. Public ALB without a prefix list: [\"0.0.0.0/0\"] together with origin_verify_secret."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.ingress_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "ingress_cidr_blocks must hold valid IPv4 CIDR blocks."
  }
}

variable "ingress_prefix_list_ids" {
  description = "Managed prefix lists admitted to the production listener (e.g. the CloudFront origin-facing list, passed in because looking it up calls AWS)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.ingress_prefix_list_ids : can(regex("^pl-[0-9a-f]+$", p))])
    error_message = "ingress_prefix_list_ids must hold prefix list ids (pl-...)."
  }
}

variable "ingress_security_group_ids" {
  description = "Security groups admitted to both listeners, keyed by a static label (e.g. { public_alb = sg-..., api_tasks = sg-... }). Keys must be known at plan time."
  type        = map(string)
  default     = {}
}

variable "test_listener_cidr_blocks" {
  description = "IPv4 CIDR blocks admitted to the test listener. Empty: the VPC CIDR only (CodeDeploy hooks and in-VPC smoke tests)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.test_listener_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "test_listener_cidr_blocks must hold valid IPv4 CIDR blocks."
  }
}

variable "origin_verify_header_name" {
  description = "Header CloudFront adds to origin requests; production rules require it when origin_verify_secret is set."
  type        = string
  default     = "X-Origin-Verify"
}

variable "origin_verify_secret" {
  description = "Shared secret CloudFront sends in origin_verify_header_name. Set: requests without it get 403 (use on the public ALB). null: no header check (internal ALBs)."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.origin_verify_secret == null || length(coalesce(var.origin_verify_secret, "x")) >= 32
    error_message = "origin_verify_secret must be at least 32 characters."
  }
}

variable "public_health_check" {
  description = "A path answered without the origin header (Route53 health checkers cannot send headers): the path is forwarded to the named service, which must be on the CODE_DEPLOY controller. Only used with origin_verify_secret."
  type = object({
    service = string
    path    = string
  })
  default = null

  # CodeDeploy swaps every rule of the listener that forwards to the service's target groups; ECS moves only the
  # production rule, so this rule would keep forwarding to the group ECS drains after a release.
  validation {
    condition     = var.public_health_check == null || try(var.services[var.public_health_check.service].deployment_controller, null) != "ECS"
    error_message = "public_health_check must not name an ECS-controlled service: ECS shifts only the service's production listener rule, and the health check rule would keep forwarding to the target group ECS drains."
  }
}

variable "target_group_name_prefix" {
  description = "Prefix of the target group names (\"<prefix>-<service>-blue|green\"); target group names are unique per region, so services on different ALBs must not share a prefix and key."
  type        = string
  default     = null
}

variable "services" {
  description = <<-EOT
    Services behind this ALB, keyed by service name. Each gets a blue and a green ip target group and a
    weighted forward (blue 100 / green 0) that its deployment controller rewrites during a rollout. With one
    service and no origin header the listeners' default actions forward; otherwise one rule per service matches
    path_patterns (and the origin header) with the given priority (default: 100 + 10 * position in key order).
    deployment_controller "ECS" (Amazon ECS blue/green) always gets the production and test listener rules, also
    alone on its ALB: ECS shifts the weights of a rule, never of a listener's default action.
  EOT
  type = map(object({
    port                  = number
    health_check_path     = optional(string, "/health")
    health_check_matcher  = optional(string, "200")
    path_patterns         = optional(list(string), ["/*"])
    priority              = optional(number)
    deregistration_delay  = optional(number, 30)
    deployment_controller = optional(string, "CODE_DEPLOY")
  }))

  validation {
    condition     = length(var.services) >= 1
    error_message = "services must hold at least one service."
  }

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,19}$", k))])
    error_message = "service names must be 1-20 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.port >= 1 && s.port <= 65535])
    error_message = "service ports must be between 1 and 65535."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : startswith(s.health_check_path, "/")])
    error_message = "health_check_path must start with \"/\"."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.path_patterns) >= 1 && length(s.path_patterns) <= 4])
    error_message = "each service needs 1 to 4 path_patterns (an ALB rule holds at most 5 condition values, one is the origin header)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.priority == null || (coalesce(s.priority, 1) >= 1 && coalesce(s.priority, 1) <= 50000)])
    error_message = "priority must be between 1 and 50000."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["CODE_DEPLOY", "ECS"], s.deployment_controller)])
    error_message = "deployment_controller must be \"CODE_DEPLOY\" or \"ECS\"."
  }

  validation {
    condition     = alltrue([for k in keys(var.services) : length("${coalesce(var.target_group_name_prefix, var.name)}-${k}-green") <= 32])
    error_message = "target group names \"<target_group_name_prefix or name>-<service>-green\" must fit in 32 characters: shorten the prefix or the service name."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
