terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
      # aws.destination: the DR region. The primary stack creates the DR vault itself, so the DR stack does not
      # have to exist (or be applied first) for cross-region copies to work.
      configuration_aliases = [aws.destination]
    }
  }
}

# Empty "proxy" block for the same alias: without it `terraform validate` of this directory on its own fails with
# "Provider configuration not present" (hashicorp/terraform#28490, open). Callers still pass aws.destination in
# `providers`; Terraform prints a "Redundant empty provider block" warning for it, which is harmless.
provider "aws" {
  alias = "destination"
}
