variable "name" {
  description = "Name prefix for every resource of this VPC (lowercase letters, digits and hyphens)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,31}$", var.name))
    error_message = "name must start with a letter and hold at most 32 lowercase letters, digits or hyphens."
  }
}

variable "cidr_block" {
  description = "IPv4 CIDR block of the VPC, a /16 to /20."
  type        = string

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && can(regex("^[0-9.]+/(1[6-9]|20)$", var.cidr_block))
    error_message = "cidr_block must be a valid IPv4 CIDR block with a prefix length between /16 and /20."
  }
}

variable "azs" {
  description = "Availability zone names, one public and one private subnet each (names are inputs so plans run offline)."
  type        = list(string)

  validation {
    condition     = length(var.azs) >= 2 && length(var.azs) <= 6
    error_message = "azs must list between 2 and 6 availability zones: one AZ is a single point of failure."
  }

  validation {
    condition     = alltrue([for az in var.azs : can(regex("^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", az))]) && length(distinct(var.azs)) == length(var.azs)
    error_message = "azs must be distinct availability zone names such as \"us-east-1a\"."
  }
}

variable "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets, one per AZ. Empty: cidrsubnet(cidr_block, 6, 56 + i), i.e. a /22 each near the top of a /16 (an ALB needs at least a /27)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.public_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "public_subnet_cidrs must hold valid IPv4 CIDR blocks."
  }

  validation {
    condition     = length(var.public_subnet_cidrs) == 0 || length(var.public_subnet_cidrs) == length(var.azs)
    error_message = "public_subnet_cidrs must be empty or hold one CIDR block per AZ."
  }
}

variable "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets, one per AZ. Empty: cidrsubnet(cidr_block, 4, i)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.private_subnet_cidrs : can(cidrhost(c, 0))])
    error_message = "private_subnet_cidrs must hold valid IPv4 CIDR blocks."
  }

  validation {
    condition     = length(var.private_subnet_cidrs) == 0 || length(var.private_subnet_cidrs) == length(var.azs)
    error_message = "private_subnet_cidrs must be empty or hold one CIDR block per AZ."
  }
}

variable "nat_gateway_mode" {
  description = "Outbound internet for private subnets: \"per_az\" (one NAT gateway per AZ), \"single\" (one shared) or \"none\" (DR: images come through the VPC endpoints)."
  type        = string
  default     = "per_az"

  validation {
    condition     = contains(["per_az", "single", "none"], var.nat_gateway_mode)
    error_message = "nat_gateway_mode must be one of \"per_az\", \"single\", \"none\"."
  }
}

variable "interface_endpoints" {
  description = "Services that get an interface VPC endpoint in the private subnets (short names, e.g. \"ecr.api\"). The defaults let Fargate tasks pull images, read secrets and ship logs without NAT."
  type        = list(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]

  validation {
    condition     = alltrue([for s in var.interface_endpoints : can(regex("^[a-z0-9][a-z0-9.-]*$", s))])
    error_message = "interface_endpoints must hold service short names such as \"ecr.api\"."
  }
}

variable "enable_s3_gateway_endpoint" {
  description = "Create the S3 gateway endpoint on every route table (ECR image layers live in S3)."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Send VPC flow logs to a CloudWatch log group."
  type        = bool
  default     = true
}

variable "flow_log_traffic_type" {
  description = "Traffic captured by the flow log: ACCEPT, REJECT or ALL."
  type        = string
  default     = "ALL"

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be ACCEPT, REJECT or ALL."
  }
}

variable "flow_log_retention_days" {
  description = "Retention of the flow log group in days (a CloudWatch Logs allowed value)."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch Logs retention value (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "flow_log_kms_key_arn" {
  description = "KMS key ARN that encrypts the flow log group (its policy must allow the CloudWatch Logs service principal). Required when enable_flow_logs is true."
  type        = string
  default     = null

  validation {
    condition     = var.flow_log_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:", var.flow_log_kms_key_arn))
    error_message = "flow_log_kms_key_arn must be a KMS key ARN."
  }

  validation {
    condition     = !var.enable_flow_logs || var.flow_log_kms_key_arn != null
    error_message = "flow_log_kms_key_arn is required when enable_flow_logs is true: flow logs are encrypted."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
