"""ECS tasks that start and serve in sandbox_aws: a service runs its desired count from the start, its
tasks are healthy ip targets of the target group its loadBalancers name, the way ECS registers Fargate tasks
(a failover waits for both before it moves traffic), and Application Auto Scaling keeps its count within the
scalable target's bounds (how a DR region's stack takes it from 0 tasks to its full count and back)."""

from __future__ import annotations

import unittest
from typing import Any

from support import Front

front: Front
REGION = "eu-west-1"


def setUpModule() -> None:
    global front
    front = Front()


def tearDownModule() -> None:
    front.stop()


class TasksServe(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.ec2 = front.client("ec2", REGION)
        self.elb = front.client("elbv2", REGION)
        self.ecs = front.client("ecs", REGION)
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.subnet = self.ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        self.sg = self.ec2.create_security_group(GroupName="api", Description="api", VpcId=vpc)["GroupId"]
        self.blue, self.green = (
            self.elb.create_target_group(Name=name, Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip")[
                "TargetGroups"
            ][0]["TargetGroupArn"]
            for name in ("api-blue", "api-green")
        )
        self.ecs.create_cluster(clusterName="shop")
        self.ecs.register_task_definition(
            family="api",
            containerDefinitions=[{"name": "app", "image": "api:1"}],
            networkMode="awsvpc",
            requiresCompatibilities=["FARGATE"],
            cpu="256",
            memory="512",
        )

    def service(self, desired: int) -> None:
        self.ecs.create_service(
            cluster="shop",
            serviceName="api",
            taskDefinition="api",
            desiredCount=desired,
            launchType="FARGATE",
            loadBalancers=[{"targetGroupArn": self.blue, "containerName": "app", "containerPort": 8080}],
            networkConfiguration={"awsvpcConfiguration": {"subnets": [self.subnet], "securityGroups": [self.sg]}},
        )

    def health(self, target_group: str) -> list[dict[str, Any]]:
        return self.elb.describe_target_health(TargetGroupArn=target_group)["TargetHealthDescriptions"]

    def test_a_new_service_runs_its_desired_tasks_healthy_behind_its_target_group(self) -> None:
        self.service(3)
        service = self.ecs.describe_services(cluster="shop", services=["api"])["services"][0]
        self.assertEqual((service["desiredCount"], service["runningCount"]), (3, 3))
        health = self.health(self.blue)
        self.assertEqual([h["TargetHealth"]["State"] for h in health], ["healthy"] * 3)
        self.assertEqual({h["Target"]["Port"] for h in health}, {8080})
        self.assertEqual(len({h["Target"]["Id"] for h in health}), 3, "one IP per task")
        self.assertEqual(self.health(self.green), [], "no task in the group the service does not name")

    def test_scaled_to_zero_and_back_its_targets_follow(self) -> None:
        self.service(0)
        self.assertEqual(self.health(self.blue), [])
        self.ecs.update_service(cluster="shop", service="api", desiredCount=2)
        self.assertEqual(len(self.health(self.blue)), 2)
        self.ecs.update_service(cluster="shop", service="api", desiredCount=0)
        self.assertEqual(self.health(self.blue), [])

    def test_registered_targets_answer_as_before(self) -> None:
        self.service(2)
        self.elb.register_targets(TargetGroupArn=self.green, Targets=[{"Id": "10.0.1.99", "Port": 8080}])
        self.assertEqual([h["Target"]["Id"] for h in self.health(self.green)], ["10.0.1.99"])

    def scalable_target(self, low: int, high: int) -> None:
        front.client("application-autoscaling", REGION).register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId="service/shop/api",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=low,
            MaxCapacity=high,
        )

    def counts(self) -> tuple[int, int]:
        service = self.ecs.describe_services(cluster="shop", services=["api"])["services"][0]
        return service["desiredCount"], service["runningCount"]

    def test_raising_the_minimum_scales_out_to_it_and_lowering_the_maximum_scales_in(self) -> None:
        self.service(0)
        self.scalable_target(0, 0)
        self.assertEqual(self.counts(), (0, 0))
        self.scalable_target(2, 6)
        self.assertEqual(self.counts(), (2, 2), "scaled out to the new minimum")
        self.assertEqual(len(self.health(self.blue)), 2)
        self.ecs.update_service(cluster="shop", service="api", desiredCount=5)
        self.scalable_target(2, 6)
        self.assertEqual(self.counts(), (5, 5), "a count within the bounds stays")
        self.scalable_target(0, 0)
        self.assertEqual(self.counts(), (0, 0), "scaled in to the new maximum")


if __name__ == "__main__":
    unittest.main()
