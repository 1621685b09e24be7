# The DR region's traffic role: durable in AWS (not a CLI flag), so a later `deploy` plans the capacity the region
# has now instead of scaling a promoted DR region back to 0. platform-deploy writes it (`failover --to` /
# `failover --back`); Terraform only creates it and reads the refreshed value.
#
#   standby   DR idle: 0 tasks, no NAT gateway (the cost-optimized default)
#   active    promoted: the services' own task counts and NAT, preferred at the edge (global stack)
#   draining  failing back: still serving capacity, no longer preferred at the edge
#
# The primary has no parameter: it is always "active" (it keeps its capacity). Capacity follows the role (compute.tf,
# main.tf), and so do the writer-bound parts: the backup plan (backups.tf) and the chaos templates (chaos.tf). The
# primary reads the DR region's role itself, from the DR region's parameter through aws.dr (below), so no caller has
# to pass it on every plan; var.dr_traffic_role overrides the read (a failover drill, an offline plan). The
# database's own role (global primary or secondary, rds.tf) and the secrets stay on is_dr.

resource "aws_ssm_parameter" "traffic_role" {
  #checkov:skip=CKV2_AWS_34:Not a secret: a String naming the region's traffic role, readable by design.
  count = var.is_dr ? 1 : 0

  name        = "/${var.name}/traffic-role"
  description = "Traffic role of this DR region, written by platform-deploy failover (Terraform only creates it): standby = DR idle (0 tasks, no NAT); active = promoted (primary task counts and NAT, preferred at the edge); draining = failing back (still serving capacity, no longer preferred)."
  type        = "String"
  value       = "standby"

  tags = var.tags

  lifecycle {
    # platform-deploy owns the value; Terraform must neither reset it to "standby" nor show drift.
    ignore_changes = [value]

    postcondition {
      condition     = contains(["standby", "active", "draining"], nonsensitive(self.value))
      error_message = "The SSM parameter /${var.name}/traffic-role must be \"standby\", \"active\" or \"draining\"; write one of them (platform-deploy failover does) before planning this region."
    }
  }
}

# The primary reads the DR region's parameter by its folder: aws_ssm_parameter would fail the plan while the parameter
# does not exist, and on the first deploy this stack is applied before the DR stack has created it. An absent
# parameter reads as "standby" (the value the DR stack creates it with). Not read when dr_traffic_role is given.
data "aws_ssm_parameters_by_path" "dr_traffic_role" {
  provider = aws.dr
  count    = !var.is_dr && var.dr_traffic_role == null ? 1 : 0

  path            = local.dr_traffic_role_folder
  recursive       = false
  with_decryption = false

  lifecycle {
    postcondition {
      condition     = contains(["standby", "active", "draining"], try(nonsensitive(self.values[index(self.names, local.dr_traffic_role_parameter)]), "standby"))
      error_message = "The DR region's traffic role parameter ${local.dr_traffic_role_parameter} must be \"standby\", \"active\" or \"draining\"; write one of them (platform-deploy failover does), or plan with dr_traffic_role."
    }
  }
}

locals {
  dr_traffic_role_parameter = coalesce(var.dr_traffic_role_parameter, "/${var.name}/traffic-role")
  dr_traffic_role_folder    = regex("^(.+)/[^/]+$", local.dr_traffic_role_parameter)[0]

  # The DR region's role as the primary sees it: the override, else the parameter's value, else (no parameter yet)
  # standby. The DR stack itself uses local.traffic_role.
  dr_traffic_role_read = try(nonsensitive(
    data.aws_ssm_parameters_by_path.dr_traffic_role[0].values[index(data.aws_ssm_parameters_by_path.dr_traffic_role[0].names, local.dr_traffic_role_parameter)]
  ), null)
  dr_traffic_role = var.is_dr ? null : coalesce(var.dr_traffic_role, local.dr_traffic_role_read, "standby")

  # The provider marks every parameter value sensitive; this one is not a secret, and count/for_each (NAT gateways)
  # cannot take sensitive values. Known at plan time: the configured value on create, the refreshed one after.
  traffic_role = var.is_dr ? coalesce(var.traffic_role_override, nonsensitive(aws_ssm_parameter.traffic_role[0].value)) : "active"

  # The capacity switch: standby runs no tasks and no NAT; active and draining run the primary's capacity.
  dr_standby = local.traffic_role == "standby"

  # This region holds the Aurora writer: the primary, unless failover made the DR region active (it promotes the DR
  # cluster first). Draining: failing back has already moved the writer home. Where the backup plan runs and the
  # Aurora failover experiment targets.
  writer = var.is_dr ? local.traffic_role == "active" : local.dr_traffic_role != "active"
}
