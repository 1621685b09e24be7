"""The WSGI front before moto's own app (SandboxFront) and its control endpoints (/_sandbox/..., listed in the
package docstring); main() serves it.

Each AWS call is recorded (CallCounter), refused when its region is down (RegionOutage) or IAM does not
allow it (IamGate), answered by the part of this package that serves what moto lacks, or passed to moto.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import sys
import threading
import traceback
from typing import Any, Callable, Iterable

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from . import moto_patches
from .aurora_failover import AuroraGlobalFailover
from .call_counter import CallCounter
from .cloudwatch_cbor import CloudWatchCbor
from .codedeploy import CodeDeploySim
from .common import Response, json_response, log, read_body, signing_service
from .dropped_fields import DroppedFields
from .ecr_replication import EcrReplication
from .ecs_deployments import EcsServiceDeployments
from .fis import FisExperiments
from .iam_gate import IamGate
from .metric_values import MetricValues
from .region_outage import HealthCheckStatus, RegionOutage
from .s3_replication import S3Replication
from .terraform_gaps import TerraformGaps


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
        moto_patches.install()

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
