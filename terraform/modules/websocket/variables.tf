variable "name" {
  description = "Name prefix of every resource. Lowercase letters, digits and hyphens; starts with a letter."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,38}[a-z0-9]$", var.name))
    error_message = "name must be 3-40 characters of lowercase letters, digits and hyphens, start with a letter and not end with a hyphen."
  }
}

variable "stage_name" {
  description = "Name of the WebSocket stage (part of the wss:// URL)."
  type        = string
  default     = "live"

  validation {
    condition     = can(regex("^[a-zA-Z0-9_-]{1,128}$", var.stage_name))
    error_message = "stage_name must be 1-128 letters, digits, hyphens or underscores."
  }
}

variable "route_selection_expression" {
  description = "How API Gateway picks a route from a message; unmatched messages go to $default."
  type        = string
  default     = "$request.body.action"
}

variable "throttling_rate_limit" {
  description = "Load shedding: steady-state messages (and connects) per second the stage accepts before answering 429 (default route settings)."
  type        = number
  default     = 1000

  validation {
    condition     = var.throttling_rate_limit > 0 && var.throttling_rate_limit <= 10000
    error_message = "throttling_rate_limit must be greater than 0 and at most 10000 (the regional account limit)."
  }
}

variable "throttling_burst_limit" {
  description = "Load shedding: burst bucket size of the stage (default route settings)."
  type        = number
  default     = 500

  validation {
    condition     = var.throttling_burst_limit > 0 && var.throttling_burst_limit <= 5000 && floor(var.throttling_burst_limit) == var.throttling_burst_limit
    error_message = "throttling_burst_limit must be a whole number greater than 0 and at most 5000 (the regional account limit)."
  }
}

variable "connect_throttling" {
  description = "Optional tighter limits for the $connect route (connection storms after a regional failover). null = the stage defaults."
  type = object({
    rate_limit  = number
    burst_limit = number
  })
  default = null

  validation {
    condition     = var.connect_throttling == null || try(var.connect_throttling.rate_limit > 0 && var.connect_throttling.burst_limit > 0, false)
    error_message = "connect_throttling.rate_limit and burst_limit must be greater than 0."
  }
}

variable "connect_authorization_type" {
  description = "Authorization of the $connect route (WebSocket APIs authorize once, on connect): AWS_IAM (SigV4, e.g. Cognito identity pools), CUSTOM (Lambda authorizer in connect_authorizer_lambda_arn) or NONE."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "CUSTOM", "NONE"], var.connect_authorization_type)
    error_message = "connect_authorization_type must be AWS_IAM, CUSTOM or NONE."
  }
}

variable "connect_authorizer_lambda_arn" {
  description = "Lambda function ARN of the REQUEST authorizer; required when connect_authorization_type = \"CUSTOM\"."
  type        = string
  default     = null

  validation {
    condition     = var.connect_authorization_type != "CUSTOM" || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[a-zA-Z0-9-_]+$", coalesce(var.connect_authorizer_lambda_arn, "x")))
    error_message = "connect_authorizer_lambda_arn must be a Lambda function ARN when connect_authorization_type = \"CUSTOM\"."
  }
}

variable "connect_authorizer_identity_sources" {
  description = "Where the CUSTOM authorizer reads the caller's token (browsers cannot set headers on a WebSocket handshake, hence a query string)."
  type        = list(string)
  default     = ["route.request.querystring.token"]
}

variable "execution_logging_level" {
  description = "Execution logging of the stage: OFF, ERROR or INFO. Access logs are always on."
  type        = string
  default     = "ERROR"

  validation {
    condition     = contains(["OFF", "ERROR", "INFO"], var.execution_logging_level)
    error_message = "execution_logging_level must be OFF, ERROR or INFO."
  }
}

variable "manage_api_gateway_account" {
  description = "Set the region's API Gateway account CloudWatch Logs role (needed once per account and region before a WebSocket stage can log). Turn off when something else manages aws_api_gateway_account in this region."
  type        = bool
  default     = true
}

variable "connection_ttl_seconds" {
  description = "Connection ids expire from DynamoDB after this long even if $disconnect never arrives (API Gateway closes connections after 2 hours)."
  type        = number
  default     = 7200

  validation {
    condition     = var.connection_ttl_seconds >= 60 && var.connection_ttl_seconds <= 86400
    error_message = "connection_ttl_seconds must be between 60 and 86400."
  }
}

variable "table_deletion_protection" {
  description = "Deletion protection of the connections table."
  type        = bool
  default     = true
}

variable "queue_visibility_timeout_seconds" {
  description = "SQS visibility timeout: longer than the ECS workers' processing time of one message."
  type        = number
  default     = 60

  validation {
    condition     = var.queue_visibility_timeout_seconds >= 0 && var.queue_visibility_timeout_seconds <= 43200
    error_message = "queue_visibility_timeout_seconds must be between 0 and 43200."
  }
}

variable "queue_message_retention_seconds" {
  description = "How long unprocessed messages stay in the queue."
  type        = number
  default     = 345600

  validation {
    condition     = var.queue_message_retention_seconds >= 60 && var.queue_message_retention_seconds <= 1209600
    error_message = "queue_message_retention_seconds must be between 60 and 1209600 (14 days)."
  }
}

variable "queue_max_receive_count" {
  description = "Receives before a message moves to the dead-letter queue."
  type        = number
  default     = 5

  validation {
    condition     = var.queue_max_receive_count >= 1 && var.queue_max_receive_count <= 1000
    error_message = "queue_max_receive_count must be between 1 and 1000."
  }
}

variable "lambda_reserved_concurrency" {
  description = "Reserved concurrency of the connection Lambda: caps it so a connection storm cannot starve other functions (and sheds load beyond it)."
  type        = number
  default     = 100

  validation {
    condition     = var.lambda_reserved_concurrency >= 1 && floor(var.lambda_reserved_concurrency) == var.lambda_reserved_concurrency
    error_message = "lambda_reserved_concurrency must be a whole number >= 1."
  }
}

variable "lambda_memory_size" {
  description = "Memory (MB) of the connection Lambda."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_size >= 128 && var.lambda_memory_size <= 10240
    error_message = "lambda_memory_size must be between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of the connection Lambda (API Gateway waits at most 29 s)."
  type        = number
  default     = 10

  validation {
    condition     = var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 29
    error_message = "lambda_timeout_seconds must be between 1 and 29."
  }
}

variable "lambda_vpc_config" {
  description = "Optional: run the Lambda in these private subnets/security groups. The subnets then need a route to DynamoDB and SQS (VPC endpoints, or NAT — which the DR region does not run). null = Lambda-managed network."
  type = object({
    subnet_ids         = list(string)
    security_group_ids = list(string)
  })
  default = null

  validation {
    condition = var.lambda_vpc_config == null || try(
      length(var.lambda_vpc_config.subnet_ids) >= 1 &&
      length(var.lambda_vpc_config.security_group_ids) >= 1 &&
      alltrue([for s in var.lambda_vpc_config.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]) &&
      alltrue([for s in var.lambda_vpc_config.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", s))]),
      false
    )
    error_message = "lambda_vpc_config needs at least one subnet id (subnet-...) and one security group id (sg-...)."
  }
}

variable "log_retention_days" {
  description = "Retention of the access-log and Lambda log groups."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "kms_key_arn" {
  description = "KMS key (this region) for the queues, the table, the log groups and the Lambda environment. Its policy must let CloudWatch Logs of this region use it. null = the module creates one."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.kms_key_arn, "x")))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags for every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
