variable "name" {
  description = "Name of the CodeDeploy application (also prefixes the custom deployment configs and the service role)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name))
    error_message = "name must be 1-40 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "canary_percentage" {
  description = "TimeBasedCanary: percentage of traffic shifted to the replacement task set first (1-99)."
  type        = number
  default     = 10

  validation {
    condition     = var.canary_percentage >= 1 && var.canary_percentage <= 99 && floor(var.canary_percentage) == var.canary_percentage
    error_message = "canary_percentage must be a whole number between 1 and 99."
  }
}

variable "canary_interval_minutes" {
  description = "TimeBasedCanary: minutes between the canary step and shifting the rest (>= 1)."
  type        = number
  default     = 5

  validation {
    condition     = var.canary_interval_minutes >= 1 && floor(var.canary_interval_minutes) == var.canary_interval_minutes
    error_message = "canary_interval_minutes must be a whole number of at least 1."
  }
}

variable "linear_percentage" {
  description = "TimeBasedLinear: percentage of traffic shifted at every step (1-99)."
  type        = number
  default     = 10

  validation {
    condition     = var.linear_percentage >= 1 && var.linear_percentage <= 99 && floor(var.linear_percentage) == var.linear_percentage
    error_message = "linear_percentage must be a whole number between 1 and 99."
  }
}

variable "linear_interval_minutes" {
  description = "TimeBasedLinear: minutes between steps (>= 1)."
  type        = number
  default     = 1

  validation {
    condition     = var.linear_interval_minutes >= 1 && floor(var.linear_interval_minutes) == var.linear_interval_minutes
    error_message = "linear_interval_minutes must be a whole number of at least 1."
  }
}

variable "termination_wait_time_minutes" {
  description = "Minutes the original (blue) task set keeps running after a successful shift, for instant rollback (0-2880)."
  type        = number
  default     = 5

  validation {
    condition     = var.termination_wait_time_minutes >= 0 && var.termination_wait_time_minutes <= 2880
    error_message = "termination_wait_time_minutes must be between 0 and 2880."
  }
}

variable "ready_wait_minutes" {
  description = <<-EOT
    Minutes CodeDeploy holds a rollout once the replacement (green) task set is ready, before it reroutes production
    traffic (0-2880). 0: production traffic is rerouted at once (action_on_timeout CONTINUE_DEPLOYMENT). > 0: the
    deployment waits for ContinueDeployment (READY_WAIT), e.g. a person promoting it, and is stopped
    (action_on_timeout STOP_DEPLOYMENT) if nobody continues it within that many minutes.
  EOT
  type        = number
  default     = 0

  validation {
    condition     = var.ready_wait_minutes >= 0 && var.ready_wait_minutes <= 2880 && floor(var.ready_wait_minutes) == var.ready_wait_minutes
    error_message = "ready_wait_minutes must be a whole number between 0 (reroute production traffic at once) and 2880 (wait up to 2 days for ContinueDeployment)."
  }
}

variable "service_role_arn" {
  description = "Existing CodeDeploy service role. null: the module creates one with AWSCodeDeployRoleForECS."
  type        = string
  default     = null
}

variable "services" {
  description = <<-EOT
    One blue/green deployment group per ECS service, keyed by service name. alarm_names (1-10) stop a
    rollout and roll it back when one fires. deployment_strategy picks the custom "canary" or "linear"
    config, or "all_at_once" (CodeDeployDefault.ECSAllAtOnce).
  EOT
  type = map(object({
    cluster_name            = string
    service_name            = string
    blue_target_group_name  = string
    green_target_group_name = string
    prod_listener_arn       = string
    test_listener_arn       = string
    alarm_names             = list(string)
    deployment_strategy     = optional(string, "canary")
  }))

  validation {
    condition     = alltrue([for k in keys(var.services) : can(regex("^[a-z][a-z0-9-]{0,19}$", k))])
    error_message = "service names must be 1-20 lowercase letters, digits or hyphens, starting with a letter."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : length(s.alarm_names) >= 1 && length(s.alarm_names) <= 10])
    error_message = "every deployment group needs 1 to 10 alarms: a rollout without alarms cannot stop itself."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : contains(["canary", "linear", "all_at_once"], s.deployment_strategy)])
    error_message = "deployment_strategy must be \"canary\", \"linear\" or \"all_at_once\"."
  }

  validation {
    condition     = alltrue([for s in values(var.services) : s.blue_target_group_name != s.green_target_group_name])
    error_message = "the blue and green target groups must differ."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
