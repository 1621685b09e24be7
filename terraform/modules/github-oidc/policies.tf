locals {
  # What each role's commands call (tests/it/roles keeps it true to src/ and terraform/).
  inventory      = jsondecode(file("${path.module}/actions.json"))
  apply_services = var.apply_services != null ? var.apply_services : local.inventory.apply.services

  ecr_push_arns = [for n in var.ecr_repository_names : "arn:${local.partition}:ecr:${var.primary_region}:${var.account_id}:repository/${n}"]
  ecr_all_arns = flatten([
    for r in var.regions : [for n in var.ecr_repository_names : "arn:${local.partition}:ecr:${r}:${var.account_id}:repository/${n}"]
  ])

  # The deploy role's statement for each group of actions.json: its Sid and the resources it is scoped to.
  deploy_scopes = {
    any                     = { sid = "AccountWide", resources = ["*"] }
    ecr_repositories        = { sid = "EcrDescribe", resources = local.ecr_all_arns }
    ecr_push_repositories   = { sid = "EcrPush", resources = local.ecr_push_arns }
    ecs_services            = { sid = "DescribeEcs", resources = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:service/*"] }
    ecs_task_definitions    = { sid = "TagTaskDefinitions", resources = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:task-definition/*"] }
    codedeploy_groups       = { sid = "CodeDeployDeployments", resources = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:deploymentgroup:${local.cd_prefix}*/*"] }
    codedeploy_configs      = { sid = "CodeDeployConfigs", resources = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:deploymentconfig:*"] }
    codedeploy_applications = { sid = "CodeDeployRevisions", resources = [for r in var.regions : "arn:${local.partition}:codedeploy:${r}:${var.account_id}:application:${local.cd_prefix}*"] }
    cloudwatch_alarms       = { sid = "ReadAlarms", resources = [for r in var.regions : "arn:${local.partition}:cloudwatch:${r}:${var.account_id}:alarm:*"] }
    pass_task_roles         = { sid = "PassTaskRoles", resources = var.ecs_pass_role_arns }
    # [rollout.pause] gates: the path itself (GetParametersByPath) and the parameters below it.
    gate_parameters = { sid = "RolloutGates", resources = [for r in var.regions : "arn:${local.partition}:ssm:${r}:${var.account_id}:parameter/platform-deploy/${var.name_prefix}/gates*"] }
    # Services on the ECS deployment controller (only with ecs_infrastructure_role_arns): the platform's clusters.
    ecs_controller_services       = { sid = "EcsControllerReleases", resources = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:service/${local.ecs_prefix}*/*"] }
    ecs_service_deployments       = { sid = "EcsServiceDeployments", resources = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:service-deployment/${local.ecs_prefix}*/*"] }
    ecs_service_revisions         = { sid = "EcsServiceRevisions", resources = [for r in var.regions : "arn:${local.partition}:ecs:${r}:${var.account_id}:service-revision/${local.ecs_prefix}*/*"] }
    pass_ecs_infrastructure_roles = { sid = "PassEcsInfrastructureRoles", resources = var.ecs_infrastructure_role_arns }
  }
  # PassRole only to the service that assumes the role.
  passed_to_service = {
    pass_task_roles               = "ecs-tasks.amazonaws.com"
    pass_ecs_infrastructure_roles = "ecs.amazonaws.com"
  }
  # The groups that release services on the ECS deployment controller: granted only when there are
  # infrastructure roles to pass (without them ECS cannot shift the listener rules anyway).
  ecs_controller_groups = ["ecs_controller_services", "ecs_service_deployments", "ecs_service_revisions", "pass_ecs_infrastructure_roles"]
  deploy_actions = {
    for group, actions in merge(
      local.inventory.deploy.sdk,
      { for group, implied in local.inventory.deploy.implied : group => implied.actions },
    ) : group => actions if !contains(local.ecs_controller_groups, group) || length(var.ecs_infrastructure_role_arns) > 0
  }
  deploy_statements = [for group, actions in local.deploy_actions : merge(
    {
      Sid      = local.deploy_scopes[group].sid
      Effect   = "Allow"
      Action   = sort(actions)
      Resource = local.deploy_scopes[group].resources
    },
    { for k, v in { Condition = { StringEquals = { "iam:PassedToService" = lookup(local.passed_to_service, group, "") } } } : k => v if contains(keys(local.passed_to_service), group) },
  )]

  # Every role that touches state lists every state bucket and reads its objects.
  state_list_read = [
    {
      Sid      = "StateList"
      Effect   = "Allow"
      Action   = "s3:ListBucket"
      Resource = local.state_bucket_arns
    },
    {
      Sid      = "StateRead"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = local.state_object_arns
    },
  ]

  state_statements = {
    # plan: read every state object, write only the S3-native lock files (<key>.tflock), in every bucket.
    read_lock = concat(local.state_list_read, [
      {
        Sid      = "StateLock"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:DeleteObject"]
        Resource = local.state_lock_arns
      },
      {
        Sid      = "StateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource = local.state_kms_key_arns
      },
    ])
    # deploy: read the stacks' outputs (deploy_targets), nothing else.
    read = concat(local.state_list_read, [
      {
        Sid      = "StateKey"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = local.state_kms_key_arns
      },
    ])
    read_write = [
      {
        Sid      = "StateList"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.state_bucket_arns
      },
      {
        Sid      = "StateReadWrite"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
        Resource = local.state_object_arns
      },
      {
        Sid      = "StateKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource = local.state_kms_key_arns
      },
    ]
  }

  permission_policies = {
    plan = jsonencode({
      Version = "2012-10-17"
      Statement = concat(local.state_statements[local.inventory.plan.state], [
        {
          # ReadOnlyAccess grants no secret values, but terraform refreshes a secret version it manages
          # (the Aurora master secret, written with write-only arguments) with GetSecretValue: only those.
          Sid      = "RefreshManagedSecretVersions"
          Effect   = "Allow"
          Action   = "secretsmanager:GetSecretValue"
          Resource = [for r in var.regions : "arn:${local.partition}:secretsmanager:${r}:${var.account_id}:secret:${var.name_prefix}-*/master-*"]
        },
        {
          Sid       = "DecryptThemThroughSecretsManager"
          Effect    = "Allow"
          Action    = "kms:Decrypt"
          Resource  = "*"
          Condition = { StringEquals = { "kms:ViaService" = [for r in var.regions : "secretsmanager.${r}.amazonaws.com"] } }
        },
      ])
    })

    apply = jsonencode({
      Version = "2012-10-17"
      Statement = concat(local.state_statements[local.inventory.apply.state], [
        {
          Sid      = "PlatformServices"
          Effect   = "Allow"
          Action   = [for s in local.apply_services : "${s}:*"]
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
          # The state buckets are owned by terraform/bootstrap: apply may write state, never weaken or delete them.
          Sid    = "ProtectStateBucket"
          Effect = "Deny"
          Action = [
            "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketVersioning",
            "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration", "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketAcl", "s3:PutBucketOwnershipControls", "s3:DeleteObjectVersion",
          ]
          Resource = concat(local.state_bucket_arns, local.state_object_arns)
        },
        {
          Sid      = "ProtectStateKey"
          Effect   = "Deny"
          Action   = ["kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:PutKeyPolicy"]
          Resource = local.state_kms_key_arns
        },
      ])
    })

    # deploy: exactly the calls of push, rollout, rollback and status (actions.json), scoped below.
    deploy = jsonencode({
      Version   = "2012-10-17"
      Statement = concat(local.state_statements[local.inventory.deploy.state], local.deploy_statements)
    })
  }
}
