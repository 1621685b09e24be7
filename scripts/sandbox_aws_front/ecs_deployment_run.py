"""9. Amazon ECS service deployments: one deployment (ServiceDeploymentRun) and how deployments start and
progress (ServiceDeploymentProgress, a part of EcsServiceDeployments).
"""

from __future__ import annotations

import math
import random
import re
import time
import traceback
from typing import Any

from .common import log, naive_utc


# ---------------------------------------------------------------------------------------------------------
# 9. Amazon ECS service deployments: blue/green, canary and linear, native to ECS (moto 5.2.5 has none)

ECS_TARGET = "AmazonEC2ContainerServiceV20141113."
NATIVE_STRATEGIES = ("BLUE_GREEN", "CANARY", "LINEAR")
ECS_STRATEGIES = ("ROLLING",) + NATIVE_STRATEGIES
# The stages a lifecycle hook may run at (DeploymentLifecycleHookStage); PRE_PRODUCTION_TRAFFIC_SHIFT is a
# hook stage only: the deployment reports PRODUCTION_TRAFFIC_SHIFT while it runs.
ECS_HOOK_STAGES = (
    "RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT",
)
# How long each step takes, in config-seconds (divided by the speed-up factor); bake times come on top.
ECS_STEP_SECONDS = {
    "PENDING": 5, "RECONCILE_SERVICE": 10, "PRE_SCALE_UP": 5, "SCALE_UP": 30, "POST_SCALE_UP": 5,
    "TEST_TRAFFIC_SHIFT": 5, "POST_TEST_TRAFFIC_SHIFT": 5, "PRODUCTION_TRAFFIC_SHIFT": 5,
    "POST_PRODUCTION_TRAFFIC_SHIFT": 5, "CLEAN_UP": 10, "ROLLBACK_REQUESTED": 5, "ROLLBACK_IN_PROGRESS": 15,
    "STOP_REQUESTED": 5,
}
ECS_FINAL_STATUSES = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}


def _ecs_id(length: int = 22) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    return "".join(random.choice(alphabet) for _ in range(length))


def _digits(n: int) -> str:
    return str(random.randint(1, 9)) + "".join(random.choice("0123456789") for _ in range(n - 1))


class ServiceDeploymentRun:
    """One Amazon ECS service deployment (blue/green, canary or linear). Times are wall-clock epoch seconds;
    `steps` are the lifecycle stages it goes through, each {stage, hook, seconds, weight, test}: the stage the
    deployment reports, the hook stage whose hooks run (at the step's end), its length in config-seconds, and
    the production / test traffic percentage the green revision gets when the step begins."""

    def __init__(self, **kw: Any) -> None:
        self.arn: str = kw["arn"]
        self.account: str = kw["account"]
        self.region: str = kw["region"]
        self.cluster: str = kw["cluster"]
        self.cluster_arn: str = kw["cluster_arn"]
        self.service: str = kw["service"]
        self.service_arn: str = kw["service_arn"]
        self.config: dict = kw["config"]  # the deployment configuration in effect, defaults filled in
        self.steps: list[dict] = kw["steps"]
        self.speed: float = kw["speed"]
        self.sources: list[str] = kw["sources"]  # source service revision ARNs, the one serving blue first
        self.target: str = kw["target"]
        self.source_td: str | None = kw.get("source_td")
        self.target_td: str = kw["target_td"]
        self.desired: int = kw["desired"]
        self.blue_tg: str | None = kw.get("blue_tg")
        self.green_tg: str | None = kw.get("green_tg")
        self.prod_rule: str | None = kw.get("prod_rule")
        self.test_rule: str | None = kw.get("test_rule")
        self.initial: bool = kw.get("initial", False)
        self.moto_deployment_id: str | None = kw.get("moto_deployment_id")
        self.created: float = kw["created"]
        self.started: float | None = None
        self.finished: float | None = None
        self.stopped: float | None = None
        self.updated: float = self.created
        self.status = "PENDING"
        self.status_reason: str | None = None
        self.idx = -1  # the step under way; -1 while PENDING
        self.step_started = self.created
        self.prod_weight = 100.0 if self.initial else 0.0  # production traffic % on the target (green) revision
        self.test_weight = 100.0 if self.initial else 0.0
        self.rollback: dict | None = None
        self.alarm_status = "MONITORING" if self.alarms_enabled else "DISABLED"
        self.triggered: list[str] = []
        self.fail_hooks: dict[str, str] = {}  # hook stage -> message
        self.waiting: dict | None = None  # PAUSE hooks awaiting ContinueServiceDeployment
        self.hook_history: list[dict] = []  # hook details of the step under way (or the one that failed)
        self.phase_started = self.created  # for the rollback / stop phases

    @property
    def done(self) -> bool:
        return self.status in ECS_FINAL_STATUSES

    @property
    def alarms_enabled(self) -> bool:
        alarms = self.config.get("alarms") or {}
        return bool(alarms.get("enable")) and bool(alarms.get("alarmNames"))

    @property
    def step(self) -> dict | None:
        return self.steps[self.idx] if 0 <= self.idx < len(self.steps) else None

    @property
    def stage(self) -> str | None:
        step = self.step
        if step is not None:
            return step["stage"]
        return self.steps[-1]["stage"] if self.idx >= len(self.steps) and self.steps else None

    def hooks_at(self, hook_stage: str) -> list[dict]:
        return [h for h in self.config.get("lifecycleHooks") or [] if hook_stage in (h.get("lifecycleStages") or [])]


