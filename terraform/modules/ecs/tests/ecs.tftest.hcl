mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  cluster_name         = "platform"
  vpc_id               = "vpc-0123456789abcdef0"
  subnet_ids           = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  secrets_kms_key_arns = ["arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"]
  services = {
    api = {
      image            = "111122223333.dkr.ecr.us-east-1.amazonaws.com/platform/app:bootstrap"
      container_port   = 8080
      desired_count    = 2
      min_capacity     = 2
      max_capacity     = 10
      target_group_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-api-blue/0123456789abcdef"
      request_count_resource_labels = {
        blue  = "app/platform-public/0123456789abcdef/targetgroup/platform-api-blue/0123456789abcdef"
        green = "app/platform-public/0123456789abcdef/targetgroup/platform-api-green/fedcba9876543210"
      }
      load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
      log_group_name                  = "/ecs/platform/api"
      environment                     = { LOG_LEVEL = "info" }
      secrets                         = { APP_SECRET_KEY = "arn:aws:secretsmanager:us-east-1:111122223333:secret:platform/api/APP_SECRET_KEY-AbCdEf" }
    }
  }
}

run "service_is_private_and_code_deploy_controlled" {
  command = plan

  assert {
    condition     = aws_ecs_service.this["api"].network_configuration[0].assign_public_ip == false
    error_message = "tasks must never get a public IP"
  }

  assert {
    condition     = toset(aws_ecs_service.this["api"].network_configuration[0].subnets) == toset(var.subnet_ids)
    error_message = "tasks must run in the given private subnets"
  }

  assert {
    condition     = aws_ecs_service.this["api"].deployment_controller[0].type == "CODE_DEPLOY"
    error_message = "services must be deployed by CodeDeploy (blue/green)"
  }

  assert {
    condition     = aws_ecs_service.this["api"].launch_type == "FARGATE" && aws_ecs_service.this["api"].desired_count == 2
    error_message = "Fargate service with the requested desired count"
  }

  assert {
    condition     = one(aws_ecs_service.this["api"].load_balancer).container_name == "api" && one(aws_ecs_service.this["api"].load_balancer).container_port == 8080
    error_message = "the service must register its container with the blue target group"
  }

  assert {
    condition     = one([for s in aws_ecs_cluster.this.setting : s.value if s.name == "containerInsights"]) == "enabled"
    error_message = "Container Insights must be on"
  }
}

run "task_definition_injects_secrets" {
  command = plan

  assert {
    condition = jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].secrets == [
      { name = "APP_SECRET_KEY", valueFrom = "arn:aws:secretsmanager:us-east-1:111122223333:secret:platform/api/APP_SECRET_KEY-AbCdEf" },
    ]
    error_message = "secrets must be injected from Secrets Manager by ARN"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].readonlyRootFilesystem == true
    error_message = "containers run with a read-only root filesystem by default"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].logConfiguration.options["awslogs-group"] == "/ecs/platform/api"
    error_message = "containers log to the service's log group"
  }

  assert {
    condition     = aws_ecs_task_definition.this["api"].network_mode == "awsvpc" && aws_ecs_task_definition.this["api"].family == "platform-api"
    error_message = "Fargate task definition family platform-api"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.execution_secrets["api"].policy).Statement[0].Resource == ["arn:aws:secretsmanager:us-east-1:111122223333:secret:platform/api/APP_SECRET_KEY-AbCdEf"]
    error_message = "the execution role may read exactly the service's own secrets"
  }
}

