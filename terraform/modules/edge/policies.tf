# API and WebSocket: nothing cached. With every TTL at 0 CloudFront forbids cache-key settings, so the
# forwarding is done by the origin request policies below.
resource "aws_cloudfront_cache_policy" "no_cache" {
  name        = "${var.name}-no-cache"
  comment     = "API and WebSocket: never cached"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 0

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = false
    enable_accept_encoding_brotli = false

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

resource "aws_cloudfront_cache_policy" "static" {
  name        = "${var.name}-static"
  comment     = "Static assets: cached, compressed, keyed on the query string (cache busting)"
  min_ttl     = 0
  default_ttl = var.static_default_ttl
  max_ttl     = var.static_max_ttl

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_gzip   = true
    enable_accept_encoding_brotli = true

    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# API: everything the viewer sent except Host, so the origin is reached (and its certificate checked) by its own name.
resource "aws_cloudfront_origin_request_policy" "api" {
  name    = "${var.name}-api"
  comment = "API: all viewer headers except Host, all cookies and query strings"

  cookies_config {
    cookie_behavior = "all"
  }
  headers_config {
    header_behavior = "allExcept"
    headers {
      items = ["host"]
    }
  }
  query_strings_config {
    query_string_behavior = "all"
  }
}

# WebSocket pass-through: every viewer header (Upgrade, Connection, Sec-WebSocket-*, Host).
resource "aws_cloudfront_origin_request_policy" "websocket" {
  name    = "${var.name}-websocket"
  comment = "WebSocket: all viewer headers, cookies and query strings"

  cookies_config {
    cookie_behavior = "all"
  }
  headers_config {
    header_behavior = "allViewer"
  }
  query_strings_config {
    query_string_behavior = "all"
  }
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-security-headers"
  comment = "HSTS, nosniff, frame and referrer policies on every response"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }
}
