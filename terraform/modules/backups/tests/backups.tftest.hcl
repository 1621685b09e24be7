mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_backup_vault" {
    defaults = {
      arn = "arn:aws:backup:us-east-1:111122223333:backup-vault:app"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/app-backup"
    }
  }

  mock_resource "aws_backup_restore_testing_plan" {
    defaults = {
      arn = "arn:aws:backup:us-east-1:111122223333:restore-testing-plan:app_restore_test-1a2b3c"
    }
  }

  mock_resource "aws_sfn_state_machine" {
    defaults = {
      arn = "arn:aws:states:us-east-1:111122223333:stateMachine:app-restore-validation"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/vendedlogs/states/app-restore-validation"
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

# The DR region.
mock_provider "aws" {
  alias           = "destination"
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_backup_vault" {
    defaults = {
      arn = "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr"
    }
  }
}

variables {
  name = "app"
}

run "daily_and_weekly_rules_copy_to_the_dr_vault" {
  command = plan

  assert {
    condition     = length(aws_backup_plan.this[0].rule) == 2 && toset([for r in aws_backup_plan.this[0].rule : r.rule_name]) == toset(["daily", "weekly"])
    error_message = "the plan must have a daily and a weekly rule"
  }

  assert {
    condition = alltrue([
      for r in aws_backup_plan.this[0].rule :
      length(r.copy_action) == 1 && one(r.copy_action).destination_vault_arn == aws_backup_vault.destination[0].arn
    ])
    error_message = "every rule must copy its recovery points to the DR vault"
  }

  assert {
    condition     = aws_backup_vault.destination[0].arn == "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr" && aws_backup_vault.destination[0].name == "app-dr"
    error_message = "the DR vault must be created with the aws.destination provider (DR region)"
  }

  assert {
    condition     = aws_backup_vault.primary[0].kms_key_arn == aws_kms_key.primary[0].arn && aws_backup_vault.destination[0].kms_key_arn == aws_kms_key.destination[0].arn
    error_message = "both vaults must be encrypted with their own region's KMS key"
  }

  assert {
    condition     = aws_kms_key.destination[0].arn == "arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555" && aws_kms_key.primary[0].enable_key_rotation && aws_kms_key.destination[0].enable_key_rotation
    error_message = "the DR vault key must live in the DR region; both keys rotate"
  }

  assert {
    condition = alltrue([
      for r in aws_backup_plan.this[0].rule :
      one(r.lifecycle).delete_after == (r.rule_name == "daily" ? 35 : 90) &&
      one(one(r.copy_action).lifecycle).delete_after == (r.rule_name == "daily" ? 35 : 90)
    ])
    error_message = "retention of recovery points and copies must follow the inputs"
  }

  assert {
    condition     = aws_backup_selection.by_tag[0].resources == toset(["*"]) && one(one(aws_backup_selection.by_tag[0].condition).string_equals).key == "aws:ResourceTag/backup" && one(one(aws_backup_selection.by_tag[0].condition).string_equals).value == "platform"
    error_message = "the selection must pick resources by tag"
  }

  assert {
    condition     = aws_backup_restore_testing_plan.this[0].name == "app_restore_test" && one(aws_backup_restore_testing_plan.this[0].recovery_point_selection).include_vaults == toset([aws_backup_vault.primary[0].arn])
    error_message = "restore testing must be on by default and draw from the primary vault"
  }

  assert {
    condition     = keys(aws_backup_restore_testing_selection.this) == ["Aurora"]
    error_message = "restore testing covers Aurora by default"
  }

  assert {
    condition     = length(aws_backup_vault_lock_configuration.primary) == 0 && length(aws_backup_vault_lock_configuration.destination) == 0
    error_message = "vault lock is opt-in"
  }

  assert {
    condition     = length(aws_sfn_state_machine.restore_validation) == 0 && length(aws_iam_role.restore_validation) == 0 && output.restore_validation_state_machine_arn == null
    error_message = "restore validation is opt-in (it needs a key for its log group)"
  }

  assert {
    condition     = one(data.aws_iam_policy_document.backup_kms.statement).resources == toset([aws_kms_key.primary[0].arn, aws_kms_key.destination[0].arn])
    error_message = "the backup role may use both vault keys it created"
  }
}

run "restore_tests_are_validated" {
  command = plan

  variables {
    restore_validation = {
      log_kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/logs-0000"
    }
  }

  assert {
    condition = (
      aws_cloudwatch_event_rule.restore_completed[0].event_pattern == jsonencode({ source = ["aws.backup"], "detail-type" = ["Restore Job State Change"], detail = { status = ["COMPLETED"] } }) &&
      aws_cloudwatch_event_target.restore_completed[0].arn == aws_sfn_state_machine.restore_validation[0].arn &&
      aws_cloudwatch_event_target.restore_completed[0].role_arn == aws_iam_role.restore_validation_events[0].arn
    )
    error_message = "a completed restore job must start the validation state machine"
  }

  assert {
    condition = (
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).StartAt == "DescribeRestoreJob" &&
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).TimeoutSeconds == 4 * 3600 &&
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States.OfThisPlan.Choices[0].And[0].StringEquals == aws_backup_restore_testing_plan.this[0].arn &&
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States.OfThisPlan.Choices[0].And[1].StringEquals == "Aurora"
    )
    error_message = "the state machine must only validate this plan's Aurora restore tests, within the validation window"
  }

  assert {
    condition = alltrue([
      for k in ["ReportAvailable", "ReportNotEncrypted", "ReportNotAvailable", "ReportNotFound"] :
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States[k].Resource == "arn:aws:states:::aws-sdk:backup:putRestoreValidationResult" &&
      jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States[k].Parameters.ValidationStatus == (k == "ReportAvailable" ? "SUCCESSFUL" : "FAILED")
    ])
    error_message = "every outcome must be reported to AWS Backup: SUCCESSFUL only for an available, encrypted cluster"
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States.RestoredClusterState.Choices[0].Variable == "$.cluster.StorageEncrypted" && jsondecode(aws_sfn_state_machine.restore_validation[0].definition).States.RestoredClusterState.Choices[0].Next == "ReportNotEncrypted"
    error_message = "an unencrypted restore fails validation before its status is looked at"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.restore_validation_events[0].policy).Statement[0].Resource == aws_sfn_state_machine.restore_validation[0].arn
    error_message = "EventBridge may start exactly this state machine (its ARN is spelled out so the role does not change with the plan)"
  }

  assert {
    condition = (
      length(setsubtract(["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult", "rds:DescribeDBClusters"], flatten([for st in jsondecode(aws_iam_role_policy.restore_validation[0].policy).Statement : st.Action]))) == 0 &&
      one([for st in jsondecode(aws_iam_role_policy.restore_validation[0].policy).Statement : st.Resource if st.Sid == "RestoredClusters"]) == "arn:aws:rds:us-east-1:111122223333:cluster:*"
    )
    error_message = "the state machine reads restore jobs and this region's clusters and reports results"
  }

  assert {
    condition = (
      aws_cloudwatch_log_group.restore_validation[0].kms_key_id == "arn:aws:kms:us-east-1:111122223333:key/logs-0000" &&
      aws_cloudwatch_log_group.restore_validation[0].retention_in_days == 365 &&
      one(aws_sfn_state_machine.restore_validation[0].logging_configuration).include_execution_data &&
      one(aws_sfn_state_machine.restore_validation[0].tracing_configuration).enabled
    )
    error_message = "executions log to a KMS-encrypted group and are traced"
  }
}

