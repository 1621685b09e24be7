resource "aws_kms_key" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  #checkov:skip=CKV2_AWS_64:the key policy is attached by aws_kms_key_policy.this (it needs the account id from the key ARN)
  description             = "Aurora ${local.cluster_identifier}: storage, Performance Insights, master secret"
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  name          = "alias/${local.cluster_identifier}-aurora"
  target_key_id = aws_kms_key.this[0].key_id
}

locals {
  # The account id is read from the key's own ARN: no API call, so plans stay offline.
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
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${local.kms_account_id}:root"]
    }
  }

  # RDS, Performance Insights and Secrets Manager use the key through grants created on behalf of callers in
  # this account; restrict use to those services.
  statement {
    sid = "UseThroughRdsAndSecretsManager"
    actions = [
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:CreateGrant",
      "kms:ListGrants",
      "kms:DescribeKey",
    ]
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["*"]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:CallerAccount"
      values   = [local.kms_account_id]
    }

    condition {
      test     = "StringLike"
      variable = "kms:ViaService"
      values   = ["rds.*.amazonaws.com", "secretsmanager.*.amazonaws.com"]
    }
  }
}

resource "aws_kms_key_policy" "this" {
  count = var.kms_key_arn == null ? 1 : 0

  key_id = aws_kms_key.this[0].id
  policy = data.aws_iam_policy_document.kms[0].json
}
