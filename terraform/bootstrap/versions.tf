terraform {
  required_version = ">= 1.10" # S3 native state locking (use_lockfile) arrived in 1.10

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }

  # The bootstrap creates the state bucket, so its own state starts local. Once applied it may be moved into the
  # bucket: add `backend "s3" {}` here and run `terraform init -migrate-state` with the backend_config output.
}
