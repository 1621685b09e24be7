mock_provider "aws" {
  override_during = plan

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555"
    }
  }

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      api_endpoint  = "wss://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"
      execution_arn = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5"
    }
  }

  mock_resource "aws_apigatewayv2_integration" {
    defaults = {
      id = "int0001"
    }
  }

  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = {
      id = "auth001"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      invoke_arn = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:111122223333:function:app-websocket-connections/invocations"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111122223333:role/app-ws"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/apigateway/app-websocket/access"
    }
  }

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:us-east-1:111122223333:app-websocket-messages"
      url = "https://sqs.us-east-1.amazonaws.com/111122223333/app-websocket-messages"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name = "app"
}

run "websocket_api_with_three_routes_and_throttling" {
  command = plan

  variables {
    throttling_rate_limit  = 200
    throttling_burst_limit = 100
  }

  assert {
    condition     = aws_apigatewayv2_api.this.protocol_type == "WEBSOCKET"
    error_message = "the API must be a WebSocket API"
  }

  assert {
    condition = (
      aws_apigatewayv2_route.connect.route_key == "$connect" &&
      aws_apigatewayv2_route.disconnect.route_key == "$disconnect" &&
      aws_apigatewayv2_route.default.route_key == "$default"
    )
    error_message = "the API must have $connect, $disconnect and $default routes"
  }

  assert {
    condition = alltrue([
      for r in [aws_apigatewayv2_route.connect, aws_apigatewayv2_route.disconnect, aws_apigatewayv2_route.default] :
      r.target == "integrations/${aws_apigatewayv2_integration.lambda.id}"
    ])
    error_message = "every route must target the Lambda integration"
  }

  assert {
    condition     = aws_apigatewayv2_route.connect.authorization_type == "AWS_IAM"
    error_message = "$connect must be authorized by default"
  }

  assert {
    condition = (
      aws_apigatewayv2_stage.this.default_route_settings[0].throttling_rate_limit == 200 &&
      aws_apigatewayv2_stage.this.default_route_settings[0].throttling_burst_limit == 100
    )
    error_message = "the stage must throttle with the requested limits"
  }

  assert {
    condition     = aws_apigatewayv2_stage.this.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access.arn
    error_message = "access logs must go to the module's log group"
  }

  assert {
    condition     = aws_apigatewayv2_integration.lambda.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.lambda.integration_uri == aws_lambda_function.connections.invoke_arn
    error_message = "routes must proxy to the connection Lambda"
  }

  assert {
    condition     = aws_lambda_function.connections.source_code_hash == filebase64sha256("${path.module}/lambda.zip") && aws_lambda_function.connections.filename == "${path.module}/lambda.zip"
    error_message = "the Lambda must be deployed from the committed, hashed zip"
  }

  assert {
    condition = (
      aws_lambda_function.connections.environment[0].variables["CONNECTIONS_TABLE"] == aws_dynamodb_table.connections.name &&
      aws_lambda_function.connections.environment[0].variables["QUEUE_URL"] == aws_sqs_queue.messages.url
    )
    error_message = "the Lambda must know the connections table and the queue"
  }

  assert {
    condition     = aws_dynamodb_table.connections.ttl[0].enabled == true && aws_dynamodb_table.connections.ttl[0].attribute_name == "expiresAt" && aws_dynamodb_table.connections.hash_key == "connectionId"
    error_message = "the connections table must be keyed by connectionId with TTL on expiresAt"
  }

  assert {
    condition     = aws_dynamodb_table.connections.server_side_encryption[0].kms_key_arn == aws_kms_key.this[0].arn
    error_message = "the connections table must be encrypted with the module's key"
  }

  assert {
    condition     = aws_sqs_queue.messages.kms_master_key_id == aws_kms_key.this[0].arn && aws_sqs_queue.dlq.kms_master_key_id == aws_kms_key.this[0].arn
    error_message = "the queue and its DLQ must be KMS-encrypted"
  }

  assert {
    condition     = jsondecode(aws_sqs_queue.messages.redrive_policy).deadLetterTargetArn == aws_sqs_queue.dlq.arn && jsondecode(aws_sqs_queue.messages.redrive_policy).maxReceiveCount == 5
    error_message = "the queue must redrive to the DLQ"
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 1 && length(aws_apigatewayv2_authorizer.connect) == 0
    error_message = "the account logging role is managed by default; no authorizer unless CUSTOM"
  }

  assert {
    condition     = output.connections_url == "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/live"
    error_message = "connections_url must be the https management endpoint of the stage"
  }
}

run "connect_route_throttling_and_custom_authorizer" {
  command = plan

  variables {
    connect_throttling            = { rate_limit = 50, burst_limit = 20 }
    connect_authorization_type    = "CUSTOM"
    connect_authorizer_lambda_arn = "arn:aws:lambda:us-east-1:111122223333:function:ws-authorizer"
    manage_api_gateway_account    = false
    lambda_vpc_config = {
      subnet_ids         = ["subnet-0123456789abcdef0"]
      security_group_ids = ["sg-0123456789abcdef0"]
    }
  }

  assert {
    condition     = one([for s in aws_apigatewayv2_stage.this.route_settings : s if s.route_key == "$connect"]).throttling_rate_limit == 50
    error_message = "$connect must get its own, tighter throttling"
  }

  assert {
    condition     = aws_apigatewayv2_route.connect.authorization_type == "CUSTOM" && length(aws_apigatewayv2_authorizer.connect) == 1
    error_message = "a CUSTOM $connect must use the REQUEST authorizer"
  }

  assert {
    condition     = length(aws_api_gateway_account.this) == 0
    error_message = "manage_api_gateway_account = false must leave the account setting alone"
  }

  assert {
    condition     = length(aws_lambda_function.connections.vpc_config) == 1
    error_message = "lambda_vpc_config must attach the Lambda to the VPC"
  }
}

run "rejects_zero_rate_limit" {
  command = plan

  variables {
    throttling_rate_limit = 0
  }

  expect_failures = [var.throttling_rate_limit]
}

run "rejects_negative_burst_limit" {
  command = plan

  variables {
    throttling_burst_limit = -1
  }

  expect_failures = [var.throttling_burst_limit]
}

run "rejects_rate_above_account_limit" {
  command = plan

  variables {
    throttling_rate_limit = 20000
  }

  expect_failures = [var.throttling_rate_limit]
}

run "rejects_zero_connect_throttling" {
  command = plan

  variables {
    connect_throttling = { rate_limit = 0, burst_limit = 10 }
  }

  expect_failures = [var.connect_throttling]
}

run "rejects_custom_authorization_without_authorizer" {
  command = plan

  variables {
    connect_authorization_type = "CUSTOM"
  }

  expect_failures = [var.connect_authorizer_lambda_arn]
}

run "rejects_lambda_timeout_beyond_api_gateway" {
  command = plan

  variables {
    lambda_timeout_seconds = 30
  }

  expect_failures = [var.lambda_timeout_seconds]
}

run "rejects_invalid_log_retention" {
  command = plan

  variables {
    log_retention_days = 10
  }

  expect_failures = [var.log_retention_days]
}
