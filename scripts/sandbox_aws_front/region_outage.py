"""7. The DR failover world: regions that go down (RegionOutage) and Route53 health checks of endpoints in
them (HealthCheckStatus).
"""

from __future__ import annotations

import json
import re
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

from .cloudwatch_cbor import CloudWatchCbor
from .common import AMZ_JSON, Response, account_from_environ, json_response, log, rest_error, xml_escape

if TYPE_CHECKING:
    from .front import SandboxFront


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
