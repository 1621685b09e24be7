"""CloudWatch over Smithy RPC v2 CBOR, as aws-sdk-cloudwatch (Rust) 1.140 speaks it, against sandbox_aws."""

from __future__ import annotations

import time
import unittest

from support import Double, Front, RawTag, Timestamp, read_cbor, rpcv2_call, sdk_cbor

front: Front


def setUpModule() -> None:
    global front
    front = Front()


def tearDownModule() -> None:
    front.stop()


def strict_decode(body: bytes) -> object:
    """Decode like the SDK: one CBOR item filling the whole body; tags kept raw to check their shape."""
    return read_cbor(body)


class CloudWatchCborTest(unittest.TestCase):
    region = "eu-west-1"

    def setUp(self) -> None:
        front.reset()

    def call(self, op: str, params: dict) -> tuple[int, dict, bytes]:
        return rpcv2_call(front.url, op, sdk_cbor(params), self.region)

    def ok(self, op: str, params: dict) -> dict:
        status, headers, body = self.call(op, params)
        self.assertEqual(status, 200, f"{op}: {body!r}\n{front.log_tail()}")
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        self.assertEqual(headers.get("content-type"), "application/cbor")
        value = strict_decode(body)
        self.assertIsInstance(value, dict, "rpcv2Cbor output must be a CBOR map")
        return value

    def put_alarm(self, name: str, threshold: float = 5.0) -> None:
        # PutMetricAlarm as the SDK encodes it: Threshold is a double, Period/EvaluationPeriods integers.
        self.ok(
            "PutMetricAlarm",
            {
                "AlarmName": name,
                "ActionsEnabled": True,
                "MetricName": "HTTPCode_Target_5XX_Count",
                "Namespace": "AWS/ApplicationELB",
                "Statistic": "Sum",
                "Dimensions": [{"Name": "TargetGroup", "Value": "targetgroup/green/123"}],
                "Period": 60,
                "EvaluationPeriods": 2,
                "DatapointsToAlarm": 1,
                "Threshold": Double(threshold),
                "ComparisonOperator": "GreaterThanThreshold",
                "TreatMissingData": "notBreaching",
                "Tags": [{"Key": "team", "Value": "platform"}],
            },
        )

    def test_describe_alarms_round_trip_after_put_and_set_state(self) -> None:
        before = time.time()
        self.put_alarm("svc-5xx", 5.0)
        self.put_alarm("svc-latency", 1.5)
        self.ok("SetAlarmState", {"AlarmName": "svc-5xx", "StateValue": "ALARM", "StateReason": "test says so"})

        out = self.ok("DescribeAlarms", {"AlarmNames": ["svc-5xx", "svc-latency"]})
        self.assertEqual(out["CompositeAlarms"], [])
        alarms = {a["AlarmName"]: a for a in out["MetricAlarms"]}
        self.assertEqual(set(alarms), {"svc-5xx", "svc-latency"})
        alarm = alarms["svc-5xx"]
        self.assertEqual(alarm["AlarmArn"], f"arn:aws:cloudwatch:{self.region}:123456789012:alarm:svc-5xx")
        self.assertEqual(alarm["StateValue"], "ALARM")
        self.assertEqual(alarm["StateReason"], "test says so")
        self.assertEqual(alarm["Namespace"], "AWS/ApplicationELB")
        self.assertEqual(alarm["MetricName"], "HTTPCode_Target_5XX_Count")
        self.assertEqual(alarm["Dimensions"], [{"Name": "TargetGroup", "Value": "targetgroup/green/123"}])
        # Types the SDK's decoder insists on: timestamp = tag 1 over a number, double = float, int = int.
        stamp = alarm["StateUpdatedTimestamp"]
        self.assertIsInstance(stamp, RawTag)
        self.assertEqual(stamp.tag, 1)
        self.assertIsInstance(stamp.value, float)
        self.assertGreaterEqual(stamp.value, before - 1)
        self.assertLessEqual(stamp.value, time.time() + 1)
        self.assertIsInstance(alarm["Threshold"], float)
        self.assertEqual(alarm["Threshold"], 5.0)
        self.assertEqual(alarms["svc-latency"]["Threshold"], 1.5)
        self.assertIs(type(alarm["Period"]), int)
        self.assertIs(type(alarm["EvaluationPeriods"]), int)
        self.assertIs(alarm["ActionsEnabled"], True)

        # The filters combine (moto alone applies only the first one given).
        only_alarm = self.ok("DescribeAlarms", {"AlarmNames": ["svc-5xx", "svc-latency"], "StateValue": "ALARM"})
        self.assertEqual([a["AlarmName"] for a in only_alarm["MetricAlarms"]], ["svc-5xx"])
        ok_state = self.ok("DescribeAlarms", {"StateValue": "OK"})
        self.assertEqual([a["AlarmName"] for a in ok_state["MetricAlarms"]], ["svc-latency"])
        prefix = self.ok("DescribeAlarms", {"AlarmNamePrefix": "svc-l"})
        self.assertEqual([a["AlarmName"] for a in prefix["MetricAlarms"]], ["svc-latency"])

    def test_alarm_state_set_through_boto3_query_is_seen_over_cbor(self) -> None:
        # Terraform and boto3 speak awsQuery; both protocols share one moto backend.
        cw = front.client("cloudwatch", self.region)
        cw.put_metric_alarm(
            AlarmName="from-query",
            Namespace="N",
            MetricName="M",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
        )
        cw.set_alarm_state(AlarmName="from-query", StateValue="ALARM", StateReason="boto3")
        out = self.ok("DescribeAlarms", {"AlarmNames": ["from-query"]})
        self.assertEqual(out["MetricAlarms"][0]["StateValue"], "ALARM")
        # and the other way round
        self.ok("SetAlarmState", {"AlarmName": "from-query", "StateValue": "OK", "StateReason": "cbor"})
        self.assertEqual(cw.describe_alarms(AlarmNames=["from-query"])["MetricAlarms"][0]["StateValue"], "OK")

    def test_alarms_are_per_region(self) -> None:
        self.put_alarm("regional")
        status, _, body = rpcv2_call(front.url, "DescribeAlarms", sdk_cbor({"AlarmNames": ["regional"]}), "us-west-2")
        self.assertEqual(status, 200)
        self.assertEqual(strict_decode(body)["MetricAlarms"], [])

    def test_error_is_cbor_with_type_and_query_error_header(self) -> None:
        status, headers, body = self.call("SetAlarmState", {"AlarmName": "missing", "StateValue": "ALARM", "StateReason": "x"})
        self.assertGreaterEqual(status, 400)
        self.assertLess(status, 500)
        self.assertEqual(headers.get("smithy-protocol"), "rpc-v2-cbor")
        self.assertEqual(headers.get("content-type"), "application/cbor")
        err = strict_decode(body)
        self.assertEqual(err["__type"].split("#")[-1], "ResourceNotFound")
        self.assertIn("message", err)
        # CloudWatch is awsQueryCompatible: the SDK takes the error code from this header when present.
        self.assertEqual(headers.get("x-amzn-query-error"), "ResourceNotFound;Sender")

    def test_unknown_operation_is_a_client_error(self) -> None:
        status, headers, body = self.call("NoSuchOperation", {})
        self.assertEqual(status, 400)
        self.assertIn("__type", strict_decode(body))

    def test_describe_alarm_history_lists_state_changes(self) -> None:
        self.put_alarm("hist")
        self.ok("SetAlarmState", {"AlarmName": "hist", "StateValue": "ALARM", "StateReason": "up"})
        self.ok("SetAlarmState", {"AlarmName": "hist", "StateValue": "OK", "StateReason": "down"})
        out = self.ok("DescribeAlarmHistory", {"AlarmName": "hist", "HistoryItemType": "StateUpdate"})
        items = out["AlarmHistoryItems"]
        self.assertEqual([i["HistorySummary"] for i in items], ["Alarm updated from ALARM to OK", "Alarm updated from OK to ALARM"])
        self.assertTrue(all(isinstance(i["Timestamp"], RawTag) and i["Timestamp"].tag == 1 for i in items))
        empty = self.ok("DescribeAlarmHistory", {"AlarmName": "never-existed"})
        self.assertEqual(empty["AlarmHistoryItems"], [])

    def test_get_metric_data_with_timestamps_in_the_request(self) -> None:
        cw = front.client("cloudwatch", self.region)
        now = time.time()
        cw.put_metric_data(Namespace="Svc", MetricData=[{"MetricName": "Errors", "Value": 3.0, "Unit": "Count"}])
        out = self.ok(
            "GetMetricData",
            {
                "MetricDataQueries": [
                    {
                        "Id": "errors",
                        "MetricStat": {"Metric": {"Namespace": "Svc", "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"},
                        "ReturnData": True,
                    }
                ],
                "StartTime": Timestamp(now - 600),
                "EndTime": Timestamp(now + 600),
            },
        )
        result = out["MetricDataResults"][0]
        self.assertEqual(result["Id"], "errors")
        self.assertEqual(result["Values"], [3.0])
        self.assertIsInstance(result["Values"][0], float)
        self.assertEqual(result["Timestamps"][0].tag, 1)


if __name__ == "__main__":
    unittest.main()
