mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  mock_resource "aws_iam_policy" {
    defaults = {
      arn = "arn:aws:iam::123456789012:policy/platform-github"
    }
  }
}

variables {
  name_prefix       = "platform"
  github_repository = "example-org/platform"
  account_id        = "123456789012"
  primary_region    = "us-east-1"
  regions           = ["us-east-1", "eu-west-1"]
  state_bucket_names = {
    us-east-1 = "platform-tfstate-123456789012-us-east-1"
    eu-west-1 = "platform-tfstate-123456789012-eu-west-1"
  }
  state_kms_key_arns = {
    us-east-1 = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    eu-west-1 = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
  }
  ecr_repository_names = ["platform/api"]
  ecs_pass_role_arns   = ["arn:aws:iam::123456789012:role/platform-*-task", "arn:aws:iam::123456789012:role/platform-*-exec*"]
}

run "oidc_provider" {
  command = apply

  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com"
    error_message = "The provider must be GitHub's token issuer."
  }

  assert {
    condition     = toset(aws_iam_openid_connect_provider.github[0].client_id_list) == toset(["sts.amazonaws.com"])
    error_message = "The audience must be sts.amazonaws.com."
  }

  assert {
    condition     = contains(aws_iam_openid_connect_provider.github[0].thumbprint_list, "6938fd4d98bab03faadb97b34396831e3780aea1")
    error_message = "The known GitHub thumbprint must be the default."
  }

  assert {
    condition     = toset(keys(aws_iam_role.this)) == toset(["plan", "apply", "deploy"])
    error_message = "There must be exactly three roles: plan, apply, deploy."
  }
}

run "trust_policies_pinned" {
  command = apply

  # Every role: federated by the GitHub provider, aud = sts.amazonaws.com, and every sub is this repository.
  assert {
    condition = alltrue([for k, r in aws_iam_role.this :
      jsondecode(r.assume_role_policy).Statement[0].Principal.Federated == aws_iam_openid_connect_provider.github[0].arn &&
      jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com" &&
      length(jsondecode(r.assume_role_policy).Statement) == 1
    ])
    error_message = "Every trust policy must name the GitHub provider and pin aud to sts.amazonaws.com."
  }

  assert {
    condition = alltrue(flatten([for k, r in aws_iam_role.this : [
      for s in jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] :
      startswith(s, "repo:example-org/platform:") && !strcontains(s, "*")
    ]]))
    error_message = "Every sub value of every role must be pinned to repo:example-org/platform: without wildcards."
  }

  assert {
    condition     = jsondecode(aws_iam_role.this["plan"].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:example-org/platform:pull_request"]
    error_message = "The plan role must be assumable from pull requests of the repository only."
  }

  assert {
    condition = alltrue([for role in ["apply", "deploy"] :
      toset(jsondecode(aws_iam_role.this[role].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) ==
      toset(["repo:example-org/platform:ref:refs/heads/main", "repo:example-org/platform:environment:production"])
    ])
    error_message = "apply and deploy must accept only the default branch or the protected environment."
  }

  assert {
    condition = alltrue(flatten([for role in ["apply", "deploy"] : [
      for s in jsondecode(aws_iam_role.this[role].assume_role_policy).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] :
      !strcontains(s, "pull_request")
    ]]))
    error_message = "apply and deploy must never be assumable from a pull request."
  }

  assert {
    condition     = length([for k, r in aws_iam_role.this : k if strcontains(r.assume_role_policy, "StringLike")]) == 0
    error_message = "No role may match the sub claim with a pattern."
  }
}

# Who may assume each role is in the plan reviewers approve, even in the plan that creates the provider.
run "trust_policies_known_at_plan" {
  command = plan

  assert {
    condition = alltrue([for k, r in aws_iam_role.this :
      jsondecode(r.assume_role_policy).Statement[0].Principal.Federated == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    ])
    error_message = "Every trust policy must be known at plan time, naming the provider the plan creates."
  }
}

