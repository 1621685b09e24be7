"""2. CodeDeploy deployments that progress: the built-in deployment configs, one deployment's timeline
(Rollout) and the clock that moves the deployments (RolloutClock, a part of CodeDeploySim).
"""

from __future__ import annotations

import math
import random
import time
from typing import Any

from .common import log, naive_utc


# ---------------------------------------------------------------------------------------------------------
# 2. CodeDeploy deployments that progress


HOOK_EVENTS = ["BeforeInstall", "AfterInstall", "AfterAllowTestTraffic", "BeforeAllowTraffic", "AfterAllowTraffic"]
ECS_EVENTS = [
    "BeforeInstall",
    "Install",
    "AfterInstall",
    "AllowTestTraffic",
    "AfterAllowTestTraffic",
    "BeforeAllowTraffic",
    "AllowTraffic",
    "AfterAllowTraffic",
]
# How long each step takes, in config-seconds (divided by the speed-up factor).
STEP_SECONDS = {
    "Created": 30,
    "BeforeInstall": 10,
    "Install": 30,
    "AfterInstall": 10,
    "AllowTestTraffic": 5,
    "AfterAllowTestTraffic": 10,
    "BeforeAllowTraffic": 10,
    "AfterAllowTraffic": 10,
}
ALL_AT_ONCE_SHIFT_SECONDS = 5
ACTIVE_STATUSES = {"Created", "Queued", "InProgress", "Baking", "Ready"}


