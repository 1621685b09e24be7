"""2. CodeDeploy deployments that progress: the CodeDeploy API answered here (deployment configs, deployment
groups, deployments, deployment targets) and the CodeDeploy control endpoints.
"""

from __future__ import annotations

import json
import threading
import time
import traceback
import uuid
from typing import TYPE_CHECKING, Any, Callable

import yaml

from .codedeploy_rollout import (
    ACTIVE_STATUSES,
    ALL_AT_ONCE,
    DEFAULT_CONFIG_BY_PLATFORM,
    ECS_EVENTS,
    GROUP_FIELDS,
    PREDEFINED_CONFIGS,
    PREDEFINED_CREATE_TIME,
    STEP_SECONDS,
    Rollout,
    RolloutClock,
)
from .common import (
    AwsError,
    Response,
    answer_json_operation,
    aws_json,
    env_float,
    json_response,
    naive_utc,
    read_body,
)

if TYPE_CHECKING:
    from .front import SandboxFront


class CodeDeploySim(RolloutClock):
    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        self.speed = max(0.001, env_float("PD_SANDBOX_CODEDEPLOY_SPEED", 60.0))
        self.rollouts: dict[str, Rollout] = {}
        self.configs: dict[tuple[str, str], dict[str, dict]] = {}  # (account, region) -> name -> info
        self.handlers: dict[str, Callable[[dict, dict], Response]] = {
            "CreateDeploymentConfig": self.create_deployment_config,
            "GetDeploymentConfig": self.get_deployment_config,
            "ListDeploymentConfigs": self.list_deployment_configs,
            "DeleteDeploymentConfig": self.delete_deployment_config,
            "CreateDeploymentGroup": self.create_deployment_group,
            "GetDeploymentGroup": self.get_deployment_group,
            "BatchGetDeploymentGroups": self.batch_get_deployment_groups,
            "UpdateDeploymentGroup": self.update_deployment_group,
            "DeleteDeploymentGroup": self.delete_deployment_group,
            "DeleteApplication": self.delete_application,
            "CreateDeployment": self.create_deployment,
            "GetDeployment": self.get_deployment,
            "BatchGetDeployments": self.batch_get_deployments,
            "ListDeployments": self.list_deployments,
            "StopDeployment": self.stop_deployment,
            "ContinueDeployment": self.continue_deployment,
            "ListDeploymentTargets": self.list_deployment_targets,
            "GetDeploymentTarget": self.get_deployment_target,
            "BatchGetDeploymentTargets": self.batch_get_deployment_targets,
        }
        self.initial_speed = self.speed
        threading.Thread(target=self.ticker, name="codedeploy-ticker", daemon=True).start()

    def reset(self) -> None:
        self.rollouts.clear()
        self.configs.clear()
        self.speed = self.initial_speed

    # -- plumbing ------------------------------------------------------------------------------------------

    def handle(self, op: str, environ: dict) -> Response:
        return answer_json_operation(self.front, self.tick, self.handlers[op], environ, read_body(environ))

    def backend(self, account: str, region: str) -> Any:
        from moto.codedeploy.models import codedeploy_backends

        return codedeploy_backends[account][region]

    def pass_to_moto(self, ctx: dict) -> tuple[int, dict]:
        status, _, out = self.front.call_moto(ctx["environ"], ctx["raw"])
        try:
            return status, json.loads(out) if out.strip() else {}
        except ValueError:
            raise AwsError("InternalFailure", f"moto answered HTTP {status}: {out[:300]!r}", 500)

    def ticker(self) -> None:
        while True:
            time.sleep(0.1)
            try:
                with self.front.lock:
                    self.tick()
            except Exception:
                traceback.print_exc()

    # -- deployment configs --------------------------------------------------------------------------------

    def find_config(self, account: str, region: str, name: str) -> dict | None:
        if name in PREDEFINED_CONFIGS:
            info = dict(PREDEFINED_CONFIGS[name])
            info["deploymentConfigName"] = name
            info["deploymentConfigId"] = str(uuid.uuid5(uuid.NAMESPACE_URL, name))
            info["createTime"] = PREDEFINED_CREATE_TIME
            return info
        return self.configs.get((account, region), {}).get(name)

    def create_deployment_config(self, ctx: dict, body: dict) -> Response:
        name = body.get("deploymentConfigName") or ""
        if not name:
            raise AwsError("DeploymentConfigNameRequiredException", "Deployment config name is required")
        if name.startswith("CodeDeployDefault."):
            raise AwsError("InvalidDeploymentConfigNameException", "The deployment config name cannot begin with CodeDeployDefault.")
        if self.find_config(ctx["account"], ctx["region"], name):
            raise AwsError("DeploymentConfigAlreadyExistsException", f"Deployment configuration {name} already exists.")
        routing = body.get("trafficRoutingConfig")
        if routing:
            kind = routing.get("type")
            key = {"TimeBasedCanary": "timeBasedCanary", "TimeBasedLinear": "timeBasedLinear"}.get(kind)
            if kind not in ("AllAtOnce", "TimeBasedCanary", "TimeBasedLinear") or (key and not routing.get(key)):
                raise AwsError("InvalidTrafficRoutingConfigurationException", f"invalid trafficRoutingConfig {routing!r}")
        info = {
            "deploymentConfigId": str(uuid.uuid4()),
            "deploymentConfigName": name,
            "computePlatform": body.get("computePlatform") or "Server",
            "createTime": time.time(),
        }
        for key in ("minimumHealthyHosts", "trafficRoutingConfig", "zonalConfig"):
            if body.get(key):
                info[key] = body[key]
        self.configs.setdefault((ctx["account"], ctx["region"]), {})[name] = info
        return aws_json({"deploymentConfigId": info["deploymentConfigId"]})

    def get_deployment_config(self, ctx: dict, body: dict) -> Response:
        name = body.get("deploymentConfigName") or ""
        info = self.find_config(ctx["account"], ctx["region"], name)
        if not info:
            raise AwsError("DeploymentConfigDoesNotExistException", f"No deployment configuration found for name: {name}")
        return aws_json({"deploymentConfigInfo": info})

    def list_deployment_configs(self, ctx: dict, body: dict) -> Response:
        names = sorted(set(PREDEFINED_CONFIGS) | set(self.configs.get((ctx["account"], ctx["region"]), {})))
        return aws_json({"deploymentConfigsList": names})

    def delete_deployment_config(self, ctx: dict, body: dict) -> Response:
        name = body.get("deploymentConfigName") or ""
        if name in PREDEFINED_CONFIGS:
            raise AwsError("InvalidOperationException", f"The built-in deployment configuration {name} cannot be deleted.")
        backend = self.backend(ctx["account"], ctx["region"])
        for groups in backend.deployment_groups.values():
            for group in groups.values():
                if str(group.deployment_config_name) == name:
                    raise AwsError("DeploymentConfigInUseException", f"Deployment configuration {name} is in use.")
        self.configs.get((ctx["account"], ctx["region"]), {}).pop(name, None)
        return aws_json({})

    # -- deployment groups ---------------------------------------------------------------------------------

    def group_info(self, group: Any) -> dict:
        from moto.codedeploy.responses import _deployment_group_info

        info = _deployment_group_info(group)
        info["alarmConfiguration"] = group.alarm_configuration or {
            "enabled": False,
            "ignorePollAlarmFailure": False,
            "alarms": [],
        }
        for key in ("targetRevision", "lastSuccessfulDeployment", "lastAttemptedDeployment"):
            if not info.get(key):
                info.pop(key, None)
        last = [r for r in self.rollouts.values() if r.app == group.application.application_name and r.group == group.deployment_group_name and not r.is_rollback]
        if last:
            latest = max(last, key=lambda r: r.created)
            info["lastAttemptedDeployment"] = {"deploymentId": latest.deployment_id, "status": latest.status(), "createTime": latest.created}
            if latest.done:
                info["lastAttemptedDeployment"]["endTime"] = latest.outcome["at"]
            ok = [r for r in last if r.status() == "Succeeded"]
            if ok:
                good = max(ok, key=lambda r: r.created)
                info["lastSuccessfulDeployment"] = {
                    "deploymentId": good.deployment_id,
                    "status": "Succeeded",
                    "createTime": good.created,
                    "endTime": good.outcome["at"],
                }
        return {k: v for k, v in info.items() if v is not None}

    def create_deployment_group(self, ctx: dict, body: dict) -> Response:
        name = body.get("deploymentConfigName")
        if name and not self.find_config(ctx["account"], ctx["region"], name):
            raise AwsError("DeploymentConfigDoesNotExistException", f"No deployment configuration found for name: {name}")
        status, out = self.pass_to_moto(ctx)
        if status == 200 and not name:
            backend = self.backend(ctx["account"], ctx["region"])
            try:
                app = backend.applications[body["applicationName"]]
                group = backend.deployment_groups[body["applicationName"]][body["deploymentGroupName"]]
                group.deployment_config_name = DEFAULT_CONFIG_BY_PLATFORM.get(app.compute_platform, "CodeDeployDefault.OneAtATime")
            except KeyError:
                pass
        return aws_json(out, status)

    def get_deployment_group(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        group = backend.get_deployment_group(body.get("applicationName"), body.get("deploymentGroupName"))
        return aws_json({"deploymentGroupInfo": self.group_info(group)})

    def batch_get_deployment_groups(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        app_name = body.get("applicationName")
        backend.get_application(app_name)
        infos, error = [], ""
        for name in body.get("deploymentGroupNames") or []:
            group = backend.deployment_groups.get(app_name, {}).get(name)
            if group is None:
                error = f"Deployment group {name} does not exist."
                continue
            infos.append(self.group_info(group))
        return aws_json({"deploymentGroupsInfo": infos, "errorMessage": error})

    def update_deployment_group(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        app_name = body.get("applicationName")
        current = body.get("currentDeploymentGroupName")
        group = backend.get_deployment_group(app_name, current)
        name = body.get("deploymentConfigName")
        if name and not self.find_config(ctx["account"], ctx["region"], name):
            raise AwsError("DeploymentConfigDoesNotExistException", f"No deployment configuration found for name: {name}")
        for key, attr in GROUP_FIELDS.items():
            if key in body and body[key] is not None:
                setattr(group, attr, body[key])
        new_name = body.get("newDeploymentGroupName")
        if new_name and new_name != current:
            groups = backend.deployment_groups[app_name]
            if new_name in groups:
                raise AwsError("DeploymentGroupAlreadyExistsException", f"Deployment group {new_name} already exists.")
            groups[new_name] = groups.pop(current)
            group.deployment_group_name = new_name
        return aws_json({"hooksNotCleanedUp": []})

    def delete_deployment_group(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        app_name = body.get("applicationName")
        backend.get_application(app_name)
        backend.deployment_groups.get(app_name, {}).pop(body.get("deploymentGroupName"), None)
        return aws_json({"hooksNotCleanedUp": []})

    def delete_application(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        app_name = body.get("applicationName")
        backend.applications.pop(app_name, None)
        backend.deployment_groups.pop(app_name, None)
        return aws_json({})

    # -- deployments ---------------------------------------------------------------------------------------

    def create_deployment(self, ctx: dict, body: dict) -> Response:
        account, region = ctx["account"], ctx["region"]
        backend = self.backend(account, region)
        app_name, group_name = body.get("applicationName"), body.get("deploymentGroupName")
        group = backend.deployment_groups.get(app_name, {}).get(group_name)
        if group is None:  # let moto give its own error
            status, out = self.pass_to_moto(ctx)
            return aws_json(out, status)
        config_name = body.get("deploymentConfigName") or str(group.deployment_config_name)
        config = self.find_config(account, region, config_name)
        if not config:
            raise AwsError("DeploymentConfigDoesNotExistException", f"No deployment configuration found for name: {config_name}")
        for r in self.rollouts.values():
            if r.account == account and r.region == region and r.app == app_name and r.group == group_name and r.status() in ACTIVE_STATUSES:
                raise AwsError(
                    "DeploymentLimitExceededException",
                    f"The Deployment Group '{group_name}' already has an active Deployment '{r.deployment_id}'",
                )
        status, out = self.pass_to_moto(ctx)
        if status != 200:
            return aws_json(out, status)
        deployment = backend.deployments[out["deploymentId"]]
        deployment.deployment_config_name = config_name
        override = body.get("overrideAlarmConfiguration")
        self.rollouts[deployment.deployment_id] = self.new_rollout(
            account,
            region,
            group,
            deployment,
            config_name,
            config,
            auto_rollback=body["autoRollbackConfiguration"] if body.get("autoRollbackConfiguration") is not None else group.auto_rollback_configuration,
            alarm_config=override if override else group.alarm_configuration,
            task_definition=self.appspec_task_definition(body.get("revision") or {}),
        )
        return aws_json(out)

    @staticmethod
    def appspec_task_definition(revision: dict) -> str | None:
        try:
            content = (revision.get("appSpecContent") or revision.get("string") or {}).get("content")
            spec = yaml.safe_load(content) if content else None
            for resource in spec.get("Resources", []):
                for value in resource.values():
                    td = (value.get("Properties") or {}).get("TaskDefinition")
                    if td:
                        return td
        except Exception:
            return None
        return None

    def ecs_target(self, account: str, region: str, group: Any) -> dict | None:
        if group.application.compute_platform != "ECS" or not group.ecs_services:
            return None
        svc = group.ecs_services[0]
        pairs = (group.load_balancer_info or {}).get("targetGroupPairInfoList") or [{}]
        tgs = [tg.get("name") for tg in pairs[0].get("targetGroups", [])]
        desired = 1
        try:
            from moto.ecs.models import ecs_backends

            desired = ecs_backends[account][region].services[f"{svc['clusterName']}:{svc['serviceName']}"].desired_count or 1
        except Exception:
            pass
        return {
            "cluster": svc.get("clusterName"),
            "service": svc.get("serviceName"),
            "blue_tg": tgs[0] if tgs else None,
            "green_tg": tgs[1] if len(tgs) > 1 else None,
            "desired": desired,
        }

    def new_rollout(self, account: str, region: str, group: Any, deployment: Any, config_name: str, config: dict, **kw: Any) -> Rollout:
        bg = group.blue_green_deployment_configuration or {}
        ready = bg.get("deploymentReadyOption") or {}
        terminate = bg.get("terminateBlueInstancesOnDeploymentSuccess") or {}
        routing = config.get("trafficRoutingConfig") or ALL_AT_ONCE
        target = self.ecs_target(account, region, group)
        created = time.time()  # the clock starts now, whatever moto did before
        deployment.create_time = naive_utc(created)
        phases: list[list] = [["Created", STEP_SECONDS["Created"]]]
        for name in ECS_EVENTS[:5]:
            phases.append([name, STEP_SECONDS[name]])
        if ready.get("actionOnTimeout") == "STOP_DEPLOYMENT":
            wait = ready.get("waitTimeInMinutes") or 0
            phases.append(["ReadyWait", wait * 60.0 if wait else None])
        phases.append(["BeforeAllowTraffic", STEP_SECONDS["BeforeAllowTraffic"]])
        phases.append(["AllowTraffic", 0.0])  # length set below, it depends on the routing config
        phases.append(["AfterAllowTraffic", STEP_SECONDS["AfterAllowTraffic"]])
        if terminate.get("action", "TERMINATE") == "TERMINATE" and terminate.get("terminationWaitTimeInMinutes"):
            phases.append(["TerminationWait", terminate["terminationWaitTimeInMinutes"] * 60.0])
        rollout = Rollout(
            deployment_id=deployment.deployment_id,
            account=account,
            region=region,
            app=deployment.application_name,
            group=deployment.deployment_group_name,
            platform=group.application.compute_platform or "Server",
            config_name=config_name,
            routing=routing,
            speed=self.speed,
            created=created,
            phases=phases,
            target=target,
            **kw,
        )
        for phase in rollout.phases:
            if phase[0] == "AllowTraffic":
                phase[1] = rollout.traffic_seconds()
        rollout.begin_phase(rollout.created)
        return rollout

    def deployment_info(self, deployment: Any) -> dict:
        from moto.codedeploy.responses import _deployment_info

        info = _deployment_info(deployment)
        rollout = self.rollouts.get(deployment.deployment_id)
        for key in ("previousRevision", "errorInformation", "rollbackInfo", "relatedDeployments", "targetInstances"):
            if not info.get(key):
                info.pop(key, None)
        if rollout is None:
            return {k: v for k, v in info.items() if v is not None}
        info["deploymentConfigName"] = rollout.config_name
        if rollout.outcome and rollout.outcome["code"]:
            info["errorInformation"] = {"code": rollout.outcome["code"], "message": rollout.outcome["message"]}
        if rollout.outcome and rollout.outcome["rollback_id"]:
            info["rollbackInfo"] = {
                "rollbackDeploymentId": rollout.outcome["rollback_id"],
                "rollbackMessage": f"Deployment {rollout.deployment_id} was rolled back by deployment {rollout.outcome['rollback_id']}.",
            }
        if rollout.is_rollback:
            info["rollbackInfo"] = {
                "rollbackTriggeringDeploymentId": rollout.triggering_id,
                "rollbackMessage": f"This deployment rolls back deployment {rollout.triggering_id}.",
            }
        return {k: v for k, v in info.items() if v is not None}

    def get_deployment(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        deployment = backend.get_deployment(body.get("deploymentId"))
        return aws_json({"deploymentInfo": self.deployment_info(deployment)})

    def batch_get_deployments(self, ctx: dict, body: dict) -> Response:
        backend = self.backend(ctx["account"], ctx["region"])
        infos = [self.deployment_info(d) for d in backend.batch_get_deployments(body.get("deploymentIds") or [])]
        return aws_json({"deploymentsInfo": infos})

    def list_deployments(self, ctx: dict, body: dict) -> Response:
        status, out = self.pass_to_moto(ctx)  # moto filters on the status sync_moto keeps current
        return aws_json(out, status)

    def rollout_for(self, ctx: dict, deployment_id: str | None) -> Rollout:
        backend = self.backend(ctx["account"], ctx["region"])
        backend.get_deployment(deployment_id)  # DeploymentDoesNotExistException
        rollout = self.rollouts.get(deployment_id or "")
        if rollout is None:
            raise AwsError("InvalidDeploymentIdException", f"Deployment {deployment_id} was not created through the sandbox front")
        return rollout

    def stop_deployment(self, ctx: dict, body: dict) -> Response:
        rollout = self.rollout_for(ctx, body.get("deploymentId"))
        if rollout.done:
            raise AwsError("DeploymentAlreadyCompletedException", f"The deployment {rollout.deployment_id} has already completed.")
        if "autoRollbackEnabled" in body and body["autoRollbackEnabled"] is not None:
            rollback = bool(body["autoRollbackEnabled"])
        else:
            rollback = self.rollback_on(rollout, "DEPLOYMENT_STOP_ON_REQUEST")
        now = time.time()
        self.finish(rollout, now, "Stopped", "MANUAL_STOP", "The deployment was stopped by a StopDeployment request.", rollback=rollback)
        self.sync_moto(rollout, now)
        return aws_json({"status": "Pending", "statusMessage": "Stopping Pending. Stopping to schedule commands in the deployment instances"})

    def continue_deployment(self, ctx: dict, body: dict) -> Response:
        rollout = self.rollout_for(ctx, body.get("deploymentId"))
        wait_type = body.get("deploymentWaitType") or "READY_WAIT"
        now = time.time()
        if wait_type == "READY_WAIT" and not rollout.done and rollout.phase == "ReadyWait":
            self.next_phase(rollout, now)
        elif wait_type == "TERMINATION_WAIT" and not rollout.done and rollout.phase == "TerminationWait":
            self.next_phase(rollout, now)
        else:
            raise AwsError("DeploymentIsNotInReadyStateException", f"The deployment {rollout.deployment_id} is not in a {wait_type} state.")
        self.sync_moto(rollout, now)
        return aws_json({})

    # -- deployment targets --------------------------------------------------------------------------------

    def target_id(self, rollout: Rollout) -> str:
        if rollout.target:
            return f"{rollout.target['cluster']}:{rollout.target['service']}"
        return rollout.group

    def target_doc(self, rollout: Rollout, now: float) -> dict:
        updated = rollout.outcome["at"] if rollout.outcome else max([rollout.phase_started, rollout.created])
        if not rollout.target:
            return {
                "deploymentTargetType": "InstanceTarget" if rollout.platform == "Server" else "LambdaTarget",
                ("instanceTarget" if rollout.platform == "Server" else "lambdaTarget"): {
                    "deploymentId": rollout.deployment_id,
                    "targetId": self.target_id(rollout),
                    "status": rollout.target_status(),
                    "lastUpdatedAt": updated,
                    "lifecycleEvents": rollout.lifecycle_events(now),
                },
            }
        t = rollout.target
        # A rollback deployment sends all traffic back to the original (blue) task set.
        green = 0.0 if rollout.is_rollback else rollout.green_weight(now)
        status = rollout.status()
        desired = int(t["desired"])
        blue = {
            "identifer": rollout.blue_id,
            "desiredCount": desired,
            "pendingCount": 0,
            "runningCount": desired,
            "status": "PRIMARY",
            "trafficWeight": float(100.0 - green),
            "targetGroup": {"name": t["blue_tg"]} if t["blue_tg"] else None,
            "taskSetLabel": "Blue",
        }
        sets = [blue]
        installing = "Install" in rollout.event_times and not rollout.is_rollback
        if installing:
            g = {
                "identifer": rollout.green_id,
                "desiredCount": desired,
                "pendingCount": 0,
                "runningCount": desired,
                "status": "ACTIVE",
                "trafficWeight": float(green),
                "targetGroup": {"name": t["green_tg"]} if t["green_tg"] else None,
                "taskSetLabel": "Green",
            }
            if green >= 100.0:
                g["status"], blue["status"] = "PRIMARY", "ACTIVE"
            if status == "Succeeded":
                blue.update(desiredCount=0, runningCount=0, status="DRAINING")
            elif rollout.done and green == 0.0:
                g.update(desiredCount=0, runningCount=0, status="DRAINING")
            sets.append(g)
        for s in sets:
            if s["targetGroup"] is None:
                del s["targetGroup"]
        return {
            "deploymentTargetType": "ECSTarget",
            "ecsTarget": {
                "deploymentId": rollout.deployment_id,
                "targetId": self.target_id(rollout),
                "targetArn": f"arn:aws:ecs:{rollout.region}:{rollout.account}:service/{t['cluster']}/{t['service']}",
                "lastUpdatedAt": updated,
                "lifecycleEvents": rollout.lifecycle_events(now),
                "status": rollout.target_status(),
                "taskSetsInfo": sets,
            },
        }

    def list_deployment_targets(self, ctx: dict, body: dict) -> Response:
        rollout = self.rollout_for(ctx, body.get("deploymentId"))
        wanted = (body.get("targetFilters") or {}).get("TargetStatus")
        if wanted and rollout.target_status() not in wanted:
            return aws_json({"targetIds": []})
        return aws_json({"targetIds": [self.target_id(rollout)]})

    def get_deployment_target(self, ctx: dict, body: dict) -> Response:
        rollout = self.rollout_for(ctx, body.get("deploymentId"))
        target_id = body.get("targetId")
        if target_id != self.target_id(rollout):
            raise AwsError("DeploymentTargetDoesNotExistException", f"The target {target_id} does not exist in deployment {rollout.deployment_id}")
        return aws_json({"deploymentTarget": self.target_doc(rollout, time.time())})

    def batch_get_deployment_targets(self, ctx: dict, body: dict) -> Response:
        rollout = self.rollout_for(ctx, body.get("deploymentId"))
        docs = []
        for target_id in body.get("targetIds") or []:
            if target_id != self.target_id(rollout):
                raise AwsError("DeploymentTargetDoesNotExistException", f"The target {target_id} does not exist in deployment {rollout.deployment_id}")
            docs.append(self.target_doc(rollout, time.time()))
        return aws_json({"deploymentTargets": docs})

    # -- control -------------------------------------------------------------------------------------------

    def control_fail_hook(self, payload: dict) -> Response:
        deployment_id, hook = payload.get("deploymentId"), payload.get("hook")
        message = payload.get("message") or f"{hook} hook failed (sandbox)"
        with self.front.lock:
            self.tick()
            rollout = self.rollouts.get(deployment_id or "")
            if rollout is None:
                return json_response({"error": f"no deployment {deployment_id}"}, 404)
            names = [p[0] for p in rollout.phases]
            if hook not in names or hook in ("Created", "ReadyWait", "TerminationWait"):
                return json_response({"error": f"{hook} is not a lifecycle event of {deployment_id}; one of {ECS_EVENTS}"}, 400)
            if rollout.done or names.index(hook) < rollout.idx:
                return json_response({"error": f"{hook} of {deployment_id} has already run (deployment is {rollout.status()})"}, 409)
            rollout.fail_hooks[hook] = message
            return json_response({"ok": True, "deploymentId": deployment_id, "hook": hook})

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
