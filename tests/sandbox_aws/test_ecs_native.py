"""Amazon ECS service deployments with the ECS deployment controller's blue/green, canary and linear strategies
(deploymentConfiguration.strategy, advancedConfiguration on the load balancers) in sandbox_aws: lifecycle
stages, listener rule weights, alarm and hook rollbacks, StopServiceDeployment, superseded deployments,
ListServiceDeployments / DescribeServiceRevisions, outages and the call record.

boto3 in the sandbox venv predates these fields and StopServiceDeployment, so the ECS calls here are raw
JSON 1.1 requests signed with SigV4, as the Rust SDK sends them."""

from __future__ import annotations

import json
import time
import unittest
import urllib.error
import urllib.request
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import ACCOUNT, Front, wait_until

front: Front
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-infrastructure"
HOOK = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:smoke-test"
ORDER = [
    "RECONCILE_SERVICE", "PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP",
]
FINAL = {"SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"}


def setUpModule() -> None:
    global front
    front = Front(PD_SANDBOX_ECS_SPEED="120")


def tearDownModule() -> None:
    front.stop()


def ecs_call(op: str, body: dict, region: str = REGION) -> tuple[int, dict]:
    """An ECS JSON 1.1 request, SigV4-signed with the account's static test keys."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}"}
    request = AWSRequest(method="POST", url=f"{front.url}/", data=data, headers=headers)
    SigV4Auth(Credentials("AKIDSANDBOXTEST", "test"), "ecs", region).add_auth(request)
    raw = urllib.request.Request(f"{front.url}/", data=data, method="POST", headers=dict(request.headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def get(path: str) -> dict:
    with urllib.request.urlopen(f"{front.url}{path}", timeout=10) as r:
        return json.load(r)


def speed(value: float) -> None:
    status, body = front.control("/_sandbox/ecs/speed", {"speed": value})
    assert status == 200, body


def in_order(seen: list[str]) -> bool:
    positions = [ORDER.index(s) for s in seen]
    return positions == sorted(positions)


class EcsNativeDeploymentTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        speed(120)
        self.elb = front.client("elbv2", REGION)
        self.cw = front.client("cloudwatch", REGION)

    # -- fixtures ------------------------------------------------------------------------------------------

    def ok(self, op: str, body: dict, region: str = REGION) -> dict:
        status, out = ecs_call(op, body, region)
        self.assertEqual(status, 200, f"{op}: {out}\n{front.log_tail()}")
        return out

    def error(self, op: str, body: dict, region: str = REGION) -> tuple[int, str, str]:
        status, out = ecs_call(op, body, region)
        self.assertNotEqual(status, 200, f"{op} should have failed: {out}")
        return status, out.get("__type", ""), out.get("message", "")

    def world(self, name: str = "web", test_rule: bool = True, images: int = 3) -> None:
        """An ALB with a production rule forwarding to blue (100) and green (0), a test rule, a cluster and
        task definitions web:1..web:N whose images are in ECR."""
        ec2 = front.client("ec2", REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
            for i, az in ((1, "a"), (2, "b"))
        ]
        lb = self.elb.create_load_balancer(Name=name, Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        self.blue, self.green = (
            self.elb.create_target_group(Name=f"{name}-{c}", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
            for c in ("blue", "green")
        )
        listeners = [
            self.elb.create_listener(
                LoadBalancerArn=lb, Protocol="HTTP", Port=port,
                DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}],
            )["Listeners"][0]["ListenerArn"]
            for port in (80, 8080)
        ]
        forward = {"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": self.blue, "Weight": 100}, {"TargetGroupArn": self.green, "Weight": 0}
        ]}}
        self.prod_rule = self.elb.create_rule(
            ListenerArn=listeners[0], Priority=1, Conditions=[{"Field": "path-pattern", "Values": ["/*"]}], Actions=[forward]
        )["Rules"][0]["RuleArn"]
        self.test_rule = None
        if test_rule:
            self.test_rule = self.elb.create_rule(
                ListenerArn=listeners[1], Priority=1, Conditions=[{"Field": "path-pattern", "Values": ["/*"]}], Actions=[forward]
            )["Rules"][0]["RuleArn"]
        ecr = front.client("ecr", REGION)
        ecr.create_repository(repositoryName="app")
        self.digests = {}
        self.ecs = front.client("ecs", REGION)
        self.ecs.create_cluster(clusterName="shop")
        for i in range(1, images + 1):
            manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                                   "config": {"digest": f"sha256:{i:064x}", "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                                   "layers": []})
            self.digests[i] = ecr.put_image(repositoryName="app", imageManifest=manifest, imageTag=f"v{i}")["image"]["imageId"]["imageDigest"]
            self.ecs.register_task_definition(
                family=name,
                containerDefinitions=[{"name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:v{i}", "memory": 128}],
            )
        self.name = name

    def load_balancers(self) -> list[dict]:
        advanced = {"alternateTargetGroupArn": self.green, "productionListenerRule": self.prod_rule, "roleArn": ROLE}
        if self.test_rule:
            advanced["testListenerRule"] = self.test_rule
        return [{"targetGroupArn": self.blue, "containerName": "app", "containerPort": 80, "advancedConfiguration": advanced}]

    def service(self, config: dict, wait: bool = True) -> dict:
        out = self.ok(
            "CreateService",
            {
                "cluster": "shop",
                "serviceName": self.name,
                "taskDefinition": f"{self.name}:1",
                "desiredCount": 2,
                "loadBalancers": self.load_balancers(),
                "deploymentConfiguration": config,
            },
        )["service"]
        first = out["currentServiceDeployment"]
        if wait:
            self.wait(first, {"SUCCESSFUL"})
        return out

    def update(self, revision: int, **extra: Any) -> str:
        body = {"cluster": "shop", "service": self.name, "taskDefinition": f"{self.name}:{revision}", **extra}
        out = self.ok("UpdateService", body)["service"]
        self.assertTrue(out["taskDefinition"].endswith(f"task-definition/{self.name}:{revision}"), out["taskDefinition"])
        return out["currentServiceDeployment"]

    def describe(self, arn: str) -> dict:
        out = self.ok("DescribeServiceDeployments", {"serviceDeploymentArns": [arn]})
        self.assertEqual(out["failures"], [])
        return out["serviceDeployments"][0]

    def wait(self, arn: str, statuses: set[str], timeout: float = 20) -> dict:
        return wait_until(lambda: (lambda d: d if d["status"] in statuses else None)(self.describe(arn)), timeout, what=f"{arn} in {statuses}")

    def weights(self, rule: str | None = None) -> list[int]:
        """[blue, green] weights of the rule's forward action."""
        action = self.elb.describe_rules(RuleArns=[rule or self.prod_rule])["Rules"][0]["Actions"][0]
        by_tg = {g["TargetGroupArn"]: g["Weight"] for g in action["ForwardConfig"]["TargetGroups"]}
        return [by_tg.get(self.blue, 0), by_tg.get(self.green, 0)]

    def watch(self, arn: str, timeout: float = 20, until: set[str] = FINAL) -> list[tuple]:
        """Distinct (status, stage, target production weight, rule weights) seen while polling."""
        seen: list[tuple] = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            d = self.describe(arn)
            snapshot = (d["status"], d.get("lifecycleStage"), d["targetServiceRevision"]["requestedProductionTrafficWeight"], tuple(self.weights()))
            if not seen or seen[-1] != snapshot:
                seen.append(snapshot)
            if d["status"] in until:
                return seen
            time.sleep(0.02)
        self.fail(f"{arn} did not reach {until} in {timeout}s: {seen}")

    def task_definition(self) -> str:
        return self.ok("DescribeServices", {"cluster": "shop", "services": [self.name]})["services"][0]["taskDefinition"]

    # -- progress ------------------------------------------------------------------------------------------

    def test_a_canary_goes_through_the_lifecycle_stages_shifting_the_production_rule(self) -> None:
        self.world()
        created = self.service({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1}, "bakeTimeInMinutes": 1})
        self.assertEqual(created["deploymentConfiguration"]["strategy"], "CANARY")
        self.assertEqual(created["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"], self.green)
        speed(40)  # stages of 5 config-seconds last 1/8 s, the canary and the bake 1.5 s each
        arn = self.update(2)
        self.assertRegex(arn, rf"^arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/shop/{self.name}/[A-Za-z0-9_-]+$")
        seen = self.watch(arn)

        statuses = [s[0] for s in seen]
        self.assertEqual(statuses[-1], "SUCCESSFUL", seen)
        self.assertEqual([s for i, s in enumerate(statuses) if i == 0 or statuses[i - 1] != s][-2:], ["IN_PROGRESS", "SUCCESSFUL"])
        stages = [s[1] for s in seen if s[1]]
        distinct = [s for i, s in enumerate(stages) if i == 0 or stages[i - 1] != s]
        self.assertTrue(in_order(distinct), distinct)
        self.assertNotIn("RECONCILE_SERVICE", distinct)  # one revision was active
        for stage in ("SCALE_UP", "PRODUCTION_TRAFFIC_SHIFT", "BAKE_TIME", "CLEAN_UP"):
            self.assertIn(stage, distinct)
        # the production rule: 90/10 during the canary, then all green; nothing shifted before the stage
        rule_weights = [s[3] for s in seen]
        self.assertIn((90, 10), rule_weights)
        self.assertEqual(rule_weights[-1], (0, 100))
        self.assertTrue(all(s[3] == (100, 0) for s in seen if s[1] in ("PRE_SCALE_UP", "SCALE_UP", "POST_SCALE_UP")), seen)
        self.assertTrue(all(s[2] == 10.0 and s[3] == (90, 10) for s in seen if s[2] not in (0.0, 100.0)), seen)
        canary = [s for s in seen if s[3] == (90, 10)]
        self.assertTrue(all(s[1] == "PRODUCTION_TRAFFIC_SHIFT" for s in canary), canary)
        self.assertTrue(all(s[3] == (0, 100) for s in seen if s[1] == "BAKE_TIME"), seen)
        self.assertEqual(self.weights(self.test_rule), [0, 100])

        done = self.describe(arn)
        self.assertEqual(done["lifecycleStage"], "CLEAN_UP")
        self.assertLessEqual(done["createdAt"], done["startedAt"])
        self.assertLessEqual(done["startedAt"], done["finishedAt"])
        self.assertNotIn("stoppedAt", done)
        self.assertEqual(done["deploymentConfiguration"]["canaryConfiguration"], {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 1})
        self.assertEqual(done["alarms"], {"status": "DISABLED", "alarmNames": [], "triggeredAlarmNames": []})
        self.assertEqual(done["deploymentCircuitBreaker"]["status"], "DISABLED")
        target = done["targetServiceRevision"]
        self.assertEqual(
            {k: target[k] for k in ("requestedTaskCount", "runningTaskCount", "requestedProductionTrafficWeight", "requestedTestTrafficWeight")},
            {"requestedTaskCount": 2, "runningTaskCount": 2, "requestedProductionTrafficWeight": 100.0, "requestedTestTrafficWeight": 100.0},
        )
        self.assertEqual(done["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"], 0.0)
        self.assertEqual(done["sourceServiceRevisions"][0]["runningTaskCount"], 0)

        service = self.ok("DescribeServices", {"cluster": "shop", "services": [self.name]})["services"][0]
        self.assertTrue(service["taskDefinition"].endswith(f":task-definition/{self.name}:2"))
        self.assertEqual(service["currentServiceDeployment"], arn)
        self.assertEqual([r["arn"] for r in service["currentServiceRevisions"]], [target["arn"]])
        self.assertEqual([(d["status"], d["rolloutState"]) for d in service["deployments"]], [("PRIMARY", "COMPLETED")])
        self.assertEqual(service["deploymentConfiguration"]["canaryConfiguration"]["canaryPercent"], 10.0)

        revisions = self.ok("DescribeServiceRevisions", {"serviceRevisionArns": [target["arn"], done["sourceServiceRevisions"][0]["arn"]]})
        self.assertEqual(revisions["failures"], [])
        new, old = revisions["serviceRevisions"]
        self.assertTrue(new["taskDefinition"].endswith(f"/{self.name}:2"))
        self.assertTrue(old["taskDefinition"].endswith(f"/{self.name}:1"))
        self.assertEqual(new["containerImages"], [{"containerName": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/app:v2", "imageDigest": self.digests[2]}])
        self.assertEqual(new["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"], self.green)
        self.assertEqual(old["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"], self.blue)
        self.assertEqual(new["loadBalancers"][0]["advancedConfiguration"]["productionListenerRule"], self.prod_rule)
        missing = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-revision/shop/{self.name}/1"
        self.assertEqual(self.ok("DescribeServiceRevisions", {"serviceRevisionArns": [missing]})["failures"], [{"arn": missing, "reason": "MISSING"}])

    def test_a_linear_deployment_shifts_step_by_step(self) -> None:
        self.world(test_rule=False)
        self.service({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1}})
        arn = self.update(2)
        seen = self.watch(arn)
        self.assertEqual(seen[-1][0], "SUCCESSFUL")
        def steps(values: list) -> list:
            return [v for i, v in enumerate(values) if i == 0 or values[i - 1] != v]

        self.assertEqual(steps([s[3][1] for s in seen]), [0, 25, 50, 75, 100], seen)  # the rule's green weight
        self.assertEqual(steps([s[2] for s in seen]), [0.0, 25.0, 50.0, 75.0, 100.0], seen)  # the target revision's
        self.assertEqual(self.describe(arn)["deploymentConfiguration"]["linearConfiguration"], {"stepPercent": 25.0, "stepBakeTimeInMinutes": 1})

    def test_the_next_deployment_goes_to_the_other_target_group(self) -> None:
        self.world()
        self.service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
        first = self.update(2)
        self.wait(first, {"SUCCESSFUL"})
        self.assertEqual(self.weights(), [0, 100])
        second = self.update(3)
        done = self.wait(second, {"SUCCESSFUL"})
        self.assertEqual(self.weights(), [100, 0])
        self.assertEqual(self.weights(self.test_rule), [100, 0])
        revisions = self.ok("DescribeServiceRevisions", {"serviceRevisionArns": [done["targetServiceRevision"]["arn"]]})["serviceRevisions"]
        self.assertEqual(revisions[0]["resolvedConfiguration"]["loadBalancers"][0]["targetGroupArn"], self.blue)
        self.assertEqual(len(done["sourceServiceRevisions"]), 1)
        self.assertEqual(done["sourceServiceRevisions"][0]["arn"], self.describe(first)["targetServiceRevision"]["arn"])
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:3"))

    # -- failures ------------------------------------------------------------------------------------------

    def test_an_alarm_in_alarm_during_the_canary_rolls_back(self) -> None:
        self.world()
        self.cw.put_metric_alarm(
            AlarmName="web-5xx", MetricName="HTTPCode_Target_5XX_Count", Namespace="AWS/ApplicationELB", Statistic="Sum",
            Period=60, EvaluationPeriods=1, Threshold=5.0, ComparisonOperator="GreaterThanThreshold",
        )
        self.service({
            "strategy": "CANARY",
            "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 30},
            "bakeTimeInMinutes": 5,
            "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
        })
        speed(30)  # the rollback lasts half a second: long enough to be seen
        arn = self.update(2)
        wait_until(lambda: self.describe(arn)["targetServiceRevision"]["requestedProductionTrafficWeight"] == 10.0, 10, what="the canary")
        during = self.describe(arn)
        self.assertEqual(during["alarms"], {"status": "MONITORING", "alarmNames": ["web-5xx"], "triggeredAlarmNames": []})
        self.assertEqual(self.weights(), [90, 10])
        self.cw.set_alarm_state(AlarmName="web-5xx", StateValue="ALARM", StateReason="5xx on the canary")
        seen = self.watch(arn, timeout=10)
        self.assertIn("ROLLBACK_IN_PROGRESS", [s[0] for s in seen])
        done = self.describe(arn)
        self.assertEqual(done["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(done["alarms"], {"status": "TRIGGERED", "alarmNames": ["web-5xx"], "triggeredAlarmNames": ["web-5xx"]})
        self.assertIn("web-5xx", done["statusReason"])
        self.assertEqual(done["rollback"]["serviceRevisionArn"], done["sourceServiceRevisions"][0]["arn"])
        self.assertIn("web-5xx", done["rollback"]["reason"])
        self.assertEqual(done["sourceServiceRevisions"][0]["requestedProductionTrafficWeight"], 100.0)
        self.assertEqual(done["targetServiceRevision"]["requestedProductionTrafficWeight"], 0.0)
        self.assertEqual(self.weights(), [100, 0])
        self.assertEqual(self.weights(self.test_rule), [100, 0])
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:1"))

    def test_an_alarm_without_rollback_stops_the_deployment(self) -> None:
        self.world(test_rule=False)
        self.cw.put_metric_alarm(
            AlarmName="web-latency", MetricName="TargetResponseTime", Namespace="AWS/ApplicationELB", Statistic="Average",
            Period=60, EvaluationPeriods=1, Threshold=1.0, ComparisonOperator="GreaterThanThreshold",
        )
        self.service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30, "alarms": {"alarmNames": ["web-latency"], "enable": True, "rollback": False}})
        arn = self.update(2)
        wait_until(lambda: self.describe(arn).get("lifecycleStage") == "BAKE_TIME", 10, what="the bake")
        self.cw.set_alarm_state(AlarmName="web-latency", StateValue="ALARM", StateReason="slow")
        done = self.wait(arn, FINAL, timeout=5)
        self.assertEqual(done["status"], "STOPPED")
        self.assertIn("stoppedAt", done)
        self.assertEqual(done["alarms"]["triggeredAlarmNames"], ["web-latency"])
        self.assertNotIn("rollback", done)

    def test_a_failing_lifecycle_hook_rolls_back_with_its_message(self) -> None:
        self.world()
        self.service({
            "strategy": "BLUE_GREEN",
            "bakeTimeInMinutes": 0,
            "lifecycleHooks": [{"hookTargetArn": HOOK, "roleArn": ROLE, "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}],
        })
        speed(20)
        arn = self.update(2)
        status, body = front.control("/_sandbox/ecs/fail-hook", {"serviceDeploymentArn": arn, "stage": "POST_TEST_TRAFFIC_SHIFT", "message": "smoke test: 3 of 10 checks failed"})
        self.assertEqual(status, 200, body)
        seen = self.watch(arn)
        self.assertEqual(seen[-1][0], "ROLLBACK_SUCCESSFUL", seen)
        self.assertTrue(all(s[3] == (100, 0) for s in seen), "production traffic never moved")
        done = self.describe(arn)
        self.assertIn("smoke test: 3 of 10 checks failed", done["statusReason"])
        self.assertIn("POST_TEST_TRAFFIC_SHIFT", done["statusReason"])
        self.assertEqual(done["lifecycleStage"], "POST_TEST_TRAFFIC_SHIFT")
        self.assertEqual([(h["targetArn"], h["status"]) for h in done["lifecycleHookDetails"]], [(HOOK, "FAILED")])
        self.assertEqual(self.weights(self.test_rule), [100, 0])
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:1"))
        # A hook failure armed for a service's next deployment (given by name), and refusals.
        status, body = front.control("/_sandbox/ecs/fail-hook", {"service": self.name, "stage": "PRE_SCALE_UP", "message": "no capacity"})
        self.assertEqual((status, body.get("armed")), (200, "next deployment"), body)
        second = self.update(2, forceNewDeployment=True)
        done = self.wait(second, {"ROLLBACK_SUCCESSFUL", "SUCCESSFUL"})
        self.assertEqual(done["status"], "ROLLBACK_SUCCESSFUL")
        self.assertIn("no capacity", done["statusReason"])
        self.assertEqual(front.control("/_sandbox/ecs/fail-hook", {"service": self.name, "stage": "BAKE_TIME"})[0], 400)
        self.assertEqual(front.control("/_sandbox/ecs/fail-hook", {"service": "nope", "stage": "PRE_SCALE_UP"})[0], 404)
        self.assertEqual(front.control("/_sandbox/ecs/fail-hook", {"serviceDeploymentArn": arn, "stage": "PRE_SCALE_UP"})[0], 409)

    def test_stop_with_rollback_is_seen_at_the_next_poll_and_ends_rolled_back(self) -> None:
        self.world()
        self.service({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 20.0, "canaryBakeTimeInMinutes": 60}})
        speed(20)  # ROLLBACK_REQUESTED then ROLLBACK_IN_PROGRESS last 1 s
        arn = self.update(2)
        wait_until(lambda: self.weights() == [80, 20], 10, what="the canary on the rule")
        self.assertEqual(self.ok("StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"}), {"serviceDeploymentArn": arn})
        right_after = self.describe(arn)
        self.assertIn(right_after["status"], ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"))
        self.assertIn("StopServiceDeployment", right_after["statusReason"])
        seen = self.watch(arn, timeout=5)
        self.assertIn("ROLLBACK_IN_PROGRESS", [s[0] for s in seen])
        done = self.describe(arn)
        self.assertEqual(done["status"], "ROLLBACK_SUCCESSFUL")
        self.assertEqual(self.weights(), [100, 0])
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:1"))
        # Stopping it again, an unknown deployment, a stop type AWS does not have.
        status, code, _ = self.error("StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"})
        self.assertEqual((status, code), (400, "ConflictException"))
        unknown = arn.rsplit("/", 1)[0] + "/AAAAAAAAAAAAAAAAAAAAAA"
        self.assertEqual(self.error("StopServiceDeployment", {"serviceDeploymentArn": unknown})[1], "ServiceDeploymentNotFoundException")
        self.assertEqual(self.error("StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ABANDON"})[1], "InvalidParameterException")
        self.assertEqual(self.error("StopServiceDeployment", {"serviceDeploymentArn": "not-an-arn"})[1], "InvalidParameterException")

    def test_stop_with_abort_leaves_two_revisions_that_the_next_deployment_reconciles(self) -> None:
        self.world(test_rule=False)
        self.service({"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 60}})
        speed(20)  # STOP_REQUESTED lasts 1/4 s
        arn = self.update(2)
        wait_until(lambda: self.weights() == [50, 50], 10, what="the first step")
        self.ok("StopServiceDeployment", {"serviceDeploymentArn": arn, "stopType": "ABORT"})
        self.assertEqual(self.describe(arn)["status"], "STOP_REQUESTED")
        done = self.wait(arn, {"STOPPED"}, timeout=5)
        self.assertIn("stoppedAt", done)
        self.assertEqual(self.weights(), [50, 50])  # left where it was
        service = self.ok("DescribeServices", {"cluster": "shop", "services": [self.name]})["services"][0]
        self.assertEqual(len(service["currentServiceRevisions"]), 2)
        nxt = self.update(3, deploymentConfiguration={"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 50.0, "stepBakeTimeInMinutes": 0}})
        seen = self.watch(nxt)
        self.assertEqual(seen[-1][0], "SUCCESSFUL")
        self.assertEqual([s[1] for s in seen if s[1]][0], "RECONCILE_SERVICE")
        self.assertEqual(len(self.describe(nxt)["sourceServiceRevisions"]), 2)

    def test_an_update_during_a_deployment_stops_it_and_starts_the_new_one(self) -> None:
        self.world()
        self.service({"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 60}})
        first = self.update(2)
        wait_until(lambda: self.weights() == [90, 10], 10, what="the canary")
        second = self.update(3)
        self.assertNotEqual(first, second)
        stopped = self.describe(first)
        self.assertEqual(stopped["status"], "STOPPED")
        self.assertIn("stoppedAt", stopped)
        starting = self.describe(second)
        self.assertIn(starting["status"], ("PENDING", "IN_PROGRESS"))
        self.assertEqual(len(starting["sourceServiceRevisions"]), 2)
        self.assertEqual(starting["sourceServiceRevisions"][0]["arn"], stopped["sourceServiceRevisions"][0]["arn"])
        wait_until(lambda: self.describe(second).get("lifecycleStage") not in (None, "RECONCILE_SERVICE"), 10, what="reconciled")
        self.assertEqual(self.weights(), [100, 0])  # reconciled: production back on the serving revision
        self.ok("StopServiceDeployment", {"serviceDeploymentArn": second, "stopType": "ROLLBACK"})
        self.wait(second, {"ROLLBACK_SUCCESSFUL"})
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:1"))

    def test_a_pause_hook_waits_for_continue_service_deployment(self) -> None:
        self.world(test_rule=False)
        self.service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
        pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_SCALE_UP"]}
        arn = self.update(2, deploymentConfiguration={"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [pause]})
        paused = wait_until(
            lambda: (lambda d: d if any(h["status"] == "AWAITING_ACTION" for h in d.get("lifecycleHookDetails", [])) else None)(self.describe(arn)),
            10, what="the pause",
        )
        self.assertEqual((paused["status"], paused["lifecycleStage"]), ("IN_PROGRESS", "POST_SCALE_UP"))
        time.sleep(0.3)
        self.assertEqual(self.describe(arn)["lifecycleStage"], "POST_SCALE_UP")
        hook = paused["lifecycleHookDetails"][0]
        self.assertEqual((hook["targetType"], hook["timeoutAction"]), ("PAUSE", "ROLLBACK"))
        self.assertEqual(self.error("ContinueServiceDeployment", {"serviceDeploymentArn": arn, "hookId": "nope"})[1], "InvalidParameterException")
        self.assertEqual(self.ok("ContinueServiceDeployment", {"serviceDeploymentArn": arn, "hookId": hook["hookId"], "action": "CONTINUE"}), {"serviceDeploymentArn": arn})
        self.assertEqual(self.wait(arn, FINAL)["status"], "SUCCESSFUL")

    def test_invalid_configurations_are_refused_as_aws_does(self) -> None:
        self.world()
        base = {"cluster": "shop", "serviceName": self.name, "taskDefinition": f"{self.name}:1", "desiredCount": 1, "loadBalancers": self.load_balancers()}
        for config in (
            {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 0.0, "canaryBakeTimeInMinutes": 1}},
            {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 1.0, "stepBakeTimeInMinutes": 1}},
            {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 2000},
            {"strategy": "BLUE_GREEN", "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["PRODUCTION_TRAFFIC_SHIFT"]}]},
            {"strategy": "BLUE_GREEN", "lifecycleHooks": [{"hookTargetArn": HOOK, "lifecycleStages": ["PRE_SCALE_UP"]}]},
            {"strategy": "SHADOW"},
        ):
            status, code, _ = self.error("CreateService", dict(base, deploymentConfiguration=config))
            self.assertEqual((status, code), (400, "InvalidParameterException"), config)
        without_advanced = dict(base, deploymentConfiguration={"strategy": "BLUE_GREEN"})
        without_advanced["loadBalancers"] = [{"targetGroupArn": self.blue, "containerName": "app", "containerPort": 80}]
        self.assertEqual(self.error("CreateService", without_advanced)[1], "InvalidParameterException")
        # nothing was created
        self.assertEqual(self.error("ListServiceDeployments", {"cluster": "shop", "service": self.name})[1], "ServiceNotFoundException")

    # -- listing, rolling services, the world around -------------------------------------------------------

    def test_list_service_deployments_newest_first_with_filters_and_pages(self) -> None:
        self.world()
        self.service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
        arns = []
        for revision in (2, 3):
            arns.append(self.update(revision))
            self.wait(arns[-1], {"SUCCESSFUL"})
        middle = time.time()
        time.sleep(0.05)
        arns.append(self.update(1))
        self.ok("StopServiceDeployment", {"serviceDeploymentArn": arns[-1]})
        self.wait(arns[-1], {"ROLLBACK_SUCCESSFUL"})

        listed = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name})["serviceDeployments"]
        self.assertEqual(len(listed), 4)  # the service's first deployment too
        self.assertEqual([b["serviceDeploymentArn"] for b in listed[:3]], arns[::-1])
        self.assertEqual([b["status"] for b in listed], ["ROLLBACK_SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL", "SUCCESSFUL"])
        created = [b["createdAt"] for b in listed]
        self.assertEqual(created, sorted(created, reverse=True))
        self.assertEqual(set(listed[1]), {"serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt", "targetServiceRevisionArn", "status"})
        self.assertIn("StopServiceDeployment", listed[0]["statusReason"])

        by_status = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name, "status": ["ROLLBACK_SUCCESSFUL"]})
        self.assertEqual([b["serviceDeploymentArn"] for b in by_status["serviceDeployments"]], [arns[-1]])
        recent = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name, "createdAt": {"after": middle}})
        self.assertEqual([b["serviceDeploymentArn"] for b in recent["serviceDeployments"]], [arns[-1]])
        older = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name, "createdAt": {"before": middle}})
        self.assertEqual(len(older["serviceDeployments"]), 3)

        page1 = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name, "maxResults": 3})
        page2 = self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name, "maxResults": 3, "nextToken": page1["nextToken"]})
        self.assertNotIn("nextToken", page2)
        self.assertEqual([b["serviceDeploymentArn"] for b in page1["serviceDeployments"] + page2["serviceDeployments"]], [b["serviceDeploymentArn"] for b in listed])

        self.assertEqual(self.error("ListServiceDeployments", {"cluster": "shop", "service": "nope"})[1], "ServiceNotFoundException")
        self.assertEqual(self.error("ListServiceDeployments", {"cluster": "nope", "service": self.name})[1], "ClusterNotFoundException")
        described = self.ok("DescribeServiceDeployments", {"serviceDeploymentArns": [arns[0], arns[0][:-4] + "zzzz"]})
        self.assertEqual(len(described["serviceDeployments"]), 1)
        self.assertEqual(described["failures"], [{"arn": arns[0][:-4] + "zzzz", "reason": "MISSING"}])

    def test_a_rolling_service_keeps_moto_behaviour(self) -> None:
        self.world()
        self.ecs.create_service(cluster="shop", serviceName="plain", taskDefinition="web:1", desiredCount=1)
        out = self.ok("UpdateService", {"cluster": "shop", "service": "plain", "taskDefinition": "web:2"})["service"]
        self.assertNotIn("currentServiceDeployment", out)
        self.assertNotIn("strategy", out.get("deploymentConfiguration") or {})
        self.assertEqual(self.ok("ListServiceDeployments", {"cluster": "shop", "service": "plain"})["serviceDeployments"], [])
        self.assertEqual(self.weights(), [100, 0])

    def test_calls_are_recorded_as_mutating_and_fail_during_an_outage(self) -> None:
        self.world()
        self.service({"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30})
        front.control("/_sandbox/calls/reset")
        arn = self.update(2)
        self.describe(arn)
        self.ok("ListServiceDeployments", {"cluster": "shop", "service": self.name})
        self.ok("StopServiceDeployment", {"serviceDeploymentArn": arn})
        record = get("/_sandbox/calls?service=ecs")
        by_op = {c["operation"]: c["mutating"] for c in record["counts"]}
        self.assertEqual(
            by_op,
            {"UpdateService": True, "DescribeServiceDeployments": False, "ListServiceDeployments": False, "StopServiceDeployment": True},
        )
        self.assertEqual(get("/_sandbox/calls?service=ecs&mutating=true")["mutating"], 2)

        self.assertEqual(front.control(f"/_sandbox/regions/{REGION}/down")[0], 200)
        try:
            for op, body in (
                ("DescribeServiceDeployments", {"serviceDeploymentArns": [arn]}),
                ("StopServiceDeployment", {"serviceDeploymentArn": arn}),
                ("UpdateService", {"cluster": "shop", "service": self.name, "taskDefinition": f"{self.name}:3"}),
            ):
                status, out = ecs_call(op, body)
                self.assertEqual((status, out.get("__type")), (503, "ServiceUnavailableException"), op)
        finally:
            front.control(f"/_sandbox/regions/{REGION}/up")
        self.assertEqual(self.wait(arn, FINAL)["status"], "ROLLBACK_SUCCESSFUL")
        self.assertTrue(self.task_definition().endswith(f"/{self.name}:1"))


if __name__ == "__main__":
    unittest.main()
