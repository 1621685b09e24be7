"""WebSocket connection management for the API Gateway WebSocket API (modules/websocket).

Routes:
  $connect     store the connection id in DynamoDB with a TTL (expiresAt)
  $disconnect  delete the connection id
  $default     forward the message to SQS for the ECS workers, who answer through the
               API Gateway management API (POST @connections/{connectionId})

Configuration (environment): CONNECTIONS_TABLE, QUEUE_URL, CONNECTION_TTL_SECONDS.
Only the standard library and boto3 (part of the Lambda Python runtime) are used.
"""
import json
import logging
import os
import time

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

_clients = {}


def _client(name):
    """boto3 clients, created once per execution environment (tests put fakes in _clients)."""
    if name not in _clients:
        import boto3  # imported lazily so the module loads without boto3 in unit tests

        _clients[name] = boto3.client(name)
    return _clients[name]


def _connect(ctx, now):
    ttl = int(os.environ.get("CONNECTION_TTL_SECONDS", "7200"))
    item = {
        "connectionId": {"S": ctx["connectionId"]},
        "connectedAt": {"N": str(now)},
        "expiresAt": {"N": str(now + ttl)},
    }
    source_ip = ctx.get("identity", {}).get("sourceIp")
    if source_ip:
        item["sourceIp"] = {"S": source_ip}
    _client("dynamodb").put_item(TableName=os.environ["CONNECTIONS_TABLE"], Item=item)


def _disconnect(ctx):
    _client("dynamodb").delete_item(
        TableName=os.environ["CONNECTIONS_TABLE"],
        Key={"connectionId": {"S": ctx["connectionId"]}},
    )


def _forward(event, ctx, now):
    body = event.get("body")
    if event.get("isBase64Encoded"):
        encoding = "base64"
    else:
        encoding = "text"
    message = {
        "connectionId": ctx["connectionId"],
        "routeKey": ctx["routeKey"],
        "requestId": ctx.get("requestId"),
        "domainName": ctx.get("domainName"),
        "stage": ctx.get("stage"),
        "receivedAt": now,
        "encoding": encoding,
        "body": body if body is not None else "",
    }
    _client("sqs").send_message(
        QueueUrl=os.environ["QUEUE_URL"],
        MessageBody=json.dumps(message, separators=(",", ":")),
        MessageAttributes={
            "connectionId": {"DataType": "String", "StringValue": ctx["connectionId"]},
        },
    )


def handler(event, context):
    ctx = event["requestContext"]
    route = ctx["routeKey"]
    now = int(time.time())
    if route == "$connect":
        _connect(ctx, now)
    elif route == "$disconnect":
        _disconnect(ctx)
    else:
        _forward(event, ctx, now)
    logger.info(json.dumps({"route": route, "connectionId": ctx["connectionId"]}))
    return {"statusCode": 200}
