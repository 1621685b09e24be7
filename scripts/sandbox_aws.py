#!/usr/bin/env python3
"""sandbox_aws: moto, plus the few AWS behaviours moto lacks.

TEST INFRASTRUCTURE. This file is part of the local test sandbox (scripts/sandbox), never of the product.
The product is pointed at it only through standard settings (AWS_ENDPOINT_URL / endpoint_url), and no
product code may change to suit it.

One process serves moto's own WSGI app (the same app `moto_server` serves, sharing moto's in-process
backends) behind a thin WSGI middleware that intercepts only what moto 5.2.5 lacks:

1. CloudWatch over Smithy RPC v2 CBOR, which aws-sdk-cloudwatch (Rust, 1.140) speaks:
   POST /service/GraniteServiceVersion20100801/operation/<Op>, header `smithy-protocol: rpc-v2-cbor`.
   The CBOR input is re-sent to moto as the equivalent awsQuery request (botocore's own serializer and
   model), moto's XML answer is parsed back (botocore's parser) and encoded as CBOR, typed by the output
   shape (timestamps as tag 1 epoch seconds, doubles as floats). DescribeAlarms filters are applied here
   the way CloudWatch combines them; DescribeAlarmHistory (absent from moto) is built from moto's alarm
   state history. Errors: CBOR {"__type", "message"}, plus `x-amzn-query-error: <Code>;Sender` because
   CloudWatch is awsQueryCompatible.
2. CodeDeploy deployments that progress (moto leaves them `Created` forever). Time-driven state machine,
   sped up by PD_SANDBOX_CODEDEPLOY_SPEED (default 60: one config-minute passes in one second):
   Created -> InProgress (BeforeInstall .. AllowTraffic with canary/linear/all-at-once traffic shifting ..
   AfterAllowTraffic, termination wait) -> Succeeded. An alarm of the deployment's alarm configuration
   in ALARM while the deployment runs stops it (ALARM_ACTIVE) and rolls it back when
   DEPLOYMENT_STOP_ON_ALARM is enabled. Also: deployment configs (CodeDeployDefault.* and custom),
   Stop/ContinueDeployment, deployment targets (ECS task sets with traffic weights, lifecycle events),
   alarmConfiguration on deployment groups, Update/DeleteDeploymentGroup, DeleteApplication.
3. ECR replication: docker-registry (the ECR data-plane stand-in) posts push notifications to
   /_sandbox/registry-events; a pushed manifest is put into moto's ECR in the primary region (only if the
   repository exists there) and, after PD_SANDBOX_REPLICATION_DELAY seconds, into each destination region
   of the registry replication configuration. PutImage through the API replicates the same way.
   DescribeImageReplicationStatus is answered from that.
4. What `terraform apply` of the bundled stacks (terraform/regions/*, terraform/global) waits on forever or
   fails on with moto 5.2.5: AWS Backup selections, restore testing plans/selections and vault notifications;
   X-Ray sampling rules (+ tags); API Gateway v2 deployments; Application Auto Scaling tags; CloudFront cache,
   origin request and response headers policies (ETag/If-Match). Small patches of moto's models: SQS returns
   RedriveAllowPolicy; new RDS instances get AWS's default CA rds-ca-rsa2048-g1; Route53 query logging takes
   the log group ARN without ":*"; a CloudFront default behaviour may target an origin group; S3 lifecycle
   answers carry x-amz-transition-default-minimum-object-size. Fields moto accepts and never answers back
   (ECS enableFaultInjection, healthCheckGracePeriodSeconds, ...) are kept and put back into the answers, so
   a re-plan after an apply is clean, as it is on AWS. For the same reason, answers moto gives unlike AWS are
   corrected: security group rules that reference a group or a prefix list carry their Description; RDS global
   clusters answer DatabaseName and TagList (tagged by ARN, described by identifier); only Serverless v1
   clusters answer ScalingConfigurationInfo; DB instances answer their Performance Insights settings; SQS
   answers RedrivePolicy as compact JSON; Lambda functions answer LoggingConfig; Backup ListTags finds the ARN
   without a trailing slash; API Gateway v2 stages answer their DeploymentId (and take UpdateStage);
   CloudFront behaviours with a cache policy carry no ForwardedValues, and an ACM or IAM viewer certificate
   is not CloudFrontDefaultCertificate. A bucket policy's Deny applies only when its Condition holds, on a
   request taken to have come over TLS 1.3 (moto applies every conditional Deny, so the state buckets' TLS-only
   policy refused all object requests).

5. IAM, as AWS enforces it, for role sessions: keys from STS AssumeRole / AssumeRoleWithWebIdentity may do
   only what the role's inline and attached policies allow on the request's resources (repository, service,
   deployment group, alarm, parameter and S3 object ARNs; "*" where AWS has no resource-level permission),
   including what AWS authorises alongside (ecs:TagResource for tags on RegisterTaskDefinition, iam:PassRole
   to ecs-tasks.amazonaws.com for the task roles, kms:Decrypt / kms:GenerateDataKey on the key of an SSE-KMS
   object, kms:Decrypt via Secrets Manager on the key of a secret read with GetSecretValue). REST requests
   are named by botocore's model of the service (method + requestUri), API Gateway's by method and path
   (apigateway:GET on arn:aws:apigateway:<region>::/v2/apis/...). A refusal is AWS's
   AccessDenied naming the session, the action and the resource. STS refuses to assume a role that does not
   exist, and AssumeRoleWithWebIdentity unless the role's trust policy admits the token's claims
   (`token.actions.githubusercontent.com:sub` and `:aud` conditions). The account's static keys act
   as its root user and are not restricted (moto itself checks every non-S3 request against resource "*",
   so it could never allow a scoped statement).

6. FIS experiments that run: StartExperiment / GetExperiment / ListExperiments / StopExperiment on moto's
   templates, time-driven (PD_SANDBOX_FIS_SPEED, default 60): pending -> initiating -> running for the longest
   action's duration -> completed; stopped by a stop-condition alarm in ALARM or by StopExperiment; failed when
   an ECS task target's service runs no task and the template fails on empty targets.

7. The DR failover world. Regions go down and come back (control endpoints below): every call signed for a down
   region (and every S3 call to a bucket there) is answered 503 ServiceUnavailable, which the SDKs retry and
   then report; Route53 and CloudFront keep answering (see RegionOutage for why), and Route53 health checks of
   endpoints in a down region report unhealthy. Aurora global databases switch over (SwitchoverGlobalCluster),
   fail over (FailoverGlobalCluster, with or without AllowDataLoss) through "switching-over" / "failing-over"
   for PD_SANDBOX_GLOBAL_FAILOVER_DELAY seconds (default 3), and detach a member (RemoveFromGlobalCluster, also
   while the writer's region is down), on moto's own models. Every AWS call received is recorded with its
   service, operation, region and whether it mutates, for drill tests.

8. S3 Replication (moto stores a replication configuration and copies nothing): a new object version or delete
   marker in a bucket with an Enabled replication rule matching its key is copied, asynchronously, after
   PD_SANDBOX_S3_REPLICATION_DELAY seconds (default 0.5), to each destination bucket, as the configuration's
   role (its policies are checked), SSE-KMS objects re-encrypted with the rule's ReplicaKmsKeyID; the copy
   answers x-amz-replication-status REPLICA and is never replicated again (bidirectional pairs do not loop),
   the source PENDING then COMPLETED or FAILED. A destination or source in a region that is down waits for it
   to come back, then catches up. See S3Replication.

9. Amazon ECS service deployments of the ECS deployment controller's BLUE_GREEN, CANARY and LINEAR strategies
   (deploymentConfiguration.strategy, canaryConfiguration, linearConfiguration, bakeTimeInMinutes,
   lifecycleHooks, alarms; loadBalancers[].advancedConfiguration), which moto drops. CreateService /
   UpdateService keep them and DescribeServices answers them back, with currentServiceDeployment and
   currentServiceRevisions. An UpdateService with another task definition (or forceNewDeployment) starts a
   service deployment that progresses with time (PD_SANDBOX_ECS_SPEED, default 60: one config-minute passes in
   one second): PENDING -> IN_PROGRESS through the lifecycle stages (RECONCILE_SERVICE when two revisions are
   active, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT,
   PRODUCTION_TRAFFIC_SHIFT with the canary / linear steps and their bake times, POST_PRODUCTION_TRAFFIC_SHIFT,
   BAKE_TIME, CLEAN_UP) -> SUCCESSFUL, moving the weights of the production (and test) listener rule's forward
   action between the two target groups in moto's ELBv2. An alarm of the configuration in ALARM rolls it back
   (ROLLBACK_IN_PROGRESS -> ROLLBACK_SUCCESSFUL, triggeredAlarmNames) or stops it; so does a hook made to fail;
   PAUSE hooks wait for ContinueServiceDeployment; a newer deployment stops the one in progress.
   DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions, StopServiceDeployment
   (ROLLBACK, ABORT) and ContinueServiceDeployment are answered here. See EcsServiceDeployments.

10. CloudWatch metric values a test sets: GetMetricData answers them for any statistic (percentiles included,
   which moto cannot compute from PutMetricData data), one value per period, newest first; metric math with
   + - * / and parentheses over the query ids (moto only resolves a bare id); no datapoints for a metric nobody
   set or put. GetMetricStatistics (Statistics and ExtendedStatistics) and ListMetrics answer them too, over the
   query protocol and CBOR alike. See MetricValues.

Control endpoints (JSON in, JSON out), for tests:
  GET  /_sandbox/health
  POST /_sandbox/reset                        moto reset + this front's state (POST /moto-api/reset does both too):
                                              every region back up, the call record emptied
  POST /_sandbox/codedeploy/fail-hook         {"deploymentId", "hook", "message"}
  POST /_sandbox/codedeploy/speed             {"speed": 600}   for deployments created afterwards
  POST /_sandbox/ecr/pause-replication        {"paused": true}
  POST /_sandbox/registry-events              docker-registry notification envelopes
  POST /_sandbox/regions/<region>/down        -> {"ok", "region", "state": "down", "down": [regions]}
  POST /_sandbox/regions/<region>/up          -> {"ok", "region", "state": "up", "down": [regions]}
  GET  /_sandbox/regions                      -> {"down": [regions]}
  GET  /_sandbox/calls[?service=&region=&operation=&mutating=true|false]
                                              -> {"since", "total", "mutating", "counts": [{"service", "operation",
                                                 "region", "mutating", "count"}], "calls": [{..., "status", "at"}]}
  POST /_sandbox/calls/reset                  -> {"ok", "since"}
  GET  /_sandbox/s3/replication               -> {"delay", "pending": [{"source", "destination", "key", "versionId",
                                                 "kind", "due", "waitingFor"}]}
  POST /_sandbox/ecs/speed                    {"speed": 600}   for ECS service deployments created afterwards
  POST /_sandbox/ecs/fail-hook                {"serviceDeploymentArn" or "service" (ARN, cluster/name or name),
                                               "stage" (a lifecycle hook stage), "message"}: that stage's hook fails
                                              and the deployment rolls back; with "service" and no deployment in
                                              progress, armed for the service's next deployment
  POST /_sandbox/cloudwatch/metrics           {"namespace", "metric", "dimensions": {"TargetGroup": ..., ...},
                                               "values": [newest, ...] or "value": x, "stat"?, "region"?}
  POST /_sandbox/cloudwatch/metrics/clear     {} or {"namespace"?, "metric"?}   -> {"ok", "cleared"}
  GET  /_sandbox/cloudwatch/metrics           -> {"metrics": [{"namespace", "metric", "dimensions", "stat",
                                                 "region", "values" or "value"}]}

Run: python scripts/sandbox_aws.py --host 127.0.0.1 --port 5102   (from the sandbox venv)
"""

from __future__ import annotations

import argparse
import base64
import collections
import datetime as dt
import functools
import gzip
import io
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
import uuid
from typing import Any, Callable, Iterable

import botocore.parsers
import botocore.serialize
import botocore.session
import cbor2
import yaml
from moto.core import DEFAULT_ACCOUNT_ID
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

UTC = dt.timezone.utc


def log(msg: str) -> None:
    print(f"sandbox_aws: {msg}", file=sys.stderr, flush=True)


def env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


# ---------------------------------------------------------------------------------------------------------
# small helpers


def to_epoch(value: Any) -> float:
    """moto keeps naive UTC datetimes; botocore returns aware ones."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.timestamp()
    return float(value)


def naive_utc(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return to_epoch(value)
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode()
    return str(value)


def region_from_environ(environ: dict) -> str:
    auth = environ.get("HTTP_AUTHORIZATION", "")
    m = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/", auth)
    if m:
        return m.group(1)
    return os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"


def account_from_environ(environ: dict) -> str:
    """Same precedence as moto's BaseResponse.get_current_account."""
    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if environ.get("HTTP_X_MOTO_ACCOUNT_ID"):
        return environ["HTTP_X_MOTO_ACCOUNT_ID"]
    m = re.search(r"Credential=([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    if m:
        from moto.iam.models import get_account_id_from

        return get_account_id_from(m.group(1))
    return DEFAULT_ACCOUNT_ID


def default_account() -> str:
    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


def read_body(environ: dict) -> bytes:
    stream = environ.get("wsgi.input")
    if stream is None:
        return b""
    length = environ.get("CONTENT_LENGTH")
    if length:
        try:
            return stream.read(int(length))
        except ValueError:
            return b""
    if environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", ""):
        return stream.read()
    return b""


class Response:
    def __init__(self, status: int, body: bytes, headers: list[tuple[str, str]] | None = None):
        self.status = status
        self.body = body
        self.headers = headers or []

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        reason = {
            200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 404: "Not Found", 409: "Conflict",
            500: "Internal Server Error", 503: "Service Unavailable",
        }
        headers = [(k, v) for k, v in self.headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(self.body))))
        start_response(f"{self.status} {reason.get(self.status, 'Status')}", headers)
        return [self.body]


def json_response(obj: Any, status: int = 200, content_type: str = "application/json") -> Response:
    body = json.dumps(obj, default=json_default).encode()
    return Response(status, body, [("Content-Type", content_type), ("x-amzn-RequestId", str(uuid.uuid4()))])


AMZ_JSON = "application/x-amz-json-1.1"


def aws_json(obj: Any, status: int = 200) -> Response:
    return json_response(obj, status, AMZ_JSON)


