output "deploy_targets" {
  description = "What platform-deploy rolls out in this region (clusters, services, deployment groups, alarms)."
  value       = module.platform.deploy_targets
}

output "edge_origin" {
  description = "This region's public ALB as an origin of the global stack (CloudFront, Route53)."
  value       = module.platform.edge_origin
}

output "data_plane" {
  description = "Aurora (secondary) endpoints and secret replica, WebSocket URL, jobs queue, the DR backup vault, and (once failover makes the region active) the backup plan and the FIS experiment template ids of this region."
  value       = module.platform.data_plane
}

output "db_cluster_arn" {
  description = "ARN of this region's Aurora cluster: what platform-deploy failover switches over or promotes."
  value       = module.platform.db_cluster_arn
}
