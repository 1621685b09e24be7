output "api_id" {
  description = "Id of the WebSocket API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_endpoint" {
  description = "wss:// base endpoint of the API (without stage)."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "websocket_url" {
  description = "wss:// URL clients connect to (endpoint + stage)."
  value       = aws_apigatewayv2_stage.this.invoke_url
}

output "connections_url" {
  description = "https:// base URL of the management API the workers POST replies to (<url>/@connections/<connectionId>)."
  value       = "${replace(aws_apigatewayv2_api.this.api_endpoint, "wss://", "https://")}/${aws_apigatewayv2_stage.this.name}"
}

output "execution_arn" {
  description = "Execution ARN of the API (for execute-api IAM policies)."
  value       = aws_apigatewayv2_api.this.execution_arn
}

output "stage_name" {
  description = "Name of the stage."
  value       = aws_apigatewayv2_stage.this.name
}

output "queue_url" {
  description = "URL of the SQS queue the ECS workers consume."
  value       = aws_sqs_queue.messages.url
}

output "queue_arn" {
  description = "ARN of the SQS queue the ECS workers consume."
  value       = aws_sqs_queue.messages.arn
}

output "queue_name" {
  description = "Name of the SQS queue (for CloudWatch alarms and queue-depth autoscaling of the workers)."
  value       = aws_sqs_queue.messages.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_name" {
  description = "Name of the dead-letter queue (alarm on ApproximateNumberOfMessagesVisible > 0)."
  value       = aws_sqs_queue.dlq.name
}

output "connections_table_name" {
  description = "Name of the DynamoDB connections table."
  value       = aws_dynamodb_table.connections.name
}

output "connections_table_arn" {
  description = "ARN of the DynamoDB connections table."
  value       = aws_dynamodb_table.connections.arn
}

output "lambda_function_name" {
  description = "Name of the connection-management Lambda (for alarms on Errors/Throttles)."
  value       = aws_lambda_function.connections.function_name
}

output "access_log_group_name" {
  description = "CloudWatch log group of the stage's access logs."
  value       = aws_cloudwatch_log_group.access.name
}

output "kms_key_arn" {
  description = "KMS key of the queues, table and logs (workers need kms:Decrypt on it)."
  value       = local.kms_key_arn
}

output "worker_policy_json" {
  description = "IAM policy JSON for the ECS worker task role: consume the queue, read the connections table, reply through @connections."
  value       = data.aws_iam_policy_document.worker.json
}
