"""9. Amazon ECS service deployments: the ECS API answered here (CreateService / UpdateService /
DescribeServices with the new fields, the service deployment and revision operations) and the ECS
control endpoints.
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any, Callable

from .common import (
    AwsError,
    Response,
    answer_json_operation,
    aws_json,
    env_float,
    json_default,
    json_response,
)
from .ecs_deployment_run import (
    ECS_HOOK_STAGES,
    ECS_STRATEGIES,
    ECS_TARGET,
    NATIVE_STRATEGIES,
    ServiceDeploymentProgress,
    ServiceDeploymentRun,
)

if TYPE_CHECKING:
    from .front import SandboxFront


class EcsServiceDeployments(ServiceDeploymentProgress):
    """Amazon ECS service deployments with the blue/green, canary and linear strategies of the ECS deployment
    controller (deploymentConfiguration.strategy, 2025), which moto 5.2.5 does not know: it drops the new
    fields (strategy, bakeTimeInMinutes, canaryConfiguration, linearConfiguration, lifecycleHooks, and the
    loadBalancers' advancedConfiguration) and has no service deployments or revisions.

    CreateService / UpdateService / DescribeServices go to moto as before (through DroppedFields); for a
    service that uses the new fields, the fields are kept and put back into the answers, with
    currentServiceDeployment and currentServiceRevisions. A service created with one of these strategies gets its
    first deployment (no source revision; PRE_SCALE_UP .. POST_SCALE_UP). UpdateService of such a service (or
    one that sets such a strategy) with another task definition, or forceNewDeployment, starts a service
    deployment: PENDING, then IN_PROGRESS through the lifecycle stages [RECONCILE_SERVICE, when more than one
    revision is active, as after a stopped deployment] PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP,
    TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT (blue/green: all at once; canary:
    canaryPercent, canaryBakeTimeInMinutes, then the rest; linear: stepPercent steps, stepBakeTimeInMinutes
    after each but the last), POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (bakeTimeInMinutes), CLEAN_UP, then
    SUCCESSFUL. The production listener rule's forward action (moto's ELBv2 rule) carries both target groups,
    weighted as the shift goes (the green one is the target group that does not carry the traffic when the
    deployment starts: the primary and the alternate take turns), the test listener rule all-green from
    TEST_TRAFFIC_SHIFT; the service revisions' requestedProductionTrafficWeight / requestedTestTrafficWeight
    say the same. moto's service takes the new task definition (its `deployments` show the new PRIMARY and the
    old ACTIVE one until CLEAN_UP).

    Failures: an alarm of deploymentConfiguration.alarms (enable) in ALARM in moto's CloudWatch between the
    start and CLEAN_UP triggers (alarms.status TRIGGERED, triggeredAlarmNames) and, with alarms.rollback, rolls
    back (ROLLBACK_IN_PROGRESS: traffic back to the source revision, then ROLLBACK_SUCCESSFUL), else stops
    (STOPPED); a lifecycle hook made to fail (POST /_sandbox/ecs/fail-hook) rolls back. StopServiceDeployment
    ROLLBACK: ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL; ABORT: STOP_REQUESTED, STOPPED
    (traffic left where it is). A new deployment stops the one in progress (STOPPED) and reconciles.
    AWS_LAMBDA hooks are not invoked: they succeed when their stage ends, unless made to fail. PAUSE hooks wait
    for ContinueServiceDeployment (CONTINUE or ROLLBACK) or their timeoutConfiguration.

    Answered here: DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions,
    StopServiceDeployment, ContinueServiceDeployment. Timing: PD_SANDBOX_ECS_SPEED (default 60: one
    config-minute passes in one second), or POST /_sandbox/ecs/speed for deployments created afterwards.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.speed = max(0.001, env_float("PD_SANDBOX_ECS_SPEED", 60.0))
        self.initial_speed = self.speed
        self.runs: dict[str, ServiceDeploymentRun] = {}
        self.revisions: dict[str, dict] = {}
        self.services: dict[str, dict] = {}  # service ARN -> kept configuration, active revisions
        self.armed: dict[str, dict[str, str]] = {}  # service ARN -> hook stage -> message, for its next deployment
        self.handlers: dict[str, Callable[[dict, dict], Response]] = {
            "CreateService": self.create_service,
            "UpdateService": self.update_service,
            "DescribeServices": self.describe_services,
            "DeleteService": self.delete_service,
            "DescribeServiceDeployments": self.describe_service_deployments,
            "ListServiceDeployments": self.list_service_deployments,
            "DescribeServiceRevisions": self.describe_service_revisions,
            "StopServiceDeployment": self.stop_service_deployment,
            "ContinueServiceDeployment": self.continue_service_deployment,
        }
        threading.Thread(target=self.ticker, name="ecs-deployments-ticker", daemon=True).start()

    def reset(self) -> None:
        self.runs.clear()
        self.revisions.clear()
        self.services.clear()
        self.armed.clear()
        self.speed = self.initial_speed

    # -- plumbing ------------------------------------------------------------------------------------------

    def handles(self, target: str) -> bool:
        return target.startswith(ECS_TARGET) and target[len(ECS_TARGET):] in self.handlers

    def handle(self, environ: dict, raw: bytes) -> Response:
        op = environ.get("HTTP_X_AMZ_TARGET", "")[len(ECS_TARGET):]
        return answer_json_operation(self.front, self.tick, self.handlers[op], environ, raw)

    @staticmethod
    def ecs(account: str, region: str) -> Any:
        from moto.ecs.models import ecs_backends

        return ecs_backends[account][region]

    def moto_service(self, account: str, region: str, cluster: str | None, service: str | None) -> Any:
        """moto's service, or None when the cluster or the service does not exist (moto then answers)."""
        from moto.core.exceptions import JsonRESTError, ServiceException

        if not service:
            return None
        try:
            return self.ecs(account, region)._get_service(cluster or "default", service)
        except (JsonRESTError, ServiceException):
            return None

    def pass_on(self, ctx: dict) -> tuple[Response, dict | None]:
        """moto's answer, through DroppedFields (which keeps the fields moto drops), and its JSON when 200."""
        resp = self.front.dropped.handle(ctx["environ"], ctx["raw"])
        if resp.status != 200:
            return resp, None
        return resp, json.loads(resp.body or b"{}")

    @staticmethod
    def answer(resp: Response, obj: dict) -> Response:
        return Response(200, json.dumps(obj, default=json_default).encode(), resp.headers)

    def ticker(self) -> None:
        while True:
            time.sleep(0.1)
            try:
                with self.front.lock:
                    self.tick()
            except Exception:
                traceback.print_exc()

    # -- the service's configuration -----------------------------------------------------------------------

    @staticmethod
    def uses_new_fields(config: dict | None, lbs: list | None) -> bool:
        config = config or {}
        keys = ("strategy", "bakeTimeInMinutes", "lifecycleHooks", "canaryConfiguration", "linearConfiguration")
        return any(k in config for k in keys) or any(isinstance(lb, dict) and lb.get("advancedConfiguration") for lb in lbs or [])

    @staticmethod
    def validate(config: dict, lbs: list, controller: str) -> None:
        def bad(message: str) -> AwsError:
            return AwsError("InvalidParameterException", message)

        strategy = config.get("strategy") or "ROLLING"
        if strategy not in ECS_STRATEGIES:
            raise bad(f"Invalid deployment strategy '{strategy}'. Valid values: {', '.join(ECS_STRATEGIES)}.")
        if strategy not in NATIVE_STRATEGIES:
            return
        if controller != "ECS":
            raise bad(f"The {strategy} deployment strategy is only supported with the ECS deployment controller.")

        def minutes(value: Any, name: str) -> None:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1440):
                raise bad(f"{name} must be an integer between 0 and 1440.")

        def percent(value: Any, name: str, low: float) -> None:
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= 100.0):
                raise bad(f"{name} must be between {low} and 100.0.")

        minutes(config.get("bakeTimeInMinutes"), "bakeTimeInMinutes")
        canary = config.get("canaryConfiguration") or {}
        linear = config.get("linearConfiguration") or {}
        percent(canary.get("canaryPercent"), "canaryConfiguration.canaryPercent", 0.1)
        minutes(canary.get("canaryBakeTimeInMinutes"), "canaryConfiguration.canaryBakeTimeInMinutes")
        percent(linear.get("stepPercent"), "linearConfiguration.stepPercent", 3.0)
        minutes(linear.get("stepBakeTimeInMinutes"), "linearConfiguration.stepBakeTimeInMinutes")
        for hook in config.get("lifecycleHooks") or []:
            stages = hook.get("lifecycleStages") or []
            kind = hook.get("targetType") or "AWS_LAMBDA"
            if not stages:
                raise bad("lifecycleStages must be specified for a deployment lifecycle hook.")
            for stage in stages:
                if stage not in ECS_HOOK_STAGES:
                    raise bad(f"Invalid lifecycle stage '{stage}'. Valid values: {', '.join(ECS_HOOK_STAGES)}.")
                if kind == "PAUSE" and stage in ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"):
                    raise bad(f"PAUSE lifecycle hooks cannot be configured at the {stage} stage.")
            if kind == "AWS_LAMBDA" and not (hook.get("hookTargetArn") and hook.get("roleArn")):
                raise bad("hookTargetArn and roleArn must be specified for an AWS_LAMBDA lifecycle hook.")
            if kind not in ("AWS_LAMBDA", "PAUSE"):
                raise bad(f"Invalid lifecycle hook targetType '{kind}'.")
        for lb in lbs or []:
            adv = lb.get("advancedConfiguration")
            if not adv:
                raise bad(
                    f"advancedConfiguration must be specified for each load balancer of a service that uses the {strategy} "
                    "deployment strategy."
                )
            for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
                if not adv.get(key):
                    raise bad(f"advancedConfiguration.{key} must be specified for the {strategy} deployment strategy.")

    @staticmethod
    def effective_config(config: dict) -> dict:
        """The deployment configuration a deployment runs with, AWS's defaults filled in."""
        out: dict[str, Any] = {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        }
        out.update(json.loads(json.dumps(config)))
        strategy = out.get("strategy") or "ROLLING"
        out["strategy"] = strategy
        if strategy == "CANARY":
            out["canaryConfiguration"] = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10, **(config.get("canaryConfiguration") or {})}
        if strategy == "LINEAR":
            out["linearConfiguration"] = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6, **(config.get("linearConfiguration") or {})}
        return out

    def keep(self, service: Any, config: dict, lbs: list | None) -> dict:
        state = self.services.get(service.arn)
        if state is None:
            state = self.services[service.arn] = {
                "account": service._account_id,
                "region": service.region_name,
                "cluster": service.cluster_name,
                "clusterArn": service.cluster_arn,
                "service": service.name,
                "config": {},
                "loadBalancers": None,
                "revisions": [],
                "current": None,
            }
        state["config"] = config
        if lbs is not None:
            state["loadBalancers"] = lbs
        return state

    def put_back(self, item: dict | None) -> None:
        """The kept fields into a service in an answer, with its current deployment and revisions."""
        if not item or item.get("serviceArn") not in self.services:
            return
        state = self.services[item["serviceArn"]]
        config = dict(item.get("deploymentConfiguration") or {})
        config.update(state["config"])
        item["deploymentConfiguration"] = config
        if state["loadBalancers"] is not None:
            item["loadBalancers"] = state["loadBalancers"]
        if state["current"]:
            item["currentServiceDeployment"] = state["current"]
        run = self.runs.get(state["current"] or "")
        revisions = []
        for arn in state["revisions"]:
            summary = self.revision_summary(run, arn) if run else {"arn": arn}
            revisions.append(
                {k: summary.get(k, 0) for k in ("arn", "requestedTaskCount", "runningTaskCount", "pendingTaskCount")}
            )
        if revisions:
            item["currentServiceRevisions"] = revisions

    # -- service operations --------------------------------------------------------------------------------

    def create_service(self, ctx: dict, body: dict) -> Response:
        config = body.get("deploymentConfiguration") or {}
        lbs = body.get("loadBalancers")
        if not self.uses_new_fields(config, lbs):
            return self.front.dropped.handle(ctx["environ"], ctx["raw"])
        controller = (body.get("deploymentController") or {}).get("type") or "ECS"
        self.validate(config, lbs or [], controller)
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        item = answer.get("service") or {}
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), item.get("serviceName"))
        if service is not None:
            state = self.keep(service, dict(config), lbs)
            td = service.task_definition
            if config.get("strategy") in NATIVE_STRATEGIES and controller == "ECS" and td:
                self.start(state, service, None, td, time.time(), initial=True)
            self.put_back(item)
        return self.answer(resp, answer)

    def update_service(self, ctx: dict, body: dict) -> Response:
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), body.get("service"))
        given = body.get("deploymentConfiguration")
        lbs = body.get("loadBalancers")
        if service is None or (service.arn not in self.services and not self.uses_new_fields(given, lbs)):
            return self.front.dropped.handle(ctx["environ"], ctx["raw"])  # moto's own update (or its error)
        state = self.services.get(service.arn) or {}
        config = dict(state.get("config") or {})
        if given is not None:
            config.update(given)
        effective_lbs = lbs if lbs is not None else (state.get("loadBalancers") or [])
        controller = (service.deployment_controller or {}).get("type") or "ECS"
        self.validate(config, effective_lbs, controller)
        ecs = self.ecs(ctx["account"], ctx["region"])
        try:
            source_td = self.td_arn(ecs, service.task_definition)
        except Exception:
            source_td = service.task_definition
        target_td = source_td
        if body.get("taskDefinition"):
            target_td = self.td_arn(ecs, body["taskDefinition"])  # ClientException for an unknown one
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        state = self.keep(service, config, lbs)
        if target_td:
            service.task_definition = target_td  # moto keeps the name the request gave (web:2)
        native = config.get("strategy") in NATIVE_STRATEGIES and controller == "ECS"
        if native and target_td and (target_td != source_td or body.get("forceNewDeployment")):
            self.start(state, service, source_td, target_td, time.time())
        item = answer.get("service") or {}
        item["taskDefinition"] = service.task_definition
        item["deployments"] = [
            {k: v for k, v in d.items() if v is not None} for d in json.loads(json.dumps(service.deployments, default=json_default))
        ]
        self.put_back(item)
        return self.answer(resp, answer)

    def describe_services(self, ctx: dict, body: dict) -> Response:
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        for item in answer.get("services") or []:
            self.put_back(item)
        return self.answer(resp, answer)

    def delete_service(self, ctx: dict, body: dict) -> Response:
        """AWS deletes a service's deployments with the service."""
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), body.get("service"))
        status, headers, out = self.front.call_moto(ctx["environ"], ctx["raw"])
        if status == 200 and service is not None:
            self.services.pop(service.arn, None)
            self.armed.pop(service.arn, None)
            for arn in [a for a, r in self.runs.items() if r.service_arn == service.arn]:
                del self.runs[arn]
        return Response(status, out, list(headers.items()))

    @staticmethod
    def td_arn(ecs: Any, td: str | None) -> str | None:
        if not td:
            return None
        return ecs.describe_task_definition(td).arn

    # -- answers -------------------------------------------------------------------------------------------

    def revision_summary(self, run: ServiceDeploymentRun, arn: str) -> dict:
        desired = run.desired
        scale_up = next((i for i, s in enumerate(run.steps) if s["stage"] == "SCALE_UP"), 0)
        rolled_back = run.status in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
        if arn == run.target:
            if run.status == "ROLLBACK_SUCCESSFUL":
                requested, running, pending = 0, 0, 0
            elif run.status == "PENDING" or run.idx < scale_up:
                requested, running, pending = desired, 0, 0
            elif run.idx == scale_up and not run.done:
                requested, running, pending = desired, 0, desired
            else:
                requested, running, pending = desired, desired, 0
            prod, test = (0.0, 0.0) if rolled_back else (run.prod_weight, run.test_weight)
        else:
            first = bool(run.sources) and arn == run.sources[0]
            gone = run.status == "SUCCESSFUL" or (not first and run.status == "ROLLBACK_SUCCESSFUL")
            requested = running = 0 if gone else desired
            pending = 0
            prod = (100.0 - (0.0 if rolled_back else run.prod_weight)) if first else 0.0
            test = (100.0 - (0.0 if rolled_back else run.test_weight)) if first else 0.0
        return {
            "arn": arn,
            "requestedTaskCount": requested,
            "runningTaskCount": running,
            "pendingTaskCount": pending,
            "requestedTestTrafficWeight": float(test),
            "requestedProductionTrafficWeight": float(prod),
        }

    def view(self, run: ServiceDeploymentRun) -> dict:
        breaker = run.config.get("deploymentCircuitBreaker") or {}
        alarms = run.config.get("alarms") or {}
        out: dict[str, Any] = {
            "serviceDeploymentArn": run.arn,
            "serviceArn": run.service_arn,
            "clusterArn": run.cluster_arn,
            "createdAt": run.created,
            "startedAt": run.started,
            "finishedAt": run.finished,
            "stoppedAt": run.stopped,
            "updatedAt": run.updated,
            "sourceServiceRevisions": [self.revision_summary(run, arn) for arn in run.sources],
            "targetServiceRevision": self.revision_summary(run, run.target),
            "status": run.status,
            "statusReason": run.status_reason,
            "lifecycleStage": run.stage,
            "lifecycleHookDetails": [dict(d) for d in run.hook_history] or None,
            "deploymentConfiguration": run.config,
            "rollback": {k: v for k, v in run.rollback.items() if v is not None} if run.rollback else None,
            "deploymentCircuitBreaker": {
                "status": ("MONITORING_COMPLETE" if run.done else "MONITORING") if breaker.get("enable") else "DISABLED",
                "failureCount": 0,
                "threshold": min(200, max(3, math.ceil(0.5 * run.desired))),
            },
            "alarms": {
                "status": run.alarm_status,
                "alarmNames": list(alarms.get("alarmNames") or []) if alarms.get("enable") else [],
                "triggeredAlarmNames": list(run.triggered),
            },
        }
        return {k: v for k, v in out.items() if v is not None}

    def brief(self, run: ServiceDeploymentRun) -> dict:
        out = {
            "serviceDeploymentArn": run.arn,
            "serviceArn": run.service_arn,
            "clusterArn": run.cluster_arn,
            "startedAt": run.started,
            "createdAt": run.created,
            "finishedAt": run.finished,
            "targetServiceRevisionArn": run.target,
            "status": run.status,
            "statusReason": run.status_reason,
        }
        return {k: v for k, v in out.items() if v is not None}

    def run_in(self, ctx: dict, arn: str | None) -> ServiceDeploymentRun | None:
        run = self.runs.get(arn or "")
        if run is None or run.account != ctx["account"] or run.region != ctx["region"]:
            return None
        return run

    @staticmethod
    def arns(body: dict, key: str) -> list[str]:
        arns = body.get(key)
        if not isinstance(arns, list) or not arns:
            raise AwsError("InvalidParameterException", f"{key} must contain between 1 and 20 ARNs.")
        if len(arns) > 20:
            raise AwsError("InvalidParameterException", f"{key} must contain between 1 and 20 ARNs.")
        return arns

    def describe_service_deployments(self, ctx: dict, body: dict) -> Response:
        found, failures = [], []
        for arn in self.arns(body, "serviceDeploymentArns"):
            run = self.run_in(ctx, arn)
            if run is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(self.view(run))
        return aws_json({"serviceDeployments": found, "failures": failures})

    def describe_service_revisions(self, ctx: dict, body: dict) -> Response:
        found, failures = [], []
        for arn in self.arns(body, "serviceRevisionArns"):
            revision = self.revisions.get(arn)
            if revision is None or f":{ctx['region']}:{ctx['account']}:" not in arn:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(revision)
        return aws_json({"serviceRevisions": found, "failures": failures})

    def list_service_deployments(self, ctx: dict, body: dict) -> Response:
        if not body.get("service"):
            raise AwsError("InvalidParameterException", "service must be specified.")
        ecs = self.ecs(ctx["account"], ctx["region"])
        ecs._get_cluster(body.get("cluster") or "default")  # ClusterNotFoundException
        service = ecs._get_service(body.get("cluster") or "default", body["service"])  # ServiceNotFoundException
        statuses = body.get("status") or []
        created = body.get("createdAt") or {}
        runs = [r for r in self.runs.values() if r.service_arn == service.arn and r.account == ctx["account"] and r.region == ctx["region"]]
        if statuses:
            runs = [r for r in runs if r.status in statuses]
        if created.get("after") is not None:
            runs = [r for r in runs if r.created >= float(created["after"])]
        if created.get("before") is not None:
            runs = [r for r in runs if r.created <= float(created["before"])]
        runs.sort(key=lambda r: r.created, reverse=True)
        limit = body.get("maxResults") or 20
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise AwsError("InvalidParameterException", "maxResults must be between 1 and 100.")
        offset = 0
        if body.get("nextToken"):
            try:
                offset = int(json.loads(base64.b64decode(body["nextToken"]))["offset"])
            except Exception:
                raise AwsError("InvalidParameterException", "The nextToken is not valid.")
        page = runs[offset : offset + limit]
        out: dict[str, Any] = {"serviceDeployments": [self.brief(r) for r in page]}
        if offset + limit < len(runs):
            out["nextToken"] = base64.b64encode(json.dumps({"offset": offset + limit}).encode()).decode()
        return aws_json(out)

    def stop_service_deployment(self, ctx: dict, body: dict) -> Response:
        arn = body.get("serviceDeploymentArn") or ""
        if not re.match(r"^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:service-deployment/[^/]+/[^/]+/[^/]+$", arn):
            raise AwsError("InvalidParameterException", f"Invalid service deployment ARN: {arn!r}.")
        stop_type = body.get("stopType") or "ROLLBACK"
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise AwsError("InvalidParameterException", f"Invalid stopType '{stop_type}'. Valid values: ABORT, ROLLBACK.")
        run = self.run_in(ctx, arn)
        if run is None:
            raise AwsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")
        if run.done:
            return aws_json_error_conflict(
                f"The service deployment {arn} cannot be stopped because it is {run.status}.", [arn]
            )
        now = time.time()
        if run.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"):
            return aws_json({"serviceDeploymentArn": arn})  # already stopping: it goes on
        if stop_type == "ROLLBACK":
            self.begin_rollback(run, now, "Service deployment rolled back because of a StopServiceDeployment request.", requested=True)
        else:
            run.status, run.phase_started, run.updated = "STOP_REQUESTED", now, now
            run.status_reason = "Service deployment stopped because of a StopServiceDeployment request."
            run.waiting = None
        return aws_json({"serviceDeploymentArn": arn})

    def continue_service_deployment(self, ctx: dict, body: dict) -> Response:
        arn = body.get("serviceDeploymentArn") or ""
        run = self.run_in(ctx, arn)
        if run is None:
            raise AwsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")
        hook_id, action = body.get("hookId"), body.get("action") or "CONTINUE"
        if action not in ("CONTINUE", "ROLLBACK"):
            raise AwsError("InvalidParameterException", f"Invalid action '{action}'. Valid values: CONTINUE, ROLLBACK.")
        detail = (run.waiting or {}).get("hooks", {}).get(hook_id or "")
        if detail is None or detail["status"] != "AWAITING_ACTION":
            raise AwsError("InvalidParameterException", f"The service deployment {arn} has no lifecycle hook {hook_id} awaiting action.")
        now = time.time()
        if action == "ROLLBACK":
            detail["status"] = "FAILED"
            self.begin_rollback(run, now, f"Rolled back at the {run.step['hook'] if run.step else ''} stage by ContinueServiceDeployment.")
            return aws_json({"serviceDeploymentArn": arn})
        detail["status"] = "SUCCEEDED"
        if all(d["status"] != "AWAITING_ACTION" for d in run.waiting["hooks"].values()):
            run.waiting = None
            self.next_step(run, now)
        return aws_json({"serviceDeploymentArn": arn})

    # -- control -------------------------------------------------------------------------------------------

    def control_fail_hook(self, payload: dict) -> Response:
        stage, arn, service = payload.get("stage"), payload.get("serviceDeploymentArn"), payload.get("service")
        message = payload.get("message") or f"the {stage} lifecycle hook failed (sandbox)"
        if stage not in ECS_HOOK_STAGES:
            return json_response({"error": f"stage must be one of {list(ECS_HOOK_STAGES)}"}, 400)
        with self.front.lock:
            self.tick()
            if arn:
                run = self.runs.get(arn)
                if run is None:
                    return json_response({"error": f"no service deployment {arn}"}, 404)
            else:
                matches = [a for a in self.services if service and (a == service or a.endswith("/" + service))]
                if not matches:
                    return json_response({"error": f"no service {service!r} with a blue/green, canary or linear configuration"}, 404)
                if len(matches) > 1:
                    return json_response({"error": f"{service!r} names more than one service: {matches}; give its ARN"}, 400)
                live = [r for r in self.runs.values() if r.service_arn == matches[0] and not r.done]
                if not live:
                    self.armed.setdefault(matches[0], {})[stage] = message
                    return json_response({"ok": True, "service": matches[0], "stage": stage, "armed": "next deployment"})
                run = max(live, key=lambda r: r.created)
            if run.done or run.status not in ("PENDING", "IN_PROGRESS"):
                return json_response({"error": f"{run.arn} is {run.status}"}, 409)
            hooks = [s["hook"] for s in run.steps]
            if stage not in hooks:
                return json_response({"error": f"{run.arn} has no {stage} stage"}, 400)
            last = max(i for i, h in enumerate(hooks) if h == stage)
            if run.idx > last:
                return json_response({"error": f"the {stage} stage of {run.arn} has already run (now {run.stage})"}, 409)
            run.fail_hooks[stage] = message
            return json_response({"ok": True, "serviceDeploymentArn": run.arn, "stage": stage})

    def control_speed(self, payload: dict) -> Response:
        try:
            speed = float(payload.get("speed"))
        except (TypeError, ValueError):
            return json_response({"error": "speed must be a number"}, 400)
        if speed <= 0:
            return json_response({"error": "speed must be > 0"}, 400)
        with self.front.lock:
            self.speed = speed
        return json_response({"ok": True, "speed": speed})


def aws_json_error_conflict(message: str, resource_ids: list[str]) -> Response:
    return aws_json({"__type": "ConflictException", "message": message, "resourceIds": resource_ids}, 400)
