mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/app-fis-20240101"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/fis/app"
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

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }
}

variables {
  name   = "app"
  vpc_id = "vpc-0123456789abcdef0"
  stop_condition_alarm_arns = [
    "arn:aws:cloudwatch:us-east-1:111122223333:alarm:app-slo-availability",
    "arn:aws:cloudwatch:us-east-1:111122223333:alarm:app-slo-p95-latency",
  ]
  az_outage = {
    availability_zone = "us-east-1a"
  }
  ecs = {
    cluster_arn = "arn:aws:ecs:us-east-1:111122223333:cluster/app"
    services    = ["api", "worker"]
  }
  aurora_cluster_arn = "arn:aws:rds:us-east-1:111122223333:cluster:app-primary"
}

run "every_experiment_of_the_chaos_table" {
  command = plan

  assert {
    condition = toset(keys(aws_fis_experiment_template.this)) == toset([
      "az-outage", "aurora-failover",
      "api-stop-tasks", "api-service-outage", "api-latency", "api-dependency-blackhole",
      "worker-stop-tasks", "worker-service-outage", "worker-latency", "worker-dependency-blackhole",
    ])
    error_message = "the module must create one template per chaos-table experiment (per ECS service where it applies)"
  }

  assert {
    condition = alltrue([
      for t in aws_fis_experiment_template.this :
      length(t.stop_condition) == 2 && alltrue([for s in t.stop_condition : s.source == "aws:cloudwatch:alarm" && contains(var.stop_condition_alarm_arns, s.value)])
    ])
    error_message = "every template must stop on every SLO alarm"
  }

  assert {
    condition     = alltrue([for t in aws_fis_experiment_template.this : one(one(t.log_configuration).cloudwatch_logs_configuration).log_group_arn == "${aws_cloudwatch_log_group.fis.arn}:*"])
    error_message = "every template must log to the module's log group"
  }

  assert {
    condition     = alltrue([for t in aws_fis_experiment_template.this : t.role_arn == aws_iam_role.fis.arn && one(t.experiment_options).empty_target_resolution_mode == "fail"])
    error_message = "every template must run with the module's role and fail when it finds no target"
  }

  assert {
    condition = (
      one(aws_fis_experiment_template.this["az-outage"].action).action_id == "aws:network:disrupt-connectivity" &&
      one(aws_fis_experiment_template.this["az-outage"].target).resource_type == "aws:ec2:subnet" &&
      one(aws_fis_experiment_template.this["az-outage"].target).parameters == tomap({ availabilityZoneIdentifier = "us-east-1a", vpc = "vpc-0123456789abcdef0" })
    )
    error_message = "the AZ outage must disrupt the subnets of one AZ of the VPC"
  }

  assert {
    condition = (
      one(aws_fis_experiment_template.this["api-stop-tasks"].action).action_id == "aws:ecs:stop-task" &&
      one(aws_fis_experiment_template.this["api-stop-tasks"].target).selection_mode == "PERCENT(50)" &&
      one(aws_fis_experiment_template.this["api-service-outage"].target).selection_mode == "ALL" &&
      one(aws_fis_experiment_template.this["api-service-outage"].target).parameters == tomap({ cluster = "app", service = "api" })
    )
    error_message = "ECS failures must stop a share, or all, of one service's tasks"
  }

  assert {
    condition = (
      one(aws_fis_experiment_template.this["api-latency"].action).action_id == "aws:ecs:task-network-latency" &&
      one([for p in one(aws_fis_experiment_template.this["api-latency"].action).parameter : p.value if p.key == "delayMilliseconds"]) == "300" &&
      one([for p in one(aws_fis_experiment_template.this["api-latency"].action).parameter : p.value if p.key == "useEcsFaultInjectionEndpoints"]) == "true"
    )
    error_message = "latency injection must use the ECS fault-injection endpoints (Fargate)"
  }

  assert {
    condition = (
      one(aws_fis_experiment_template.this["api-dependency-blackhole"].action).action_id == "aws:ecs:task-network-blackhole-port" &&
      one([for p in one(aws_fis_experiment_template.this["api-dependency-blackhole"].action).parameter : p.value if p.key == "port"]) == "5432"
    )
    error_message = "the network blackhole must drop traffic to the database port by default"
  }

  assert {
    condition = (
      one(aws_fis_experiment_template.this["aurora-failover"].action).action_id == "aws:rds:failover-db-cluster" &&
      one(aws_fis_experiment_template.this["aurora-failover"].target).resource_arns == toset([var.aurora_cluster_arn])
    )
    error_message = "the DB failover must target the Aurora cluster"
  }

  assert {
    condition     = aws_cloudwatch_log_group.fis.kms_key_id == aws_kms_key.this[0].arn
    error_message = "the experiment log group must be KMS-encrypted"
  }
}

