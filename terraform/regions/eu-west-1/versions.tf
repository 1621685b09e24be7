terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }

  # Partial configuration: platform-deploy passes bucket, key, region and use_lockfile at init.
  backend "s3" {}
}
