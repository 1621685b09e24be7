output "role" {
  description = "\"primary\" or \"secondary\" (echo of the input)."
  value       = var.role
}

output "global_cluster_identifier" {
  description = "Identifier of the global cluster; pass it to the DR stack's rds module (role = \"secondary\")."
  value       = local.is_primary ? aws_rds_global_cluster.this[0].id : var.global_cluster_identifier
}

output "global_cluster_arn" {
  description = "ARN of the global cluster (primary only, null in a secondary)."
  value       = local.is_primary ? aws_rds_global_cluster.this[0].arn : null
}

output "global_writer_endpoint" {
  description = "Global writer endpoint: follows the writer across a switchover/failover (primary only)."
  value       = local.is_primary ? aws_rds_global_cluster.this[0].endpoint : null
}

output "cluster_identifier" {
  description = "Identifier of this region's cluster."
  value       = local.cluster.id
}

output "cluster_arn" {
  description = "ARN of this region's cluster (FIS failover target, AWS Backup)."
  value       = local.cluster.arn
}

output "cluster_resource_id" {
  description = "Resource id of this region's cluster (for rds-db:connect IAM policies)."
  value       = local.cluster.cluster_resource_id
}

output "writer_endpoint" {
  description = "Cluster endpoint. In the primary region: the writer; in a secondary it only accepts writes after a failover."
  value       = local.cluster.endpoint
}

output "reader_endpoint" {
  description = "Reader endpoint of this region's cluster (load-balanced over its readers)."
  value       = local.cluster.reader_endpoint
}

output "port" {
  description = "Database port."
  value       = local.cluster.port
}

output "database_name" {
  description = "Name of the application database."
  value       = var.database_name
}

output "secret_arn" {
  description = "ARN of the master-credentials secret in this region (JSON: username, password, engine, port, dbname) for ECS task secrets. Secondary: the master_secret_arn input."
  value       = local.master_secret_arn
}

output "master_secret_replica_arns" {
  description = "Primary only: ARN of the secret's replica per region in secret_replica_regions (pass the DR one to the secondary's master_secret_arn)."
  value       = local.master_secret_replica_arns
}

output "security_group_id" {
  description = "Security group of the cluster; add ingress from more sources with aws_vpc_security_group_ingress_rule."
  value       = aws_security_group.this.id
}

output "kms_key_arn" {
  description = "KMS key used for storage, Performance Insights and the secret (created or passed in)."
  value       = local.kms_key_arn
}

output "instance_identifiers" {
  description = "Identifiers of this region's cluster instances."
  value       = aws_rds_cluster_instance.this[*].identifier
}

output "engine_version" {
  description = "Engine version of this region's cluster (the secondary must use the primary's)."
  value       = var.engine_version
}
