# Chaos engineering (AWS FIS), templates wherever the region serves: the primary, and a DR region once failover makes
# it active (or while it drains); none in a DR region on standby, which runs 0 tasks.
#   az-outage                   network of the first AZ's subnets cut off (ALB node, tasks and Aurora instance)
#   <svc>-stop-tasks / -service-outage / -latency / -dependency-blackhole   per service
#   aurora-failover             failover of this region's cluster, only where the writer is (local.writer) and the
#                               cluster has a reader to promote (a DR cluster has 1 instance unless db_instance_count)
# Every experiment stops as soon as an SLO alarm (5xx rate or p95 latency of any service) goes to ALARM.
#
# The experiments' role, its policy, the log group and the tasks' fault injection (compute.tf) exist in both regions
# from the start: a promoted DR region then creates templates only, and no IAM (whose control plane lives in
# us-east-1), and its tasks already run the FIS sidecar the latency and blackhole experiments need.

data "aws_partition" "current" {}

locals {
  chaos_enabled   = var.chaos_enabled
  chaos_templates = var.chaos_enabled && !local.dr_standby

  # The SLO alarms among each service's rollout alarms, picked by name (known at plan time).
  slo_alarm_arns = flatten([
    for svc in sort(keys(var.services)) : [
      for i, name in local.alarm_names[svc] : local.alarm_arns[svc][i]
      if endswith(name, "-5xx-rate") || endswith(name, "-p95-latency")
    ]
  ])

  # FIS takes at most 5 stop conditions per template: beyond that, one composite alarm over all of them.
  chaos_slo_composite             = local.chaos_enabled && length(local.slo_alarm_arns) > 5
  chaos_stop_condition_alarm_arns = local.chaos_slo_composite ? aws_cloudwatch_composite_alarm.slo[*].arn : local.slo_alarm_arns
}

resource "aws_cloudwatch_composite_alarm" "slo" {
  count = local.chaos_slo_composite ? 1 : 0

  alarm_name        = "${var.name}-slo"
  alarm_description = "Any service's SLO alarm (5xx rate, p95 latency) in ALARM: the stop condition of the FIS experiments."
  alarm_rule        = join(" OR ", [for arn in local.slo_alarm_arns : "ALARM(\"${arn}\")"])

  tags = var.tags
}

module "chaos" {
  source = "../chaos"
  count  = local.chaos_enabled ? 1 : 0

  name                      = var.name
  vpc_id                    = local.vpc_id
  stop_condition_alarm_arns = local.chaos_stop_condition_alarm_arns

  az_outage = { availability_zone = var.azs[0] }

  ecs = {
    cluster_arn    = module.ecs.cluster_arn
    services       = sort(keys(var.services))
    blackhole_port = module.rds.port
  }

  # Spelled out from the cluster id: a string template is known not to be null while planning, which the module
  # needs to decide on the failover template before the cluster exists (the ARN attribute is unknown until then).
  aurora_cluster_arn = "arn:${data.aws_partition.current.partition}:rds:${local.region}:${local.account_id}:cluster:${module.rds.cluster_identifier}"
  log_retention_days = var.log_retention_days

  create_templates         = local.chaos_templates
  aurora_failover_template = local.writer && local.db_instance_count >= 2

  tags = var.tags
}