# The primary region's stack while the DR region holds the writer (after a failover).
run "no_plan_where_the_writer_is_not" {
  command = plan

  variables {
    plan_enabled = false
    restore_validation = {
      log_kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/logs-0000"
    }
  }

  assert {
    condition = (
      length(aws_backup_plan.this) == 0 && length(aws_backup_selection.by_tag) == 0 &&
      length(aws_backup_restore_testing_plan.this) == 0 && length(aws_backup_restore_testing_selection.this) == 0 &&
      length(aws_sfn_state_machine.restore_validation) == 0 && length(aws_cloudwatch_event_rule.restore_completed) == 0 &&
      output.plan_id == null && output.restore_testing_plan_name == null && output.plan_rules == {} && output.restore_testing == null
    )
    error_message = "plan_enabled = false runs no plan, selection, restore test or validation"
  }

  assert {
    condition     = length(aws_backup_vault.primary) == 1 && length(aws_backup_vault.destination) == 1 && length(aws_kms_key.primary) == 1
    error_message = "the vaults (recovery points, incoming copies) and their keys stay"
  }

  assert {
    condition     = length(aws_iam_role.restore_validation) == 1 && length(aws_iam_role.restore_validation_events) == 1 && length(aws_iam_role_policy_attachment.backup) == 2
    error_message = "the IAM roles stay, so moving the plan back needs no IAM change"
  }
}

