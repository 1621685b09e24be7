output "web_acl_arn" {
  description = "ARN of the web ACL (CloudFront's web_acl_id takes this ARN)."
  value       = aws_wafv2_web_acl.this.arn
}

output "web_acl_id" {
  description = "ID of the web ACL."
  value       = aws_wafv2_web_acl.this.id
}

output "web_acl_name" {
  description = "Name of the web ACL."
  value       = aws_wafv2_web_acl.this.name
}

output "scope" {
  description = "Scope of the web ACL."
  value       = aws_wafv2_web_acl.this.scope
}

output "blocked_ip_set_arns" {
  description = "ARNs of the block-list IP sets, by address family."
  value = {
    ipv4 = aws_wafv2_ip_set.blocked_ipv4.arn
    ipv6 = aws_wafv2_ip_set.blocked_ipv6.arn
  }
}

output "log_group_name" {
  description = "Name of the CloudWatch log group receiving the WAF logs."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the CloudWatch log group receiving the WAF logs."
  value       = aws_cloudwatch_log_group.this.arn
}

output "rule_names" {
  description = "Names of the rules of the web ACL, in priority order."
  value = concat(
    ["block-list"],
    length(var.geo_block_country_codes) > 0 ? ["geo-block"] : [],
    ["rate-limit-per-ip"],
    [for g in var.managed_rule_groups : g.name],
  )
}
