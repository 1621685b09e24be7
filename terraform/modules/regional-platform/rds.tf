# Aurora PostgreSQL global database.
#   primary (is_dr = false): the global cluster and its writer cluster; the master-credentials secret is replicated
#                            to the DR region (aws.dr).
#   DR      (is_dr = true):  a read-only secondary cluster joined to global_cluster_identifier; its services read
#                            the primary's secret replica in this region (db_master_secret_arn).
# The DB client services' tasks get the database port (security group rules below) and the connection settings
# (environment and secret, through the extension locals in main.tf).

# The DR region is the aws.dr provider's (no API call: offline plans work).
data "aws_region" "dr" {
  provider = aws.dr

  lifecycle {
    postcondition {
      condition     = var.is_dr || self.name != local.region
      error_message = "The aws.dr provider must be configured for the DR region, not the primary region (${local.region}): the database secret and the backup copies are replicated there."
    }
  }
}

locals {
  db_client_services    = toset(var.db_client_services != null ? var.db_client_services : keys(var.services))
  db_instance_count     = coalesce(var.db_instance_count, var.is_dr ? 1 : 2)
  backup_selection_tags = var.backup_selection_tags != null ? var.backup_selection_tags : { backup = var.name }
}

module "rds" {
  source = "../rds"

  name                      = var.name
  role                      = var.is_dr ? "secondary" : "primary"
  global_cluster_identifier = coalesce(var.global_cluster_identifier, "${var.name}-global")
  engine_version            = var.db_engine_version
  instance_class            = var.db_instance_class
  instance_count            = local.db_instance_count
  deletion_protection       = var.db_deletion_protection

  vpc_id     = local.vpc_id
  subnet_ids = local.private_subnet_ids
  # Ingress from the client services' tasks is added below: keyed by service name, because the task security
  # group ids are unknown until they are created (the module keys its rules by id).

  master_password         = var.db_master_password
  master_password_version = var.db_master_password_version
  master_secret_arn       = var.db_master_secret_arn
  secret_replica_regions  = var.is_dr ? [] : [{ region = data.aws_region.dr.name }]

  # AWS Backup (backups.tf) selects the cluster by these tags.
  tags = merge(var.tags, local.backup_selection_tags)
}

resource "aws_vpc_security_group_ingress_rule" "db_from_tasks" {
  for_each = local.db_client_services

  security_group_id            = module.rds.security_group_id
  description                  = "PostgreSQL from the tasks of ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = module.rds.port
  to_port                      = module.rds.port
  referenced_security_group_id = local.task_security_group_ids[each.key]
}

resource "aws_vpc_security_group_egress_rule" "tasks_to_db" {
  for_each = local.db_client_services

  security_group_id            = local.task_security_group_ids[each.key]
  description                  = "PostgreSQL to the Aurora cluster"
  ip_protocol                  = "tcp"
  from_port                    = module.rds.port
  to_port                      = module.rds.port
  referenced_security_group_id = module.rds.security_group_id
}

locals {
  # Read by main.tf's extension locals (extra_service_secrets, extra_service_environment).
  db_service_secrets = { for svc in local.db_client_services : svc => { DB_CREDENTIALS = module.rds.secret_arn } }
  db_service_environment = { for svc in local.db_client_services : svc => {
    DB_HOST        = module.rds.writer_endpoint
    DB_READER_HOST = module.rds.reader_endpoint
    DB_PORT        = tostring(module.rds.port)
    DB_NAME        = module.rds.database_name
  } }
}