class AwsError(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def aws_json_error(err: AwsError) -> Response:
    return aws_json({"__type": err.code, "message": err.message}, err.status)


# ---------------------------------------------------------------------------------------------------------
# the front


class SandboxFront:
    def __init__(self) -> None:
        # Import the backends this front reaches into now, not lazily in the middle of a timed request.
        import moto.cloudwatch.models  # noqa: F401
        import moto.codedeploy.models  # noqa: F401
        import moto.codedeploy.responses  # noqa: F401
        import moto.ecr.models  # noqa: F401
        import moto.iam.models  # noqa: F401

        # moto.ecs (it pulls in ec2) takes seconds to import: warm it up without delaying readiness.
        threading.Thread(target=__import__, args=("moto.ecs.models",), daemon=True).start()
        self.moto = DomainDispatcherApplication(create_backend_app)
        self.lock = threading.RLock()
        self.cloudwatch = CloudWatchCbor(self)
        self.codedeploy = CodeDeploySim(self)
        self.ecr = EcrReplication(self)
        self.gaps = TerraformGaps(self)
        self.dropped = DroppedFields(self)
        self.fis = FisExperiments(self)
        self.iam = IamGate(self)
        self.outage = RegionOutage(self)
        self.aurora = AuroraGlobalFailover(self)
        self.calls = CallCounter(self)
        self.s3replication = S3Replication(self)
        self.ecsdeploy = EcsServiceDeployments(self)
        self.metrics = MetricValues(self)
        self.aurora.install()
        self.metrics.install()
        self.s3replication.install()
        HealthCheckStatus(self.outage).install()
        patch_moto_sqs()
        patch_moto_rds()
        patch_moto_route53()
        patch_moto_cloudfront()
        patch_moto_ec2_rule_descriptions()
        patch_moto_rds_global_cluster()
        patch_moto_rds_scaling_configuration()
        patch_moto_rds_performance_insights()
        patch_moto_sqs_redrive_policy()
        patch_moto_lambda_logging_config()
        patch_moto_backup_list_tags()
        patch_moto_apigatewayv2_stage_deployment()
        patch_moto_cloudfront_distribution_answers()
        patch_moto_ecs_tasks_serve()
        patch_moto_ecs_scales_to_its_bounds()
        patch_moto_backup_plan_names()
        patch_moto_route53_create_by_set_identifier()
        patch_moto_s3_bucket_policy_conditions()

    # -- calling moto in-process ---------------------------------------------------------------------------

    def call_moto(self, environ: dict, body: bytes, **overrides: Any) -> tuple[int, dict[str, str], bytes]:
        env = dict(environ)
        env.update(overrides)
        env["wsgi.input"] = io.BytesIO(body)
        env["CONTENT_LENGTH"] = str(len(body))
        env.pop("HTTP_TRANSFER_ENCODING", None)
        captured: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
            captured["status"] = int(status.split(" ", 1)[0])
            captured["headers"] = {k.lower(): v for k, v in headers}
            return chunks.append

        result = self.moto(env, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            if hasattr(result, "close"):
                result.close()
        return captured.get("status", 500), captured.get("headers", {}), b"".join(chunks)

    def reset_moto(self) -> None:
        env = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/moto-api/reset",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "0",
            "HTTP_HOST": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr,
            "QUERY_STRING": "",
        }
        self.call_moto(env, b"")

    def reset_own_state(self) -> None:
        with self.lock:
            self.codedeploy.reset()
            self.ecr.reset()
            self.gaps.reset()
            self.dropped.reset()
            self.fis.reset()
            self.outage.reset()
            self.aurora.reset()
            self.calls.reset()
            self.s3replication.reset()
            self.ecsdeploy.reset()
            self.metrics.reset()

    # -- WSGI ----------------------------------------------------------------------------------------------

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        try:
            if path.startswith("/_sandbox/"):
                return self.control(path, method, environ)(environ, start_response)
            if path == "/moto-api/reset" and method == "POST":
                body = read_body(environ)
                status, headers, out = self.call_moto(environ, body)
                self.reset_own_state()
                return Response(status, out, list(headers.items()))(environ, start_response)
            if not path.startswith("/moto-api/"):
                body = read_body(environ)
                environ["wsgi.input"] = io.BytesIO(body)
                environ["CONTENT_LENGTH"] = str(len(body))
                environ.pop("HTTP_TRANSFER_ENCODING", None)
                start_response = self.calls.observe(self.calls.record(environ, body), start_response)
                # A region that is down answers nothing, not even an authorisation refusal.
                down = self.outage.refusal(environ)
                if down is not None:
                    return down(environ, start_response)
                refused = self.iam.check(environ, body)
                if refused is not None:
                    return refused(environ, start_response)
                if signing_service(environ) == "rds":
                    self.aurora.settle()
            if method == "POST" and path.startswith("/service/") and "/operation/" in path:
                if "rpc-v2-cbor" in environ.get("HTTP_SMITHY_PROTOCOL", "") or "cbor" in environ.get(
                    "CONTENT_TYPE", ""
                ):
                    return self.cloudwatch.handle(environ, path)(environ, start_response)
            target = environ.get("HTTP_X_AMZ_TARGET", "")
            if target.startswith("CodeDeploy_20141006."):
                op = target.split(".", 1)[1]
                if op in self.codedeploy.handlers:
                    return self.codedeploy.handle(op, environ)(environ, start_response)
            if target.startswith("AmazonEC2ContainerRegistry_V20150921."):
                op = target.split(".", 1)[1]
                if op in self.ecr.handlers:
                    return self.ecr.handle(op, environ)(environ, start_response)
            if self.ecsdeploy.handles(target):
                return self.ecsdeploy.handle(environ, read_body(environ))(environ, start_response)
            if self.dropped.handles(target):
                return self.dropped.handle(environ, read_body(environ))(environ, start_response)
            gap = self.gaps.route(environ) or self.fis.route(environ)
            if gap is not None:
                return gap()(environ, start_response)
        except Exception as exc:  # a bug here must not look like an AWS answer the SDK retries forever
            traceback.print_exc()
            return json_response({"__type": "SandboxInternalError", "message": f"sandbox_aws: {exc!r}"}, 400)(
                environ, start_response
            )
        # Object versions this request writes are replicated once it is answered (S3Replication).
        collecting = self.s3replication.begin()
        try:
            return self.moto(environ, start_response)
        finally:
            if collecting:
                self.s3replication.end()

    def control(self, path: str, method: str, environ: dict) -> Response:
        body = read_body(environ)
        try:
            payload = json.loads(body) if body.strip() else {}
        except ValueError:
            return json_response({"error": "body is not JSON"}, 400)
        if path == "/_sandbox/health":
            return json_response(
                {
                    "ok": True,
                    "front": "sandbox_aws",
                    "codedeploySpeed": self.codedeploy.speed,
                    "replicationDelay": self.ecr.delay,
                    "replicationPaused": self.ecr.paused,
                    "primaryRegion": self.ecr.primary_region,
                    "downRegions": sorted(self.outage.down),
                    "globalFailoverDelay": self.aurora.delay,
                    "s3ReplicationDelay": self.s3replication.delay,
                    "ecsSpeed": self.ecsdeploy.speed,
                }
            )
        if path == "/_sandbox/regions" and method == "GET":
            return self.outage.control_list()
        if path == "/_sandbox/calls" and method == "GET":
            return self.calls.control_report(environ.get("QUERY_STRING", ""))
        if path == "/_sandbox/s3/replication" and method == "GET":
            return self.s3replication.control_report()
        if path == "/_sandbox/cloudwatch/metrics" and method == "GET":
            return self.metrics.control_list()
        if method != "POST":
            return json_response({"error": f"use POST for {path}"}, 400)
        if path == "/_sandbox/reset":
            self.reset_moto()
            self.reset_own_state()
            return json_response({"ok": True})
        if path == "/_sandbox/codedeploy/fail-hook":
            return self.codedeploy.control_fail_hook(payload)
        if path == "/_sandbox/codedeploy/speed":
            return self.codedeploy.control_speed(payload)
        if path == "/_sandbox/ecr/pause-replication":
            return self.ecr.control_pause(payload)
        if path == "/_sandbox/registry-events":
            return self.ecr.registry_events(payload)
        region_state = re.fullmatch(r"/_sandbox/regions/([^/]+)/(down|up)", path)
        if region_state:
            return self.outage.control_set(region_state.group(1), region_state.group(2) == "down")
        if path == "/_sandbox/calls/reset":
            return self.calls.control_reset()
        if path == "/_sandbox/ecs/fail-hook":
            return self.ecsdeploy.control_fail_hook(payload)
        if path == "/_sandbox/ecs/speed":
            return self.ecsdeploy.control_speed(payload)
        if path == "/_sandbox/cloudwatch/metrics":
            return self.metrics.control_set(payload)
        if path == "/_sandbox/cloudwatch/metrics/clear":
            return self.metrics.control_clear(payload)
        return json_response({"error": f"unknown sandbox endpoint {path}"}, 404)


# ---------------------------------------------------------------------------------------------------------
# 1. CloudWatch over Smithy RPC v2 CBOR


class CloudWatchCbor:
    SERVICE = "GraniteServiceVersion20100801"

    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        self.model = botocore.session.get_session().get_service_model("cloudwatch")
        self.serializer = botocore.serialize.create_serializer("query", include_validation=False)
        self.parser = botocore.parsers.create_parser("query")

    # -- wire ----------------------------------------------------------------------------------------------

    @staticmethod
    def reply(obj: dict, status: int = 200, extra: list[tuple[str, str]] | None = None) -> Response:
        headers = [
            ("smithy-protocol", "rpc-v2-cbor"),
            ("Content-Type", "application/cbor"),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ]
        return Response(status, cbor2.dumps(obj), headers + (extra or []))

    @classmethod
    def error(cls, code: str, message: str, status: int = 400, fault: str = "Sender") -> Response:
        return cls.reply(
            {"__type": f"com.amazonaws.cloudwatch#{code}", "message": message},
            status,
            [("x-amzn-query-error", f"{code};{fault}")],
        )

    def handle(self, environ: dict, path: str) -> Response:
        m = re.fullmatch(r"/service/([^/]+)/operation/([^/]+)", path)
        if not m or m.group(1) != self.SERVICE:
            return self.error("UnknownOperationException", f"sandbox_aws serves CloudWatch only, not {path}", 404)
        op = m.group(2)
        raw = read_body(environ)
        if "gzip" in environ.get("HTTP_CONTENT_ENCODING", ""):
            raw = gzip.decompress(raw)
        try:
            params = cbor2.loads(raw) if raw else {}
        except Exception as exc:
            return self.error("SerializationException", f"request body is not CBOR: {exc}")
        if not isinstance(params, dict):
            return self.error("SerializationException", "request body is not a CBOR map")
        try:
            op_model = self.model.operation_model(op)
        except Exception:
            return self.error("UnknownOperationException", f"CloudWatch operation {op} is not known to the sandbox")
        params = self.strip_unknown(params, op_model.input_shape)
        try:
            if op == "DescribeAlarms":
                result = self.describe_alarms(environ, params, op_model)
            elif op == "DescribeAlarmHistory":
                result = self.describe_alarm_history(environ, params)
            else:
                result = self.via_query(environ, op_model, params)
        except AwsError as err:
            return self.error(err.code, err.message, err.status, "Receiver" if err.status >= 500 else "Sender")
        return self.reply(self.encode(result, op_model.output_shape) if op_model.output_shape else {})

    # -- request/response translation ---------------------------------------------------------------------

    def strip_unknown(self, value: Any, shape: Any) -> Any:
        if shape is None:
            return value
        if shape.type_name == "structure":
            if not isinstance(value, dict):
                return value
            return {
                k: self.strip_unknown(v, shape.members[k]) for k, v in value.items() if k in shape.members and v is not None
            }
        if shape.type_name == "list" and isinstance(value, list):
            return [self.strip_unknown(v, shape.member) for v in value]
        if shape.type_name == "map" and isinstance(value, dict):
            return {k: self.strip_unknown(v, shape.value) for k, v in value.items()}
        if shape.type_name == "timestamp" and isinstance(value, (int, float)):
            return dt.datetime.fromtimestamp(value, UTC)
        return value

    def encode(self, value: Any, shape: Any) -> Any:
        """Python value -> CBOR-ready value, typed by the botocore shape."""
        t = shape.type_name
        if t == "structure":
            out = {}
            for name, member in shape.members.items():
                if isinstance(value, dict) and value.get(name) is not None:
                    out[name] = self.encode(value[name], member)
            return out
        if t == "list":
            return [self.encode(v, shape.member) for v in value]
        if t == "map":
            return {k: self.encode(v, shape.value) for k, v in value.items()}
        if t == "timestamp":
            return cbor2.CBORTag(1, float(to_epoch(value)))
        if t in ("double", "float"):
            return float(value)
        if t in ("integer", "long", "short", "byte"):
            return int(value)
        if t == "boolean":
            return bool(value) if not isinstance(value, str) else value.lower() == "true"
        if t == "blob":
            return value if isinstance(value, bytes) else base64.b64decode(value)
        return str(value)

    def via_query(self, environ: dict, op_model: Any, params: dict) -> dict:
        request = self.serializer.serialize_to_request(params, op_model)
        body = urllib.parse.urlencode(request["body"], doseq=True).encode()
        status, headers, out = self.front.call_moto(
            environ,
            body,
            PATH_INFO="/",
            QUERY_STRING="",
            CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8",
            HTTP_ACCEPT="text/xml",
            HTTP_SMITHY_PROTOCOL="",
        )
        if not out.lstrip().startswith(b"<"):
            raise AwsError(
                "InternalFailure" if status >= 500 else "InvalidAction",
                f"moto could not answer {op_model.name} (HTTP {status}): {out[:300].decode(errors='replace')}",
                500 if status >= 500 else 400,
            )
        parsed = self.parser.parse({"body": out, "headers": headers, "status_code": status}, op_model.output_shape)
        if status >= 300:
            err = parsed.get("Error", {})
            raise AwsError(err.get("Code") or "InternalFailure", err.get("Message") or "", status)
        parsed.pop("ResponseMetadata", None)
        return parsed

    # -- operations moto gets wrong or lacks ---------------------------------------------------------------

    def backend(self, environ: dict) -> Any:
        from moto.cloudwatch.models import cloudwatch_backends

        return cloudwatch_backends[account_from_environ(environ)][region_from_environ(environ)]

    def describe_alarms(self, environ: dict, params: dict, op_model: Any) -> dict:
        # moto applies only the first filter given (if/elif); CloudWatch combines them.
        everything = self.via_query(environ, op_model, {"AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})
        names = params.get("AlarmNames")
        prefix = params.get("AlarmNamePrefix")
        state = params.get("StateValue")
        action_prefix = params.get("ActionPrefix")
        types = params.get("AlarmTypes") or ["MetricAlarm"]

        def keep(alarm: dict) -> bool:
            if names and alarm.get("AlarmName") not in names:
                return False
            if prefix and not alarm.get("AlarmName", "").startswith(prefix):
                return False
            if state and alarm.get("StateValue") != state:
                return False
            if action_prefix and not any(a.startswith(action_prefix) for a in alarm.get("AlarmActions", [])):
                return False
            return True

        out: dict[str, Any] = {"MetricAlarms": [], "CompositeAlarms": []}
        if "MetricAlarm" in types:
            out["MetricAlarms"] = [a for a in everything.get("MetricAlarms", []) if keep(a)]
        if "CompositeAlarm" in types:
            out["CompositeAlarms"] = [a for a in everything.get("CompositeAlarms", []) if keep(a)]
        return out

    def describe_alarm_history(self, environ: dict, params: dict) -> dict:
        backend = self.backend(environ)
        name = params.get("AlarmName")
        item_type = params.get("HistoryItemType")
        start = params.get("StartDate")
        end = params.get("EndDate")
        items: list[dict] = []
        for alarm in list(backend.alarms.values()):
            if name and alarm.name != name:
                continue
            alarm_type = "CompositeAlarm" if alarm.rule is not None else "MetricAlarm"
            if params.get("AlarmTypes") and alarm_type not in params["AlarmTypes"]:
                continue
            items.append(
                {
                    "AlarmName": alarm.name,
                    "AlarmType": alarm_type,
                    "Timestamp": alarm.configuration_updated_timestamp,
                    "HistoryItemType": "ConfigurationUpdate",
                    "HistorySummary": f'Alarm "{alarm.name}" updated',
                    "HistoryData": json.dumps({"type": "Update", "version": "1.0"}),
                }
            )
            # moto appends (kind, old reason, old reason data, old state, old timestamp) on every update
            states = [(h[3], h[1], h[4]) for h in alarm.history if h and h[0] == "StateUpdate"]
            states.append((alarm.state_value, alarm.state_reason, alarm.state_updated_timestamp))
            for (old_state, old_reason, _), (new_state, new_reason, when) in zip(states, states[1:]):
                items.append(
                    {
                        "AlarmName": alarm.name,
                        "AlarmType": alarm_type,
                        "Timestamp": when,
                        "HistoryItemType": "StateUpdate",
                        "HistorySummary": f"Alarm updated from {old_state} to {new_state}",
                        "HistoryData": json.dumps(
                            {
                                "version": "1.0",
                                "oldState": {"stateValue": old_state, "stateReason": old_reason},
                                "newState": {"stateValue": new_state, "stateReason": new_reason},
                            }
                        ),
                    }
                )
        if item_type:
            items = [i for i in items if i["HistoryItemType"] == item_type]
        if start:
            items = [i for i in items if to_epoch(i["Timestamp"]) >= to_epoch(start)]
        if end:
            items = [i for i in items if to_epoch(i["Timestamp"]) <= to_epoch(end)]
        items.sort(key=lambda i: to_epoch(i["Timestamp"]), reverse=params.get("ScanBy") != "TimestampAscending")
        if params.get("MaxRecords"):
            items = items[: int(params["MaxRecords"])]
        return {"AlarmHistoryItems": items}


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


class CodeDeploySim:
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
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return aws_json_error(AwsError("SerializationException", "request body is not JSON"))
        ctx = {"environ": environ, "raw": raw, "account": account_from_environ(environ), "region": region_from_environ(environ)}
        from moto.core.exceptions import JsonRESTError

        try:
            with self.front.lock:
                self.tick()
                return self.handlers[op](ctx, body)
        except AwsError as err:
            return aws_json_error(err)
        except JsonRESTError as err:
            return aws_json_error(AwsError(err.error_type, err.message, getattr(err, "code", 400) or 400))

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


# ---------------------------------------------------------------------------------------------------------
# 3. ECR replication from docker-registry push notifications

MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.docker.distribution.manifest.v1+json",
]


class EcrReplication:
    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        self.primary_region = os.environ.get("PD_SANDBOX_PRIMARY_REGION", "us-east-1")
        self.delay = env_float("PD_SANDBOX_REPLICATION_DELAY", 3.0)
        self.registry = os.environ.get("PD_SANDBOX_REGISTRY", "127.0.0.1:5101")
        self.password = os.environ.get("PD_SANDBOX_REGISTRY_PASSWORD", "123456789012-auth-token")
        self.paused = False
        self.generation = 0
        # (account, region, repository, digest) -> {"destinations": [(region, registryId)], "created": t}
        self.replications: dict[tuple, dict] = {}
        self.handlers = {
            "PutImage": self.put_image_api,
            "DescribeImageReplicationStatus": self.describe_image_replication_status,
        }

    def reset(self) -> None:
        self.generation += 1
        self.paused = False
        self.replications.clear()

    def backend(self, account: str, region: str) -> Any:
        from moto.ecr.models import ecr_backends

        return ecr_backends[account][region]

    def handle(self, op: str, environ: dict) -> Response:
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return aws_json_error(AwsError("SerializationException", "request body is not JSON"))
        ctx = {"environ": environ, "raw": raw, "account": account_from_environ(environ), "region": region_from_environ(environ)}
        from moto.core.exceptions import JsonRESTError

        try:
            return self.handlers[op](ctx, body)
        except AwsError as err:
            return aws_json_error(err)
        except JsonRESTError as err:
            return aws_json_error(AwsError(err.error_type, err.message, getattr(err, "code", 400) or 400))

    # -- API -----------------------------------------------------------------------------------------------

    def put_image_api(self, ctx: dict, body: dict) -> Response:
        status, headers, out = self.front.call_moto(ctx["environ"], ctx["raw"])
        if status == 200:
            try:
                image = json.loads(out)["image"]
                self.schedule(
                    ctx["account"],
                    ctx["region"],
                    image["repositoryName"],
                    image["imageId"]["imageDigest"],
                    image["imageManifest"],
                    image["imageId"].get("imageTag"),
                    image.get("imageManifestMediaType"),
                )
            except (KeyError, ValueError) as exc:
                log(f"PutImage answer not understood, no replication: {exc!r}")
        return Response(status, out, list(headers.items()))

    def describe_image_replication_status(self, ctx: dict, body: dict) -> Response:
        account = body.get("registryId") or ctx["account"]
        region = ctx["region"]
        repo_name = body.get("repositoryName")
        image_id = body.get("imageId") or {}
        backend = self.backend(account, region)
        repo = backend.repositories.get(repo_name)
        if repo is None:
            raise AwsError(
                "RepositoryNotFoundException",
                f"The repository with name '{repo_name}' does not exist in the registry with id '{account}'",
            )
        image = None
        for candidate in repo.images:
            if image_id.get("imageDigest") and candidate.get_image_digest() == image_id["imageDigest"]:
                image = candidate
            elif image_id.get("imageTag") and image_id["imageTag"] in candidate.image_tags:
                image = candidate
        if image is None:
            raise AwsError(
                "ImageNotFoundException",
                f"The image with imageId {json.dumps(image_id)} does not exist within the repository with name '{repo_name}' in the registry with id '{account}'",
            )
        digest = image.get_image_digest()
        with self.front.lock:
            record = self.replications.get((account, region, repo_name, digest))
            statuses = []
            for dest_region, dest_account in (record or {}).get("destinations", []):
                dest_repo = self.backend(dest_account, dest_region).repositories.get(repo_name)
                done = dest_repo is not None and any(i.get_image_digest() == digest for i in dest_repo.images)
                statuses.append({"region": dest_region, "registryId": dest_account, "status": "COMPLETE" if done else "IN_PROGRESS"})
        return aws_json(
            {
                "repositoryName": repo_name,
                "imageId": {"imageDigest": digest, **({"imageTag": image_id["imageTag"]} if image_id.get("imageTag") else {})},
                "replicationStatuses": statuses,
            }
        )

    # -- registry notifications ----------------------------------------------------------------------------

    def registry_events(self, payload: dict) -> Response:
        for event in payload.get("events") or []:
            target = event.get("target") or {}
            if event.get("action") != "push" or target.get("mediaType") not in MANIFEST_TYPES:
                continue
            if not target.get("repository") or not target.get("digest"):
                continue
            threading.Thread(
                target=self.import_pushed,
                args=(target["repository"], target["digest"], target.get("tag"), self.generation),
                daemon=True,
            ).start()
        return json_response({"ok": True})

    def fetch_manifest(self, repository: str, digest: str) -> tuple[str, str]:
        url = f"http://{self.registry}/v2/{repository}/manifests/{digest}"
        token = base64.b64encode(f"AWS:{self.password}".encode()).decode()
        request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}", "Accept": ", ".join(MANIFEST_TYPES)})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode(), response.headers.get("Content-Type", "").split(";")[0].strip()

    def import_pushed(self, repository: str, digest: str, tag: str | None, generation: int) -> None:
        try:
            manifest, media_type = self.fetch_manifest(repository, digest)
        except (urllib.error.URLError, OSError) as exc:
            log(f"registry push {repository}@{digest}: could not fetch the manifest: {exc!r}")
            return
        account, region = default_account(), self.primary_region
        with self.front.lock:
            if generation != self.generation:
                return
            if repository not in self.backend(account, region).repositories:
                log(f"registry push {repository}@{digest}: no ECR repository {repository} in moto {region}; ignored")
                return
            if not self.put(account, region, repository, manifest, tag, media_type, digest):
                return
        log(f"registry push {repository}:{tag or '-'}@{digest} -> ECR {region}")
        self.schedule(account, region, repository, digest, manifest, tag, media_type)

    def put(self, account: str, region: str, repository: str, manifest: str, tag: str | None, media_type: str | None, digest: str) -> bool:
        from moto.ecr.exceptions import ImageAlreadyExistsException

        backend = self.backend(account, region)
        repo = backend.repositories[repository]
        existing = next((i for i in repo.images if i.get_image_digest() == digest), None)
        if existing is not None and (tag is None or tag in existing.image_tags):
            return True
        try:
            backend.put_image(repository, manifest, tag, media_type or None, digest)
        except ImageAlreadyExistsException:
            pass
        except Exception as exc:
            log(f"put_image {repository}@{digest} into {region} failed: {exc!r}")
            return False
        return True

    # -- replication ---------------------------------------------------------------------------------------

    def destinations(self, account: str, region: str, repository: str) -> list[tuple[str, str]]:
        config = self.backend(account, region).replication_config or {}
        found: list[tuple[str, str]] = []
        for rule in config.get("rules") or []:
            filters = rule.get("repositoryFilters") or []
            if filters and not any(
                f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH" and repository.startswith(f.get("filter", ""))
                for f in filters
            ):
                continue
            for dest in rule.get("destinations") or []:
                pair = (dest.get("region"), dest.get("registryId") or account)
                if pair[0] and pair != (region, account) and pair not in found:
                    found.append(pair)
        return found

    def schedule(self, account: str, region: str, repository: str, digest: str, manifest: str, tag: str | None, media_type: str | None) -> None:
        with self.front.lock:
            dests = self.destinations(account, region, repository)
            if not dests:
                return
            key = (account, region, repository, digest)
            record = self.replications.setdefault(key, {"destinations": [], "created": time.time()})
            for d in dests:
                if d not in record["destinations"]:
                    record["destinations"].append(d)
            if self.paused:
                log(f"replication of {repository}@{digest} paused: it will not happen")
                return
            generation = self.generation
        timer = threading.Timer(self.delay, self.replicate, args=(key, dests, manifest, tag, media_type, generation))
        timer.daemon = True
        timer.start()

    def replicate(self, key: tuple, dests: list, manifest: str, tag: str | None, media_type: str | None, generation: int) -> None:
        account, region, repository, digest = key
        with self.front.lock:
            if generation != self.generation or self.paused:
                return
            for dest_region, dest_account in dests:
                backend = self.backend(dest_account, dest_region)
                if repository not in backend.repositories:
                    try:
                        backend.create_repository(repository, None, None, None, None, [])
                    except Exception as exc:
                        log(f"replication: could not create {repository} in {dest_region}: {exc!r}")
                        continue
                if self.put(dest_account, dest_region, repository, manifest, tag, media_type, digest):
                    log(f"replicated {repository}@{digest} {region} -> {dest_region}")

    def control_pause(self, payload: dict) -> Response:
        with self.front.lock:
            self.paused = bool(payload.get("paused", True))
        return json_response({"ok": True, "paused": self.paused})


# ---------------------------------------------------------------------------------------------------------
# 4. What `terraform apply` of the bundled stacks needs and moto 5.2.5 lacks
#
# Each route below is an API the hashicorp/aws provider (5.x) calls for a resource of terraform/ and moto
# answers with 404/500 (the provider then retries until its create timeout) or stores without returning.
# The answers carry the fields the provider reads back; state lives here, per (account, region).


def signing_service(environ: dict) -> str:
    m = re.search(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    return m.group(1) if m else ""


def rest_error(code: str, message: str, status: int = 400) -> Response:
    """restJson1 error: the code in x-amzn-ErrorType and in the body."""
    body = json.dumps({"__type": code, "message": message, "Message": message}).encode()
    return Response(status, body, [("Content-Type", "application/json"), ("x-amzn-ErrorType", code)])


def rest_json(obj: Any, status: int = 200) -> Response:
    return json_response(obj, status)


def now_iso() -> str:
    return dt.datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


CLOUDFRONT_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
# URL segment -> (root element of answers, config element, NoSuch* error code)
CLOUDFRONT_POLICIES = {
    "cache-policy": ("CachePolicy", "CachePolicyConfig", "NoSuchCachePolicy"),
    "origin-request-policy": ("OriginRequestPolicy", "OriginRequestPolicyConfig", "NoSuchOriginRequestPolicy"),
    "response-headers-policy": ("ResponseHeadersPolicy", "ResponseHeadersPolicyConfig", "NoSuchResponseHeadersPolicy"),
}


def cloudfront_error(code: str, message: str, status: int = 400) -> Response:
    body = (
        f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{CLOUDFRONT_NS}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    return Response(status, body, [("Content-Type", "text/xml")])


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def patch_moto_route53() -> None:
    """Route53 CreateQueryLoggingConfig takes the log group ARN as aws_cloudwatch_log_group exports it (no ":*"
    suffix, as in the provider's documented example); moto 5.2.5 only finds the group from "<arn>:*"."""
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend.create_query_logging_config, "_sandbox", False):
        return
    moto_create = Route53Backend.create_query_logging_config

    def create(self: Any, hosted_zone_id: str, log_group_arn: str) -> Any:
        if not log_group_arn or log_group_arn.endswith(":*"):
            return moto_create(self, hosted_zone_id, log_group_arn)
        config = moto_create(self, hosted_zone_id, log_group_arn + ":*")
        config.cloud_watch_logs_log_group_arn = log_group_arn  # answered back as it was given
        return config

    create._sandbox = True  # type: ignore[attr-defined]
    Route53Backend.create_query_logging_config = create  # type: ignore[method-assign]


def patch_moto_sqs() -> None:
    """SQS RedriveAllowPolicy: moto 5.2.5 stores it (SetQueueAttributes) but never returns it, so the provider's
    aws_sqs_queue_redrive_allow_policy waits for it until its create timeout. Make it a returned attribute."""
    from moto.sqs.models import Queue

    if "RedriveAllowPolicy" in Queue.BASE_ATTRIBUTES:
        return
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    moto_attributes = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(self: Any) -> dict[str, Any]:
        result = moto_attributes(self)
        if not result.get("RedriveAllowPolicy"):  # unset, or removed with ""
            result.pop("RedriveAllowPolicy", None)
        return result

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def patch_moto_sqs_redrive_policy() -> None:
    """SQS answers RedrivePolicy as compact JSON, {"deadLetterTargetArn":"...","maxReceiveCount":5}; moto 5.2.5
    answers json.dumps' spaced form, which the provider keeps as is, so every re-plan of an aws_sqs_queue whose
    redrive_policy is a jsonencode(...) shows a (whitespace) change."""
    from moto.sqs.models import Queue

    moto_attributes = Queue.attributes.fget  # type: ignore[attr-defined]
    if getattr(moto_attributes, "_sandbox_redrive_policy", False):
        return

    def attributes(self: Any) -> dict[str, Any]:
        result = moto_attributes(self)
        if self.redrive_policy and "RedrivePolicy" in result:
            policy = {k: self.redrive_policy[k] for k in ("deadLetterTargetArn", "maxReceiveCount") if k in self.redrive_policy}
            policy.update(self.redrive_policy)
            result["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        return result

    attributes._sandbox_redrive_policy = True  # type: ignore[attr-defined]
    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def patch_moto_lambda_logging_config() -> None:
    """Lambda functions' LoggingConfig, as AWS answers it: LogFormat (Text unless given), LogGroup
    (/aws/lambda/<name> unless given) and, for JSON, ApplicationLogLevel / SystemLogLevel (INFO unless given).
    moto 5.2.5 drops it from CreateFunction / UpdateFunctionConfiguration and never answers it, so every
    re-plan of an aws_lambda_function with a logging_config block wants to add it."""
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction.__init__, "_sandbox_logging_config", False):
        return
    moto_init = LambdaFunction.__init__
    moto_configuration = LambdaFunction.get_configuration
    moto_update = LambdaFunction.update_configuration

    def logging_config(function_name: str, given: dict[str, Any] | None) -> dict[str, Any]:
        config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"}
        config.update({k: v for k, v in (given or {}).items() if v})
        if config["LogFormat"] == "JSON":
            config.setdefault("ApplicationLogLevel", "INFO")
            config.setdefault("SystemLogLevel", "INFO")
        return config

    @functools.wraps(moto_init)
    def init(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        moto_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = logging_config(self.function_name, spec.get("LoggingConfig"))

    def configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = moto_configuration(self, *args, **kwargs)
        config["LoggingConfig"] = dict(getattr(self, "logging_config", None) or logging_config(self.function_name, None))
        return config

    def update(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = logging_config(self.function_name, config_updates["LoggingConfig"])
        return moto_update(self, config_updates)

    init._sandbox_logging_config = True  # type: ignore[attr-defined]
    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update  # type: ignore[method-assign]


def patch_moto_apigatewayv2_stage_deployment() -> None:
    """An API Gateway v2 stage answers the deployment it serves (DeploymentId); moto 5.2.5 keeps the one given to
    CreateStage but never answers it, so every re-plan of an aws_apigatewayv2_stage wants to set it again.
    (UpdateStage, which moto lacks, is TerraformGaps.update_apigw_stage.)"""
    from moto.apigatewayv2.models import Stage

    if getattr(Stage.to_json, "_sandbox", False):
        return
    moto_to_json = Stage.to_json

    def to_json(self: Any) -> dict[str, Any]:
        dct = moto_to_json(self)
        if self.config.get("deploymentId"):
            dct["deploymentId"] = self.config["deploymentId"]
        return dct

    to_json._sandbox = True  # type: ignore[attr-defined]
    Stage.to_json = to_json  # type: ignore[method-assign]


def patch_moto_backup_list_tags() -> None:
    """AWS Backup ListTags at GET /tags/<arn> (the Go SDK, hence the provider, sends no trailing slash): moto
    5.2.5 takes the ARN from the second-to-last path segment, so without the slash it looks up "tags" and answers
    no tags; every re-plan of a tagged vault, plan or restore testing plan then wants to add them all again."""
    from moto.backup.responses import BackupResponse

    if getattr(BackupResponse.list_tags, "_sandbox", False):
        return

    def list_tags(self: Any) -> str:
        path = urllib.parse.urlparse(self.path).path
        resource_arn = urllib.parse.unquote(path.split("/tags/", 1)[1].rstrip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})

    list_tags._sandbox = True  # type: ignore[attr-defined]
    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]


def patch_moto_rds() -> None:
    """New RDS instances get AWS's current default CA, rds-ca-rsa2048-g1; moto 5.2.5 still hands out the retired
    rds-ca-default, so an instance with ca_cert_identifier = "rds-ca-rsa2048-g1" is modified and rebooted right
    after creation (about 2.5 minutes of provider waiters)."""
    from moto.rds.models import DBInstance

    if getattr(DBInstance.__init__, "_sandbox_default_ca", False):
        return
    moto_init = DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("ca_certificate_identifier"):
            kwargs["ca_certificate_identifier"] = "rds-ca-rsa2048-g1"
        moto_init(self, *args, **kwargs)

    init._sandbox_default_ca = True  # type: ignore[attr-defined]
    DBInstance.__init__ = init  # type: ignore[method-assign]


def patch_moto_rds_global_cluster() -> None:
    """CreateGlobalCluster's DatabaseName and Tags, answered back in the GlobalCluster (DatabaseName, TagList) as
    AWS does; moto 5.2.5 drops both, and the provider reads both from DescribeGlobalClusters, so every re-plan
    wants to replace aws_rds_global_cluster (database_name forces a new resource). Tag changes address the
    global cluster's ARN (arn:aws:rds::<account>:global-cluster:<id>), which moto refuses as an invalid name.
    DescribeGlobalClusters answers only the GlobalClusterIdentifier asked for (GlobalClusterNotFoundFault if
    there is none); moto answers every global cluster, and the provider's waiter then never finds its own once
    there are two."""
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend, rds_backends
    from moto.rds.responses import RDSResponse

    if getattr(RDSResponse.create_global_cluster, "_sandbox", False):
        return
    moto_create = RDSResponse.create_global_cluster
    moto_describe = RDSResponse.describe_global_clusters
    moto_resource_for_tagging = RDSBackend._get_resource_for_tagging

    def describe(self: Any) -> Any:
        wanted = self.params.get("GlobalClusterIdentifier")
        if not wanted:
            return moto_describe(self)
        cluster = self.global_backend.global_clusters.get(wanted)
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {wanted} not found.")
        return ActionResult({"GlobalClusters": [cluster]})

    def create(self: Any) -> Any:
        result = moto_create(self)
        params = self.params
        cluster = self.global_backend.global_clusters[params["GlobalClusterIdentifier"]]
        source = cluster.members[0] if cluster.members else None
        if source is not None:  # the cluster a global cluster is made from is its writer; moto leaves it a reader
            source.is_writer = True
        cluster.database_name = params.get("DatabaseName") or (source.database_name if source else None)
        cluster.tags = params.get("Tags") or []
        return result

    def resource_for_tagging(self: Any, arn: str) -> Any:
        m = re.match(r"arn:[^:]+:rds::(\d+):global-cluster:(.+)$", arn)
        if m:  # global clusters live in us-east-1's backend (moto's RDSResponse.global_backend)
            return rds_backends[m.group(1)]["us-east-1"].global_clusters.get(m.group(2))
        return moto_resource_for_tagging(self, arn)

    create._sandbox = True  # type: ignore[attr-defined]
    RDSResponse.create_global_cluster = create  # type: ignore[method-assign]
    RDSResponse.describe_global_clusters = describe  # type: ignore[method-assign]
    RDSBackend._get_resource_for_tagging = resource_for_tagging  # type: ignore[method-assign]


def patch_moto_rds_scaling_configuration() -> None:
    """ScalingConfigurationInfo belongs to Aurora Serverless v1 clusters (EngineMode "serverless") only; moto
    5.2.5 answers one of nulls for every cluster, which the provider reads as a scaling_configuration block of
    zeros on a provisioned aws_rds_cluster, so every re-plan wants to change it."""
    from moto.rds.models import DBCluster

    moto_info = DBCluster.scaling_configuration_info
    if getattr(moto_info.fget, "_sandbox", False):  # type: ignore[union-attr]
        return

    def info(self: Any) -> dict[str, Any] | None:
        if self.engine_mode != "serverless":
            return None
        return moto_info.fget(self)  # type: ignore[misc]

    info._sandbox = True  # type: ignore[attr-defined]
    DBCluster.scaling_configuration_info = property(info)  # type: ignore[method-assign,assignment]


def patch_moto_rds_performance_insights() -> None:
    """A DB instance's Performance Insights settings (CreateDBInstance / ModifyDBInstance
    EnablePerformanceInsights, PerformanceInsightsKMSKeyId, PerformanceInsightsRetentionPeriod), answered as AWS
    does: PerformanceInsightsEnabled always, the key ARN and the retention period (7 days unless given) while it
    is enabled. moto 5.2.5 drops them, so every re-plan of an aws_rds_cluster_instance with
    performance_insights_enabled wants to turn it on again."""
    from moto.rds.models import DBInstance

    if getattr(DBInstance.__init__, "_sandbox_performance_insights", False):
        return
    moto_init = DBInstance.__init__

    @functools.wraps(moto_init)  # keeps the other patches' guards
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        moto_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(kwargs.get("enable_performance_insights"))
        self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id")
        self.performance_insights_retention_period = kwargs.get("performance_insights_retention_period")

    def kms_key_arn(self: Any, key_id: str | None) -> str | None:
        if not key_id or (key_id.startswith("arn:") and ":key/" in key_id):
            return key_id
        try:  # AWS answers the key's ARN for a key id, alias or alias ARN
            return self.backend.kms.describe_key(key_id).arn
        except Exception:
            return key_id

    def stored(name: str, answer: Callable[[Any, Any], Any]) -> property:
        def get(self: Any) -> Any:
            return answer(self, self.__dict__.get(name)) if self.__dict__.get("enable_performance_insights") else None

        def put(self: Any, value: Any) -> None:
            self.__dict__[name] = value

        return property(get, put)

    init._sandbox_performance_insights = True  # type: ignore[attr-defined]
    DBInstance.__init__ = init  # type: ignore[method-assign]
    DBInstance.performance_insights_enabled = property(  # type: ignore[attr-defined]
        lambda self: bool(self.__dict__.get("enable_performance_insights"))
    )
    DBInstance.performance_insights_kms_key_id = stored("_pi_kms_key_id", kms_key_arn)  # type: ignore[attr-defined]
    DBInstance.performance_insights_retention_period = stored(  # type: ignore[attr-defined]
        "_pi_retention_period", lambda self, days: days or 7
    )


def patch_moto_cloudfront() -> None:
    """A distribution's default cache behaviour may target an origin group (failover); moto 5.2.5 only looks the
    target up among the origins and refuses it with NoSuchOrigin."""
    from moto.cloudfront.models import DistributionConfig

    if getattr(DistributionConfig.__init__, "_sandbox", False):
        return
    moto_init = DistributionConfig.__init__

    def init(self: Any, config: dict[str, Any]) -> None:
        groups = {g.get("Id") for g in ((config.get("OriginGroups") or {}).get("Items") or [])}
        origins = [o.get("Id") for o in ((config.get("Origins") or {}).get("Items") or []) if isinstance(o, dict)]
        behaviour = config.get("DefaultCacheBehavior") or {}
        target = behaviour.get("TargetOriginId")
        if target in groups and target not in origins and origins:
            behaviour["TargetOriginId"] = origins[0]  # passes moto's origin check, then put back
            moto_init(self, config)
            self.DefaultCacheBehavior.target_origin_id = target
            return
        moto_init(self, config)

    init._sandbox = True  # type: ignore[attr-defined]
    DistributionConfig.__init__ = init  # type: ignore[method-assign]


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


def patch_moto_backup_plan_names() -> None:
    """A deleted backup plan's name is free again, as in AWS Backup: moto 5.2.5 keeps deleted plans (for
    ListBackupPlans IncludeDeleted) and refuses CreateBackupPlan of their name with AlreadyExistsException, so a
    plan that moves away from a region and back (the bundled backups follow the Aurora writer) could not
    return."""
    from moto.backup.models import BackupBackend

    if getattr(BackupBackend.create_backup_plan, "_sandbox", False):
        return
    moto_create = BackupBackend.create_backup_plan

    def create(self: Any, backup_plan: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        deleted = {k: p for k, p in self.plans.items() if getattr(p, "deletion_date", None)}
        for k in deleted:
            del self.plans[k]
        try:
            return moto_create(self, backup_plan, *args, **kwargs)
        finally:
            self.plans.update(deleted)

    create._sandbox = True  # type: ignore[attr-defined]
    BackupBackend.create_backup_plan = create  # type: ignore[method-assign]


def patch_moto_route53_create_by_set_identifier() -> None:
    """ChangeResourceRecordSets CREATE fails only when a record of the same name, type and set identifier exists,
    as in Route53. moto 5.2.5 refuses a CREATE identical to one in its change journal whenever any record of that
    name and type exists, so failover records that swap set identifiers (the bundled edge names them after the
    region they prefer) could not swap back."""
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend.change_resource_record_sets, "_sandbox", False):
        return
    moto_change = Route53Backend.change_resource_record_sets

    def change(self: Any, zoneid: str, change_list: list[dict[str, Any]]) -> None:
        zone = self.get_hosted_zone(zoneid)
        for value in change_list:
            if value["Action"] != "CREATE":
                continue
            record = value["ResourceRecordSet"]
            name = record["Name"].rstrip(".") + "."
            for live in zone.rrsets:
                same = live.name.rstrip(".") + "." == name and live.type == record["Type"]
                if same and live.set_identifier == record.get("SetIdentifier"):
                    raise ResourceRecordAlreadyExists(name=name, _type=record["Type"])
            # Checked here; moto's own check would consult its journal instead.
            value["Action"] = "UPSERT"
        moto_change(self, zoneid, change_list)

    change._sandbox = True  # type: ignore[attr-defined]
    Route53Backend.change_resource_record_sets = change  # type: ignore[method-assign]


def patch_moto_cloudfront_distribution_answers() -> None:
    """Two fields of a distribution's config that moto 5.2.5 answers unlike CloudFront, so every re-plan of the
    bundled aws_cloudfront_distribution wants to change it: a cache behaviour that uses a cache policy
    (CachePolicyId) and sends no legacy ForwardedValues gets none back (moto makes up a default one); a viewer
    certificate from ACM or IAM is answered with CloudFrontDefaultCertificate false and its CertificateSource
    (acm / iam) and Certificate (moto answers CloudFrontDefaultCertificate true unless it is sent)."""
    from moto.cloudfront.models import DefaultCacheBehaviour, ViewerCertificate

    if getattr(DefaultCacheBehaviour.__init__, "_sandbox", False):
        return
    moto_behaviour_init = DefaultCacheBehaviour.__init__
    moto_certificate_init = ViewerCertificate.__init__

    def behaviour_init(self: Any, config: dict[str, Any]) -> None:
        given = "ForwardedValues" in config
        moto_behaviour_init(self, config)
        if config.get("CachePolicyId") and not given:
            self.forwarded_values = None

    def certificate_init(self: Any, config: dict[str, Any]) -> None:
        moto_certificate_init(self, config)
        own = self.acm_certificate_arn or self.iam_certificate_id
        if "CloudFrontDefaultCertificate" not in config:
            self.cloud_front_default_certificate = not own
        if self.acm_certificate_arn:
            self.certificate_source, self.certificate = "acm", self.acm_certificate_arn
        elif self.iam_certificate_id:
            self.certificate_source, self.certificate = "iam", self.iam_certificate_id

    behaviour_init._sandbox = True  # type: ignore[attr-defined]
    DefaultCacheBehaviour.__init__ = behaviour_init  # type: ignore[method-assign]
    ViewerCertificate.__init__ = certificate_init  # type: ignore[method-assign]


# What a bucket policy's conditions see of a request here. Clients reach the stand-in over plain HTTP on
# loopback; against AWS they speak TLS 1.2+, which is what the product's bucket policies require.
BUCKET_POLICY_REQUEST_CONTEXT = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}


def patch_moto_s3_bucket_policy_conditions() -> None:
    """moto applies a bucket policy's Deny statement to object requests whether or not its Condition holds (its
    statement check answers DENIED when a condition fails, and takes a condition on a key it lacks as holding),
    so the TLS-only policy terraform/bootstrap puts on the state buckets (Deny when aws:SecureTransport is false,
    or s3:TlsVersion is below 1.2) refuses every PutObject and GetObject. Here the policy is evaluated as IAM
    does, with the IAM gate's evaluator, on a request that came over TLS 1.3: a Deny applies only when its
    condition holds (a condition on an operator the gate does not know never holds, as for a key AWS lacks)."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        try:
            document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        except ValueError:
            return PermissionResult.NEUTRAL
        decision = IamGate.decide([document], action, resource, BUCKET_POLICY_REQUEST_CONTEXT)
        return {"deny": PermissionResult.DENIED, "allow": PermissionResult.PERMITTED}.get(decision, PermissionResult.NEUTRAL)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]


class DroppedFields:
    """Request fields moto 5.2.5 accepts and never answers back, kept here and put back into the answers that
    describe the resource, so the provider's refresh after an apply sees what it set (a re-plan of the bundled
    stacks is clean, as it is on AWS): ECS task definitions' enableFaultInjection; ECS services'
    healthCheckGracePeriodSeconds, enableECSManagedTags and availabilityZoneRebalancing (AWS answers
    ENABLED for a new service that does not set it)."""

    ECS = "AmazonEC2ContainerServiceV20141113."
    TASK_DEFINITION_FIELDS = ("enableFaultInjection",)
    SERVICE_FIELDS = ("healthCheckGracePeriodSeconds", "enableECSManagedTags", "availabilityZoneRebalancing")
    SERVICE_DEFAULTS = {"availabilityZoneRebalancing": "ENABLED", "enableECSManagedTags": False}

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.kept: dict[str, dict[str, Any]] = {}  # resource ARN -> fields

    def reset(self) -> None:
        self.kept.clear()

    def handles(self, target: str) -> bool:
        return target.removeprefix(self.ECS) in (
            "RegisterTaskDefinition", "DescribeTaskDefinition", "CreateService", "UpdateService", "DescribeServices"
        ) and target.startswith(self.ECS)

    def handle(self, environ: dict, body: bytes) -> Response:
        op = environ.get("HTTP_X_AMZ_TARGET", "").removeprefix(self.ECS)
        status, headers, out = self.front.call_moto(environ, body)
        if status != 200:
            return Response(status, out, list(headers.items()))
        request = json.loads(body or b"{}")
        answer = json.loads(out or b"{}")
        with self.front.lock:
            if op == "RegisterTaskDefinition":
                self.keep(answer.get("taskDefinition"), "taskDefinitionArn", request, self.TASK_DEFINITION_FIELDS, {})
            elif op in ("CreateService", "UpdateService"):
                defaults = self.SERVICE_DEFAULTS if op == "CreateService" else {}
                self.keep(answer.get("service"), "serviceArn", request, self.SERVICE_FIELDS, defaults)
            self.put_back(answer.get("taskDefinition"), "taskDefinitionArn")
            for service in [answer.get("service"), *(answer.get("services") or [])]:
                self.put_back(service, "serviceArn")
        return Response(200, json.dumps(answer, default=json_default).encode(), list(headers.items()))

    def put_back(self, item: dict | None, arn_key: str) -> None:
        if item and item.get(arn_key) in self.kept:
            item.update(self.kept[item[arn_key]])

    def keep(self, item: dict | None, arn_key: str, request: dict, fields: tuple, defaults: dict) -> None:
        if not item or not item.get(arn_key):
            return
        kept = self.kept.setdefault(item[arn_key], dict(defaults))
        kept.update({f: request[f] for f in fields if f in request})


class TerraformGaps:
    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        # (account, region) -> plan id -> selection id -> record
        self.backup_selections: dict[tuple, dict[str, dict[str, dict]]] = {}
        # (account, region) -> plan name -> record (with "selections": name -> record)
        self.restore_testing_plans: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> vault name -> notification configuration
        self.vault_notifications: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> rule name -> SamplingRuleRecord
        self.sampling_rules: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> ARN -> tags (X-Ray)
        self.xray_tags: dict[tuple, dict[str, dict[str, str]]] = {}
        # (account, region) -> api id -> deployment id -> record
        self.apigw_deployments: dict[tuple, dict[str, dict[str, dict]]] = {}
        P = r"(?P<%s>[^/]+)"
        self.routes: list[tuple[str, str, re.Pattern, Callable[..., Response]]] = [
            ("backup", "PUT", r"/backup/plans/%s/selections/?" % (P % "plan"), self.create_backup_selection),
            ("backup", "GET", r"/backup/plans/%s/selections/?" % (P % "plan"), self.list_backup_selections),
            ("backup", "GET", r"/backup/plans/%s/selections/%s" % (P % "plan", P % "sel"), self.get_backup_selection),
            ("backup", "DELETE", r"/backup/plans/%s/selections/%s" % (P % "plan", P % "sel"), self.delete_backup_selection),
            ("backup", "PUT", r"/restore-testing/plans", self.create_restore_testing_plan),
            ("backup", "GET", r"/restore-testing/plans/%s" % (P % "name"), self.get_restore_testing_plan),
            ("backup", "PUT", r"/restore-testing/plans/%s" % (P % "name"), self.update_restore_testing_plan),
            ("backup", "DELETE", r"/restore-testing/plans/%s" % (P % "name"), self.delete_restore_testing_plan),
            ("backup", "PUT", r"/restore-testing/plans/%s/selections" % (P % "name"), self.create_restore_testing_selection),
            ("backup", "GET", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.get_restore_testing_selection),
            ("backup", "PUT", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.update_restore_testing_selection),
            ("backup", "DELETE", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.delete_restore_testing_selection),
            ("backup", "PUT", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.put_vault_notifications),
            ("backup", "GET", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.get_vault_notifications),
            ("backup", "DELETE", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.delete_vault_notifications),
            ("xray", "POST", r"/CreateSamplingRule", self.create_sampling_rule),
            ("xray", "POST", r"/GetSamplingRules", self.get_sampling_rules),
            ("xray", "POST", r"/UpdateSamplingRule", self.update_sampling_rule),
            ("xray", "POST", r"/DeleteSamplingRule", self.delete_sampling_rule),
            ("xray", "POST", r"/ListTagsForResource", self.xray_list_tags),
            ("xray", "POST", r"/TagResource", self.xray_tag),
            ("xray", "POST", r"/UntagResource", self.xray_untag),
            ("apigateway", "POST", r"/v2/apis/%s/deployments" % (P % "api"), self.create_apigw_deployment),
            ("apigateway", "GET", r"/v2/apis/%s/deployments" % (P % "api"), self.list_apigw_deployments),
            ("apigateway", "GET", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.get_apigw_deployment),
            ("apigateway", "PATCH", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.update_apigw_deployment),
            ("apigateway", "PATCH", r"/v2/apis/%s/stages/%s" % (P % "api", P % "stage"), self.update_apigw_stage),
            ("apigateway", "DELETE", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.delete_apigw_deployment),
        ]
        for kind in CLOUDFRONT_POLICIES:
            base = f"/2020-05-31/{kind}"
            self.routes += [
                ("cloudfront", "POST", base, functools.partial(self.create_cf_policy, kind=kind)),
                ("cloudfront", "GET", base + "/" + P % "id", functools.partial(self.get_cf_policy, kind=kind)),
                ("cloudfront", "PUT", base + "/" + P % "id", functools.partial(self.update_cf_policy, kind=kind)),
                ("cloudfront", "DELETE", base + "/" + P % "id", functools.partial(self.delete_cf_policy, kind=kind)),
            ]
        self.routes = [(svc, m, re.compile(rx + "$"), fn) for svc, m, rx, fn in self.routes]  # type: ignore[misc]
        # awsJson services, by X-Amz-Target
        self.targets: dict[str, Callable[..., Response]] = {
            "AnyScaleFrontendService.RegisterScalableTarget": self.register_scalable_target,
            "AnyScaleFrontendService.ListTagsForResource": self.autoscaling_list_tags,
            "AnyScaleFrontendService.TagResource": self.autoscaling_tag,
            "AnyScaleFrontendService.UntagResource": self.autoscaling_untag,
            # The provider lists a state machine's published versions after every create and read; moto
            # has no versions (nothing here publishes one), and its 500 made the provider retry for minutes.
            "AWSStepFunctions.ListStateMachineVersions": self.sfn_list_versions,
            # Asked before every create; moto lacks it. Definitions are checked by moto's create itself.
            "AWSStepFunctions.ValidateStateMachineDefinition": self.sfn_validate,
        }
        # (account, region) -> scalable target ARN -> tags
        self.autoscaling_tags: dict[tuple, dict[str, dict[str, str]]] = {}
        # bucket -> x-amz-transition-default-minimum-object-size given with its lifecycle configuration
        self.lifecycle_min_size: dict[str, str] = {}
        # (account, kind) -> policy id -> {"config": XML of the *Config element, "etag", "modified"}
        self.cf_policies: dict[tuple, dict[str, dict]] = {}

    def reset(self) -> None:
        for store in (
            self.backup_selections,
            self.restore_testing_plans,
            self.vault_notifications,
            self.sampling_rules,
            self.xray_tags,
            self.apigw_deployments,
            self.autoscaling_tags,
            self.cf_policies,
            self.lifecycle_min_size,
        ):
            store.clear()

    def route(self, environ: dict) -> Callable[[], Response] | None:
        target = self.targets.get(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target is not None:
            return lambda: self.call(target, environ, {}, errors="json")
        service = signing_service(environ)
        if service == "s3" and "lifecycle" in urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            return lambda: self.s3_lifecycle(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        path = urllib.parse.unquote(environ.get("PATH_INFO", ""))
        for svc, m, rx, fn in self.routes:
            match = rx.match(path)
            if svc == service and m == method and match:
                errors = "xml" if service == "cloudfront" else "rest"
                return lambda fn=fn, match=match: self.call(fn, environ, match.groupdict(), errors)
        return None

    def call(self, fn: Callable[..., Response], environ: dict, args: dict, errors: str = "rest") -> Response:
        raw = read_body(environ)
        error = {
            "json": aws_json_error,
            "rest": lambda e: rest_error(e.code, e.message, e.status),
            "xml": lambda e: cloudfront_error(e.code, e.message, e.status),
        }[errors]
        body: Any = {}
        if errors != "xml" and raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return error(AwsError("SerializationException", "request body is not JSON"))
        key = (account_from_environ(environ), region_from_environ(environ))
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            with self.front.lock:
                return fn(key, body, query=query, environ=environ, raw=raw, **args)
        except AwsError as err:
            return error(err)

    # -- S3 lifecycle: TransitionDefaultMinimumObjectSize ---------------------------------------------------
    # S3 answers Put/GetBucketLifecycleConfiguration with x-amz-transition-default-minimum-object-size
    # (all_storage_classes_128K unless the PUT asked otherwise). moto omits it, and the provider's waiter for
    # aws_s3_bucket_lifecycle_configuration compares it with what it sent: 55 s per bucket instead of a moment.

    def s3_lifecycle(self, environ: dict) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        bucket = urllib.parse.unquote(environ.get("PATH_INFO", "")).strip("/").split("/", 1)[0]
        raw = read_body(environ)
        status, headers, out = self.front.call_moto(environ, raw)
        header = "x-amz-transition-default-minimum-object-size"
        with self.front.lock:
            if method == "PUT" and status == 200:
                self.lifecycle_min_size[bucket] = environ.get("HTTP_X_AMZ_TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE") or "all_storage_classes_128K"
            elif method == "DELETE" and status < 300:
                self.lifecycle_min_size.pop(bucket, None)
            size = self.lifecycle_min_size.get(bucket, "all_storage_classes_128K")
        answer = [(k, v) for k, v in headers.items() if k.lower() != header]
        if method in ("GET", "PUT") and status == 200:
            answer.append((header, size))
        return Response(status, out, answer)

    # -- CloudFront cache, origin request and response headers policies (restXml, ETag / If-Match) ----------

    def cf_config_xml(self, raw: bytes, config_tag: str) -> str:
        text = raw.decode("utf-8", "replace")
        m = re.search(rf"<{config_tag}(\s[^>]*)?>.*</{config_tag}>", text, re.S)
        if not m:
            raise AwsError("MalformedXML", f"the request body is not a {config_tag}")
        return re.sub(rf"^<{config_tag}(\s[^>]*)?>", f"<{config_tag}>", m.group(0))

    def cf_answer(self, kind: str, policy_id: str, record: dict, status: int = 200) -> Response:
        root, _, _ = CLOUDFRONT_POLICIES[kind]
        modified = dt.datetime.fromtimestamp(record["modified"], UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{CLOUDFRONT_NS}"><Id>{policy_id}</Id>'
            f"<LastModifiedTime>{modified}</LastModifiedTime>{record['config']}</{root}>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("ETag", record["etag"])]
        if status == 201:
            headers.append(("Location", f"https://cloudfront.amazonaws.com/2020-05-31/{kind}/{policy_id}"))
        return Response(status, body, headers)

    def cf_record(self, key: tuple, kind: str, policy_id: str) -> dict:
        record = self.cf_policies.get((key[0], kind), {}).get(policy_id)
        if record is None:
            raise AwsError(CLOUDFRONT_POLICIES[kind][2], f"The {kind.replace('-', ' ')} does not exist.", 404)
        return record

    def cf_check_etag(self, record: dict, environ: dict) -> None:
        if environ.get("HTTP_IF_MATCH") != record["etag"]:
            raise AwsError("PreconditionFailed", "The If-Match version is missing or not valid.", 412)

    def cf_name(self, config: str) -> str:
        m = re.search(r"<Name>([^<]*)</Name>", config)
        return m.group(1) if m else ""

    def create_cf_policy(self, key: tuple, body: Any, raw: bytes, kind: str, **_: Any) -> Response:
        config = self.cf_config_xml(raw, CLOUDFRONT_POLICIES[kind][1])
        policies = self.cf_policies.setdefault((key[0], kind), {})
        name = self.cf_name(config)
        if any(self.cf_name(r["config"]) == name for r in policies.values()):
            root = CLOUDFRONT_POLICIES[kind][0]
            raise AwsError(f"{root}AlreadyExists", f"A {kind.replace('-', ' ')} named {name} already exists.", 409)
        policy_id = str(uuid.uuid4())
        record = {"config": config, "etag": uuid.uuid4().hex[:14].upper(), "modified": time.time()}
        policies[policy_id] = record
        return self.cf_answer(kind, policy_id, record, 201)

    def get_cf_policy(self, key: tuple, body: Any, id: str, kind: str, **_: Any) -> Response:
        return self.cf_answer(kind, id, self.cf_record(key, kind, id))

    def update_cf_policy(self, key: tuple, body: Any, raw: bytes, environ: dict, id: str, kind: str, **_: Any) -> Response:
        record = self.cf_record(key, kind, id)
        self.cf_check_etag(record, environ)
        record.update(
            config=self.cf_config_xml(raw, CLOUDFRONT_POLICIES[kind][1]),
            etag=uuid.uuid4().hex[:14].upper(),
            modified=time.time(),
        )
        return self.cf_answer(kind, id, record)

    def delete_cf_policy(self, key: tuple, body: Any, environ: dict, id: str, kind: str, **_: Any) -> Response:
        record = self.cf_record(key, kind, id)
        self.cf_check_etag(record, environ)
        del self.cf_policies[(key[0], kind)][id]
        return Response(204, b"")

    # -- Application Auto Scaling: tags of scalable targets (moto drops them and lacks the tag APIs) --------

    def register_scalable_target(self, key: tuple, body: dict, environ: dict, raw: bytes, **_: Any) -> Response:
        status, headers, out = self.front.call_moto(environ, raw)
        if status == 200 and body.get("Tags"):
            arn = (json.loads(out or b"{}") or {}).get("ScalableTargetARN")
            if arn:
                self.autoscaling_tags.setdefault(key, {}).setdefault(arn, {}).update(body["Tags"])
        return Response(status, out, list(headers.items()))

    def sfn_list_versions(self, key: tuple, body: dict, **_: Any) -> Response:
        return aws_json({"stateMachineVersions": []})

    def sfn_validate(self, key: tuple, body: dict, **_: Any) -> Response:
        try:
            json.loads(body.get("definition") or "")
        except ValueError as e:
            return aws_json({"result": "FAIL", "diagnostics": [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(e)}]})
        return aws_json({"result": "OK", "diagnostics": []})

    def autoscaling_list_tags(self, key: tuple, body: dict, **_: Any) -> Response:
        return aws_json({"Tags": self.autoscaling_tags.get(key, {}).get(body.get("ResourceARN", ""), {})})

    def autoscaling_tag(self, key: tuple, body: dict, **_: Any) -> Response:
        self.autoscaling_tags.setdefault(key, {}).setdefault(body.get("ResourceARN", ""), {}).update(body.get("Tags") or {})
        return aws_json({})

    def autoscaling_untag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.autoscaling_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        for k in body.get("TagKeys") or []:
            tags.pop(k, None)
        return aws_json({})

    # -- AWS Backup: selections of a backup plan ----------------------------------------------------------

    def backup_backend(self, key: tuple) -> Any:
        from moto.backup.models import backup_backends

        return backup_backends[key[0]][key[1]]

    def plan_selections(self, key: tuple, plan: str) -> dict[str, dict]:
        if plan not in self.backup_backend(key).plans:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup plan {plan}", 404)
        return self.backup_selections.setdefault(key, {}).setdefault(plan, {})

    def create_backup_selection(self, key: tuple, body: dict, plan: str, **_: Any) -> Response:
        selections = self.plan_selections(key, plan)
        selection = body.get("BackupSelection") or {}
        for required in ("SelectionName", "IamRoleArn"):
            if not selection.get(required):
                raise AwsError("InvalidParameterValueException", f"BackupSelection.{required} is required")
        if any(s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in selections.values()):
            raise AwsError("AlreadyExistsException", f"Selection {selection['SelectionName']} already exists")
        # AWS fills in the condition lists that were left out.
        conditions = selection.setdefault("Conditions", {})
        for kind in ("StringEquals", "StringLike", "StringNotEquals", "StringNotLike"):
            conditions.setdefault(kind, [])
        selection.setdefault("ListOfTags", [])
        selection.setdefault("NotResources", [])
        selection.setdefault("Resources", [])
        record = {
            "BackupPlanId": plan,
            "BackupSelection": selection,
            "CreationDate": time.time(),
            "CreatorRequestId": body.get("CreatorRequestId"),
            "SelectionId": str(uuid.uuid4()),
        }
        selections[record["SelectionId"]] = record
        return rest_json({k: record[k] for k in ("BackupPlanId", "CreationDate", "SelectionId")})

    def get_backup_selection(self, key: tuple, body: dict, plan: str, sel: str, **_: Any) -> Response:
        record = self.plan_selections(key, plan).get(sel)
        if record is None:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup selection {sel} of plan {plan}", 404)
        return rest_json({k: v for k, v in record.items() if v is not None})

    def delete_backup_selection(self, key: tuple, body: dict, plan: str, sel: str, **_: Any) -> Response:
        if self.plan_selections(key, plan).pop(sel, None) is None:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup selection {sel} of plan {plan}", 404)
        return Response(200, b"")

    def list_backup_selections(self, key: tuple, body: dict, plan: str, **_: Any) -> Response:
        items = [
            {
                "BackupPlanId": r["BackupPlanId"],
                "CreationDate": r["CreationDate"],
                "CreatorRequestId": r["CreatorRequestId"],
                "IamRoleArn": r["BackupSelection"]["IamRoleArn"],
                "SelectionId": r["SelectionId"],
                "SelectionName": r["BackupSelection"]["SelectionName"],
            }
            for r in self.plan_selections(key, plan).values()
        ]
        return rest_json({"BackupSelectionsList": items})

    # -- AWS Backup: restore testing plans and selections --------------------------------------------------

    def testing_plan(self, key: tuple, name: str) -> dict:
        plan = self.restore_testing_plans.get(key, {}).get(name)
        if plan is None:
            raise AwsError("ResourceNotFoundException", f"Restore testing plan {name} not found", 404)
        return plan

    def create_restore_testing_plan(self, key: tuple, body: dict, **_: Any) -> Response:
        spec = dict(body.get("RestoreTestingPlan") or {})
        name = spec.get("RestoreTestingPlanName")
        if not name or not re.fullmatch(r"[a-zA-Z0-9_]{1,50}", name):
            raise AwsError("ValidationException", "RestoreTestingPlanName must be 1-50 letters, digits or underscores")
        plans = self.restore_testing_plans.setdefault(key, {})
        if name in plans:
            raise AwsError("AlreadyExistsException", f"Restore testing plan {name} already exists", 409)
        arn = f"arn:aws:backup:{key[1]}:{key[0]}:restore-testing-plan:{name}-{uuid.uuid4().hex[:6]}"
        spec.update(
            RestoreTestingPlanArn=arn,
            CreationTime=time.time(),
            CreatorRequestId=body.get("CreatorRequestId"),
        )
        spec.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        plans[name] = {"plan": spec, "selections": {}}
        if body.get("Tags"):
            self.backup_backend(key).tag_resource(arn, body["Tags"])
        return rest_json({k: spec[k] for k in ("CreationTime", "RestoreTestingPlanArn", "RestoreTestingPlanName")})

    def get_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        plan = self.testing_plan(key, name)["plan"]
        return rest_json({"RestoreTestingPlan": {k: v for k, v in plan.items() if v is not None}})

    def update_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        plan = self.testing_plan(key, name)["plan"]
        update = body.get("RestoreTestingPlan") or {}
        for field, value in update.items():
            if isinstance(value, dict) and isinstance(plan.get(field), dict):
                plan[field] = {**plan[field], **value}
            else:
                plan[field] = value
        plan["LastUpdateTime"] = time.time()
        out = {k: plan[k] for k in ("CreationTime", "RestoreTestingPlanArn", "RestoreTestingPlanName")}
        out["UpdateTime"] = plan["LastUpdateTime"]
        return rest_json(out)

    def delete_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        entry = self.testing_plan(key, name)
        if entry["selections"]:
            raise AwsError("InvalidRequestException", "Delete the restore testing selections of the plan first")
        del self.restore_testing_plans[key][name]
        return Response(204, b"")

    def create_restore_testing_selection(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        entry = self.testing_plan(key, name)
        spec = dict(body.get("RestoreTestingSelection") or {})
        sel = spec.get("RestoreTestingSelectionName")
        if not sel:
            raise AwsError("ValidationException", "RestoreTestingSelectionName is required")
        if sel in entry["selections"]:
            raise AwsError("AlreadyExistsException", f"Restore testing selection {sel} already exists", 409)
        spec.update(
            RestoreTestingPlanName=name,
            CreationTime=time.time(),
            CreatorRequestId=body.get("CreatorRequestId"),
        )
        spec.setdefault("ValidationWindowHours", 0)
        entry["selections"][sel] = spec
        return rest_json(
            {
                "CreationTime": spec["CreationTime"],
                "RestoreTestingPlanArn": entry["plan"]["RestoreTestingPlanArn"],
                "RestoreTestingPlanName": name,
                "RestoreTestingSelectionName": sel,
            }
        )

    def testing_selection(self, key: tuple, name: str, sel: str) -> dict:
        spec = self.testing_plan(key, name)["selections"].get(sel)
        if spec is None:
            raise AwsError("ResourceNotFoundException", f"Restore testing selection {sel} not found", 404)
        return spec

    def get_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        spec = self.testing_selection(key, name, sel)
        return rest_json({"RestoreTestingSelection": {k: v for k, v in spec.items() if v is not None}})

    def update_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        spec = self.testing_selection(key, name, sel)
        spec.update(body.get("RestoreTestingSelection") or {})
        spec["UpdateTime"] = time.time()
        plan = self.testing_plan(key, name)["plan"]
        return rest_json(
            {
                "CreationTime": spec["CreationTime"],
                "RestoreTestingPlanArn": plan["RestoreTestingPlanArn"],
                "RestoreTestingPlanName": name,
                "RestoreTestingSelectionName": sel,
                "UpdateTime": spec["UpdateTime"],
            }
        )

    def delete_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        self.testing_selection(key, name, sel)
        del self.restore_testing_plans[key][name]["selections"][sel]
        return Response(204, b"")

    # -- AWS Backup: vault notifications -------------------------------------------------------------------

    def vault(self, key: tuple, name: str) -> Any:
        vault = self.backup_backend(key).vaults.get(name)
        if vault is None:
            raise AwsError("ResourceNotFoundException", f"Backup vault {name} not found", 404)
        return vault

    def put_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        v = self.vault(key, vault)
        if not body.get("SNSTopicArn") or not body.get("BackupVaultEvents"):
            raise AwsError("InvalidParameterValueException", "SNSTopicArn and BackupVaultEvents are required")
        self.vault_notifications.setdefault(key, {})[vault] = {
            "BackupVaultArn": getattr(v, "backup_vault_arn", None) or f"arn:aws:backup:{key[1]}:{key[0]}:backup-vault:{vault}",
            "BackupVaultEvents": list(body["BackupVaultEvents"]),
            "BackupVaultName": vault,
            "SNSTopicArn": body["SNSTopicArn"],
        }
        return Response(200, b"")

    def get_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        self.vault(key, vault)
        config = self.vault_notifications.get(key, {}).get(vault)
        if config is None:
            raise AwsError("ResourceNotFoundException", f"Backup vault {vault} has no notification configuration", 404)
        return rest_json(config)

    def delete_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        self.vault(key, vault)
        self.vault_notifications.get(key, {}).pop(vault, None)
        return Response(200, b"")

    # -- X-Ray sampling rules ------------------------------------------------------------------------------

    SAMPLING_RULE_FIELDS = (
        "RuleName", "RuleARN", "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName",
        "ServiceType", "Host", "HTTPMethod", "URLPath", "Version", "Attributes",
    )

    def rules(self, key: tuple) -> dict[str, dict]:
        rules = self.sampling_rules.setdefault(key, {})
        if "Default" not in rules:  # every account has it; it cannot be deleted
            rules["Default"] = self.rule_record(
                key,
                {"RuleName": "Default", "ResourceARN": "*", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1,
                 "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1},
                0.0,
            )
        return rules

    def rule_record(self, key: tuple, rule: dict, at: float) -> dict:
        rule = {k: v for k, v in rule.items() if k in self.SAMPLING_RULE_FIELDS}
        rule.setdefault("Attributes", {})
        rule["RuleARN"] = f"arn:aws:xray:{key[1]}:{key[0]}:sampling-rule/{rule['RuleName']}"
        return {"SamplingRule": rule, "CreatedAt": at, "ModifiedAt": at}

    def find_rule(self, key: tuple, body: dict) -> dict:
        rules = self.rules(key)
        name = body.get("RuleName") or (body.get("RuleARN") or "").rsplit("/", 1)[-1]
        if name not in rules:
            raise AwsError("InvalidRequestException", f"Sampling rule {name} does not exist")
        return rules[name]

    def create_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        rule = body.get("SamplingRule") or {}
        missing = [f for f in ("RuleName", "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName",
                               "ServiceType", "Host", "HTTPMethod", "URLPath", "Version") if f not in rule]
        if missing:
            raise AwsError("InvalidRequestException", f"SamplingRule misses {', '.join(missing)}")
        rules = self.rules(key)
        if rule["RuleName"] in rules:
            raise AwsError("InvalidRequestException", f"Sampling rule {rule['RuleName']} already exists")
        record = self.rule_record(key, rule, time.time())
        rules[rule["RuleName"]] = record
        tags = self.xray_tags.setdefault(key, {}).setdefault(record["SamplingRule"]["RuleARN"], {})
        tags.update({t["Key"]: t["Value"] for t in body.get("Tags") or []})
        return rest_json({"SamplingRuleRecord": record})

    def get_sampling_rules(self, key: tuple, body: dict, **_: Any) -> Response:
        return rest_json({"SamplingRuleRecords": list(self.rules(key).values())})

    def update_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        update = body.get("SamplingRuleUpdate") or {}
        record = self.find_rule(key, update)
        rule = record["SamplingRule"]
        for field, value in update.items():
            if field in self.SAMPLING_RULE_FIELDS and field not in ("RuleName", "RuleARN", "Version"):
                rule[field] = value
        record["ModifiedAt"] = time.time()
        return rest_json({"SamplingRuleRecord": record})

    def delete_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        record = self.find_rule(key, body)
        if record["SamplingRule"]["RuleName"] == "Default":
            raise AwsError("InvalidRequestException", "The Default sampling rule cannot be deleted")
        del self.sampling_rules[key][record["SamplingRule"]["RuleName"]]
        self.xray_tags.get(key, {}).pop(record["SamplingRule"]["RuleARN"], None)
        return rest_json({"SamplingRuleRecord": record})

    def xray_list_tags(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        return rest_json({"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    def xray_tag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.setdefault(key, {}).setdefault(body.get("ResourceARN", ""), {})
        tags.update({t["Key"]: t["Value"] for t in body.get("Tags") or []})
        return rest_json({})

    def xray_untag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        for k in body.get("TagKeys") or []:
            tags.pop(k, None)
        return rest_json({})

    # -- API Gateway v2 deployments ------------------------------------------------------------------------

    def api_deployments(self, key: tuple, api: str) -> dict[str, dict]:
        from moto.apigatewayv2.models import apigatewayv2_backends

        if api not in apigatewayv2_backends[key[0]][key[1]].apis:
            raise AwsError("NotFoundException", f"Invalid API identifier specified {key[0]}:{api}", 404)
        return self.apigw_deployments.setdefault(key, {}).setdefault(api, {})

    def create_apigw_deployment(self, key: tuple, body: dict, api: str, **_: Any) -> Response:
        deployments = self.api_deployments(key, api)
        record = {
            "autoDeployed": False,
            "createdDate": now_iso(),
            "deploymentId": uuid.uuid4().hex[:6],
            "deploymentStatus": "DEPLOYED",
        }
        if body.get("description") is not None:
            record["description"] = body["description"]
        deployments[record["deploymentId"]] = record
        return rest_json(record, 201)

    def apigw_deployment(self, key: tuple, api: str, dep: str) -> dict:
        record = self.api_deployments(key, api).get(dep)
        if record is None:
            raise AwsError("NotFoundException", f"Invalid Deployment identifier specified {key[0]}:{api}:{dep}", 404)
        return record

    def get_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        return rest_json(self.apigw_deployment(key, api, dep))

    def list_apigw_deployments(self, key: tuple, body: dict, api: str, **_: Any) -> Response:
        return rest_json({"items": list(self.api_deployments(key, api).values())})

    def update_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        record = self.apigw_deployment(key, api, dep)
        if "description" in body:
            record["description"] = body["description"]
        return rest_json(record)

    # -- API Gateway v2 stages: UpdateStage (a new deployment of a WebSocket API is put live with it) --------

    def update_apigw_stage(self, key: tuple, body: dict, api: str, stage: str, **_: Any) -> Response:
        from moto.apigatewayv2.models import apigatewayv2_backends

        try:
            record = apigatewayv2_backends[key[0]][key[1]].get_stage(api, stage)
        except Exception:
            raise AwsError("NotFoundException", f"Invalid stage identifier specified: {stage}", 404)
        record.config.update(body)
        for field, attr in (("description", "description"), ("autoDeploy", "auto_deploy"),
                            ("stageVariables", "stage_variables"), ("accessLogSettings", "access_log_settings"),
                            ("defaultRouteSettings", "default_route_settings"), ("routeSettings", "route_settings")):
            if field in body:
                setattr(record, attr, body[field])
        record.updated = dt.datetime.now()
        return rest_json(record.to_json())

    def delete_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        self.apigw_deployment(key, api, dep)
        del self.apigw_deployments[key][api][dep]
        return Response(204, b"")


# ---------------------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------------------
# 6. FIS experiments that run


def iso_seconds(duration: str) -> float:
    """PT1H2M3S -> 3723."""
    m = re.fullmatch(r"PT(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?", duration or "")
    if not m:
        return 60.0
    h, mi, se = (int(g or 0) for g in m.groups())
    return h * 3600.0 + mi * 60.0 + se


class FisExperiments:
    """StartExperiment, GetExperiment, ListExperiments and StopExperiment on moto's experiment templates.

    Time-driven, sped up by PD_SANDBOX_FIS_SPEED (default 60, as CodeDeploy's): pending -> initiating ->
    running for the longest action's `duration` -> completed. A stop condition alarm in ALARM while the
    experiment runs stops it (`stopped`, naming the alarm); StopExperiment stops it; a target that resolves to
    nothing fails it when the template's emptyTargetResolutionMode is `fail` (an ECS task target of a service
    at 0 tasks, as a standby DR service is).
    """

    STEP = 0.5  # seconds spent in pending and in initiating

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.speed = max(0.001, env_float("PD_SANDBOX_FIS_SPEED", 60.0))
        self.experiments: dict[tuple, dict[str, dict]] = {}
        P = r"(?P<id>[^/]+)"
        self.routes = [
            ("POST", re.compile(r"^/experiments/?$"), self.start),
            ("GET", re.compile(r"^/experiments/?$"), self.list),
            ("GET", re.compile(r"^/experiments/%s/?$" % P), self.get),
            ("DELETE", re.compile(r"^/experiments/%s/?$" % P), self.stop),
        ]

    def reset(self) -> None:
        self.experiments.clear()

    def route(self, environ: dict) -> Callable[[], Response] | None:
        if signing_service(environ) != "fis":
            return None
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "")
        for m, rx, fn in self.routes:
            match = rx.match(path)
            if m == method and match:
                return lambda fn=fn, match=match: self.call(fn, environ, match.groupdict())
        return None

    def call(self, fn: Callable[..., Response], environ: dict, args: dict) -> Response:
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return rest_error("ValidationException", "request body is not JSON")
        key = (account_from_environ(environ), region_from_environ(environ))
        try:
            with self.front.lock:
                return fn(key, body, **args)
        except AwsError as err:
            return rest_error(err.code, err.message, err.status)

    # -- the API -------------------------------------------------------------------------------------------

    def start(self, key: tuple, body: dict) -> Response:
        from moto.fis.models import fis_backends

        template_id = body.get("experimentTemplateId", "")
        template = fis_backends[key[0]][key[1]].experiment_templates.get(template_id)
        if template is None:
            raise AwsError("ResourceNotFoundException", f"Experiment template {template_id} not found.", 404)
        experiment_id = "EXP" + uuid.uuid4().hex[:17].upper()
        actions = {
            name: {**a, "state": {"status": "pending", "reason": "Experiment has not started."}}
            for name, a in (template.actions or {}).items()
        }
        duration = max([iso_seconds((a.get("parameters") or {}).get("duration", "PT1M")) for a in actions.values()] or [60])
        now = time.time()
        experiment = {
            "id": experiment_id,
            "arn": f"arn:aws:fis:{key[1]}:{key[0]}:experiment/{experiment_id}",
            "experimentTemplateId": template_id,
            "roleArn": template.role_arn,
            "targets": template.targets or {},
            "actions": actions,
            "stopConditions": template.stop_conditions or [],
            "creationTime": now,
            "startTime": now,
            "tags": body.get("tags") or {},
            "logConfiguration": template.log_configuration,
            "experimentOptions": template.experiment_options or {"emptyTargetResolutionMode": "fail"},
            "state": {"status": "pending", "reason": "Experiment is pending."},
            "_running_seconds": duration / self.speed,
            "_empty_target": self.empty_target(key, template.targets or {}),
        }
        self.experiments.setdefault(key, {})[experiment_id] = experiment
        return rest_json({"experiment": self.view(key, experiment)})

    def get(self, key: tuple, body: dict, id: str) -> Response:
        return rest_json({"experiment": self.view(key, self.find(key, id))})

    def list(self, key: tuple, body: dict) -> Response:
        summaries = []
        for experiment in self.experiments.get(key, {}).values():
            view = self.view(key, experiment)
            summaries.append({k: view[k] for k in ("id", "arn", "experimentTemplateId", "state", "creationTime", "tags")})
        return rest_json({"experiments": summaries})

    def stop(self, key: tuple, body: dict, id: str) -> Response:
        experiment = self.find(key, id)
        view = self.view(key, experiment)
        if view["state"]["status"] in ("pending", "initiating", "running"):
            self.finish(experiment, "stopping", "Experiment is stopping.", time.time())
            experiment["_stopped_by_user"] = time.time()
        return rest_json({"experiment": self.view(key, experiment)})

    # -- the state machine ---------------------------------------------------------------------------------

    def find(self, key: tuple, experiment_id: str) -> dict:
        experiment = self.experiments.get(key, {}).get(experiment_id)
        if experiment is None:
            raise AwsError("ResourceNotFoundException", f"Experiment {experiment_id} not found.", 404)
        return experiment

    def view(self, key: tuple, experiment: dict) -> dict:
        self.advance(key, experiment)
        return {k: v for k, v in experiment.items() if not k.startswith("_") and v is not None}

    def advance(self, key: tuple, experiment: dict) -> None:
        now = time.time()
        status = experiment["state"]["status"]
        if status in ("completed", "stopped", "failed"):
            return
        if status == "stopping":
            if now - experiment.get("_stopped_by_user", now) >= self.STEP:
                self.finish(experiment, "stopped", "Experiment stopped by user.", now)
            return
        elapsed = now - experiment["creationTime"]
        if elapsed < self.STEP:
            return
        if elapsed < 2 * self.STEP:
            experiment["state"] = {"status": "initiating", "reason": "Experiment is initiating."}
            return
        if experiment["_empty_target"]:
            self.finish(experiment, "failed", f"Target resolution returned empty set for target {experiment['_empty_target']}.", now)
            return
        alarm = self.alarm_in_alarm(key, experiment["stopConditions"])
        if alarm:
            self.finish(experiment, "stopped", f"Experiment stopped by a stop condition: {alarm} is in ALARM.", now)
            return
        if elapsed < 2 * self.STEP + experiment["_running_seconds"]:
            experiment["state"] = {"status": "running", "reason": "Experiment is running."}
            for action in experiment["actions"].values():
                action["state"] = {"status": "running", "reason": "Action is running."}
            return
        self.finish(experiment, "completed", "Experiment completed.", now)

    @staticmethod
    def finish(experiment: dict, status: str, reason: str, now: float) -> None:
        experiment["state"] = {"status": status, "reason": reason}
        if status != "stopping":
            experiment["endTime"] = now
        action_status = {"completed": "completed", "failed": "cancelled"}.get(status, status)
        for action in experiment["actions"].values():
            action["state"] = {"status": action_status, "reason": reason}

    @staticmethod
    def alarm_in_alarm(key: tuple, stop_conditions: list[dict]) -> str | None:
        from moto.cloudwatch.models import cloudwatch_backends

        alarms = cloudwatch_backends[key[0]][key[1]].alarms
        for condition in stop_conditions:
            if condition.get("source") != "aws:cloudwatch:alarm":
                continue
            arn = condition.get("value", "")
            alarm = next((a for a in alarms.values() if a.alarm_arn == arn), None)
            if alarm is not None and alarm.state_value == "ALARM":
                return arn
        return None

    @staticmethod
    def empty_target(key: tuple, targets: dict) -> str | None:
        """The name of an ECS task target whose service runs no task (moto runs none: its desired count)."""
        from moto.ecs.models import ecs_backends

        ecs = ecs_backends[key[0]][key[1]]
        for name, target in targets.items():
            if target.get("resourceType") != "aws:ecs:task":
                continue
            params = target.get("parameters") or {}
            cluster, service_name = params.get("cluster"), params.get("service")
            if not cluster or not service_name:
                continue
            service = ecs.services.get(f"{cluster.split('/')[-1]}:{service_name}")  # keyed "<cluster>:<service>"
            if service is None or service.desired_count == 0:
                return name
        return None


# ---------------------------------------------------------------------------------------------------------
# 5. IAM for role sessions

# IAM prefix by SigV4 signing name, where they differ (the service comes from the credential scope, the
# operation from X-Amz-Target, the CBOR path, the query Action or, for REST services, the method and path
# matched against botocore's model of the service).
IAM_PREFIX = {"monitoring": "cloudwatch"}
# botocore service models by SigV4 signing name, for the REST services whose model name differs.
REST_MODELS = {"apigateway": ["apigatewayv2", "apigateway"]}


class RestOperations:
    """The operation of a REST (rest-json / rest-xml) request, from botocore's model of the service: the
    operation whose method and requestUri (path template plus required query keys) match, the most literal
    one when several do (`/2015-03-31/functions/{FunctionName}/policy` over `/functions/{FunctionName}`)."""

    def __init__(self) -> None:
        self.session = botocore.session.get_session()
        self.by_signing: dict[str, list[tuple[str, re.Pattern, set[str], int, str]]] = {}

    def routes(self, signing_name: str) -> list[tuple[str, re.Pattern, set[str], int, str]]:
        if signing_name not in self.by_signing:
            routes = []
            for name in REST_MODELS.get(signing_name, [signing_name]):
                try:
                    model = self.session.get_service_model(name)
                except Exception:
                    continue
                if model.protocol not in ("rest-json", "rest-xml"):
                    continue
                for op_name in model.operation_names:
                    http = model.operation_model(op_name).http
                    path, _, query = http.get("requestUri", "/").partition("?")
                    literal = len(re.sub(r"\{[^}]+\}", "", path))
                    pattern = re.sub(
                        r"\\\{([^}]+?)(\\\+)?\\\}",
                        lambda m: ".+" if m.group(2) else "[^/]+",
                        re.escape(path.rstrip("/") or "/"),
                    )
                    keys = {q.split("=", 1)[0] for q in query.split("&") if q}
                    routes.append((http.get("method", "GET"), re.compile(f"^{pattern}/?$"), keys, literal, op_name))
            routes.sort(key=lambda r: (-len(r[2]), -r[3]))
            self.by_signing[signing_name] = routes
        return self.by_signing[signing_name]

    def speaks_rest_json(self, signing_name: str) -> bool:
        for name in REST_MODELS.get(signing_name, [signing_name]):
            try:
                return self.session.get_service_model(name).protocol == "rest-json"
            except Exception:
                continue
        return False

    def operation(self, signing_name: str, method: str, path: str, query: str) -> str | None:
        present = set(urllib.parse.parse_qs(query, keep_blank_values=True))
        for route_method, pattern, keys, _, op_name in self.routes(signing_name):
            if route_method == method and keys <= present and pattern.match(path):
                return op_name
        return None


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    regex = "^" + re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".") + "$"
    return re.match(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


class IamGate:
    """Identity-based policies enforced on role sessions, against the resource each request acts on.

    moto does not enforce IAM by default, and when it does it checks every non-S3 request against the
    resource "*", so a statement scoped to ARNs never matches there. Here: keys that are not a session of an
    assumed role (the account's static `test` keys) act as the account root, unrestricted as root is in AWS;
    a session from STS AssumeRole / AssumeRoleWithWebIdentity may do only what the role's inline and attached
    policies allow for the request's action and resource ARNs (explicit Deny wins; conditions on keys this
    gate supplies are evaluated, others never hold). Requests AWS authorises more than once are checked as
    AWS does: RegisterTaskDefinition with tags also needs ecs:TagResource, naming a task or execution role
    also needs iam:PassRole to ecs-tasks.amazonaws.com. A refusal is AWS's AccessDenied, naming the session,
    the action and the resource. STS refuses to assume a role that does not exist.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.rest = RestOperations()

    # -- who and what ---------------------------------------------------------------------------------------

    @staticmethod
    def signing(environ: dict) -> tuple[str, str, str] | None:
        """(access key id, region, signing name) of a SigV4-signed request."""
        m = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        return (m.group(1), m.group(2), m.group(3)) if m else None

    @staticmethod
    def session(account: str, access_key: str) -> Any:
        from moto.sts.models import sts_backends

        return sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key)

    @staticmethod
    def operation(environ: dict, body: bytes) -> tuple[str | None, dict]:
        """The operation name and its parameters, for the JSON, query and CBOR protocols."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                params = {}
            return target.split(".", 1)[-1], params
        path = environ.get("PATH_INFO", "")
        if path.startswith("/service/") and "/operation/" in path:
            try:
                params = cbor2.loads(body) if body else {}
            except Exception:
                params = {}
            return path.rsplit("/", 1)[-1], params if isinstance(params, dict) else {}
        form = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            form.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
        if "Action" in form:
            return form["Action"][0], {k: v[0] for k, v in form.items()}
        return None, {}

    @staticmethod
    def s3_action(environ: dict) -> tuple[str, str]:
        """S3's action and resource from the method and path (path-style addressing)."""
        method = environ.get("REQUEST_METHOD", "GET")
        parts = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)
        bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if key:
            action = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
                method, "PutObject"
            )
            return f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}"
        if method in ("GET", "HEAD") and not set(query) - {"list-type", "prefix", "delimiter", "max-keys",
                                                           "continuation-token", "encoding-type", "marker"}:
            return "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        sub = next(iter(query), "")
        return f"s3:{method.title()}Bucket{sub.title()}", f"arn:aws:s3:::{bucket}"

    def rest_check(self, environ: dict, service: str, prefix: str, region: str) -> tuple[str, str, dict]:
        """A REST request's action: API Gateway authorises by HTTP method on the resource path
        (apigateway:GET on arn:aws:apigateway:<region>::/v2/apis/<id>), the others by operation name."""
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if prefix == "apigateway":
            return (f"apigateway:{method}", f"arn:aws:apigateway:{region}::{path}", {})
        op = self.rest.operation(service, method, path, environ.get("QUERY_STRING", ""))
        return (f"{prefix}:{op or '*'}", "*", {})

    @staticmethod
    def s3_kms(environ: dict, account: str, action: str, resource: str) -> list[tuple[str, str, dict]]:
        """SSE-KMS objects: reading one also needs kms:Decrypt on its key, writing one kms:GenerateDataKey
        (the object's own key, or the request's or the bucket default's for a new object)."""
        from moto.s3.models import s3_backends

        if action not in ("s3:GetObject", "s3:PutObject"):
            return []
        bucket_name, _, key_name = resource.removeprefix("arn:aws:s3:::").partition("/")
        backend = s3_backends[account]["aws"]
        try:
            bucket = backend.get_bucket(bucket_name)
        except Exception:
            return []
        if action == "s3:GetObject":
            key = bucket.keys.get(key_name)
            if key is None or key.encryption != "aws:kms":
                return []
            key_id, needs = key.kms_key_id, "kms:Decrypt"
        else:
            default = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
            algorithm = environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION") or default.get("SSEAlgorithm")
            if algorithm != "aws:kms":
                return []
            key_id = environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID") or default.get("KMSMasterKeyID")
            needs = "kms:GenerateDataKey"
        region = getattr(bucket, "region_name", "us-east-1")
        return [(needs, IamGate.kms_key_arn(account, region, key_id), {})]

    @staticmethod
    def kms_key_arn(account: str, region: str, key_id: str | None) -> str:
        """The key ARN of a key id, key ARN or alias (AWS authorises KMS calls on the key, not the alias)."""
        from moto.kms.models import kms_backends

        if not key_id:
            return f"arn:aws:kms:{region}:{account}:alias/aws/s3"  # the AWS managed key
        if key_id.startswith("arn:") and ":key/" in key_id:
            return key_id
        if key_id.startswith("arn:"):
            region = key_id.split(":")[3]
        try:
            key = kms_backends[account][region].describe_key(key_id)
            return key.arn
        except Exception:
            return f"arn:aws:kms:{region}:{account}:key/{key_id}"

    def resources(self, prefix: str, op: str, params: dict, account: str, region: str) -> list[str]:
        """The ARNs the action is authorised on (["*"] for actions without resource-level permissions)."""
        arn = f"arn:aws:{prefix}:{region}:{account}"
        if prefix == "ecr":
            names = params.get("repositoryNames") or ([params["repositoryName"]] if params.get("repositoryName") else [])
            return [f"{arn}:repository/{n}" for n in names] or ["*"]
        if prefix == "ecs" and op in ("DescribeServices", "UpdateService", "ListServiceDeployments"):
            cluster = params.get("cluster", "default").split("/")[-1]
            services = params.get("services") or [params.get("service", "")]
            return [s if s.startswith("arn:") else f"{arn}:service/{cluster}/{s}" for s in services]
        if prefix == "ecs" and op in ("DescribeServiceDeployments", "StopServiceDeployment", "ContinueServiceDeployment"):
            return params.get("serviceDeploymentArns") or [params.get("serviceDeploymentArn", "")]
        if prefix == "ecs" and op == "DescribeServiceRevisions":
            return params.get("serviceRevisionArns") or ["*"]
        if prefix == "codedeploy":
            if op == "GetDeploymentConfig":
                return [f"{arn}:deploymentconfig:{params.get('deploymentConfigName', '')}"]
            if params.get("applicationName") and params.get("deploymentGroupName"):
                return [f"{arn}:deploymentgroup:{params['applicationName']}/{params['deploymentGroupName']}"]
            ids = params.get("deploymentIds") or ([params["deploymentId"]] if params.get("deploymentId") else [])
            if ids:
                return [self.deployment_group_arn(account, region, i) for i in ids]
            if params.get("applicationName"):
                return [f"{arn}:application:{params['applicationName']}"]
        if prefix == "cloudwatch":
            # A list in CBOR (the Rust SDK), AlarmNames.member.N in the query protocol (boto3).
            names = params.get("AlarmNames") or [
                v for k, v in sorted(params.items(), key=lambda kv: kv[0]) if k.startswith("AlarmNames.member.")
            ]
            return [f"{arn}:alarm:{n}" for n in names] or ["*"]
        if prefix == "secretsmanager" and params.get("SecretId"):
            secret = self.secret(account, region, params["SecretId"])
            return [getattr(secret, "arn", None) or params["SecretId"]]
        if prefix == "ssm" and params.get("Name"):
            name = params["Name"]
            return [f"{arn}:parameter{name if name.startswith('/') else '/' + name}"]
        return ["*"]

    @staticmethod
    def secret(account: str, region: str, secret_id: str) -> Any:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[account][region].secrets.get(secret_id)

    def deployment_group_arn(self, account: str, region: str, deployment_id: str) -> str:
        backend = self.front.codedeploy.backend(account, region)
        deployment = getattr(backend, "deployments", {}).get(deployment_id)
        app = getattr(deployment, "application_name", "unknown")
        group = getattr(deployment, "deployment_group_name", "unknown")
        return f"arn:aws:codedeploy:{region}:{account}:deploymentgroup:{app}/{group}"

    @classmethod
    def implied(cls, prefix: str, op: str, params: dict, account: str, region: str) -> list[tuple[str, str, dict]]:
        """Further (action, resource, condition context) AWS authorises for this request."""
        out: list[tuple[str, str, dict]] = []
        if prefix == "secretsmanager" and op == "GetSecretValue":
            # The caller decrypts a secret under a customer managed key, through Secrets Manager.
            key_id = getattr(cls.secret(account, region, params.get("SecretId", "")), "kms_key_id", None)
            if key_id and not str(key_id).startswith("alias/aws/"):
                context = {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                out.append(("kms:Decrypt", cls.kms_key_arn(account, region, key_id), context))
        if prefix == "ecs" and op == "RegisterTaskDefinition":
            family = params.get("family", "")
            if params.get("tags"):
                out.append(("ecs:TagResource", f"arn:aws:ecs:{region}:{account}:task-definition/{family}:*", {}))
            for key in ("taskRoleArn", "executionRoleArn"):
                if params.get(key):
                    out.append(("iam:PassRole", params[key], {"iam:PassedToService": "ecs-tasks.amazonaws.com"}))
        return out

    # -- policies -------------------------------------------------------------------------------------------

    @staticmethod
    def role_policies(account: str, role_name: str) -> list[dict]:
        from moto.iam.models import iam_backends

        iam = iam_backends[account]["aws"]
        docs: list[dict] = []
        role = iam.get_role(role_name)
        for doc in role.policies.values():
            docs.append(json.loads(doc) if isinstance(doc, str) else doc)
        for policy in role.managed_policies.values():
            default = getattr(policy, "default_version_id", None)
            version = next((v for v in getattr(policy, "versions", []) if v.version_id == default), None)
            document = version.document if version else policy.document
            docs.append(json.loads(document) if isinstance(document, str) else document)
        return docs

    @staticmethod
    def condition_holds(condition: dict | None, context: dict) -> bool:
        for operator, pairs in (condition or {}).items():
            for key, expected in pairs.items():
                actual = context.get(key)
                if actual is None:
                    return False
                wanted = [str(e) for e in _as_list(expected)]
                if operator in ("StringEquals", "ArnEquals"):
                    ok = actual in wanted
                elif operator in ("StringLike", "ArnLike"):
                    ok = any(_glob(w, actual) for w in wanted)
                elif operator == "Bool":
                    ok = actual.lower() in [w.lower() for w in wanted]
                else:
                    return False
                if not ok:
                    return False
        return True

    @classmethod
    def decide(cls, docs: list[dict], action: str, resource: str, context: dict) -> str:
        """"deny" (explicit), "allow", or "implicit" (nothing allows it)."""
        allowed = False
        for doc in docs:
            for st in _as_list(doc.get("Statement", [])):
                if "Action" in st and not any(_glob(a, action, True) for a in _as_list(st["Action"])):
                    continue
                if "NotAction" in st and any(_glob(a, action, True) for a in _as_list(st["NotAction"])):
                    continue
                if "Resource" in st and not any(_glob(r, resource) for r in _as_list(st["Resource"])):
                    continue
                if "NotResource" in st and any(_glob(r, resource) for r in _as_list(st["NotResource"])):
                    continue
                if not cls.condition_holds(st.get("Condition"), context):
                    continue
                if st.get("Effect") == "Deny":
                    return "deny"
                allowed = True
        return "allow" if allowed else "implicit"

    # -- the gate -------------------------------------------------------------------------------------------

    def check(self, environ: dict, body: bytes) -> Response | None:
        """None when the request may go on; AccessDenied otherwise."""
        signed = self.signing(environ)
        if signed is None:
            return self.check_unsigned(environ, body)
        access_key, region, service = signed
        account = account_from_environ(environ)
        assumed = self.session(account, access_key)
        if assumed is None:
            return None  # the account's own keys: root
        prefix = IAM_PREFIX.get(service, service)
        if prefix == "s3":
            action, resource = self.s3_action(environ)
            checks = [(action, resource, {})] + self.s3_kms(environ, account, action, resource)
        else:
            op, params = self.operation(environ, body)
            if op is None:
                checks = [self.rest_check(environ, service, prefix, region)]
            elif f"{prefix}:{op}" == "sts:GetCallerIdentity":
                return None  # AWS needs no permission for it
            else:
                checks = [(f"{prefix}:{op}", r, {}) for r in self.resources(prefix, op, params, account, region)]
                checks += self.implied(prefix, op, params, account, region)
        role_name = assumed.role_arn.split("/")[-1]
        try:
            docs = self.role_policies(account, role_name)
        except Exception:
            docs = []
        session_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{assumed.session_name}"
        for action, resource, context in checks:
            decision = self.decide(docs, action, resource, context)
            if decision != "allow":
                why = "with an explicit deny in an identity-based policy" if decision == "deny" else (
                    f"because no identity-based policy allows the {action} action"
                )
                message = f"User: {session_arn} is not authorized to perform: {action} on resource: {resource} {why}"
                log(f"iam: denied {action} on {resource} to {session_arn}")
                return self.denied(environ, prefix, message)
        return None

    def check_unsigned(self, environ: dict, body: bytes) -> Response | None:
        """STS AssumeRoleWithWebIdentity: the role must exist (AWS refuses to assume one that does not), and
        its trust policy must let the token's identity provider in, with the conditions on the token's claims
        (`<provider host>:sub`, `:aud`) holding."""
        op, params = self.operation(environ, body)
        if op not in ("AssumeRoleWithWebIdentity", "AssumeRole") or not params.get("RoleArn"):
            return None
        from moto.iam.models import iam_backends

        arn = params["RoleArn"]
        account = arn.split(":")[4] if arn.count(":") >= 5 else default_account()
        try:
            role = iam_backends[account]["aws"].get_role_by_arn(arn)
        except Exception:
            message = f"Not authorized to perform sts:{op}: the role {arn} does not exist"
            log(f"iam: {message}")
            return self.denied(environ, "sts", message)
        if op != "AssumeRoleWithWebIdentity":
            return None
        claims = self.token_claims(params.get("WebIdentityToken", ""))
        if self.trusts(role.assume_role_policy_document, claims):
            return None
        message = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        log(f"iam: {message}: {arn} does not trust the token's claims {claims}")
        return self.denied(environ, "sts", message)

    @staticmethod
    def token_claims(token: str) -> dict:
        """The payload of a JWT (the signature is not checked: the stand-in has no provider keys)."""
        parts = token.split(".")
        if len(parts) != 3:
            return {}
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    @classmethod
    def trusts(cls, document: Any, claims: dict) -> bool:
        doc = json.loads(document) if isinstance(document, str) else (document or {})
        for st in _as_list(doc.get("Statement", [])):
            if st.get("Effect") != "Allow":
                continue
            if not any(_glob(a, "sts:AssumeRoleWithWebIdentity", True) for a in _as_list(st.get("Action", []))):
                continue
            for federated in _as_list((st.get("Principal") or {}).get("Federated", [])):
                host = federated.split("oidc-provider/", 1)[-1]
                context = {f"{host}:{k}": str(v) for k, v in claims.items() if isinstance(v, (str, int))}
                if cls.condition_holds(st.get("Condition"), context):
                    return True
        return False

    def denied(self, environ: dict, prefix: str, message: str) -> Response:
        signed = self.signing(environ)
        if signed and self.rest.speaks_rest_json(signed[2]):
            return rest_error("AccessDeniedException", message, 403)
        if environ.get("HTTP_X_AMZ_TARGET"):
            return Response(
                400,
                json.dumps({"__type": "AccessDeniedException", "message": message}).encode(),
                [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", str(uuid.uuid4()))],
            )
        path = environ.get("PATH_INFO", "")
        if path.startswith("/service/") and "/operation/" in path:
            return CloudWatchCbor.error("AccessDenied", message, 403)
        if prefix == "s3":
            xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
            return Response(403, xml.encode(), [("Content-Type", "application/xml")])
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )
        return Response(403, xml.encode(), [("Content-Type", "text/xml")])


# ---------------------------------------------------------------------------------------------------------
# 7. The DR failover world: regions that go down, Aurora global database switchover / failover / detach, and
#    a record of the calls received (so that a drill can be shown to have changed nothing).

REGION_NAME = re.compile(r"^[a-z]{2}(?:-gov|-iso[a-z]?)?-[a-z]+-\d+$")


def credential_scope(environ: dict) -> tuple[str, str, str] | None:
    """(access key id, region, signing name) of a SigV4 request, signed in the Authorization header or
    presigned in the query string (X-Amz-Credential, as S3 presigned URLs are)."""
    m = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
    if m:
        return m.group(1), m.group(2), m.group(3)
    query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
    parts = (query.get("X-Amz-Credential") or [""])[0].split("/")
    if len(parts) >= 5:
        return parts[0], parts[2], parts[3]
    return None


def sigv2_s3(environ: dict) -> bool:
    """An S3 request signed with SigV2 (header `AWS <key>:<signature>` or a presigned AWSAccessKeyId URL, as
    boto3 presigns by default): no region in it, and no other service speaks SigV2 here."""
    if environ.get("HTTP_AUTHORIZATION", "").startswith("AWS "):
        return True
    return "AWSAccessKeyId" in urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))


