# The DR region's traffic role: durable in AWS (not a CLI flag), so a later `deploy` plans the capacity the region
# has now instead of scaling a promoted DR region back to 0. platform-deploy writes it (`failover --to` /
# `failover --back`); Terraform only creates it and reads the refreshed value.
#
#   standby   DR idle: 0 tasks, no NAT gateway (the cost-optimized default)
#   active    promoted: the services' own task counts and NAT, preferred at the edge (global stack)
#   draining  failing back: still serving capacity, no longer preferred at the edge
#
# The primary has no parameter: it is always "active". Only capacity follows the role (compute.tf, main.tf);
# what is about the database role, backups, chaos and secrets stays on is_dr, since a failover does not change it.

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

locals {
  # The provider marks every parameter value sensitive; this one is not a secret, and count/for_each (NAT gateways)
  # cannot take sensitive values. Known at plan time: the configured value on create, the refreshed one after.
  traffic_role = var.is_dr ? coalesce(var.traffic_role_override, nonsensitive(aws_ssm_parameter.traffic_role[0].value)) : "active"

  # The capacity switch: standby runs no tasks and no NAT; active and draining run the primary's capacity.
  dr_standby = local.traffic_role == "standby"
}
