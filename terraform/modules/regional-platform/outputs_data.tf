################################################################################
# Data plane: Aurora, WebSocket, backups, chaos
################################################################################

output "data_plane" {
  description = "Connection points of the region's data and real-time plane. backup_vault_arn: this region's vault (the primary's, or the DR vault); backup_plan_arn: null unless this region holds the writer (runs the plan); chaos_experiment_template_ids: empty in a standby DR region, null with chaos_enabled = false."
  value = {
    db_writer_endpoint            = module.rds.writer_endpoint
    db_reader_endpoint            = module.rds.reader_endpoint
    db_secret_arn                 = module.rds.secret_arn
    websocket_url                 = module.websocket.websocket_url
    jobs_queue_url                = module.websocket.queue_url
    backup_vault_arn              = module.backups.vault_arn
    backup_plan_arn               = module.backups.plan_arn
    chaos_experiment_template_ids = one(module.chaos[*].experiment_template_ids)
  }
}

output "global_cluster_identifier" {
  description = "Identifier of the Aurora global cluster (the primary's output is the DR stack's global_cluster_identifier input)."
  value       = module.rds.global_cluster_identifier
}

output "db_master_secret_replica_arns" {
  description = "Primary: ARN of the master-credentials secret replica per region (the DR one is the DR stack's db_master_secret_arn input). Empty in DR."
  value       = module.rds.master_secret_replica_arns
}

output "db_cluster_arn" {
  description = "ARN of this region's Aurora cluster."
  value       = module.rds.cluster_arn
}

output "db_security_group_id" {
  description = "Security group of this region's Aurora cluster (admit more sources with aws_vpc_security_group_ingress_rule)."
  value       = module.rds.security_group_id
}

output "backup_selection_tags" {
  description = "Tags that put a resource into the AWS Backup plan (of the region holding the writer)."
  value       = local.backup_selection_tags
}

output "backup_destination_vault_arn" {
  description = "ARN of the other region's vault, which receives this region's backup copies while it holds the writer: the DR vault in the primary, the primary vault in DR."
  value       = module.backups.destination_vault_arn
}
