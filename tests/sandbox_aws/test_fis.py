"""FIS experiments in sandbox_aws: StartExperiment on a template runs it to completion, a stop condition alarm in
ALARM stops it, StopExperiment stops it, and an ECS task target of a service at 0 tasks fails it.

The templates are made the way the chaos module's are (an ECS task target by cluster and service, stop conditions
on CloudWatch alarms, emptyTargetResolutionMode "fail"); the front runs at PD_SANDBOX_FIS_SPEED=60, so a PT1M
action runs for about a second.
"""

from __future__ import annotations

import time
import unittest
import uuid

from support import ACCOUNT, Front

front: Front


def setUpModule() -> None:
    global front
    front = Front(PD_SANDBOX_FIS_SPEED="60")


def tearDownModule() -> None:
    front.stop()


def service(desired: int) -> tuple[str, str]:
    """A cluster and a service of `desired` tasks; returns (cluster, service)."""
    ecs = front.client("ecs")
    cluster = f"chaos-{uuid.uuid4().hex[:6]}"
    ecs.create_cluster(clusterName=cluster)
    family = ecs.register_task_definition(
        family=f"{cluster}-api", containerDefinitions=[{"name": "api", "image": "nginx", "memory": 128}]
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=cluster, serviceName="api", taskDefinition=family, desiredCount=desired)
    return cluster, "api"


def alarm() -> str:
    cloudwatch = front.client("cloudwatch")
    name = f"api-5xx-{uuid.uuid4().hex[:6]}"
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="HTTPCode_Target_5XX_Count",
        Namespace="AWS/ApplicationELB",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    return name


def template(cluster: str, svc: str, alarm_name: str, duration: str = "PT1M") -> str:
    fis = front.client("fis")
    return fis.create_experiment_template(
        clientToken=uuid.uuid4().hex,
        description="Latency on api",
        roleArn=f"arn:aws:iam::{ACCOUNT}:role/platform-fis",
        stopConditions=[{"source": "aws:cloudwatch:alarm", "value": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{alarm_name}"}],
        targets={
            "Tasks": {
                "resourceType": "aws:ecs:task",
                "selectionMode": "ALL",
                "parameters": {"cluster": cluster, "service": svc},
            }
        },
        actions={
            "api_latency": {
                "actionId": "aws:ecs:task-network-latency",
                "parameters": {"duration": duration, "delayMilliseconds": "300"},
                "targets": {"Tasks": "Tasks"},
            }
        },
        experimentOptions={"emptyTargetResolutionMode": "fail"},
    )["experimentTemplate"]["id"]


def wait_for(experiment_id: str, statuses: set[str], timeout: float = 20) -> dict:
    fis = front.client("fis")
    deadline = time.time() + timeout
    seen = []
    while time.time() < deadline:
        experiment = fis.get_experiment(id=experiment_id)["experiment"]
        status = experiment["state"]["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status in statuses:
            experiment["_seen"] = seen
            return experiment
        time.sleep(0.1)
    raise AssertionError(f"experiment {experiment_id} never reached {statuses}: went through {seen}")


class FisExperimentsTest(unittest.TestCase):
    def test_an_experiment_runs_its_actions_duration_and_completes(self) -> None:
        cluster, svc = service(2)
        started = front.client("fis").start_experiment(clientToken=uuid.uuid4().hex, experimentTemplateId=template(cluster, svc, alarm()))
        experiment = started["experiment"]
        self.assertEqual(experiment["state"]["status"], "pending")
        self.assertEqual(experiment["stopConditions"][0]["source"], "aws:cloudwatch:alarm")
        done = wait_for(experiment["id"], {"completed", "stopped", "failed"})
        self.assertEqual(done["state"]["status"], "completed", done["state"])
        self.assertEqual(done["_seen"][-2:], ["running", "completed"])
        self.assertEqual(done["actions"]["api_latency"]["state"]["status"], "completed")
        listed = front.client("fis").list_experiments()["experiments"]
        self.assertIn(experiment["id"], [e["id"] for e in listed])

    def test_a_stop_condition_alarm_stops_a_running_experiment_and_names_the_alarm(self) -> None:
        cluster, svc = service(2)
        name = alarm()
        fis = front.client("fis")
        experiment_id = fis.start_experiment(
            clientToken=uuid.uuid4().hex, experimentTemplateId=template(cluster, svc, name, duration="PT10M")
        )["experiment"]["id"]
        wait_for(experiment_id, {"running"})
        front.client("cloudwatch").set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="5xx")
        stopped = wait_for(experiment_id, {"stopped", "completed", "failed"})
        self.assertEqual(stopped["state"]["status"], "stopped")
        self.assertIn(name, stopped["state"]["reason"])

    def test_stop_experiment_stops_it(self) -> None:
        cluster, svc = service(2)
        fis = front.client("fis")
        experiment_id = fis.start_experiment(
            clientToken=uuid.uuid4().hex, experimentTemplateId=template(cluster, svc, alarm(), duration="PT10M")
        )["experiment"]["id"]
        wait_for(experiment_id, {"running"})
        self.assertEqual(fis.stop_experiment(id=experiment_id)["experiment"]["state"]["status"], "stopping")
        self.assertEqual(wait_for(experiment_id, {"stopped"})["state"]["reason"], "Experiment stopped by user.")

    def test_a_service_at_zero_tasks_is_an_empty_target_and_fails_the_experiment(self) -> None:
        cluster, svc = service(0)
        fis = front.client("fis")
        experiment_id = fis.start_experiment(
            clientToken=uuid.uuid4().hex, experimentTemplateId=template(cluster, svc, alarm())
        )["experiment"]["id"]
        failed = wait_for(experiment_id, {"failed", "completed", "stopped"})
        self.assertEqual(failed["state"]["status"], "failed")
        self.assertIn("empty set for target Tasks", failed["state"]["reason"])

    def test_an_unknown_template_is_not_found(self) -> None:
        with self.assertRaises(Exception) as caught:
            front.client("fis").start_experiment(clientToken=uuid.uuid4().hex, experimentTemplateId="EXT404")
        self.assertEqual(caught.exception.response["Error"]["Code"], "ResourceNotFoundException")


if __name__ == "__main__":
    unittest.main()