run "least_privilege_follows_the_enabled_experiments" {
  command = plan

  variables {
    az_outage = null
    ecs       = null
  }

  assert {
    condition     = toset(keys(aws_fis_experiment_template.this)) == toset(["aurora-failover"])
    error_message = "only the configured experiments get a template"
  }

  assert {
    condition     = !strcontains(aws_iam_role_policy.fis.policy, "ec2:CreateNetworkAcl") && !strcontains(aws_iam_role_policy.fis.policy, "ecs:StopTask") && strcontains(aws_iam_role_policy.fis.policy, "rds:FailoverDBCluster")
    error_message = "the role must only hold the permissions of the configured experiments"
  }
}

# A region that does not serve yet (a DR region on standby): no template, but the role already holds every
# configured experiment's permissions, so serving later creates templates without an IAM change.
run "no_templates_until_the_region_serves" {
  command = plan

  variables {
    create_templates = false
  }

  assert {
    condition     = length(aws_fis_experiment_template.this) == 0 && output.experiment_template_ids == {}
    error_message = "create_templates = false creates no template"
  }

  assert {
    condition = (
      strcontains(aws_iam_role_policy.fis.policy, "ec2:CreateNetworkAcl") && strcontains(aws_iam_role_policy.fis.policy, "ecs:StopTask") &&
      strcontains(aws_iam_role_policy.fis.policy, "rds:FailoverDBCluster") && aws_cloudwatch_log_group.fis.name == "/aws/fis/app"
    )
    error_message = "the role, its policy and the log group exist before the templates"
  }
}

# The cluster is not the writer (or has no reader to promote): every other experiment, and the same role.
run "aurora_failover_only_where_it_can_fail_over" {
  command = plan

  variables {
    aurora_failover_template = false
  }

  assert {
    condition     = !contains(keys(aws_fis_experiment_template.this), "aurora-failover") && contains(keys(aws_fis_experiment_template.this), "az-outage") && length(aws_fis_experiment_template.this) == 9
    error_message = "aurora_failover_template = false drops only the failover template"
  }

  assert {
    condition     = strcontains(aws_iam_role_policy.fis.policy, "rds:FailoverDBCluster")
    error_message = "the failover permission stays, so the template can come back without an IAM change"
  }
}

run "rejects_empty_stop_conditions" {
  command = plan

  variables {
    stop_condition_alarm_arns = []
  }

  expect_failures = [var.stop_condition_alarm_arns]
}

run "rejects_non_alarm_stop_condition" {
  command = plan

  variables {
    stop_condition_alarm_arns = ["arn:aws:sns:us-east-1:111122223333:alerts"]
  }

  expect_failures = [var.stop_condition_alarm_arns]
}

run "rejects_more_than_five_stop_conditions" {
  command = plan

  variables {
    stop_condition_alarm_arns = [for i in range(6) : "arn:aws:cloudwatch:us-east-1:111122223333:alarm:slo-${i}"]
  }

  expect_failures = [var.stop_condition_alarm_arns]
}

run "rejects_bad_availability_zone" {
  command = plan

  variables {
    az_outage = { availability_zone = "us-east-1" }
  }

  expect_failures = [var.az_outage]
}

run "rejects_bad_duration" {
  command = plan

  variables {
    az_outage = { availability_zone = "us-east-1a", duration = "10m" }
  }

  expect_failures = [var.az_outage]
}

run "rejects_ecs_without_services" {
  command = plan

  variables {
    ecs = { cluster_arn = "arn:aws:ecs:us-east-1:111122223333:cluster/app", services = [] }
  }

  expect_failures = [var.ecs]
}

run "rejects_stop_task_percent_out_of_range" {
  command = plan

  variables {
    ecs = { cluster_arn = "arn:aws:ecs:us-east-1:111122223333:cluster/app", services = ["api"], stop_task_percent = 0 }
  }

  expect_failures = [var.ecs]
}

run "rejects_bad_aurora_arn" {
  command = plan

  variables {
    aurora_cluster_arn = "app-primary"
  }

  expect_failures = [var.aurora_cluster_arn]
}