run "deploy_least_privilege" {
  command = apply

  # actions.json is the list tests/it/roles derives from the code; the policy grants it and nothing more.
  assert {
    condition = toset(flatten([for s in jsondecode(output.permission_policies.deploy).Statement : s.Action if !startswith(s.Sid, "State")])) == toset(concat(
      flatten([for g, a in jsondecode(file("actions.json")).deploy.sdk : a if !contains(["ecs_controller_services", "ecs_service_deployments", "ecs_service_revisions"], g)]),
      flatten([for g in values(jsondecode(file("actions.json")).deploy.implied) : g.actions]),
    ))
    error_message = "Without ecs_infrastructure_role_arns the deploy role must hold exactly the actions of actions.json (deploy.sdk and deploy.implied) but the ECS controller's groups."
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(output.permission_policies.deploy).Statement : s.Action if startswith(s.Sid, "State")])) == toset(["s3:ListBucket", "s3:GetObject", "kms:Decrypt"])
    error_message = "The deploy role reads state (the stacks' deploy_targets) and never writes or locks it."
  }

  assert {
    condition = alltrue([for s in jsondecode(output.permission_policies.deploy).Statement :
    s.Resource != "*" && s.Resource != ["*"] if s.Sid != "AccountWide"])
    error_message = "Only the AccountWide statement (actions without resource-level permissions) may use Resource \"*\"."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "AccountWide"]).Action) == toset(["cloudwatch:GetMetricData", "cloudwatch:ListMetrics", "ecr:DescribeRegistry", "ecr:GetAuthorizationToken", "ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition", "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeRules"])
    error_message = "Resource \"*\" is for the actions AWS cannot scope to a resource only."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "RolloutGates"]).Action) == toset(["ssm:DeleteParameter", "ssm:GetParameter", "ssm:GetParametersByPath", "ssm:PutParameter"]) &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "RolloutGates"]).Resource == ["arn:aws:ssm:us-east-1:123456789012:parameter/platform-deploy/platform/gates*", "arn:aws:ssm:eu-west-1:123456789012:parameter/platform-deploy/platform/gates*"]
    )
    error_message = "The deploy role reads and writes only the project's rollout gates in SSM."
  }

  assert {
    condition = alltrue([for s in jsondecode(output.permission_policies.deploy).Statement :
    s.Effect == "Allow" && !contains(flatten([s.Action]), "*") && length([for a in flatten([s.Action]) : a if endswith(a, ":*")]) == 0])
    error_message = "The deploy role must not use wildcard actions."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassTaskRoles"]).Resource) == toset(var.ecs_pass_role_arns) && one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassTaskRoles"]).Condition.StringEquals["iam:PassedToService"] == "ecs-tasks.amazonaws.com"
    error_message = "iam:PassRole must be limited to the task roles and to ECS tasks."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcrPush"]).Resource) == toset(["arn:aws:ecr:us-east-1:123456789012:repository/platform/api"])
    error_message = "Pushes must be limited to the application repositories of the primary region."
  }

  assert {
    condition     = !contains(keys(aws_iam_role_policy_attachment.readonly), "deploy")
    error_message = "The deploy role must not get ReadOnlyAccess."
  }
}

run "deploy_role_releases_no_ecs_controlled_service_by_default" {
  command = plan

  assert {
    condition     = length([for s in jsondecode(output.permission_policies.deploy).Statement : s if contains(flatten([s.Action]), "ecs:UpdateService") || startswith(s.Sid, "Ecs") || s.Sid == "PassEcsInfrastructureRoles"]) == 0
    error_message = "Without ecs_infrastructure_role_arns the deploy role may not update ECS services or pass an ECS infrastructure role."
  }
}

