"""4. Patches of moto 5.2.5's models: EC2, ECS, Elastic Load Balancing v2 and Application Auto Scaling."""

from __future__ import annotations

import os
from typing import Any


def patch_moto_ec2_rule_descriptions() -> None:
    """A security group rule's Description, as DescribeSecurityGroupRules answers it: moto 5.2.5 reads it only from
    the rule's IP range, so a rule that references a security group (aws_vpc_security_group_ingress_rule with
    referenced_security_group_id) or a prefix list loses the description given in its UserIdGroupPair /
    PrefixListId, and ModifySecurityGroupRules files a new one under the IP range. Every re-plan then wants to
    put the description back."""
    from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule

    if getattr(SecurityGroupRule.__init__, "_sandbox", False):
        return
    moto_init = SecurityGroupRule.__init__
    moto_modify = SecurityGroupBackend.modify_security_group_rules

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        prefix_list = kwargs.get("prefix_list_id", args[7] if len(args) > 7 else None)
        moto_init(self, *args, **kwargs)
        self.prefix_list_description = (prefix_list or {}).get("Description")

    def description(self: Any) -> str | None:
        if self.source_group:
            return self.source_group.get("Description")
        if self.prefix_list_id:
            return getattr(self, "prefix_list_description", None)
        return self.ip_range.get("Description")

    def modify(self: Any, group_id: str, rules: dict[str, dict[str, Any]]) -> None:
        moto_modify(self, group_id, rules)
        group = self.get_security_group_by_name_or_id(group_id)
        for rule_id, new_rule in rules.items():
            rule = group.get_rule(rule_id)
            if rule is None or "Description" not in new_rule or not (rule.source_group or rule.prefix_list_id):
                continue
            rule.ip_range.pop("Description", None)  # moto filed it there
            if rule.source_group:
                rule.source_group["Description"] = new_rule["Description"]
            else:
                rule.prefix_list_description = new_rule["Description"]

    init._sandbox = True  # type: ignore[attr-defined]
    SecurityGroupRule.__init__ = init  # type: ignore[method-assign]
    SecurityGroupRule.description = property(description)  # type: ignore[method-assign,assignment]
    SecurityGroupBackend.modify_security_group_rules = modify  # type: ignore[method-assign]


def patch_moto_ecs_tasks_serve() -> None:
    """A service's tasks start and serve behind its load balancer, as ECS makes them: runningCount follows
    desiredCount from the start (moto 5.2.5 keeps a new service at MOTO_ECS_SERVICE_RUNNING tasks, 0 unless set,
    and only an UpdateService of the count moves it), and DescribeTargetHealth of a target group a service
    names in its loadBalancers lists its running tasks as healthy ip targets (ECS registers Fargate tasks by
    IP; moto lists only what RegisterTargets registered). With MOTO_ECS_SERVICE_RUNNING set, moto's count
    stands. A region taken down fails both calls before they get here (RegionOutage)."""
    from moto.ecs.models import Service, ecs_backends
    from moto.elbv2.models import ELBv2Backend, FakeHealthStatus

    if getattr(Service.__init__, "_sandbox_tasks_serve", False):
        return
    moto_init = Service.__init__
    moto_health = ELBv2Backend.describe_target_health

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        moto_init(self, *args, **kwargs)
        if "MOTO_ECS_SERVICE_RUNNING" in os.environ:
            return
        self.running_count, self.pending_count = self.desired_count, 0
        for deployment in self.deployments:
            deployment.update(runningCount=self.desired_count, pendingCount=0, rolloutState="COMPLETED")

    def registered_tasks(backend: Any, target_group_arn: str, port: str | None) -> list[Any]:
        ecs = ecs_backends[backend.account_id][backend.region_name]
        tasks = []
        for n, service in enumerate(ecs.services.values()):
            for lb in service.load_balancers:
                if lb.get("targetGroupArn") != target_group_arn:
                    continue
                tasks += [
                    FakeHealthStatus(f"10.{n // 256}.{n % 256}.{i + 10}", str(lb.get("containerPort") or port), None, "healthy")
                    for i in range(service.running_count)
                ]
        return tasks

    def describe_target_health(self: Any, target_group_arn: str, targets: list[dict[str, Any]]) -> list[Any]:
        health = moto_health(self, target_group_arn, targets)
        if health or targets:
            return health
        group = self.target_groups[target_group_arn]
        return registered_tasks(self, target_group_arn, group.port)

    init._sandbox_tasks_serve = True  # type: ignore[attr-defined]
    Service.__init__ = init  # type: ignore[method-assign]
    ELBv2Backend.describe_target_health = describe_target_health  # type: ignore[method-assign]


def patch_moto_ecs_scales_to_its_bounds() -> None:
    """Application Auto Scaling keeps an ECS service's desired count within its scalable target's bounds: a
    RegisterScalableTarget whose MinCapacity is above the current count scales the service out to it at once,
    one whose MaxCapacity is below scales it in (moto 5.2.5 records the bounds and leaves the service alone).
    The bundled stacks let autoscaling own desired_count, so this is how a DR region leaves 0 tasks when its
    stack makes it active, and returns to 0 when it stands by again."""
    from moto.applicationautoscaling.models import ApplicationAutoscalingBackend

    if getattr(ApplicationAutoscalingBackend.register_scalable_target, "_sandbox", False):
        return
    moto_register = ApplicationAutoscalingBackend.register_scalable_target

    def register(self: Any, namespace: str, r_id: str, dimension: str, *args: Any, **kwargs: Any) -> Any:
        target = moto_register(self, namespace, r_id, dimension, *args, **kwargs)
        if namespace != "ecs" or dimension != "ecs:service:DesiredCount":
            return target
        _, cluster, name = r_id.split("/")
        service = self.ecs_backend._get_service(cluster, name)
        low, high = target.min_capacity, target.max_capacity
        wanted = service.desired_count
        if low is not None and wanted < int(low):
            wanted = int(low)
        if high is not None and wanted > int(high):
            wanted = int(high)
        if wanted != service.desired_count:
            self.ecs_backend.update_service({"cluster": cluster, "service": name, "desired_count": wanted})
        return target

    register._sandbox = True  # type: ignore[attr-defined]
    ApplicationAutoscalingBackend.register_scalable_target = register  # type: ignore[method-assign]
