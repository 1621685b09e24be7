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
  state_bucket_name    = var.state_bucket_name
  state_kms_key_arn    = var.state_kms_key_arn
  ecr_repository_names = local.ecr_repository_names
  ecs_pass_role_arns = coalesce(var.ecs_task_role_arns, [
    "arn:${local.partition}:iam::${var.account_id}:role/${var.project}-*-task*",
    "arn:${local.partition}:iam::${var.account_id}:role/${var.project}-*-exec*",
  ])
}
