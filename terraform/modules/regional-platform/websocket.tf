# Real-time path, in every region and decoupled from the HTTP path (ALB -> ECS):
#   client --wss--> API Gateway WebSocket (stage throttling) --> Lambda --> SQS --> ECS workers
#   ECS workers --POST @connections/<id>--> client
# The worker services (websocket_worker_services) get the worker policy on their task role and the queue and
# management URLs in their environment (through the extension locals in main.tf).

module "websocket" {
  source = "../websocket"

  name                   = var.name
  throttling_rate_limit  = var.websocket_throttling_rate_limit
  throttling_burst_limit = var.websocket_throttling_burst_limit
  connect_throttling     = var.websocket_connect_throttling
  log_retention_days     = var.log_retention_days

  tags = var.tags
}

resource "aws_iam_role_policy" "websocket_worker" {
  for_each = toset(var.websocket_worker_services)

  name   = "websocket-worker"
  role   = module.ecs.task_role_names[each.key]
  policy = module.websocket.worker_policy_json
}

locals {
  # Read by main.tf's extension local extra_service_environment.
  websocket_service_environment = { for svc in var.websocket_worker_services : svc => {
    WEBSOCKET_QUEUE_URL       = module.websocket.queue_url
    WEBSOCKET_CONNECTIONS_URL = module.websocket.connections_url
  } }
}
