"""IAM in sandbox_aws: a role session may do only what the role's policies allow, on the request's resources.

Each test assumes a role of its own through STS AssumeRoleWithWebIdentity (as the binary does in Actions) and
sends requests with the session's keys; the account's static keys stay unrestricted, like root.
"""

from __future__ import annotations

import base64
import json
import unittest
import uuid

import boto3
from botocore.exceptions import ClientError

from support import ACCOUNT, Front

front: Front


def setUpModule() -> None:
    global front
    front = Front()


def tearDownModule() -> None:
    front.stop()


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


def role_session(policy: dict) -> boto3.Session:
    """A role with `policy` inline, assumed through the web identity exchange."""
    name = f"gate-{uuid.uuid4().hex[:8]}"
    iam = front.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    sts = boto3.client("sts", endpoint_url=front.url, region_name="us-east-1")
    creds = sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="gate-session", WebIdentityToken="token")["Credentials"]
    return boto3.Session(
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        region_name="us-east-1",
    )


def denied(call) -> str:
    """The AccessDenied message of a refused call ("" when it was not refused for access)."""
    try:
        call()
    except ClientError as err:
        if err.response["Error"]["Code"] in ("AccessDenied", "AccessDeniedException"):
            return err.response["Error"]["Message"]
        return ""
    return ""


