mock_provider "aws" {}

variables {
  name                 = "platform"
  aliases              = ["app.example.com"]
  acm_certificate_arn  = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  web_acl_arn          = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/platform-edge/00000000-0000-0000-0000-000000000000"
  origin_verify_secret = "test-only-origin-verify-secret-0123456789"
  failover_origins = {
    primary   = "us-east-1.origin.app.example.com"
    secondary = "eu-west-1.origin.app.example.com"
  }
  routed_origin_domain = "failover.origin.app.example.com"
  log_bucket_name      = "platform-cloudfront-logs-123456789012"
}

run "failover_mode" {
  command = apply

  assert {
    condition     = length(aws_cloudfront_distribution.this.origin_group) == 1
    error_message = "failover mode needs an origin group."
  }

  assert {
    condition     = toset(one(aws_cloudfront_distribution.this.origin_group).failover_criteria[0].status_codes) == toset([500, 502, 503, 504])
    error_message = "The origin group must fail over on 500, 502, 503 and 504."
  }

  assert {
    condition     = [for m in one(aws_cloudfront_distribution.this.origin_group).member : m.origin_id] == ["primary", "secondary"]
    error_message = "The primary origin must be tried first, then the secondary."
  }

  assert {
    condition     = { for o in aws_cloudfront_distribution.this.origin : o.origin_id => o.domain_name } == { primary = "us-east-1.origin.app.example.com", secondary = "eu-west-1.origin.app.example.com", routed = "failover.origin.app.example.com" }
    error_message = "Origins must be the two regional origins plus the Route53-routed name."
  }

  assert {
    condition = alltrue([for o in aws_cloudfront_distribution.this.origin :
      length(o.custom_header) == 1 && one(o.custom_header).name == "X-Origin-Verify" && one(o.custom_header).value == var.origin_verify_secret &&
    o.custom_origin_config[0].origin_protocol_policy == "https-only" && toset(o.custom_origin_config[0].origin_ssl_protocols) == toset(["TLSv1.2"])])
    error_message = "Every origin must get X-Origin-Verify with the secret, over HTTPS with TLS 1.2."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.http_version == "http2and3"
    error_message = "HTTP/2 and HTTP/3 must be on."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.viewer_certificate[0].minimum_protocol_version == "TLSv1.2_2021" && aws_cloudfront_distribution.this.viewer_certificate[0].acm_certificate_arn == var.acm_certificate_arn && aws_cloudfront_distribution.this.viewer_certificate[0].ssl_support_method == "sni-only"
    error_message = "Viewers must use the ACM certificate with TLSv1.2_2021 at least."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.web_acl_id == var.web_acl_arn
    error_message = "The WAF ACL must be attached."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "failover-group" && toset(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD", "OPTIONS"])
    error_message = "The default behavior must use the origin group (which only allows GET, HEAD, OPTIONS)."
  }

  assert {
    condition     = one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/ws*"]).origin_request_policy_id == aws_cloudfront_origin_request_policy.websocket.id && one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/ws*"]).cache_policy_id == aws_cloudfront_cache_policy.no_cache.id
    error_message = "/ws* must forward every viewer header and never cache."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.ordered_cache_behavior[0].path_pattern == "/ws*"
    error_message = "/ws* must be evaluated first."
  }

  assert {
    condition     = aws_cloudfront_origin_request_policy.websocket.headers_config[0].header_behavior == "allViewer"
    error_message = "The WebSocket origin request policy must forward all viewer headers."
  }

  assert {
    condition     = one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/api/*"]).target_origin_id == "routed" && length(one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/api/*"]).allowed_methods) == 7 && one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/api/*"]).cache_policy_id == aws_cloudfront_cache_policy.no_cache.id
    error_message = "/api/* must take every method, uncached, through the Route53-routed origin."
  }

  assert {
    condition     = aws_cloudfront_cache_policy.no_cache.max_ttl == 0 && aws_cloudfront_cache_policy.no_cache.default_ttl == 0
    error_message = "The API cache policy must not cache."
  }

  assert {
    condition     = one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/static/*"]).cache_policy_id == aws_cloudfront_cache_policy.static.id && aws_cloudfront_cache_policy.static.default_ttl > 0
    error_message = "Static paths must use the caching policy."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.logging_config[0].bucket == aws_s3_bucket.logs.bucket_domain_name && aws_s3_bucket_ownership_controls.logs.rule[0].object_ownership == "BucketOwnerPreferred"
    error_message = "Standard logging must go to the log bucket, which needs ownership controls allowing ACLs."
  }
}

run "latency_mode" {
  command = apply

  variables {
    origin_mode          = "latency"
    routed_origin_domain = "latency.origin.app.example.com"
  }

  assert {
    condition     = length(aws_cloudfront_distribution.this.origin_group) == 0
    error_message = "latency mode has no origin group."
  }

  assert {
    condition     = [for o in aws_cloudfront_distribution.this.origin : o.domain_name] == ["latency.origin.app.example.com"]
    error_message = "latency mode has the Route53 latency name as its single origin."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "routed" && length(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods) == 7
    error_message = "In latency mode the default behavior takes every method."
  }
}

run "certificate_outside_us_east_1_rejected" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.acm_certificate_arn]
}

run "unsupported_failover_code_rejected" {
  command = plan

  variables {
    failover_status_codes = [501]
  }

  expect_failures = [var.failover_status_codes]
}

run "short_origin_secret_rejected" {
  command = plan

  variables {
    origin_verify_secret = "too-short"
  }

  expect_failures = [var.origin_verify_secret]
}

run "unknown_origin_mode_rejected" {
  command = plan

  variables {
    origin_mode = "weighted"
  }

  expect_failures = [var.origin_mode]
}

run "regional_web_acl_rejected" {
  command = plan

  variables {
    web_acl_arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/platform/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.web_acl_arn]
}
