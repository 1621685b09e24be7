################################################################################
# Customer managed key for the secrets of this region.
#
# The account id is read from the key's own ARN (account lookups call AWS and plans
# must run offline), so the key starts with the default policy (account root) and
# aws_kms_key_policy replaces it right after with the explicit one below. Readers get kms:Decrypt
# through IAM (the account root statement delegates to IAM); the secrets' resource policies decide
# who may read.
################################################################################

data "aws_partition" "current" {}

locals {
  account_id = provider::aws::arn_parse(aws_kms_key.this.arn).account_id
}

resource "aws_kms_key" "this" {
  description             = "Secrets Manager secrets of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}-secrets"
  target_key_id = aws_kms_key.this.key_id
}

resource "aws_kms_key_policy" "this" {
  key_id = aws_kms_key.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "AccountRootManagesTheKey"
      Effect    = "Allow"
      Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
      Action    = "kms:*"
      Resource  = "*"
    }]
  })
}
