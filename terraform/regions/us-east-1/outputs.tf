output "deploy_targets" {
  description = "What platform-deploy rolls out in this region (clusters, services, deployment groups, alarms)."
  value       = module.platform.deploy_targets
}

output "edge_origin" {
  description = "This region's public ALB as an origin of the global stack (CloudFront, Route53)."
  value       = module.platform.edge_origin
}

output "data_plane" {
  description = "Aurora endpoints and secret, WebSocket URL, jobs queue, backup vault and FIS experiment template ids of this region."
  value       = module.platform.data_plane
}

output "global_cluster_identifier" {
  description = "Aurora global cluster id: the DR stack's global_cluster_identifier input."
  value       = module.platform.global_cluster_identifier
}

output "db_master_secret_replica_arns" {
  description = "Database master secret replica ARN per region: [\"eu-west-1\"] is the DR stack's db_master_secret_arn input."
  value       = module.platform.db_master_secret_replica_arns
}

output "db_cluster_arn" {
  description = "ARN of this region's Aurora cluster: what platform-deploy failover switches over or promotes."
  value       = module.platform.db_cluster_arn
}
