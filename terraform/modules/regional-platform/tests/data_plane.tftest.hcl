# Aurora, WebSocket, backups and chaos composed into the region, and how is_dr changes them (how the traffic role moves
# backups and chaos: writer_role.tftest.hcl).

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

# The DR region. Its values are known while planning, so the runs can tell which provider created what.
mock_provider "aws" {
  alias           = "dr"
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/99999999-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_backup_vault" {
    defaults = {
      arn = "arn:aws:backup:eu-west-1:123456789012:backup-vault:platform-dr"
    }
  }

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
}

variables {
  azs                       = ["us-east-1a", "us-east-1b", "us-east-1c"]
  certificate_arn           = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  origin_verify_secret      = "offline-placeholder-not-a-secret-0000000000"
  db_master_password        = "offline-placeholder-not-a-password-0000"
  websocket_worker_services = ["api"]
}

run "primary_creates_the_global_database_backups_and_chaos" {
  command = plan

  override_resource {
    target          = module.rds.aws_rds_global_cluster.this
    override_during = plan
    values = {
      id  = "platform-global"
      arn = "arn:aws:rds::123456789012:global-cluster:platform-global"
    }
  }

  assert {
    condition     = module.rds.role == "primary" && module.rds.global_cluster_arn != null
    error_message = "the primary region must create the Aurora global cluster and its writer cluster"
  }

  assert {
    condition     = output.global_cluster_identifier == "platform-global"
    error_message = "global_cluster_identifier must be the id of the global cluster the primary creates (the DR stack's input)"
  }

  assert {
    condition     = tolist(module.rds.instance_identifiers) == tolist(["platform-primary-1", "platform-primary-2"])
    error_message = "the primary cluster runs a writer and a reader (the failover target)"
  }

  assert {
    condition     = toset(keys(output.db_master_secret_replica_arns)) == toset(["eu-west-1"])
    error_message = "the master secret must be replicated to the aws.dr region, and its replica ARN exported for the DR stack"
  }

  assert {
    condition     = length(module.backups.plan_rules) == 2 && startswith(module.backups.destination_vault_arn, "arn:aws:backup:eu-west-1:") && output.backup_destination_vault_arn == module.backups.destination_vault_arn
    error_message = "the primary region must create the backup plan, copying to a vault created with the aws.dr provider"
  }

  assert {
    condition     = module.backups.selection_tags == tomap({ backup = "platform" }) && output.backup_selection_tags == tomap({ backup = "platform" })
    error_message = "backups select resources by the tag the Aurora cluster carries"
  }

  assert {
    condition = toset(keys(output.data_plane.chaos_experiment_template_ids)) == toset([
      "az-outage", "aurora-failover",
      "api-stop-tasks", "api-service-outage", "api-latency", "api-dependency-blackhole",
      "payments-stop-tasks", "payments-service-outage", "payments-latency", "payments-dependency-blackhole",
    ])
    error_message = "the primary region must create the FIS templates: AZ outage, Aurora failover and the ECS experiments of every service"
  }

  assert {
    condition     = length(local.chaos_stop_condition_alarm_arns) == 4 && length(aws_cloudwatch_composite_alarm.slo) == 0
    error_message = "with 2 services the experiments stop on their 4 SLO alarms (5xx rate, p95 latency) directly"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.db_from_tasks)) == toset(["api", "payments"]) && toset(keys(aws_vpc_security_group_egress_rule.tasks_to_db)) == toset(["api", "payments"])
    error_message = "every service's tasks must reach the database port (ingress on the cluster, egress on the tasks)"
  }

  assert {
    condition     = alltrue([for svc in ["api", "payments"] : toset(keys(local.extra_service_secrets[svc])) == toset(["DB_CREDENTIALS"])]) && toset(keys(local.extra_service_environment["payments"])) == toset(["DB_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME"])
    error_message = "every service must get the database secret and connection settings"
  }

  assert {
    condition     = toset(keys(local.extra_service_environment["api"])) == toset(["DB_HOST", "DB_READER_HOST", "DB_PORT", "DB_NAME", "WEBSOCKET_QUEUE_URL", "WEBSOCKET_CONNECTIONS_URL"]) && toset(keys(aws_iam_role_policy.websocket_worker)) == toset(["api"])
    error_message = "the WebSocket worker service must get the worker policy and the queue and management URLs"
  }

  assert {
    condition     = module.websocket.stage_name == "live"
    error_message = "the primary region runs the WebSocket API"
  }
}

