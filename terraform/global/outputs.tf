output "url" {
  description = "Public URL of the platform."
  value       = "https://${var.domain_name}"
}

output "origin_mode" {
  description = "failover (active-passive) or latency (active-active)."
  value       = var.origin_mode
}

output "preferred_region" {
  description = "Region the edge prefers (CloudFront origin group primary, Route53 failover PRIMARY): the DR region whose regional_origins traffic_role is active (after platform-deploy failover), else primary_region."
  value       = local.preferred_region
}

output "cloudfront_distribution_id" {
  description = "ID of the CloudFront distribution (cache invalidations)."
  value       = module.edge.distribution_id
}

output "cloudfront_distribution_arn" {
  description = "ARN of the CloudFront distribution."
  value       = module.edge.distribution_arn
}

output "cloudfront_domain_name" {
  description = "CloudFront domain name the public records alias to."
  value       = module.edge.domain_name
}

output "cloudfront_log_bucket" {
  description = "Bucket of the CloudFront access logs."
  value       = module.edge.log_bucket_name
}

output "waf_web_acl_arn" {
  description = "ARN of the CLOUDFRONT-scope web ACL."
  value       = module.waf.web_acl_arn
}

output "waf_log_group_name" {
  description = "Log group of the edge WAF logs."
  value       = module.waf.log_group_name
}

output "route53_zone_id" {
  description = "Hosted zone id."
  value       = local.zone_id
}

output "route53_name_servers" {
  description = "Name servers of the created zone (delegate to them); empty when the zone is not managed here."
  value       = var.create_zone ? aws_route53_zone.this[0].name_servers : []
}

output "origin_hostnames" {
  description = "Origin host names: regional (by region), failover, latency, weighted. The ALB certificates must cover *.origin.<domain_name>."
  value       = local.origin_hostnames
}

output "health_check_ids" {
  description = "Route53 health check ids by region."
  value       = { for r, hc in aws_route53_health_check.regional : r => hc.id }
}

output "ecr_repository_names" {
  description = "ECR repository names (the regional stacks' deploy_targets.ecr_repository)."
  value       = module.ecr.repository_names
}

output "ecr_repository_urls" {
  description = "ECR repository URLs in the primary region, by name."
  value       = module.ecr.repository_urls
}

output "ecr_replica_repository_urls" {
  description = "ECR replica URLs by DR region, then name."
  value       = module.ecr.replica_repository_urls
}

output "ecr_kms_key_arn" {
  description = "KMS key of the ECR repositories."
  value       = module.ecr.kms_key_arn
}

output "github_oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider."
  value       = module.github_oidc.oidc_provider_arn
}

output "github_role_arns" {
  description = "Pipeline role ARNs: plan (pull requests), apply and deploy (default branch or protected environment)."
  value       = module.github_oidc.role_arns
}

output "github_trust_subjects" {
  description = "The sub claims each pipeline role accepts."
  value       = module.github_oidc.trust_subjects
}

output "shield_protection_ids" {
  description = "Shield Advanced protection ids by protected resource (empty when disabled)."
  value       = { for k, p in aws_shield_protection.this : k => p.id }
}