class IamGateTest(unittest.TestCase):
    def test_a_statement_scoped_to_a_service_allows_that_service_only(self) -> None:
        session = role_session(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ecs:DescribeServices",
                        "Resource": f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/shop/*",
                    }
                ],
            }
        )
        ecs = session.client("ecs", endpoint_url=front.url)
        self.assertEqual(denied(lambda: ecs.describe_services(cluster="shop", services=["api"])), "")
        message = denied(lambda: ecs.describe_services(cluster="other", services=["api"]))
        self.assertIn("is not authorized to perform: ecs:DescribeServices", message)
        self.assertIn(f"arn:aws:ecs:us-east-1:{ACCOUNT}:service/other/api", message)
        self.assertIn("ecs:ListClusters", denied(lambda: ecs.list_clusters()))

    def test_an_explicit_deny_wins_and_actions_match_case_insensitively_with_wildcards(self) -> None:
        session = role_session(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "ssm:get*", "Resource": "*"},
                    {"Effect": "Deny", "Action": "ssm:GetParameters", "Resource": "*"},
                ],
            }
        )
        ssm = session.client("ssm", endpoint_url=front.url)
        self.assertEqual(denied(lambda: ssm.get_parameter(Name="/shop/traffic-role")), "")
        self.assertIn("explicit deny", denied(lambda: ssm.get_parameters(Names=["/shop/traffic-role"])))
        self.assertIn("ssm:PutParameter", denied(lambda: ssm.put_parameter(Name="/x", Value="v", Type="String")))

    def test_parameters_by_path_are_authorised_on_the_path(self) -> None:
        session = role_session(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "ssm:GetParametersByPath",
                        "Resource": f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/platform-deploy/shop/gates*",
                    }
                ],
            }
        )
        ssm = session.client("ssm", endpoint_url=front.url)
        self.assertEqual(denied(lambda: ssm.get_parameters_by_path(Path="/platform-deploy/shop/gates", Recursive=True)), "")
        message = denied(lambda: ssm.get_parameters_by_path(Path="/platform-deploy/other/gates", Recursive=True))
        self.assertIn(f"on resource: arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/platform-deploy/other/gates", message)

    def test_registering_a_task_definition_needs_tag_resource_and_pass_role_to_ecs_tasks(self) -> None:
        role = f"arn:aws:iam::{ACCOUNT}:role/shop-api-task"
        register = {"Effect": "Allow", "Action": "ecs:RegisterTaskDefinition", "Resource": "*"}
        tag = {"Effect": "Allow", "Action": "ecs:TagResource", "Resource": "*"}
        pass_role = {
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": role,
            "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        }

        def register_with(statements: list[dict]):
            ecs = role_session({"Version": "2012-10-17", "Statement": statements}).client("ecs", endpoint_url=front.url)
            return lambda: ecs.register_task_definition(
                family="shop-api",
                taskRoleArn=role,
                containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}],
                tags=[{"key": "platform-deploy:git-sha", "value": "abc"}],
            )

        self.assertIn("ecs:TagResource", denied(register_with([register, pass_role])))
        self.assertIn("iam:PassRole", denied(register_with([register, tag])))
        self.assertEqual(denied(register_with([register, tag, pass_role])), "")

    def test_cloudwatch_is_checked_on_the_alarms_it_names(self) -> None:
        session = role_session(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": "cloudwatch:DescribeAlarms",
                        "Resource": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:shop-*",
                    }
                ],
            }
        )
        cloudwatch = session.client("cloudwatch", endpoint_url=front.url)
        self.assertEqual(denied(lambda: cloudwatch.describe_alarms(AlarmNames=["shop-5xx"])), "")
        self.assertIn("alarm:other-5xx", denied(lambda: cloudwatch.describe_alarms(AlarmNames=["other-5xx"])))

    def test_a_role_that_does_not_exist_cannot_be_assumed_and_static_keys_stay_root(self) -> None:
        sts = boto3.client("sts", endpoint_url=front.url, region_name="us-east-1")
        with self.assertRaises(ClientError) as caught:
            sts.assume_role_with_web_identity(
                RoleArn=f"arn:aws:iam::{ACCOUNT}:role/nobody", RoleSessionName="gate-session", WebIdentityToken="token"
            )
        self.assertIn("does not exist", caught.exception.response["Error"]["Message"])
        self.assertEqual(denied(lambda: front.client("ecs").list_clusters()), "")

    def test_rest_requests_are_checked_by_their_operation(self) -> None:
        session = role_session(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:GetFunction", "Resource": "*"}]}
        )
        lam = session.client("lambda", endpoint_url=front.url)
        self.assertEqual(denied(lambda: lam.get_function(FunctionName="absent")), "")
        self.assertIn("lambda:ListFunctions on resource: *", denied(lambda: lam.list_functions()))
        self.assertIn("lambda:GetPolicy", denied(lambda: lam.get_policy(FunctionName="absent")))

        apigw = role_session(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "apigateway:GET", "Resource": "*"}]}
        ).client("apigatewayv2", endpoint_url=front.url)
        self.assertEqual(denied(lambda: apigw.get_apis()), "")
        message = denied(lambda: apigw.create_api(Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"))
        self.assertIn("apigateway:POST on resource: arn:aws:apigateway:us-east-1::/v2/apis", message)

    def test_an_sse_kms_object_needs_its_key_to_be_read_and_written(self) -> None:
        key_arn = front.client("kms").create_key()["KeyMetadata"]["Arn"]
        bucket = f"state-{uuid.uuid4().hex[:8]}"
        s3 = front.client("s3")
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_encryption(
            Bucket=bucket,
            ServerSideEncryptionConfiguration={
                "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}}]
            },
        )
        s3.put_object(Bucket=bucket, Key="global.tfstate", Body=b"{}")
        objects = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": f"arn:aws:s3:::{bucket}/*"}

        def client(statements: list[dict]):
            return role_session({"Version": "2012-10-17", "Statement": statements}).client("s3", endpoint_url=front.url)

        without_key = client([objects])
        message = denied(lambda: without_key.get_object(Bucket=bucket, Key="global.tfstate"))
        self.assertIn(f"kms:Decrypt on resource: {key_arn}", message)
        message = denied(lambda: without_key.put_object(Bucket=bucket, Key="new.tfstate", Body=b"{}"))
        self.assertIn(f"kms:GenerateDataKey on resource: {key_arn}", message)

        key = {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"], "Resource": key_arn}
        with_key = client([objects, key])
        self.assertEqual(with_key.get_object(Bucket=bucket, Key="global.tfstate")["Body"].read(), b"{}")
        self.assertEqual(denied(lambda: with_key.put_object(Bucket=bucket, Key="new.tfstate", Body=b"{}")), "")

    def test_a_secret_value_needs_the_secret_and_its_key_through_secrets_manager(self) -> None:
        key_arn = front.client("kms").create_key()["KeyMetadata"]["Arn"]
        name = f"platform-primary/master-{uuid.uuid4().hex[:6]}"
        secret_arn = front.client("secretsmanager").create_secret(Name=name, KmsKeyId=key_arn, SecretString="{}")["ARN"]
        read = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "arn:aws:secretsmanager:us-east-1:*:secret:platform-*/master-*"}
        via = {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}},
        }

        def client(statements: list[dict]):
            return role_session({"Version": "2012-10-17", "Statement": statements}).client("secretsmanager", endpoint_url=front.url)

        self.assertIn(f"kms:Decrypt on resource: {key_arn}", denied(lambda: client([read]).get_secret_value(SecretId=secret_arn)))
        self.assertEqual(client([read, via]).get_secret_value(SecretId=secret_arn)["SecretString"], "{}")
        other = front.client("secretsmanager").create_secret(Name=f"other-{uuid.uuid4().hex[:6]}", SecretString="{}")["ARN"]
        self.assertIn(f"secretsmanager:GetSecretValue on resource: {other}", denied(lambda: client([read, via]).get_secret_value(SecretId=other)))

    def test_a_web_identity_is_admitted_only_with_the_claims_the_trust_policy_names(self) -> None:
        host = "token.actions.githubusercontent.com"
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/{host}"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {f"{host}:aud": "sts.amazonaws.com", f"{host}:sub": ["repo:org/shop:pull_request"]}
                    },
                }
            ],
        }
        name = f"gate-{uuid.uuid4().hex[:8]}"
        arn = front.client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        sts = boto3.client("sts", endpoint_url=front.url, region_name="us-east-1")

        def token(sub: str) -> str:
            claims = {"iss": f"https://{host}", "aud": "sts.amazonaws.com", "sub": sub}
            payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
            return f"eyJhbGciOiJSUzI1NiJ9.{payload}.c2ln"

        def assume(web_identity: str):
            return lambda: sts.assume_role_with_web_identity(RoleArn=arn, RoleSessionName="trust", WebIdentityToken=web_identity)

        self.assertEqual(denied(assume(token("repo:org/shop:pull_request"))), "")
        refused = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        self.assertEqual(denied(assume(token("repo:org/shop:ref:refs/heads/main"))), refused)
        self.assertEqual(denied(assume("not-a-jwt")), refused)

    def test_the_caller_identity_needs_no_permission(self) -> None:
        session = role_session({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
        me = session.client("sts", endpoint_url=front.url).get_caller_identity()
        self.assertIn(":assumed-role/gate-", me["Arn"])


if __name__ == "__main__":
    unittest.main()