run "dr_joins_the_global_cluster_without_backups_or_chaos" {
  command = plan

  variables {
    is_dr                     = true
    primary_region            = "us-east-1"
    vpc_cidr                  = "10.20.0.0/16"
    azs                       = ["eu-west-1a", "eu-west-1b"]
    global_cluster_identifier = "shop-global"
    db_master_password        = null
    db_master_secret_arn      = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  assert {
    condition     = module.rds.role == "secondary" && module.rds.global_cluster_identifier == "shop-global" && module.rds.global_cluster_arn == null
    error_message = "DR must create a secondary cluster joined to the given global cluster, and no global cluster"
  }

  assert {
    condition     = tolist(module.rds.instance_identifiers) == tolist(["platform-secondary-1"])
    error_message = "DR runs one reader"
  }

  assert {
    condition     = output.data_plane.db_secret_arn == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf" && length(output.db_master_secret_replica_arns) == 0
    error_message = "DR services must read the primary's secret replica in this region"
  }

  assert {
    condition     = alltrue([for svc in ["api", "payments"] : local.extra_service_secrets[svc].DB_CREDENTIALS == "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"])
    error_message = "DR services must get the secret replica injected, ready for a failover"
  }

  assert {
    condition     = module.backups.plan_rules == {} && module.backups.restore_testing == null && module.backups.kms_key_arn == null
    error_message = "a standby DR region must not run a backup plan nor create vaults (the primary copies into the DR vault it created)"
  }

  assert {
    condition     = output.data_plane.chaos_experiment_template_ids == {} && output.deploy_targets.chaos_experiments == {} && length(aws_cloudwatch_composite_alarm.slo) == 0
    error_message = "a standby DR region must not create FIS experiment templates"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.db_from_tasks)) == toset(["api", "payments"])
    error_message = "DR tasks must reach the secondary cluster (after a failover it is the writer)"
  }

  assert {
    condition     = module.websocket.stage_name == "live" && toset(keys(aws_iam_role_policy.websocket_worker)) == toset(["api"])
    error_message = "DR runs its own WebSocket path"
  }
}

run "more_than_five_slo_alarms_stop_through_one_composite_alarm" {
  command = plan

  variables {
    services = {
      web      = { tier = "public", priority = 900 }
      api      = { tier = "public", path_patterns = ["/api/*"] }
      payments = { tier = "internal" }
    }
    websocket_worker_services = []
  }

  override_resource {
    target          = module.observability.aws_cloudwatch_metric_alarm.error_rate
    override_during = plan
    values = {
      arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:5xx-rate"
    }
  }

  override_resource {
    target          = module.observability.aws_cloudwatch_metric_alarm.latency_p95
    override_during = plan
    values = {
      arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:p95-latency"
    }
  }

  assert {
    condition     = length(aws_cloudwatch_composite_alarm.slo) == 1 && length(local.chaos_stop_condition_alarm_arns) == 1
    error_message = "6 SLO alarms exceed FIS's 5 stop conditions: the experiments must stop on one composite alarm"
  }

  assert {
    condition = (
      length(regexall("ALARM\\(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:5xx-rate\"\\)", aws_cloudwatch_composite_alarm.slo[0].alarm_rule)) == 3 &&
      length(regexall("ALARM\\(\"arn:aws:cloudwatch:us-east-1:123456789012:alarm:p95-latency\"\\)", aws_cloudwatch_composite_alarm.slo[0].alarm_rule)) == 3 &&
      length(regexall(" OR ", aws_cloudwatch_composite_alarm.slo[0].alarm_rule)) == 5
    )
    error_message = "the composite alarm must go to ALARM when any of the 6 SLO alarms (5xx rate, p95 latency of 3 services) does"
  }

  assert {
    condition     = contains(keys(module.chaos[0].experiment_template_ids), "web-stop-tasks") && length(aws_iam_role_policy.websocket_worker) == 0
    error_message = "every service gets its ECS experiments; no worker policy without worker services"
  }
}

run "chaos_off_and_database_for_some_services" {
  command = plan

  variables {
    chaos_enabled      = false
    db_client_services = ["payments"]
  }

  assert {
    condition     = length(module.chaos) == 0 && output.data_plane.chaos_experiment_template_ids == null
    error_message = "chaos_enabled = false creates no FIS templates"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.db_from_tasks)) == toset(["payments"]) && toset(keys(local.extra_service_secrets)) == toset(["payments"])
    error_message = "only db_client_services reach the database and get its credentials"
  }
}

run "rejects_dr_inputs_in_the_primary" {
  command = plan

  variables {
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  expect_failures = [var.db_master_password, var.db_master_secret_arn]
}

run "rejects_primary_inputs_in_dr" {
  command = plan

  variables {
    is_dr          = true
    primary_region = "us-east-1"
  }

  expect_failures = [var.db_master_password, var.db_master_secret_arn]
}

run "rejects_dr_provider_in_the_primary_region" {
  command = plan

  override_data {
    target = data.aws_region.dr
    values = {
      name = "us-east-1"
    }
  }

  expect_failures = [data.aws_region.dr]
}

run "rejects_unknown_services" {
  command = plan

  variables {
    websocket_worker_services = ["worker"]
    db_client_services        = ["ledger"]
  }

  expect_failures = [var.websocket_worker_services, var.db_client_services]
}

run "rejects_websocket_throttling_out_of_range" {
  command = plan

  variables {
    websocket_throttling_rate_limit  = 0
    websocket_throttling_burst_limit = 6000
  }

  expect_failures = [var.websocket_throttling_rate_limit, var.websocket_throttling_burst_limit]
}

run "rejects_connect_throttling_above_the_stage" {
  command = plan

  variables {
    websocket_connect_throttling = { rate_limit = 5000, burst_limit = 100 }
  }

  expect_failures = [var.websocket_connect_throttling]
}