# The DR region's stack after a failover: the DR vault here, copies back to the primary vault.
run "dr_stack_writes_to_the_dr_vault_and_copies_back" {
  command = plan

  variables {
    existing_vaults = {
      vault_arn             = "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr"
      destination_vault_arn = "arn:aws:backup:us-east-1:111122223333:backup-vault:app"
    }
    restore_validation = {
      log_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/logs-0000"
    }
  }

  assert {
    condition = (
      length(aws_backup_vault.primary) == 0 && length(aws_backup_vault.destination) == 0 &&
      length(aws_kms_key.primary) == 0 && length(aws_kms_key.destination) == 0 && length(aws_backup_vault_lock_configuration.primary) == 0
    )
    error_message = "the DR stack's instance creates no vault and no key: the primary stack owns them"
  }

  assert {
    condition = alltrue([
      for r in aws_backup_plan.this[0].rule :
      r.target_vault_name == "app-dr" && one(r.copy_action).destination_vault_arn == "arn:aws:backup:us-east-1:111122223333:backup-vault:app"
    ])
    error_message = "every rule must write to the DR vault here and copy back to the primary vault"
  }

  assert {
    condition     = one(aws_backup_restore_testing_plan.this[0].recovery_point_selection).include_vaults == toset(["arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr"]) && length(aws_sfn_state_machine.restore_validation) == 1
    error_message = "restore tests run here, from the vault the plan writes to, and are validated"
  }

  assert {
    condition = (
      one(data.aws_iam_policy_document.backup_kms.statement).sid == "VaultKeysByAlias" &&
      one(data.aws_iam_policy_document.backup_kms.statement).resources == toset(["arn:aws:kms:*:111122223333:key/*"]) &&
      toset(one(one(data.aws_iam_policy_document.backup_kms.statement).condition).values) == toset(["alias/app-backup", "alias/app-backup-dr"]) &&
      one(one(data.aws_iam_policy_document.backup_kms.statement).condition).variable == "kms:ResourceAliases"
    )
    error_message = "the backup role may use the vault keys by the aliases the primary stack's instance gave them"
  }

  assert {
    condition     = one([for st in jsondecode(aws_iam_role_policy.restore_validation[0].policy).Statement : st.Resource if st.Sid == "RestoredClusters"]) == "arn:aws:rds:eu-west-1:111122223333:cluster:*"
    error_message = "the validation reads this region's restored clusters"
  }

  assert {
    condition     = output.vault_name == "app-dr" && output.destination_vault_name == "app" && output.kms_key_arn == null
    error_message = "outputs name the vault written to and the one copied to"
  }

  assert {
    condition = output.plan_rules == tomap({
      daily  = { vault = "app-dr", copy_to = "arn:aws:backup:us-east-1:111122223333:backup-vault:app" }
      weekly = { vault = "app-dr", copy_to = "arn:aws:backup:us-east-1:111122223333:backup-vault:app" }
    }) && output.restore_testing.validated && output.restore_testing.resource_types == ["Aurora"]
    error_message = "plan_rules and restore_testing report where the plan writes, copies and restore-tests"
  }
}

run "vault_lock_on_both_vaults" {
  command = plan

  variables {
    vault_lock = {
      min_retention_days  = 7
      max_retention_days  = 365
      changeable_for_days = 3
    }
    weekly_copy_retention_days = 180
  }

  assert {
    condition     = aws_backup_vault_lock_configuration.primary[0].min_retention_days == 7 && aws_backup_vault_lock_configuration.destination[0].max_retention_days == 365 && aws_backup_vault_lock_configuration.destination[0].changeable_for_days == 3
    error_message = "vault lock must apply to the primary and the DR vault"
  }

  assert {
    condition     = one([for r in aws_backup_plan.this[0].rule : one(one(r.copy_action).lifecycle).delete_after if r.rule_name == "weekly"]) == 180
    error_message = "copy retention can differ from the source retention"
  }
}

