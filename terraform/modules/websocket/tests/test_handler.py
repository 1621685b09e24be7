"""Unit tests of lambda/handler.py with fake clients (stdlib only).

Run: python3 -m unittest discover -s terraform/modules/websocket/tests -p 'test_*.py'
"""
import json
import os
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lambda"))
import handler  # noqa: E402


class FakeDynamo:
    def __init__(self):
        self.items = {}

    def put_item(self, TableName, Item):
        self.items[Item["connectionId"]["S"]] = (TableName, Item)

    def delete_item(self, TableName, Key):
        self.items.pop(Key["connectionId"]["S"], None)


class FakeSqs:
    def __init__(self):
        self.sent = []

    def send_message(self, QueueUrl, MessageBody, MessageAttributes):
        self.sent.append((QueueUrl, json.loads(MessageBody), MessageAttributes))


def event(route, body=None):
    return {
        "requestContext": {
            "routeKey": route,
            "connectionId": "abc123=",
            "requestId": "req-1",
            "domainName": "x.execute-api.us-east-1.amazonaws.com",
            "stage": "live",
            "identity": {"sourceIp": "203.0.113.9"},
        },
        "body": body,
        "isBase64Encoded": False,
    }


class HandlerTest(unittest.TestCase):
    def setUp(self):
        os.environ.update(CONNECTIONS_TABLE="conns", QUEUE_URL="https://sqs/q", CONNECTION_TTL_SECONDS="60")
        self.dynamo, self.sqs = FakeDynamo(), FakeSqs()
        handler._clients.clear()
        handler._clients.update(dynamodb=self.dynamo, sqs=self.sqs)

    def test_connect_stores_connection_with_ttl(self):
        self.assertEqual(handler.handler(event("$connect"), None), {"statusCode": 200})
        table, item = self.dynamo.items["abc123="]
        self.assertEqual(table, "conns")
        self.assertEqual(int(item["expiresAt"]["N"]) - int(item["connectedAt"]["N"]), 60)

    def test_disconnect_deletes_connection(self):
        handler.handler(event("$connect"), None)
        handler.handler(event("$disconnect"), None)
        self.assertEqual(self.dynamo.items, {})

    def test_default_forwards_message_to_sqs(self):
        handler.handler(event("$default", '{"action":"chat","text":"hi"}'), None)
        [(url, body, attrs)] = self.sqs.sent
        self.assertEqual(url, "https://sqs/q")
        self.assertEqual(body["connectionId"], "abc123=")
        self.assertEqual(body["body"], '{"action":"chat","text":"hi"}')
        self.assertEqual(attrs["connectionId"]["StringValue"], "abc123=")
        self.assertEqual(self.dynamo.items, {})


if __name__ == "__main__":
    unittest.main()
