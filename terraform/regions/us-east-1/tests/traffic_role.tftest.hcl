# The stack's traffic_role_override input: the primary region is always active. The DR region's traffic role (where
# the Aurora writer, and so the backup plan, is): read by the stack itself from the DR region's parameter through
# aws.dr, or given as dr_traffic_role (a failover drill; offline plans take standby).

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

# After failover --to eu-west-1: the DR region holds the writer and runs the backup plan.
run "dr_active_stops_the_primary_backup_plan" {
  command = plan

  variables {
    dr_traffic_role = "active"
  }

  assert {
    condition     = output.data_plane.backup_plan_arn == null && output.deploy_targets.traffic_role == "active"
    error_message = "with the DR region active the primary runs no backup plan (it keeps serving capacity)"
  }

  assert {
    condition     = !contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover") && contains(keys(output.deploy_targets.chaos_experiments), "az-outage")
    error_message = "the primary keeps its chaos templates but not the Aurora failover one (its cluster is not the writer)"
  }
}

run "rejects_unknown_dr_traffic_role" {
  command = plan

  variables {
    dr_traffic_role = "primary"
  }

  expect_failures = [var.dr_traffic_role]
}

# Not offline: the stack reads the DR stack's parameter (/<name>/traffic-role in eu-west-1, through aws.dr). The Aurora
# failover template, like the backup plan, exists only while this region holds the writer.
run "reads_the_dr_traffic_role_from_the_dr_region" {
  command = plan

  variables {
    offline            = false
    db_master_password = "a-real-password-not-the-placeholder-0000"
  }

  override_data {
    target = module.platform.data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["active"]
    }
  }

  assert {
    condition     = output.data_plane.backup_plan_arn == null && output.deploy_targets.traffic_role == "active"
    error_message = "with the DR region's parameter at active the primary stack runs no backup plan (and stays active itself)"
  }

  assert {
    condition     = !contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover") && contains(keys(output.deploy_targets.chaos_experiments), "az-outage")
    error_message = "the primary keeps its chaos templates but not the Aurora failover one (its cluster is not the writer)"
  }
}

# The first deploy applies this stack before eu-west-1 has created its parameter.
run "no_dr_parameter_yet_is_standby" {
  command = plan

  variables {
    offline            = false
    db_master_password = "a-real-password-not-the-placeholder-0000"
  }

  override_data {
    target = module.platform.data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = []
      values = []
    }
  }

  assert {
    condition     = contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover")
    error_message = "without a DR parameter the primary holds the writer (Aurora failover template, backup plan)"
  }
}

# A drill plans a DR role without reading the parameter; an offline plan (no AWS access) does not read it either and
# takes standby.
run "dr_traffic_role_overrides_the_parameter" {
  command = plan

  variables {
    offline            = false
    db_master_password = "a-real-password-not-the-placeholder-0000"
    dr_traffic_role    = "standby"
  }

  override_data {
    target = module.platform.data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["active"]
    }
  }

  assert {
    condition     = contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover")
    error_message = "dr_traffic_role = standby is planned, not the DR parameter's active"
  }
}

run "offline_plans_take_standby" {
  command = plan

  override_data {
    target = module.platform.data.aws_ssm_parameters_by_path.dr_traffic_role
    values = {
      names  = ["/platform/traffic-role"]
      values = ["active"]
    }
  }

  assert {
    condition     = contains(keys(output.deploy_targets.chaos_experiments), "aurora-failover")
    error_message = "an offline plan does not read the DR parameter: standby (the primary holds the writer)"
  }
}
