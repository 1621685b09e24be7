variable "name_prefix" {
  description = "Prefix of the role and policy names (<prefix>-github-plan, -apply, -deploy); also the prefix of the platform resources the roles may manage."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,30}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-32 lower-case letters, digits or '-', starting with a letter."
  }
}

variable "github_repository" {
  description = "The GitHub repository allowed to assume the roles, as owner/name (exact case, as GitHub puts it in the token's sub claim)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be owner/name, e.g. example-org/platform (no wildcards)."
  }
}

variable "default_branch" {
  description = "Branch whose pushes may assume the apply and deploy roles."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]{1,250}$", var.default_branch)) && !strcontains(var.default_branch, "*")
    error_message = "default_branch must be a branch name without wildcards."
  }
}

variable "deploy_environments" {
  description = "Protected GitHub environments whose jobs may assume the apply and deploy roles (a job with `environment:` gets sub = repo:OWNER/REPO:environment:NAME)."
  type        = list(string)
  default     = ["production"]

  validation {
    condition     = alltrue([for e in var.deploy_environments : can(regex("^[A-Za-z0-9._ -]{1,255}$", e)) && !strcontains(e, "*")])
    error_message = "deploy_environments must be environment names without wildcards."
  }
}

variable "create_oidc_provider" {
  description = "Create the token.actions.githubusercontent.com OIDC provider. An account holds it once: set false and pass oidc_provider_arn when it exists."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider (when create_oidc_provider = false)."
  type        = string
  default     = null

  validation {
    condition     = var.oidc_provider_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn must be the ARN of the token.actions.githubusercontent.com provider."
  }

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when create_oidc_provider = false."
  }
}

variable "thumbprints" {
  description = "Thumbprints of the GitHub OIDC issuer's certificate chain (IAM no longer checks them for this issuer, but the API requires one)."
  type        = list(string)
  default     = ["6938fd4d98bab03faadb97b34396831e3780aea1", "1c58a3a8518e8759bf075b76b750d4f2df264fcd"]

  validation {
    condition     = length(var.thumbprints) >= 1 && length(var.thumbprints) <= 5 && alltrue([for t in var.thumbprints : can(regex("^[0-9a-f]{40}$", t))])
    error_message = "thumbprints must be 1 to 5 lower-case SHA-1 hex strings (40 characters)."
  }
}

