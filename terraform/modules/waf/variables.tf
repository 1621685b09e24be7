variable "name" {
  description = "Name of the web ACL; also used for the IP sets, metrics and the default log group name."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9_-]{0,100}$", var.name))
    error_message = "name must be 1-101 characters of letters, digits, '-' or '_', starting with a letter or digit."
  }
}

variable "scope" {
  description = "CLOUDFRONT (the provider must be in us-east-1) for the global distribution, REGIONAL for ALBs."
  type        = string
  default     = "CLOUDFRONT"

  validation {
    condition     = contains(["CLOUDFRONT", "REGIONAL"], var.scope)
    error_message = "scope must be CLOUDFRONT or REGIONAL."
  }
}

variable "description" {
  description = "Description of the web ACL."
  type        = string
  default     = "Managed by Terraform (platform-deploy)"
}

variable "managed_rule_groups" {
  description = "AWS managed rule groups evaluated in list order after the custom rules. `count_rules` lists rule names of the group switched to COUNT (tuning false positives)."
  type = list(object({
    name        = string
    vendor_name = optional(string, "AWS")
    version     = optional(string)
    count_rules = optional(list(string), [])
  }))
  default = [
    { name = "AWSManagedRulesAmazonIpReputationList" },
    { name = "AWSManagedRulesAnonymousIpList" },
    { name = "AWSManagedRulesCommonRuleSet" },
    { name = "AWSManagedRulesKnownBadInputsRuleSet" },
    { name = "AWSManagedRulesSQLiRuleSet" },
  ]

  validation {
    condition     = length(distinct([for g in var.managed_rule_groups : g.name])) == length(var.managed_rule_groups)
    error_message = "managed_rule_groups must not list the same rule group twice."
  }

  validation {
    condition     = alltrue([for g in var.managed_rule_groups : can(regex("^[A-Za-z0-9_-]{1,128}$", g.name))])
    error_message = "Every managed rule group name must be 1-128 letters, digits, '-' or '_'."
  }

  validation {
    condition     = contains([for g in var.managed_rule_groups : g.name if g.vendor_name == "AWS" && length(g.count_rules) == 0], "AWSManagedRulesKnownBadInputsRuleSet")
    error_message = "managed_rule_groups must keep AWSManagedRulesKnownBadInputsRuleSet, fully blocking (Log4Shell and other known exploits)."
  }
}

variable "rate_limit" {
  description = "Requests allowed per client IP within rate_limit_window_seconds before the rate rule blocks (load shedding). AWS accepts 10 to 2,000,000,000."
  type        = number
  default     = 2000

  validation {
    condition     = var.rate_limit >= 10 && var.rate_limit <= 2000000000 && floor(var.rate_limit) == var.rate_limit
    error_message = "rate_limit must be a whole number between 10 (the AWS minimum) and 2000000000."
  }
}

variable "rate_limit_window_seconds" {
  description = "Evaluation window of the rate-based rule, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600], var.rate_limit_window_seconds)
    error_message = "rate_limit_window_seconds must be one of 60, 120, 300, 600."
  }
}

variable "rate_limit_aggregate_key" {
  description = "How the rate rule identifies a client: IP (source address; right for CLOUDFRONT scope) or FORWARDED_IP (first X-Forwarded-For address; use it for a REGIONAL ACL behind CloudFront)."
  type        = string
  default     = "IP"

  validation {
    condition     = contains(["IP", "FORWARDED_IP"], var.rate_limit_aggregate_key)
    error_message = "rate_limit_aggregate_key must be IP or FORWARDED_IP."
  }
}

variable "rate_limit_response_code" {
  description = "HTTP status returned to a rate-limited client."
  type        = number
  default     = 429

  validation {
    condition     = var.rate_limit_response_code >= 200 && var.rate_limit_response_code <= 599
    error_message = "rate_limit_response_code must be an HTTP status code between 200 and 599."
  }
}

variable "blocked_ip_addresses" {
  description = "CIDR blocks (IPv4 or IPv6) always blocked, e.g. [\"192.0.2.0/24\", \"2001:db8::/32\"]."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.blocked_ip_addresses : can(cidrhost(c, 0))])
    error_message = "Every blocked_ip_addresses entry must be a CIDR block such as 192.0.2.0/24 or 2001:db8::/32."
  }

  validation {
    condition     = length(var.blocked_ip_addresses) <= 10000
    error_message = "An IP set holds at most 10,000 addresses."
  }
}

variable "geo_block_country_codes" {
  description = "ISO 3166-1 alpha-2 country codes whose requests are blocked; empty disables the geo rule."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.geo_block_country_codes : contains(local.iso_3166_alpha2, c)])
    error_message = "geo_block_country_codes must hold ISO 3166-1 alpha-2 codes in upper case, e.g. [\"KP\", \"IR\"]."
  }

  validation {
    condition     = length(distinct(var.geo_block_country_codes)) == length(var.geo_block_country_codes)
    error_message = "geo_block_country_codes must not repeat a country."
  }
}

variable "association_resource_arns" {
  description = "REGIONAL scope only: resources (ALB, API Gateway stage...) to associate with the ACL, keyed by a static name."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for arn in values(var.association_resource_arns) : can(regex("^arn:aws[a-z-]*:", arn))])
    error_message = "association_resource_arns values must be ARNs."
  }

  validation {
    condition     = length(var.association_resource_arns) == 0 || var.scope == "REGIONAL"
    error_message = "association_resource_arns is for REGIONAL scope; a CLOUDFRONT ACL is attached through the distribution's web_acl_id."
  }
}

variable "log_group_name" {
  description = "CloudWatch log group for the WAF logs (WAF requires the aws-waf-logs- prefix). Defaults to aws-waf-logs-<name>."
  type        = string
  default     = null

  validation {
    condition     = var.log_group_name == null || can(regex("^aws-waf-logs-[A-Za-z0-9_./#-]{1,499}$", var.log_group_name))
    error_message = "log_group_name must start with aws-waf-logs- (an AWS WAF requirement)."
  }
}

variable "log_retention_days" {
  description = "Retention of the WAF log group, in days."
  type        = number
  default     = 365

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a retention period CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)."
  }
}

variable "log_kms_key_arn" {
  description = "KMS key ARN encrypting the WAF log group (its key policy must allow logs.<region>.amazonaws.com)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.log_kms_key_arn))
    error_message = "log_kms_key_arn must be a KMS key ARN."
  }
}

variable "redacted_headers" {
  description = "Request headers redacted from the WAF logs (lower case)."
  type        = list(string)
  default     = ["authorization", "cookie", "x-origin-verify"]

  validation {
    condition     = alltrue([for h in var.redacted_headers : can(regex("^[a-z0-9-]+$", h))])
    error_message = "redacted_headers must be lower-case header names."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

locals {
  # ISO 3166-1 alpha-2 (Debian iso-codes); the geo rule accepts only these.
  iso_3166_alpha2 = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ", "BA", "BB", "BD", "BE",
    "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS", "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD",
    "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN", "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM",
    "DO", "DZ", "EC", "EE", "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM", "HN", "HR", "HT", "HU",
    "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM", "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN",
    "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC", "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME",
    "MF", "MG", "MH", "MK", "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG", "PH", "PK", "PL", "PM",
    "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW", "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI",
    "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS", "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK",
    "TL", "TM", "TN", "TO", "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
  "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW", ]
}
