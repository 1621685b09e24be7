# Backups and chaos follow the traffic role across a failover: the region holding the Aurora writer runs the backup
# plan (copying to the other region's vault), the restore tests and their validation; every region that serves has
# chaos templates, a standby DR region (0 tasks) has none.
#
#   normal      primary (DR role standby) writes and copies to eu-west-1; DR (standby) runs nothing
#   failed over DR (traffic role active) writes and copies to us-east-1; primary (DR role active) runs no plan
#
# The primary reads the DR region's role from the DR parameter through aws.dr (data.aws_ssm_parameters_by_path, which
# the mock answers with no parameter: standby, as on a first deploy before the DR stack exists); dr_traffic_role
# overrides the read.

mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
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

  mock_data "aws_elb_service_account" {
    defaults = {
      arn = "arn:aws:iam::127311923021:root"
    }
  }
}

# The DR region as the primary stack sees it (aws.dr): the DR vault the primary creates there.
mock_provider "aws" {
  alias           = "dr"
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_backup_vault" {
    defaults = {
      arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-west-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }
}

variables {
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  origin_verify_secret = "offline-placeholder-not-a-secret-0000000000"
  db_master_password   = "offline-placeholder-not-a-password-0000"
}

run "normal_the_primary_backs_up_and_copies_to_dr" {
  command = plan

  # Known at plan time, so the runs can compare ARNs: the account (from the logs key) and the primary vault.
  override_resource {
    target          = module.observability.aws_kms_key.logs
    override_during = plan
    values = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  override_resource {
    target          = module.backups.aws_backup_vault.primary
    override_during = plan
    values = {
      arn = "arn:aws:backup:us-east-1:123456789012:backup-vault:platform"
    }
  }

  assert {
    condition     = local.writer && output.deploy_targets.traffic_role == "active"
    error_message = "with the DR region on standby the primary holds the writer"
  }

  assert {
    condition = module.backups.plan_rules == tomap({
      daily  = { vault = "platform", copy_to = "arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr" }
      weekly = { vault = "platform", copy_to = "arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr" }
    })
    error_message = "the primary's plan writes to its vault and copies every rule to the DR vault in eu-west-1"
  }

  assert {
    condition = module.backups.restore_testing == {
      plan_name      = "platform_restore_test"
      vault_arns     = toset(["arn:aws:backup:us-east-1:123456789012:backup-vault:platform"])
      resource_types = ["Aurora"]
      validated      = true
    }
    error_message = "restore tests run in the primary, from the primary vault, and are validated"
  }

  assert {
    condition     = contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover") && contains(keys(output.deploy_targets.chaos_experiments), "az-outage") && length(output.deploy_targets.chaos_experiments) == 10
    error_message = "the serving primary has every chaos template, Aurora failover included (it holds the writer, with a reader)"
  }
}

run "normal_dr_on_standby_runs_no_plan_and_no_chaos" {
  command = plan

  variables {
    is_dr                = true
    primary_region       = "us-east-1"
    vpc_cidr             = "10.20.0.0/16"
    azs                  = ["eu-west-1a", "eu-west-1b"]
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  override_data {
    target = data.aws_region.current
    values = {
      name = "eu-west-1"
    }
  }

  override_resource {
    target          = module.observability.aws_kms_key.logs
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = !local.writer && output.deploy_targets.traffic_role == "standby"
    error_message = "a standby DR region does not hold the writer"
  }

  assert {
    condition     = module.backups.plan_rules == {} && module.backups.restore_testing == null && module.backups.plan_id == null
    error_message = "a standby DR region runs no backup plan and no restore test (the primary copies into its vault)"
  }

  assert {
    condition     = module.backups.vault_name == "platform-dr" && module.backups.destination_vault_arn == "arn:aws:backup:us-east-1:123456789012:backup-vault:platform" && module.backups.kms_key_arn == null
    error_message = "the DR stack uses the vaults the primary stack created (and creates none)"
  }

  assert {
    condition     = length(module.chaos) == 1 && output.deploy_targets.chaos_experiments == {} && output.data_plane.chaos_experiment_template_ids == {}
    error_message = "no chaos template in a standby DR region at 0 tasks (only the experiments' role and log group, ready for a promotion)"
  }
}

run "failed_over_dr_backs_up_and_copies_back_to_the_primary" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    vpc_cidr              = "10.20.0.0/16"
    azs                   = ["eu-west-1a", "eu-west-1b"]
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    traffic_role_override = "active"
  }

  override_data {
    target = data.aws_region.current
    values = {
      name = "eu-west-1"
    }
  }

  override_resource {
    target          = module.observability.aws_kms_key.logs
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = local.writer && module.rds.role == "secondary"
    error_message = "an active DR region holds the writer (failover promoted its cluster; its Terraform role stays secondary)"
  }

  assert {
    condition = module.backups.plan_rules == tomap({
      daily  = { vault = "platform-dr", copy_to = "arn:aws:backup:us-east-1:123456789012:backup-vault:platform" }
      weekly = { vault = "platform-dr", copy_to = "arn:aws:backup:us-east-1:123456789012:backup-vault:platform" }
    })
    error_message = "the promoted region's plan writes to the DR vault in eu-west-1 and copies every rule back to the primary vault in us-east-1"
  }

  assert {
    condition = module.backups.restore_testing == {
      plan_name      = "platform_restore_test"
      vault_arns     = toset(["arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr"])
      resource_types = ["Aurora"]
      validated      = true
    }
    error_message = "restore tests run in eu-west-1, where the recovery points now land, and are validated"
  }

  assert {
    condition = toset(keys(output.deploy_targets.chaos_experiments)) == toset([
      "az-outage",
      "api-stop-tasks", "api-service-outage", "api-latency", "api-dependency-blackhole",
      "payments-stop-tasks", "payments-service-outage", "payments-latency", "payments-dependency-blackhole",
    ])
    error_message = "the serving DR region gets the chaos templates; no Aurora failover with its single instance (no reader to promote)"
  }

  assert {
    condition     = length(module.ecs.services) == 2 && output.deploy_targets.services["api"].desired_count == 2
    error_message = "the promoted region serves (the experiments have tasks to act on)"
  }
}

