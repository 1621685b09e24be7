# Master credentials. Aurora cannot manage the master password in Secrets Manager (manage_master_user_password)
# for clusters that belong to a global database, so the module owns the secret and writes the password with
# write-only arguments: it never lands in state or in a saved plan. The secret is replicated to the DR region so
# the DR services (and the promoted cluster after a failover) use the same credentials.

resource "aws_secretsmanager_secret" "master" {
  count = local.is_primary ? 1 : 0

  #checkov:skip=CKV2_AWS_57:Aurora global database members cannot use RDS-managed rotation; rotate by bumping master_password_version
  name_prefix             = "${local.cluster_identifier}/master-"
  description             = "Master credentials of the Aurora global database ${local.global_cluster_identifier}"
  kms_key_id              = local.kms_key_arn
  recovery_window_in_days = var.secret_recovery_window_days

  dynamic "replica" {
    for_each = var.secret_replica_regions
    content {
      region     = replica.value.region
      kms_key_id = replica.value.kms_key_arn
    }
  }

  tags = var.tags
}

resource "aws_secretsmanager_secret_version" "master" {
  count = local.is_primary ? 1 : 0

  secret_id = aws_secretsmanager_secret.master[0].id
  secret_string_wo = jsonencode({
    engine   = "postgres"
    username = var.master_username
    password = var.master_password
    port     = var.port
    dbname   = var.database_name
  })
  secret_string_wo_version = var.master_password_version
}

locals {
  master_secret_arn = local.is_primary ? aws_secretsmanager_secret.master[0].arn : var.master_secret_arn
  # A replica keeps the name (and random suffix) of its primary secret; only the region differs.
  master_secret_replica_arns = local.is_primary ? {
    for r in var.secret_replica_regions :
    r.region => join(":", concat(
      slice(split(":", aws_secretsmanager_secret.master[0].arn), 0, 3),
      [r.region],
      slice(split(":", aws_secretsmanager_secret.master[0].arn), 4, length(split(":", aws_secretsmanager_secret.master[0].arn))),
    ))
  } : {}
}
