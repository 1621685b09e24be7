"""What every part of the front shares: its log, knobs read from the environment, time conversions, who and
where a request is for (account, region, signing service), reading a request's body, and the answers
(Response; JSON, AWS JSON and restJson1 errors).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import sys
import uuid
from typing import Any, Callable, Iterable

from moto.core import DEFAULT_ACCOUNT_ID


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


def answer_json_operation(front: Any, tick: Callable[[], None], handler: Callable[[dict, dict], Response],
                          environ: dict, raw: bytes) -> Response:
    """A JSON-protocol operation the front answers itself: the body parsed, the simulation brought up to
    now (`tick`) and `handler(ctx, body)` run under the front's lock; AwsError and moto's exceptions become
    AWS JSON errors."""
    from moto.core.exceptions import JsonRESTError, ServiceException

    try:
        body = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return aws_json_error(AwsError("SerializationException", "request body is not JSON"))
    if not isinstance(body, dict):
        return aws_json_error(AwsError("SerializationException", "request body is not a JSON object"))
    ctx = {"environ": environ, "raw": raw, "account": account_from_environ(environ), "region": region_from_environ(environ)}
    try:
        with front.lock:
            tick()
            return handler(ctx, body)
    except AwsError as err:
        return aws_json_error(err)
    except ServiceException as err:  # moto's newer errors (ECS: ClusterNotFoundException, ...)
        return aws_json_error(AwsError(err.code, err.message))
    except JsonRESTError as err:
        return aws_json_error(AwsError(err.error_type, err.message, getattr(err, "code", 400) or 400))


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


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
