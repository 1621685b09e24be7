# AWS FIS experiment templates for the platform's chaos table:
#
#   failure          template key                FIS action
#   AZ outage        az-outage                   aws:network:disrupt-connectivity (subnets of one AZ)
#   ECS failure      <svc>-stop-tasks            aws:ecs:stop-task (a percentage of the tasks)
#                    <svc>-service-outage        aws:ecs:stop-task (all tasks: the service at 0 running tasks)
#   Latency          <svc>-latency               aws:ecs:task-network-latency
#   DB failover      aurora-failover             aws:rds:failover-db-cluster
#   Network          <svc>-dependency-blackhole  aws:ecs:task-network-blackhole-port (security-group blackhole)
#
# Every template stops on the SLO alarms, logs to CloudWatch Logs and runs with a least-privilege role.
# create_templates = false keeps the role, its policy and the log group without templates (a region that does not
# serve yet): starting to serve then creates templates only, and changes no IAM.

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  ecs_services     = var.ecs == null ? [] : var.ecs.services
  ecs_cluster_name = var.ecs == null ? null : element(split("/", var.ecs.cluster_arn), 1)
  # Tasks of the cluster: arn:aws:ecs:<region>:<account>:task/<cluster name>/<task id>
  ecs_task_arns = var.ecs == null ? null : "${replace(var.ecs.cluster_arn, ":cluster/", ":task/")}/*"

  az_outage_templates = var.az_outage == null ? {} : {
    "az-outage" = {
      description = "AZ outage: deny all traffic of the subnets in ${var.az_outage.availability_zone} (${var.vpc_id}) for ${var.az_outage.duration}"
      action_id   = "aws:network:disrupt-connectivity"
      parameters  = { duration = var.az_outage.duration, scope = var.az_outage.scope }
      target_key  = "Subnets"
      target = {
        resource_type  = "aws:ec2:subnet"
        selection_mode = "ALL"
        resource_arns  = null
        parameters     = { availabilityZoneIdentifier = var.az_outage.availability_zone, vpc = var.vpc_id }
      }
    }
  }

  ecs_templates = merge([
    for svc in local.ecs_services : {
      "${svc}-stop-tasks" = {
        description = "ECS failure: stop ${var.ecs.stop_task_percent}% of the tasks of ${svc} (${local.ecs_cluster_name})"
        action_id   = "aws:ecs:stop-task"
        parameters  = {}
        target_key  = "Tasks"
        target = {
          resource_type  = "aws:ecs:task"
          selection_mode = var.ecs.stop_task_percent == 100 ? "ALL" : "PERCENT(${var.ecs.stop_task_percent})"
          resource_arns  = null
          parameters     = { cluster = local.ecs_cluster_name, service = svc }
        }
      }
      "${svc}-service-outage" = {
        description = "ECS failure: stop every task of ${svc} (${local.ecs_cluster_name}); the service runs 0 tasks until ECS replaces them"
        action_id   = "aws:ecs:stop-task"
        parameters  = {}
        target_key  = "Tasks"
        target = {
          resource_type  = "aws:ecs:task"
          selection_mode = "ALL"
          resource_arns  = null
          parameters     = { cluster = local.ecs_cluster_name, service = svc }
        }
      }
      "${svc}-latency" = {
        description = "Latency: +${var.ecs.latency_ms}ms (jitter ${var.ecs.jitter_ms}ms) on egress of ${svc} to ${var.ecs.latency_sources} for ${var.ecs.latency_duration}"
        action_id   = "aws:ecs:task-network-latency"
        parameters = {
          duration                      = var.ecs.latency_duration
          delayMilliseconds             = tostring(var.ecs.latency_ms)
          jitterMilliseconds            = tostring(var.ecs.jitter_ms)
          sources                       = var.ecs.latency_sources
          installDependencies           = "true"
          useEcsFaultInjectionEndpoints = "true"
        }
        target_key = "Tasks"
        target = {
          resource_type  = "aws:ecs:task"
          selection_mode = "ALL"
          resource_arns  = null
          parameters     = { cluster = local.ecs_cluster_name, service = svc }
        }
      }
      "${svc}-dependency-blackhole" = {
        description = "Network: blackhole ${var.ecs.blackhole_traffic_type} tcp/${var.ecs.blackhole_port} of ${svc} for ${var.ecs.blackhole_duration} (security-group blackhole of that dependency)"
        action_id   = "aws:ecs:task-network-blackhole-port"
        parameters = {
          duration                      = var.ecs.blackhole_duration
          port                          = tostring(var.ecs.blackhole_port)
          protocol                      = "tcp"
          trafficType                   = var.ecs.blackhole_traffic_type
          installDependencies           = "true"
          useEcsFaultInjectionEndpoints = "true"
        }
        target_key = "Tasks"
        target = {
          resource_type  = "aws:ecs:task"
          selection_mode = "ALL"
          resource_arns  = null
          parameters     = { cluster = local.ecs_cluster_name, service = svc }
        }
      }
    }
  ]...)

  aurora_templates = var.aurora_cluster_arn == null || !var.aurora_failover_template ? {} : {
    "aurora-failover" = {
      description = "DB failover: force a failover of the Aurora cluster (a reader becomes the writer)"
      action_id   = "aws:rds:failover-db-cluster"
      parameters  = {}
      target_key  = "Clusters"
      target = {
        resource_type  = "aws:rds:cluster"
        selection_mode = "ALL"
        resource_arns  = [var.aurora_cluster_arn]
        parameters     = null
      }
    }
  }

  templates = merge(local.az_outage_templates, local.ecs_templates, local.aurora_templates)
}

resource "aws_fis_experiment_template" "this" {
  for_each = { for k, t in local.templates : k => t if var.create_templates }

  description = each.value.description
  role_arn    = aws_iam_role.fis.arn

  # Stop on any SLO alarm.
  dynamic "stop_condition" {
    for_each = toset(var.stop_condition_alarm_arns)
    content {
      source = "aws:cloudwatch:alarm"
      value  = stop_condition.value
    }
  }

  action {
    name        = replace(each.key, "-", "_")
    action_id   = each.value.action_id
    description = each.value.description

    dynamic "parameter" {
      for_each = each.value.parameters
      content {
        key   = parameter.key
        value = parameter.value
      }
    }

    target {
      key   = each.value.target_key
      value = "target"
    }
  }

  target {
    name           = "target"
    resource_type  = each.value.target.resource_type
    selection_mode = each.value.target.selection_mode
    resource_arns  = each.value.target.resource_arns
    parameters     = each.value.target.parameters
  }

  experiment_options {
    account_targeting = "single-account"
    # No target found (e.g. the service has no task) is a failed experiment, not a silent pass.
    empty_target_resolution_mode = "fail"
  }

  log_configuration {
    log_schema_version = 2

    cloudwatch_logs_configuration {
      log_group_arn = "${aws_cloudwatch_log_group.fis.arn}:*"
    }
  }

  tags = merge(var.tags, { Name = "${var.name}-${each.key}" })

  depends_on = [aws_iam_role_policy.fis]
}

resource "aws_cloudwatch_log_group" "fis" {
  name              = "/aws/fis/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags

  depends_on = [aws_kms_key_policy.this]
}
