################################################################################
# Per-service execution role (pull image, write logs, read only this service's
# secrets) and task role (what the application itself may call).
################################################################################

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "execution" {
  for_each = var.services

  name               = "${var.cluster_name}-${each.key}-exec-${local.region}"
  description        = "ECS task execution role of ${var.cluster_name}/${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_iam_role_policy_attachment" "execution" {
  for_each = var.services

  role       = aws_iam_role.execution[each.key].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

resource "aws_iam_role_policy" "execution_secrets" {
  for_each = { for k, s in var.services : k => s if length(s.secrets) > 0 }

  name = "read-injected-secrets"
  role = aws_iam_role.execution[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid      = "ReadThisServicesSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = sort(distinct(values(each.value.secrets)))
      }],
      length(var.secrets_kms_key_arns) > 0 ? [{
        Sid       = "DecryptThroughSecretsManager"
        Effect    = "Allow"
        Action    = ["kms:Decrypt"]
        Resource  = var.secrets_kms_key_arns
        Condition = { StringEquals = { "kms:ViaService" = "secretsmanager.${local.region}.amazonaws.com" } }
      }] : [],
    )
  })
}

resource "aws_iam_role" "task" {
  for_each = var.services

  name               = "${var.cluster_name}-${each.key}-task-${local.region}"
  description        = "ECS task role of ${var.cluster_name}/${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json

  tags = merge(var.tags, { Service = each.key })
}

resource "aws_iam_role_policy" "task_xray" {
  for_each = var.services

  name = "xray-write"
  role = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid    = "SendTraces"
      Effect = "Allow"
      Action = [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
      ]
      Resource = "*" # X-Ray's write actions support no resource-level permissions
    }]
  })
}

resource "aws_iam_role_policy_attachment" "task" {
  for_each = local.task_role_policy_attachments

  role       = aws_iam_role.task[each.value.service].name
  policy_arn = each.value.policy_arn
}

################################################################################
# Fault injection (var.fault_injection): the role the FIS sidecar registers each
# task with as an SSM managed instance, and what the task role needs to do so.
################################################################################

resource "aws_iam_role" "fis_managed_instance" {
  count = local.fault_injection ? 1 : 0

  name        = "${var.cluster_name}-fis-ssm-${local.region}"
  description = "SSM managed-instance role of the FIS sidecars of ${var.cluster_name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "ssm.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "fis_managed_instance" {
  count = local.fault_injection ? 1 : 0

  role       = aws_iam_role.fis_managed_instance[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore"
}

resource "aws_iam_role_policy" "task_fis_sidecar" {
  for_each = local.fault_injection ? var.services : {}

  #checkov:skip=CKV_AWS_290:SSM activations have no ARN to scope CreateActivation, DeleteActivation or their tags to (FIS user guide: the sidecar needs them on "*")
  #checkov:skip=CKV_AWS_355:same: activations are not resources IAM can name; deregistration is scoped to managed instances below
  name = "fis-sidecar-registration"
  role = aws_iam_role.task[each.key].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Activations have no resource-level permissions.
        Sid      = "RegisterAsManagedInstance"
        Effect   = "Allow"
        Action   = ["ssm:CreateActivation", "ssm:AddTagsToResource", "ssm:DeleteActivation"]
        Resource = "*"
      },
      {
        Sid      = "DeregisterOnStop"
        Effect   = "Allow"
        Action   = "ssm:DeregisterManagedInstance"
        Resource = "arn:${local.partition}:ssm:${local.region}:*:managed-instance/*"
      },
      {
        Sid       = "PassTheManagedInstanceRole"
        Effect    = "Allow"
        Action    = "iam:PassRole"
        Resource  = aws_iam_role.fis_managed_instance[0].arn
        Condition = { StringEquals = { "iam:PassedToService" = "ssm.amazonaws.com" } }
      },
    ]
  })
}

################################################################################
# ECS-controlled services (deployment_controller "ECS"): the role Amazon ECS
# assumes to shift traffic between the blue and green target groups (register
# targets, move the listener rules' weights). One per cluster; the deployment
# tool names it in each service's load balancer advanced configuration.
################################################################################

resource "aws_iam_role" "ecs_infrastructure" {
  count = length(local.ecs_controlled_services) > 0 ? 1 : 0

  name        = "${var.cluster_name}-ecs-infrastructure-${local.region}"
  description = "Amazon ECS blue/green traffic shifts of the ECS-controlled services of ${var.cluster_name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EcsManagesTheLoadBalancers"
      Effect    = "Allow"
      Principal = { Service = "ecs.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "ecs_infrastructure" {
  count = length(local.ecs_controlled_services) > 0 ? 1 : 0

  role       = aws_iam_role.ecs_infrastructure[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"
}
