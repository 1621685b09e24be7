output "vpc_id" {
  description = "ID of the VPC."
  value       = aws_vpc.this.id
}

output "vpc_cidr_block" {
  description = "IPv4 CIDR block of the VPC."
  value       = aws_vpc.this.cidr_block
}

output "azs" {
  description = "Availability zones used, in subnet order."
  value       = var.azs
}

output "public_subnet_ids" {
  description = "Public subnet IDs, one per AZ (load balancers, NAT gateways)."
  value       = aws_subnet.public[*].id
}

output "private_subnet_ids" {
  description = "Private subnet IDs, one per AZ (tasks, databases, endpoints)."
  value       = aws_subnet.private[*].id
}

output "public_subnet_cidrs" {
  description = "CIDR blocks of the public subnets."
  value       = local.public_subnet_cidrs
}

output "private_subnet_cidrs" {
  description = "CIDR blocks of the private subnets."
  value       = local.private_subnet_cidrs
}

output "public_route_table_id" {
  description = "ID of the public route table."
  value       = aws_route_table.public.id
}

output "private_route_table_ids" {
  description = "IDs of the private route tables, one per AZ."
  value       = aws_route_table.private[*].id
}

output "nat_gateway_ids" {
  description = "NAT gateway IDs (empty when nat_gateway_mode is \"none\")."
  value       = aws_nat_gateway.this[*].id
}

output "nat_public_ips" {
  description = "Public IPs of the NAT gateways (allow-list these at third parties)."
  value       = aws_eip.nat[*].public_ip
}

output "vpc_endpoint_ids" {
  description = "Map of service short name (and \"s3\") to VPC endpoint ID."
  value = merge(
    { for k, e in aws_vpc_endpoint.interface : k => e.id },
    var.enable_s3_gateway_endpoint ? { s3 = aws_vpc_endpoint.s3[0].id } : {},
  )
}

output "endpoint_security_group_id" {
  description = "Security group of the interface endpoints (null without interface endpoints)."
  value       = try(aws_security_group.endpoints[0].id, null)
}

output "flow_log_group_name" {
  description = "CloudWatch log group of the VPC flow logs (null when disabled)."
  value       = try(aws_cloudwatch_log_group.flow_logs[0].name, null)
}
