"""The DR failover world in sandbox_aws: Aurora global database switchover, failover and detach-and-promote;
regions taken down and brought back (/_sandbox/regions/<region>/down|up) with their calls failing as an outage
does; Route53 health checks of a down region's load balancer; and the call record a drill test asserts on
(/_sandbox/calls).

The global database is built the way terraform/modules/rds builds it: a global cluster from an engine, a writer
cluster joining it in us-east-1 and a secondary joining it in eu-west-1, one instance each. The front runs with
PD_SANDBOX_GLOBAL_FAILOVER_DELAY=1.5, so a switchover takes a second and a half
(long enough to see it under way on a busy machine).
"""

from __future__ import annotations

import json
import time
import unittest
import urllib.error
import urllib.request
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from support import ACCOUNT, Front, read_cbor, rpcv2_call, sdk_cbor, wait_until

front: Front
DELAY = 1.5
PRIMARY, DR = "us-east-1", "eu-west-1"
GLOBAL = "shop-global"
PRIMARY_ARN = f"arn:aws:rds:{PRIMARY}:{ACCOUNT}:cluster:shop-{PRIMARY}"
DR_ARN = f"arn:aws:rds:{DR}:{ACCOUNT}:cluster:shop-{DR}"


def setUpModule() -> None:
    global front
    front = Front(PD_SANDBOX_GLOBAL_FAILOVER_DELAY=str(DELAY))


def tearDownModule() -> None:
    front.stop()


def client(service: str, region: str, attempts: int = 2) -> Any:
    """A client that retries as the SDKs' standard mode does, `attempts` times in all (kept short: an outage
    answer is retried)."""
    return boto3.client(
        service,
        endpoint_url=front.url,
        region_name=region,
        aws_access_key_id="AKIDSANDBOXTEST",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )


def get(path: str) -> dict:
    with urllib.request.urlopen(f"{front.url}{path}", timeout=10) as r:
        return json.load(r)


def error_code(ctx: unittest.case._AssertRaisesContext) -> str:  # type: ignore[type-arg]
    return ctx.exception.response["Error"]["Code"]  # type: ignore[attr-defined]


def down(region: str) -> None:
    status, body = front.control(f"/_sandbox/regions/{region}/down")
    assert status == 200, body


def up(region: str) -> None:
    status, body = front.control(f"/_sandbox/regions/{region}/up")
    assert status == 200, body


def global_database() -> None:
    us, eu = client("rds", PRIMARY), client("rds", DR)
    us.create_global_cluster(GlobalClusterIdentifier=GLOBAL, Engine="aurora-postgresql", EngineVersion="16.6")
    for rds, region in ((us, PRIMARY), (eu, DR)):
        extra = {"MasterUsername": "app", "MasterUserPassword": "password-1"} if region == PRIMARY else {}
        rds.create_db_cluster(
            DBClusterIdentifier=f"shop-{region}",
            Engine="aurora-postgresql",
            EngineVersion="16.6",
            GlobalClusterIdentifier=GLOBAL,
            **extra,
        )
        rds.create_db_instance(
            DBInstanceIdentifier=f"shop-{region}-1",
            DBClusterIdentifier=f"shop-{region}",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
        )


def described(region: str = DR) -> dict:
    """The global cluster as the product reads it: DescribeGlobalClusters without an identifier, in `region`."""
    found = client("rds", region).describe_global_clusters()["GlobalClusters"]
    return next(g for g in found if g["GlobalClusterIdentifier"] == GLOBAL)


def roles(g: dict) -> dict[str, bool]:
    return {m["DBClusterArn"]: m["IsWriter"] for m in g["GlobalClusterMembers"]}


def instance_writes(arn: str) -> bool:
    cluster = client("rds", arn.split(":")[3]).describe_db_clusters(DBClusterIdentifier=arn)["DBClusters"][0]
    return any(m["IsClusterWriter"] for m in cluster["DBClusterMembers"])


class SwitchoverTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        global_database()
        self.rds = client("rds", DR)

    def test_the_secondary_writes_after_the_global_cluster_passed_through_switching_over(self) -> None:
        self.assertEqual(roles(described()), {PRIMARY_ARN: True, DR_ARN: False})
        self.assertFalse(instance_writes(DR_ARN), "a secondary cluster's instances all read")

        answer = self.rds.switchover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN)
        self.assertEqual(answer["GlobalCluster"]["Status"], "switching-over")
        during = described()
        self.assertEqual(during["Status"], "switching-over")
        self.assertEqual(
            during["FailoverState"],
            {"Status": "switching-over", "FromDbClusterArn": PRIMARY_ARN, "ToDbClusterArn": DR_ARN, "IsDataLossAllowed": False},
        )
        self.assertEqual(roles(during), {PRIMARY_ARN: True, DR_ARN: False}, "the writer flips only at the end")

        after = wait_until(lambda: (g := described())["Status"] == "available" and g, DELAY + 5, what="available")
        self.assertEqual(roles(after), {PRIMARY_ARN: False, DR_ARN: True})
        self.assertNotIn("FailoverState", after)
        writer = next(m for m in after["GlobalClusterMembers"] if m["IsWriter"])
        self.assertEqual(writer["Readers"], [PRIMARY_ARN])
        self.assertTrue(instance_writes(DR_ARN))
        self.assertFalse(instance_writes(PRIMARY_ARN))

    def test_a_target_that_is_not_a_member_is_refused(self) -> None:
        client("rds", DR).create_db_cluster(
            DBClusterIdentifier="loner", Engine="aurora-postgresql", MasterUsername="app", MasterUserPassword="password-1"
        )
        with self.assertRaises(ClientError) as ctx:
            self.rds.switchover_global_cluster(
                GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=f"arn:aws:rds:{DR}:{ACCOUNT}:cluster:loner"
            )
        self.assertEqual(error_code(ctx), "InvalidDBClusterStateFault")
        self.assertEqual(described()["Status"], "available")

    def test_the_writer_as_target_is_refused(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.rds.switchover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=PRIMARY_ARN)
        self.assertEqual(error_code(ctx), "InvalidDBClusterStateFault")

    def test_a_second_switchover_while_one_is_under_way_is_refused(self) -> None:
        self.rds.switchover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN)
        for call in (
            lambda: self.rds.switchover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN),
            lambda: self.rds.failover_global_cluster(
                GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN, AllowDataLoss=True
            ),
            lambda: self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=DR_ARN),
        ):
            with self.assertRaises(ClientError) as ctx:
                call()
            self.assertEqual(error_code(ctx), "InvalidGlobalClusterStateFault")

    def test_an_unknown_global_cluster_is_not_found(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.rds.switchover_global_cluster(GlobalClusterIdentifier="nope", TargetDbClusterIdentifier=DR_ARN)
        self.assertEqual(error_code(ctx), "GlobalClusterNotFoundFault")

    def test_a_switchover_needs_the_writer_region(self) -> None:
        down(PRIMARY)
        with self.assertRaises(ClientError) as ctx:
            self.rds.switchover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN)
        self.assertEqual(error_code(ctx), "InvalidDBClusterStateFault")
        self.assertEqual(roles(described()), {PRIMARY_ARN: True, DR_ARN: False})


class FailoverTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        global_database()
        self.rds = client("rds", DR)

    def test_a_failover_allowing_data_loss_passes_through_failing_over_even_with_the_writer_region_down(self) -> None:
        down(PRIMARY)
        answer = self.rds.failover_global_cluster(
            GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN, AllowDataLoss=True
        )
        self.assertEqual(answer["GlobalCluster"]["Status"], "failing-over")
        during = described()
        self.assertEqual((during["Status"], during["FailoverState"]["IsDataLossAllowed"]), ("failing-over", True))
        after = wait_until(lambda: (g := described())["Status"] == "available" and g, DELAY + 5, what="available")
        self.assertEqual(roles(after), {PRIMARY_ARN: False, DR_ARN: True}, "the old writer stays, as a reader")

    def test_a_failover_without_allow_data_loss_is_a_switchover(self) -> None:
        answer = self.rds.failover_global_cluster(GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN)
        self.assertEqual(answer["GlobalCluster"]["Status"], "switching-over")
        self.assertFalse(described()["FailoverState"]["IsDataLossAllowed"])
        after = wait_until(lambda: (g := described())["Status"] == "available" and g, DELAY + 5, what="available")
        self.assertEqual(roles(after), {PRIMARY_ARN: False, DR_ARN: True})

    def test_allow_data_loss_with_switchover_is_refused(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.rds.failover_global_cluster(
                GlobalClusterIdentifier=GLOBAL, TargetDbClusterIdentifier=DR_ARN, AllowDataLoss=True, Switchover=True
            )
        self.assertEqual(error_code(ctx), "InvalidParameterCombination")


class RemoveFromGlobalTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        global_database()
        self.rds = client("rds", DR)

    def test_the_removed_secondary_is_a_standalone_writer_while_the_primary_region_is_down(self) -> None:
        down(PRIMARY)
        answer = self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=DR_ARN)
        self.assertEqual([m["DBClusterArn"] for m in answer["GlobalCluster"]["GlobalClusterMembers"]], [PRIMARY_ARN])
        self.assertEqual(roles(described(DR)), {PRIMARY_ARN: True})

        cluster = self.rds.describe_db_clusters(DBClusterIdentifier=DR_ARN)["DBClusters"][0]
        self.assertEqual(cluster["Status"], "available")
        self.assertIsNone(cluster.get("ReplicationSourceIdentifier"))
        self.assertNotIn("GlobalClusterIdentifier", cluster)
        self.assertTrue(instance_writes(DR_ARN), "the promoted cluster's instance writes")
        with self.assertRaises(ClientError) as ctx:
            client("rds", PRIMARY, attempts=1).describe_db_clusters(DBClusterIdentifier=PRIMARY_ARN)
        self.assertEqual(error_code(ctx), "ServiceUnavailable")

    def test_the_writer_leaves_only_after_its_secondaries(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=PRIMARY_ARN)
        self.assertEqual(error_code(ctx), "InvalidGlobalClusterStateFault")
        self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=DR_ARN)
        with self.assertRaises(ClientError) as ctx:
            self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=DR_ARN)
        self.assertEqual(error_code(ctx), "DBClusterNotFoundFault")
        self.rds.remove_from_global_cluster(GlobalClusterIdentifier=GLOBAL, DbClusterIdentifier=PRIMARY_ARN)
        self.assertEqual(described()["GlobalClusterMembers"], [])


class RegionOutageTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()

    def assert_outage(self, call: Any) -> None:
        """Answered 503 ServiceUnavailable, which the client took for transient and retried once."""
        with self.assertRaises(ClientError) as ctx:
            call()
        response = ctx.exception.response  # type: ignore[attr-defined]
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 503, response)
        # A HEAD answer has no body, so the client names the error by its status, as with S3 on AWS.
        self.assertIn(response["Error"]["Code"], ("ServiceUnavailable", "ServiceUnavailableException", "503"))
        self.assertEqual(response["ResponseMetadata"]["RetryAttempts"], 1, "the SDK retries an outage answer")

    def test_ecs_rds_and_s3_of_a_down_region_fail_and_answer_again_once_it_is_up(self) -> None:
        ecs, rds, s3 = client("ecs", PRIMARY), client("rds", PRIMARY), client("s3", PRIMARY)
        ecs.create_cluster(clusterName="shop")
        s3.create_bucket(Bucket="shop-assets")
        client("ecs", DR).create_cluster(clusterName="shop-dr")

        down(PRIMARY)
        self.assertEqual(get("/_sandbox/regions"), {"down": [PRIMARY]})
        self.assert_outage(lambda: ecs.describe_clusters(clusters=["shop"]))
        self.assert_outage(lambda: ecs.create_cluster(clusterName="other"))
        self.assert_outage(lambda: rds.describe_db_clusters())
        self.assert_outage(lambda: s3.list_objects_v2(Bucket="shop-assets"))
        self.assert_outage(lambda: s3.head_bucket(Bucket="shop-assets"))
        self.assertEqual(
            client("ecs", DR).describe_clusters(clusters=["shop-dr"])["clusters"][0]["clusterName"], "shop-dr",
            "the other region is up",
        )

        up(PRIMARY)
        self.assertEqual(get("/_sandbox/regions"), {"down": []})
        self.assertEqual(ecs.describe_clusters(clusters=["shop"])["clusters"][0]["clusterName"], "shop")
        self.assertEqual(rds.describe_db_clusters()["DBClusters"], [])
        self.assertEqual(s3.list_objects_v2(Bucket="shop-assets")["KeyCount"], 0)

    def test_a_bucket_of_a_down_region_fails_whichever_region_signs(self) -> None:
        s3 = client("s3", PRIMARY)
        s3.create_bucket(Bucket="shop-dr-assets", CreateBucketConfiguration={"LocationConstraint": DR})
        s3.create_bucket(Bucket="shop-assets")
        s3.put_object(Bucket="shop-dr-assets", Key="a", Body=b"x")
        presigned = s3.generate_presigned_url("get_object", Params={"Bucket": "shop-dr-assets", "Key": "a"})
        down(DR)
        self.assert_outage(lambda: s3.put_object(Bucket="shop-dr-assets", Key="a", Body=b"x"))
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(presigned, timeout=10)
        self.assertEqual(ctx.exception.code, 503)
        s3.put_object(Bucket="shop-assets", Key="a", Body=b"x")

    def test_every_protocol_answers_the_outage_as_its_clients_parse_errors(self) -> None:
        down(PRIMARY)
        # CloudWatch over RPC v2 CBOR, as aws-sdk-cloudwatch (Rust) calls it.
        status, headers, body = rpcv2_call(front.url, "DescribeAlarms", sdk_cbor({}), PRIMARY)
        self.assertEqual((status, headers["x-amzn-query-error"]), (503, "ServiceUnavailable;Receiver"))
        self.assertEqual(read_cbor(body)["__type"], "com.amazonaws.cloudwatch#ServiceUnavailable")
        self.assert_outage(lambda: client("cloudwatch", PRIMARY).describe_alarms())  # query
        self.assert_outage(lambda: client("lambda", PRIMARY).list_functions())  # REST-JSON
        self.assert_outage(lambda: client("ssm", PRIMARY).get_parameter(Name="/shop/traffic-role"))  # JSON

    def test_target_health_of_a_down_region_cannot_be_read(self) -> None:
        elb = client("elbv2", PRIMARY)
        vpc = client("ec2", PRIMARY).create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        group = elb.create_target_group(Name="api", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")
        arn = group["TargetGroups"][0]["TargetGroupArn"]
        elb.describe_target_health(TargetGroupArn=arn)
        down(PRIMARY)
        self.assert_outage(lambda: elb.describe_target_health(TargetGroupArn=arn))

    def test_iam_and_sts_signed_for_the_down_region_fail(self) -> None:
        down(PRIMARY)
        self.assert_outage(lambda: client("iam", PRIMARY).list_roles())
        self.assert_outage(lambda: client("sts", PRIMARY).get_caller_identity())
        self.assertEqual(client("sts", DR).get_caller_identity()["Account"], ACCOUNT)

    def test_route53_and_cloudfront_answer_while_us_east_1_is_down(self) -> None:
        down(PRIMARY)
        route53 = client("route53", PRIMARY)
        zone = route53.create_hosted_zone(Name="shop.example.com", CallerReference="1")["HostedZone"]["Id"]
        route53.change_resource_record_sets(
            HostedZoneId=zone,
            ChangeBatch={
                "Changes": [
                    {
                        "Action": "UPSERT",
                        "ResourceRecordSet": {
                            "Name": "failover.origin.shop.example.com",
                            "Type": "CNAME",
                            "TTL": 60,
                            "ResourceRecords": [{"Value": "shop-dr.eu-west-1.elb.amazonaws.com"}],
                        },
                    }
                ]
            },
        )
        self.assertIn("DistributionList", client("cloudfront", PRIMARY).list_distributions())

    def test_reset_brings_every_region_back_and_names_are_checked(self) -> None:
        down(PRIMARY)
        down(DR)
        self.assertEqual(get("/_sandbox/regions"), {"down": [DR, PRIMARY]})
        self.assertEqual(get("/_sandbox/health")["downRegions"], [DR, PRIMARY])
        front.reset()
        self.assertEqual(get("/_sandbox/regions"), {"down": []})
        self.assertEqual(front.control("/_sandbox/regions/not-a-region/down")[0], 400)
        client("ecs", PRIMARY).list_clusters()


class HealthCheckTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.route53 = client("route53", PRIMARY)
        self.checks = {region: self.endpoint_check(self.load_balancer(region)) for region in (PRIMARY, DR)}
        self.any_region = self.route53.create_health_check(
            CallerReference="any",
            HealthCheckConfig={"Type": "CALCULATED", "ChildHealthChecks": list(self.checks.values()), "HealthThreshold": 1},
        )["HealthCheck"]["Id"]

    @staticmethod
    def load_balancer(region: str) -> str:
        """The DNS name of an ALB in `region`, as the regional stacks export it."""
        ec2 = client("ec2", region)
        vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=f"{region}{az}")["Subnet"]["SubnetId"]
            for i, az in enumerate("ab")
        ]
        lb = client("elbv2", region).create_load_balancer(Name=f"shop-{region}", Subnets=subnets)
        return lb["LoadBalancers"][0]["DNSName"]

    def endpoint_check(self, fqdn: str) -> str:
        return self.route53.create_health_check(
            CallerReference=fqdn,
            HealthCheckConfig={
                "Type": "HTTPS", "FullyQualifiedDomainName": fqdn, "Port": 443, "ResourcePath": "/health", "EnableSNI": True,
            },
        )["HealthCheck"]["Id"]

    def statuses(self, check: str) -> list[str]:
        observations = self.route53.get_health_check_status(HealthCheckId=check)["HealthCheckObservations"]
        return [o["StatusReport"]["Status"].split(":", 1)[0] for o in observations]

    def test_the_check_of_a_down_region_load_balancer_reports_unhealthy_until_it_is_up(self) -> None:
        for check in (*self.checks.values(), self.any_region):
            self.assertEqual(set(self.statuses(check)), {"Success"})
        down(PRIMARY)
        self.assertEqual(set(self.statuses(self.checks[PRIMARY])), {"Failure"})
        observed = self.route53.get_health_check_status(HealthCheckId=self.checks[PRIMARY])["HealthCheckObservations"]
        self.assertNotIn(PRIMARY, [o["Region"] for o in observed], "the down region's checkers report nothing")
        self.assertEqual(set(self.statuses(self.checks[DR])), {"Success"})
        self.assertEqual(set(self.statuses(self.any_region)), {"Success"}, "one healthy child is enough")
        down(DR)
        self.assertEqual(set(self.statuses(self.any_region)), {"Failure"})
        up(PRIMARY)
        self.assertEqual(set(self.statuses(self.checks[PRIMARY])), {"Success"})


class CallRecordTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()

    def test_reads_and_mutations_are_told_apart_and_the_record_starts_again_on_reset(self) -> None:
        ssm, s3 = client("ssm", DR), client("s3", DR)
        ssm.put_parameter(Name="/shop/traffic-role", Value="standby", Type="String")
        s3.create_bucket(Bucket="shop-state", CreateBucketConfiguration={"LocationConstraint": DR})
        status, answer = front.control("/_sandbox/calls/reset")
        self.assertEqual(status, 200, answer)
        self.assertLessEqual(answer["since"], time.time())

        ssm.get_parameter(Name="/shop/traffic-role")
        client("rds", DR).describe_global_clusters()
        client("ecs", DR).list_clusters()
        client("elbv2", DR).describe_target_groups()
        s3.list_objects_v2(Bucket="shop-state")
        s3.head_bucket(Bucket="shop-state")
        client("route53", PRIMARY).list_hosted_zones()
        record = get("/_sandbox/calls")
        self.assertEqual((record["total"], record["mutating"]), (7, 0), record["counts"])
        self.assertIn(
            {"service": "ssm", "operation": "GetParameter", "region": DR, "mutating": False, "status": 200},
            [{k: c[k] for k in ("service", "operation", "region", "mutating", "status")} for c in record["calls"]],
        )
        self.assertEqual(
            {(c["service"], c["operation"]) for c in record["counts"]},
            {("ssm", "GetParameter"), ("rds", "DescribeGlobalClusters"), ("ecs", "ListClusters"),
             ("elasticloadbalancing", "DescribeTargetGroups"), ("s3", "ListObjectsV2"), ("s3", "HeadBucket"),
             ("route53", "ListHostedZones")},
        )

        ssm.put_parameter(Name="/shop/traffic-role", Value="active", Overwrite=True)
        down(PRIMARY)
        with self.assertRaises(ClientError):
            client("ecs", PRIMARY, attempts=1).update_service(cluster="shop", service="api", desiredCount=2)
        mutations = get("/_sandbox/calls?mutating=true")
        self.assertEqual(
            [(c["service"], c["operation"], c["region"], c["status"]) for c in mutations["calls"]],
            [("ssm", "PutParameter", DR, 200), ("ecs", "UpdateService", PRIMARY, 503)],
            "a refused mutation still arrived",
        )
        self.assertEqual(mutations["mutating"], 2)

        front.control("/_sandbox/calls/reset")
        self.assertEqual(get("/_sandbox/calls")["calls"], [])


if __name__ == "__main__":
    unittest.main()
