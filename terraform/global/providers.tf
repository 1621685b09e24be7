locals {
  # CloudFront, its ACM certificate, CLOUDFRONT-scope WAF, Shield Advanced and Route53 query logs only live in
  # us-east-1: this is an AWS constant, not a placement choice.
  edge_region = "us-east-1"
}

# Primary region: ECR (source of replication), IAM and Route53 (global services).
provider "aws" {
  region                      = var.primary_region
  access_key                  = var.offline ? "offline" : null
  secret_key                  = var.offline ? "offline" : null
  skip_credentials_validation = var.offline
  skip_requesting_account_id  = var.offline
  skip_metadata_api_check     = var.offline

  default_tags {
    tags = var.default_tags
  }
}

provider "aws" {
  alias = "edge"

  region                      = local.edge_region
  access_key                  = var.offline ? "offline" : null
  secret_key                  = var.offline ? "offline" : null
  skip_credentials_validation = var.offline
  skip_requesting_account_id  = var.offline
  skip_metadata_api_check     = var.offline

  default_tags {
    tags = var.default_tags
  }
}

data "aws_partition" "current" {}
