# The state bucket has prevent_destroy, so no run may apply (teardown would destroy it): mocked values are
# produced at plan time instead.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn = "arn:aws:s3:::platform-tfstate-123456789012"
    }
  }
}

run "state_bucket_hardened" {
  command = plan

  assert {
    condition     = aws_s3_bucket.state.bucket == "platform-tfstate-123456789012"
    error_message = "The bucket name must default to <project>-tfstate-<account_id>."
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State must be versioned."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.state.arn
    error_message = "State must be encrypted with the state KMS key."
  }

  assert {
    condition     = aws_kms_key.state.enable_key_rotation
    error_message = "The state key must rotate."
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.state.block_public_acls && aws_s3_bucket_public_access_block.state.block_public_policy && aws_s3_bucket_public_access_block.state.ignore_public_acls && aws_s3_bucket_public_access_block.state.restrict_public_buckets
    error_message = "Every public access block setting must be on."
  }

  assert {
    condition = anytrue([for st in jsondecode(aws_s3_bucket_policy.state.policy).Statement :
    st.Effect == "Deny" && st.Action == "s3:*" && try(st.Condition.Bool["aws:SecureTransport"], "") == "false"])
    error_message = "The bucket policy must deny requests without TLS."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.state.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled on the state bucket."
  }

  assert {
    condition     = output.backend_config.use_lockfile == true && output.backend_config.encrypt == true
    error_message = "Stacks must lock with S3-native lock files (use_lockfile), not DynamoDB."
  }
}

run "custom_bucket_name" {
  command = plan

  variables {
    bucket_name = "acme-terraform-state"
  }

  assert {
    condition     = aws_s3_bucket.state.bucket == "acme-terraform-state"
    error_message = "bucket_name must override the default name."
  }
}

run "invalid_bucket_name_rejected" {
  command = plan

  variables {
    bucket_name = "Not_A_Bucket"
  }

  expect_failures = [var.bucket_name]
}

run "invalid_account_id_rejected" {
  command = plan

  variables {
    account_id = "abc"
  }

  expect_failures = [var.account_id]
}
