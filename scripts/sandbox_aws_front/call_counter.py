"""7. The DR failover world: every AWS call received, recorded for drill tests (CallCounter)."""

from __future__ import annotations

import collections
import re
import threading
import time
import traceback
import urllib.parse
from typing import TYPE_CHECKING, Any, Callable

from .common import Response, json_response
from .iam_gate import IamGate
from .region_outage import credential_scope, sigv2_s3

if TYPE_CHECKING:
    from .front import SandboxFront


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
