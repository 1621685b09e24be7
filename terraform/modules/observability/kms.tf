################################################################################
# Customer managed key for the region's log groups (service logs, VPC flow logs).
#
# The account id is read from the key's own ARN (account lookups call AWS and plans
# must run offline), so the key starts with the default policy (account root) and
# aws_kms_key_policy replaces it right after with the explicit one below.
################################################################################

data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  account_id = provider::aws::arn_parse(aws_kms_key.logs.arn).account_id
  region     = data.aws_region.current.name
}

resource "aws_kms_key" "logs" {
  description             = "CloudWatch Logs of ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_deletion_window_in_days

  tags = var.tags
}

resource "aws_kms_alias" "logs" {
  name          = "alias/${var.name}-logs"
  target_key_id = aws_kms_key.logs.key_id
}

resource "aws_kms_key_policy" "logs" {
  key_id = aws_kms_key.logs.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountRootManagesTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        Sid       = "CloudWatchLogsOfThisAccountAndRegion"
        Effect    = "Allow"
        Principal = { Service = "logs.${local.region}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = {
          ArnLike = {
            "kms:EncryptionContext:aws:logs:arn" = "arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.account_id}:log-group:*"
          }
        }
      },
    ]
  })
}
