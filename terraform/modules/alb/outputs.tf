output "arn" {
  description = "ARN of the load balancer."
  value       = aws_lb.this.arn
}

output "arn_suffix" {
  description = "ARN suffix of the load balancer (CloudWatch LoadBalancer dimension)."
  value       = aws_lb.this.arn_suffix
}

output "name" {
  description = "Name of the load balancer."
  value       = aws_lb.this.name
}

output "dns_name" {
  description = "DNS name of the load balancer."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "Route53 hosted zone id of the load balancer (alias records)."
  value       = aws_lb.this.zone_id
}

output "security_group_id" {
  description = "Security group of the load balancer (reference it in the targets' ingress rules)."
  value       = aws_security_group.this.id
}

output "prod_listener_arn" {
  description = "ARN of the production HTTPS listener (CodeDeploy prod traffic route)."
  value       = aws_lb_listener.prod.arn
}

output "test_listener_arn" {
  description = "ARN of the test HTTPS listener (CodeDeploy test traffic route)."
  value       = aws_lb_listener.test.arn
}

output "prod_listener_port" {
  description = "Port of the production listener."
  value       = var.prod_listener_port
}

output "test_listener_port" {
  description = "Port of the test listener."
  value       = var.test_listener_port
}

output "target_groups" {
  description = "Per service: blue and green target group names, ARNs and ARN suffixes (CloudWatch TargetGroup dimension)."
  value = {
    for k in keys(var.services) : k => {
      blue_name         = aws_lb_target_group.blue[k].name
      green_name        = aws_lb_target_group.green[k].name
      blue_arn          = aws_lb_target_group.blue[k].arn
      green_arn         = aws_lb_target_group.green[k].arn
      blue_arn_suffix   = aws_lb_target_group.blue[k].arn_suffix
      green_arn_suffix  = aws_lb_target_group.green[k].arn_suffix
      health_check_path = var.services[k].health_check_path
    }
  }

  # An ECS service can only be created once its target group is attached to a listener.
  depends_on = [aws_lb_listener.prod, aws_lb_listener.test, aws_lb_listener_rule.prod, aws_lb_listener_rule.test]
}

output "listener_rules" {
  description = "Per service: ARNs of its production and test listener rules (prod_arn, test_arn; null where the listeners' default actions forward), which ECS blue/green shifts."
  value = {
    for k in keys(var.services) : k => {
      prod_arn = local.use_rules ? aws_lb_listener_rule.prod[k].arn : null
      test_arn = local.use_rules ? aws_lb_listener_rule.test[k].arn : null
    }
  }
}

output "access_logs_bucket" {
  description = "Bucket receiving the access logs."
  value       = local.access_logs_bucket
}
