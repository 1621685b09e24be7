provider "aws" {
  region                      = var.region
  access_key                  = var.offline ? "offline" : null
  secret_key                  = var.offline ? "offline" : null
  skip_credentials_validation = var.offline
  skip_requesting_account_id  = var.offline
  skip_metadata_api_check     = var.offline

  default_tags {
    tags = var.default_tags
  }
}

# The DR region: the primary stack creates the DR backup vault and replicates the database secret there.
provider "aws" {
  alias                       = "dr"
  region                      = var.dr_region
  access_key                  = var.offline ? "offline" : null
  secret_key                  = var.offline ? "offline" : null
  skip_credentials_validation = var.offline
  skip_requesting_account_id  = var.offline
  skip_metadata_api_check     = var.offline

  default_tags {
    tags = var.default_tags
  }
}
