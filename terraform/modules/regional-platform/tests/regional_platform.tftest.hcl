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

# The DR region (backup copies, database secret replica).
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
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  certificate_arn      = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  origin_verify_secret = "offline-placeholder-not-a-secret-0000000000"
  db_master_password   = "offline-placeholder-not-a-password-0000"
}

run "primary_region" {
  command = plan

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 3
    error_message = "the primary region runs one NAT gateway per AZ"
  }

  assert {
    condition     = output.deploy_targets.services["api"].desired_count == 2 && output.deploy_targets.services["payments"].desired_count == 2
    error_message = "the primary region runs the services' desired count"
  }

  assert {
    condition     = module.ecs.autoscaling["api"].min_capacity == 2
    error_message = "the primary region keeps the autoscaling minimum"
  }

  assert {
    condition     = alltrue([for n in values(module.ecs.network) : n.assign_public_ip == false && n.controller == "CODE_DEPLOY"])
    error_message = "every service runs without a public IP under the CodeDeploy controller"
  }

  assert {
    condition     = output.deploy_targets.region == "us-east-1" && output.deploy_targets.is_dr == false && output.deploy_targets.ecr_repository == "platform/api"
    error_message = "deploy_targets must name the region, the DR flag and the repository"
  }

  assert {
    condition     = output.deploy_targets.services["api"].target_groups == ["platform-api-blue", "platform-api-green"] && output.deploy_targets.services["payments"].target_groups == ["platform-payments-blue", "platform-payments-green"]
    error_message = "deploy_targets must list [blue, green] target group names"
  }

  assert {
    condition     = output.deploy_targets.services["api"].alarm_names == ["platform-api-5xx-rate", "platform-api-p95-latency", "platform-api-unhealthy-hosts", "platform-api-cpu-high", "platform-api-memory-high"]
    error_message = "deploy_targets must list the alarms that gate the service's rollouts"
  }

  assert {
    condition = alltrue([for s in values(output.deploy_targets.services) :
      s.cluster_name == "platform" && s.codedeploy_app == "platform" && s.deployment_config == "platform-Canary10Percent5Minutes" && s.container_port == 8080
    ])
    error_message = "deploy_targets must name the cluster, the CodeDeploy app and the custom canary config"
  }

  assert {
    condition     = output.deploy_targets.services["api"].task_family == "platform-api" && output.deploy_targets.services["api"].container_name == "api" && output.deploy_targets.services["api"].deployment_group == "api"
    error_message = "deploy_targets must name the task family, container and deployment group"
  }

  assert {
    condition     = length(output.deploy_targets.services["api"].subnets) == 3 && length(output.deploy_targets.services["api"].security_groups) == 1
    error_message = "deploy_targets must carry the private subnets and the task security group for the AppSpec"
  }

  assert {
    condition     = output.edge_origin.region == "us-east-1" && output.edge_origin.health_check_path == "/health"
    error_message = "edge_origin must name the region and the health check path"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "active" && output.deploy_targets.traffic_role_parameter == null && output.edge_origin.traffic_role == "active" && length(aws_ssm_parameter.traffic_role) == 0
    error_message = "the primary is always active and has no traffic role parameter"
  }

  assert {
    condition     = toset(keys(module.secrets.secret_arns)) == toset(["api/APP_SECRET_KEY", "payments/PAYMENTS_PROVIDER_API_KEY"])
    error_message = "each service's secrets must be created"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.internal_alb_from_tasks)) == toset(["payments/api"])
    error_message = "the payments internal ALB admits the api tasks (and no one else's tasks)"
  }
}

run "dr_region" {
  command = plan

  variables {
    is_dr                = true
    primary_region       = "us-east-1"
    vpc_cidr             = "10.20.0.0/16"
    azs                  = ["eu-west-1a", "eu-west-1b"]
    db_master_password   = null
    db_master_secret_arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
  }

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 0
    error_message = "DR runs without any NAT gateway"
  }

  assert {
    condition     = output.deploy_targets.is_dr && alltrue([for s in values(output.deploy_targets.services) : s.desired_count == 0])
    error_message = "DR runs zero tasks"
  }

  assert {
    condition     = alltrue([for a in values(module.ecs.autoscaling) : a.min_capacity == 0 && a.max_capacity == 0])
    error_message = "standby DR autoscaling is bounded to 0 tasks (a region returning to standby scales in; failover restores the bounds)"
  }

  assert {
    condition     = alltrue([for n in values(module.ecs.network) : n.assign_public_ip == false])
    error_message = "DR tasks get no public IP either"
  }

  assert {
    condition     = length(output.deploy_targets.services) == 2 && alltrue([for s in values(output.deploy_targets.services) : length(s.alarm_names) == 5])
    error_message = "DR pre-creates the services, deployment groups and alarms"
  }

  assert {
    condition     = aws_ssm_parameter.traffic_role[0].name == "/platform/traffic-role" && aws_ssm_parameter.traffic_role[0].type == "String" && nonsensitive(aws_ssm_parameter.traffic_role[0].value) == "standby"
    error_message = "DR creates its traffic role parameter /<name>/traffic-role, a String starting at standby"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "standby" && output.deploy_targets.traffic_role_parameter == "/platform/traffic-role" && output.edge_origin.traffic_role == "standby"
    error_message = "deploy_targets and edge_origin must carry the DR region's traffic role (standby by default) and where failover writes it"
  }
}

