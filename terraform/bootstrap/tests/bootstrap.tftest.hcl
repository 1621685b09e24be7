# The state buckets have prevent_destroy, so no run may apply (teardown would destroy them): mocked values are
# produced at plan time instead. One mocked provider per region alias, so that each region's key has its own ARN.
mock_provider "aws" {
  alias           = "primary"
  override_during = plan

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/platform-tfstate-replication-us-east-1"
    }
  }
}

mock_provider "aws" {
  alias           = "dr"
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::123456789012:role/platform-tfstate-replication-eu-west-1"
    }
  }
}

variables {
  east_key = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  west_key = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
}

run "one_hardened_bucket_per_region" {
  command = plan

  assert {
    condition = output.state_buckets == {
      "us-east-1" = "platform-tfstate-123456789012-us-east-1"
      "eu-west-1" = "platform-tfstate-123456789012-eu-west-1"
    }
    error_message = "There must be one bucket per region, named <project>-tfstate-<account_id>-<region>."
  }

  assert {
    condition     = module.primary.bucket_name == "platform-tfstate-123456789012-us-east-1" && module.dr.bucket_name == "platform-tfstate-123456789012-eu-west-1"
    error_message = "The primary module must make the primary region's bucket and the dr module the DR region's."
  }

  assert {
    condition     = module.primary.kms_key_arn == var.east_key && module.dr.kms_key_arn == var.west_key
    error_message = "Each bucket must have a KMS key of its own region (each module on its region's provider)."
  }

  assert {
    condition     = output.kms_key_arns == { "us-east-1" = var.east_key, "eu-west-1" = var.west_key }
    error_message = "kms_key_arns must give each region's key."
  }

  assert {
    condition     = output.backend_region == "eu-west-1"
    error_message = "The state of stacks without a region (global) must default to the DR region's bucket."
  }

  assert {
    condition     = output.platform_toml == "[terraform.backend]\nkey_prefix = \"platform\"\nregion = \"eu-west-1\"\nbuckets = { us-east-1 = \"platform-tfstate-123456789012-us-east-1\", eu-west-1 = \"platform-tfstate-123456789012-eu-west-1\" }\n"
    error_message = "platform_toml must be platform.toml's [terraform.backend] block for these buckets."
  }

  assert {
    condition     = output.backend_config["eu-west-1"].use_lockfile == true && output.backend_config["us-east-1"].encrypt == true && output.backend_config["eu-west-1"].bucket == "platform-tfstate-123456789012-eu-west-1"
    error_message = "Stacks must lock with S3-native lock files (use_lockfile), not DynamoDB, in their region's bucket."
  }
}

run "primary_bucket_hardened" {
  command = plan

  module {
    source = "./modules/state-bucket"
  }

  providers = {
    aws = aws.primary
  }

  variables {
    project                           = "platform"
    account_id                        = "123456789012"
    partition                         = "aws"
    region                            = "us-east-1"
    bucket_name                       = "platform-tfstate-123456789012-us-east-1"
    noncurrent_version_retention_days = 90
    kms_deletion_window_days          = 30
    replica_region                    = "eu-west-1"
    replica_bucket_arn                = "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1"
    replica_kms_key_arn               = var.west_key
    replication_time_control          = true
  }

  assert {
    condition     = aws_s3_bucket_versioning.state.versioning_configuration[0].status == "Enabled"
    error_message = "State must be versioned (replication needs it too)."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.state.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.state.arn
    error_message = "State must be encrypted with the region's state KMS key."
  }

  assert {
    condition     = aws_kms_key.state.enable_key_rotation && !aws_kms_key.state.multi_region
    error_message = "The state key must rotate and be a key of its own region."
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
    condition     = one(aws_s3_bucket_lifecycle_configuration.state.rule).noncurrent_version_expiration[0].noncurrent_days == 90
    error_message = "Old state versions must expire after noncurrent_version_retention_days."
  }

  assert {
    condition     = one(one(aws_s3_bucket_replication_configuration.state.rule).destination).replication_time[0].status == "Enabled" && one(one(aws_s3_bucket_replication_configuration.state.rule).destination).metrics[0].status == "Enabled"
    error_message = "Replication Time Control (with its metrics) must be on when replication_time_control is."
  }

  assert {
    condition = alltrue([
      for st in jsondecode(aws_iam_role_policy.replication.policy).Statement :
      !contains(flatten([st.Resource]), "*") && !anytrue([for a in flatten([st.Action]) : endswith(a, "*")])
    ])
    error_message = "The replication role's policy must name its actions and resources (no wildcards)."
  }

  assert {
    condition = anytrue([
      for st in jsondecode(aws_iam_role_policy.replication.policy).Statement :
      st.Resource == var.west_key && contains(flatten([st.Action]), "kms:Encrypt") && try(st.Condition.StringEquals["kms:ViaService"], "") == "s3.eu-west-1.amazonaws.com"
      ]) && anytrue([
      for st in jsondecode(aws_iam_role_policy.replication.policy).Statement :
      st.Resource == aws_kms_key.state.arn && flatten([st.Action]) == ["kms:Decrypt"] && try(st.Condition.StringEquals["kms:ViaService"], "") == "s3.us-east-1.amazonaws.com"
    ])
    error_message = "The replication role may decrypt with its own region's key and encrypt with the replica's, each only through S3 of that region."
  }
}

