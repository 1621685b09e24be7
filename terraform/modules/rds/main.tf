# Aurora PostgreSQL global database, one region per module call.
#
#   role = "primary"   -> aws_rds_global_cluster + writer cluster (+ readers) in this region
#   role = "secondary" -> read-only cluster joining the global cluster (DR region), no master credentials

data "aws_partition" "current" {}

locals {
  is_primary = var.role == "primary"
  engine     = "aurora-postgresql"
  # Parameter group family follows the major version: "16.6" -> "aurora-postgresql16".
  engine_major = split(".", var.engine_version)[0]
  family       = "aurora-postgresql${local.engine_major}"

  cluster_identifier        = "${var.name}-${var.role}"
  global_cluster_identifier = local.is_primary ? coalesce(var.global_cluster_identifier, "${var.name}-global") : var.global_cluster_identifier
  final_snapshot_identifier = coalesce(var.final_snapshot_identifier, "${local.cluster_identifier}-final")

  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.this[0].arn

  cluster = local.is_primary ? aws_rds_cluster.primary[0] : aws_rds_cluster.secondary[0]
}

resource "aws_rds_global_cluster" "this" {
  count = local.is_primary ? 1 : 0

  global_cluster_identifier = local.global_cluster_identifier
  engine                    = local.engine
  engine_version            = var.engine_version
  database_name             = var.database_name
  storage_encrypted         = true
  deletion_protection       = var.deletion_protection

  tags = var.tags
}

resource "aws_rds_cluster_parameter_group" "this" {
  name_prefix = "${local.cluster_identifier}-"
  family      = local.family
  description = "Aurora PostgreSQL ${local.engine_major} cluster parameters for ${local.cluster_identifier}"

  # TLS only.
  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Query logging (slow statements, DDL, connections) shipped to CloudWatch Logs via enabled_cloudwatch_logs_exports.
  parameter {
    name  = "log_min_duration_statement"
    value = tostring(var.log_min_duration_statement_ms)
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_connections"
    value = "1"
  }

  parameter {
    name  = "log_disconnections"
    value = "1"
  }

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_rds_cluster" "primary" {
  count = local.is_primary ? 1 : 0

  #checkov:skip=CKV2_AWS_8:AWS Backup selects the cluster by tag (modules/backups); pass the selection tag in var.tags
  cluster_identifier        = local.cluster_identifier
  global_cluster_identifier = aws_rds_global_cluster.this[0].id
  engine                    = aws_rds_global_cluster.this[0].engine
  engine_version            = aws_rds_global_cluster.this[0].engine_version
  database_name             = var.database_name
  port                      = var.port

  master_username            = var.master_username
  master_password_wo         = var.master_password
  master_password_wo_version = var.master_password_version

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = concat([aws_security_group.this.id], var.additional_security_group_ids)
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name
  network_type                    = "IPV4"

  storage_encrypted = true
  kms_key_id        = local.kms_key_arn

  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]

  backup_retention_period      = var.backup_retention_period
  preferred_backup_window      = var.preferred_backup_window
  preferred_maintenance_window = var.preferred_maintenance_window
  copy_tags_to_snapshot        = true
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_identifier    = var.skip_final_snapshot ? null : local.final_snapshot_identifier
  apply_immediately            = var.apply_immediately

  tags = var.tags

  lifecycle {
    # After a global switchover/failover this cluster becomes a secondary and AWS sets
    # replication_source_identifier on it; Terraform must not fight the failover. global_cluster_identifier needs no
    # ignore: a switched-over cluster stays a member of the same global cluster (the provider reads it back), and
    # neither this cluster nor aws_rds_global_cluster names the writer (no source_db_cluster_identifier), so the
    # swapped roles show no drift.
    ignore_changes = [replication_source_identifier]
  }
}

resource "aws_rds_cluster" "secondary" {
  count = local.is_primary ? 0 : 1

  #checkov:skip=CKV2_AWS_8:AWS Backup selects the cluster by tag (modules/backups); pass the selection tag in var.tags
  # No master_username/master_password: a secondary takes the primary's credentials through replication.
  cluster_identifier        = local.cluster_identifier
  global_cluster_identifier = var.global_cluster_identifier
  engine                    = local.engine
  engine_version            = var.engine_version
  port                      = var.port

  db_subnet_group_name            = aws_db_subnet_group.this.name
  vpc_security_group_ids          = concat([aws_security_group.this.id], var.additional_security_group_ids)
  db_cluster_parameter_group_name = aws_rds_cluster_parameter_group.this.name
  network_type                    = "IPV4"

  # A cross-region member of an encrypted global cluster needs a key of its own region.
  storage_encrypted = true
  kms_key_id        = local.kms_key_arn

  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql"]
  enable_global_write_forwarding      = var.enable_global_write_forwarding

  backup_retention_period      = var.backup_retention_period
  preferred_backup_window      = var.preferred_backup_window
  preferred_maintenance_window = var.preferred_maintenance_window
  copy_tags_to_snapshot        = true
  deletion_protection          = var.deletion_protection
  skip_final_snapshot          = var.skip_final_snapshot
  final_snapshot_identifier    = var.skip_final_snapshot ? null : local.final_snapshot_identifier
  apply_immediately            = var.apply_immediately

  tags = var.tags

  lifecycle {
    # As the AWS provider documents for secondary members of a global cluster: the service manages these after
    # joining (and after a switchover/failover the roles swap). global_cluster_identifier: after a detach-and-promote
    # failover (platform-deploy failover) this cluster has left the global cluster; Terraform must not re-join it.
    ignore_changes = [replication_source_identifier, global_cluster_identifier]
  }
}

resource "aws_rds_cluster_instance" "this" {
  count = var.instance_count

  identifier           = "${local.cluster_identifier}-${count.index + 1}"
  cluster_identifier   = local.cluster.id
  engine               = local.cluster.engine
  engine_version       = local.cluster.engine_version
  instance_class       = var.instance_class
  db_subnet_group_name = aws_db_subnet_group.this.name
  publicly_accessible  = false
  ca_cert_identifier   = "rds-ca-rsa2048-g1"

  auto_minor_version_upgrade = true
  promotion_tier             = count.index < 2 ? 0 : 1
  copy_tags_to_snapshot      = true

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = local.kms_key_arn
  performance_insights_retention_period = var.performance_insights_retention_period

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = var.monitoring_interval > 0 ? aws_iam_role.monitoring[0].arn : null

  apply_immediately            = var.apply_immediately
  preferred_maintenance_window = var.preferred_maintenance_window

  tags = var.tags
}
