# Connection-management Lambda. Code: lambda/handler.py, packaged by scripts/build-lambda-zip into lambda.zip
# (committed; the archive provider is not available offline).

locals {
  function_name = "${var.name}-websocket-connections"
  lambda_zip    = "${path.module}/lambda.zip"
}

resource "aws_cloudwatch_log_group" "lambda" {
  name              = "/aws/lambda/${local.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags

  depends_on = [aws_kms_key_policy.this]
}

data "aws_iam_policy_document" "lambda_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "lambda" {
  name_prefix        = "${substr(var.name, 0, 24)}-ws-lambda-"
  description        = "WebSocket connection management (${var.name})"
  assume_role_policy = data.aws_iam_policy_document.lambda_assume.json

  tags = var.tags
}

data "aws_iam_policy_document" "lambda" {
  statement {
    sid       = "Logs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.lambda.arn}:*"]
  }

  statement {
    sid       = "Connections"
    actions   = ["dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.connections.arn]
  }

  statement {
    sid       = "Forward"
    actions   = ["sqs:SendMessage"]
    resources = [aws_sqs_queue.messages.arn]
  }

  statement {
    sid       = "Encryption"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
    resources = [local.kms_key_arn]
  }

  statement {
    #checkov:skip=CKV_AWS_356:X-Ray trace submission has no resource-level permissions
    sid       = "Tracing"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"]
  }

  dynamic "statement" {
    for_each = var.lambda_vpc_config == null ? [] : [1]
    content {
      #checkov:skip=CKV_AWS_356:ENI management for VPC Lambdas has no resource-level scoping for Describe calls
      sid = "VpcNetworking"
      actions = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      resources = ["*"]
    }
  }
}

resource "aws_iam_role_policy" "lambda" {
  name   = "connections"
  role   = aws_iam_role.lambda.id
  policy = data.aws_iam_policy_document.lambda.json
}

resource "aws_lambda_function" "connections" {
  #checkov:skip=CKV_AWS_116:invoked synchronously by API Gateway; a DLQ only applies to asynchronous invocations (failed $default messages surface to the client)
  #checkov:skip=CKV_AWS_272:the zip is built reproducibly in the repo and pinned by source_code_hash; code signing needs a signer profile outside this module
  #checkov:skip=CKV_AWS_117:VPC attachment is optional (lambda_vpc_config): the function only calls DynamoDB and SQS APIs, and the DR region has no NAT
  function_name = local.function_name
  description   = "WebSocket $connect/$disconnect/$default handler (${var.name})"
  role          = aws_iam_role.lambda.arn

  filename         = local.lambda_zip
  source_code_hash = filebase64sha256(local.lambda_zip)
  runtime          = "python3.12"
  handler          = "handler.handler"
  architectures    = ["arm64"]

  memory_size                    = var.lambda_memory_size
  timeout                        = var.lambda_timeout_seconds
  reserved_concurrent_executions = var.lambda_reserved_concurrency
  kms_key_arn                    = local.kms_key_arn

  environment {
    variables = {
      CONNECTIONS_TABLE      = aws_dynamodb_table.connections.name
      QUEUE_URL              = aws_sqs_queue.messages.url
      CONNECTION_TTL_SECONDS = tostring(var.connection_ttl_seconds)
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.lambda.name
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "vpc_config" {
    for_each = var.lambda_vpc_config == null ? [] : [var.lambda_vpc_config]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.lambda]
}

resource "aws_lambda_permission" "api_gateway" {
  statement_id  = "AllowApiGatewayInvoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.connections.function_name
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/*"
}
