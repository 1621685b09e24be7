"""1. CloudWatch over Smithy RPC v2 CBOR: the CBOR input re-sent to moto as awsQuery, moto's answer encoded
back as CBOR; DescribeAlarms filters combined as CloudWatch does, DescribeAlarmHistory built here.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
import re
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import botocore.parsers
import botocore.serialize
import botocore.session
import cbor2

from .common import UTC, AwsError, Response, account_from_environ, read_body, region_from_environ, to_epoch

if TYPE_CHECKING:
    from .front import SandboxFront


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
