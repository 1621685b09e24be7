# The stack's traffic_role_override input reaches the module: a failover drill plans the promoted capacity.

mock_provider "aws" {
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

  mock_data "aws_elb_service_account" {
    defaults = {
      arn = "arn:aws:iam::156460612806:root"
    }
  }
}

variables {
  offline = true
}

run "standby_by_default" {
  command = plan

  assert {
    condition     = output.deploy_targets.traffic_role == "standby" && output.deploy_targets.traffic_role_parameter == "/platform/traffic-role" && alltrue([for s in values(output.deploy_targets.services) : s.desired_count == 0])
    error_message = "the DR stack starts on standby (0 tasks) and names its traffic role parameter"
  }

  assert {
    condition     = output.data_plane.backup_plan_arn == null && output.deploy_targets.chaos_experiments == {}
    error_message = "on standby the DR stack runs no backup plan and has no chaos template"
  }
}

run "drill_active" {
  command = plan

  variables {
    traffic_role_override = "active"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "active" && output.edge_origin.traffic_role == "active" && alltrue([for s in values(output.deploy_targets.services) : s.desired_count == 2])
    error_message = "traffic_role_override = \"active\" plans the promoted region (the services' desired count)"
  }

  assert {
    condition     = length(output.deploy_targets.chaos_experiments) == 9
    error_message = "the promoted region gets its chaos templates (no Aurora failover: its cluster has one instance)"
  }
}

run "rejects_unknown_role" {
  command = plan

  variables {
    traffic_role_override = "promoted"
  }

  expect_failures = [var.traffic_role_override]
}

run "rejects_its_own_region_as_primary" {
  command = plan

  variables {
    primary_region = "eu-west-1"
  }

  expect_failures = [var.primary_region]
}
