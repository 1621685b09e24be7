resource "aws_db_subnet_group" "this" {
  name_prefix = "${local.cluster_identifier}-"
  description = "Private subnets of ${local.cluster_identifier}"
  subnet_ids  = var.subnet_ids

  tags = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_security_group" "this" {
  name_prefix = "${local.cluster_identifier}-db-"
  description = "Aurora ${local.cluster_identifier}: database port from the allowed security groups only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${local.cluster_identifier}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "allowed" {
  for_each = toset(var.allowed_security_group_ids)

  security_group_id            = aws_security_group.this.id
  description                  = "PostgreSQL from ${each.value}"
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = var.port
  to_port                      = var.port

  tags = var.tags
}

# No egress rule: Aurora instances never open connections into the VPC.
