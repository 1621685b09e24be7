locals {
  failover = var.origin_mode == "failover"

  # origin id => host name
  origins = merge(
    { routed = var.routed_origin_domain },
    local.failover ? { primary = var.failover_origins.primary, secondary = var.failover_origins.secondary } : {},
  )

  all_methods      = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
  read_methods     = ["GET", "HEAD", "OPTIONS"]
  cached_methods   = ["GET", "HEAD"]
  origin_group_id  = "failover-group"
  cacheable_target = local.failover ? local.origin_group_id : "routed"
  default_methods  = local.failover ? local.read_methods : local.all_methods
  ordered_behaviors = concat(
    [{
      path_pattern             = var.websocket_path_pattern
      target                   = "routed"
      allowed_methods          = local.all_methods
      cache_policy_id          = aws_cloudfront_cache_policy.no_cache.id
      origin_request_policy_id = aws_cloudfront_origin_request_policy.websocket.id
      compress                 = false
    }],
    [for p in var.api_path_patterns : {
      path_pattern             = p
      target                   = "routed"
      allowed_methods          = local.all_methods
      cache_policy_id          = aws_cloudfront_cache_policy.no_cache.id
      origin_request_policy_id = aws_cloudfront_origin_request_policy.api.id
      compress                 = false
    }],
    [for p in var.static_path_patterns : {
      path_pattern             = p
      target                   = local.cacheable_target
      allowed_methods          = local.read_methods
      cache_policy_id          = aws_cloudfront_cache_policy.static.id
      origin_request_policy_id = null
      compress                 = true
    }],
  )
}

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV_AWS_305:API distribution; "/" is served by the origin, there is no root object.
  #checkov:skip=CKV2_AWS_47:The ACL comes from modules/waf, whose validation requires AWSManagedRulesKnownBadInputsRuleSet (Log4j).
  #checkov:skip=CKV2_AWS_46:No S3 origin: the only origins are the regional ALBs.
  #checkov:skip=CKV_AWS_374:Geo blocking is done by the WAF geo rule (configurable), not by CloudFront restrictions.
  enabled             = true
  comment             = "${var.name} global entry point (${var.origin_mode})"
  aliases             = var.aliases
  http_version        = "http2and3"
  is_ipv6_enabled     = true
  price_class         = var.price_class
  web_acl_id          = var.web_acl_arn
  wait_for_deployment = var.wait_for_deployment
  tags                = var.tags

  dynamic "origin" {
    for_each = local.origins
    content {
      origin_id           = origin.key
      domain_name         = origin.value
      connection_attempts = var.origin_connection_attempts
      connection_timeout  = var.origin_connection_timeout

      custom_origin_config {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = "https-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = var.origin_read_timeout
        origin_keepalive_timeout = 5
      }

      custom_header {
        name  = var.origin_verify_header_name
        value = var.origin_verify_secret
      }
    }
  }

  # Origin failover only applies to GET, HEAD and OPTIONS (a CloudFront rule): behaviors that accept writes
  # target the Route53-routed origin instead.
  dynamic "origin_group" {
    for_each = local.failover ? [1] : []
    content {
      origin_id = local.origin_group_id

      failover_criteria {
        status_codes = var.failover_status_codes
      }

      member {
        origin_id = "primary"
      }

      member {
        origin_id = "secondary"
      }
    }
  }

  default_cache_behavior {
    target_origin_id           = local.cacheable_target
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.default_methods
    cached_methods             = local.cached_methods
    cache_policy_id            = aws_cloudfront_cache_policy.no_cache.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.api.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    compress                   = false
  }

  dynamic "ordered_cache_behavior" {
    for_each = local.ordered_behaviors
    content {
      path_pattern               = ordered_cache_behavior.value.path_pattern
      target_origin_id           = ordered_cache_behavior.value.target
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = ordered_cache_behavior.value.allowed_methods
      cached_methods             = local.cached_methods
      cache_policy_id            = ordered_cache_behavior.value.cache_policy_id
      origin_request_policy_id   = ordered_cache_behavior.value.origin_request_policy_id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
      compress                   = ordered_cache_behavior.value.compress
    }
  }

  viewer_certificate {
    acm_certificate_arn      = var.acm_certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  logging_config {
    bucket          = aws_s3_bucket.logs.bucket_domain_name
    prefix          = var.log_prefix
    include_cookies = false
  }

  depends_on = [aws_s3_bucket_ownership_controls.logs]
}
