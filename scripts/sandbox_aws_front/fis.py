"""6. FIS experiments that run."""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import TYPE_CHECKING, Callable

from .common import (
    AwsError,
    Response,
    account_from_environ,
    env_float,
    read_body,
    region_from_environ,
    rest_error,
    rest_json,
    signing_service,
)

if TYPE_CHECKING:
    from .front import SandboxFront


# ---------------------------------------------------------------------------------------------------------
# 6. FIS experiments that run


def iso_seconds(duration: str) -> float:
    """PT1H2M3S -> 3723."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration or "")
    if not m:
        return 60.0
    h, mi, se = (int(g or 0) for g in m.groups())
    return h * 3600.0 + mi * 60.0 + se


class FisExperiments:
    """StartExperiment, GetExperiment, ListExperiments and StopExperiment on moto's experiment templates.

    Time-driven, sped up by PD_SANDBOX_FIS_SPEED (default 60, as CodeDeploy's): pending -> initiating ->
    running for the longest action's `duration` -> completed. A stop condition alarm in ALARM while the
    experiment runs stops it (`stopped`, naming the alarm); StopExperiment stops it; a target that resolves to
    nothing fails it when the template's emptyTargetResolutionMode is `fail` (an ECS task target of a service
    at 0 tasks, as a standby DR service is).
    """

    STEP = 0.5  # seconds spent in pending and in initiating

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.speed = max(0.001, env_float("PD_SANDBOX_FIS_SPEED", 60.0))
        self.experiments: dict[tuple, dict[str, dict]] = {}
        P = r"(?P<id>[^/]+)"
        self.routes = [
            ("POST", re.compile(r"^/experiments/?$"), self.start),
            ("GET", re.compile(r"^/experiments/?$"), self.list),
            ("GET", re.compile(r"^/experiments/%s/?$" % P), self.get),
            ("DELETE", re.compile(r"^/experiments/%s/?$" % P), self.stop),
        ]

    def reset(self) -> None:
        self.experiments.clear()

    def route(self, environ: dict) -> Callable[[], Response] | None:
        if signing_service(environ) != "fis":
            return None
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        for m, rx, fn in self.routes:
            match = rx.match(path)
            if m == method and match:
                return lambda fn=fn, match=match: self.call(fn, environ, match.groupdict())
        return None

    def call(self, fn: Callable[..., Response], environ: dict, args: dict) -> Response:
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return rest_error("ValidationException", "request body is not JSON")
        key = (account_from_environ(environ), region_from_environ(environ))
        try:
            with self.front.lock:
                return fn(key, body, **args)
        except AwsError as err:
            return rest_error(err.code, err.message, err.status)

    # -- the API -------------------------------------------------------------------------------------------

    def start(self, key: tuple, body: dict) -> Response:
        from moto.fis.models import fis_backends

        template_id = body.get("experimentTemplateId", "")
        template = fis_backends[key[0]][key[1]].experiment_templates.get(template_id)
        if template is None:
            raise AwsError("ResourceNotFoundException", f"Experiment template {template_id} not found.", 404)
        experiment_id = "EXP" + uuid.uuid4().hex[:17].upper()
        actions = {
            name: {**a, "state": {"status": "pending", "reason": "Experiment has not started."}}
            for name, a in (template.actions or {}).items()
        }
        duration = max([iso_seconds((a.get("parameters") or {}).get("duration", "PT1M")) for a in actions.values()] or [60])
        now = time.time()
        experiment = {
            "id": experiment_id,
            "arn": f"arn:aws:fis:{key[1]}:{key[0]}:experiment/{experiment_id}",
            "experimentTemplateId": template_id,
            "roleArn": template.role_arn,
            "targets": template.targets or {},
            "actions": actions,
            "stopConditions": template.stop_conditions or [],
            "creationTime": now,
            "startTime": now,
            "tags": body.get("tags") or {},
            "logConfiguration": template.log_configuration,
            "experimentOptions": template.experiment_options or {"emptyTargetResolutionMode": "fail"},
            "state": {"status": "pending", "reason": "Experiment is pending."},
            "_running_seconds": duration / self.speed,
            "_empty_target": self.empty_target(key, template.targets or {}),
        }
        self.experiments.setdefault(key, {})[experiment_id] = experiment
        return rest_json({"experiment": self.view(key, experiment)})

    def get(self, key: tuple, body: dict, id: str) -> Response:
        return rest_json({"experiment": self.view(key, self.find(key, id))})

    def list(self, key: tuple, body: dict) -> Response:
        summaries = []
        for experiment in self.experiments.get(key, {}).values():
            view = self.view(key, experiment)
            summaries.append({k: view[k] for k in ("id", "arn", "experimentTemplateId", "state", "creationTime", "tags")})
        return rest_json({"experiments": summaries})

    def stop(self, key: tuple, body: dict, id: str) -> Response:
        experiment = self.find(key, id)
        view = self.view(key, experiment)
        if view["state"]["status"] in ("pending", "initiating", "running"):
            self.finish(experiment, "stopping", "Experiment is stopping.", time.time())
            experiment["_stopped_by_user"] = time.time()
        return rest_json({"experiment": self.view(key, experiment)})

    # -- the state machine ---------------------------------------------------------------------------------

    def find(self, key: tuple, experiment_id: str) -> dict:
        experiment = self.experiments.get(key, {}).get(experiment_id)
        if experiment is None:
            raise AwsError("ResourceNotFoundException", f"Experiment {experiment_id} not found.", 404)
        return experiment

    def view(self, key: tuple, experiment: dict) -> dict:
        self.advance(key, experiment)
        return {k: v for k, v in experiment.items() if not k.startswith("_") and v is not None}

    def advance(self, key: tuple, experiment: dict) -> None:
        now = time.time()
        status = experiment["state"]["status"]
        if status in ("completed", "stopped", "failed"):
            return
        if status == "stopping":
            if now - experiment.get("_stopped_by_user", now) >= self.STEP:
                self.finish(experiment, "stopped", "Experiment stopped by user.", now)
            return
        elapsed = now - experiment["creationTime"]
        if elapsed < self.STEP:
            return
        if elapsed < 2 * self.STEP:
            experiment["state"] = {"status": "initiating", "reason": "Experiment is initiating."}
            return
        if experiment["_empty_target"]:
            self.finish(experiment, "failed", f"Target resolution returned empty set for target {experiment['_empty_target']}.", now)
            return
        alarm = self.alarm_in_alarm(key, experiment["stopConditions"])
        if alarm:
            self.finish(experiment, "stopped", f"Experiment stopped by a stop condition: {alarm} is in ALARM.", now)
            return
        if elapsed < 2 * self.STEP + experiment["_running_seconds"]:
            experiment["state"] = {"status": "running", "reason": "Experiment is running."}
            for action in experiment["actions"].values():
                action["state"] = {"status": "running", "reason": "Action is running."}
            return
        self.finish(experiment, "completed", "Experiment completed.", now)

    @staticmethod
    def finish(experiment: dict, status: str, reason: str, now: float) -> None:
        experiment["state"] = {"status": status, "reason": reason}
        if status != "stopping":
            experiment["endTime"] = now
        action_status = {"completed": "completed", "failed": "cancelled"}.get(status, status)
        for action in experiment["actions"].values():
            action["state"] = {"status": action_status, "reason": reason}

    @staticmethod
    def alarm_in_alarm(key: tuple, stop_conditions: list[dict]) -> str | None:
        from moto.cloudwatch.models import cloudwatch_backends

        alarms = cloudwatch_backends[key[0]][key[1]].alarms
        for condition in stop_conditions:
            if condition.get("source") != "aws:cloudwatch:alarm":
                continue
            arn = condition.get("value", "")
            alarm = next((a for a in alarms.values() if a.alarm_arn == arn), None)
            if alarm is not None and alarm.state_value == "ALARM":
                return arn
        return None

    @staticmethod
    def empty_target(key: tuple, targets: dict) -> str | None:
        """The name of an ECS task target whose service runs no task (moto runs none: its desired count)."""
        from moto.ecs.models import ecs_backends

        ecs = ecs_backends[key[0]][key[1]]
        for name, target in targets.items():
            if target.get("resourceType") != "aws:ecs:task":
                continue
            params = target.get("parameters") or {}
            cluster, service_name = params.get("cluster"), params.get("service")
            if not cluster or not service_name:
                continue
            service = ecs.services.get(f"{cluster.split('/')[-1]}:{service_name}")  # keyed "<cluster>:<service>"
            if service is None or service.desired_count == 0:
                return name
        return None
