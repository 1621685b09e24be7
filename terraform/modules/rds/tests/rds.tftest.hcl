mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = {
      arn = "arn:aws:secretsmanager:us-east-1:111122223333:secret:app-primary/master-20240101-AbCdEf"
    }
  }

  # A computed value the provider only fills when the configuration leaves master_username unset: a cluster
  # showing it proves the module sent no user name.
  mock_resource "aws_rds_cluster" {
    defaults = {
      master_username = "(replicated-from-primary)"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/app-rds-mon"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name                       = "app"
  vpc_id                     = "vpc-0123456789abcdef0"
  subnet_ids                 = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1", "subnet-0123456789abcdef2"]
  allowed_security_group_ids = ["sg-0123456789abcdef0"]
}

run "primary_creates_global_cluster_and_encrypted_writer" {
  command = plan

  variables {
    role                   = "primary"
    master_password        = "correct-horse-battery-staple-42"
    secret_replica_regions = [{ region = "eu-west-1" }]
  }

  assert {
    condition     = length(aws_rds_global_cluster.this) == 1 && aws_rds_global_cluster.this[0].global_cluster_identifier == "app-global"
    error_message = "the primary must create the global cluster"
  }

  assert {
    condition     = aws_rds_global_cluster.this[0].engine == "aurora-postgresql" && aws_rds_global_cluster.this[0].storage_encrypted == true
    error_message = "the global cluster must be encrypted Aurora PostgreSQL"
  }

  assert {
    condition     = aws_rds_cluster.primary[0].storage_encrypted == true && aws_rds_cluster.primary[0].kms_key_id == aws_kms_key.this[0].arn
    error_message = "the writer cluster's storage must be encrypted with the module's KMS key"
  }

  assert {
    condition     = aws_rds_cluster.primary[0].master_username == "dbadmin" && aws_rds_cluster.primary[0].master_password == null && aws_rds_cluster.primary[0].master_password_wo_version == 1
    error_message = "the primary must set the master password through the write-only argument only"
  }

  assert {
    condition     = aws_rds_cluster.primary[0].deletion_protection == true && aws_rds_cluster.primary[0].skip_final_snapshot == false && aws_rds_cluster.primary[0].final_snapshot_identifier == "app-primary-final"
    error_message = "deletion protection and a final snapshot must be the defaults"
  }

  assert {
    condition     = aws_rds_cluster.primary[0].backup_retention_period == 14
    error_message = "PITR retention must default to 14 days"
  }

  assert {
    condition     = length(aws_rds_cluster.secondary) == 0
    error_message = "the primary must not create a secondary cluster"
  }

  assert {
    condition     = length(aws_rds_cluster_instance.this) == 2 && alltrue([for i in aws_rds_cluster_instance.this : i.publicly_accessible == false && i.performance_insights_enabled == true && i.performance_insights_kms_key_id == aws_kms_key.this[0].arn])
    error_message = "instances must be private with encrypted Performance Insights"
  }

  assert {
    condition     = aws_secretsmanager_secret.master[0].kms_key_id == aws_kms_key.this[0].arn && length(aws_secretsmanager_secret.master[0].replica) == 1
    error_message = "the master secret must be KMS-encrypted and replicated to the DR region"
  }

  assert {
    condition     = output.master_secret_replica_arns["eu-west-1"] == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-primary/master-20240101-AbCdEf"
    error_message = "the replica ARN must be the primary ARN with the region swapped"
  }

  assert {
    condition     = output.secret_arn == aws_secretsmanager_secret.master[0].arn
    error_message = "secret_arn must be the module's master secret in the primary region"
  }

  assert {
    condition     = anytrue([for p in aws_rds_cluster_parameter_group.this.parameter : p.name == "rds.force_ssl" && p.value == "1"]) && aws_rds_cluster_parameter_group.this.family == "aurora-postgresql16"
    error_message = "the cluster parameter group must force TLS and match the engine major version"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.allowed) == 1 && aws_vpc_security_group_ingress_rule.allowed["sg-0123456789abcdef0"].from_port == 5432
    error_message = "only the allowed security groups may reach the database port"
  }
}

