"""10. CloudWatch metric values a test sets."""

from __future__ import annotations

import datetime as dt
import math
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from .common import UTC, Response, json_response, to_epoch

if TYPE_CHECKING:
    from .front import SandboxFront


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
