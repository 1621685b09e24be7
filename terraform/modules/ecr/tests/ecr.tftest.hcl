mock_provider "aws" {
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
}

variables {
  repository_names   = ["platform/api", "platform/worker"]
  account_id         = "123456789012"
  replication_prefix = "platform"
}

run "repositories_hardened" {
  command = apply

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Tags must be immutable (a deployed digest never changes under a tag)."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push])
    error_message = "Images must be scanned on push."
  }

  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.encryption_configuration[0].encryption_type == "KMS" && r.encryption_configuration[0].kms_key == aws_kms_key.this[0].arn])
    error_message = "Repositories must be encrypted with the module's KMS key."
  }

  assert {
    condition     = aws_kms_key.this[0].enable_key_rotation
    error_message = "The KMS key must rotate."
  }

  assert {
    condition     = length(aws_ecr_lifecycle_policy.this) == 2
    error_message = "Every repository needs a lifecycle policy."
  }

  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.this["platform/api"].policy).rules[0].selection.tagStatus == "untagged" && jsondecode(aws_ecr_lifecycle_policy.this["platform/api"].policy).rules[1].selection.countNumber == 50
    error_message = "The lifecycle policy must expire untagged images and keep the 50 newest."
  }
}

run "replication_to_dr_region" {
  command = plan

  assert {
    condition     = length(aws_ecr_replication_configuration.this) == 1
    error_message = "The registry replication configuration must exist."
  }

  assert {
    condition     = [for d in aws_ecr_replication_configuration.this[0].replication_configuration[0].rule[0].destination : { region = d.region, registry_id = d.registry_id }] == [{ region = "eu-west-1", registry_id = "123456789012" }]
    error_message = "Images must replicate to eu-west-1 in the same account."
  }

  assert {
    condition     = aws_ecr_replication_configuration.this[0].replication_configuration[0].rule[0].repository_filter[0].filter == "platform" && aws_ecr_replication_configuration.this[0].replication_configuration[0].rule[0].repository_filter[0].filter_type == "PREFIX_MATCH"
    error_message = "Replication must be filtered on the project prefix."
  }

  assert {
    condition     = output.replica_repository_urls["eu-west-1"]["platform/api"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api"
    error_message = "Replica URLs must point at the DR registry."
  }
}

run "several_dr_regions" {
  command = plan

  variables {
    replication_regions = ["eu-west-1", "ap-southeast-2"]
  }

  assert {
    condition     = length(aws_ecr_replication_configuration.this[0].replication_configuration[0].rule[0].destination) == 2
    error_message = "Every DR region must be a destination."
  }
}

run "no_dr_region_no_replication" {
  command = plan

  variables {
    replication_regions = []
  }

  assert {
    condition     = length(aws_ecr_replication_configuration.this) == 0
    error_message = "No replication configuration without a destination."
  }
}

run "external_kms_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && aws_ecr_repository.this["platform/api"].encryption_configuration[0].kms_key == var.kms_key_arn
    error_message = "A given KMS key must be used instead of a new one."
  }
}

run "bad_account_id_rejected" {
  command = plan

  variables {
    account_id = "12345"
  }

  expect_failures = [var.account_id]
}

run "upper_case_repository_rejected" {
  command = plan

  variables {
    repository_names = ["Platform/API"]
  }

  expect_failures = [var.repository_names]
}

run "bad_region_rejected" {
  command = plan

  variables {
    replication_regions = ["europe"]
  }

  expect_failures = [var.replication_regions]
}
