# GitHub Actions OIDC provider and the plan / apply / deploy roles of the pipeline.
module "github_oidc" {
  source = "../modules/github-oidc"

  name_prefix          = var.project
  github_repository    = var.github_repository
  default_branch       = var.github_default_branch
  deploy_environments  = var.github_environments
  create_oidc_provider = var.create_github_oidc_provider
  oidc_provider_arn    = var.github_oidc_provider_arn
  thumbprints          = var.github_oidc_thumbprints
  account_id           = var.account_id
  primary_region       = var.primary_region
  regions              = local.all_regions
  state_bucket_names   = local.state_bucket_names
  state_kms_key_arns   = local.state_kms_key_arns
  state_bucket_name    = var.state_bucket_name # deprecated, merged in by the module
  state_kms_key_arn    = var.state_kms_key_arn # deprecated, merged in by the module
  ecr_repository_names = local.ecr_repository_names
  ecs_pass_role_arns = coalesce(var.ecs_task_role_arns, [
    "arn:${local.partition}:iam::${var.account_id}:role/${var.project}-*-task*",
    "arn:${local.partition}:iam::${var.account_id}:role/${var.project}-*-exec*",
  ])
  ecs_infrastructure_role_arns = var.ecs_infrastructure_role_arns != null ? var.ecs_infrastructure_role_arns : [
    "arn:${local.partition}:iam::${var.account_id}:role/${var.project}-*ecs-infrastructure-*",
  ]
}

locals {
  # Every state bucket and key (terraform/bootstrap: a bucket per region, each replicated to the other). Unset, the
  # bootstrap's default bucket names and placeholder keys let the stack plan offline; a deprecated single bucket or
  # key replaces those placeholders instead of joining them.
  state_bucket_names = var.state_bucket_names != null ? var.state_bucket_names : var.state_bucket_name != null ? tomap({}) : tomap({
    for r in local.all_regions : r => "${var.project}-tfstate-${var.account_id}-${r}"
  })
  state_kms_key_arns = var.state_kms_key_arns != null ? var.state_kms_key_arns : var.state_kms_key_arn != null ? tomap({}) : tomap({
    for r in local.all_regions : r => "arn:${local.partition}:kms:${r}:${var.account_id}:key/00000000-0000-0000-0000-000000000000"
  })
}