run "replication_both_ways" {
  command = plan

  assert {
    condition     = module.primary.replication_rule.status == "Enabled" && module.dr.replication_rule.status == "Enabled"
    error_message = "Both buckets must replicate."
  }

  assert {
    condition     = one(module.primary.replication_rule.destination).bucket == "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1" && one(module.dr.replication_rule.destination).bucket == "arn:aws:s3:::platform-tfstate-123456789012-us-east-1"
    error_message = "us-east-1 must replicate to eu-west-1 and eu-west-1 to us-east-1."
  }

  assert {
    condition     = module.primary.replication_rule.delete_marker_replication[0].status == "Enabled" && module.dr.replication_rule.delete_marker_replication[0].status == "Enabled"
    error_message = "Delete markers (released locks, removed state) must replicate both ways."
  }

  assert {
    condition = alltrue([for rule in [module.primary.replication_rule, module.dr.replication_rule] :
    rule.source_selection_criteria[0].replica_modifications[0].status == "Enabled" && rule.source_selection_criteria[0].sse_kms_encrypted_objects[0].status == "Enabled"])
    error_message = "Both rules must sync replica modifications and opt SSE-KMS objects in."
  }

  assert {
    condition     = one(module.primary.replication_rule.destination).encryption_configuration[0].replica_kms_key_id == var.west_key && one(module.dr.replication_rule.destination).encryption_configuration[0].replica_kms_key_id == var.east_key
    error_message = "Replicas must be encrypted with the destination region's key (KMS on both sides)."
  }
}

run "custom_names_and_without_replication_time_control" {
  command = plan

  variables {
    bucket_name_prefix       = "shop-terraform-state"
    key_prefix               = "shop"
    backend_region           = "us-east-1"
    replication_time_control = false
  }

  assert {
    condition     = output.state_buckets == { "us-east-1" = "shop-terraform-state-us-east-1", "eu-west-1" = "shop-terraform-state-eu-west-1" }
    error_message = "bucket_name_prefix must name the buckets <prefix>-<region>."
  }

  assert {
    condition     = output.platform_toml == "[terraform.backend]\nkey_prefix = \"shop\"\nregion = \"us-east-1\"\nbuckets = { us-east-1 = \"shop-terraform-state-us-east-1\", eu-west-1 = \"shop-terraform-state-eu-west-1\" }\n"
    error_message = "platform_toml must follow key_prefix and backend_region."
  }

  assert {
    condition     = length(one(module.primary.replication_rule.destination).replication_time) == 0
    error_message = "replication_time_control = false must leave Replication Time Control off."
  }
}

run "a_third_region_is_refused" {
  command = plan

  variables {
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
  }

  expect_failures = [var.regions]
}

run "the_same_region_twice_is_refused" {
  command = plan

  variables {
    regions = ["us-east-1", "us-east-1"]
  }

  expect_failures = [var.regions]
}

run "a_backend_region_without_a_bucket_is_refused" {
  command = plan

  variables {
    backend_region = "ap-southeast-2"
  }

  expect_failures = [var.backend_region]
}

run "invalid_bucket_name_prefix_rejected" {
  command = plan

  variables {
    bucket_name_prefix = "Not_A_Bucket"
  }

  expect_failures = [var.bucket_name_prefix]
}

run "invalid_account_id_rejected" {
  command = plan

  variables {
    account_id = "abc"
  }

  expect_failures = [var.account_id]
}
