variable "name" {
  description = "Name of the edge: prefix of the policies and of the log bucket's default name."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,40}[a-z0-9]$", var.name))
    error_message = "name must be 3-42 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "aliases" {
  description = "Public host names served by the distribution (covered by the ACM certificate)."
  type        = list(string)

  validation {
    condition     = length(var.aliases) > 0 && alltrue([for a in var.aliases : can(regex("^(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", a))])
    error_message = "aliases must be lower-case DNS names such as app.example.com."
  }
}

variable "acm_certificate_arn" {
  description = "ACM certificate for the aliases. CloudFront only uses certificates from us-east-1."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+$", var.acm_certificate_arn))
    error_message = "acm_certificate_arn must be an ACM certificate ARN in us-east-1."
  }
}

variable "web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope WAFv2 web ACL protecting the distribution."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:wafv2:us-east-1:[0-9]{12}:global/webacl/.+$", var.web_acl_arn))
    error_message = "web_acl_arn must be a global (CLOUDFRONT scope) WAFv2 web ACL ARN."
  }
}

variable "origin_mode" {
  description = "failover: cacheable GET/HEAD/OPTIONS go to an origin group (primary, then secondary on 5xx) and all-method paths go to routed_origin_domain (a Route53 failover name). latency: active-active, everything goes to routed_origin_domain (a Route53 latency name)."
  type        = string
  default     = "failover"

  validation {
    condition     = contains(["failover", "latency"], var.origin_mode)
    error_message = "origin_mode must be failover or latency."
  }
}

variable "failover_origins" {
  description = "Host names of the primary and secondary regional origins (origin group members in failover mode). Their ALB certificates must cover them."
  type = object({
    primary   = string
    secondary = string
  })

  validation {
    condition     = var.failover_origins.primary != var.failover_origins.secondary
    error_message = "The primary and secondary origins must differ."
  }
}

variable "routed_origin_domain" {
  description = "Host name resolved by Route53 routing (failover record in failover mode, latency record in latency mode). Serves every method."
  type        = string

  validation {
    condition     = can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z]{2,63}$", var.routed_origin_domain))
    error_message = "routed_origin_domain must be a lower-case DNS name."
  }
}

variable "failover_status_codes" {
  description = "Origin status codes that make the origin group retry the secondary."
  type        = list(number)
  default     = [500, 502, 503, 504]

  validation {
    condition     = length(var.failover_status_codes) > 0 && alltrue([for c in var.failover_status_codes : contains([403, 404, 416, 500, 502, 503, 504], c)])
    error_message = "failover_status_codes must be among 403, 404, 416, 500, 502, 503, 504."
  }
}

variable "origin_verify_header_name" {
  description = "Header carrying the shared secret the regional ALBs require."
  type        = string
  default     = "X-Origin-Verify"
}

variable "origin_verify_secret" {
  description = "Shared secret sent to the origins in origin_verify_header_name; the ALBs answer 403 without it."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.origin_verify_secret) >= 32
    error_message = "origin_verify_secret must be at least 32 characters."
  }
}

variable "api_path_patterns" {
  description = "Path patterns of the API: every method, never cached, all viewer headers but Host forwarded."
  type        = list(string)
  default     = ["/api/*"]

  validation {
    condition     = alltrue([for p in var.api_path_patterns : startswith(p, "/")])
    error_message = "api_path_patterns must start with '/'."
  }
}

variable "static_path_patterns" {
  description = "Path patterns of static assets: GET/HEAD only, cached (static_default_ttl), compressed."
  type        = list(string)
  default     = ["/static/*", "/assets/*"]

  validation {
    condition     = alltrue([for p in var.static_path_patterns : startswith(p, "/")])
    error_message = "static_path_patterns must start with '/'."
  }
}

variable "websocket_path_pattern" {
  description = "Path pattern of the WebSocket endpoint: not cached, every viewer header forwarded (Upgrade, Sec-WebSocket-*)."
  type        = string
  default     = "/ws*"

  validation {
    condition     = startswith(var.websocket_path_pattern, "/")
    error_message = "websocket_path_pattern must start with '/'."
  }
}

variable "static_default_ttl" {
  description = "Seconds a static object is cached when the origin sends no Cache-Control."
  type        = number
  default     = 86400

  validation {
    condition     = var.static_default_ttl >= 0 && var.static_default_ttl <= 31536000
    error_message = "static_default_ttl must be between 0 and 31536000."
  }
}

variable "static_max_ttl" {
  description = "Upper bound of the cache time of a static object."
  type        = number
  default     = 31536000

  validation {
    condition     = var.static_max_ttl >= var.static_default_ttl
    error_message = "static_max_ttl must be at least static_default_ttl."
  }
}

variable "origin_read_timeout" {
  description = "Seconds CloudFront waits for an origin response (also the idle limit of a WebSocket)."
  type        = number
  default     = 60

  validation {
    condition     = var.origin_read_timeout >= 1 && var.origin_read_timeout <= 180
    error_message = "origin_read_timeout must be between 1 and 180 (above 60 needs a quota increase)."
  }
}

variable "origin_connection_attempts" {
  description = "Connection attempts to an origin before failing over (lower = faster failover)."
  type        = number
  default     = 2

  validation {
    condition     = var.origin_connection_attempts >= 1 && var.origin_connection_attempts <= 3
    error_message = "origin_connection_attempts must be between 1 and 3."
  }
}

variable "origin_connection_timeout" {
  description = "Seconds per connection attempt to an origin."
  type        = number
  default     = 5

  validation {
    condition     = var.origin_connection_timeout >= 1 && var.origin_connection_timeout <= 10
    error_message = "origin_connection_timeout must be between 1 and 10."
  }
}

variable "price_class" {
  description = "CloudFront price class."
  type        = string
  default     = "PriceClass_All"

  validation {
    condition     = contains(["PriceClass_All", "PriceClass_200", "PriceClass_100"], var.price_class)
    error_message = "price_class must be PriceClass_All, PriceClass_200 or PriceClass_100."
  }
}

variable "log_bucket_name" {
  description = "S3 bucket created for the standard (access) logs of the distribution."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", var.log_bucket_name))
    error_message = "log_bucket_name must be a valid S3 bucket name without dots."
  }
}

variable "log_prefix" {
  description = "Key prefix of the access logs in the bucket."
  type        = string
  default     = "cloudfront/"
}

variable "log_retention_days" {
  description = "Days access logs are kept."
  type        = number
  default     = 365

  validation {
    condition     = var.log_retention_days >= 1
    error_message = "log_retention_days must be at least 1."
  }
}

variable "wait_for_deployment" {
  description = "Wait for the distribution to be deployed (minutes) during apply."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
