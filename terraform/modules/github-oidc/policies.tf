locals {
  ecr_push_arns = [for n in var.ecr_repository_names : "arn:${local.partition}:ecr:${var.primary_region}:${var.account_id}:repository/${n}"]
  ecr_all_arns = flatten([
    for r in var.regions : [for n in var.ecr_repository_names : "arn:${local.partition}:ecr:${r}:${var.account_id}:repository/${n}"]
  ])

  state_statements = {
    # plan: read every state object, write only the S3-native lock files (<key>.tflock).
    read_lock = [
      {
        Sid      = "StateList"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "StateRead"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        Sid      = "StateLock"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.state_bucket_arn}/*.tflock"
      },
      {
        Sid      = "StateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource = var.state_kms_key_arn
      },
    ]
    read_write = [
      {
        Sid      = "StateList"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arn
      },
      {
        Sid      = "StateReadWrite"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = "${local.state_bucket_arn}/*"
      },
      {
        Sid      = "StateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource = var.state_kms_key_arn
      },
    ]
  }

  permission_policies = {
    plan = jsonencode({
      Version   = "2012-10-17"
      Statement = local.state_statements.read_lock
    })

    apply = jsonencode({
      Version = "2012-10-17"
      Statement = concat(local.state_statements.read_write, [
        {
          Sid      = "PlatformServices"
          Effect   = "Allow"
          Action   = [for s in var.apply_services : "${s}:*"]
          Resource = "*"
        },
        {
          Sid    = "PlatformIam"
          Effect = "Allow"
          Action = "iam:*"
          Resource = [
            "arn:${local.partition}:iam::${var.account_id}:role/${var.name_prefix}-*",
            "arn:${local.partition}:iam::${var.account_id}:policy/${var.name_prefix}-*",
            "arn:${local.partition}:iam::${var.account_id}:instance-profile/${var.name_prefix}-*",
            "arn:${local.partition}:iam::${var.account_id}:oidc-provider/${local.oidc_host}",
          ]
        },
        {
          Sid      = "ServiceLinkedRoles"
          Effect   = "Allow"
          Action   = "iam:CreateServiceLinkedRole"
          Resource = "arn:${local.partition}:iam::${var.account_id}:role/aws-service-role/*"
        },
        {
          Sid      = "PlatformBuckets"
          Effect   = "Allow"
          Action   = "s3:*"
          Resource = ["arn:${local.partition}:s3:::${var.name_prefix}-*", "arn:${local.partition}:s3:::${var.name_prefix}-*/*"]
        },
        {
          # The state bucket is owned by terraform/bootstrap: apply may write state, never weaken or delete it.
          Sid    = "ProtectStateBucket"
          Effect = "Deny"
          Action = [
            "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketVersioning",
            "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketAcl", "s3:PutBucketOwnershipControls", "s3:DeleteObjectVersion",
          ]
          Resource = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
        },
        {
          Sid      = "ProtectStateKey"
          Effect   = "Deny"
          Action   = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]
          Resource = var.state_kms_key_arn
        },
      ])
    })

    # deploy: ECR push, task definitions (+ PassRole on the task roles only), CodeDeploy deployments,
    # describe ECS, read alarms. Nothing else.
    deploy = jsonencode({
      Version = "2012-10-17"
      Statement = [
        {
          Sid      = "EcrLogin"
          Effect   = "Allow"
          Action   = "ecr:GetAuthorizationToken"
          Resource = "*"
        },
        {
          Sid    = "EcrPush"
          Effect = "Allow"
          Action = [
            "ecr:BatchCheckLayerAvailability", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload", "ecr:PutImage", "ecr:BatchGetImage", "ecr:DescribeImageReplicationStatus",
          ]
          Resource = local.ecr_push_arns
        },
        {
          Sid      = "EcrDescribe"
          Effect   = "Allow"
          Action   = ["ecr:DescribeImages", "ecr:DescribeRepositories"]
          Resource = local.ecr_all_arns
        },
        {
          Sid      = "TaskDefinitions"
          Effect   = "Allow"
          Action   = ["ecs:RegisterTaskDefinition", "ecs:DescribeTaskDefinition"]
          Resource = "*"
        },
        {
          Sid      = "PassTaskRoles"
          Effect   = "Allow"
          Action   = "iam:PassRole"
          Resource = var.ecs_pass_role_arns
          Condition = {
            StringEquals = { "iam:PassedToService" = "ecs-tasks.amazonaws.com" }
          }
        },
        {
          Sid      = "DescribeEcs"
          Effect   = "Allow"
          Action   = ["ecs:DescribeServices", "ecs:DescribeClusters", "ecs:DescribeTasks"]
          Resource = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:*"]
        },
        {
          Sid      = "CodeDeployDeployments"
          Effect   = "Allow"
          Action   = ["codedeploy:CreateDeployment", "codedeploy:GetDeployment", "codedeploy:StopDeployment"]
          Resource = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:deploymentgroup:${local.cd_prefix}*/*"]
        },
        {
          Sid      = "CodeDeployRevisions"
          Effect   = "Allow"
          Action   = ["codedeploy:RegisterApplicationRevision", "codedeploy:GetApplicationRevision"]
          Resource = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:application:${local.cd_prefix}*"]
        },
        {
          Sid      = "CodeDeployConfigs"
          Effect   = "Allow"
          Action   = "codedeploy:GetDeploymentConfig"
          Resource = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:deploymentconfig:*"]
        },
        {
          Sid      = "ReadAlarms"
          Effect   = "Allow"
          Action   = ["cloudwatch:DescribeAlarms", "cloudwatch:DescribeAlarmHistory"]
          Resource = [for r in var.regions : "arn:${local.partition}:cloudwatch:${r}:${var.account_id}:alarm:*"]
        },
      ]
    })
  }
}
