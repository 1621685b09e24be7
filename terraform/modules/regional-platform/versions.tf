terraform {
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.70, < 6.0"
      # aws.dr: the DR region. The primary stack creates the DR backup vault and replicates the database secret
      # there; a DR stack passes its own default provider (unused).
      configuration_aliases = [aws.dr]
    }
  }
}

# Empty "proxy" block for the same alias, only so that `terraform validate` of this directory works on its own
# (hashicorp/terraform#28490); callers pass aws.dr in `providers` and get a harmless "Redundant empty provider
# block" warning.
provider "aws" {
  alias = "dr"
}