run "secondary_joins_global_cluster_without_credentials" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    instance_count            = 1
    master_secret_arn         = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-primary/master-20240101-AbCdEf"
  }

  assert {
    condition     = length(aws_rds_global_cluster.this) == 0 && length(aws_rds_cluster.primary) == 0
    error_message = "a secondary must not create a global cluster or a writer"
  }

  assert {
    condition     = aws_rds_cluster.secondary[0].global_cluster_identifier == "app-global"
    error_message = "the DR cluster must join the global cluster"
  }

  assert {
    condition = (
      aws_rds_cluster.secondary[0].master_username == "(replicated-from-primary)" &&
      aws_rds_cluster.secondary[0].master_password == null &&
      aws_rds_cluster.secondary[0].master_password_wo_version == null &&
      aws_rds_cluster.secondary[0].manage_master_user_password == null
    )
    error_message = "the DR cluster must have no master credentials"
  }

  assert {
    condition     = aws_rds_cluster.secondary[0].storage_encrypted == true && aws_rds_cluster.secondary[0].kms_key_id == aws_kms_key.this[0].arn
    error_message = "the DR cluster must be encrypted with a key of its own region"
  }

  assert {
    condition     = length(aws_secretsmanager_secret.master) == 0 && output.secret_arn == "arn:aws:secretsmanager:eu-west-1:111122223333:secret:app-primary/master-20240101-AbCdEf"
    error_message = "a secondary must not create a secret and must pass the replica ARN through"
  }

  assert {
    condition     = length(aws_rds_cluster_instance.this) == 1 && output.global_cluster_arn == null
    error_message = "the DR region runs the requested number of readers"
  }
}

run "existing_kms_key_is_used" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    kms_key_arn               = "arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_rds_cluster.secondary[0].kms_key_id == "arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555"
    error_message = "a passed-in key must be used and no key created"
  }
}

run "rejects_unknown_role" {
  command = plan

  variables {
    role = "tertiary"
  }

  expect_failures = [var.role]
}

run "rejects_secondary_without_global_cluster" {
  command = plan

  variables {
    role = "secondary"
  }

  expect_failures = [var.global_cluster_identifier]
}

run "rejects_secondary_with_master_password" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    master_password           = "correct-horse-battery-staple-42"
  }

  expect_failures = [var.master_password]
}

run "rejects_primary_without_master_password" {
  command = plan

  variables {
    role = "primary"
  }

  expect_failures = [var.master_password]
}

run "rejects_short_master_password" {
  command = plan

  variables {
    role            = "primary"
    master_password = "short"
  }

  expect_failures = [var.master_password]
}

run "rejects_backup_retention_out_of_range" {
  command = plan

  variables {
    role                    = "primary"
    master_password         = "correct-horse-battery-staple-42"
    backup_retention_period = 36
  }

  expect_failures = [var.backup_retention_period]
}

run "rejects_zero_backup_retention" {
  command = plan

  variables {
    role                    = "primary"
    master_password         = "correct-horse-battery-staple-42"
    backup_retention_period = 0
  }

  expect_failures = [var.backup_retention_period]
}

run "rejects_zero_instances" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    instance_count            = 0
  }

  expect_failures = [var.instance_count]
}

run "rejects_single_subnet" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    subnet_ids                = ["subnet-0123456789abcdef0"]
  }

  expect_failures = [var.subnet_ids]
}

run "rejects_invalid_performance_insights_retention" {
  command = plan

  variables {
    role                                  = "secondary"
    global_cluster_identifier             = "app-global"
    performance_insights_retention_period = 30
  }

  expect_failures = [var.performance_insights_retention_period]
}

run "rejects_burstable_instance_class" {
  command = plan

  variables {
    role                      = "secondary"
    global_cluster_identifier = "app-global"
    instance_class            = "db.t4g.medium"
  }

  expect_failures = [var.instance_class]
}
