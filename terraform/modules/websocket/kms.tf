data "aws_partition" "current" {}

data "aws_region" "current" {}

resource "aws_kms_key" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  #checkov:skip=CKV2_AWS_64:the key policy is attached by aws_kms_key_policy.this (it needs the account id from the key ARN)
  description             = "WebSocket ${var.name}: SQS, DynamoDB, CloudWatch Logs, Lambda environment"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name}-websocket"
  target_key_id = aws_kms_key.this[0].key_id
}

locals {
  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.this[0].arn
  # Account id and region come from ARNs and aws_region (no API call): plans stay offline.
  kms_account_id = var.kms_key_arn == null ? split(":", aws_kms_key.this[0].arn)[4] : null
  region         = data.aws_region.current.name
}

data "aws_iam_policy_document" "kms" {
  count = var.kms_key_arn == null ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.kms_account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsOfThisModule"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = [
        "arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.kms_account_id}:log-group:/aws/apigateway/${var.name}-websocket/*",
        "arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.kms_account_id}:log-group:/aws/lambda/${var.name}-websocket-*",
      ]
    }
  }
}

resource "aws_kms_key_policy" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  key_id = aws_kms_key.this[0].id
  policy = data.aws_iam_policy_document.kms[0].json
}
