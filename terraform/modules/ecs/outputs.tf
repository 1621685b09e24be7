output "cluster_name" {
  description = "Name of the ECS cluster."
  value       = aws_ecs_cluster.this.name
}

output "cluster_arn" {
  description = "ARN of the ECS cluster."
  value       = aws_ecs_cluster.this.arn
}

output "services" {
  description = "Per service: what a deployment needs (names, task family, container, desired count, network, deployment controller; under the ECS controller the infrastructure role, else null)."
  value = {
    for k, s in var.services : k => {
      service_name            = aws_ecs_service.this[k].name
      task_family             = aws_ecs_task_definition.this[k].family
      task_definition_arn     = aws_ecs_task_definition.this[k].arn
      container_name          = k
      container_port          = s.container_port
      desired_count           = s.desired_count
      subnets                 = var.subnet_ids
      security_group_id       = aws_security_group.tasks[k].id
      execution_role_arn      = aws_iam_role.execution[k].arn
      task_role_arn           = aws_iam_role.task[k].arn
      deployment_controller   = s.deployment_controller
      infrastructure_role_arn = s.deployment_controller == "ECS" ? aws_iam_role.ecs_infrastructure[0].arn : null
    }
  }
}

output "infrastructure_role_arn" {
  description = "ARN of the role Amazon ECS shifts the load balancers' traffic with for the ECS-controlled services (null without any)."
  value       = one(aws_iam_role.ecs_infrastructure[*].arn)
}

output "security_group_ids" {
  description = "Per service: security group of its tasks (add egress rules to it, e.g. to a database)."
  value       = { for k, sg in aws_security_group.tasks : k => sg.id }
}

output "execution_role_arns" {
  description = "Per service: ARN of its task execution role (the only reader of its secrets)."
  value       = { for k, r in aws_iam_role.execution : k => r.arn }
}

output "task_role_arns" {
  description = "Per service: ARN of its task role."
  value       = { for k, r in aws_iam_role.task : k => r.arn }
}

output "task_role_names" {
  description = "Per service: name of its task role (attach application policies to it)."
  value       = { for k, r in aws_iam_role.task : k => r.name }
}

output "autoscaling" {
  description = "Per service: autoscaling bounds (min_capacity is 0 in DR)."
  value = {
    for k, t in aws_appautoscaling_target.this : k => {
      min_capacity = t.min_capacity
      max_capacity = t.max_capacity
    }
  }
}

output "network" {
  description = "Per service: where its tasks run (private subnets, no public IP)."
  value = {
    for k, s in aws_ecs_service.this : k => {
      subnets          = s.network_configuration[0].subnets
      assign_public_ip = s.network_configuration[0].assign_public_ip
      controller       = s.deployment_controller[0].type
    }
  }
}