class RegionOutage:
    """Regions a test has taken down (POST /_sandbox/regions/<region>/down, .../up; GET /_sandbox/regions).

    While a region is down, every call signed for it (the SigV4 credential scope's region: ECS, RDS, ELBv2,
    SSM, STS, IAM, ...) is answered HTTP 503 ServiceUnavailable in the service's protocol: the status the
    AWS SDKs (aws-smithy-runtime, botocore, the Go SDK under Terraform) classify as a transient error, so
    clients retry, then give up with a service error, as they do against an unreachable regional endpoint
    (a dropped connection would be retried too, but reads as a local network fault and takes no message).
    S3 calls that address a bucket of the down region fail the same way whichever region they are signed
    for (or signed with SigV2, which names no region): the bucket's endpoint is in that region. Requests with
    no signature (STS AssumeRoleWithWebIdentity) carry no region and go through.

    Route53 and CloudFront (signing names route53, cloudfront, both signed us-east-1) keep answering while
    any region is down, us-east-1 included. Their control planes do live in us-east-1, and AWS's static
    stability guidance is not to depend on control planes during recovery; this is kinder than AWS promises,
    so that the product's edge change (a Terraform apply that moves the Route53 failover records and the
    CloudFront origin preference) can be exercised during a us-east-1 outage. What a client relies on while
    a region is down still reflects the outage: Route53 health checks of the region's endpoints report
    unhealthy (the data plane), and the region's own APIs are gone. IAM is not exempt: its control plane is
    in us-east-1, so IAM calls (signed us-east-1) fail while us-east-1 is down, as do STS calls signed for
    it; authorisation of other regions' calls (the IAM gate, IAM's data plane) keeps working. (With an
    endpoint override the SDKs sign IAM calls for the client's region, so an IAM call of a eu-west-1 client
    goes through: kinder than AWS, whose one IAM endpoint is in us-east-1.)
    """

    EDGE_SERVICES = {"route53", "cloudfront"}

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        # Replaced, never changed in place: request threads read it while a control request sets it.
        self.down: frozenset[str] = frozenset()

    def reset(self) -> None:
        self.down = frozenset()

    def is_down(self, region: str | None) -> bool:
        return bool(region) and region in self.down

    def refusal(self, environ: dict) -> Response | None:
        """The outage's answer to this request, or None when it goes on."""
        if not self.down:
            return None
        scope = credential_scope(environ)
        if scope is None and sigv2_s3(environ):
            scope = ("", "", "s3")
        if scope is None:
            return None
        _, region, service = scope
        if service in self.EDGE_SERVICES:
            return None
        where = region if region in self.down else None
        if where is None and service == "s3":
            bucket_region = self.bucket_region(environ)
            where = bucket_region if bucket_region in self.down else None
        if where is None:
            return None
        log(f"outage: refused {service} {environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')} ({where} is down)")
        return self.error(environ, service, f"{service} in {where} is unavailable (sandbox_aws: region {where} is down)")

    @staticmethod
    def bucket_region(environ: dict) -> str | None:
        """The region of the bucket an S3 request addresses, path-style or virtual-hosted."""
        from moto.s3.models import s3_backends

        buckets = s3_backends[account_from_environ(environ)]["aws"].buckets
        path_bucket = urllib.parse.unquote(environ.get("PATH_INFO", "/")).lstrip("/").split("/", 1)[0]
        host_bucket = environ.get("HTTP_HOST", "").split(":", 1)[0].split(".", 1)[0]
        for name in (path_bucket, host_bucket):
            bucket = buckets.get(name) if name else None
            if bucket is not None:
                return bucket.region_name
        return None

    def error(self, environ: dict, service: str, message: str) -> Response:
        """503 ServiceUnavailable in the protocol the client parses (JSON, CBOR, REST-JSON, S3 XML, query XML)."""
        request_id = str(uuid.uuid4())
        if environ.get("HTTP_X_AMZ_TARGET"):
            body = json.dumps({"__type": "ServiceUnavailableException", "message": message}).encode()
            return Response(503, body, [("Content-Type", AMZ_JSON), ("x-amzn-RequestId", request_id)])
        path = environ.get("PATH_INFO", "")
        if path.startswith("/service/") and "/operation/" in path:
            return CloudWatchCbor.error("ServiceUnavailable", message, 503, fault="Receiver")
        if self.front.iam.rest.speaks_rest_json(service):
            return rest_error("ServiceUnavailableException", message, 503)
        if service == "s3":
            xml = (
                f"<Error><Code>ServiceUnavailable</Code><Message>{xml_escape(message)}</Message>"
                f"<RequestId>{request_id}</RequestId></Error>"
            )
            return Response(503, xml.encode(), [("Content-Type", "application/xml"), ("x-amz-request-id", request_id)])
        xml = (
            "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
            f"<Message>{xml_escape(message)}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        )
        return Response(503, xml.encode(), [("Content-Type", "text/xml"), ("x-amzn-RequestId", request_id)])

    # -- control --------------------------------------------------------------------------------------------

    def control_list(self) -> Response:
        return json_response({"down": sorted(self.down)})

    def control_set(self, region: str, down: bool) -> Response:
        if not REGION_NAME.match(region):
            return json_response({"error": f"{region!r} is not a region name"}, 400)
        self.down = self.down | {region} if down else self.down - {region}
        log(f"outage: {region} is {'down' if down else 'up'} (down: {sorted(self.down) or 'none'})")
        return json_response({"ok": True, "region": region, "state": "down" if down else "up", "down": sorted(self.down)})


# Where Route53 checks endpoints from, when a health check names no regions (Route53's default checker regions).
HEALTH_CHECKER_REGIONS = [
    "us-east-1", "us-west-1", "us-west-2", "eu-west-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1", "sa-east-1",
]
ENDPOINT_DOWN = (
    "Connection timed out. The endpoint or the internet connection is down, or requests are being "
    "blocked by your firewall. See https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/dns-failover-router-firewall-rules.html"
)


class HealthCheckStatus:
    """Route53 GetHealthCheckStatus as the checkers see the endpoints (moto 5.2.5 answers every health check
    healthy): an endpoint check (HTTP, HTTPS, TCP, *_STR_MATCH) of a host in a region that is down fails, from
    each checker region that is up; the region is the one named in the host (ALB, NLB and API Gateway host
    names carry it: <lb>.<region>.elb.amazonaws.com). A CALCULATED check is healthy while HealthThreshold of
    its children are. Disabled checks count as healthy and Inverted ones the other way round, as in Route53."""

    def __init__(self, outage: RegionOutage) -> None:
        self.outage = outage

    def install(self) -> None:
        from moto.core.responses import ActionResult
        from moto.core.utils import utcnow
        from moto.route53.responses import Route53 as Route53Response

        health = self

        def get_health_check_status(self: Any) -> Any:
            check = self.backend.get_health_check(self._get_param("HealthCheckId"))
            _, status = health.status(self.backend, check, set())
            regions = [r for r in (check.regions or HEALTH_CHECKER_REGIONS) if not health.outage.is_down(r)]
            return ActionResult(
                {
                    "HealthCheckObservations": [
                        {"Region": r, "IPAddress": "127.0.13.37", "StatusReport": {"Status": status, "CheckedTime": utcnow()}}
                        for r in regions
                    ]
                }
            )

        Route53Response.get_health_check_status = get_health_check_status  # type: ignore[method-assign]

    @staticmethod
    def endpoint_region(check: Any) -> str | None:
        host = (check.fqdn or "").lower().rstrip(".")
        return next((label for label in host.split(".") if REGION_NAME.match(label)), None)

    def healthy(self, backend: Any, check: Any, seen: set[str]) -> bool:
        return self.status(backend, check, seen)[0]

    def status(self, backend: Any, check: Any, seen: set[str]) -> tuple[bool, str]:
        """(healthy, the checkers' status text)."""
        seen = seen | {check.id}
        if check.type_ == "CALCULATED":
            children = []
            for child_id in check.children or []:
                if child_id in seen:
                    continue
                try:
                    children.append(backend.get_health_check(child_id))
                except Exception:
                    continue
            up = sum(1 for child in children if self.healthy(backend, child, seen))
            threshold = int(check.health_threshold or 0)
            healthy = up >= threshold
            text = f"Calculated health check: {up} of {len(children)} child health checks are healthy (threshold {threshold})."
        elif check.type_ == "CLOUDWATCH_METRIC":
            healthy, text = True, "Alarm state OK."
        else:
            region = self.endpoint_region(check)
            healthy = not self.outage.is_down(region)
            text = "HTTP Status Code: 200. Resolved IP: 127.0.13.37. OK" if healthy else ENDPOINT_DOWN
        if check.disabled:
            healthy = True
        if check.inverted:
            healthy = not healthy
        return healthy, f"{'Success' if healthy else 'Failure'}: {text}"


class AuroraGlobalFailover:
    """Aurora global database switchover, failover and detach, on moto's own global clusters and DB clusters
    (moto 5.2.5 has no SwitchoverGlobalCluster / FailoverGlobalCluster; its RemoveFromGlobalCluster finds the
    global cluster only when called in us-east-1 and leaves the removed cluster a reader). As AWS documents
    them:

    - SwitchoverGlobalCluster, and FailoverGlobalCluster without AllowDataLoss (which AWS runs as a switchover):
      no data loss, so the writer must be reachable. The global cluster is "switching-over" (FailoverState
      names the clusters) for PD_SANDBOX_GLOBAL_FAILOVER_DELAY seconds (default 3), then "available" with the
      target writing and the old writer among the Readers.
    - FailoverGlobalCluster with AllowDataLoss: the same through "failing-over", without needing the writer's
      region; the old writer stays a member as a reader (AWS rejoins it as a secondary once its region is back).
    - RemoveFromGlobalCluster, called in any region (the detached cluster's, when the writer's is down): the
      member leaves the global cluster; a secondary becomes a standalone writer (no replication source, its
      primary instance writes). The writer can leave only as the last member, as on AWS.

    Refusals, named as AWS names them: GlobalClusterNotFoundFault, DBClusterNotFoundFault,
    InvalidDBClusterStateFault (the target is not a member, already writes, or its region or, for a
    switchover, the writer's region is down), InvalidGlobalClusterStateFault (a switchover or failover is under
    way), InvalidParameterCombination (AllowDataLoss with Switchover).

    Instances of a secondary cluster are all readers (DBClusterMembers IsClusterWriter false) until it is
    promoted; moto makes the first instance of every cluster its writer.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.delay = env_float("PD_SANDBOX_GLOBAL_FAILOVER_DELAY", 3.0)
        self.lock = threading.RLock()
        self.under_way: dict[tuple[str, str], dict[str, Any]] = {}  # (account, global cluster id) -> operation

    def reset(self) -> None:
        with self.lock:
            self.under_way.clear()

    def install(self) -> None:
        from moto.core.responses import ActionResult
        from moto.rds.models import DBCluster
        from moto.rds.responses import RDSResponse

        failover = self

        def switchover_global_cluster(self: Any) -> Any:
            return ActionResult({"GlobalCluster": failover.begin(self, data_loss=False)})

        def failover_global_cluster(self: Any) -> Any:
            allow = str(self.params.get("AllowDataLoss", "")).lower() == "true"
            if allow and str(self.params.get("Switchover", "")).lower() == "true":
                from moto.rds.exceptions import RDSClientError

                raise RDSClientError("InvalidParameterCombination", "Specify either AllowDataLoss or Switchover, not both.")
            return ActionResult({"GlobalCluster": failover.begin(self, data_loss=allow)})

        def remove_from_global_cluster(self: Any) -> Any:
            return ActionResult({"GlobalCluster": failover.remove(self)})

        RDSResponse.switchover_global_cluster = switchover_global_cluster  # type: ignore[attr-defined]
        RDSResponse.failover_global_cluster = failover_global_cluster  # type: ignore[attr-defined]
        RDSResponse.remove_from_global_cluster = remove_from_global_cluster  # type: ignore[method-assign]

        moto_members = DBCluster.db_cluster_members.fget  # type: ignore[attr-defined]
        if getattr(moto_members, "_sandbox", False):
            return

        def db_cluster_members(self: Any) -> list[dict[str, Any]]:
            members = moto_members(self)
            if self.global_cluster_identifier and not self.is_writer:
                for member in members:
                    member["IsClusterWriter"] = False
            return members

        db_cluster_members._sandbox = True  # type: ignore[attr-defined]
        DBCluster.db_cluster_members = property(db_cluster_members)  # type: ignore[method-assign,assignment]

    # -- lookups --------------------------------------------------------------------------------------------

    @staticmethod
    def global_cluster(response: Any, identifier: str | None) -> Any:
        from moto.rds.exceptions import RDSClientError

        cluster = response.global_backend.global_clusters.get(identifier or "")
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {identifier} not found.")
        return cluster

    @staticmethod
    def db_cluster(response: Any, identifier: str | None) -> Any:
        """A DB cluster by ARN (in the ARN's region, whichever region the call went to) or by identifier."""
        from moto.rds.exceptions import DBClusterNotFoundError
        from moto.rds.models import find_cluster

        try:
            if identifier and identifier.startswith("arn:"):
                return find_cluster(identifier)
            if identifier:
                return response.backend.describe_db_clusters(db_cluster_identifier=identifier)[0]
        except (IndexError, KeyError):  # an ARN with no region or account in it
            pass
        raise DBClusterNotFoundError(str(identifier))

    # -- operations -----------------------------------------------------------------------------------------

    def begin(self, response: Any, data_loss: bool) -> Any:
        from moto.rds.exceptions import RDSClientError

        params = response.params
        state = "failing-over" if data_loss else "switching-over"
        with self.lock:
            self.settle()
            glob = self.global_cluster(response, params.get("GlobalClusterIdentifier"))
            target = self.db_cluster(response, params.get("TargetDbClusterIdentifier"))
            gid = glob.global_cluster_identifier
            key = (glob.account_id, gid)
            if key in self.under_way or glob.status != "available":
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault",
                    f"Global cluster {gid} is {glob.status}; wait until the current switchover or failover completes.",
                )
            if not any(m is target for m in glob.members):
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The DB cluster {target.db_cluster_arn} is not a secondary cluster of global cluster {gid}.",
                )
            if target.is_writer:
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The DB cluster {target.db_cluster_arn} is already the primary cluster of global cluster {gid}.",
                )
            if self.front.outage.is_down(target.region):
                raise RDSClientError(
                    "InvalidDBClusterStateFault", f"The DB cluster {target.db_cluster_arn} is not available."
                )
            writer = next((m for m in glob.members if m.is_writer), None)
            if not data_loss and writer is not None and self.front.outage.is_down(writer.region):
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The primary DB cluster {writer.db_cluster_arn} is not available, so a switchover is not "
                    "possible; fail over with AllowDataLoss or remove the secondary from the global cluster.",
                )
            glob.status = state
            glob.failover_state = {
                "Status": state,
                "FromDbClusterArn": writer.db_cluster_arn if writer is not None else None,
                "ToDbClusterArn": target.db_cluster_arn,
                "IsDataLossAllowed": data_loss,
            }
            self.under_way[key] = {"global": glob, "target": target, "due": time.time() + self.delay}
            log(f"rds: global cluster {gid} {state} to {target.db_cluster_arn} (for {self.delay:g}s)")
            return glob

    def settle(self) -> None:
        """Completes the switchovers and failovers whose time has come."""
        now = time.time()
        with self.lock:
            for key, op in list(self.under_way.items()):
                if op["due"] > now:
                    continue
                del self.under_way[key]
                glob, target = op["global"], op["target"]
                for member in glob.members:
                    member.is_writer = member is target
                glob.status = "available"
                glob.failover_state = None
                log(f"rds: global cluster {key[1]} available, writer {target.db_cluster_arn}")

    def remove(self, response: Any) -> Any:
        from moto.rds.exceptions import RDSClientError

        params = response.params
        with self.lock:
            self.settle()
            glob = self.global_cluster(response, params.get("GlobalClusterIdentifier"))
            cluster = self.db_cluster(response, params.get("DbClusterIdentifier"))
            gid = glob.global_cluster_identifier
            if not any(m is cluster for m in glob.members):
                raise RDSClientError(
                    "DBClusterNotFoundFault", f"The DB cluster {cluster.db_cluster_arn} is not a member of global cluster {gid}."
                )
            if (glob.account_id, gid) in self.under_way:
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault", f"Global cluster {gid} is {glob.status}; wait until it completes."
                )
            if cluster.is_writer and len(glob.members) > 1:
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault",
                    f"The primary cluster {cluster.db_cluster_arn} can leave global cluster {gid} only after its secondary clusters.",
                )
            glob.members.remove(cluster)
            cluster.global_cluster_identifier = None
            cluster.replication_source_identifier = None
            cluster.is_writer = True
            log(f"rds: {cluster.db_cluster_arn} removed from global cluster {gid}: a standalone writer")
            return glob


