################################################################################
# Security group: admits only what the tier above sends.
################################################################################

resource "aws_security_group" "this" {
  name        = "${var.name}-alb"
  description = "${var.internal ? "Internal" : "Regional public"} ALB ${var.name}"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.name}-alb" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "prod_cidr" {
  for_each = toset(var.ingress_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "HTTPS from ${each.value}${local.require_origin_verify ? " (requests must carry the origin secret header)" : ""}"
  ip_protocol       = "tcp"
  from_port         = var.prod_listener_port
  to_port           = var.prod_listener_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "prod_prefix_list" {
  for_each = toset(var.ingress_prefix_list_ids)

  security_group_id = aws_security_group.this.id
  description       = "HTTPS from prefix list ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.prod_listener_port
  to_port           = var.prod_listener_port
  prefix_list_id    = each.value
}

resource "aws_vpc_security_group_ingress_rule" "prod_security_group" {
  for_each = var.ingress_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "HTTPS from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.prod_listener_port
  to_port                      = var.prod_listener_port
  referenced_security_group_id = each.value
}

resource "aws_vpc_security_group_ingress_rule" "test_cidr" {
  for_each = toset(local.test_listener_cidr_blocks)

  security_group_id = aws_security_group.this.id
  description       = "Test listener (CodeDeploy replacement task set) from ${each.value}"
  ip_protocol       = "tcp"
  from_port         = var.test_listener_port
  to_port           = var.test_listener_port
  cidr_ipv4         = each.value
}

resource "aws_vpc_security_group_ingress_rule" "test_security_group" {
  for_each = var.ingress_security_group_ids

  security_group_id            = aws_security_group.this.id
  description                  = "Test listener from ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.test_listener_port
  to_port                      = var.test_listener_port
  referenced_security_group_id = each.value
}

# Targets are ip targets in the VPC: egress only to the VPC on the services' ports.
resource "aws_vpc_security_group_egress_rule" "targets" {
  for_each = local.service_ports

  security_group_id = aws_security_group.this.id
  description       = "To service tasks on port ${each.value}"
  ip_protocol       = "tcp"
  from_port         = tonumber(each.value)
  to_port           = tonumber(each.value)
  cidr_ipv4         = var.vpc_cidr_block
}
