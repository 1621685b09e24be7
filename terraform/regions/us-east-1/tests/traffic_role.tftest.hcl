# The stack's traffic_role_override input: the primary region is always active.

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

mock_provider "aws" {
  alias = "dr"

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

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  offline = true
}

run "primary_is_active" {
  command = plan

  variables {
    traffic_role_override = "active"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "active" && output.deploy_targets.traffic_role_parameter == null && output.edge_origin.traffic_role == "active"
    error_message = "the primary stack reports the active role and has no traffic role parameter"
  }
}

run "rejects_standby_in_the_primary" {
  command = plan

  variables {
    traffic_role_override = "standby"
  }

  expect_failures = [var.traffic_role_override]
}