run "vault_lock_in_governance_mode" {
  command = plan

  variables {
    vault_lock = {
      min_retention_days = 7
      max_retention_days = 365
    }
  }

  assert {
    condition     = aws_backup_vault_lock_configuration.primary[0].changeable_for_days == null && aws_backup_vault_lock_configuration.destination[0].min_retention_days == 7
    error_message = "without changeable_for_days the lock stays in governance mode"
  }
}

run "existing_keys_and_no_restore_testing" {
  command = plan

  variables {
    kms_key_arn             = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-2222-3333-4444-555555555555"
    destination_kms_key_arn = "arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-2222-3333-4444-555555555555"
    restore_testing         = null
  }

  assert {
    condition     = length(aws_kms_key.primary) == 0 && length(aws_kms_key.destination) == 0 && aws_backup_vault.destination[0].kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-2222-3333-4444-555555555555"
    error_message = "passed-in keys must be used and none created"
  }

  assert {
    condition     = length(aws_backup_restore_testing_plan.this) == 0 && length(aws_backup_restore_testing_selection.this) == 0
    error_message = "restore_testing = null turns restore testing off"
  }
}

run "rejects_zero_daily_retention" {
  command = plan

  variables {
    daily_retention_days = 0
  }

  expect_failures = [var.daily_retention_days]
}

run "rejects_weekly_retention_above_100_years" {
  command = plan

  variables {
    weekly_retention_days = 36501
  }

  expect_failures = [var.weekly_retention_days]
}

run "rejects_copy_retention_out_of_range" {
  command = plan

  variables {
    daily_copy_retention_days = 0
  }

  expect_failures = [var.daily_copy_retention_days]
}

run "rejects_vault_lock_that_excludes_a_rule" {
  command = plan

  variables {
    vault_lock = {
      min_retention_days = 7
      max_retention_days = 60 # the weekly rule keeps 90 days
    }
  }

  expect_failures = [var.vault_lock]
}

run "rejects_short_compliance_grace_period" {
  command = plan

  variables {
    vault_lock = {
      min_retention_days  = 7
      max_retention_days  = 365
      changeable_for_days = 1
    }
  }

  expect_failures = [var.vault_lock]
}

run "rejects_empty_selection" {
  command = plan

  variables {
    selection_tags = {}
  }

  expect_failures = [var.selection_tags]
}

run "rejects_completion_window_shorter_than_start_window" {
  command = plan

  variables {
    start_window_minutes      = 120
    completion_window_minutes = 150
  }

  expect_failures = [var.completion_window_minutes]
}

run "rejects_existing_vaults_in_one_region" {
  command = plan

  variables {
    existing_vaults = {
      vault_arn             = "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr"
      destination_vault_arn = "arn:aws:backup:eu-west-1:111122223333:backup-vault:app"
    }
  }

  expect_failures = [var.existing_vaults]
}

run "rejects_a_vault_lock_on_vaults_created_elsewhere" {
  command = plan

  variables {
    existing_vaults = {
      vault_arn             = "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr"
      destination_vault_arn = "arn:aws:backup:us-east-1:111122223333:backup-vault:app"
    }
    vault_lock = { min_retention_days = 7, max_retention_days = 365 }
  }

  expect_failures = [var.existing_vaults]
}

run "rejects_a_validation_log_retention_cloudwatch_does_not_offer" {
  command = plan

  variables {
    restore_validation = {
      log_kms_key_arn    = "arn:aws:kms:us-east-1:111122223333:key/logs-0000"
      log_retention_days = 42
    }
  }

  expect_failures = [var.restore_validation]
}

run "rejects_unknown_restore_test_resource_type" {
  command = plan

  variables {
    restore_testing = { resource_types = ["Aurora", "Lambda"] }
  }

  expect_failures = [var.restore_testing]
}
