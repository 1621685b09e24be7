resource "aws_kms_key" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  #checkov:skip=CKV2_AWS_64:the key policy is attached by aws_kms_key_policy.this (it needs the account id from the key ARN)
  description             = "FIS experiment logs ${var.name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${var.name}-fis-logs"
  target_key_id = aws_kms_key.this[0].key_id
}

locals {
  kms_key_arn = var.kms_key_arn != null ? var.kms_key_arn : aws_kms_key.this[0].arn
  # Account id from the key's own ARN: no API call, plans stay offline.
  kms_account_id = var.kms_key_arn == null ? split(":", aws_kms_key.this[0].arn)[4] : null
}

data "aws_iam_policy_document" "kms" {
  count = var.kms_key_arn == null ? 1 : 0

  statement {
    sid       = "AccountAdministration"
    actions   = ["kms:*"]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.kms_account_id}:root"]
    }
  }

  statement {
    sid       = "CloudWatchLogsOfTheExperimentLogGroup"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.amazonaws.com"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${local.region}:${local.kms_account_id}:log-group:/aws/fis/${var.name}"]
    }
  }
}

resource "aws_kms_key_policy" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  key_id = aws_kms_key.this[0].id
  policy = data.aws_iam_policy_document.kms[0].json
}
