data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  oidc_host = "token.actions.githubusercontent.com"
  # Spelled out rather than read from the provider resource, so the roles' trust policies (who may assume
  # them) are known when the plan is made and reviewers see them; the roles depend on the provider instead.
  provider_arn = var.create_oidc_provider ? "arn:${local.partition}:iam::${var.account_id}:oidc-provider/${local.oidc_host}" : var.oidc_provider_arn
  cd_prefix    = coalesce(var.codedeploy_name_prefix, var.name_prefix)
  ecs_prefix   = coalesce(var.ecs_cluster_name_prefix, var.name_prefix)

  # The sub claims each role accepts. Every value is pinned to the repository; none has a wildcard.
  repo_sub = "repo:${var.github_repository}"
  subjects = {
    plan = ["${local.repo_sub}:pull_request"]
    apply = concat(
      ["${local.repo_sub}:ref:refs/heads/${var.default_branch}"],
      [for e in var.deploy_environments : "${local.repo_sub}:environment:${e}"],
    )
  }
  role_subjects = {
    plan   = local.subjects.plan
    apply  = local.subjects.apply
    deploy = local.subjects.apply
  }

  trust_policies = {
    for role, subs in local.role_subjects : role => jsonencode({
      Version = "2012-10-17"
      Statement = [{
        Sid       = "GitHubActions${title(role)}"
        Effect    = "Allow"
        Principal = { Federated = local.provider_arn }
        Action    = "sts:AssumeRoleWithWebIdentity"
        Condition = {
          StringEquals = {
            "${local.oidc_host}:aud" = "sts.amazonaws.com"
            "${local.oidc_host}:sub" = subs
          }
        }
      }]
    })
  }

  # Every state bucket and key (terraform/bootstrap: one bucket per region, each replicated to the others): a
  # stack writes its state to its own region's bucket, and its outputs are read from any of them (the replica
  # when a region is down). The deprecated single bucket and key are merged in.
  state_bucket_names = sort(distinct(concat(values(var.state_bucket_names), var.state_bucket_name == null ? [] : [var.state_bucket_name])))
  state_kms_key_arns = sort(distinct(concat(values(var.state_kms_key_arns), var.state_kms_key_arn == null ? [] : [var.state_kms_key_arn])))
  state_bucket_arns  = [for n in local.state_bucket_names : "arn:${local.partition}:s3:::${n}"]
  state_object_arns  = [for a in local.state_bucket_arns : "${a}/*"]
  state_lock_arns    = [for a in local.state_bucket_arns : "${a}/*.tflock"]

  readonly_policy = "arn:${local.partition}:iam::aws:policy/ReadOnlyAccess"
}

# A warning (not an error) on every plan that still passes the deprecated single bucket or key.
check "state_variables_not_deprecated" {
  assert {
    condition     = var.state_bucket_name == null && var.state_kms_key_arn == null
    error_message = "state_bucket_name and state_kms_key_arn are deprecated (one bucket cannot outlive its region): pass every state bucket and key as state_bucket_names and state_kms_key_arns (terraform/bootstrap outputs state_buckets and kms_key_arns)."
  }
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url             = "https://${local.oidc_host}"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = var.thumbprints
  tags            = var.tags
}

resource "aws_iam_role" "this" {
  for_each = local.trust_policies

  name                 = "${var.name_prefix}-github-${each.key}"
  description          = "GitHub Actions ${each.key} role for ${var.github_repository}"
  assume_role_policy   = each.value
  max_session_duration = var.max_session_duration
  tags                 = var.tags

  # IAM refuses a trust policy whose federated principal does not exist yet.
  depends_on = [aws_iam_openid_connect_provider.github]
}

resource "aws_iam_policy" "this" {
  for_each = local.permission_policies

  name        = "${var.name_prefix}-github-${each.key}"
  description = "Permissions of the GitHub Actions ${each.key} role"
  policy      = each.value
  tags        = var.tags
}

resource "aws_iam_role_policy_attachment" "own" {
  for_each = local.permission_policies

  role       = aws_iam_role.this[each.key].name
  policy_arn = aws_iam_policy.this[each.key].arn
}

# plan and apply read the whole account (refresh); deploy does not.
resource "aws_iam_role_policy_attachment" "readonly" {
  for_each = toset(["plan", "apply"])

  role       = aws_iam_role.this[each.key].name
  policy_arn = local.readonly_policy
}