variable "account_id" {
  description = "AWS account id the roles act in (resource ARNs of the policies)."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "primary_region" {
  description = "Region of the source ECR repositories (where images are pushed)."
  type        = string

  validation {
    condition     = can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", var.primary_region))
    error_message = "primary_region must be an AWS region name such as us-east-1."
  }
}

variable "regions" {
  description = "Every region the platform runs in (primary and DR): the deploy role acts on ECS, CodeDeploy, alarms and ECR replicas there."
  type        = list(string)

  validation {
    condition     = length(var.regions) > 0 && alltrue([for r in var.regions : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", r))])
    error_message = "regions must list AWS region names such as us-east-1."
  }
}

variable "state_bucket_names" {
  description = "S3 buckets holding the Terraform state, by region (terraform/bootstrap output state_buckets: one bucket per region, each replicated to the other). Every role that touches state gets every bucket: a stack writes to its own region's bucket and its outputs are read from any of them."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for r, b in var.state_bucket_names : can(regex("^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$", r)) && can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", b))])
    error_message = "state_bucket_names must map AWS region names (such as us-east-1) to valid S3 bucket names."
  }

  validation {
    condition     = length(var.state_bucket_names) > 0 || var.state_bucket_name != null
    error_message = "state_bucket_names must name at least one state bucket (terraform/bootstrap output state_buckets)."
  }
}

variable "state_kms_key_arns" {
  description = "KMS keys encrypting the state buckets, by region (terraform/bootstrap output kms_key_arns). Every role that touches state gets every key."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for r, k in var.state_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:${r}:[0-9]{12}:key/.+$", k))])
    error_message = "state_kms_key_arns must map each region to the ARN of a KMS key in that region."
  }

  validation {
    condition     = length(var.state_kms_key_arns) > 0 || var.state_kms_key_arn != null
    error_message = "state_kms_key_arns must name at least one state key (terraform/bootstrap output kms_key_arns)."
  }

  validation {
    condition     = var.state_kms_key_arn != null || alltrue([for r in keys(var.state_bucket_names) : contains(keys(var.state_kms_key_arns), r)])
    error_message = "state_kms_key_arns must hold the key of every region of state_bucket_names (terraform/bootstrap output kms_key_arns): a role without a bucket's key cannot read its state."
  }
}

variable "state_bucket_name" {
  description = "Deprecated: use state_bucket_names. A single state bucket, added to state_bucket_names."
  type        = string
  default     = null

  validation {
    condition     = var.state_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", coalesce(var.state_bucket_name, "x")))
    error_message = "state_bucket_name must be a valid S3 bucket name."
  }
}

variable "state_kms_key_arn" {
  description = "Deprecated: use state_kms_key_arns. A single state key, added to state_kms_key_arns."
  type        = string
  default     = null

  validation {
    condition     = var.state_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", coalesce(var.state_kms_key_arn, "x")))
    error_message = "state_kms_key_arn must be a KMS key ARN."
  }
}

variable "ecr_repository_names" {
  description = "ECR repositories the deploy role pushes to (primary region) and reads replicas of (other regions)."
  type        = list(string)

  validation {
    condition     = length(var.ecr_repository_names) > 0 && alltrue([for n in var.ecr_repository_names : !strcontains(n, "*")])
    error_message = "ecr_repository_names must list at least one repository, without wildcards."
  }
}

variable "ecs_pass_role_arns" {
  description = "ECS task and task-execution role ARNs the deploy role may pass when registering task definitions (wildcards allowed in the name)."
  type        = list(string)

  validation {
    condition     = length(var.ecs_pass_role_arns) > 0 && alltrue([for a in var.ecs_pass_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/*-]+$", a)) && a != "*"])
    error_message = "ecs_pass_role_arns must be IAM role ARNs (never *)."
  }
}

variable "ecs_infrastructure_role_arns" {
  description = "ECS infrastructure roles of the services on the ECS deployment controller (regional-platform deployment_controller = \"ECS\"; <cluster>-ecs-infrastructure-<region>, wildcards allowed in the name). Set: the deploy role may release those services (ecs:UpdateService, ecs:ListServiceDeployments on the clusters' services, ecs:DescribeServiceDeployments, ecs:StopServiceDeployment, ecs:DescribeServiceRevisions) and pass these roles, to ECS only. Empty: no such permission."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.ecs_infrastructure_role_arns : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/*-]+$", a)) && a != "*"])
    error_message = "ecs_infrastructure_role_arns must be IAM role ARNs (never *)."
  }
}

variable "ecs_cluster_name_prefix" {
  description = "Prefix of the ECS cluster names whose services the deploy role may release on the ECS deployment controller (with ecs_infrastructure_role_arns). Null uses name_prefix."
  type        = string
  default     = null

  validation {
    condition     = var.ecs_cluster_name_prefix == null || can(regex("^[A-Za-z0-9_-]{1,255}$", coalesce(var.ecs_cluster_name_prefix, "x")))
    error_message = "ecs_cluster_name_prefix must be an ECS cluster name prefix (letters, digits, hyphens, underscores; no wildcards)."
  }
}

variable "codedeploy_name_prefix" {
  description = "Prefix of the CodeDeploy application names the deploy role may deploy. Null uses name_prefix."
  type        = string
  default     = null

  validation {
    condition     = var.codedeploy_name_prefix == null || can(regex("^[A-Za-z0-9._+=,@-]{1,100}$", var.codedeploy_name_prefix))
    error_message = "codedeploy_name_prefix must be a CodeDeploy application name prefix (no wildcards)."
  }
}

variable "apply_services" {
  description = "AWS service namespaces the apply role manages in full (IAM and S3 are separately limited to <name_prefix>-* resources). Null: every namespace the bundled stacks use (actions.json)."
  type        = list(string)
  default     = null

  validation {
    condition     = alltrue([for s in var.apply_services == null ? [] : var.apply_services : can(regex("^[a-z0-9-]+$", s)) && !contains(["iam", "sts", "organizations", "s3", "account"], s)])
    error_message = "apply_services must be service namespaces; iam, sts, s3, organizations and account are not allowed in full."
  }
}

variable "max_session_duration" {
  description = "Maximum session duration of the roles, in seconds."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}
