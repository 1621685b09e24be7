# Least-privilege role for the experiments: only the permissions of the actions the module's templates use,
# scoped to this VPC / cluster / DB cluster wherever the API allows it.

locals {
  # Account id from the role's own ARN (offline plans; no aws_caller_identity).
  account_id = split(":", aws_iam_role.fis.arn)[4]

  has_az_outage = var.az_outage != null
  has_ecs       = var.ecs != null
  has_aurora    = var.aurora_cluster_arn != null
}

data "aws_iam_policy_document" "fis_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["fis.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "fis" {
  name_prefix        = "${substr(var.name, 0, 28)}-fis-"
  description        = "AWS FIS experiments of ${var.name}"
  assume_role_policy = data.aws_iam_policy_document.fis_assume.json

  tags = var.tags
}

locals {
  # Built with jsonencode (not aws_iam_policy_document) so tests can read the statements the plan will send.
  logging_statements = [
    {
      # Vended log delivery to the module's log group; these APIs have no resource-level permissions.
      Sid      = "ExperimentLogging"
      Effect   = "Allow"
      Action   = ["logs:CreateLogDelivery", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
      Resource = "*"
    },
    {
      Sid      = "StopConditions"
      Effect   = "Allow"
      Action   = ["cloudwatch:DescribeAlarms"]
      Resource = var.stop_condition_alarm_arns
    },
  ]

  resolve_statements = [for s in [
    {
      # Target resolution; tag:GetResources has no resource-level permissions.
      Sid      = "ResolveTargets"
      Effect   = "Allow"
      Action   = ["tag:GetResources"]
      Resource = "*"
    },
  ] : s if local.has_ecs || local.has_aurora]

  ec2_arn = "arn:${local.partition}:ec2:${local.region}:${local.account_id}"

  # aws:network:disrupt-connectivity: clone a subnet's network ACL (tagged managedByFIS=true), add deny entries,
  # swap it in, swap back and delete it. Writes only on FIS-tagged ACLs and on subnets of this VPC.
  az_outage_statements = [for s in [
    {
      Sid      = "DisruptConnectivityDescribe"
      Effect   = "Allow"
      Action   = ["ec2:DescribeNetworkAcls", "ec2:DescribeSubnets", "ec2:DescribeVpcs", "ec2:DescribeManagedPrefixLists", "ec2:GetManagedPrefixListEntries"]
      Resource = "*"
    },
    {
      Sid       = "CreateFisTaggedNetworkAcl"
      Effect    = "Allow"
      Action    = ["ec2:CreateNetworkAcl"]
      Resource  = "${local.ec2_arn}:network-acl/*"
      Condition = { StringEquals = { "aws:RequestTag/managedByFIS" = "true" } }
    },
    {
      Sid      = "CreateNetworkAclInThisVpc"
      Effect   = "Allow"
      Action   = ["ec2:CreateNetworkAcl"]
      Resource = "${local.ec2_arn}:vpc/${var.vpc_id}"
    },
    {
      Sid       = "TagNetworkAclOnCreate"
      Effect    = "Allow"
      Action    = ["ec2:CreateTags"]
      Resource  = "${local.ec2_arn}:network-acl/*"
      Condition = { StringEquals = { "ec2:CreateAction" = "CreateNetworkAcl" } }
    },
    {
      Sid       = "ManageOnlyFisNetworkAcls"
      Effect    = "Allow"
      Action    = ["ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAcl"]
      Resource  = "${local.ec2_arn}:network-acl/*"
      Condition = { StringEquals = { "ec2:ResourceTag/managedByFIS" = "true" } }
    },
    {
      Sid       = "SwapNetworkAclsInThisVpc"
      Effect    = "Allow"
      Action    = ["ec2:ReplaceNetworkAclAssociation"]
      Resource  = ["${local.ec2_arn}:subnet/*", "${local.ec2_arn}:network-acl/*"]
      Condition = { StringEquals = { "ec2:Vpc" = "${local.ec2_arn}:vpc/${var.vpc_id}" } }
    },
  ] : s if local.has_az_outage]

  # aws:ecs:stop-task, aws:ecs:task-network-latency, aws:ecs:task-network-blackhole-port on this cluster only.
  ecs_statements = [for s in [
    {
      Sid      = "TasksOfThisCluster"
      Effect   = "Allow"
      Action   = ["ecs:DescribeTasks", "ecs:StopTask"]
      Resource = local.ecs_task_arns
    },
    {
      Sid       = "ListTasksOfThisCluster"
      Effect    = "Allow"
      Action    = ["ecs:ListTasks"]
      Resource  = "*"
      Condition = { ArnEquals = { "ecs:cluster" = try(var.ecs.cluster_arn, "") } }
    },
    {
      # Used by the latency action to place tasks; Describe calls have no resource-level permissions.
      Sid      = "LatencyTargetDiscovery"
      Effect   = "Allow"
      Action   = ["ecs:DescribeContainerInstances", "ec2:DescribeInstances", "ec2:DescribeSubnets"]
      Resource = "*"
    },
    {
      # The network actions run AWS-owned SSM documents on the tasks' SSM-agent sidecars, which register as
      # managed instances tagged ECS_TASK_ARN: only these documents, only on tasks of this cluster.
      Sid    = "RunFisDocuments"
      Effect = "Allow"
      Action = ["ssm:SendCommand"]
      Resource = [
        "arn:${local.partition}:ssm:${local.region}::document/AWSFIS-Run-Network-Latency-ECS",
        "arn:${local.partition}:ssm:${local.region}::document/AWSFIS-Run-Network-Blackhole-Port-ECS",
      ]
    },
    {
      Sid       = "OnThisClustersTasks"
      Effect    = "Allow"
      Action    = ["ssm:SendCommand"]
      Resource  = "arn:${local.partition}:ssm:${local.region}:${local.account_id}:managed-instance/*"
      Condition = { StringLike = { "ssm:resourceTag/ECS_TASK_ARN" = local.ecs_task_arns } }
    },
    {
      # No resource-level permissions for these two.
      Sid      = "TrackCommands"
      Effect   = "Allow"
      Action   = ["ssm:ListCommands", "ssm:CancelCommand"]
      Resource = "*"
    },
  ] : s if local.has_ecs]

  aurora_statements = [for s in [
    {
      Sid      = "FailoverThisCluster"
      Effect   = "Allow"
      Action   = ["rds:FailoverDBCluster", "rds:DescribeDBClusters"]
      Resource = coalesce(var.aurora_cluster_arn, "none")
    },
  ] : s if local.has_aurora]

  fis_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      local.logging_statements,
      local.resolve_statements,
      local.az_outage_statements,
      local.ecs_statements,
      local.aurora_statements,
    )
  })
}

resource "aws_iam_role_policy" "fis" {
  name   = "experiments"
  role   = aws_iam_role.fis.id
  policy = local.fis_policy
}