# A read changes nothing in the account: these operation names, and the STS sessions and KMS crypto below.
READ_OPERATION = re.compile(
    r"^(Describe|Get|List|Head|Batch\w*?(Get|Describe|Check)|Query|Scan|Search|Select|Lookup|Filter|Check|Test|"
    r"Validate|Simulate|Preview|Estimate)(?=[A-Z0-9]|$)"
)
READ_ONLY_OPERATIONS = {
    "AssumeRole", "AssumeRoleWithWebIdentity", "AssumeRoleWithSAML", "DecodeAuthorizationMessage",
    "Decrypt", "Encrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
}


def is_mutating(operation: str) -> bool:
    return not (READ_OPERATION.match(operation) or operation in READ_ONLY_OPERATIONS)


class CallCounter:
    """The AWS API calls received since a reset point, each as {service (SigV4 signing name), operation,
    region (of the signature; null when unsigned), mutating, status, at}. Refused calls (outage, IAM) count:
    they arrived. GET /_sandbox/calls answers them (filters: ?service=, ?region=, ?operation=, ?mutating=true|false)
    with per-operation counts; POST /_sandbox/calls/reset starts again. The list keeps the last KEEP calls,
    the counts all of them."""

    KEEP = 20000

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.lock = threading.Lock()
        self.since = time.time()
        self.calls: collections.deque[dict[str, Any]] = collections.deque(maxlen=self.KEEP)
        self.counts: dict[tuple, int] = {}

    def reset(self) -> float:
        with self.lock:
            self.since = time.time()
            self.calls.clear()
            self.counts.clear()
            return self.since

    def operation(self, environ: dict, body: bytes, service: str) -> str | None:
        try:
            op, _ = IamGate.operation(environ, body)
            if op is None and service:
                method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
                op = self.front.iam.rest.operation(service, method, path, environ.get("QUERY_STRING", ""))
            return op
        except Exception:  # the record must never cost the call itself
            traceback.print_exc()
            return None

    def record(self, environ: dict, body: bytes) -> dict[str, Any] | None:
        """Notes the request; None when it is no AWS API call (unsigned, no operation)."""
        scope = credential_scope(environ)
        service, region = (scope[2], scope[1]) if scope else ("s3" if sigv2_s3(environ) else "", None)
        op = self.operation(environ, body, service)
        if op is None and not service:
            return None
        if not service and op and op.startswith("AssumeRole"):
            service = "sts"
        if op is None:
            method = environ.get("REQUEST_METHOD", "GET")
            op = f"{method} {environ.get('PATH_INFO', '/')}"
            mutating = method not in ("GET", "HEAD", "OPTIONS")
        else:
            mutating = is_mutating(op)
        call = {"service": service, "operation": op, "region": region, "mutating": mutating, "status": None, "at": time.time()}
        key = (service, op, region, mutating)
        with self.lock:
            self.calls.append(call)
            self.counts[key] = self.counts.get(key, 0) + 1
        return call

    @staticmethod
    def observe(call: dict[str, Any] | None, start_response: Callable) -> Callable:
        """start_response that also notes the answer's status in the call."""
        if call is None:
            return start_response

        def noting(status: str, headers: list, exc_info: Any = None) -> Callable:
            call["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        return noting

    def control_report(self, query: str) -> Response:
        wanted = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}

        def keep(service: str, op: str, region: str | None, mutating: bool) -> bool:
            return (
                wanted.get("service", service) == service
                and wanted.get("operation", op) == op
                and wanted.get("region", region) == region
                and wanted.get("mutating", str(mutating).lower()).lower() == str(mutating).lower()
            )

        with self.lock:
            calls = [dict(c) for c in self.calls if keep(c["service"], c["operation"], c["region"], c["mutating"])]
            counts = [
                {"service": s, "operation": o, "region": r, "mutating": m, "count": n}
                for (s, o, r, m), n in self.counts.items()
                if keep(s, o, r, m)
            ]
            since = self.since
        counts.sort(key=lambda c: (c["service"], c["operation"], c["region"] or ""))
        return json_response(
            {
                "since": since,
                "total": sum(c["count"] for c in counts),
                "mutating": sum(c["count"] for c in counts if c["mutating"]),
                "counts": counts,
                "calls": calls,
            }
        )

    def control_reset(self) -> Response:
        return json_response({"ok": True, "since": self.reset()})


