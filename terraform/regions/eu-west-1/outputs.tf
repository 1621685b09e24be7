output "deploy_targets" {
  description = "What platform-deploy rolls out in this region (clusters, services, deployment groups, alarms)."
  value       = module.platform.deploy_targets
}

output "edge_origin" {
  description = "This region's public ALB as an origin of the global stack (CloudFront, Route53)."
  value       = module.platform.edge_origin
}

output "data_plane" {
  description = "Aurora (secondary) endpoints and secret replica, WebSocket URL and jobs queue of this region (no backup vault, no FIS templates in DR)."
  value       = module.platform.data_plane
}
