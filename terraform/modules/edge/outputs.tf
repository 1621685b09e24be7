output "distribution_id" {
  description = "ID of the CloudFront distribution."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "ARN of the CloudFront distribution (Shield protection target)."
  value       = aws_cloudfront_distribution.this.arn
}

output "domain_name" {
  description = "CloudFront domain name (dxxxx.cloudfront.net) the public records alias to."
  value       = aws_cloudfront_distribution.this.domain_name
}

output "hosted_zone_id" {
  description = "Route53 zone id of CloudFront aliases."
  value       = aws_cloudfront_distribution.this.hosted_zone_id
}

output "origin_mode" {
  description = "failover or latency."
  value       = var.origin_mode
}

output "origins" {
  description = "Origin id => host name."
  value       = local.origins
}

output "log_bucket_name" {
  description = "Bucket receiving the access logs."
  value       = aws_s3_bucket.logs.bucket
}

output "log_bucket_arn" {
  description = "ARN of the access-log bucket."
  value       = aws_s3_bucket.logs.arn
}

output "cache_policy_ids" {
  description = "Cache policy ids: no_cache (API, WebSocket, default) and static."
  value = {
    no_cache = aws_cloudfront_cache_policy.no_cache.id
    static   = aws_cloudfront_cache_policy.static.id
  }
}

output "origin_request_policy_ids" {
  description = "Origin request policy ids: api and websocket."
  value = {
    api       = aws_cloudfront_origin_request_policy.api.id
    websocket = aws_cloudfront_origin_request_policy.websocket.id
  }
}