# ---------------------------------------------------------------------------------------------------------
# 8. S3 replication (moto 5.2.5 stores a bucket's replication configuration and replicates nothing)

S3_REPLICATION_HEADER = "x-amz-replication-status"


def _enabled(block: Any) -> bool:
    return isinstance(block, dict) and block.get("Status") == "Enabled"


class S3Replication:
    """S3 Replication (same- and cross-Region) on moto's buckets, as S3 does it, asynchronously.

    A new object version (PutObject, CopyObject, CompleteMultipartUpload, POST upload) or delete marker
    (DeleteObject / DeleteObjects without a version id) in a bucket whose replication configuration has an
    Enabled rule matching its key (Filter Prefix / Tag / And, or the old top-level Prefix; the highest Priority
    per destination) is copied, PD_SANDBOX_S3_REPLICATION_DELAY seconds (default 0.5) after the request that
    made it, to each destination bucket (Destination.Bucket, arn:aws:s3:::NAME): body, metadata, tags, ETag,
    Last-Modified, the same version id, storage class (Destination.StorageClass or the source's); an SSE-KMS
    object is replicated only when the rule has SourceSelectionCriteria.SseKmsEncryptedObjects Enabled, and its
    replica is encrypted with Destination.EncryptionConfiguration.ReplicaKmsKeyID (which must be a key of the
    destination's region), as S3 does. Delete markers go only where DeleteMarkerReplication is Enabled (and
    never by a tag-filtered rule). HEAD/GET answer x-amz-replication-status: PENDING, then COMPLETED (or
    FAILED) on the source, REPLICA on the copy; a replica is never replicated again, so a bidirectional pair
    (each bucket replicating to the other, with ReplicaModifications) does not loop.

    S3 replicates as the configuration's Role, so the role must exist, trust s3.amazonaws.com and allow
    (identity policies, evaluated as the IAM gate does) s3:GetReplicationConfiguration and s3:ListBucket on the
    source bucket, s3:GetObjectVersionForReplication and s3:GetObjectVersionAcl (+ s3:GetObjectVersionTagging
    for a tagged object) on the source object, s3:ReplicateObject (+ s3:ReplicateTags) or s3:ReplicateDelete on
    the destination object, kms:Decrypt on the source object's key and kms:Encrypt on the replica key (with
    kms:ViaService s3.<region>.amazonaws.com and kms:EncryptionContext:aws:s3:arn in the context); otherwise
    the replication FAILS (status FAILED, a log line says which permission). So does a destination bucket
    that is missing or not versioned.

    While the source's or the destination's region is down (RegionOutage), replication to that destination
    waits, and catches up once both are up, in the order the versions were written, like S3.
    PutBucketReplication is refused (InvalidRequest) when a destination bucket does not exist or is not
    versioned, or SseKmsEncryptedObjects is Enabled without a ReplicaKmsKeyID; GetBucketReplication answers
    the rules as they were put (moto answers every rule with an empty filter and no delete marker
    replication, which a Terraform re-plan would see as drift).

    GET /_sandbox/s3/replication answers {"delay", "pending": [{source, destination, key, versionId, kind,
    due, waitingFor}]}.
    """

    TICK = 0.05

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.delay = max(0.0, env_float("PD_SANDBOX_S3_REPLICATION_DELAY", 0.5))
        self.local = threading.local()
        self.lock = threading.Lock()
        self.pending: list[dict[str, Any]] = []
        threading.Thread(target=self.worker, name="s3-replication", daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.pending = []

    # -- moto patches ---------------------------------------------------------------------------------------

    def install(self) -> None:
        from moto.s3.exceptions import S3ClientError
        from moto.s3.models import FakeKey, S3Backend
        from moto.s3.responses import S3Response

        replication = self
        put_object = S3Backend.put_object
        set_delete_marker = S3Backend._set_delete_marker
        put_bucket_replication = S3Backend.put_bucket_replication
        response_dict = FakeKey.response_dict.fget

        @functools.wraps(put_object)
        def put(backend: Any, *args: Any, **kwargs: Any) -> Any:
            key = put_object(backend, *args, **kwargs)
            replication.written(backend, key.bucket_name, key, "object")
            return key

        @functools.wraps(set_delete_marker)
        def delete_marker(backend: Any, bucket_name: str, key_name: str) -> Any:
            marker = set_delete_marker(backend, bucket_name, key_name)
            replication.written(backend, bucket_name, marker, "delete")
            return marker

        @functools.wraps(put_bucket_replication)
        def put_configuration(backend: Any, bucket_name: str, config: dict[str, Any]) -> None:
            rules = config.get("Rule")
            for rule in _as_list(rules):
                destination = (rule or {}).get("Destination") or {}
                name = str(destination.get("Bucket") or "").split(":::", 1)[-1]
                target = backend.buckets.get(name)
                if target is None:
                    raise S3ClientError("InvalidRequest", "Destination bucket must exist.")
                if not target.is_versioned:
                    raise S3ClientError("InvalidRequest", "Destination bucket must have versioning enabled.")
                criteria = (rule or {}).get("SourceSelectionCriteria") or {}
                if _enabled(criteria.get("SseKmsEncryptedObjects")) and not (
                    (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
                ):
                    raise S3ClientError(
                        "InvalidRequest", "ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present."
                    )
            put_bucket_replication(backend, bucket_name, config)

        def answered(key: Any) -> dict[str, Any]:
            headers = response_dict(key)
            status = replication.status(key)
            if status:
                headers[S3_REPLICATION_HEADER] = status
            return headers

        def get_bucket_replication(response: Any) -> Any:
            from moto.core.responses import ActionResult
            from moto.s3.exceptions import ReplicationConfigurationNotFoundError

            response.data["Action"] = "GetBucketReplication"
            config = response.backend.get_bucket_replication(response.bucket_name)
            if not config:
                raise ReplicationConfigurationNotFoundError(bucket_name=response.bucket_name)
            rules = [self.rule_answer(rule) for rule in _as_list(config.get("Rule"))]
            return response.serialized(
                ActionResult({"ReplicationConfiguration": {"Role": config.get("Role"), "Rules": rules}})
            )

        S3Backend.put_object = put
        S3Backend._set_delete_marker = delete_marker
        S3Backend.put_bucket_replication = put_configuration
        FakeKey.response_dict = property(answered)
        S3Response.get_bucket_replication = get_bucket_replication

    @staticmethod
    def rule_answer(rule: dict[str, Any]) -> dict[str, Any]:
        """A stored rule (the PUT's XML as xmltodict parsed it) in the shape of GetBucketReplication's answer."""

        def ints(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: (int(v) if k == "Minutes" and str(v).isdigit() else ints(v)) for k, v in value.items()}
            return value

        out = {k: ints(v) for k, v in rule.items() if v is not None}
        if str(out.get("Priority", "")).isdigit():
            out["Priority"] = int(out["Priority"])
        if "Filter" in rule:
            flt = dict(rule.get("Filter") or {})
            if isinstance(flt.get("And"), dict):
                conj = dict(flt["And"])
                if "Tag" in conj:
                    conj["Tags"] = _as_list(conj.pop("Tag"))
                flt["And"] = conj
            out["Filter"] = flt
        return out

    # -- what was written -----------------------------------------------------------------------------------

    def begin(self) -> bool:
        """Collects the versions a request writes, to schedule them once it is answered (its metadata and
        tags are set after moto's put_object); False when a request is already collecting on this thread."""
        if getattr(self.local, "events", None) is not None:
            return False
        self.local.events = []
        return True

    def end(self) -> None:
        events, self.local.events = self.local.events, None
        if events:
            self.schedule(events)

    def written(self, backend: Any, bucket_name: str, version: Any, kind: str) -> None:
        if getattr(self.local, "replicating", False):
            return  # a replica: never replicated again
        event = (backend.account_id, bucket_name, version, kind)
        events = getattr(self.local, "events", None)
        if events is not None:
            events.append(event)
        else:
            self.schedule([event])

    @staticmethod
    def status(version: Any) -> str | None:
        if getattr(version, "sandbox_replica", False):
            return "REPLICA"
        targets = getattr(version, "sandbox_replication", None)
        if not targets:
            return None
        states = set(targets.values())
        return "FAILED" if "FAILED" in states else "PENDING" if "PENDING" in states else "COMPLETED"

    @staticmethod
    def backend(account: str) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[account]["aws"]

    @staticmethod
    def filter_of(rule: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
        """(prefix, tags) a rule selects by."""
        if "Filter" not in rule:
            return str(rule.get("Prefix") or ""), []
        flt = rule.get("Filter") or {}
        if isinstance(flt.get("And"), dict):
            conj = flt["And"]
            return str(conj.get("Prefix") or ""), [t for t in _as_list(conj.get("Tag")) if isinstance(t, dict)]
        return str(flt.get("Prefix") or ""), [t for t in _as_list(flt.get("Tag")) if isinstance(t, dict)]

    def rules_for(self, backend: Any, bucket: Any, version: Any, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(destination bucket name, rule) for each destination the version goes to."""
        config = getattr(bucket, "replication", None) or {}
        tags: dict[str, str] = {}
        if kind == "object":
            try:
                tags = {t["Key"]: t["Value"] for t in backend.tagger.list_tags_for_resource(version.arn)["Tags"]}
            except Exception:
                tags = {}
        best: dict[str, tuple[int, dict[str, Any]]] = {}
        for rule in _as_list(config.get("Rule")):
            if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
                continue
            prefix, wanted = self.filter_of(rule)
            if not version.name.startswith(prefix) or any(tags.get(t.get("Key")) != t.get("Value") for t in wanted):
                continue
            if kind == "delete":
                # V1 rules (a top-level Prefix) replicate delete markers; V2 ones when asked, never by tag.
                if wanted or ("Filter" in rule and not _enabled(rule.get("DeleteMarkerReplication"))):
                    continue
            elif version.encryption == "aws:kms" and not _enabled(
                ((rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects"))
            ):
                continue  # S3 skips SSE-KMS objects unless the rule opts in
            destination = str((rule.get("Destination") or {}).get("Bucket") or "").split(":::", 1)[-1]
            try:
                priority = int(rule.get("Priority") or 0)
            except ValueError:
                priority = 0
            if destination and (destination not in best or priority > best[destination][0]):
                best[destination] = (priority, rule)
        return [(dest, rule) for dest, (_, rule) in best.items()]

    def schedule(self, events: list[tuple[str, str, Any, str]]) -> None:
        tasks = []
        due = time.time() + self.delay
        for account, bucket_name, version, kind in events:
            try:
                backend = self.backend(account)
                bucket = backend.buckets.get(bucket_name)
                if bucket is None or not getattr(bucket, "replication", None):
                    continue
                targets = self.rules_for(backend, bucket, version, kind)
            except Exception:  # replication must never cost the request that wrote the object
                traceback.print_exc()
                continue
            if targets and kind == "object":
                version.sandbox_replication = {dest: "PENDING" for dest, _ in targets}
            for dest, rule in targets:
                tasks.append(
                    {
                        "account": account, "source": bucket_name, "destination": dest, "key": version.name,
                        "version": version, "kind": kind, "rule": rule, "role": bucket.replication.get("Role"),
                        "due": due,
                    }
                )
        if tasks:
            with self.lock:
                self.pending.extend(tasks)

    # -- the replicator -------------------------------------------------------------------------------------

    def worker(self) -> None:
        while True:
            time.sleep(self.TICK)
            try:
                self.run_due()
            except Exception:
                traceback.print_exc()

    def waiting_for(self, task: dict[str, Any]) -> str | None:
        """The down region a task waits for, or None."""
        backend = self.backend(task["account"])
        for name in (task["source"], task["destination"]):
            bucket = backend.buckets.get(name)
            region = getattr(bucket, "region_name", None)
            if self.front.outage.is_down(region):
                return region
        return None

    def run_due(self) -> None:
        with self.lock:
            tasks = list(self.pending)
        if not tasks:
            return
        now = time.time()
        done: list[dict[str, Any]] = []
        held: set[tuple[str, str]] = set()  # (destination, key) with an earlier version still waiting
        for task in tasks:
            ident = (task["destination"], task["key"])
            if ident in held or task["due"] > now or self.waiting_for(task):
                held.add(ident)
                continue
            try:
                self.replicate(task)
            except Exception as exc:
                traceback.print_exc()
                self.settle(task, "FAILED", f"sandbox_aws error {exc!r}")
            done.append(task)
        if done:
            with self.lock:
                self.pending = [t for t in self.pending if not any(t is d for d in done)]

    def settle(self, task: dict[str, Any], state: str, why: str = "") -> None:
        version = task["version"]
        targets = getattr(version, "sandbox_replication", None)
        if targets is not None and task["destination"] in targets:
            targets[task["destination"]] = state
        what = "delete marker" if task["kind"] == "delete" else "object"
        line = f"s3 replication: {what} s3://{task['source']}/{task['key']} ({version.version_id}) -> {task['destination']}: {state}"
        log(f"{line} ({why})" if why else line)

    def replicate(self, task: dict[str, Any]) -> None:
        backend = self.backend(task["account"])
        source = backend.buckets.get(task["source"])
        destination = backend.buckets.get(task["destination"])
        version = task["version"]
        if source is None or not any(v is version for v in source.keys.getlist(task["key"], [])):
            return  # the version (or its bucket) was deleted before it replicated: nothing to copy
        if destination is None:
            return self.settle(task, "FAILED", "the destination bucket does not exist")
        if not destination.is_versioned:
            return self.settle(task, "FAILED", "versioning is not enabled on the destination bucket")
        replica_key = ((task["rule"].get("Destination") or {}).get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        refusal = self.authorise(task, source, destination, replica_key)
        if refusal:
            return self.settle(task, "FAILED", refusal)
        existing = destination.keys.getlist(task["key"], [])
        if any(str(v.version_id) == str(version.version_id) for v in existing):
            return self.settle(task, "COMPLETED", "already there")
        self.local.replicating = True
        try:
            if task["kind"] == "delete":
                if not existing:
                    return self.settle(task, "COMPLETED", "no object of that key in the destination")
                marker = backend._set_delete_marker(task["destination"], task["key"])
                marker._version_id = version.version_id
                marker.sandbox_replica = True
                return self.settle(task, "COMPLETED")
            self.copy(backend, task, version, replica_key)
        finally:
            self.local.replicating = False
        self.settle(task, "COMPLETED")

    @staticmethod
    def copy(backend: Any, task: dict[str, Any], version: Any, replica_key: str | None) -> None:
        from moto.utilities.utils import LowercaseDict

        encryption, kms_key_id = version.encryption, None
        if encryption == "aws:kms":
            kms_key_id = replica_key
        storage = (task["rule"].get("Destination") or {}).get("StorageClass") or version.storage_class
        replica = backend.put_object(
            task["destination"],
            task["key"],
            version.value,
            storage=storage,
            etag=version._etag,
            encryption=encryption,
            kms_key_id=kms_key_id,
            bucket_key_enabled=version.bucket_key_enabled,
            checksum_value=version.checksum_value,
        )
        replica._version_id = version.version_id
        replica._metadata = LowercaseDict(version.metadata)
        replica.last_modified = version.last_modified
        replica.checksum_algorithm = version.checksum_algorithm
        replica.checksum_type = version.checksum_type
        replica.website_redirect_location = version.website_redirect_location
        replica.sandbox_replica = True
        backend.tagger.copy_tags(version.arn, replica.arn)

    def authorise(self, task: dict[str, Any], source: Any, destination: Any, replica_key: str | None) -> str | None:
        """Why S3, acting as the replication role, may not replicate this version; None when it may."""
        from moto.iam.models import iam_backends
        from moto.kms.models import kms_backends

        account, role_arn = task["account"], str(task["role"] or "")
        try:
            role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        except Exception:
            return f"the replication role {role_arn!r} does not exist"
        trust = role.assume_role_policy_document
        trust = json.loads(trust) if isinstance(trust, str) else (trust or {})
        if not any(
            st.get("Effect") == "Allow"
            and any(_glob(a, "sts:AssumeRole", True) for a in _as_list(st.get("Action", [])))
            and "s3.amazonaws.com" in _as_list((st.get("Principal") or {}).get("Service", []))
            for st in _as_list(trust.get("Statement", []))
        ):
            return f"the role {role_arn} does not trust s3.amazonaws.com"
        version = task["version"]
        src_region, dest_region = source.region_name, destination.region_name
        src_bucket, dest_bucket = f"arn:aws:s3:::{source.name}", f"arn:aws:s3:::{destination.name}"
        src_object, dest_object = f"{src_bucket}/{task['key']}", f"{dest_bucket}/{task['key']}"
        checks: list[tuple[str, str, dict]] = [
            ("s3:GetReplicationConfiguration", src_bucket, {}),
            ("s3:ListBucket", src_bucket, {}),
        ]
        if task["kind"] == "delete":
            checks.append(("s3:ReplicateDelete", dest_object, {}))
        else:
            checks += [
                ("s3:GetObjectVersionForReplication", src_object, {}),
                ("s3:GetObjectVersionAcl", src_object, {}),
                ("s3:ReplicateObject", dest_object, {}),
            ]
            if self.backend(account).tagger.list_tags_for_resource(version.arn)["Tags"]:
                checks += [("s3:GetObjectVersionTagging", src_object, {}), ("s3:ReplicateTags", dest_object, {})]
            if version.encryption == "aws:kms":
                # With S3 Bucket Keys the encryption context is the bucket's ARN, otherwise the object's.
                bucket_key = str(version.bucket_key_enabled).lower() == "true"
                dest_arn = IamGate.kms_key_arn(account, dest_region, replica_key)
                if dest_arn.split(":")[3] != dest_region:
                    return f"the replica KMS key {replica_key} is not in the destination's region {dest_region}"
                try:
                    kms_backends[account][dest_region].describe_key(replica_key)
                except Exception:
                    return f"the replica KMS key {replica_key} does not exist in {dest_region}"
                checks += [
                    (
                        "kms:Decrypt",
                        IamGate.kms_key_arn(account, src_region, version.kms_key_id),
                        {"kms:ViaService": f"s3.{src_region}.amazonaws.com",
                         "kms:EncryptionContext:aws:s3:arn": src_bucket if bucket_key else src_object},
                    ),
                    (
                        "kms:Encrypt",
                        dest_arn,
                        {"kms:ViaService": f"s3.{dest_region}.amazonaws.com",
                         "kms:EncryptionContext:aws:s3:arn": dest_bucket if bucket_key else dest_object},
                    ),
                ]
        try:
            docs = IamGate.role_policies(account, role.name)
        except Exception:
            docs = []
        for action, resource, context in checks:
            if IamGate.decide(docs, action, resource, context) != "allow":
                return f"the role {role_arn} is not allowed {action} on {resource}"
        return None

    # -- control --------------------------------------------------------------------------------------------

    def control_report(self) -> Response:
        with self.lock:
            tasks = list(self.pending)
        pending = [
            {
                "source": t["source"], "destination": t["destination"], "key": t["key"],
                "versionId": t["version"].version_id, "kind": t["kind"], "due": t["due"],
                "waitingFor": self.waiting_for(t),
            }
            for t in tasks
        ]
        return json_response({"delay": self.delay, "pending": pending})


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


class EcsServiceDeployments:
    """Amazon ECS service deployments with the blue/green, canary and linear strategies of the ECS deployment
    controller (deploymentConfiguration.strategy, 2025), which moto 5.2.5 does not know: it drops the new
    fields (strategy, bakeTimeInMinutes, canaryConfiguration, linearConfiguration, lifecycleHooks, and the
    loadBalancers' advancedConfiguration) and has no service deployments or revisions.

    CreateService / UpdateService / DescribeServices go to moto as before (through DroppedFields); for a
    service that uses the new fields, the fields are kept and put back into the answers, with
    currentServiceDeployment and currentServiceRevisions. A service created with one of these strategies gets its
    first deployment (no source revision; PRE_SCALE_UP .. POST_SCALE_UP). UpdateService of such a service (or
    one that sets such a strategy) with another task definition, or forceNewDeployment, starts a service
    deployment: PENDING, then IN_PROGRESS through the lifecycle stages [RECONCILE_SERVICE, when more than one
    revision is active, as after a stopped deployment] PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP,
    TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT (blue/green: all at once; canary:
    canaryPercent, canaryBakeTimeInMinutes, then the rest; linear: stepPercent steps, stepBakeTimeInMinutes
    after each but the last), POST_PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME (bakeTimeInMinutes), CLEAN_UP, then
    SUCCESSFUL. The production listener rule's forward action (moto's ELBv2 rule) carries both target groups,
    weighted as the shift goes (the green one is the target group that does not carry the traffic when the
    deployment starts: the primary and the alternate take turns), the test listener rule all-green from
    TEST_TRAFFIC_SHIFT; the service revisions' requestedProductionTrafficWeight / requestedTestTrafficWeight
    say the same. moto's service takes the new task definition (its `deployments` show the new PRIMARY and the
    old ACTIVE one until CLEAN_UP).

    Failures: an alarm of deploymentConfiguration.alarms (enable) in ALARM in moto's CloudWatch between the
    start and CLEAN_UP triggers (alarms.status TRIGGERED, triggeredAlarmNames) and, with alarms.rollback, rolls
    back (ROLLBACK_IN_PROGRESS: traffic back to the source revision, then ROLLBACK_SUCCESSFUL), else stops
    (STOPPED); a lifecycle hook made to fail (POST /_sandbox/ecs/fail-hook) rolls back. StopServiceDeployment
    ROLLBACK: ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL; ABORT: STOP_REQUESTED, STOPPED
    (traffic left where it is). A new deployment stops the one in progress (STOPPED) and reconciles.
    AWS_LAMBDA hooks are not invoked: they succeed when their stage ends, unless made to fail. PAUSE hooks wait
    for ContinueServiceDeployment (CONTINUE or ROLLBACK) or their timeoutConfiguration.

    Answered here: DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions,
    StopServiceDeployment, ContinueServiceDeployment. Timing: PD_SANDBOX_ECS_SPEED (default 60: one
    config-minute passes in one second), or POST /_sandbox/ecs/speed for deployments created afterwards.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.speed = max(0.001, env_float("PD_SANDBOX_ECS_SPEED", 60.0))
        self.initial_speed = self.speed
        self.runs: dict[str, ServiceDeploymentRun] = {}
        self.revisions: dict[str, dict] = {}
        self.services: dict[str, dict] = {}  # service ARN -> kept configuration, active revisions
        self.armed: dict[str, dict[str, str]] = {}  # service ARN -> hook stage -> message, for its next deployment
        self.handlers: dict[str, Callable[[dict, dict], Response]] = {
            "CreateService": self.create_service,
            "UpdateService": self.update_service,
            "DescribeServices": self.describe_services,
            "DeleteService": self.delete_service,
            "DescribeServiceDeployments": self.describe_service_deployments,
            "ListServiceDeployments": self.list_service_deployments,
            "DescribeServiceRevisions": self.describe_service_revisions,
            "StopServiceDeployment": self.stop_service_deployment,
            "ContinueServiceDeployment": self.continue_service_deployment,
        }
        threading.Thread(target=self.ticker, name="ecs-deployments-ticker", daemon=True).start()

    def reset(self) -> None:
        self.runs.clear()
        self.revisions.clear()
        self.services.clear()
        self.armed.clear()
        self.speed = self.initial_speed

    # -- plumbing ------------------------------------------------------------------------------------------

    def handles(self, target: str) -> bool:
        return target.startswith(ECS_TARGET) and target[len(ECS_TARGET):] in self.handlers

    def handle(self, environ: dict, raw: bytes) -> Response:
        op = environ.get("HTTP_X_AMZ_TARGET", "")[len(ECS_TARGET):]
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return aws_json_error(AwsError("SerializationException", "request body is not JSON"))
        if not isinstance(body, dict):
            return aws_json_error(AwsError("SerializationException", "request body is not a JSON object"))
        ctx = {"environ": environ, "raw": raw, "account": account_from_environ(environ), "region": region_from_environ(environ)}
        from moto.core.exceptions import JsonRESTError, ServiceException

        try:
            with self.front.lock:
                self.tick()
                return self.handlers[op](ctx, body)
        except AwsError as err:
            return aws_json_error(err)
        except ServiceException as err:  # moto's ECS errors (ClusterNotFoundException, ServiceNotFoundException, ...)
            return aws_json_error(AwsError(err.code, err.message))
        except JsonRESTError as err:
            return aws_json_error(AwsError(err.error_type, err.message, getattr(err, "code", 400) or 400))

    @staticmethod
    def ecs(account: str, region: str) -> Any:
        from moto.ecs.models import ecs_backends

        return ecs_backends[account][region]

    def moto_service(self, account: str, region: str, cluster: str | None, service: str | None) -> Any:
        """moto's service, or None when the cluster or the service does not exist (moto then answers)."""
        from moto.core.exceptions import JsonRESTError, ServiceException

        if not service:
            return None
        try:
            return self.ecs(account, region)._get_service(cluster or "default", service)
        except (JsonRESTError, ServiceException):
            return None

    def pass_on(self, ctx: dict) -> tuple[Response, dict | None]:
        """moto's answer, through DroppedFields (which keeps the fields moto drops), and its JSON when 200."""
        resp = self.front.dropped.handle(ctx["environ"], ctx["raw"])
        if resp.status != 200:
            return resp, None
        return resp, json.loads(resp.body or b"{}")

    @staticmethod
    def answer(resp: Response, obj: dict) -> Response:
        return Response(200, json.dumps(obj, default=json_default).encode(), resp.headers)

    def ticker(self) -> None:
        while True:
            time.sleep(0.1)
            try:
                with self.front.lock:
                    self.tick()
            except Exception:
                traceback.print_exc()

    # -- the service's configuration -----------------------------------------------------------------------

    @staticmethod
    def uses_new_fields(config: dict | None, lbs: list | None) -> bool:
        config = config or {}
        keys = ("strategy", "bakeTimeInMinutes", "lifecycleHooks", "canaryConfiguration", "linearConfiguration")
        return any(k in config for k in keys) or any(isinstance(lb, dict) and lb.get("advancedConfiguration") for lb in lbs or [])

    @staticmethod
    def validate(config: dict, lbs: list, controller: str) -> None:
        def bad(message: str) -> AwsError:
            return AwsError("InvalidParameterException", message)

        strategy = config.get("strategy") or "ROLLING"
        if strategy not in ECS_STRATEGIES:
            raise bad(f"Invalid deployment strategy '{strategy}'. Valid values: {', '.join(ECS_STRATEGIES)}.")
        if strategy not in NATIVE_STRATEGIES:
            return
        if controller != "ECS":
            raise bad(f"The {strategy} deployment strategy is only supported with the ECS deployment controller.")

        def minutes(value: Any, name: str) -> None:
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1440):
                raise bad(f"{name} must be an integer between 0 and 1440.")

        def percent(value: Any, name: str, low: float) -> None:
            if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= 100.0):
                raise bad(f"{name} must be between {low} and 100.0.")

        minutes(config.get("bakeTimeInMinutes"), "bakeTimeInMinutes")
        canary = config.get("canaryConfiguration") or {}
        linear = config.get("linearConfiguration") or {}
        percent(canary.get("canaryPercent"), "canaryConfiguration.canaryPercent", 0.1)
        minutes(canary.get("canaryBakeTimeInMinutes"), "canaryConfiguration.canaryBakeTimeInMinutes")
        percent(linear.get("stepPercent"), "linearConfiguration.stepPercent", 3.0)
        minutes(linear.get("stepBakeTimeInMinutes"), "linearConfiguration.stepBakeTimeInMinutes")
        for hook in config.get("lifecycleHooks") or []:
            stages = hook.get("lifecycleStages") or []
            kind = hook.get("targetType") or "AWS_LAMBDA"
            if not stages:
                raise bad("lifecycleStages must be specified for a deployment lifecycle hook.")
            for stage in stages:
                if stage not in ECS_HOOK_STAGES:
                    raise bad(f"Invalid lifecycle stage '{stage}'. Valid values: {', '.join(ECS_HOOK_STAGES)}.")
                if kind == "PAUSE" and stage in ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"):
                    raise bad(f"PAUSE lifecycle hooks cannot be configured at the {stage} stage.")
            if kind == "AWS_LAMBDA" and not (hook.get("hookTargetArn") and hook.get("roleArn")):
                raise bad("hookTargetArn and roleArn must be specified for an AWS_LAMBDA lifecycle hook.")
            if kind not in ("AWS_LAMBDA", "PAUSE"):
                raise bad(f"Invalid lifecycle hook targetType '{kind}'.")
        for lb in lbs or []:
            adv = lb.get("advancedConfiguration")
            if not adv:
                raise bad(
                    f"advancedConfiguration must be specified for each load balancer of a service that uses the {strategy} "
                    "deployment strategy."
                )
            for key in ("alternateTargetGroupArn", "productionListenerRule", "roleArn"):
                if not adv.get(key):
                    raise bad(f"advancedConfiguration.{key} must be specified for the {strategy} deployment strategy.")

    @staticmethod
    def effective_config(config: dict) -> dict:
        """The deployment configuration a deployment runs with, AWS's defaults filled in."""
        out: dict[str, Any] = {
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "maximumPercent": 200,
            "minimumHealthyPercent": 100,
        }
        out.update(json.loads(json.dumps(config)))
        strategy = out.get("strategy") or "ROLLING"
        out["strategy"] = strategy
        if strategy == "CANARY":
            out["canaryConfiguration"] = {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 10, **(config.get("canaryConfiguration") or {})}
        if strategy == "LINEAR":
            out["linearConfiguration"] = {"stepPercent": 10.0, "stepBakeTimeInMinutes": 6, **(config.get("linearConfiguration") or {})}
        return out

    def keep(self, service: Any, config: dict, lbs: list | None) -> dict:
        state = self.services.get(service.arn)
        if state is None:
            state = self.services[service.arn] = {
                "account": service._account_id,
                "region": service.region_name,
                "cluster": service.cluster_name,
                "clusterArn": service.cluster_arn,
                "service": service.name,
                "config": {},
                "loadBalancers": None,
                "revisions": [],
                "current": None,
            }
        state["config"] = config
        if lbs is not None:
            state["loadBalancers"] = lbs
        return state

    def put_back(self, item: dict | None) -> None:
        """The kept fields into a service in an answer, with its current deployment and revisions."""
        if not item or item.get("serviceArn") not in self.services:
            return
        state = self.services[item["serviceArn"]]
        config = dict(item.get("deploymentConfiguration") or {})
        config.update(state["config"])
        item["deploymentConfiguration"] = config
        if state["loadBalancers"] is not None:
            item["loadBalancers"] = state["loadBalancers"]
        if state["current"]:
            item["currentServiceDeployment"] = state["current"]
        run = self.runs.get(state["current"] or "")
        revisions = []
        for arn in state["revisions"]:
            summary = self.revision_summary(run, arn) if run else {"arn": arn}
            revisions.append(
                {k: summary.get(k, 0) for k in ("arn", "requestedTaskCount", "runningTaskCount", "pendingTaskCount")}
            )
        if revisions:
            item["currentServiceRevisions"] = revisions

    # -- service operations --------------------------------------------------------------------------------

    def create_service(self, ctx: dict, body: dict) -> Response:
        config = body.get("deploymentConfiguration") or {}
        lbs = body.get("loadBalancers")
        if not self.uses_new_fields(config, lbs):
            return self.front.dropped.handle(ctx["environ"], ctx["raw"])
        controller = (body.get("deploymentController") or {}).get("type") or "ECS"
        self.validate(config, lbs or [], controller)
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        item = answer.get("service") or {}
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), item.get("serviceName"))
        if service is not None:
            state = self.keep(service, dict(config), lbs)
            td = service.task_definition
            if config.get("strategy") in NATIVE_STRATEGIES and controller == "ECS" and td:
                self.start(state, service, None, td, time.time(), initial=True)
            self.put_back(item)
        return self.answer(resp, answer)

    def update_service(self, ctx: dict, body: dict) -> Response:
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), body.get("service"))
        given = body.get("deploymentConfiguration")
        lbs = body.get("loadBalancers")
        if service is None or (service.arn not in self.services and not self.uses_new_fields(given, lbs)):
            return self.front.dropped.handle(ctx["environ"], ctx["raw"])  # moto's own update (or its error)
        state = self.services.get(service.arn) or {}
        config = dict(state.get("config") or {})
        if given is not None:
            config.update(given)
        effective_lbs = lbs if lbs is not None else (state.get("loadBalancers") or [])
        controller = (service.deployment_controller or {}).get("type") or "ECS"
        self.validate(config, effective_lbs, controller)
        ecs = self.ecs(ctx["account"], ctx["region"])
        try:
            source_td = self.td_arn(ecs, service.task_definition)
        except Exception:
            source_td = service.task_definition
        target_td = source_td
        if body.get("taskDefinition"):
            target_td = self.td_arn(ecs, body["taskDefinition"])  # ClientException for an unknown one
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        state = self.keep(service, config, lbs)
        if target_td:
            service.task_definition = target_td  # moto keeps the name the request gave (web:2)
        native = config.get("strategy") in NATIVE_STRATEGIES and controller == "ECS"
        if native and target_td and (target_td != source_td or body.get("forceNewDeployment")):
            self.start(state, service, source_td, target_td, time.time())
        item = answer.get("service") or {}
        item["taskDefinition"] = service.task_definition
        item["deployments"] = [
            {k: v for k, v in d.items() if v is not None} for d in json.loads(json.dumps(service.deployments, default=json_default))
        ]
        self.put_back(item)
        return self.answer(resp, answer)

    def describe_services(self, ctx: dict, body: dict) -> Response:
        resp, answer = self.pass_on(ctx)
        if answer is None:
            return resp
        for item in answer.get("services") or []:
            self.put_back(item)
        return self.answer(resp, answer)

    def delete_service(self, ctx: dict, body: dict) -> Response:
        """AWS deletes a service's deployments with the service."""
        service = self.moto_service(ctx["account"], ctx["region"], body.get("cluster"), body.get("service"))
        status, headers, out = self.front.call_moto(ctx["environ"], ctx["raw"])
        if status == 200 and service is not None:
            self.services.pop(service.arn, None)
            self.armed.pop(service.arn, None)
            for arn in [a for a, r in self.runs.items() if r.service_arn == service.arn]:
                del self.runs[arn]
        return Response(status, out, list(headers.items()))

    @staticmethod
    def td_arn(ecs: Any, td: str | None) -> str | None:
        if not td:
            return None
        return ecs.describe_task_definition(td).arn

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

    # -- answers -------------------------------------------------------------------------------------------

    def revision_summary(self, run: ServiceDeploymentRun, arn: str) -> dict:
        desired = run.desired
        scale_up = next((i for i, s in enumerate(run.steps) if s["stage"] == "SCALE_UP"), 0)
        rolled_back = run.status in ("ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")
        if arn == run.target:
            if run.status == "ROLLBACK_SUCCESSFUL":
                requested, running, pending = 0, 0, 0
            elif run.status == "PENDING" or run.idx < scale_up:
                requested, running, pending = desired, 0, 0
            elif run.idx == scale_up and not run.done:
                requested, running, pending = desired, 0, desired
            else:
                requested, running, pending = desired, desired, 0
            prod, test = (0.0, 0.0) if rolled_back else (run.prod_weight, run.test_weight)
        else:
            first = bool(run.sources) and arn == run.sources[0]
            gone = run.status == "SUCCESSFUL" or (not first and run.status == "ROLLBACK_SUCCESSFUL")
            requested = running = 0 if gone else desired
            pending = 0
            prod = (100.0 - (0.0 if rolled_back else run.prod_weight)) if first else 0.0
            test = (100.0 - (0.0 if rolled_back else run.test_weight)) if first else 0.0
        return {
            "arn": arn,
            "requestedTaskCount": requested,
            "runningTaskCount": running,
            "pendingTaskCount": pending,
            "requestedTestTrafficWeight": float(test),
            "requestedProductionTrafficWeight": float(prod),
        }

    def view(self, run: ServiceDeploymentRun) -> dict:
        breaker = run.config.get("deploymentCircuitBreaker") or {}
        alarms = run.config.get("alarms") or {}
        out: dict[str, Any] = {
            "serviceDeploymentArn": run.arn,
            "serviceArn": run.service_arn,
            "clusterArn": run.cluster_arn,
            "createdAt": run.created,
            "startedAt": run.started,
            "finishedAt": run.finished,
            "stoppedAt": run.stopped,
            "updatedAt": run.updated,
            "sourceServiceRevisions": [self.revision_summary(run, arn) for arn in run.sources],
            "targetServiceRevision": self.revision_summary(run, run.target),
            "status": run.status,
            "statusReason": run.status_reason,
            "lifecycleStage": run.stage,
            "lifecycleHookDetails": [dict(d) for d in run.hook_history] or None,
            "deploymentConfiguration": run.config,
            "rollback": {k: v for k, v in run.rollback.items() if v is not None} if run.rollback else None,
            "deploymentCircuitBreaker": {
                "status": ("MONITORING_COMPLETE" if run.done else "MONITORING") if breaker.get("enable") else "DISABLED",
                "failureCount": 0,
                "threshold": min(200, max(3, math.ceil(0.5 * run.desired))),
            },
            "alarms": {
                "status": run.alarm_status,
                "alarmNames": list(alarms.get("alarmNames") or []) if alarms.get("enable") else [],
                "triggeredAlarmNames": list(run.triggered),
            },
        }
        return {k: v for k, v in out.items() if v is not None}

    def brief(self, run: ServiceDeploymentRun) -> dict:
        out = {
            "serviceDeploymentArn": run.arn,
            "serviceArn": run.service_arn,
            "clusterArn": run.cluster_arn,
            "startedAt": run.started,
            "createdAt": run.created,
            "finishedAt": run.finished,
            "targetServiceRevisionArn": run.target,
            "status": run.status,
            "statusReason": run.status_reason,
        }
        return {k: v for k, v in out.items() if v is not None}

    def run_in(self, ctx: dict, arn: str | None) -> ServiceDeploymentRun | None:
        run = self.runs.get(arn or "")
        if run is None or run.account != ctx["account"] or run.region != ctx["region"]:
            return None
        return run

    @staticmethod
    def arns(body: dict, key: str) -> list[str]:
        arns = body.get(key)
        if not isinstance(arns, list) or not arns:
            raise AwsError("InvalidParameterException", f"{key} must contain between 1 and 20 ARNs.")
        if len(arns) > 20:
            raise AwsError("InvalidParameterException", f"{key} must contain between 1 and 20 ARNs.")
        return arns

    def describe_service_deployments(self, ctx: dict, body: dict) -> Response:
        found, failures = [], []
        for arn in self.arns(body, "serviceDeploymentArns"):
            run = self.run_in(ctx, arn)
            if run is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(self.view(run))
        return aws_json({"serviceDeployments": found, "failures": failures})

    def describe_service_revisions(self, ctx: dict, body: dict) -> Response:
        found, failures = [], []
        for arn in self.arns(body, "serviceRevisionArns"):
            revision = self.revisions.get(arn)
            if revision is None or f":{ctx['region']}:{ctx['account']}:" not in arn:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(revision)
        return aws_json({"serviceRevisions": found, "failures": failures})

    def list_service_deployments(self, ctx: dict, body: dict) -> Response:
        if not body.get("service"):
            raise AwsError("InvalidParameterException", "service must be specified.")
        ecs = self.ecs(ctx["account"], ctx["region"])
        ecs._get_cluster(body.get("cluster") or "default")  # ClusterNotFoundException
        service = ecs._get_service(body.get("cluster") or "default", body["service"])  # ServiceNotFoundException
        statuses = body.get("status") or []
        created = body.get("createdAt") or {}
        runs = [r for r in self.runs.values() if r.service_arn == service.arn and r.account == ctx["account"] and r.region == ctx["region"]]
        if statuses:
            runs = [r for r in runs if r.status in statuses]
        if created.get("after") is not None:
            runs = [r for r in runs if r.created >= float(created["after"])]
        if created.get("before") is not None:
            runs = [r for r in runs if r.created <= float(created["before"])]
        runs.sort(key=lambda r: r.created, reverse=True)
        limit = body.get("maxResults") or 20
        if not isinstance(limit, int) or not 1 <= limit <= 100:
            raise AwsError("InvalidParameterException", "maxResults must be between 1 and 100.")
        offset = 0
        if body.get("nextToken"):
            try:
                offset = int(json.loads(base64.b64decode(body["nextToken"]))["offset"])
            except Exception:
                raise AwsError("InvalidParameterException", "The nextToken is not valid.")
        page = runs[offset : offset + limit]
        out: dict[str, Any] = {"serviceDeployments": [self.brief(r) for r in page]}
        if offset + limit < len(runs):
            out["nextToken"] = base64.b64encode(json.dumps({"offset": offset + limit}).encode()).decode()
        return aws_json(out)

    def stop_service_deployment(self, ctx: dict, body: dict) -> Response:
        arn = body.get("serviceDeploymentArn") or ""
        if not re.match(r"^arn:aws[a-z-]*:ecs:[^:]+:\d{12}:service-deployment/[^/]+/[^/]+/[^/]+$", arn):
            raise AwsError("InvalidParameterException", f"Invalid service deployment ARN: {arn!r}.")
        stop_type = body.get("stopType") or "ROLLBACK"
        if stop_type not in ("ROLLBACK", "ABORT"):
            raise AwsError("InvalidParameterException", f"Invalid stopType '{stop_type}'. Valid values: ABORT, ROLLBACK.")
        run = self.run_in(ctx, arn)
        if run is None:
            raise AwsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")
        if run.done:
            return aws_json_error_conflict(
                f"The service deployment {arn} cannot be stopped because it is {run.status}.", [arn]
            )
        now = time.time()
        if run.status in ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "STOP_REQUESTED"):
            return aws_json({"serviceDeploymentArn": arn})  # already stopping: it goes on
        if stop_type == "ROLLBACK":
            self.begin_rollback(run, now, "Service deployment rolled back because of a StopServiceDeployment request.", requested=True)
        else:
            run.status, run.phase_started, run.updated = "STOP_REQUESTED", now, now
            run.status_reason = "Service deployment stopped because of a StopServiceDeployment request."
            run.waiting = None
        return aws_json({"serviceDeploymentArn": arn})

    def continue_service_deployment(self, ctx: dict, body: dict) -> Response:
        arn = body.get("serviceDeploymentArn") or ""
        run = self.run_in(ctx, arn)
        if run is None:
            raise AwsError("ServiceDeploymentNotFoundException", f"The service deployment {arn} does not exist.")
        hook_id, action = body.get("hookId"), body.get("action") or "CONTINUE"
        if action not in ("CONTINUE", "ROLLBACK"):
            raise AwsError("InvalidParameterException", f"Invalid action '{action}'. Valid values: CONTINUE, ROLLBACK.")
        detail = (run.waiting or {}).get("hooks", {}).get(hook_id or "")
        if detail is None or detail["status"] != "AWAITING_ACTION":
            raise AwsError("InvalidParameterException", f"The service deployment {arn} has no lifecycle hook {hook_id} awaiting action.")
        now = time.time()
        if action == "ROLLBACK":
            detail["status"] = "FAILED"
            self.begin_rollback(run, now, f"Rolled back at the {run.step['hook'] if run.step else ''} stage by ContinueServiceDeployment.")
            return aws_json({"serviceDeploymentArn": arn})
        detail["status"] = "SUCCEEDED"
        if all(d["status"] != "AWAITING_ACTION" for d in run.waiting["hooks"].values()):
            run.waiting = None
            self.next_step(run, now)
        return aws_json({"serviceDeploymentArn": arn})

    # -- control -------------------------------------------------------------------------------------------

    def control_fail_hook(self, payload: dict) -> Response:
        stage, arn, service = payload.get("stage"), payload.get("serviceDeploymentArn"), payload.get("service")
        message = payload.get("message") or f"the {stage} lifecycle hook failed (sandbox)"
        if stage not in ECS_HOOK_STAGES:
            return json_response({"error": f"stage must be one of {list(ECS_HOOK_STAGES)}"}, 400)
        with self.front.lock:
            self.tick()
            if arn:
                run = self.runs.get(arn)
                if run is None:
                    return json_response({"error": f"no service deployment {arn}"}, 404)
            else:
                matches = [a for a in self.services if service and (a == service or a.endswith("/" + service))]
                if not matches:
                    return json_response({"error": f"no service {service!r} with a blue/green, canary or linear configuration"}, 404)
                if len(matches) > 1:
                    return json_response({"error": f"{service!r} names more than one service: {matches}; give its ARN"}, 400)
                live = [r for r in self.runs.values() if r.service_arn == matches[0] and not r.done]
                if not live:
                    self.armed.setdefault(matches[0], {})[stage] = message
                    return json_response({"ok": True, "service": matches[0], "stage": stage, "armed": "next deployment"})
                run = max(live, key=lambda r: r.created)
            if run.done or run.status not in ("PENDING", "IN_PROGRESS"):
                return json_response({"error": f"{run.arn} is {run.status}"}, 409)
            hooks = [s["hook"] for s in run.steps]
            if stage not in hooks:
                return json_response({"error": f"{run.arn} has no {stage} stage"}, 400)
            last = max(i for i, h in enumerate(hooks) if h == stage)
            if run.idx > last:
                return json_response({"error": f"the {stage} stage of {run.arn} has already run (now {run.stage})"}, 409)
            run.fail_hooks[stage] = message
            return json_response({"ok": True, "serviceDeploymentArn": run.arn, "stage": stage})

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


