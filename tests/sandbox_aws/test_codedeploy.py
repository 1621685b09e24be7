"""CodeDeploy ECS blue/green deployments that progress in sandbox_aws (speed-up x60: a config-minute is 1 s)."""

from __future__ import annotations

import json
import time
import unittest
import uuid

from botocore.exceptions import ClientError

from support import ACCOUNT, Front, wait_until

front: Front
REGION = "us-east-1"
TERMINAL = {"Succeeded", "Failed", "Stopped"}


def setUpModule() -> None:
    global front
    front = Front(PD_SANDBOX_CODEDEPLOY_SPEED="60")


def tearDownModule() -> None:
    front.stop()


def appspec(task_definition_arn: str) -> str:
    return json.dumps(
        {
            "version": 0.0,
            "Resources": [
                {
                    "TargetService": {
                        "Type": "AWS::ECS::Service",
                        "Properties": {
                            "TaskDefinition": task_definition_arn,
                            "LoadBalancerInfo": {"ContainerName": "web", "ContainerPort": 8080},
                        },
                    }
                }
            ],
            "Hooks": [{"AfterAllowTestTraffic": "arn:aws:lambda:us-east-1:123456789012:function:smoke"}],
        }
    )


class CodeDeployTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.cd = front.client("codedeploy", REGION)
        self.cw = front.client("cloudwatch", REGION)
        self.ecs = front.client("ecs", REGION)
        self.app = f"app-{uuid.uuid4().hex[:6]}"

    # -- fixtures ------------------------------------------------------------------------------------------

    def ecs_service(self) -> tuple[str, str]:
        self.ecs.create_cluster(clusterName="shop")
        old = self.ecs.register_task_definition(
            family="api", containerDefinitions=[{"name": "web", "image": "repo/api:1", "memory": 128}]
        )["taskDefinition"]["taskDefinitionArn"]
        new = self.ecs.register_task_definition(
            family="api", containerDefinitions=[{"name": "web", "image": "repo/api:2", "memory": 128}]
        )["taskDefinition"]["taskDefinitionArn"]
        self.ecs.create_service(
            cluster="shop",
            serviceName="api",
            taskDefinition=old,
            desiredCount=2,
            deploymentController={"type": "CODE_DEPLOY"},
        )
        return old, new

    def group(self, config: str, alarms: list[str] | None = None, rollback_events: list[str] | None = None, **extra) -> str:
        self.cd.create_application(applicationName=self.app, computePlatform="ECS")
        kwargs = dict(
            applicationName=self.app,
            deploymentGroupName="api",
            serviceRoleArn=f"arn:aws:iam::{ACCOUNT}:role/codedeploy",
            deploymentConfigName=config,
            ecsServices=[{"clusterName": "shop", "serviceName": "api"}],
            loadBalancerInfo={
                "targetGroupPairInfoList": [
                    {
                        "targetGroups": [{"name": "api-blue"}, {"name": "api-green"}],
                        "prodTrafficRoute": {"listenerArns": ["arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/x/1/2"]},
                    }
                ]
            },
            deploymentStyle={"deploymentType": "BLUE_GREEN", "deploymentOption": "WITH_TRAFFIC_CONTROL"},
            blueGreenDeploymentConfiguration={
                "deploymentReadyOption": {"actionOnTimeout": "CONTINUE_DEPLOYMENT"},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            },
            alarmConfiguration={"enabled": bool(alarms), "alarms": [{"name": a} for a in alarms or []]},
            autoRollbackConfiguration={"enabled": bool(rollback_events), "events": rollback_events or []},
        )
        kwargs.update(extra)
        self.cd.create_deployment_group(**kwargs)
        return "api"

    def alarm(self, name: str) -> None:
        self.cw.put_metric_alarm(
            AlarmName=name,
            Namespace="AWS/ApplicationELB",
            MetricName="HTTPCode_Target_5XX_Count",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=5.0,
            ComparisonOperator="GreaterThanThreshold",
        )

    def deploy(self, task_definition: str = "arn:aws:ecs:us-east-1:123456789012:task-definition/api:2", **extra) -> str:
        return self.cd.create_deployment(
            applicationName=self.app,
            deploymentGroupName="api",
            revision={"revisionType": "AppSpecContent", "appSpecContent": {"content": appspec(task_definition)}},
            **extra,
        )["deploymentId"]

    def info(self, deployment_id: str) -> dict:
        return self.cd.get_deployment(deploymentId=deployment_id)["deploymentInfo"]

    def target(self, deployment_id: str) -> dict:
        ids = self.cd.list_deployment_targets(deploymentId=deployment_id)["targetIds"]
        self.assertEqual(ids, ["shop:api"])
        return self.cd.batch_get_deployment_targets(deploymentId=deployment_id, targetIds=ids)["deploymentTargets"][0]["ecsTarget"]

    @staticmethod
    def weights(target: dict) -> dict[str, float]:
        return {s["taskSetLabel"]: s["trafficWeight"] for s in target["taskSetsInfo"]}

    def wait_status(self, deployment_id: str, statuses: set[str], timeout: float) -> dict:
        return wait_until(
            lambda: (lambda i: i if i["status"] in statuses else None)(self.info(deployment_id)),
            timeout,
            what=f"deployment {deployment_id} to reach {statuses}",
        )

    # -- tests ---------------------------------------------------------------------------------------------

    def test_deployment_configs_predefined_and_custom(self) -> None:
        names = self.cd.list_deployment_configs()["deploymentConfigsList"]
        for name in ("CodeDeployDefault.ECSAllAtOnce", "CodeDeployDefault.ECSCanary10Percent5Minutes", "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"):
            self.assertIn(name, names)
        canary = self.cd.get_deployment_config(deploymentConfigName="CodeDeployDefault.ECSCanary10Percent5Minutes")["deploymentConfigInfo"]
        self.assertEqual(canary["computePlatform"], "ECS")
        self.assertEqual(canary["trafficRoutingConfig"], {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 10, "canaryInterval": 5}})

        routing = {"type": "TimeBasedLinear", "timeBasedLinear": {"linearPercentage": 25, "linearInterval": 2}}
        config_id = self.cd.create_deployment_config(deploymentConfigName="Linear25Every2", computePlatform="ECS", trafficRoutingConfig=routing)["deploymentConfigId"]
        got = self.cd.get_deployment_config(deploymentConfigName="Linear25Every2")["deploymentConfigInfo"]
        self.assertEqual((got["deploymentConfigId"], got["trafficRoutingConfig"]), (config_id, routing))
        self.assertIn("Linear25Every2", self.cd.list_deployment_configs()["deploymentConfigsList"])
        with self.assertRaises(ClientError) as err:
            self.cd.create_deployment_config(deploymentConfigName="Linear25Every2", computePlatform="ECS", trafficRoutingConfig=routing)
        self.assertEqual(err.exception.response["Error"]["Code"], "DeploymentConfigAlreadyExistsException")
        with self.assertRaises(ClientError) as err:
            self.cd.get_deployment_config(deploymentConfigName="Nope")
        self.assertEqual(err.exception.response["Error"]["Code"], "DeploymentConfigDoesNotExistException")

    def test_deployment_group_keeps_alarm_configuration(self) -> None:
        self.group("CodeDeployDefault.ECSAllAtOnce", alarms=["api-5xx"], rollback_events=["DEPLOYMENT_STOP_ON_ALARM"])
        info = self.cd.get_deployment_group(applicationName=self.app, deploymentGroupName="api")["deploymentGroupInfo"]
        self.assertEqual(info["alarmConfiguration"], {"enabled": True, "alarms": [{"name": "api-5xx"}]})
        self.assertEqual(info["autoRollbackConfiguration"], {"enabled": True, "events": ["DEPLOYMENT_STOP_ON_ALARM"]})
        self.assertEqual(info["deploymentConfigName"], "CodeDeployDefault.ECSAllAtOnce")
        self.cd.update_deployment_group(
            applicationName=self.app,
            currentDeploymentGroupName="api",
            alarmConfiguration={"enabled": True, "alarms": [{"name": "api-5xx"}, {"name": "api-latency"}]},
        )
        batch = self.cd.batch_get_deployment_groups(applicationName=self.app, deploymentGroupNames=["api"])["deploymentGroupsInfo"]
        self.assertEqual([a["name"] for a in batch[0]["alarmConfiguration"]["alarms"]], ["api-5xx", "api-latency"])
        self.cd.delete_deployment_group(applicationName=self.app, deploymentGroupName="api")
        self.assertEqual(self.cd.list_deployment_groups(applicationName=self.app)["deploymentGroups"], [])

    def test_canary_deployment_progresses_to_succeeded(self) -> None:
        old_td, new_td = self.ecs_service()
        routing = {"type": "TimeBasedCanary", "timeBasedCanary": {"canaryPercentage": 20, "canaryInterval": 1}}
        self.cd.create_deployment_config(deploymentConfigName="Canary20Percent1Minute", computePlatform="ECS", trafficRoutingConfig=routing)
        self.group("Canary20Percent1Minute", alarms=["api-5xx"], rollback_events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
        self.alarm("api-5xx")  # stays OK
        started = time.time()
        deployment_id = self.deploy(new_td)

        seen_status, seen_weights = [], []
        while time.time() - started < 20:
            info = self.info(deployment_id)
            green = self.weights(self.target(deployment_id)).get("Green")
            if not seen_status or seen_status[-1] != info["status"]:
                seen_status.append(info["status"])
            if green is not None and (not seen_weights or seen_weights[-1] != green):
                seen_weights.append(green)
            if info["status"] in TERMINAL:
                break
            time.sleep(0.05)
        elapsed = time.time() - started

        self.assertEqual(seen_status[0], "Created")
        self.assertEqual(seen_status[-2:], ["InProgress", "Succeeded"], seen_status)
        self.assertEqual(seen_weights, [0.0, 20.0, 100.0])
        # one config-minute of canary plus ~2 config-minutes of hooks, at x60
        self.assertGreater(elapsed, 2.0)
        self.assertLess(elapsed, 10.0)

        info = self.info(deployment_id)
        self.assertEqual(info["deploymentConfigName"], "Canary20Percent1Minute")
        self.assertEqual(info["deploymentOverview"]["Succeeded"], 1)
        self.assertNotIn("errorInformation", info)
        self.assertNotIn("rollbackInfo", info)
        self.assertLessEqual(info["startTime"], info["completeTime"])
        target = self.target(deployment_id)
        self.assertEqual(target["status"], "Succeeded")
        self.assertEqual([e["lifecycleEventName"] for e in target["lifecycleEvents"]][-2:], ["AllowTraffic", "AfterAllowTraffic"])
        self.assertTrue(all(e["status"] == "Succeeded" for e in target["lifecycleEvents"]))
        sets = {s["taskSetLabel"]: s for s in target["taskSetsInfo"]}
        self.assertEqual(sets["Green"]["targetGroup"], {"name": "api-green"})
        self.assertEqual(sets["Green"]["status"], "PRIMARY")
        self.assertEqual(sets["Blue"]["trafficWeight"], 0.0)
        # what CodeDeploy does to the service: the new task definition is the service's
        service = self.ecs.describe_services(cluster="shop", services=["api"])["services"][0]
        self.assertEqual(service["taskDefinition"], new_td)
        self.assertNotEqual(old_td, new_td)
        listed = self.cd.list_deployments(applicationName=self.app, deploymentGroupName="api", includeOnlyStatuses=["Succeeded"])
        self.assertEqual(listed["deployments"], [deployment_id])

    def test_alarm_in_alarm_stops_deployment_and_rolls_back(self) -> None:
        self.group("CodeDeployDefault.ECSCanary10Percent15Minutes", alarms=["api-5xx"], rollback_events=["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"])
        self.alarm("api-5xx")
        deployment_id = self.deploy()
        wait_until(lambda: self.weights(self.target(deployment_id)).get("Green") == 10.0, 10, what="canary traffic at 10%")
        self.assertEqual(self.info(deployment_id)["status"], "InProgress")

        self.cw.set_alarm_state(AlarmName="api-5xx", StateValue="ALARM", StateReason="5xx above threshold")
        info = self.wait_status(deployment_id, TERMINAL, 5)
        self.assertEqual(info["status"], "Stopped")
        self.assertEqual(info["errorInformation"]["code"], "ALARM_ACTIVE")
        self.assertIn("api-5xx", info["errorInformation"]["message"])
        rollback_id = info["rollbackInfo"]["rollbackDeploymentId"]
        self.assertNotEqual(rollback_id, deployment_id)
        self.assertEqual(self.weights(self.target(deployment_id))["Green"], 0.0)
        self.assertEqual(self.weights(self.target(deployment_id))["Blue"], 100.0)

        rollback = self.wait_status(rollback_id, TERMINAL, 10)
        self.assertEqual(rollback["status"], "Succeeded")
        self.assertEqual(self.weights(self.target(rollback_id)), {"Blue": 100.0})
        self.assertEqual(rollback["creator"], "codeDeployRollback")
        self.assertEqual(rollback["rollbackInfo"]["rollbackTriggeringDeploymentId"], deployment_id)
        stopped = self.cd.list_deployments(applicationName=self.app, deploymentGroupName="api", includeOnlyStatuses=["Stopped"])
        self.assertEqual(stopped["deployments"], [deployment_id])

    def test_alarm_stop_without_rollback_keeps_traffic_where_it_was(self) -> None:
        self.group("CodeDeployDefault.ECSCanary10Percent15Minutes", alarms=["api-5xx"], rollback_events=None)
        self.alarm("api-5xx")
        deployment_id = self.deploy()
        wait_until(lambda: self.weights(self.target(deployment_id)).get("Green") == 10.0, 10, what="canary traffic at 10%")
        self.cw.set_alarm_state(AlarmName="api-5xx", StateValue="ALARM", StateReason="bad")
        info = self.wait_status(deployment_id, TERMINAL, 5)
        self.assertEqual((info["status"], info["errorInformation"]["code"]), ("Stopped", "ALARM_ACTIVE"))
        self.assertNotIn("rollbackInfo", info)
        self.assertEqual(self.weights(self.target(deployment_id))["Green"], 10.0)

    def test_stop_deployment_with_rollback(self) -> None:
        self.group("CodeDeployDefault.ECSLinear10PercentEvery3Minutes")
        deployment_id = self.deploy()
        self.wait_status(deployment_id, {"InProgress"}, 5)
        with self.assertRaises(ClientError) as err:  # one active deployment per group, as CodeDeploy
            self.deploy()
        self.assertEqual(err.exception.response["Error"]["Code"], "DeploymentLimitExceededException")

        reply = self.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=True)
        self.assertEqual(reply["status"], "Pending")
        info = self.wait_status(deployment_id, TERMINAL, 5)
        self.assertEqual(info["status"], "Stopped")
        self.assertEqual(info["errorInformation"]["code"], "MANUAL_STOP")
        self.assertTrue(info["rollbackInfo"]["rollbackDeploymentId"])
        self.assertEqual(self.target(deployment_id)["status"], "Failed")
        with self.assertRaises(ClientError) as err:
            self.cd.stop_deployment(deploymentId=deployment_id)
        self.assertEqual(err.exception.response["Error"]["Code"], "DeploymentAlreadyCompletedException")

    def test_stop_deployment_without_rollback(self) -> None:
        self.group("CodeDeployDefault.ECSLinear10PercentEvery3Minutes", rollback_events=["DEPLOYMENT_FAILURE"])
        deployment_id = self.deploy()
        self.cd.stop_deployment(deploymentId=deployment_id, autoRollbackEnabled=False)
        info = self.wait_status(deployment_id, TERMINAL, 5)
        self.assertEqual(info["status"], "Stopped")
        self.assertNotIn("rollbackInfo", info)

    def test_failed_hook_fails_and_rolls_back(self) -> None:
        self.group("CodeDeployDefault.ECSAllAtOnce", rollback_events=["DEPLOYMENT_FAILURE"])
        deployment_id = self.deploy()
        status, body = front.control(
            "/_sandbox/codedeploy/fail-hook",
            {"deploymentId": deployment_id, "hook": "AfterAllowTestTraffic", "message": "smoke test got 500"},
        )
        self.assertEqual(status, 200, body)
        info = self.wait_status(deployment_id, TERMINAL, 10)
        self.assertEqual(info["status"], "Failed")
        self.assertEqual(info["errorInformation"]["code"], "HOOK_EXECUTION_FAILURE")
        self.assertIn("smoke test got 500", info["errorInformation"]["message"])
        self.assertTrue(info["rollbackInfo"]["rollbackDeploymentId"])
        events = {e["lifecycleEventName"]: e for e in self.target(deployment_id)["lifecycleEvents"]}
        self.assertEqual(events["AfterInstall"]["status"], "Succeeded")
        self.assertEqual(events["AfterAllowTestTraffic"]["status"], "Failed")
        self.assertEqual(events["AfterAllowTestTraffic"]["diagnostics"]["message"], info["errorInformation"]["message"])
        self.assertEqual(events["AllowTraffic"]["status"], "Skipped")
        # too late for a hook that has run
        status, _ = front.control("/_sandbox/codedeploy/fail-hook", {"deploymentId": deployment_id, "hook": "BeforeInstall"})
        self.assertEqual(status, 409)

    def test_ready_wait_needs_continue_deployment(self) -> None:
        self.group(
            "CodeDeployDefault.ECSAllAtOnce",
            blueGreenDeploymentConfiguration={
                "deploymentReadyOption": {"actionOnTimeout": "STOP_DEPLOYMENT", "waitTimeInMinutes": 60},
                "terminateBlueInstancesOnDeploymentSuccess": {"action": "TERMINATE", "terminationWaitTimeInMinutes": 0},
            },
        )
        deployment_id = self.deploy()
        self.wait_status(deployment_id, {"Ready"}, 10)
        time.sleep(0.5)
        self.assertEqual(self.info(deployment_id)["status"], "Ready")
        self.assertEqual(self.weights(self.target(deployment_id))["Green"], 0.0)
        self.cd.continue_deployment(deploymentId=deployment_id, deploymentWaitType="READY_WAIT")
        self.assertEqual(self.wait_status(deployment_id, TERMINAL, 10)["status"], "Succeeded")

    def test_unknown_config_is_refused(self) -> None:
        self.group("CodeDeployDefault.ECSAllAtOnce")
        with self.assertRaises(ClientError) as err:
            self.deploy(deploymentConfigName="NoSuchConfig")
        self.assertEqual(err.exception.response["Error"]["Code"], "DeploymentConfigDoesNotExistException")


if __name__ == "__main__":
    unittest.main()