# failover --drill: what the promoted region would run, without writing the parameter.
run "dr_region_active" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    vpc_cidr              = "10.20.0.0/16"
    azs                   = ["eu-west-1a", "eu-west-1b"]
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    traffic_role_override = "active"
  }

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 2
    error_message = "an active DR region runs one NAT gateway per AZ, as the primary does"
  }

  assert {
    condition     = output.deploy_targets.services["api"].desired_count == 2 && output.deploy_targets.services["payments"].desired_count == 2
    error_message = "an active DR region runs the services' desired count"
  }

  assert {
    condition     = alltrue([for a in values(module.ecs.autoscaling) : a.min_capacity == 2])
    error_message = "an active DR region keeps the autoscaling minimum"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "active" && output.deploy_targets.is_dr && output.edge_origin.traffic_role == "active"
    error_message = "deploy_targets and edge_origin must report the active role (still a DR region)"
  }

  assert {
    condition     = module.rds.role == "secondary" && length(module.backups.plan_rules) == 2 && length(output.deploy_targets.chaos_experiments) > 0
    error_message = "the database's Terraform role follows is_dr; the backup plan (the writer's) and the chaos templates (a serving region's) follow the traffic role"
  }
}

run "dr_region_draining" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    vpc_cidr              = "10.20.0.0/16"
    azs                   = ["eu-west-1a", "eu-west-1b"]
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    traffic_role_override = "draining"
  }

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 2 && alltrue([for s in values(output.deploy_targets.services) : s.desired_count == 2])
    error_message = "a draining DR region keeps serving capacity (tasks and NAT) while traffic moves back"
  }

  assert {
    condition     = output.edge_origin.traffic_role == "draining" && output.deploy_targets.traffic_role == "draining"
    error_message = "edge_origin must report draining, so the global stack no longer prefers the region"
  }
}

run "primary_accepts_active_override" {
  command = plan

  variables {
    traffic_role_override = "active"
  }

  assert {
    condition     = output.deploy_targets.traffic_role == "active" && length(module.vpc.nat_gateway_ids) == 3
    error_message = "\"active\" is the primary's role anyway"
  }
}

run "rejects_standby_override_in_the_primary" {
  command = plan

  variables {
    traffic_role_override = "standby"
  }

  expect_failures = [var.traffic_role_override]
}

run "rejects_unknown_traffic_role" {
  command = plan

  variables {
    is_dr                 = true
    primary_region        = "us-east-1"
    db_master_password    = null
    db_master_secret_arn  = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-primary/master-AbCdEf"
    traffic_role_override = "primary"
  }

  expect_failures = [var.traffic_role_override]
}

run "custom_services" {
  command = plan

  variables {
    services = {
      web = { tier = "public", path_patterns = ["/*"], priority = 900, container_port = 3000 }
      api = { tier = "public", path_patterns = ["/api/*"], health_check_path = "/api/health" }
      ledger = { tier = "internal", deployment_strategy = "linear", external_secrets = {
        DATABASE_URL = "arn:aws:secretsmanager:us-east-1:123456789012:secret:platform/db-AbCdEf"
      } }
    }
    nat_gateway_mode = "single"
  }

  assert {
    condition     = length(module.vpc.nat_gateway_ids) == 1
    error_message = "an explicit nat_gateway_mode wins"
  }

  assert {
    condition     = output.deploy_targets.services["ledger"].deployment_config == "platform-Linear10PercentEvery1Minutes"
    error_message = "services pick their deployment strategy"
  }

  assert {
    condition     = output.edge_origin.health_check_path == "/api/health"
    error_message = "the edge health check is the first public service's (key order)"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_ingress_rule.internal_alb_from_tasks)) == toset(["ledger/api", "ledger/web"])
    error_message = "the ledger internal ALB admits both public services' tasks"
  }

  assert {
    condition     = length(module.secrets.secret_arns) == 0
    error_message = "no secret is created for external secrets"
  }
}

run "rejects_no_public_service" {
  command = plan

  variables {
    services = { payments = { tier = "internal" } }
  }

  expect_failures = [var.services]
}

run "rejects_unknown_tier" {
  command = plan

  variables {
    services = { api = { tier = "edge" } }
  }

  expect_failures = [var.services]
}

run "rejects_one_az" {
  command = plan

  variables {
    azs = ["us-east-1a"]
  }

  expect_failures = [var.azs]
}

run "rejects_invalid_cidr" {
  command = plan

  variables {
    vpc_cidr = "10.0.0.0/8"
  }

  expect_failures = [var.vpc_cidr]
}

run "rejects_short_origin_secret" {
  command = plan

  variables {
    origin_verify_secret = "too-short"
  }

  expect_failures = [var.origin_verify_secret]
}