def _canary(pct: int, minutes: int) -> dict:
    return {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": pct, "canaryInterval": minutes}}


def _linear(pct: int, minutes: int) -> dict:
    return {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": pct, "linearInterval": minutes}}


ALL_AT_ONCE = {"type": "AllAtOnce"}
PREDEFINED_CONFIGS: dict[str, dict] = {
    "CodeDeployDefault.ECSAllAtOnce": {"computePlatform": "ECS", "trafficRoutingConfig": ALL_AT_ONCE},
    "CodeDeployDefault.ECSCanary10Percent5Minutes": {"computePlatform": "ECS", "trafficRoutingConfig": _canary(10, 5)},
    "CodeDeployDefault.ECSCanary10Percent15Minutes": {"computePlatform": "ECS", "trafficRoutingConfig": _canary(10, 15)},
    "CodeDeployDefault.ECSLinear10PercentEvery1Minutes": {"computePlatform": "ECS", "trafficRoutingConfig": _linear(10, 1)},
    "CodeDeployDefault.ECSLinear10PercentEvery3Minutes": {"computePlatform": "ECS", "trafficRoutingConfig": _linear(10, 3)},
    "CodeDeployDefault.LambdaAllAtOnce": {"computePlatform": "Lambda", "trafficRoutingConfig": ALL_AT_ONCE},
    "CodeDeployDefault.LambdaCanary10Percent5Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _canary(10, 5)},
    "CodeDeployDefault.LambdaCanary10Percent10Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _canary(10, 10)},
    "CodeDeployDefault.LambdaCanary10Percent15Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _canary(10, 15)},
    "CodeDeployDefault.LambdaCanary10Percent30Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _canary(10, 30)},
    "CodeDeployDefault.LambdaLinear10PercentEvery1Minute": {"computePlatform": "Lambda", "trafficRoutingConfig": _linear(10, 1)},
    "CodeDeployDefault.LambdaLinear10PercentEvery2Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _linear(10, 2)},
    "CodeDeployDefault.LambdaLinear10PercentEvery3Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _linear(10, 3)},
    "CodeDeployDefault.LambdaLinear10PercentEvery10Minutes": {"computePlatform": "Lambda", "trafficRoutingConfig": _linear(10, 10)},
    "CodeDeployDefault.AllAtOnce": {"computePlatform": "Server", "minimumHealthyHosts": {"type": "HOST_COUNT", "value": 0}},
    "CodeDeployDefault.HalfAtATime": {"computePlatform": "Server", "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 50}},
    "CodeDeployDefault.OneAtATime": {"computePlatform": "Server", "minimumHealthyHosts": {"type": "FLEET_PERCENT", "value": 99}},
}
PREDEFINED_CREATE_TIME = 1416355200.0  # CodeDeploy's launch, for the built-in configs
DEFAULT_CONFIG_BY_PLATFORM = {
    "ECS": "CodeDeployDefault.ECSAllAtOnce",
    "Lambda": "CodeDeployDefault.LambdaAllAtOnce",
    "Server": "CodeDeployDefault.OneAtATime",
}

# UpdateDeploymentGroup input name -> moto DeploymentGroup attribute
GROUP_FIELDS = {
    "deploymentConfigName": "deployment_config_name",
    "ec2TagFilters": "ec2_tag_filters",
    "onPremisesInstanceTagFilters": "on_premises_instance_tag_filters",
    "autoScalingGroups": "auto_scaling_groups",
    "serviceRoleArn": "service_role_arn",
    "triggerConfigurations": "trigger_configurations",
    "alarmConfiguration": "alarm_configuration",
    "autoRollbackConfiguration": "auto_rollback_configuration",
    "outdatedInstancesStrategy": "outdated_instances_strategy",
    "deploymentStyle": "deployment_style",
    "blueGreenDeploymentConfiguration": "blue_green_deployment_configuration",
    "loadBalancerInfo": "load_balancer_info",
    "ec2TagSet": "ec2_tag_set",
    "ecsServices": "ecs_services",
    "onPremisesTagSet": "on_premises_tag_set",
    "terminationHookEnabled": "termination_hook_enabled",
}


class Rollout:
    """One CodeDeploy deployment's progress. Times are wall-clock epoch seconds."""

    def __init__(self, **kw: Any) -> None:
        self.deployment_id: str = kw["deployment_id"]
        self.account: str = kw["account"]
        self.region: str = kw["region"]
        self.app: str = kw["app"]
        self.group: str = kw["group"]
        self.platform: str = kw["platform"]
        self.config_name: str = kw["config_name"]
        self.routing: dict = kw["routing"]
        self.speed: float = kw["speed"]
        self.auto_rollback: dict = kw["auto_rollback"] or {}
        self.alarm_config: dict = kw["alarm_config"] or {}
        self.is_rollback: bool = kw.get("is_rollback", False)
        self.triggering_id: str | None = kw.get("triggering_id")
        self.target: dict | None = kw.get("target")  # ECS: cluster, service, target groups, desired count
        self.task_definition: str | None = kw.get("task_definition")
        self.created: float = kw["created"]
        self.phases: list[list] = kw["phases"]  # [name, config-seconds or None for "until told"]
        self.idx = 0
        self.phase_started = self.created
        self.event_times: dict[str, list] = {}  # name -> [start, end]
        self.fail_hooks: dict[str, str] = {}
        self.outcome: dict | None = None  # status, code, message, at, rollback_id, failed_event
        self.final_weight: float | None = None
        self.green_id = "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))
        self.blue_id = "ecs-svc/" + "".join(random.choice("0123456789") for _ in range(19))
        self.ecs_updated = False

    # -- timeline ------------------------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.outcome is not None

    @property
    def phase(self) -> str:
        return self.phases[self.idx][0] if self.idx < len(self.phases) else "Done"

    def status(self) -> str:
        if self.outcome:
            return self.outcome["status"]
        if self.phase == "Created":
            return "Created"
        if self.phase == "ReadyWait":
            return "Ready"
        return "InProgress"

    def started_at(self) -> float | None:
        first = self.event_times.get(self.phases[1][0]) if len(self.phases) > 1 else None
        return first[0] if first else None

    def traffic_seconds(self) -> float:
        """Config-seconds the AllowTraffic step needs to reach 100%."""
        r = self.routing or ALL_AT_ONCE
        if r.get("type") == "TimeBasedCanary":
            return r["timeBasedCanary"]["canaryInterval"] * 60.0
        if r.get("type") == "TimeBasedLinear":
            lin = r["timeBasedLinear"]
            steps = math.ceil(100.0 / max(1, lin["linearPercentage"])) - 1
            return steps * lin["linearInterval"] * 60.0
        return float(ALL_AT_ONCE_SHIFT_SECONDS)

    def green_weight(self, now: float) -> float:
        if self.outcome and self.final_weight is not None:
            return self.final_weight
        names = [p[0] for p in self.phases]
        if "AllowTraffic" not in names:
            return 100.0 if self.outcome and self.outcome["status"] == "Succeeded" else 0.0
        at = names.index("AllowTraffic")
        if self.idx < at:
            return 0.0
        if self.idx > at or (self.outcome and self.outcome["status"] == "Succeeded"):
            return 100.0
        elapsed = (now - self.phase_started) * self.speed
        r = self.routing or ALL_AT_ONCE
        if r.get("type") == "TimeBasedCanary":
            c = r["timeBasedCanary"]
            return float(c["canaryPercentage"]) if elapsed < c["canaryInterval"] * 60 else 100.0
        if r.get("type") == "TimeBasedLinear":
            lin = r["timeBasedLinear"]
            step = int(elapsed // (lin["linearInterval"] * 60))
            return float(min(100, lin["linearPercentage"] * (1 + step)))
        return 100.0

    def begin_phase(self, at: float) -> None:
        self.phase_started = at
        if self.idx < len(self.phases):
            self.event_times.setdefault(self.phase, [at, None])

    def end_phase(self, at: float) -> None:
        times = self.event_times.get(self.phase)
        if times:
            times[1] = at

    def lifecycle_events(self, now: float) -> list[dict]:
        names = [p[0] for p in self.phases]
        events = []
        for name in ECS_EVENTS if self.platform == "ECS" and not self.is_rollback else [n for n in names if n not in ("Created", "ReadyWait", "TerminationWait")]:
            ev: dict[str, Any] = {"lifecycleEventName": name}
            times = self.event_times.get(name)
            if name not in names:
                ev["status"] = "Skipped"
            elif times is None:
                ev["status"] = "Skipped" if self.outcome else "Pending"
            elif times[1] is None:
                if self.outcome:
                    ev["status"] = "Failed"
                    ev["endTime"] = self.outcome["at"]
                    ev["diagnostics"] = {
                        "errorCode": "ScriptFailed" if self.outcome.get("failed_event") == name else "UnknownError",
                        "scriptName": name,
                        "message": self.outcome["message"],
                        "logTail": "",
                    }
                else:
                    ev["status"] = "InProgress"
                ev["startTime"] = times[0]
            else:
                ev["status"] = "Succeeded"
                ev["startTime"], ev["endTime"] = times
            events.append(ev)
        return events

    def target_status(self) -> str:
        status = self.status()
        return {
            "Created": "Pending",
            "Ready": "Ready",
            "InProgress": "InProgress",
            "Succeeded": "Succeeded",
        }.get(status, "Failed")


class RolloutClock:
    """The time-driven part of CodeDeploySim (it is one of its bases and works on its state): each tick moves
    every deployment through its phases, stops it when an alarm of its configuration is in ALARM or a hook
    fails, starts its rollback, and mirrors its state into moto's deployment and ECS service."""

    def tick(self) -> None:
        now = time.time()
        for rollout in list(self.rollouts.values()):
            if rollout.done:
                continue
            self.advance(rollout, now)
            if not rollout.done and rollout.status() in ("InProgress", "Ready") and not rollout.is_rollback:
                firing = self.alarms_firing(rollout)
                if firing:
                    self.finish(
                        rollout,
                        now,
                        "Stopped",
                        "ALARM_ACTIVE",
                        "One or more alarms have been activated according to the Amazon CloudWatch metrics you "
                        "selected, and the affected deployments have been stopped. Activated alarms: " + ", ".join(firing),
                        rollback=self.rollback_on(rollout, "DEPLOYMENT_STOP_ON_ALARM"),
                    )
            self.sync_moto(rollout, now)

    def advance(self, rollout: Rollout, now: float) -> None:
        while not rollout.done:
            name, seconds = rollout.phases[rollout.idx]
            if seconds is None:
                return
            end = rollout.phase_started + seconds / rollout.speed
            if now < end:
                return
            if name in rollout.fail_hooks:
                self.finish(
                    rollout,
                    end,
                    "Failed",
                    "HOOK_EXECUTION_FAILURE",
                    f"The deployment failed because the {name} lifecycle event hook failed: {rollout.fail_hooks[name]}",
                    rollback=self.rollback_on(rollout, "DEPLOYMENT_FAILURE"),
                    failed_event=name,
                )
                return
            if name == "ReadyWait":  # not continued in time
                self.finish(
                    rollout,
                    end,
                    "Stopped",
                    "TIMEOUT",
                    "The deployment was stopped because traffic rerouting was not started (ContinueDeployment) "
                    "before the end of the wait period.",
                    rollback=False,
                )
                return
            self.next_phase(rollout, end)

    def next_phase(self, rollout: Rollout, at: float) -> None:
        rollout.end_phase(at)
        rollout.idx += 1
        if rollout.idx >= len(rollout.phases):
            self.finish(rollout, at, "Succeeded", None, None, rollback=False)
        else:
            rollout.begin_phase(at)

    @staticmethod
    def rollback_on(rollout: Rollout, event: str) -> bool:
        cfg = rollout.auto_rollback or {}
        return bool(cfg.get("enabled")) and event in (cfg.get("events") or [])

    def alarms_firing(self, rollout: Rollout) -> list[str]:
        cfg = rollout.alarm_config or {}
        if not cfg.get("enabled"):
            return []
        from moto.cloudwatch.models import cloudwatch_backends

        alarms = cloudwatch_backends[rollout.account][rollout.region].alarms
        firing = []
        for entry in cfg.get("alarms") or []:
            alarm = alarms.get(entry.get("name"))
            if alarm is not None and alarm.state_value == "ALARM":
                firing.append(alarm.name)
        return firing

    def finish(self, rollout: Rollout, at: float, status: str, code: str | None, message: str | None, *, rollback: bool, failed_event: str | None = None) -> None:
        weight_now = rollout.green_weight(at)
        rollout.outcome = {"status": status, "code": code, "message": message, "at": at, "rollback_id": None, "failed_event": failed_event}
        if status == "Succeeded":
            rollout.final_weight = 100.0
            self.update_ecs_service(rollout)
            return
        rollout.final_weight = 0.0 if rollback else weight_now
        if rollback:
            rollout.outcome["rollback_id"] = self.start_rollback(rollout, at)

    def start_rollback(self, rollout: Rollout, at: float) -> str | None:
        backend = self.backend(rollout.account, rollout.region)
        original = backend.deployments.get(rollout.deployment_id)
        if original is None:
            return None
        group = original.deployment_group
        previous = [
            r for r in self.rollouts.values()
            if r.app == rollout.app and r.group == rollout.group and r.status() == "Succeeded" and not r.is_rollback
        ]
        revision = original.revision
        if previous:
            prev = backend.deployments.get(max(previous, key=lambda r: r.created).deployment_id)
            if prev is not None:
                revision = prev.revision
        config_name = DEFAULT_CONFIG_BY_PLATFORM.get(group.application.compute_platform, "CodeDeployDefault.AllAtOnce")
        rollback_id = backend.create_deployment(rollout.app, rollout.group, revision, deployment_config_name=config_name, description=f"Rollback of {rollout.deployment_id}")
        dep = backend.deployments[rollback_id]
        dep.creator = "codeDeployRollback"
        dep.create_time = naive_utc(at)
        child = Rollout(
            deployment_id=rollback_id,
            account=rollout.account,
            region=rollout.region,
            app=rollout.app,
            group=rollout.group,
            platform=rollout.platform,
            config_name=config_name,
            routing=ALL_AT_ONCE,
            speed=rollout.speed,
            auto_rollback={},
            alarm_config={},
            is_rollback=True,
            triggering_id=rollout.deployment_id,
            target=rollout.target,
            created=at,
            phases=[["Created", 5.0], ["AllowTraffic", 25.0]],
        )
        child.blue_id = rollout.blue_id
        child.begin_phase(at)
        self.rollouts[rollback_id] = child
        return rollback_id

    def update_ecs_service(self, rollout: Rollout) -> None:
        """What CodeDeploy does to the ECS service on success: the replacement task set becomes primary."""
        if rollout.ecs_updated or not rollout.target or not rollout.task_definition or rollout.is_rollback:
            return
        rollout.ecs_updated = True
        try:
            from moto.ecs.models import ecs_backends

            ecs = ecs_backends[rollout.account][rollout.region]
            service = ecs.services[f"{rollout.target['cluster']}:{rollout.target['service']}"]
            td = ecs.describe_task_definition(rollout.task_definition)
            service.task_definition = td.arn
            for deployment in getattr(service, "deployments", None) or []:
                if isinstance(deployment, dict) and deployment.get("status") == "PRIMARY":
                    deployment["taskDefinition"] = td.arn
        except Exception as exc:
            log(f"deployment {rollout.deployment_id}: could not update the ECS service in moto: {exc!r}")

    def sync_moto(self, rollout: Rollout, now: float) -> None:
        """Mirror the state into moto's DeploymentInfo so moto's own answers (ListDeployments) agree."""
        dep = self.backend(rollout.account, rollout.region).deployments.get(rollout.deployment_id)
        if dep is None:
            return
        dep.status = rollout.status()
        started = rollout.started_at()
        dep.start_time = naive_utc(started) if started else None
        dep.complete_time = naive_utc(rollout.outcome["at"]) if rollout.outcome else None
        overview = {"Pending": 0, "InProgress": 0, "Succeeded": 0, "Failed": 0, "Skipped": 0, "Ready": 0}
        overview[rollout.target_status()] += 1
        dep.deployment_overview = overview
        dep.instance_termination_wait_time_started = rollout.phase == "TerminationWait" or (
            rollout.outcome is not None and rollout.outcome["status"] == "Succeeded" and "TerminationWait" in [p[0] for p in rollout.phases]
        )
