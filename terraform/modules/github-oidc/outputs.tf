output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust."
  value       = local.provider_arn
}

output "role_arns" {
  description = "Role ARNs by purpose: plan, apply, deploy."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}

output "role_names" {
  description = "Role names by purpose: plan, apply, deploy."
  value       = { for k, r in aws_iam_role.this : k => r.name }
}

output "trust_subjects" {
  description = "The sub claims each role accepts (all pinned to the repository)."
  value       = local.role_subjects
}

output "trust_policies" {
  description = "Trust policy documents (JSON) by role."
  value       = { for k, r in aws_iam_role.this : k => r.assume_role_policy }
}

output "permission_policies" {
  description = "Permission policy documents (JSON) by role (plan and apply also get ReadOnlyAccess)."
  value       = local.permission_policies
}
