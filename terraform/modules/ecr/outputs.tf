output "repository_names" {
  description = "Names of the repositories (what the regional stacks' deploy_targets.ecr_repository holds)."
  value       = sort([for r in aws_ecr_repository.this : r.name])
}

output "repository_arns" {
  description = "ARNs of the repositories in the primary region, by name."
  value       = { for name, r in aws_ecr_repository.this : name => r.arn }
}

output "repository_urls" {
  description = "Repository URLs in the primary region, by name."
  value       = { for name, r in aws_ecr_repository.this : name => r.repository_url }
}

output "replica_repository_urls" {
  description = "Repository URLs of the replicas, by region then name."
  value = {
    for region in var.replication_regions : region => {
      for name in var.repository_names : name => "${var.account_id}.dkr.ecr.${region}.${data.aws_partition.current.dns_suffix}/${name}"
    }
  }
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the repositories."
  value       = local.kms_key_arn
}

output "replication_regions" {
  description = "Regions the repositories are replicated to."
  value       = var.replication_regions
}
