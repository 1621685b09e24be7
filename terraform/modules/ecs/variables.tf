variable "cluster_name" {
  description = "Name of the ECS cluster (also prefixes task families, security groups and IAM roles)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.cluster_name))
    error_message = "cluster_name must be 1-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "container_insights" {
  description = "Container Insights level of the cluster: \"enabled\" or \"enhanced\"."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced"], var.container_insights)
    error_message = "container_insights must be \"enabled\" or \"enhanced\"."
  }
}

variable "vpc_id" {
  description = "VPC of the task security groups."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets the tasks run in (at least two AZs). Tasks never get a public IP."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "tasks need private subnets in at least two availability zones."
  }
}

variable "services" {
  description = <<-EOT
    Fargate services, keyed by service name (also the container name). image is the initial task definition's
    image only: later revisions are registered by the deployment tool and rolled out by the service's
    deployment_controller: "CODE_DEPLOY" (a CodeDeploy deployment group) or "ECS" (Amazon ECS blue/green, canary
    or linear; the module adds the infrastructure role ECS shifts the load balancer's traffic with).
    desired_count and min_capacity are 0 in a DR region. secrets maps an environment variable name to a
    Secrets Manager secret ARN. With scale_on_requests, request_count_resource_labels (one
    "app/<alb>/<id>/targetgroup/<tg>/<id>" per target group, keyed e.g. blue and green) drive one
    ALBRequestCountPerTarget policy each next to CPU: whichever group serves after a blue/green swap
    scales the service, and the idle one (no requests) never holds it up.
  EOT
  type = map(object({
    image                             = string
    container_port                    = number
    cpu                               = optional(number, 512)
    memory                            = optional(number, 1024)
    cpu_architecture                  = optional(string, "X86_64")
    desired_count                     = number
    min_capacity                      = number
    max_capacity                      = number
    cpu_target_percent                = optional(number, 60)
    requests_per_target               = optional(number, 1000)
    target_group_arn                  = string
    scale_on_requests                 = optional(bool, true)
    request_count_resource_labels     = optional(map(string), {})
    load_balancer_security_group_id   = string
    log_group_name                    = string
    environment                       = optional(map(string), {})
    secrets                           = optional(map(string), {})
    health_check_grace_period_seconds = optional(number, 60)
    task_role_policy_arns             = optional(list(string), [])
    readonly_root_filesystem          = optional(bool, true)
    deployment_controller             = optional(string, "CODE_DEPLOY")
  }))

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,19}$", k))])
    error_message = "service names must be 1-20 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.container_port >= 1 && s.container_port <= 65535])
    error_message = "container_port must be between 1 and 65535."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains([256, 512, 1024, 2048, 4096, 8192, 16384], s.cpu)])
    error_message = "cpu must be a Fargate task size: 256, 512, 1024, 2048, 4096, 8192 or 16384."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.memory >= 2 * s.cpu && s.memory <= 8 * s.cpu && s.memory >= 512])
    error_message = "memory must be between 2x and 8x cpu (MiB) as Fargate allows (e.g. cpu 512: 1024-4096)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : !s.scale_on_requests || length(s.request_count_resource_labels) > 0])
    error_message = "request_count_resource_labels needs a label per target group (blue and green) when scale_on_requests is true."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["CODE_DEPLOY", "ECS"], s.deployment_controller)])
    error_message = "deployment_controller must be \"CODE_DEPLOY\" (CodeDeploy blue/green) or \"ECS\" (Amazon ECS blue/green, canary or linear)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["X86_64", "ARM64"], s.cpu_architecture)])
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.min_capacity >= 0 && s.min_capacity <= s.max_capacity])
    error_message = "capacity must satisfy 0 <= min_capacity <= max_capacity (max_capacity 0: no tasks, a standby DR region)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.desired_count >= s.min_capacity && s.desired_count <= s.max_capacity])
    error_message = "desired_count must lie between min_capacity and max_capacity (0 and 0 in DR)."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.cpu_target_percent >= 1 && s.cpu_target_percent <= 100 && s.requests_per_target >= 1])
    error_message = "cpu_target_percent must be 1-100 and requests_per_target at least 1."
  }

  validation {
    condition     = alltrue(flatten([for s in values(var.services) : [for n in concat(keys(s.environment), keys(s.secrets)) : can(regex("^[A-Za-z_][A-Za-z0-9_]*$", n))]]))
    error_message = "environment and secrets keys must be environment variable names."
  }

  validation {
    condition     = alltrue(flatten([for s in values(var.services) : [for a in values(s.secrets) : can(regex("^arn:aws[a-z-]*:(secretsmanager|ssm):", a))]]))
    error_message = "secrets values must be Secrets Manager secret (or SSM parameter) ARNs."
  }
}

variable "secrets_kms_key_arns" {
  description = "KMS keys that encrypt the injected secrets; the execution roles may decrypt with them."
  type        = list(string)
  default     = []
}

variable "egress_https_cidr_blocks" {
  description = "Destinations tasks may reach on 443 (AWS APIs through the VPC endpoints or NAT, internal ALBs, third-party APIs)."
  type        = list(string)
  default     = ["0.0.0.0/0"]

  validation {
    condition     = alltrue([for c in var.egress_https_cidr_blocks : can(cidrhost(c, 0))])
    error_message = "egress_https_cidr_blocks must hold valid IPv4 CIDR blocks."
  }
}

variable "fault_injection" {
  description = <<-EOT
    Let AWS FIS run its aws:ecs:task actions (network latency, blackhole, packet loss) on every service's
    tasks: enableFaultInjection and pidMode "task" in the task definitions, an SSM agent sidecar that
    registers each task as an SSM managed instance tagged ECS_TASK_ARN (which FIS resolves targets by), its
    managed-instance role, and the task role permissions the registration needs. Pin ssm_agent_image to a
    version (or a pull-through cache of it) in production. null = off.
  EOT
  type = object({
    ssm_agent_image = optional(string, "public.ecr.aws/amazon-ssm-agent/amazon-ssm-agent:latest")
  })
  default = null
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
