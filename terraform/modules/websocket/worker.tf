# What an ECS worker needs; exported as worker_policy_json for the ecs module's task role.
data "aws_iam_policy_document" "worker" {
  statement {
    sid = "ConsumeMessages"
    actions = [
      "sqs:ReceiveMessage",
      "sqs:DeleteMessage",
      "sqs:ChangeMessageVisibility",
      "sqs:GetQueueAttributes",
    ]
    resources = [aws_sqs_queue.messages.arn]
  }

  statement {
    sid       = "Decrypt"
    actions   = ["kms:Decrypt"]
    resources = [local.kms_key_arn]
  }

  statement {
    sid       = "ReadConnections"
    actions   = ["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:DeleteItem"]
    resources = [aws_dynamodb_table.connections.arn]
  }

  statement {
    sid       = "ReplyToClients"
    actions   = ["execute-api:ManageConnections"]
    resources = ["${aws_apigatewayv2_api.this.execution_arn}/${var.stage_name}/*/@connections/*"]
  }
}
