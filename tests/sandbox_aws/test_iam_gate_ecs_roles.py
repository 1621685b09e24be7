"""IAM in sandbox_aws for the ECS infrastructure roles: a CreateService / UpdateService that names one
(deploymentConfiguration.lifecycleHooks[].roleArn, loadBalancers[].advancedConfiguration.roleArn,
volumeConfigurations[].managedEBSVolume.roleArn) also needs iam:PassRole on that role, passed to
ecs.amazonaws.com, as AWS authorises it.

boto3 in the sandbox venv predates some of these fields, so the ECS calls here are raw JSON 1.1 requests signed
with SigV4 with the role session's keys, as the Rust SDK sends them.
"""

from __future__ import annotations

import json
import unittest
import urllib.error
import urllib.request
import uuid

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from support import ACCOUNT, Front

front: Front
REGION = "us-east-1"
HOOK_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-infrastructure"
OTHER_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecs-infrastructure-volumes"
HOOK = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:smoke-test"

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
            }
        ],
    }
)
SERVICES = {"Effect": "Allow", "Action": ["ecs:CreateService", "ecs:UpdateService"], "Resource": "*"}


def pass_role(role: str, service: str = "ecs.amazonaws.com") -> dict:
    return {
        "Effect": "Allow",
        "Action": "iam:PassRole",
        "Resource": role,
        "Condition": {"StringEquals": {"iam:PassedToService": service}},
    }


def setUpModule() -> None:
    global front
    front = Front()
    ecs = front.client("ecs", REGION)
    ecs.create_cluster(clusterName="shop")
    ecs.register_task_definition(family="web", containerDefinitions=[{"name": "app", "image": "nginx", "memory": 128}])
    ecs.create_service(cluster="shop", serviceName="web", taskDefinition="web:1", desiredCount=1)


def tearDownModule() -> None:
    front.stop()


def role_credentials(statements: list[dict]) -> Credentials:
    """The keys of a session of a role with `statements` inline, assumed through the web identity exchange."""
    name = f"gate-{uuid.uuid4().hex[:8]}"
    iam = front.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(
        RoleName=name, PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements})
    )
    sts = boto3.client("sts", endpoint_url=front.url, region_name=REGION)
    creds = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="gate-session", WebIdentityToken="token")["Credentials"]
    return Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def ecs_call(credentials: Credentials, op: str, body: dict) -> tuple[int, dict]:
    """An ECS JSON 1.1 request, SigV4-signed with the session's keys."""
    data = json.dumps(body).encode()
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"AmazonEC2ContainerServiceV20141113.{op}"}
    request = AWSRequest(method="POST", url=f"{front.url}/", data=data, headers=headers)
    SigV4Auth(credentials, "ecs", REGION).add_auth(request)
    raw = urllib.request.Request(f"{front.url}/", data=data, method="POST", headers=dict(request.headers))
    try:
        with urllib.request.urlopen(raw, timeout=10) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def hooked_update(role: str = HOOK_ROLE) -> tuple[str, dict]:
    config = {
        "strategy": "ROLLING",
        "lifecycleHooks": [{"hookTargetArn": HOOK, "roleArn": role, "lifecycleStages": ["POST_SCALE_UP"]}],
    }
    return "UpdateService", {"cluster": "shop", "service": "web", "taskDefinition": "web:1", "deploymentConfiguration": config}


def advanced_create(role: str = HOOK_ROLE) -> tuple[str, dict]:
    tg = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-blue/0123456789abcdef"
    advanced = {
        "alternateTargetGroupArn": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/web-green/0123456789abcdef",
        "productionListenerRule": f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:listener-rule/app/web/1/2/3",
        "roleArn": role,
    }
    body = {
        "cluster": "shop",
        "serviceName": f"lb-{uuid.uuid4().hex[:6]}",
        "taskDefinition": "web:1",
        "desiredCount": 1,
        "loadBalancers": [{"targetGroupArn": tg, "containerName": "app", "containerPort": 80, "advancedConfiguration": advanced}],
    }
    return "CreateService", body


def volume_create(role: str = HOOK_ROLE) -> tuple[str, dict]:
    volume = {"name": "data", "managedEBSVolume": {"roleArn": role, "sizeInGiB": 10, "filesystemType": "ext4"}}
    body = {
        "cluster": "shop",
        "serviceName": f"ebs-{uuid.uuid4().hex[:6]}",
        "taskDefinition": "web:1",
        "desiredCount": 1,
        "volumeConfigurations": [volume],
    }
    return "CreateService", body


class EcsInfrastructureRoleTest(unittest.TestCase):
    def attempt(self, statements: list[dict], request: tuple[str, dict]) -> tuple[int, str, str]:
        status, out = ecs_call(role_credentials(statements), *request)
        return status, out.get("__type", ""), out.get("message", "")

    def assert_allowed(self, statements: list[dict], request: tuple[str, dict]) -> None:
        status, kind, message = self.attempt(statements, request)
        self.assertEqual((status, kind), (200, ""), f"{request[0]}: {kind} {message}\n{front.log_tail()}")

    def assert_refused(self, statements: list[dict], request: tuple[str, dict], role: str = HOOK_ROLE) -> None:
        status, kind, message = self.attempt(statements, request)
        self.assertEqual(kind, "AccessDeniedException", f"{request[0]} should have been refused: {status} {message}")
        self.assertIn(f"is not authorized to perform: iam:PassRole on resource: {role}", message)

    def check_role_location(self, request) -> None:
        """Allowed with PassRole on the role to ECS; refused without PassRole, or with it to another service."""
        self.assert_allowed([SERVICES, pass_role(HOOK_ROLE)], request())
        self.assert_refused([SERVICES], request())
        self.assert_refused([SERVICES, pass_role(HOOK_ROLE, "ecs-tasks.amazonaws.com")], request())
        self.assert_refused([SERVICES, pass_role(OTHER_ROLE)], request())

    def test_a_lifecycle_hook_role_needs_pass_role_to_ecs(self) -> None:
        self.check_role_location(hooked_update)

    def test_a_load_balancer_advanced_configuration_role_needs_pass_role_to_ecs(self) -> None:
        self.check_role_location(advanced_create)

    def test_a_managed_ebs_volume_role_needs_pass_role_to_ecs(self) -> None:
        self.check_role_location(volume_create)

    def test_every_role_named_is_checked(self) -> None:
        def both() -> tuple[str, dict]:
            op, body = volume_create(OTHER_ROLE)
            body["deploymentConfiguration"] = hooked_update(HOOK_ROLE)[1]["deploymentConfiguration"]
            return op, body

        self.assert_refused([SERVICES, pass_role(HOOK_ROLE)], both(), OTHER_ROLE)
        self.assert_refused([SERVICES, pass_role(OTHER_ROLE)], both(), HOOK_ROLE)
        self.assert_allowed([SERVICES, pass_role(HOOK_ROLE), pass_role(OTHER_ROLE)], both())
        wildcard = {**pass_role(f"arn:aws:iam::{ACCOUNT}:role/ecs-infrastructure*"), "Action": "iam:passrole"}
        self.assert_allowed([SERVICES, wildcard], both())

    def test_a_service_without_infrastructure_roles_needs_no_pass_role(self) -> None:
        body = {"cluster": "shop", "service": "web", "taskDefinition": "web:1", "desiredCount": 1}
        self.assert_allowed([SERVICES], ("UpdateService", body))


if __name__ == "__main__":
    unittest.main()