run "failed_over_dr_with_a_reader_can_fail_over_aurora" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    vpc_cidr              = "10.20.0.0/16"
    azs                   = ["eu-west-1a", "eu-west-1b"]
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    db_instance_count     = 2
    traffic_role_override = "active"
  }

  assert {
    condition     = contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover")
    error_message = "a promoted DR cluster with a reader gets the Aurora failover template"
  }
}

run "failed_over_primary_runs_no_plan" {
  command = plan

  variables {
    dr_traffic_role = "active"
  }

  override_resource {
    target          = module.observability.aws_kms_key.logs
    override_during = plan
    values = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    }
  }

  assert {
    condition     = !local.writer && output.deploy_targets.traffic_role == "active" && length(module.vpc.nat_gateway_ids) == 3
    error_message = "with the DR region active the primary no longer holds the writer (its capacity is unchanged)"
  }

  assert {
    condition     = module.backups.plan_rules == {} && module.backups.restore_testing == null && module.backups.plan_id == null
    error_message = "us-east-1 runs no backup plan, restore test or validation while eu-west-1 holds the writer"
  }

  assert {
    condition     = module.backups.vault_name == "platform" && module.backups.destination_vault_arn == "arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr"
    error_message = "the primary keeps both vaults: its own receives eu-west-1's copies"
  }

  assert {
    condition     = !contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover") && contains(keys(output.deploy_targets.chaos_experiments), "api-stop-tasks")
    error_message = "the primary keeps its chaos templates (its tasks run) but no Aurora failover: its cluster is not the writer"
  }
}

# Failing back: the writer is home again before the DR region drains.
run "draining_dr_hands_the_plan_back" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    vpc_cidr              = "10.20.0.0/16"
    azs                   = ["eu-west-1a", "eu-west-1b"]
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    traffic_role_override = "draining"
  }

  assert {
    condition     = !local.writer && module.backups.plan_rules == {} && module.backups.restore_testing == null
    error_message = "a draining DR region no longer runs the backup plan"
  }

  assert {
    condition     = length(output.deploy_targets.chaos_experiments) == 9
    error_message = "a draining DR region still serves, so it keeps the chaos templates (without Aurora failover)"
  }
}

run "primary_with_dr_draining_backs_up_again" {
  command = plan

  variables {
    dr_traffic_role = "draining"
  }

  assert {
    condition     = local.writer && length(module.backups.plan_rules) == 2 && module.backups.restore_testing.validated
    error_message = "once failback moved the writer home, the primary runs the plan again"
  }
}

