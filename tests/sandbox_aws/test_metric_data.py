"""CloudWatch metric data a test sets (/_sandbox/cloudwatch/metrics): GetMetricData (MetricStat queries of any
statistic, metric math), GetMetricStatistics and ListMetrics, over the query protocol (boto3) and Smithy RPC v2
CBOR (aws-sdk-cloudwatch, Rust), against sandbox_aws."""

from __future__ import annotations

import datetime as dt
import json
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

from support import Front, RawTag, Timestamp, read_cbor, rpcv2_call, sdk_cbor

front: Front
REGION = "us-east-1"
ELB = "AWS/ApplicationELB"
GREEN = {"TargetGroup": "targetgroup/web-green/0123456789abcdef", "LoadBalancer": "app/web/fedcba9876543210"}
BLUE = {"TargetGroup": "targetgroup/web-blue/0123456789abcdef", "LoadBalancer": "app/web/fedcba9876543210"}


def setUpModule() -> None:
    global front
    front = Front()


def tearDownModule() -> None:
    front.stop()


def dims(d: dict) -> list[dict]:
    return [{"Name": k, "Value": v} for k, v in d.items()]


def stat_query(qid: str, metric: str, stat: str, dimensions: dict = GREEN, period: int = 60, **extra) -> dict:
    return {
        "Id": qid,
        "MetricStat": {"Metric": {"Namespace": ELB, "MetricName": metric, "Dimensions": dims(dimensions)}, "Period": period, "Stat": stat},
        **extra,
    }


class MetricDataTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.cw = front.client("cloudwatch", REGION)

    def put(self, metric: str, dimensions: dict = GREEN, **body) -> dict:
        status, out = front.control("/_sandbox/cloudwatch/metrics", {"namespace": ELB, "metric": metric, "dimensions": dimensions, **body})
        self.assertEqual(status, 200, out)
        return out

    def data(self, queries: list[dict], minutes: int = 5, **extra) -> dict[str, dict]:
        now = dt.datetime.now(dt.timezone.utc)
        out = self.cw.get_metric_data(MetricDataQueries=queries, StartTime=now - dt.timedelta(minutes=minutes), EndTime=now, **extra)
        return {r["Id"]: r for r in out["MetricDataResults"]}

    # -- GetMetricData -------------------------------------------------------------------------------------

    def test_values_come_back_newest_first_one_per_period_for_any_statistic(self) -> None:
        self.put("TargetResponseTime", values=[0.42, 0.31, 0.28], stat="p99")
        self.put("TargetResponseTime", value=0.12)  # every other statistic
        results = self.data(
            [stat_query("p99", "TargetResponseTime", "p99"), stat_query("p95", "TargetResponseTime", "p95"), stat_query("avg", "TargetResponseTime", "Average")]
        )
        p99 = results["p99"]
        self.assertEqual(p99["Values"], [0.42, 0.31, 0.28])
        self.assertEqual(p99["StatusCode"], "Complete")
        self.assertEqual(p99["Label"], "TargetResponseTime")
        stamps = [t.timestamp() for t in p99["Timestamps"]]
        self.assertEqual(stamps, sorted(stamps, reverse=True))
        self.assertEqual({b - a for a, b in zip(stamps[1:], stamps)}, {60.0})
        self.assertLessEqual(stamps[0], time.time())
        self.assertGreater(stamps[0], time.time() - 120)
        self.assertEqual(results["p95"]["Values"], [0.12] * len(results["p95"]["Values"]))
        self.assertEqual(len(results["avg"]["Values"]), 6)  # 5 minutes from a start rounded down to the minute

    def test_a_value_fills_every_period_of_any_length_and_scan_by_orders(self) -> None:
        self.put("RequestCount", value=1200)
        results = self.data([stat_query("r", "RequestCount", "Sum", period=300)], minutes=60, ScanBy="TimestampAscending")
        stamps = [t.timestamp() for t in results["r"]["Timestamps"]]
        self.assertEqual(stamps, sorted(stamps))
        self.assertEqual(len(stamps), 13)
        self.assertEqual(results["r"]["Values"], [1200.0] * 13)

    def test_metric_math_over_the_ids(self) -> None:
        self.put("HTTPCode_Target_5XX_Count", values=[6, 2, 0])
        self.put("RequestCount", values=[200, 100, 100])
        results = self.data(
            [
                stat_query("m1", "HTTPCode_Target_5XX_Count", "Sum", ReturnData=False),
                stat_query("m2", "RequestCount", "Sum", ReturnData=False),
                {"Id": "rate", "Expression": "m1/m2", "Label": "5xx rate"},
                {"Id": "pct", "Expression": "100 * (m1 / m2)"},
                {"Id": "ok", "Expression": "pct2 - 100 * -1 - 100"},
                {"Id": "pct2", "Expression": "m1 * 100 / m2"},
                {"Id": "per_error", "Expression": "m2 / m1"},
            ]
        )
        self.assertEqual(set(results), {"rate", "pct", "ok", "pct2", "per_error"})  # ReturnData false hides m1, m2
        self.assertEqual(results["rate"]["Values"], [0.03, 0.02, 0.0])
        self.assertEqual(results["rate"]["Label"], "5xx rate")
        self.assertEqual(results["pct"]["Label"], "pct")
        self.assertEqual(results["pct"]["Values"], [3.0, 2.0, 0.0])
        self.assertEqual(results["ok"]["Values"], results["pct2"]["Values"])
        self.assertEqual(results["per_error"]["Values"], [200 / 6, 50.0])  # no datapoint where m1 is 0
        self.assertEqual(results["rate"]["Timestamps"], results["pct"]["Timestamps"])

        for expression in ("IF(m1 > 0, m1, 0)", "m1 / nope", "m1 +", "100 / 4"):
            with self.assertRaises(ClientError, msg=expression) as ctx:
                self.data([stat_query("m1", "HTTPCode_Target_5XX_Count", "Sum"), {"Id": "e", "Expression": expression}])
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationError")

    def test_a_metric_nobody_set_has_no_datapoints(self) -> None:
        self.put("RequestCount", value=10)
        results = self.data(
            [
                stat_query("unset", "TargetResponseTime", "p99"),
                stat_query("fewer", "RequestCount", "Sum", dimensions={"TargetGroup": GREEN["TargetGroup"]}),
                stat_query("more", "RequestCount", "Sum", dimensions={**GREEN, "AvailabilityZone": "us-east-1a"}),
                stat_query("other", "RequestCount", "Sum", dimensions=BLUE),
            ]
        )
        for qid in ("unset", "fewer", "more", "other"):
            self.assertEqual((results[qid]["Values"], results[qid]["Timestamps"], results[qid]["StatusCode"]), ([], [], "Complete"), qid)

    def test_a_stat_given_matches_that_statistic_only_and_a_region_that_region_only(self) -> None:
        self.put("TargetResponseTime", value=0.9, stat="p99", region="eu-west-1")
        self.put("TargetResponseTime", value=0.5, stat="p99")
        results = self.data([stat_query("p99", "TargetResponseTime", "p99"), stat_query("p90", "TargetResponseTime", "p90")])
        self.assertEqual(set(results["p99"]["Values"]), {0.5})
        self.assertEqual(results["p90"]["Values"], [])
        eu = front.client("cloudwatch", "eu-west-1")
        now = dt.datetime.now(dt.timezone.utc)
        out = eu.get_metric_data(MetricDataQueries=[stat_query("p99", "TargetResponseTime", "p99")], StartTime=now - dt.timedelta(minutes=2), EndTime=now)
        self.assertEqual(set(out["MetricDataResults"][0]["Values"]), {0.9})

    def test_put_metric_data_still_answers_metrics_nobody_set(self) -> None:
        self.cw.put_metric_data(Namespace="Shop", MetricData=[{"MetricName": "Orders", "Value": 4.0, "Unit": "Count"}])
        now = dt.datetime.now(dt.timezone.utc)
        out = self.cw.get_metric_data(
            MetricDataQueries=[{"Id": "o", "MetricStat": {"Metric": {"Namespace": "Shop", "MetricName": "Orders"}, "Period": 60, "Stat": "Sum"}}],
            StartTime=now - dt.timedelta(minutes=5), EndTime=now + dt.timedelta(minutes=5),
        )
        self.assertEqual(out["MetricDataResults"][0]["Values"], [4.0])

    # -- GetMetricStatistics, ListMetrics ------------------------------------------------------------------

    def test_get_metric_statistics_answers_statistics_and_extended_statistics(self) -> None:
        self.put("TargetResponseTime", values=[0.3, 0.2], stat="p99")
        self.put("TargetResponseTime", value=0.1, stat="Average")
        now = dt.datetime.now(dt.timezone.utc)
        out = self.cw.get_metric_statistics(
            Namespace=ELB, MetricName="TargetResponseTime", Dimensions=dims(GREEN), StartTime=now - dt.timedelta(minutes=3), EndTime=now,
            Period=60, Statistics=["Average"], ExtendedStatistics=["p99"],
        )
        points = sorted(out["Datapoints"], key=lambda p: p["Timestamp"], reverse=True)
        self.assertEqual([p.get("ExtendedStatistics", {}).get("p99") for p in points[:2]], [0.3, 0.2])
        self.assertEqual({p["Average"] for p in points}, {0.1})

    def test_list_metrics_lists_what_was_set_and_clear_removes_it(self) -> None:
        self.put("TargetResponseTime", value=0.1, stat="p99")
        self.put("TargetResponseTime", value=0.2)  # the same metric: listed once
        self.put("RequestCount", value=100)
        self.put("RequestCount", value=100, dimensions=BLUE)

        def listed(**kwargs) -> list[tuple]:
            metrics = self.cw.list_metrics(**kwargs)["Metrics"]
            return sorted((m["MetricName"], tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))) for m in metrics)

        everything = listed(Namespace=ELB)
        self.assertEqual(len(everything), 3)
        self.assertEqual(listed(Namespace=ELB, MetricName="TargetResponseTime"), [("TargetResponseTime", tuple(sorted(GREEN.items())))])
        self.assertEqual(len(listed(Namespace=ELB, Dimensions=[{"Name": "TargetGroup"}])), 3)
        self.assertEqual(len(listed(Namespace=ELB, Dimensions=[{"Name": "TargetGroup", "Value": BLUE["TargetGroup"]}])), 1)
        self.assertEqual(listed(Namespace="AWS/ECS"), [])

        with urllib.request.urlopen(f"{front.url}/_sandbox/cloudwatch/metrics", timeout=10) as r:
            self.assertEqual(len(json.load(r)["metrics"]), 4)
        self.assertEqual(front.control("/_sandbox/cloudwatch/metrics/clear", {"metric": "RequestCount"}), (200, {"ok": True, "cleared": 2}))
        self.assertEqual([m for m, _ in listed(Namespace=ELB)], ["TargetResponseTime"])
        self.assertEqual(self.data([stat_query("r", "RequestCount", "Sum")])["r"]["Values"], [])
        self.assertEqual(front.control("/_sandbox/cloudwatch/metrics/clear", {}), (200, {"ok": True, "cleared": 2}))
        self.assertEqual(listed(Namespace=ELB), [])

    def test_the_control_endpoint_refuses_what_it_cannot_use(self) -> None:
        for body in (
            {"metric": "RequestCount", "value": 1},
            {"namespace": ELB, "metric": "RequestCount"},
            {"namespace": ELB, "metric": "RequestCount", "value": 1, "values": [1]},
            {"namespace": ELB, "metric": "RequestCount", "values": ["many"]},
            {"namespace": ELB, "metric": "RequestCount", "value": 1, "dimensions": [{"Name": "TargetGroup"}]},
        ):
            self.assertEqual(front.control("/_sandbox/cloudwatch/metrics", body)[0], 400, body)
        self.put("RequestCount", value=1)
        front.reset()
        self.assertEqual(self.cw.list_metrics(Namespace=ELB)["Metrics"], [])

    # -- CBOR, as aws-sdk-cloudwatch (Rust) asks ------------------------------------------------------------

    def cbor(self, op: str, params: dict) -> dict:
        status, headers, body = rpcv2_call(front.url, op, sdk_cbor(params), REGION)
        self.assertEqual(status, 200, body)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        return read_cbor(body)

    def test_get_metric_data_and_list_metrics_over_cbor(self) -> None:
        self.put("TargetResponseTime", values=[0.5, 0.25], stat="p95")
        self.put("HTTPCode_Target_5XX_Count", values=[1, 0])
        self.put("RequestCount", values=[50, 40])
        now = time.time()
        out = self.cbor(
            "GetMetricData",
            {
                "MetricDataQueries": [
                    stat_query("latency", "TargetResponseTime", "p95"),
                    stat_query("m1", "HTTPCode_Target_5XX_Count", "Sum", ReturnData=False),
                    stat_query("m2", "RequestCount", "Sum", ReturnData=False),
                    {"Id": "errors", "Expression": "m1/m2", "ReturnData": True},
                    stat_query("missing", "TargetResponseTime", "p95", dimensions=BLUE),
                ],
                "StartTime": Timestamp(now - 600),
                "EndTime": Timestamp(now),
                "ScanBy": "TimestampDescending",
            },
        )
        results = {r["Id"]: r for r in out["MetricDataResults"]}
        self.assertEqual(set(results), {"latency", "errors", "missing"})
        self.assertEqual(results["latency"]["Values"], [0.5, 0.25])
        self.assertTrue(all(isinstance(v, float) for v in results["latency"]["Values"]))
        self.assertTrue(all(isinstance(t, RawTag) and t.tag == 1 for t in results["latency"]["Timestamps"]))
        self.assertEqual(results["errors"]["Values"], [0.02, 0.0])
        self.assertEqual(results["missing"]["Values"], [])
        self.assertEqual(results["missing"]["StatusCode"], "Complete")

        metrics = self.cbor("ListMetrics", {"Namespace": ELB, "MetricName": "RequestCount"})["Metrics"]
        self.assertEqual(metrics, [{"Namespace": ELB, "MetricName": "RequestCount", "Dimensions": sorted(dims(GREEN), key=lambda d: d["Name"])}])

        status, headers, body = rpcv2_call(
            front.url, "GetMetricData",
            sdk_cbor({"MetricDataQueries": [{"Id": "e", "Expression": "SUM(METRICS())"}], "StartTime": Timestamp(now - 60), "EndTime": Timestamp(now)}),
            REGION,
        )
        self.assertEqual(status, 400)
        self.assertEqual(headers.get("x-amzn-query-error", "").split(";")[0], "ValidationError")


if __name__ == "__main__":
    unittest.main()
