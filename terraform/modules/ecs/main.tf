data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  # FIS aws:ecs:task actions need, in each task: fault injection, the task's PID namespace, and the SSM agent
  # sidecar that registers the task as a managed instance FIS can find (files/fis-ssm-agent.sh).
  fault_injection = var.fault_injection != null
  fis_sidecar = local.fault_injection ? [{
    name                   = "fis-ssm-agent"
    image                  = var.fault_injection.ssm_agent_image
    essential              = false
    cpu                    = 0
    readonlyRootFilesystem = false
    entryPoint             = ["/bin/bash", "-c"]
    command                = [file("${path.module}/files/fis-ssm-agent.sh")]
    environment            = [{ name = "MANAGED_INSTANCE_ROLE_NAME", value = aws_iam_role.fis_managed_instance[0].name }]
  }] : []

  # Services Amazon ECS deploys itself (blue/green, canary, linear) instead of CodeDeploy.
  ecs_controlled_services = { for k, s in var.services : k => s if s.deployment_controller == "ECS" }

  task_role_policy_attachments = merge([
    for k, s in var.services : { for i, arn in s.task_role_policy_arns : "${k}/${i}" => { service = k, policy_arn = arn } }
  ]...)
}

resource "aws_ecs_cluster" "this" {
  name = var.cluster_name

  setting {
    name  = "containerInsights"
    value = var.container_insights
  }

  tags = var.tags
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE", "FARGATE_SPOT"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
    base              = 0
  }
}

################################################################################
# Initial task definitions. The deployment tool registers later revisions of the
# same family; skip_destroy keeps old revisions (rollback targets).
################################################################################

resource "aws_ecs_task_definition" "this" {
  for_each = var.services

  family                   = "${var.cluster_name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = each.value.cpu
  memory                   = each.value.memory
  execution_role_arn       = aws_iam_role.execution[each.key].arn
  task_role_arn            = aws_iam_role.task[each.key].arn
  skip_destroy             = true
  enable_fault_injection   = local.fault_injection
  pid_mode                 = local.fault_injection ? "task" : null

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = each.value.cpu_architecture
  }

  container_definitions = jsonencode(concat([
    {
      name                   = each.key
      image                  = each.value.image
      essential              = true
      readonlyRootFilesystem = each.value.readonly_root_filesystem
      portMappings = [{
        name          = each.key
        containerPort = each.value.container_port
        protocol      = "tcp"
      }]
      environment = [for n in sort(keys(each.value.environment)) : { name = n, value = each.value.environment[n] }]
      secrets     = [for n in sort(keys(each.value.secrets)) : { name = n, valueFrom = each.value.secrets[n] }]
      linuxParameters = {
        initProcessEnabled = true
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = each.value.log_group_name
          awslogs-region        = local.region
          awslogs-stream-prefix = each.key
        }
      }
    }
    ], [for sidecar in local.fis_sidecar : merge(sidecar, {
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = each.value.log_group_name
          awslogs-region        = local.region
          awslogs-stream-prefix = sidecar.name
        }
      }
  })]))

  tags = merge(var.tags, { Service = each.key })
}

################################################################################
# Services: private subnets only, deployed by CodeDeploy or by ECS itself.
################################################################################

resource "aws_ecs_service" "this" {
  for_each = var.services

  name                              = each.key
  cluster                           = aws_ecs_cluster.this.id
  task_definition                   = aws_ecs_task_definition.this[each.key].arn
  desired_count                     = each.value.desired_count
  launch_type                       = "FARGATE"
  platform_version                  = "LATEST"
  health_check_grace_period_seconds = each.value.health_check_grace_period_seconds
  propagate_tags                    = "SERVICE"
  enable_ecs_managed_tags           = true
  enable_execute_command            = false
  wait_for_steady_state             = false

  # AWS provider 5.x replaces the service when this changes (6.4.0 updates it in place).
  deployment_controller {
    type = each.value.deployment_controller
  }

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks[each.key].id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = each.value.target_group_arn
    container_name   = each.key
    container_port   = each.value.container_port
  }

  tags = merge(var.tags, { Service = each.key })

  lifecycle {
    # CodeDeploy owns the running task definition and which target group is live;
    # autoscaling owns the desired count. A CODE_DEPLOY service only changes its
    # network configuration through a deployment (the AppSpec carries it), so
    # Terraform does not try an UpdateService the API would refuse.
    # Under the ECS controller the deployment tool owns the same fields through
    # UpdateService, plus what provider 5.x cannot express: the deployment
    # configuration (strategy, bake time, alarms) and the load balancer's advanced
    # configuration (alternate target group, listener rules, infrastructure role).
    # One list for both controllers: ignore_changes cannot differ per instance.
    ignore_changes = [
      task_definition, load_balancer, desired_count, network_configuration,
      alarms, deployment_circuit_breaker, deployment_maximum_percent, deployment_minimum_healthy_percent,
    ]
  }

  depends_on = [aws_iam_role_policy_attachment.execution]
}

################################################################################
# Task security groups: only the service's load balancer gets in.
################################################################################

resource "aws_security_group" "tasks" {
  for_each = var.services

  name        = "${var.cluster_name}-${each.key}-tasks"
  description = "Tasks of service ${each.key}: traffic from its load balancer only"
  vpc_id      = var.vpc_id

  tags = merge(var.tags, { Name = "${var.cluster_name}-${each.key}-tasks", Service = each.key })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "from_load_balancer" {
  for_each = var.services

  security_group_id            = aws_security_group.tasks[each.key].id
  description                  = "Container port from the ${each.key} load balancer"
  ip_protocol                  = "tcp"
  from_port                    = each.value.container_port
  to_port                      = each.value.container_port
  referenced_security_group_id = each.value.load_balancer_security_group_id
}

resource "aws_vpc_security_group_egress_rule" "https" {
  for_each = merge([
    for k in keys(var.services) : { for c in var.egress_https_cidr_blocks : "${k}/${c}" => { service = k, cidr = c } }
  ]...)

  security_group_id = aws_security_group.tasks[each.value.service].id
  description       = "HTTPS to AWS APIs (VPC endpoints / NAT), internal ALBs and third parties"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = each.value.cidr
}

################################################################################
# Autoscaling: owns desired_count (bounded to 0 in a standby DR region).
################################################################################

resource "aws_appautoscaling_target" "this" {
  for_each = var.services

  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.this[each.key].name}"
  min_capacity       = each.value.min_capacity
  max_capacity       = each.value.max_capacity

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each = var.services

  name               = "${var.cluster_name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.cpu_target_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# One request-count policy per target group: CodeDeploy moves production traffic from blue to green and
# back, and target tracking scales out when any policy asks and in only when all agree, so the group
# that serves drives the scaling and the idle one (0 requests per target) always agrees to scale in.
resource "aws_appautoscaling_policy" "requests" {
  for_each = merge([
    for k, s in var.services : { for group, label in s.request_count_resource_labels : "${k}/${group}" => { service = k, group = group, label = label, target = s.requests_per_target } } if s.scale_on_requests
  ]...)

  name               = "${var.cluster_name}-${each.value.service}-requests-${each.value.group}"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[each.value.service].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[each.value.service].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[each.value.service].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = each.value.target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = each.value.label
    }
  }
}
