# One AWS provider per state region. Terraform cannot make provider configurations from a variable, so the
# regions this configuration supports are exactly the ones declared here: the primary (regions[0]) and the DR
# region (regions[1]). var.regions says so in its validation; a third region needs a provider block here and a
# module call (with replication to and from it) in main.tf.
provider "aws" {
  alias = "primary"

  region                      = local.primary_region
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
  alias = "dr"

  region                      = local.dr_region
  access_key                  = var.offline ? "offline" : null
  secret_key                  = var.offline ? "offline" : null
  skip_credentials_validation = var.offline
  skip_requesting_account_id  = var.offline
  skip_metadata_api_check     = var.offline

  default_tags {
    tags = var.default_tags
  }
}

data "aws_partition" "current" {
  provider = aws.primary
}