# Services on the ECS deployment controller: UpdateService (strategy and the load balancer's advanced configuration,
# which names the infrastructure role), then the service deployment it starts.
run "deploy_role_releases_ecs_controlled_services" {
  command = plan

  variables {
    ecs_infrastructure_role_arns = ["arn:aws:iam::123456789012:role/platform-*ecs-infrastructure-*"]
  }

  assert {
    condition = toset(flatten([for s in jsondecode(output.permission_policies.deploy).Statement : s.Action if !startswith(s.Sid, "State")])) == toset(concat(
      flatten(values(jsondecode(file("actions.json")).deploy.sdk)),
      flatten([for g in values(jsondecode(file("actions.json")).deploy.implied) : g.actions]),
    ))
    error_message = "With ecs_infrastructure_role_arns the deploy role holds exactly actions.json's deploy.sdk and deploy.implied."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsControllerReleases"]).Action) == toset(["ecs:ListServiceDeployments", "ecs:UpdateService"]) &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsControllerReleases"]).Resource == ["arn:aws:ecs:us-east-1:123456789012:service/platform*/*", "arn:aws:ecs:eu-west-1:123456789012:service/platform*/*"]
    )
    error_message = "UpdateService and ListServiceDeployments only on the services of the platform's clusters, in its regions."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsServiceDeployments"]).Action) == toset(["ecs:ContinueServiceDeployment", "ecs:DescribeServiceDeployments", "ecs:StopServiceDeployment"]) &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsServiceDeployments"]).Resource == ["arn:aws:ecs:us-east-1:123456789012:service-deployment/platform*/*", "arn:aws:ecs:eu-west-1:123456789012:service-deployment/platform*/*"] &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsServiceRevisions"]).Action == ["ecs:DescribeServiceRevisions"] &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsServiceRevisions"]).Resource == ["arn:aws:ecs:us-east-1:123456789012:service-revision/platform*/*", "arn:aws:ecs:eu-west-1:123456789012:service-revision/platform*/*"]
    )
    error_message = "The service deployments and revisions may be read (and a deployment stopped) only in the platform's clusters."
  }

  assert {
    condition = (
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassEcsInfrastructureRoles"]).Action == ["iam:PassRole"] &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassEcsInfrastructureRoles"]).Resource == ["arn:aws:iam::123456789012:role/platform-*ecs-infrastructure-*"] &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassEcsInfrastructureRoles"]).Condition.StringEquals["iam:PassedToService"] == "ecs.amazonaws.com"
    )
    error_message = "iam:PassRole of the ECS infrastructure roles must be limited to those roles and to ECS."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassTaskRoles"]).Resource) == toset(var.ecs_pass_role_arns) && one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "PassTaskRoles"]).Condition.StringEquals["iam:PassedToService"] == "ecs-tasks.amazonaws.com"
    error_message = "The task roles are still passed to ECS tasks only."
  }

  assert {
    condition     = length(aws_iam_policy.this["deploy"].policy) < 6144
    error_message = "The deploy policy must fit the 6,144-character managed policy limit."
  }
}

run "ecs_releases_follow_the_cluster_name_prefix" {
  command = plan

  variables {
    ecs_infrastructure_role_arns = ["arn:aws:iam::123456789012:role/shop-ecs-infrastructure-*"]
    ecs_cluster_name_prefix      = "shop"
  }

  assert {
    condition     = one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "EcsControllerReleases"]).Resource == ["arn:aws:ecs:us-east-1:123456789012:service/shop*/*", "arn:aws:ecs:eu-west-1:123456789012:service/shop*/*"]
    error_message = "ecs_cluster_name_prefix names the clusters whose services the deploy role may release."
  }
}

run "plan_role_read_only" {
  command = apply

  assert {
    condition     = aws_iam_role_policy_attachment.readonly["plan"].policy_arn == "arn:aws:iam::aws:policy/ReadOnlyAccess"
    error_message = "The plan role must be read-only."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.plan).Statement : s if s.Sid == "StateLock"]).Resource) == toset(["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/*.tflock", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1/*.tflock"])
    error_message = "The plan role may write only the lock files of the state buckets, in both regions' buckets."
  }

  assert {
    condition     = length([for s in jsondecode(output.permission_policies.plan).Statement : s if contains(flatten([s.Action]), "s3:PutObject") && s.Sid != "StateLock"]) == 0
    error_message = "The plan role must not write state."
  }

  assert {
    condition = (
      one([for s in jsondecode(output.permission_policies.plan).Statement : s if s.Sid == "RefreshManagedSecretVersions"]).Resource ==
      ["arn:aws:secretsmanager:us-east-1:123456789012:secret:platform-*/master-*", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:platform-*/master-*"] &&
      length([for s in jsondecode(output.permission_policies.plan).Statement : s if contains(flatten([s.Action]), "secretsmanager:GetSecretValue")]) == 1
    )
    error_message = "The plan role may read only the secret versions terraform manages (the Aurora master secrets)."
  }

  assert {
    condition     = one([for s in jsondecode(output.permission_policies.plan).Statement : s if s.Sid == "DecryptThemThroughSecretsManager"]).Condition.StringEquals["kms:ViaService"] == ["secretsmanager.us-east-1.amazonaws.com", "secretsmanager.eu-west-1.amazonaws.com"]
    error_message = "The plan role may decrypt only through Secrets Manager."
  }
}

