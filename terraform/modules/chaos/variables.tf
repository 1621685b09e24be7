variable "name" {
  description = "Name prefix of every resource. Lowercase letters, digits and hyphens; starts with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "stop_condition_alarm_arns" {
  description = "CloudWatch alarm ARNs (the SLO alarms: availability, p95 latency, error rate). Every experiment stops as soon as one of them goes to ALARM. Required: an experiment without a stop condition is never created."
  type        = list(string)

  validation {
    condition     = length(var.stop_condition_alarm_arns) >= 1 && length(var.stop_condition_alarm_arns) <= 5
    error_message = "stop_condition_alarm_arns must hold 1 to 5 alarm ARNs (FIS allows at most 5 stop conditions per template); experiments without a stop condition are not allowed."
  }

  validation {
    condition     = alltrue([for a in var.stop_condition_alarm_arns : can(regex("^arn:aws[a-z-]*:cloudwatch:[a-z0-9-]+:[0-9]{12}:alarm:.+$", a))])
    error_message = "stop_condition_alarm_arns must be CloudWatch alarm ARNs (arn:aws:cloudwatch:<region>:<account>:alarm:<name>)."
  }
}

variable "vpc_id" {
  description = "VPC whose subnets the AZ-outage experiment isolates."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "az_outage" {
  description = <<-EOT
    AZ outage: aws:network:disrupt-connectivity on every subnet of the VPC in one Availability Zone (FIS swaps in a
    deny-all clone of each subnet's network ACL, then restores it). The ALB node, the ECS tasks and the Aurora
    instance in that AZ become unreachable, as in the seed's "disable ALB subnets". scope "all" cuts all traffic;
    "availability-zone" only cuts traffic to the VPC's other AZs. null = no template.
  EOT
  type = object({
    availability_zone = string
    duration          = optional(string, "PT10M")
    scope             = optional(string, "all")
  })
  default = null

  validation {
    condition = var.az_outage == null || try(
      can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9][a-z]$|^[a-z]{3,4}[0-9]-az[0-9]+$", var.az_outage.availability_zone)) &&
      contains(["all", "availability-zone"], var.az_outage.scope),
      false
    )
    error_message = "az_outage.availability_zone must be an AZ name (us-east-1a) or id (use1-az1) and scope \"all\" or \"availability-zone\"."
  }

  validation {
    condition     = var.az_outage == null || try(can(regex("^PT([1-9][0-9]*H)?([1-9][0-9]*M)?([1-9][0-9]*S)?$", var.az_outage.duration)) && var.az_outage.duration != "PT", false)
    error_message = "az_outage.duration must be an ISO 8601 duration such as PT10M (1 minute to 12 hours)."
  }
}

variable "ecs" {
  description = <<-EOT
    ECS experiments, one template of each kind per service in `services`:
      stop-tasks      aws:ecs:stop-task on stop_task_percent % of the tasks (the scheduler must replace them)
      service-outage  aws:ecs:stop-task on ALL tasks: the service has 0 running tasks until ECS recovers it
                      (FIS has no action that sets desiredCount; stopping every task is the supported equivalent)
      latency         aws:ecs:task-network-latency (delay + jitter on egress to latency_sources)
      blackhole       aws:ecs:task-network-blackhole-port: drops egress to blackhole_port (default 5432, the
                      database) inside the task, the effect of a security-group blackhole on that dependency
    latency and blackhole need, in the task definition: enableFaultInjection = true, pidMode = "task" and the FIS
    SSM-agent sidecar (see README). null = no ECS templates.
  EOT
  type = object({
    cluster_arn            = string
    services               = list(string)
    stop_task_percent      = optional(number, 50)
    latency_ms             = optional(number, 300)
    jitter_ms              = optional(number, 50)
    latency_sources        = optional(string, "ALL")
    latency_duration       = optional(string, "PT10M")
    blackhole_port         = optional(number, 5432)
    blackhole_traffic_type = optional(string, "egress")
    blackhole_duration     = optional(string, "PT5M")
  })
  default = null

  validation {
    condition = var.ecs == null || try(
      can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/[a-zA-Z0-9_-]+$", var.ecs.cluster_arn)) &&
      length(var.ecs.services) >= 1 &&
      alltrue([for s in var.ecs.services : can(regex("^[a-zA-Z0-9_-]{1,255}$", s))]),
      false
    )
    error_message = "ecs.cluster_arn must be an ECS cluster ARN and ecs.services a non-empty list of service names."
  }

  validation {
    condition = var.ecs == null || try(
      var.ecs.stop_task_percent >= 1 && var.ecs.stop_task_percent <= 100 &&
      var.ecs.latency_ms >= 1 && var.ecs.latency_ms <= 60000 &&
      var.ecs.jitter_ms >= 0 && var.ecs.jitter_ms <= var.ecs.latency_ms &&
      var.ecs.blackhole_port >= 1 && var.ecs.blackhole_port <= 65535 &&
      contains(["ingress", "egress"], var.ecs.blackhole_traffic_type) &&
      can(regex("^PT([1-9][0-9]*H)?([1-9][0-9]*M)?([1-9][0-9]*S)?$", var.ecs.latency_duration)) &&
      can(regex("^PT([1-9][0-9]*H)?([1-9][0-9]*M)?([1-9][0-9]*S)?$", var.ecs.blackhole_duration)),
      false
    )
    error_message = "ecs: stop_task_percent 1-100, latency_ms 1-60000, jitter_ms 0-latency_ms, blackhole_port 1-65535, blackhole_traffic_type ingress|egress, durations ISO 8601 (PT5M)."
  }
}

variable "aurora_cluster_arn" {
  description = "Aurora cluster for the failover experiment (aws:rds:failover-db-cluster promotes a reader to writer). Use the primary region's cluster (rds module output cluster_arn). null = no template."
  type        = string
  default     = null

  validation {
    condition     = var.aurora_cluster_arn == null || can(regex("^arn:aws[a-z-]*:rds:[a-z0-9-]+:[0-9]{12}:cluster:[a-zA-Z][a-zA-Z0-9-]*$", coalesce(var.aurora_cluster_arn, "x")))
    error_message = "aurora_cluster_arn must be an RDS cluster ARN (arn:aws:rds:<region>:<account>:cluster:<id>)."
  }
}

variable "aurora_failover_template" {
  description = "With aurora_cluster_arn: create the aurora-failover template (true), or keep only its permission (false: the cluster is not the writer right now, or has no reader to promote). Flipping it changes no IAM."
  type        = bool
  default     = true
  nullable    = false
}

variable "create_templates" {
  description = "Create the experiment templates (true), or only what they run with: the role and its policy (the permissions of every configured experiment), the log group and its key (false: a region that does not serve yet, e.g. a DR region on standby at 0 tasks). Flipping it creates or deletes templates only, with no IAM change."
  type        = bool
  default     = true
  nullable    = false
}

variable "log_retention_days" {
  description = "Retention of the experiment log group."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_key_arn" {
  description = "KMS key (this region) of the experiment log group; its policy must let CloudWatch Logs use it. null = the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "tags" {
  description = "Tags for every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
