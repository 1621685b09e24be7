"""4. Request fields moto 5.2.5 accepts and never answers back, kept and put back into its answers."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .common import Response, json_default

if TYPE_CHECKING:
    from .front import SandboxFront


class DroppedFields:
    """Request fields moto 5.2.5 accepts and never answers back, kept here and put back into the answers that
    describe the resource, so the provider's refresh after an apply sees what it set (a re-plan of the bundled
    stacks is clean, as it is on AWS): ECS task definitions' enableFaultInjection; ECS services'
    healthCheckGracePeriodSeconds, enableECSManagedTags and availabilityZoneRebalancing (AWS answers
    ENABLED for a new service that does not set it)."""

    ECS = "AmazonEC2ContainerServiceV20141113."
    TASK_DEFINITION_FIELDS = ("enableFaultInjection",)
    SERVICE_FIELDS = ("healthCheckGracePeriodSeconds", "enableECSManagedTags", "availabilityZoneRebalancing")
    SERVICE_DEFAULTS = {"availabilityZoneRebalancing": "ENABLED", "enableECSManagedTags": False}

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.kept: dict[str, dict[str, Any]] = {}  # resource ARN -> fields

    def reset(self) -> None:
        self.kept.clear()

    def handles(self, target: str) -> bool:
        return target.removeprefix(self.ECS) in (
            "RegisterTaskDefinition", "DescribeTaskDefinition", "CreateService", "UpdateService", "DescribeServices"
        ) and target.startswith(self.ECS)

    def handle(self, environ: dict, body: bytes) -> Response:
        op = environ.get("HTTP_X_AMZ_TARGET", "").removeprefix(self.ECS)
        status, headers, out = self.front.call_moto(environ, body)
        if status != 200:
            return Response(status, out, list(headers.items()))
        request = json.loads(body or b"{}")
        answer = json.loads(out or b"{}")
        with self.front.lock:
            if op == "RegisterTaskDefinition":
                self.keep(answer.get("taskDefinition"), "taskDefinitionArn", request, self.TASK_DEFINITION_FIELDS, {})
            elif op in ("CreateService", "UpdateService"):
                defaults = self.SERVICE_DEFAULTS if op == "CreateService" else {}
                self.keep(answer.get("service"), "serviceArn", request, self.SERVICE_FIELDS, defaults)
            self.put_back(answer.get("taskDefinition"), "taskDefinitionArn")
            for service in [answer.get("service"), *(answer.get("services") or [])]:
                self.put_back(service, "serviceArn")
        return Response(200, json.dumps(answer, default=json_default).encode(), list(headers.items()))

    def put_back(self, item: dict | None, arn_key: str) -> None:
        if item and item.get(arn_key) in self.kept:
            item.update(self.kept[item[arn_key]])

    def keep(self, item: dict | None, arn_key: str, request: dict, fields: tuple, defaults: dict) -> None:
        if not item or not item.get(arn_key):
            return
        kept = self.kept.setdefault(item[arn_key], dict(defaults))
        kept.update({f: request[f] for f in fields if f in request})
