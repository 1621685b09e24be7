mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_secretsmanager_secret" {
    defaults = {
      arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:platform/mock-AbCdEf"
    }
  }
}

variables {
  name = "platform"
  secrets = {
    "api/APP_SECRET_KEY"        = { description = "signing key" }
    "payments/PROVIDER_API_KEY" = {}
  }
  readers = {
    "api/APP_SECRET_KEY"        = ["arn:aws:iam::111122223333:role/platform-api-exec"]
    "payments/PROVIDER_API_KEY" = ["arn:aws:iam::111122223333:role/platform-payments-exec"]
  }
}

run "secrets_are_kms_encrypted_and_named" {
  command = plan

  assert {
    condition     = aws_secretsmanager_secret.this["api/APP_SECRET_KEY"].name == "platform/api/APP_SECRET_KEY"
    error_message = "secrets must be named <name>/<key>"
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_secretsmanager_secret.this["api/APP_SECRET_KEY"].recovery_window_in_days == 30
    error_message = "the KMS key must rotate and secrets keep a 30 day recovery window by default"
  }
}

run "only_the_execution_role_reads" {
  command = plan

  assert {
    condition = jsondecode(aws_secretsmanager_secret_policy.this["payments/PROVIDER_API_KEY"].policy).Statement[0].Principal.AWS == [
      "arn:aws:iam::111122223333:role/platform-payments-exec",
    ]
    error_message = "only the payments execution role may be allowed to read the payments secret"
  }

  assert {
    condition = (
      jsondecode(aws_secretsmanager_secret_policy.this["payments/PROVIDER_API_KEY"].policy).Statement[1].Effect == "Deny" &&
      jsondecode(aws_secretsmanager_secret_policy.this["payments/PROVIDER_API_KEY"].policy).Statement[1].Condition.ArnNotEquals["aws:PrincipalArn"] == ["arn:aws:iam::111122223333:role/platform-payments-exec"]
    )
    error_message = "every other principal must be denied GetSecretValue"
  }

  assert {
    condition     = aws_secretsmanager_secret_policy.this["api/APP_SECRET_KEY"].block_public_policy
    error_message = "public secret policies must be blocked"
  }
}

run "rejects_secret_without_reader" {
  command = plan

  variables {
    secrets = { "x" = {} }
    readers = { "x" = [] }
  }

  expect_failures = [var.readers]
}

run "rejects_bad_recovery_window" {
  command = plan

  variables {
    recovery_window_in_days = 3
  }

  expect_failures = [var.recovery_window_in_days]
}

run "key_policy_delegates_to_the_account" {
  command = apply

  assert {
    condition     = jsondecode(aws_kms_key_policy.this.policy).Statement[0].Principal.AWS == "arn:aws:iam::111122223333:root"
    error_message = "the key policy must name this account's root (read from the key's own ARN)"
  }
}