run "apply_role_protects_state_and_limits_iam" {
  command = apply

  assert {
    condition     = contains(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "ProtectStateBucket"]).Action, "s3:DeleteBucket")
    error_message = "The apply role must be denied deleting the state bucket."
  }

  assert {
    condition     = alltrue([for r in one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "PlatformIam"]).Resource : strcontains(r, ":role/platform-") || strcontains(r, ":policy/platform-") || strcontains(r, ":instance-profile/platform-") || strcontains(r, ":oidc-provider/")])
    error_message = "IAM management must be limited to the platform's own names."
  }

  assert {
    condition     = length(aws_iam_policy.this["apply"].policy) < 6144
    error_message = "The apply policy must fit the 6,144-character managed policy limit."
  }
}

# State is in one bucket per region (terraform/bootstrap), each replicated to the other: a stack writes to its own
# region's bucket and its outputs are read from either, so every role that touches state gets both buckets and
# both keys, each with its role's access and nothing more.
run "state_access_covers_every_bucket_and_key" {
  command = apply

  assert {
    condition = alltrue([for role in ["plan", "apply", "deploy"] :
      toset(one([for s in jsondecode(output.permission_policies[role]).Statement : s if s.Sid == "StateList"]).Resource) == toset(["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1"]) &&
      toset(one([for s in jsondecode(output.permission_policies[role]).Statement : s if s.Sid == "StateKey"]).Resource) == toset(values(var.state_kms_key_arns))
    ])
    error_message = "Every role that touches state must list both state buckets and use both state keys."
  }

  assert {
    condition = alltrue([for role in ["plan", "deploy"] :
      toset(one([for s in jsondecode(output.permission_policies[role]).Statement : s if s.Sid == "StateRead"]).Resource) == toset(["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/*", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1/*"]) &&
      one([for s in jsondecode(output.permission_policies[role]).Statement : s if s.Sid == "StateRead"]).Action == "s3:GetObject"
    ])
    error_message = "plan and deploy must read the state objects of both buckets (GetObject only)."
  }

  assert {
    condition     = toset(one([for s in jsondecode(output.permission_policies.plan).Statement : s if s.Sid == "StateKey"]).Action) == toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
    error_message = "The plan role reads state and writes lock files (SSE-KMS) with both keys."
  }

  assert {
    condition     = one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "StateKey"]).Action == "kms:Decrypt"
    error_message = "The deploy role only decrypts state, with both keys."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateReadWrite"]).Resource) == toset(["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/*", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1/*"]) &&
      toset(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateReadWrite"]).Action) == toset(["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]) &&
      toset(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateKey"]).Action) == toset(["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"])
    )
    error_message = "The apply role must read and write the state objects of both buckets, with both keys."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "ProtectStateBucket"]).Resource) == toset(concat(["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1"], ["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1/*", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1/*"])) &&
      toset(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "ProtectStateKey"]).Resource) == toset(values(var.state_kms_key_arns))
    )
    error_message = "The apply role must be denied weakening or deleting either state bucket and either state key."
  }

  # Nothing else of any policy names a state bucket or key: the buckets are not <name_prefix>-* platform buckets.
  assert {
    condition = alltrue(flatten([for role, p in output.permission_policies : [
      for s in jsondecode(p).Statement : !strcontains(jsonencode(s.Resource), "tfstate") && !strcontains(jsonencode(s.Resource), ":key/")
      if !startswith(s.Sid, "State") && !startswith(s.Sid, "ProtectState")
    ]]))
    error_message = "Only the State* and ProtectState* statements may name the state buckets and keys."
  }

  assert {
    condition     = length(aws_iam_policy.this["apply"].policy) < 6144
    error_message = "The apply policy with both buckets and keys must fit the 6,144-character managed policy limit."
  }
}

# The deprecated single bucket and key still work, alone or merged into the maps (each named once).
run "deprecated_single_bucket_and_key" {
  command = apply

  variables {
    state_bucket_names = {}
    state_kms_key_arns = {}
    state_bucket_name  = "platform-tfstate-123456789012"
    state_kms_key_arn  = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition = (
      one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateList"]).Resource == ["arn:aws:s3:::platform-tfstate-123456789012"] &&
      one([for s in jsondecode(output.permission_policies.plan).Statement : s if s.Sid == "StateLock"]).Resource == ["arn:aws:s3:::platform-tfstate-123456789012/*.tflock"] &&
      one([for s in jsondecode(output.permission_policies.deploy).Statement : s if s.Sid == "StateKey"]).Resource == ["arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"]
    )
    error_message = "state_bucket_name and state_kms_key_arn alone must still grant that bucket and key."
  }

  expect_failures = [check.state_variables_not_deprecated]
}

run "deprecated_variables_merge_into_the_maps" {
  command = apply

  variables {
    state_bucket_name = "platform-tfstate-123456789012-us-east-1"
    state_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
  }

  assert {
    condition = (
      one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateList"]).Resource == ["arn:aws:s3:::platform-tfstate-123456789012-eu-west-1", "arn:aws:s3:::platform-tfstate-123456789012-us-east-1"] &&
      length(one([for s in jsondecode(output.permission_policies.apply).Statement : s if s.Sid == "StateKey"]).Resource) == 3
    )
    error_message = "The deprecated bucket and key are added to the maps' (a bucket named in both appears once)."
  }

  expect_failures = [check.state_variables_not_deprecated]
}

run "state_buckets_required" {
  command = plan

  variables {
    state_bucket_names = {}
  }

  expect_failures = [var.state_bucket_names]
}

run "state_bucket_names_by_region" {
  command = plan

  variables {
    state_bucket_names = { primary = "platform-tfstate-123456789012-us-east-1" }
  }

  expect_failures = [var.state_bucket_names]
}

run "state_key_of_another_region_rejected" {
  command = plan

  variables {
    state_kms_key_arns = {
      us-east-1 = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
      eu-west-1 = "arn:aws:kms:us-east-1:123456789012:key/22222222-2222-2222-2222-222222222222"
    }
  }

  expect_failures = [var.state_kms_key_arns]
}

# Forgetting the DR bucket's key would only show on the day the DR state is needed.
run "state_key_of_every_bucket_required" {
  command = plan

  variables {
    state_kms_key_arns = {
      us-east-1 = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
    }
  }

  expect_failures = [var.state_kms_key_arns]
}

run "environments_and_branch_configurable" {
  command = apply

  variables {
    default_branch      = "trunk"
    deploy_environments = ["prod-us", "prod-eu"]
  }

  assert {
    condition     = toset(output.trust_subjects.deploy) == toset(["repo:example-org/platform:ref:refs/heads/trunk", "repo:example-org/platform:environment:prod-us", "repo:example-org/platform:environment:prod-eu"])
    error_message = "The subjects must follow default_branch and deploy_environments."
  }
}

run "existing_provider" {
  command = apply

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && jsondecode(aws_iam_role.this["apply"].assume_role_policy).Statement[0].Principal.Federated == var.oidc_provider_arn
    error_message = "An existing provider must be trusted instead of a new one."
  }
}

run "repository_must_be_owner_slash_name" {
  command = plan

  variables {
    github_repository = "platform"
  }

  expect_failures = [var.github_repository]
}

run "repository_wildcard_rejected" {
  command = plan

  variables {
    github_repository = "example-org/*"
  }

  expect_failures = [var.github_repository]
}

run "branch_wildcard_rejected" {
  command = plan

  variables {
    default_branch = "*"
  }

  expect_failures = [var.default_branch]
}

run "pass_role_star_rejected" {
  command = plan

  variables {
    ecs_pass_role_arns = ["*"]
  }

  expect_failures = [var.ecs_pass_role_arns]
}

run "full_iam_rejected_in_apply_services" {
  command = plan

  variables {
    apply_services = ["ec2", "iam"]
  }

  expect_failures = [var.apply_services]
}

run "infrastructure_role_star_rejected" {
  command = plan

  variables {
    ecs_infrastructure_role_arns = ["*"]
  }

  expect_failures = [var.ecs_infrastructure_role_arns]
}
