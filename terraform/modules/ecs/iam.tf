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