class ServiceDeploymentProgress:
    """How EcsServiceDeployments' deployments start and progress (it is one of its bases and works on its
    state): the steps of a deployment, moto's service and the listener rules' weights in moto's ELBv2,
    and the time-driven state machine (alarms, hooks, rollbacks)."""

    # -- starting a deployment -----------------------------------------------------------------------------

    def start(self, state: dict, service: Any, source_td: str | None, target_td: str, now: float, initial: bool = False) -> ServiceDeploymentRun:
        account, region = state["account"], state["region"]
        config = self.effective_config(state["config"])
        previous = [r for r in self.runs.values() if r.service_arn == service.arn]
        last = max(previous, key=lambda r: r.created) if previous else None
        for run in previous:
            if not run.done:
                self.finish(run, now, "STOPPED", "Service deployment stopped: a newer service deployment of the service started.")
                run.stopped = now
        lb = next((lb for lb in state["loadBalancers"] or [] if lb.get("advancedConfiguration")), None)
        adv = (lb or {}).get("advancedConfiguration") or {}
        primary, alternate = (lb or {}).get("targetGroupArn"), adv.get("alternateTargetGroupArn")
        prod_rule, test_rule = adv.get("productionListenerRule"), adv.get("testListenerRule")
        blue = green = None
        if primary and alternate:
            blue = self.serving(account, region, prod_rule, primary, alternate, last)
            green = alternate if blue == primary else primary
        elif primary:
            green = primary
        if initial:
            blue, green = None, primary
        # The revisions that run now: the one serving production first.
        sources = list(state["revisions"])
        if not sources and source_td and not initial:
            sources = [self.new_revision(state, service, source_td, blue, prod_rule, now)["serviceRevisionArn"]]
        if blue:
            sources.sort(key=lambda arn: 0 if self.revision_tg(arn) == blue else 1)
        if sources and sources[0] in self.revisions:
            source_td = self.revisions[sources[0]]["taskDefinition"]  # what a rollback goes back to
        target = self.new_revision(state, service, target_td, green, prod_rule, now)["serviceRevisionArn"]
        arn = f"arn:aws:ecs:{region}:{account}:service-deployment/{service.cluster_name}/{service.name}/{_ecs_id()}"
        run = ServiceDeploymentRun(
            arn=arn,
            account=account,
            region=region,
            cluster=service.cluster_name,
            cluster_arn=service.cluster_arn,
            service=service.name,
            service_arn=service.arn,
            config=config,
            steps=self.build_steps(config, reconcile=len(sources) > 1, initial=initial),
            speed=self.speed,
            sources=sources,
            target=target,
            source_td=source_td,
            target_td=target_td,
            desired=int(service.desired_count or 0),
            blue_tg=blue,
            green_tg=green,
            prod_rule=prod_rule if blue else None,
            test_rule=test_rule if blue else None,
            initial=initial,
            created=now,
        )
        run.fail_hooks.update(self.armed.pop(service.arn, {}))
        if initial and getattr(service, "deployments", None):
            run.moto_deployment_id = service.deployments[0].get("id")  # moto's own first deployment
        else:
            run.moto_deployment_id = self.moto_start(service, target_td, now)
        self.runs[arn] = run
        state["current"] = arn
        state["revisions"] = sources + [target]
        log(f"ecs: {service.arn} service deployment {arn.rsplit('/', 1)[-1]} ({config['strategy']}) to {target_td}")
        return run

    @staticmethod
    def build_steps(config: dict, reconcile: bool, initial: bool) -> list[dict]:
        def step(stage: str, hook: str | None = None, seconds: float | None = None, weight: float | None = None, test: float | None = None) -> dict:
            return {
                "stage": stage,
                "hook": hook,
                "seconds": float(ECS_STEP_SECONDS.get(stage, 0) if seconds is None else seconds),
                "weight": weight,
                "test": test,
            }

        if initial:
            return [step("PRE_SCALE_UP", "PRE_SCALE_UP"), step("SCALE_UP"), step("POST_SCALE_UP", "POST_SCALE_UP")]
        steps = []
        if reconcile:
            steps.append(step("RECONCILE_SERVICE", "RECONCILE_SERVICE", weight=0.0, test=0.0))
        steps += [
            step("PRE_SCALE_UP", "PRE_SCALE_UP"),
            step("SCALE_UP"),
            step("POST_SCALE_UP", "POST_SCALE_UP"),
            step("TEST_TRAFFIC_SHIFT", "TEST_TRAFFIC_SHIFT", test=100.0),
            step("POST_TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT"),
        ]
        strategy = config["strategy"]
        shifts: list[tuple[float, float]] = []  # (percent, config-seconds of bake after it)
        if strategy == "CANARY":
            canary = config["canaryConfiguration"]
            shifts = [(float(canary["canaryPercent"]), canary["canaryBakeTimeInMinutes"] * 60.0), (100.0, 0.0)]
            if shifts[0][0] >= 100.0:
                shifts = [(100.0, 0.0)]
        elif strategy == "LINEAR":
            linear = config["linearConfiguration"]
            pct = float(linear["stepPercent"])
            n = max(1, math.ceil(100.0 / pct - 1e-9))
            shifts = [(min(100.0, round(pct * k, 6)), linear["stepBakeTimeInMinutes"] * 60.0 if k < n else 0.0) for k in range(1, n + 1)]
        else:
            shifts = [(100.0, 0.0)]
        for pct, bake in shifts:
            steps.append(step("PRODUCTION_TRAFFIC_SHIFT", "PRE_PRODUCTION_TRAFFIC_SHIFT", seconds=0.0))
            steps.append(step("PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT", weight=pct))
            if bake:
                steps.append(step("PRODUCTION_TRAFFIC_SHIFT", seconds=bake))
        steps += [
            step("POST_PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"),
            step("BAKE_TIME", seconds=float(config.get("bakeTimeInMinutes") or 0) * 60.0),
            step("CLEAN_UP"),
        ]
        return steps

    def serving(self, account: str, region: str, rule: str | None, primary: str, alternate: str, last: ServiceDeploymentRun | None) -> str:
        """The target group that carries the production traffic now (blue for the next deployment)."""
        weights = self.rule_weights(account, region, rule) or {}
        if primary in weights and alternate in weights and weights[primary] != weights[alternate]:
            return primary if weights[primary] > weights[alternate] else alternate
        if primary in weights and alternate not in weights:
            return primary
        if alternate in weights and primary not in weights:
            return alternate
        if last is not None and last.blue_tg and last.green_tg:
            return last.green_tg if last.prod_weight > 50.0 else last.blue_tg
        if last is not None and last.initial and last.green_tg in (primary, alternate):
            return last.green_tg
        return primary

    def new_revision(self, state: dict, service: Any, td_arn: str, tg: str | None, rule: str | None, now: float) -> dict:
        account, region = state["account"], state["region"]
        arn = f"arn:aws:ecs:{region}:{account}:service-revision/{service.cluster_name}/{service.name}/{_digits(19)}"
        images = []
        try:
            td = self.ecs(account, region).describe_task_definition(td_arn)
            for container in td.container_definitions or []:
                image = {"containerName": container.get("name"), "image": container.get("image")}
                digest = self.image_digest(container.get("image") or "")
                if digest:
                    image["imageDigest"] = digest
                images.append(image)
        except Exception:
            pass
        revision: dict[str, Any] = {
            "serviceRevisionArn": arn,
            "serviceArn": service.arn,
            "clusterArn": service.cluster_arn,
            "taskDefinition": td_arn,
            "launchType": service.launch_type,
            "platformVersion": service.platform_version,
            "loadBalancers": state["loadBalancers"] or service.load_balancers or [],
            "serviceRegistries": service.service_registries or [],
            "networkConfiguration": service.network_configuration or None,
            "containerImages": images,
            "guardDutyEnabled": False,
            "createdAt": now,
        }
        if tg:
            revision["resolvedConfiguration"] = {"loadBalancers": [{"targetGroupArn": tg, "productionListenerRule": rule}]}
        self.revisions[arn] = {k: v for k, v in revision.items() if v is not None}
        return self.revisions[arn]

    def revision_tg(self, arn: str) -> str | None:
        lbs = ((self.revisions.get(arn) or {}).get("resolvedConfiguration") or {}).get("loadBalancers") or [{}]
        return lbs[0].get("targetGroupArn")

    @staticmethod
    def image_digest(image: str) -> str | None:
        """The digest of an image named by digest, or of an ECR image moto holds (by tag)."""
        if "@sha256:" in image:
            return image.split("@", 1)[1]
        m = re.match(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/([^:@]+)(?::([^@]+))?$", image)
        if not m:
            return None
        try:
            from moto.ecr.models import ecr_backends

            repo = ecr_backends[m.group(1)][m.group(2)].repositories.get(m.group(3))
            tag = m.group(4) or "latest"
            for img in list(getattr(repo, "images", None) or []):
                if tag in (img.image_tags or []) or img.image_tag == tag:
                    return img.image_digest
        except Exception:
            return None
        return None

    # -- moto's service, the load balancer -----------------------------------------------------------------

    @staticmethod
    def moto_start(service: Any, td_arn: str, now: float) -> str:
        """The new PRIMARY deployment in moto's service; the others become ACTIVE."""
        current = list(getattr(service, "deployments", None) or [])
        template = dict(current[0]) if current else {
            "desiredCount": service.desired_count,
            "failedTasks": 0,
            "launchType": service.launch_type,
            "pendingCount": 0,
            "runningCount": 0,
            "platformVersion": service.platform_version,
            "platformFamily": "EC2" if service.launch_type == "EC2" else "FARGATE",
        }
        dep_id = f"ecs-svc/{_digits(19)}"
        template.update(
            id=dep_id,
            status="PRIMARY",
            taskDefinition=td_arn,
            desiredCount=service.desired_count,
            createdAt=naive_utc(now),
            updatedAt=naive_utc(now),
            rolloutState="IN_PROGRESS",
            rolloutStateReason=f"ECS deployment {dep_id} in progress.",
        )
        for dep in current:
            if dep.get("status") == "PRIMARY":
                dep["status"] = "ACTIVE"
        service.deployments = [template] + current
        return dep_id

    def moto_service_of(self, run: ServiceDeploymentRun) -> Any:
        try:
            return self.ecs(run.account, run.region).services.get(f"{run.cluster}:{run.service}")
        except Exception:
            return None

    def moto_finish(self, run: ServiceDeploymentRun, at: float, succeeded: bool) -> None:
        service = self.moto_service_of(run)
        if service is None:
            return
        deployments = list(getattr(service, "deployments", None) or [])
        mine = next((d for d in deployments if d.get("id") == run.moto_deployment_id), None)
        if succeeded:
            if mine is not None:
                mine.update(
                    status="PRIMARY", rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {mine['id']} completed.",
                    updatedAt=naive_utc(at),
                )
                service.deployments = [mine]
            return
        # rolled back: the source revision's task definition serves again
        if run.source_td:
            service.task_definition = run.source_td
        rest = [d for d in deployments if d is not mine]
        back = next((d for d in rest if d.get("taskDefinition") == run.source_td), None)
        if back is None and run.source_td:
            self.moto_start(service, run.source_td, at)
            back = service.deployments[0]
            rest = [back]
        if back is not None:
            back.update(status="PRIMARY", rolloutState="COMPLETED", rolloutStateReason=f"ECS deployment {back['id']} completed.", updatedAt=naive_utc(at))
            service.deployments = [back]

    @staticmethod
    def elbv2(account: str, region: str) -> Any:
        from moto.elbv2.models import elbv2_backends

        return elbv2_backends[account][region]

    def find_rule(self, account: str, region: str, arn: str | None) -> tuple[Any, Any] | None:
        """(listener, rule) for a listener rule ARN, or a listener ARN (its default rule: NLB)."""
        if not arn:
            return None
        try:
            backend = self.elbv2(account, region)
            for lb in list(backend.load_balancers.values()):
                for listener in list(lb.listeners.values()):
                    if listener.arn == arn:
                        return listener, listener._default_rule[0]
                    for rule in list(listener.rules.values()):
                        if rule.arn == arn:
                            return listener, rule
        except Exception:
            traceback.print_exc()
        return None

    def rule_weights(self, account: str, region: str, arn: str | None) -> dict[str, int] | None:
        found = self.find_rule(account, region, arn)
        if found is None:
            return None
        for action in found[1].actions:
            data = getattr(action, "data", {}) or {}
            if data.get("Type") != "forward":
                continue
            groups = (data.get("ForwardConfig") or {}).get("TargetGroups")
            if groups:
                return {g["TargetGroupArn"]: int(g.get("Weight", 1)) for g in groups}
            if data.get("TargetGroupArn"):
                return {data["TargetGroupArn"]: 1}
        return None

    def set_weights(self, run: ServiceDeploymentRun, rule_arn: str | None, green_pct: float) -> None:
        """The rule forwards to the blue and green target groups, weighted (100 - green, green)."""
        found = self.find_rule(run.account, run.region, rule_arn)
        if found is None or not run.blue_tg or not run.green_tg:
            return
        from moto.elbv2.models import FakeAction

        listener, rule = found
        green = int(round(max(0.0, min(100.0, green_pct))))
        actions = []
        replaced = False
        for action in rule.actions:
            data = dict(getattr(action, "data", {}) or {})
            if data.get("Type") != "forward" or replaced:
                actions.append(action)
                continue
            forward = dict(data.get("ForwardConfig") or {})
            forward["TargetGroups"] = [
                {"TargetGroupArn": run.blue_tg, "Weight": 100 - green},
                {"TargetGroupArn": run.green_tg, "Weight": green},
            ]
            forward.setdefault("TargetGroupStickinessConfig", {"Enabled": False})
            data["ForwardConfig"] = forward
            data.pop("TargetGroupArn", None)
            actions.append(FakeAction(data))
            replaced = True
        if not replaced:
            log(f"ecs: {rule_arn} has no forward action; {run.arn} cannot shift its traffic")
            return
        rule.actions = actions
        if getattr(rule, "is_default", False):
            listener.default_actions = actions

    def apply_traffic(self, run: ServiceDeploymentRun, prod: float | None = None, test: float | None = None) -> None:
        """Sets the green revision's share of production / test traffic, on the listener rules too (written even
        when unchanged: a deployment that reconciles takes over rules a stopped one left part-shifted)."""
        if prod is not None:
            run.prod_weight = prod
            self.set_weights(run, run.prod_rule, prod)
        if test is not None:
            run.test_weight = test
            self.set_weights(run, run.test_rule, test)

    # -- progress ------------------------------------------------------------------------------------------

    def tick(self) -> None:
        now = time.time()
        for run in list(self.runs.values()):
            if run.done:
                continue
            try:
                self.advance(run, now)
                if run.status == "IN_PROGRESS" and run.alarms_enabled and run.stage != "CLEAN_UP":
                    firing = self.alarms_firing(run)
                    if firing:
                        self.alarm_triggered(run, now, firing)
            except Exception:
                traceback.print_exc()

    def advance(self, run: ServiceDeploymentRun, now: float) -> None:
        while not run.done:
            if run.status == "PENDING":
                begin = run.created + ECS_STEP_SECONDS["PENDING"] / run.speed
                if now < begin:
                    return
                run.status, run.started, run.updated = "IN_PROGRESS", begin, begin
                self.begin_step(run, 0, begin)
                continue
            if run.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"):
                end = run.phase_started + ECS_STEP_SECONDS[run.status] / run.speed
                if now < end:
                    return
                if run.status == "ROLLBACK_REQUESTED":
                    self.rolling_back(run, end)
                elif run.status == "ROLLBACK_IN_PROGRESS":
                    self.finish(run, end, "ROLLBACK_SUCCESSFUL", run.status_reason)
                else:
                    self.finish(run, end, "STOPPED", run.status_reason)
                    run.stopped = end
                continue
            step = run.step
            if step is None:
                return
            if run.waiting is not None:
                if now < run.waiting["expires"]:
                    return
                for detail in run.waiting["hooks"].values():
                    if detail["status"] == "AWAITING_ACTION":
                        detail["status"] = "TIMED_OUT"
                at, action = run.waiting["expires"], run.waiting["action"]
                run.waiting = None
                if action == "ROLLBACK":
                    self.begin_rollback(run, at, f"The lifecycle hook at the {step['hook']} stage timed out; rolling back.")
                    continue
                self.next_step(run, at)
                continue
            end = run.step_started + step["seconds"] / run.speed
            if now < end:
                return
            hook = step["hook"]
            if hook and hook in run.fail_hooks:
                message = run.fail_hooks.pop(hook)
                for detail in run.hook_history:
                    detail["status"] = "FAILED"
                targets = ", ".join(h.get("hookTargetArn") or "PAUSE" for h in run.hooks_at(hook)) or "the lifecycle hook"
                self.begin_rollback(run, end, f"Lifecycle hook {targets} failed at the {hook} stage: {message}")
                continue
            if hook and any((h.get("targetType") or "AWS_LAMBDA") == "PAUSE" for h in run.hooks_at(hook)):
                self.pause(run, hook, end)
                return
            self.next_step(run, end)

    def begin_step(self, run: ServiceDeploymentRun, idx: int, at: float) -> None:
        run.idx = idx
        run.step_started = at
        run.updated = at
        step = run.steps[idx]
        self.apply_traffic(run, step["weight"], step["test"])
        run.hook_history = []
        if step["hook"]:
            for n, hook in enumerate(run.hooks_at(step["hook"])):
                if (hook.get("targetType") or "AWS_LAMBDA") == "AWS_LAMBDA":
                    run.hook_history.append(
                        {"hookId": f"{idx}-{n}-{_ecs_id(8)}", "targetType": "AWS_LAMBDA", "targetArn": hook.get("hookTargetArn"), "status": "IN_PROGRESS"}
                    )

    def next_step(self, run: ServiceDeploymentRun, at: float) -> None:
        for detail in run.hook_history:
            if detail["status"] in ("IN_PROGRESS", "AWAITING_ACTION"):
                detail["status"] = "SUCCEEDED"
        if run.idx + 1 < len(run.steps):
            self.begin_step(run, run.idx + 1, at)
            return
        run.idx = len(run.steps)
        self.finish(run, at, "SUCCESSFUL", None)

    def pause(self, run: ServiceDeploymentRun, hook_stage: str, at: float) -> None:
        hooks = {}
        timeout_minutes, action = 1440, "ROLLBACK"
        for n, hook in enumerate(run.hooks_at(hook_stage)):
            if (hook.get("targetType") or "AWS_LAMBDA") != "PAUSE":
                continue
            timeout = hook.get("timeoutConfiguration") or {}
            timeout_minutes = int(timeout.get("timeoutInMinutes") or 1440)
            action = timeout.get("action") or "ROLLBACK"
            hook_id = _ecs_id(12)
            hooks[hook_id] = {
                "hookId": hook_id,
                "targetType": "PAUSE",
                "status": "AWAITING_ACTION",
                "expiresAt": at + timeout_minutes * 60.0 / run.speed,
                "timeoutAction": action,
            }
        run.waiting = {"hooks": hooks, "expires": at + timeout_minutes * 60.0 / run.speed, "action": action}
        run.hook_history = [d for d in run.hook_history if d["targetType"] != "PAUSE"] + list(hooks.values())
        run.updated = at

    def alarms_firing(self, run: ServiceDeploymentRun) -> list[str]:
        from moto.cloudwatch.models import cloudwatch_backends

        alarms = cloudwatch_backends[run.account][run.region].alarms
        names = (run.config.get("alarms") or {}).get("alarmNames") or []
        return [n for n in names if n in alarms and alarms[n].state_value == "ALARM"]

    def alarm_triggered(self, run: ServiceDeploymentRun, at: float, firing: list[str]) -> None:
        run.alarm_status = "TRIGGERED"
        run.triggered = firing
        reason = f"CloudWatch alarm(s) in ALARM state: {', '.join(firing)}."
        if (run.config.get("alarms") or {}).get("rollback"):
            self.begin_rollback(run, at, f"{reason} Rolling back to the source service revision.")
        else:
            run.stopped = at
            self.finish(run, at, "STOPPED", f"{reason} The deployment was stopped (alarm rollback is not enabled).")

    def begin_rollback(self, run: ServiceDeploymentRun, at: float, reason: str, requested: bool = False) -> None:
        run.status_reason = reason
        run.rollback = {"reason": reason, "startedAt": at, "serviceRevisionArn": run.sources[0] if run.sources else None}
        if requested:
            run.status, run.phase_started, run.updated = "ROLLBACK_REQUESTED", at, at
        else:
            self.rolling_back(run, at)
        run.waiting = None
        log(f"ecs: {run.arn} rolling back: {reason}")

    def rolling_back(self, run: ServiceDeploymentRun, at: float) -> None:
        run.status, run.phase_started, run.updated = "ROLLBACK_IN_PROGRESS", at, at
        self.apply_traffic(run, 0.0, 0.0)
        if run.rollback is not None:
            run.rollback["startedAt"] = at
        self.moto_finish(run, at, succeeded=False)

    def finish(self, run: ServiceDeploymentRun, at: float, status: str, reason: str | None) -> None:
        run.status, run.finished, run.updated = status, at, at
        run.status_reason = reason if reason is not None else run.status_reason
        run.waiting = None
        if run.alarm_status == "MONITORING":
            run.alarm_status = "MONITORING_COMPLETE"
        state = self.services.get(run.service_arn)
        if status == "SUCCESSFUL":
            self.moto_finish(run, at, succeeded=True)
            if state is not None and state["current"] == run.arn:
                state["revisions"] = [run.target]
        elif status == "ROLLBACK_SUCCESSFUL":
            if state is not None and state["current"] == run.arn:
                state["revisions"] = run.sources[:1]
        log(f"ecs: {run.arn} {status}{': ' + reason if reason else ''}")