# Failed over, as the primary stack finds it on its own: the DR stack's parameter, in its folder, says active.
run "primary_reads_an_active_dr_role_from_the_dr_parameter" {
  command = plan

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/other", "/platform/traffic-role"]
      values = ["unrelated", "active"]
    }
  }

  assert {
    condition     = data.aws_ssm_parameters_by_path.dr_traffic_role[0].path == "/platform" && !data.aws_ssm_parameters_by_path.dr_traffic_role[0].recursive
    error_message = "the primary reads the folder of the DR stack's parameter /<name>/traffic-role"
  }

  assert {
    condition     = local.dr_traffic_role == "active" && !local.writer && output.deploy_targets.traffic_role == "active"
    error_message = "with the DR parameter at active the primary no longer holds the writer (its own role stays active)"
  }

  assert {
    condition     = module.backups.plan_rules == {} && module.backups.restore_testing == null && !contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover")
    error_message = "the DR parameter at active stops the primary's backup plan, restore test and Aurora failover template"
  }
}

# The first deploy: the primary's stack is applied before the DR stack has created its parameter.
run "primary_without_a_dr_parameter_yet_holds_the_writer" {
  command = plan

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = []
      values = []
    }
  }

  assert {
    condition     = length(data.aws_ssm_parameters_by_path.dr_traffic_role) == 1 && local.dr_traffic_role == "standby" && local.writer && length(module.backups.plan_rules) == 2
    error_message = "no DR parameter yet reads as standby: the primary holds the writer and runs the backup plan"
  }
}

run "primary_reads_a_draining_dr_role" {
  command = plan

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["draining"]
    }
  }

  assert {
    condition     = local.dr_traffic_role == "draining" && local.writer && length(module.backups.plan_rules) == 2
    error_message = "a draining DR region has handed the writer back: the primary runs the plan"
  }
}

run "primary_reads_the_dr_parameter_it_is_given" {
  command = plan

  variables {
    dr_traffic_role_parameter = "/platform-dr/traffic-role"
  }

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform-dr/traffic-role"]
      values = ["active"]
    }
  }

  assert {
    condition     = data.aws_ssm_parameters_by_path.dr_traffic_role[0].path == "/platform-dr" && local.dr_traffic_role == "active" && !local.writer
    error_message = "dr_traffic_role_parameter names the DR stack's parameter when the DR stack has another name"
  }
}

# A failover drill plans a DR role without reading (or writing) the parameter.
run "dr_traffic_role_overrides_the_read" {
  command = plan

  variables {
    dr_traffic_role = "standby"
  }

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["active"]
    }
  }

  assert {
    condition     = length(data.aws_ssm_parameters_by_path.dr_traffic_role) == 0 && local.dr_traffic_role == "standby" && local.writer
    error_message = "with dr_traffic_role set the primary does not read the DR parameter"
  }
}

run "rejects_an_unknown_role_in_the_dr_parameter" {
  command = plan

  override_data {
    target = data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["primary"]
    }
  }

  expect_failures = [data.aws_ssm_parameters_by_path.dr_traffic_role]
}

run "dr_reads_no_dr_parameter" {
  command = plan

  variables {
    is_dr                = true
    primary_region       = "us-east-1"
    vpc_cidr             = "10.20.0.0/16"
    azs                  = ["eu-west-1a", "eu-west-1b"]
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  assert {
    condition     = length(data.aws_ssm_parameters_by_path.dr_traffic_role) == 0 && local.dr_traffic_role == null
    error_message = "a DR stack reads its own parameter, not another region's"
  }
}

run "rejects_dr_traffic_role_parameter_in_dr" {
  command = plan

  variables {
    is_dr                     = true
    primary_region            = "us-east-1"
    db_master_password        = null
    db_master_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    dr_traffic_role_parameter = "/platform/traffic-role"
  }

  expect_failures = [var.dr_traffic_role_parameter]
}

run "rejects_a_dr_traffic_role_parameter_outside_a_folder" {
  command = plan

  variables {
    dr_traffic_role_parameter = "/traffic-role"
  }

  expect_failures = [var.dr_traffic_role_parameter]
}

run "rejects_dr_traffic_role_in_dr" {
  command = plan

  variables {
    is_dr                = true
    primary_region       = "us-east-1"
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    dr_traffic_role      = "active"
  }

  expect_failures = [var.dr_traffic_role]
}

run "rejects_unknown_dr_traffic_role" {
  command = plan

  variables {
    dr_traffic_role = "promoted"
  }

  expect_failures = [var.dr_traffic_role]
}

run "rejects_dr_without_primary_region" {
  command = plan

  variables {
    is_dr                = true
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  expect_failures = [var.primary_region]
}

run "rejects_primary_region_in_the_primary" {
  command = plan

  variables {
    primary_region = "us-east-1"
  }

  expect_failures = [var.primary_region]
}
