variable "name" {
  description = "Name prefix of the alarms, log groups, dashboard, sampling rules and KMS alias."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,23}$", var.name))
    error_message = "name must be 1-24 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "services" {
  description = <<-EOT
    Services to watch, keyed by service name. Target group metrics are summed over the blue and the green
    target group, so the alarms follow traffic through a blue/green rollout whichever group is live.
  EOT
  type = map(object({
    load_balancer_arn_suffix      = string
    blue_target_group_arn_suffix  = string
    green_target_group_arn_suffix = string
    cluster_name                  = string
    service_name                  = string
  }))

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,19}$", k))])
    error_message = "service names must be 1-20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "error_rate_min_requests" {
  description = "Requests a target group needs in an alarm period before its 5xx rate counts (below: 0 %)."
  type        = number
  default     = 10

  validation {
    condition     = var.error_rate_min_requests >= 1 && floor(var.error_rate_min_requests) == var.error_rate_min_requests
    error_message = "error_rate_min_requests must be a whole number of at least 1."
  }
}

variable "error_rate_threshold_percent" {
  description = "SLO error rate: alarm when target 5xx / requests exceeds this percentage (SLO: < 0.1%)."
  type        = number
  default     = 0.1

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent < 100
    error_message = "error_rate_threshold_percent must be greater than 0 and less than 100."
  }
}

variable "latency_p95_threshold_ms" {
  description = "SLO latency: alarm when p95 TargetResponseTime exceeds this many milliseconds (SLO: < 300 ms)."
  type        = number
  default     = 300

  validation {
    condition     = var.latency_p95_threshold_ms > 0
    error_message = "latency_p95_threshold_ms must be positive."
  }
}

variable "cpu_threshold_percent" {
  description = "Alarm when the service's average CPU utilization exceeds this percentage."
  type        = number
  default     = 85

  validation {
    condition     = var.cpu_threshold_percent > 0 && var.cpu_threshold_percent <= 100
    error_message = "cpu_threshold_percent must be between 0 (exclusive) and 100."
  }
}

variable "memory_threshold_percent" {
  description = "Alarm when the service's average memory utilization exceeds this percentage."
  type        = number
  default     = 85

  validation {
    condition     = var.memory_threshold_percent > 0 && var.memory_threshold_percent <= 100
    error_message = "memory_threshold_percent must be between 0 (exclusive) and 100."
  }
}

variable "alarm_period_seconds" {
  description = "Period of every alarm's metrics (10, 30 or a multiple of 60)."
  type        = number
  default     = 60

  validation {
    condition     = contains([10, 30], var.alarm_period_seconds) || (var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0)
    error_message = "alarm_period_seconds must be 10, 30 or a multiple of 60."
  }
}

variable "alarm_evaluation_periods" {
  description = "Periods evaluated by each alarm."
  type        = number
  default     = 3

  validation {
    condition     = var.alarm_evaluation_periods >= 1
    error_message = "alarm_evaluation_periods must be at least 1."
  }
}

variable "alarm_datapoints_to_alarm" {
  description = "Breaching datapoints (out of alarm_evaluation_periods) that put an alarm in ALARM."
  type        = number
  default     = 2

  validation {
    condition     = var.alarm_datapoints_to_alarm >= 1 && var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods
    error_message = "alarm_datapoints_to_alarm must be between 1 and alarm_evaluation_periods."
  }
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires and recovers (e.g. an SNS topic)."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Retention of the service log groups in days (a CloudWatch Logs allowed value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, ...)."
  }
}

variable "xray_sampling_rate" {
  description = "Fraction of requests traced by X-Ray after the per-second reservoir is used (0-1)."
  type        = number
  default     = 0.05

  validation {
    condition     = var.xray_sampling_rate >= 0 && var.xray_sampling_rate <= 1
    error_message = "xray_sampling_rate must be between 0 and 1."
  }
}

variable "xray_reservoir_size" {
  description = "Requests per second traced before xray_sampling_rate applies."
  type        = number
  default     = 1

  validation {
    condition     = var.xray_reservoir_size >= 0
    error_message = "xray_reservoir_size must not be negative."
  }
}

variable "xray_rule_priority" {
  description = "Priority of the default sampling rule (1-9999); the health-check exclusion takes priority - 1."
  type        = number
  default     = 1000

  validation {
    condition     = var.xray_rule_priority >= 2 && var.xray_rule_priority <= 9999
    error_message = "xray_rule_priority must be between 2 and 9999."
  }
}

variable "health_check_path" {
  description = "Path never traced (load balancer health checks)."
  type        = string
  default     = "/health"
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before the logs KMS key is deleted, 7 to 30 days."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
