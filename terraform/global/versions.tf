terraform {
  required_version = ">= 1.10" # use_lockfile (S3-native state locking) needs 1.10+

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
    }
  }

  # Partial configuration: platform-deploy passes bucket, key, region and use_lockfile=true at init.
  backend "s3" {}
}