run "autoscaling_tracks_cpu_and_requests" {
  command = plan

  assert {
    condition     = aws_appautoscaling_target.this["api"].min_capacity == 2 && aws_appautoscaling_target.this["api"].max_capacity == 10
    error_message = "autoscaling bounds follow the inputs"
  }

  assert {
    condition     = aws_appautoscaling_policy.cpu["api"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ECSServiceAverageCPUUtilization"
    error_message = "CPU target tracking must exist"
  }

  assert {
    condition = alltrue([for g in ["blue", "green"] :
    aws_appautoscaling_policy.requests["api/${g}"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "ALBRequestCountPerTarget"])
    error_message = "request count target tracking must exist for each target group"
  }

  # After a CodeDeploy swap green serves: its own policy must follow its requests, not blue's.
  assert {
    condition = {
      for g in ["blue", "green"] : g => aws_appautoscaling_policy.requests["api/${g}"].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].resource_label
      } == {
      blue  = "app/platform-public/0123456789abcdef/targetgroup/platform-api-blue/0123456789abcdef"
      green = "app/platform-public/0123456789abcdef/targetgroup/platform-api-green/fedcba9876543210"
    }
    error_message = "each target group must have the request-count policy of its own label"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.from_load_balancer["api"].referenced_security_group_id == "sg-0aaaaaaaaaaaaaaaa" && aws_vpc_security_group_ingress_rule.from_load_balancer["api"].from_port == 8080
    error_message = "tasks admit only their load balancer on the container port"
  }
}

run "fault_injection_is_off_by_default" {
  command = plan

  assert {
    condition     = aws_ecs_task_definition.this["api"].enable_fault_injection == false && aws_ecs_task_definition.this["api"].pid_mode == null
    error_message = "no fault injection unless asked for"
  }

  assert {
    condition     = length(jsondecode(aws_ecs_task_definition.this["api"].container_definitions)) == 1 && length(aws_iam_role.fis_managed_instance) == 0
    error_message = "no FIS sidecar or managed-instance role unless asked for"
  }
}

run "fault_injection_adds_what_fis_ecs_task_actions_need" {
  command = plan

  variables {
    fault_injection = {}
  }

  override_resource {
    target          = aws_iam_role.fis_managed_instance
    override_during = plan
    values = {
      arn = "arn:aws:iam::111122223333:role/platform-fis-ssm-us-east-1"
    }
  }

  assert {
    condition     = aws_ecs_task_definition.this["api"].enable_fault_injection == true && aws_ecs_task_definition.this["api"].pid_mode == "task"
    error_message = "FIS aws:ecs:task actions need enableFaultInjection and pidMode task"
  }

  assert {
    # (HCL's && does not short-circuit: try() for the fields only the sidecar has)
    condition = length([
      for c in jsondecode(aws_ecs_task_definition.this["api"].container_definitions) : c.name
      if c.name == "fis-ssm-agent" && c.essential == false && startswith(c.image, "public.ecr.aws/amazon-ssm-agent/") &&
      c.environment == [{ name = "MANAGED_INSTANCE_ROLE_NAME", value = "platform-fis-ssm-us-east-1" }] &&
      strcontains(try(c.command[0], ""), "create-activation") && c.logConfiguration.options["awslogs-stream-prefix"] == "fis-ssm-agent"
    ]) == 1
    error_message = "a non-essential SSM agent sidecar registers the task with the managed-instance role and logs with the service"
  }

  assert {
    condition     = jsondecode(aws_ecs_task_definition.this["api"].container_definitions)[0].essential == true
    error_message = "the service's own container stays the essential one"
  }

  assert {
    condition = (
      contains(jsondecode(aws_iam_role_policy.task_fis_sidecar["api"].policy).Statement[0].Action, "ssm:CreateActivation") &&
      jsondecode(aws_iam_role_policy.task_fis_sidecar["api"].policy).Statement[2].Resource == "arn:aws:iam::111122223333:role/platform-fis-ssm-us-east-1" &&
      jsondecode(aws_iam_role_policy.task_fis_sidecar["api"].policy).Statement[2].Condition.StringEquals["iam:PassedToService"] == "ssm.amazonaws.com"
    )
    error_message = "the task role may register the task and pass only the managed-instance role, only to SSM"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.fis_managed_instance[0].policy_arn == "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
    error_message = "the managed-instance role is SSM's core managed-instance policy"
  }
}

run "dr_runs_zero_tasks" {
  command = plan

  variables {
    services = {
      api = {
        image                           = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/platform/app:bootstrap"
        container_port                  = 8080
        desired_count                   = 0
        min_capacity                    = 0
        max_capacity                    = 10
        target_group_arn                = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/platform-api-blue/0123456789abcdef"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
        log_group_name                  = "/ecs/platform/api"
      }
    }
  }

  assert {
    condition     = aws_ecs_service.this["api"].desired_count == 0 && aws_appautoscaling_target.this["api"].min_capacity == 0
    error_message = "DR runs no task and autoscaling may scale to zero"
  }

  assert {
    condition     = length(aws_appautoscaling_policy.requests) == 0 && length(aws_iam_role_policy.execution_secrets) == 0
    error_message = "no request scaling and no secret policy when not asked for"
  }
}

run "rejects_one_subnet" {
  command = plan

  variables {
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
  }

  expect_failures = [var.subnet_ids]
}

run "rejects_desired_count_outside_capacity" {
  command = plan

  variables {
    services = {
      api = {
        image                           = "example/app:1"
        container_port                  = 8080
        desired_count                   = 20
        min_capacity                    = 1
        max_capacity                    = 10
        target_group_arn                = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/x/1"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
        log_group_name                  = "/ecs/platform/api"
      }
    }
  }

  expect_failures = [var.services]
}

run "rejects_invalid_fargate_size" {
  command = plan

  variables {
    services = {
      api = {
        image                           = "example/app:1"
        container_port                  = 8080
        cpu                             = 300
        desired_count                   = 1
        min_capacity                    = 1
        max_capacity                    = 2
        target_group_arn                = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/x/1"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
        log_group_name                  = "/ecs/platform/api"
      }
    }
  }

  expect_failures = [var.services]
}

run "codedeploy_services_need_no_infrastructure_role" {
  command = plan

  assert {
    condition     = length(aws_iam_role.ecs_infrastructure) == 0 && output.infrastructure_role_arn == null && output.services["api"].infrastructure_role_arn == null && output.services["api"].deployment_controller == "CODE_DEPLOY"
    error_message = "without an ECS-controlled service there is no ECS infrastructure role"
  }
}

# Amazon ECS releases the ledger service itself; api stays with CodeDeploy.
run "ecs_controlled_service_gets_the_infrastructure_role" {
  command = plan

  variables {
    services = {
      api = {
        image                           = "111122223333.dkr.ecr.us-east-1.amazonaws.com/platform/app:bootstrap"
        container_port                  = 8080
        desired_count                   = 2
        min_capacity                    = 2
        max_capacity                    = 10
        target_group_arn                = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-api-blue/0123456789abcdef"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
        log_group_name                  = "/ecs/platform/api"
      }
      ledger = {
        image                           = "111122223333.dkr.ecr.us-east-1.amazonaws.com/platform/app:bootstrap"
        container_port                  = 8080
        desired_count                   = 2
        min_capacity                    = 2
        max_capacity                    = 10
        target_group_arn                = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-blue/0123456789abcdef"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0bbbbbbbbbbbbbbbb"
        log_group_name                  = "/ecs/platform/ledger"
        deployment_controller           = "ECS"
      }
    }
  }

  override_resource {
    target          = aws_iam_role.ecs_infrastructure
    override_during = plan
    values = {
      arn = "arn:aws:iam::111122223333:role/platform-ecs-infrastructure-us-east-1"
    }
  }

  assert {
    condition     = aws_ecs_service.this["ledger"].deployment_controller[0].type == "ECS" && aws_ecs_service.this["api"].deployment_controller[0].type == "CODE_DEPLOY"
    error_message = "each service runs under its own deployment controller"
  }

  assert {
    condition     = one(aws_ecs_service.this["ledger"].load_balancer).target_group_arn == "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-blue/0123456789abcdef"
    error_message = "an ECS-controlled service starts on the blue (production) target group"
  }

  assert {
    condition     = aws_iam_role.ecs_infrastructure[0].name == "platform-ecs-infrastructure-us-east-1" && length(aws_iam_role.ecs_infrastructure) == 1
    error_message = "one ECS infrastructure role per cluster, named <cluster>-ecs-infrastructure-<region>"
  }

  assert {
    condition = (
      jsondecode(aws_iam_role.ecs_infrastructure[0].assume_role_policy).Statement[0].Principal == { Service = "ecs.amazonaws.com" } &&
      jsondecode(aws_iam_role.ecs_infrastructure[0].assume_role_policy).Statement[0].Action == "sts:AssumeRole" &&
      length(jsondecode(aws_iam_role.ecs_infrastructure[0].assume_role_policy).Statement) == 1
    )
    error_message = "only Amazon ECS may assume the infrastructure role"
  }

  assert {
    condition     = aws_iam_role_policy_attachment.ecs_infrastructure[0].policy_arn == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
    error_message = "the infrastructure role carries AWS's managed policy for ECS load balancer traffic shifts"
  }

  assert {
    condition = (
      output.services["ledger"].infrastructure_role_arn == "arn:aws:iam::111122223333:role/platform-ecs-infrastructure-us-east-1" &&
      output.services["ledger"].deployment_controller == "ECS" &&
      output.services["api"].infrastructure_role_arn == null &&
      output.infrastructure_role_arn == "arn:aws:iam::111122223333:role/platform-ecs-infrastructure-us-east-1" &&
      output.network["ledger"].controller == "ECS"
    )
    error_message = "the outputs name the controller of each service and the ECS-controlled one's infrastructure role"
  }
}

run "rejects_unknown_deployment_controller" {
  command = plan

  variables {
    services = {
      api = {
        image                           = "example/app:1"
        container_port                  = 8080
        desired_count                   = 1
        min_capacity                    = 1
        max_capacity                    = 2
        target_group_arn                = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/x/1"
        scale_on_requests               = false
        load_balancer_security_group_id = "sg-0aaaaaaaaaaaaaaaa"
        log_group_name                  = "/ecs/platform/api"
        deployment_controller           = "EXTERNAL"
      }
    }
  }

  expect_failures = [var.services]
}
