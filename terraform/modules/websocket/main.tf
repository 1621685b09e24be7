# Real-time path, decoupled from the HTTP path (ALB -> ECS):
#
#   client --wss--> API Gateway WebSocket API --$connect/$disconnect--> Lambda --> DynamoDB (connection ids, TTL)
#                                             --$default------------> Lambda --> SQS (+DLQ) --> ECS workers
#   ECS workers --POST @connections/{id}--> API Gateway management API --> client

resource "aws_apigatewayv2_api" "this" {
  name                       = "${var.name}-websocket"
  description                = "Real-time WebSocket API (${var.name})"
  protocol_type              = "WEBSOCKET"
  route_selection_expression = var.route_selection_expression

  tags = var.tags
}

resource "aws_apigatewayv2_integration" "lambda" {
  api_id                    = aws_apigatewayv2_api.this.id
  integration_type          = "AWS_PROXY"
  integration_method        = "POST"
  integration_uri           = aws_lambda_function.connections.invoke_arn
  content_handling_strategy = "CONVERT_TO_TEXT"
}

resource "aws_apigatewayv2_authorizer" "connect" {
  count = var.connect_authorization_type == "CUSTOM" ? 1 : 0

  api_id           = aws_apigatewayv2_api.this.id
  name             = "${var.name}-connect"
  authorizer_type  = "REQUEST"
  authorizer_uri   = "arn:${data.aws_partition.current.partition}:apigateway:${local.region}:lambda:path/2015-03-31/functions/${var.connect_authorizer_lambda_arn}/invocations"
  identity_sources = var.connect_authorizer_identity_sources
}

resource "aws_lambda_permission" "authorizer" {
  count = var.connect_authorization_type == "CUSTOM" ? 1 : 0

  statement_id  = "AllowApiGatewayAuthorizer-${var.name}-websocket"
  action        = "lambda:InvokeFunction"
  function_name = var.connect_authorizer_lambda_arn
  principal     = "apigateway.amazonaws.com"
  source_arn    = "${aws_apigatewayv2_api.this.execution_arn}/authorizers/${aws_apigatewayv2_authorizer.connect[0].id}"
}

resource "aws_apigatewayv2_route" "connect" {
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "$connect"
  operation_name     = "Connect"
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type = var.connect_authorization_type
  authorizer_id      = var.connect_authorization_type == "CUSTOM" ? aws_apigatewayv2_authorizer.connect[0].id : null
}

resource "aws_apigatewayv2_route" "disconnect" {
  #checkov:skip=CKV_AWS_309:WebSocket APIs authorize on $connect only; $disconnect cannot take an authorizer
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "$disconnect"
  operation_name     = "Disconnect"
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type = "NONE"
}

resource "aws_apigatewayv2_route" "default" {
  #checkov:skip=CKV_AWS_309:WebSocket APIs authorize on $connect only; messages travel on the authorized connection
  api_id             = aws_apigatewayv2_api.this.id
  route_key          = "$default"
  operation_name     = "Message"
  target             = "integrations/${aws_apigatewayv2_integration.lambda.id}"
  authorization_type = "NONE"
}

# WebSocket stages do not auto-deploy: redeploy whenever a route or integration changes.
resource "aws_apigatewayv2_deployment" "this" {
  api_id      = aws_apigatewayv2_api.this.id
  description = "Routes and integrations of ${var.name}-websocket"

  # What the deployed API is made of, as configured: hashing whole resources would also take in attributes the
  # service computes and may answer differently on a refresh, and replace the deployment on a plan that
  # changes nothing.
  triggers = {
    redeployment = sha1(jsonencode({
      integration = {
        for k in ["integration_type", "integration_method", "integration_uri", "content_handling_strategy"] :
        k => aws_apigatewayv2_integration.lambda[k]
      }
      routes = {
        for r in [aws_apigatewayv2_route.connect, aws_apigatewayv2_route.disconnect, aws_apigatewayv2_route.default] :
        r.route_key => [r.target, r.operation_name, r.authorization_type, r.authorizer_id]
      }
      authorizers = [for a in aws_apigatewayv2_authorizer.connect : [a.authorizer_type, a.authorizer_uri, a.identity_sources]]
    }))
  }

  lifecycle {
    create_before_destroy = true
  }

  depends_on = [
    aws_apigatewayv2_route.connect,
    aws_apigatewayv2_route.disconnect,
    aws_apigatewayv2_route.default,
  ]
}

resource "aws_cloudwatch_log_group" "access" {
  name              = "/aws/apigateway/${var.name}-websocket/access"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = var.tags

  depends_on = [aws_kms_key_policy.this]
}

resource "aws_apigatewayv2_stage" "this" {
  #checkov:skip=CKV2_AWS_51:a stage client certificate authenticates API Gateway to HTTP backends; the only integration is a Lambda invoked through IAM
  api_id        = aws_apigatewayv2_api.this.id
  name          = var.stage_name
  description   = "WebSocket stage with throttling (load shedding) and access logs"
  deployment_id = aws_apigatewayv2_deployment.this.id

  # Load shedding: beyond these limits API Gateway answers 429 before anything downstream is touched.
  default_route_settings {
    throttling_rate_limit    = var.throttling_rate_limit
    throttling_burst_limit   = var.throttling_burst_limit
    logging_level            = var.execution_logging_level
    data_trace_enabled       = false
    detailed_metrics_enabled = true
  }

  dynamic "route_settings" {
    for_each = var.connect_throttling == null ? [] : [var.connect_throttling]
    content {
      route_key                = aws_apigatewayv2_route.connect.route_key
      throttling_rate_limit    = route_settings.value.rate_limit
      throttling_burst_limit   = route_settings.value.burst_limit
      logging_level            = var.execution_logging_level
      detailed_metrics_enabled = true
    }
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access.arn
    format = jsonencode({
      requestId        = "$context.requestId"
      extendedId       = "$context.extendedRequestId"
      connectionId     = "$context.connectionId"
      routeKey         = "$context.routeKey"
      eventType        = "$context.eventType"
      status           = "$context.status"
      requestTime      = "$context.requestTimeEpoch"
      ip               = "$context.identity.sourceIp"
      integrationError = "$context.integrationErrorMessage"
      authorizerError  = "$context.authorizer.error"
      latencyMs        = "$context.integrationLatency"
    })
  }

  tags = var.tags

  depends_on = [aws_api_gateway_account.this]
}

# API Gateway writes WebSocket logs with the account-wide (per region) CloudWatch role.
data "aws_iam_policy_document" "apigateway_assume" {
  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["apigateway.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "apigateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  name_prefix        = "${substr(var.name, 0, 24)}-apigw-logs-"
  description        = "API Gateway account role: pushes API logs to CloudWatch Logs"
  assume_role_policy = data.aws_iam_policy_document.apigateway_assume.json

  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "apigateway_logs" {
  count = var.manage_api_gateway_account ? 1 : 0

  role       = aws_iam_role.apigateway_logs[0].name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
}

resource "aws_api_gateway_account" "this" {
  count = var.manage_api_gateway_account ? 1 : 0

  cloudwatch_role_arn = aws_iam_role.apigateway_logs[0].arn

  depends_on = [aws_iam_role_policy_attachment.apigateway_logs]
}
