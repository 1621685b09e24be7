resource "aws_secretsmanager_secret" "this" {
  for_each = var.secrets

  #checkov:skip=CKV2_AWS_57:values are owned by the service teams (API keys from third parties); rotation is set per secret outside this module
  name                    = "${var.name}/${each.key}"
  description             = each.value.description
  kms_key_id              = aws_kms_key.this.arn
  recovery_window_in_days = var.recovery_window_in_days

  tags = var.tags

  depends_on = [aws_kms_key_policy.this]
}

# Only the reader roles (task execution roles) may read the value; everyone else,
# administrators included, is denied GetSecretValue.
resource "aws_secretsmanager_secret_policy" "this" {
  for_each = var.secrets

  secret_arn          = aws_secretsmanager_secret.this[each.key].arn
  block_public_policy = true
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "ExecutionRolesRead"
        Effect    = "Allow"
        Principal = { AWS = var.readers[each.key] }
        Action    = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
        Resource  = "*"
      },
      {
        Sid       = "NobodyElseReads"
        Effect    = "Deny"
        Principal = "*"
        Action    = "secretsmanager:GetSecretValue"
        Resource  = "*"
        Condition = { ArnNotEquals = { "aws:PrincipalArn" = var.readers[each.key] } }
      },
    ]
  })
}