def aws_json_error_conflict(message: str, resource_ids: list[str]) -> Response:
    return aws_json({"__type": "ConflictException", "message": message, "resourceIds": resource_ids}, 400)


# ---------------------------------------------------------------------------------------------------------
# 10. CloudWatch metric data a test sets (GetMetricData, ListMetrics)


class MetricMathError(Exception):
    pass


class MetricValues:
    """Values a test gives a metric (POST /_sandbox/cloudwatch/metrics), answered by GetMetricData and listed by
    ListMetrics, over both the query protocol (boto3) and CBOR (CloudWatchCbor sends it to moto as a query).

    A set metric is matched on namespace, metric name and the exact dimension set (and on "stat" when the
    test gave one; otherwise any statistic, percentiles included, which moto cannot compute) and, when the test
    gave a "region", on the region. GetMetricStatistics answers a set metric for its Statistics and
    ExtendedStatistics, one datapoint per period. GetMetricData answers a MetricStat query of a set metric with one value per
    period in [StartTime, EndTime) (periods from StartTime rounded down to the minute, none after now):
    "value" fills every period, "values" are the newest periods' values, newest first (older periods have
    none). Other MetricStat queries are moto's (its PutMetricData data); a metric nobody set or put has no
    datapoints (empty Values, StatusCode Complete), as on AWS. Results are newest first unless ScanBy is
    TimestampAscending. Expressions: metric math over the queries' ids (MetricStat or other expressions),
    numbers, + - * /, unary minus and parentheses; series are combined on their common timestamps, a division
    by zero gives no datapoint. Functions (IF, FILL, SUM, METRICS(), ...) and Metrics Insights are not
    evaluated (ValidationError / moto's answer)."""

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.lock = threading.RLock()
        self.metrics: dict[tuple, dict] = {}  # (namespace, metric, dimensions, stat, region) -> entry

    def reset(self) -> None:
        with self.lock:
            self.metrics.clear()

    # -- moto's backend ------------------------------------------------------------------------------------

    def install(self) -> None:
        from moto.cloudwatch.models import CloudWatchBackend
        from moto.cloudwatch.responses import CloudWatchResponse

        if getattr(CloudWatchBackend.get_metric_data, "_sandbox", False):
            CloudWatchBackend.get_metric_data = CloudWatchBackend.get_metric_data._moto  # type: ignore[attr-defined]
            CloudWatchBackend.get_filtered_metrics = CloudWatchBackend.get_filtered_metrics._moto  # type: ignore[attr-defined]
            CloudWatchResponse.get_metric_statistics = CloudWatchResponse.get_metric_statistics._moto  # type: ignore[attr-defined]
        moto_get = CloudWatchBackend.get_metric_data
        moto_filtered = CloudWatchBackend.get_filtered_metrics
        moto_statistics = CloudWatchResponse.get_metric_statistics
        values = self

        def get_metric_statistics(response: Any) -> Any:
            answer = values.get_metric_statistics(response)
            return answer if answer is not None else moto_statistics(response)

        get_metric_statistics._moto = moto_statistics  # type: ignore[attr-defined]
        CloudWatchResponse.get_metric_statistics = get_metric_statistics  # type: ignore[method-assign]

        def get_metric_data(backend: Any, queries: list[dict], start_time: dt.datetime, end_time: dt.datetime, scan_by: str = "TimestampAscending") -> list[dict]:
            return values.get_metric_data(backend, moto_get, queries, start_time, end_time, scan_by)

        def get_filtered_metrics(backend: Any, metric_name: str, namespace: str, dimensions: list[dict]) -> list:
            return moto_filtered(backend, metric_name, namespace, dimensions) + values.listed(backend, metric_name, namespace, dimensions)

        get_metric_data._sandbox = True  # type: ignore[attr-defined]
        get_metric_data._moto = moto_get  # type: ignore[attr-defined]
        get_filtered_metrics._moto = moto_filtered  # type: ignore[attr-defined]
        CloudWatchBackend.get_metric_data = get_metric_data  # type: ignore[method-assign]
        CloudWatchBackend.get_filtered_metrics = get_filtered_metrics  # type: ignore[method-assign]

    @staticmethod
    def dims_key(dimensions: Any) -> tuple:
        if isinstance(dimensions, dict):
            return tuple(sorted((str(k), str(v)) for k, v in dimensions.items()))
        return tuple(sorted((str(d.get("Name")), str(d.get("Value"))) for d in dimensions or []))

    def find(self, region: str, namespace: str, metric: str, dimensions: Any, stat: str) -> dict | None:
        dims = self.dims_key(dimensions)
        with self.lock:
            candidates = [
                e for (ns, name, d, s, r), e in self.metrics.items()
                if ns == namespace and name == metric and d == dims and r in (None, region) and (s is None or s.lower() == stat.lower())
            ]
        # the most specific first: a stat and a region given beat none given
        candidates.sort(key=lambda e: (e["stat"] is None, e["region"] is None))
        return candidates[0] if candidates else None

    def listed(self, backend: Any, metric_name: str | None, namespace: str | None, dimensions: list[dict] | None) -> list:
        from moto.cloudwatch.models import MetricDatumBase

        out, seen = [], set()
        with self.lock:
            entries = list(self.metrics.values())
        for e in entries:
            if e["region"] not in (None, backend.region_name):
                continue
            if namespace and e["namespace"] != namespace or metric_name and e["metric"] != metric_name:
                continue
            have = dict(e["dimensions"])
            if any(f.get("Name") not in have or (f.get("Value") is not None and have[f["Name"]] != f["Value"]) for f in dimensions or []):
                continue
            key = (e["namespace"], e["metric"], e["dimensions"])
            if key in seen:
                continue
            seen.add(key)
            out.append(MetricDatumBase(e["namespace"], e["metric"], [{"Name": k, "Value": v} for k, v in e["dimensions"]], None))
        return out

    def series(self, entry: dict, start: float, end: float, period: int) -> list[tuple[float, float]]:
        """(timestamp, value) per period, newest first."""
        origin = math.floor(start / 60.0) * 60.0
        last = min(end, time.time())
        count = max(0, math.ceil((last - origin) / period)) if last > origin else 0
        count = min(count, 100800)
        starts = [origin + k * period for k in range(count) if origin + k * period < end]
        starts.reverse()
        if entry["values"] is None:
            return [(t, entry["value"]) for t in starts]
        return [(t, float(v)) for t, v in zip(starts, entry["values"])]

    def get_metric_data(self, backend: Any, moto_get: Callable, queries: list[dict], start_time: dt.datetime, end_time: dt.datetime, scan_by: str) -> list[dict]:
        from moto.cloudwatch.exceptions import ValidationError

        start, end = to_epoch(start_time), to_epoch(end_time)
        if start > end:
            raise ValidationError("The parameter EndTime must be greater than StartTime.")
        if int(start) == int(end):
            raise ValidationError("The parameter StartTime must not equal parameter EndTime.")
        results: dict[str, dict] = {}
        for query in queries:
            stat_query = query.get("MetricStat")
            if not stat_query:
                continue
            metric = stat_query.get("Metric") or {}
            period = int(stat_query.get("Period") or 60)
            if period <= 0:
                raise ValidationError("The parameter MetricDataQueries.member.Period must be greater than 0.")
            entry = self.find(backend.region_name, metric.get("Namespace"), metric.get("MetricName"), metric.get("Dimensions") or [], str(stat_query.get("Stat") or ""))
            if entry is not None:
                points = self.series(entry, start, end, period)
            else:
                one = dict(query, ReturnData=True)
                answer = moto_get(backend, [one], start_time, end_time, "TimestampDescending")[0]
                points = [(to_epoch(t), float(v)) for t, v in zip(answer["timestamps"], answer["values"]) if v is not None]
            results[query["Id"]] = {"query": query, "label": query.get("Label") or metric.get("MetricName"), "points": dict(points)}
        pending = [q for q in queries if "MetricStat" not in q and q.get("Expression")]
        insights = [q for q in pending if q["Expression"].lstrip().upper().startswith("SELECT")]
        pending = [q for q in pending if q not in insights]
        while pending:
            progressed = False
            for query in list(pending):
                try:
                    points = self.evaluate(query["Expression"], results)
                except KeyError:
                    continue  # refers to an expression not evaluated yet
                except MetricMathError as exc:
                    raise ValidationError(f"Error in expression '{query['Id']}': {exc}")
                results[query["Id"]] = {"query": query, "label": query.get("Label") or query["Id"], "points": points}
                pending.remove(query)
                progressed = True
            if not progressed:
                ids = ", ".join(q["Id"] for q in pending)
                raise ValidationError(f"Error in expression(s) {ids}: Unrecognized or circular metric ids.")
        for query in insights:
            answer = moto_get(backend, [dict(query, ReturnData=True)], start_time, end_time, "TimestampDescending")[0]
            results[query["Id"]] = {
                "query": query,
                "label": answer.get("label") or query["Id"],
                "points": {to_epoch(t): float(v) for t, v in zip(answer["timestamps"], answer["values"]) if v is not None},
            }
        out = []
        for query in queries:
            result = results.get(query.get("Id"))
            returned = query.get("ReturnData", True)
            if result is None or str(returned).lower() == "false":
                continue
            points = sorted(result["points"].items(), reverse=scan_by != "TimestampAscending")
            out.append(
                {
                    "id": query["Id"],
                    "label": result["label"],
                    "values": [v for _, v in points],
                    "timestamps": [dt.datetime.fromtimestamp(t, UTC) for t, _ in points],
                    "status_code": "Complete",
                }
            )
        return out

    def get_metric_statistics(self, response: Any) -> Any:
        """GetMetricStatistics of a set metric (Statistics and ExtendedStatistics, which moto does not answer),
        or None for moto to answer."""
        from moto.core.responses import ActionResult

        backend = response.cloudwatch_backend
        params = response._get_params()
        namespace, metric = response._get_param("Namespace"), response._get_param("MetricName")
        dimensions = params.get("Dimensions") or []
        stats = list(params.get("Statistics") or [])
        extended = list(params.get("ExtendedStatistics") or [])
        period = int(response._get_param("Period") or 60)
        start, end = to_epoch(response._get_param("StartTime")), to_epoch(response._get_param("EndTime"))
        found = {s: self.find(backend.region_name, namespace, metric, dimensions, s) for s in stats + extended}
        if not any(found.values()):
            return None
        points: dict[float, dict] = {}
        for stat, entry in found.items():
            for t, value in self.series(entry, start, end, period) if entry else []:
                point = points.setdefault(t, {"Timestamp": dt.datetime.fromtimestamp(t, UTC)})
                if stat in extended:
                    point.setdefault("ExtendedStatistics", {})[stat] = value
                else:
                    point[stat] = value
        unit = response._get_param("Unit")
        for point in points.values():
            point["Unit"] = unit or "None"
        return ActionResult({"Label": metric, "Datapoints": [points[t] for t in sorted(points)]})

    # -- metric math -------------------------------------------------------------------------------------------

    TOKEN = re.compile(r"\s*(?:(\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(.))")

    def evaluate(self, expression: str, results: dict[str, dict]) -> dict[float, float]:
        tokens = []
        for number, name, op in self.TOKEN.findall(expression):
            if number:
                tokens.append(("num", float(number)))
            elif name:
                tokens.append(("id", name))
            elif op.strip():
                if op not in "+-*/()":
                    raise MetricMathError(f"Unsupported character {op!r} (this stand-in evaluates + - * / and parentheses).")
                tokens.append(("op", op))
        pos = 0

        def peek() -> tuple | None:
            return tokens[pos] if pos < len(tokens) else None

        def take() -> tuple:
            nonlocal pos
            if pos >= len(tokens):
                raise MetricMathError("Unexpected end of expression.")
            pos += 1
            return tokens[pos - 1]

        def primary() -> Any:
            kind, value = take()
            if kind == "num":
                return value
            if kind == "id":
                if peek() == ("op", "("):
                    raise MetricMathError(f"The function {value} is not supported by this stand-in.")
                if value not in results:
                    raise KeyError(value)
                return dict(results[value]["points"])
            if value == "(":
                inner = additive()
                if take() != ("op", ")"):
                    raise MetricMathError("Missing ')'.")
                return inner
            if value == "-":
                return combine(-1.0, primary(), "*")
            raise MetricMathError(f"Unexpected {value!r}.")

        def multiplicative() -> Any:
            left = primary()
            while peek() in (("op", "*"), ("op", "/")):
                op = take()[1]
                left = combine(left, primary(), op)
            return left

        def additive() -> Any:
            left = multiplicative()
            while peek() in (("op", "+"), ("op", "-")):
                op = take()[1]
                left = combine(left, multiplicative(), op)
            return left

        def apply(a: float, b: float, op: str) -> float | None:
            if op == "+":
                return a + b
            if op == "-":
                return a - b
            if op == "*":
                return a * b
            return None if b == 0 else a / b

        def combine(a: Any, b: Any, op: str) -> Any:
            if isinstance(a, dict) and isinstance(b, dict):
                out = {t: apply(a[t], b[t], op) for t in a if t in b}
            elif isinstance(a, dict):
                out = {t: apply(v, b, op) for t, v in a.items()}
            elif isinstance(b, dict):
                out = {t: apply(a, v, op) for t, v in b.items()}
            else:
                value = apply(a, b, op)
                if value is None:
                    raise MetricMathError("Division by zero.")
                return value
            return {t: v for t, v in out.items() if v is not None}

        result = additive()
        if pos != len(tokens):
            raise MetricMathError(f"Unexpected {tokens[pos][1]!r}.")
        if not isinstance(result, dict):
            raise MetricMathError("The expression must return a time series (it refers to no metric).")
        return result

    # -- control -------------------------------------------------------------------------------------------

    def control_set(self, payload: dict) -> Response:
        namespace, metric = payload.get("namespace"), payload.get("metric")
        if not namespace or not metric:
            return json_response({"error": "namespace and metric are required"}, 400)
        dims = payload.get("dimensions") or {}
        if not isinstance(dims, dict):
            return json_response({"error": 'dimensions is an object: {"TargetGroup": "targetgroup/...", ...}'}, 400)
        if ("values" in payload) == ("value" in payload):
            return json_response({"error": 'give either "values" (newest first) or "value"'}, 400)
        try:
            values = None if "value" in payload else [float(v) for v in payload["values"]]
            value = float(payload["value"]) if "value" in payload else None
        except (TypeError, ValueError):
            return json_response({"error": "values must be numbers"}, 400)
        stat = payload.get("stat") or None
        region = payload.get("region") or None
        entry = {
            "namespace": namespace,
            "metric": metric,
            "dimensions": self.dims_key(dims),
            "values": values,
            "value": value,
            "stat": stat,
            "region": region,
        }
        with self.lock:
            self.metrics[(namespace, metric, entry["dimensions"], stat, region)] = entry
        return json_response({"ok": True, "metric": self.describe(entry)})

    def control_clear(self, payload: dict) -> Response:
        namespace, metric = payload.get("namespace"), payload.get("metric")
        with self.lock:
            gone = [
                k for k, e in self.metrics.items()
                if (not namespace or e["namespace"] == namespace) and (not metric or e["metric"] == metric)
            ]
            for k in gone:
                del self.metrics[k]
        return json_response({"ok": True, "cleared": len(gone)})

    def control_list(self) -> Response:
        with self.lock:
            entries = [self.describe(e) for e in self.metrics.values()]
        return json_response({"metrics": entries})

    @staticmethod
    def describe(entry: dict) -> dict:
        out = {
            "namespace": entry["namespace"],
            "metric": entry["metric"],
            "dimensions": dict(entry["dimensions"]),
            "stat": entry["stat"],
            "region": entry["region"],
        }
        if entry["values"] is None:
            out["value"] = entry["value"]
        else:
            out["values"] = entry["values"]
        return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="moto plus the sandbox's extensions (test infrastructure)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("MOTO_PORT", 5102)))
    args = parser.parse_args(argv)
    os.environ.setdefault("MOTO_PORT", str(args.port))

    app = SandboxFront()
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log(
        f"listening on http://{args.host}:{args.port} (codedeploy speed x{app.codedeploy.speed:g}, "
        f"replication delay {app.ecr.delay:g}s, primary region {app.ecr.primary_region})"
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
