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
    condition     = length(aws_backup_plan.this.rule) == 2 && toset([for r in aws_backup_plan.this.rule : r.rule_name]) == toset(["daily", "weekly"])
    error_message = "the plan must have a daily and a weekly rule"
  }

  assert {
    condition = alltrue([
      for r in aws_backup_plan.this.rule :
      length(r.copy_action) == 1 && one(r.copy_action).destination_vault_arn == aws_backup_vault.destination.arn
    ])
    error_message = "every rule must copy its recovery points to the DR vault"
  }

  assert {
    condition     = aws_backup_vault.destination.arn == "arn:aws:backup:eu-west-1:111122223333:backup-vault:app-dr" && aws_backup_vault.destination.name == "app-dr"
    error_message = "the DR vault must be created with the aws.destination provider (DR region)"
  }

  assert {
    condition     = aws_backup_vault.primary.kms_key_arn == aws_kms_key.primary[0].arn && aws_backup_vault.destination.kms_key_arn == aws_kms_key.destination[0].arn
    error_message = "both vaults must be encrypted with their own region's KMS key"
  }

  assert {
    condition     = aws_kms_key.destination[0].arn == "arn:aws:kms:eu-west-1:111122223333:key/99999999-2222-3333-4444-555555555555" && aws_kms_key.primary[0].enable_key_rotation && aws_kms_key.destination[0].enable_key_rotation
    error_message = "the DR vault key must live in the DR region; both keys rotate"
  }

  assert {
    condition = alltrue([
      for r in aws_backup_plan.this.rule :
      one(r.lifecycle).delete_after == (r.rule_name == "daily" ? 35 : 90) &&
      one(one(r.copy_action).lifecycle).delete_after == (r.rule_name == "daily" ? 35 : 90)
    ])
    error_message = "retention of recovery points and copies must follow the inputs"
  }

  assert {
    condition     = aws_backup_selection.by_tag.resources == toset(["*"]) && one(one(aws_backup_selection.by_tag.condition).string_equals).key == "aws:ResourceTag/backup" && one(one(aws_backup_selection.by_tag.condition).string_equals).value == "platform"
    error_message = "the selection must pick resources by tag"
  }

  assert {
    condition     = aws_backup_restore_testing_plan.this[0].name == "app_restore_test" && one(aws_backup_restore_testing_plan.this[0].recovery_point_selection).include_vaults == toset([aws_backup_vault.primary.arn])
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
    condition     = one([for r in aws_backup_plan.this.rule : one(one(r.copy_action).lifecycle).delete_after if r.rule_name == "weekly"]) == 180
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
    condition     = length(aws_kms_key.primary) == 0 && length(aws_kms_key.destination) == 0 && aws_backup_vault.destination.kms_key_arn == "arn:aws:kms:eu-west-1:111122223333:key/bbbbbbbb-2222-3333-4444-555555555555"
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

run "rejects_unknown_restore_test_resource_type" {
  command = plan

  variables {
    restore_testing = { resource_types = ["Aurora", "Lambda"] }
  }

  expect_failures = [var.restore_testing]
}
