# Connection registry: one item per open connection, expired by TTL if $disconnect is lost.
resource "aws_dynamodb_table" "connections" {
  name                        = "${var.name}-websocket-connections"
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "connectionId"
  deletion_protection_enabled = var.table_deletion_protection

  attribute {
    name = "connectionId"
    type = "S"
  }

  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = local.kms_key_arn
  }

  tags = var.tags
}

# Messages from clients ($default route) for the ECS workers.
resource "aws_sqs_queue" "messages" {
  name                              = "${var.name}-websocket-messages"
  visibility_timeout_seconds        = var.queue_visibility_timeout_seconds
  message_retention_seconds         = var.queue_message_retention_seconds
  receive_wait_time_seconds         = 20
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.queue_max_receive_count
  })

  tags = var.tags
}

resource "aws_sqs_queue" "dlq" {
  name                              = "${var.name}-websocket-messages-dlq"
  message_retention_seconds         = 1209600
  kms_master_key_id                 = local.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = var.tags
}

resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id

  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.messages.arn]
  })
}
