"""What sandbox_aws adds so that `terraform apply` of the bundled stacks (terraform/) finishes against moto:
the APIs below are answered with 404/500 by moto 5.2.5, or (SQS RedriveAllowPolicy) stored but never returned,
and the AWS provider then waits on them until its create timeout."""

from __future__ import annotations

import json
import unittest

from botocore.exceptions import ClientError

from support import ACCOUNT, Front

front: Front
REGION = "us-east-1"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"


def setUpModule() -> None:
    global front
    front = Front()


def tearDownModule() -> None:
    front.stop()


def error_code(ctx: unittest.case._AssertRaisesContext) -> str:  # type: ignore[type-arg]
    return ctx.exception.response["Error"]["Code"]  # type: ignore[attr-defined]


class BackupTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.backup = front.client("backup", REGION)
        self.backup.create_backup_vault(BackupVaultName="platform")
        self.plan_id = self.backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "platform",
                "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "platform", "ScheduleExpression": "cron(0 5 * * ? *)"}],
            }
        )["BackupPlanId"]

    def test_a_selection_is_created_read_listed_and_deleted(self) -> None:
        created = self.backup.create_backup_selection(
            BackupPlanId=self.plan_id,
            BackupSelection={
                "SelectionName": "tagged",
                "IamRoleArn": ROLE,
                "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "platform"}],
            },
            CreatorRequestId="tf-1",
        )
        sel = created["SelectionId"]
        got = self.backup.get_backup_selection(BackupPlanId=self.plan_id, SelectionId=sel)
        self.assertEqual(got["BackupSelection"]["SelectionName"], "tagged")
        self.assertEqual(got["BackupSelection"]["IamRoleArn"], ROLE)
        self.assertEqual(got["BackupSelection"]["ListOfTags"][0]["ConditionValue"], "platform")
        self.assertEqual(got["BackupSelection"]["Conditions"]["StringEquals"], [])
        self.assertEqual(got["CreatorRequestId"], "tf-1")
        listed = self.backup.list_backup_selections(BackupPlanId=self.plan_id)["BackupSelectionsList"]
        self.assertEqual([(s["SelectionId"], s["SelectionName"]) for s in listed], [(sel, "tagged")])

        self.backup.delete_backup_selection(BackupPlanId=self.plan_id, SelectionId=sel)
        with self.assertRaises(ClientError) as ctx:
            self.backup.get_backup_selection(BackupPlanId=self.plan_id, SelectionId=sel)
        self.assertEqual(error_code(ctx), "ResourceNotFoundException")

    def test_a_selection_of_an_unknown_plan_is_not_found(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.backup.create_backup_selection(
                BackupPlanId="no-such-plan", BackupSelection={"SelectionName": "x", "IamRoleArn": ROLE}
            )
        self.assertEqual(error_code(ctx), "ResourceNotFoundException")

    def test_restore_testing_plan_and_selection_round_trip_with_tags(self) -> None:
        arn = self.backup.create_restore_testing_plan(
            RestoreTestingPlan={
                "RestoreTestingPlanName": "platform_restore_test",
                "RecoveryPointSelection": {
                    "Algorithm": "LATEST_WITHIN_WINDOW",
                    "IncludeVaults": ["*"],
                    "RecoveryPointTypes": ["SNAPSHOT"],
                    "SelectionWindowDays": 7,
                },
                "ScheduleExpression": "cron(0 6 ? * MON *)",
                "StartWindowHours": 24,
            },
            Tags={"Project": "platform"},
        )["RestoreTestingPlanArn"]
        plan = self.backup.get_restore_testing_plan(RestoreTestingPlanName="platform_restore_test")["RestoreTestingPlan"]
        self.assertEqual(plan["RestoreTestingPlanArn"], arn)
        self.assertEqual(plan["RecoveryPointSelection"]["SelectionWindowDays"], 7)
        self.assertEqual(plan["ScheduleExpressionTimezone"], "Etc/UTC")
        self.assertEqual(self.backup.list_tags(ResourceArn=arn)["Tags"], {"Project": "platform"})

        self.backup.create_restore_testing_selection(
            RestoreTestingPlanName="platform_restore_test",
            RestoreTestingSelection={
                "RestoreTestingSelectionName": "aurora",
                "IamRoleArn": ROLE,
                "ProtectedResourceType": "Aurora",
                "ProtectedResourceArns": ["*"],
            },
        )
        sel = self.backup.get_restore_testing_selection(
            RestoreTestingPlanName="platform_restore_test", RestoreTestingSelectionName="aurora"
        )["RestoreTestingSelection"]
        self.assertEqual(sel["ProtectedResourceType"], "Aurora")
        with self.assertRaises(ClientError):  # a plan with selections cannot go first
            self.backup.delete_restore_testing_plan(RestoreTestingPlanName="platform_restore_test")
        self.backup.delete_restore_testing_selection(
            RestoreTestingPlanName="platform_restore_test", RestoreTestingSelectionName="aurora"
        )
        self.backup.delete_restore_testing_plan(RestoreTestingPlanName="platform_restore_test")
        with self.assertRaises(ClientError) as ctx:
            self.backup.get_restore_testing_plan(RestoreTestingPlanName="platform_restore_test")
        self.assertEqual(error_code(ctx), "ResourceNotFoundException")

    def test_vault_notifications_are_kept_per_vault(self) -> None:
        topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:backup-events"
        self.backup.put_backup_vault_notifications(
            BackupVaultName="platform", SNSTopicArn=topic, BackupVaultEvents=["BACKUP_JOB_FAILED"]
        )
        got = self.backup.get_backup_vault_notifications(BackupVaultName="platform")
        self.assertEqual((got["SNSTopicArn"], got["BackupVaultEvents"]), (topic, ["BACKUP_JOB_FAILED"]))
        self.backup.delete_backup_vault_notifications(BackupVaultName="platform")
        with self.assertRaises(ClientError) as ctx:
            self.backup.get_backup_vault_notifications(BackupVaultName="platform")
        self.assertEqual(error_code(ctx), "ResourceNotFoundException")


class XRaySamplingRulesTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.xray = front.client("xray", REGION)

    def rule(self, name: str, **extra: object) -> dict:
        rule = {
            "RuleName": name, "ResourceARN": "*", "Priority": 999, "FixedRate": 0.0, "ReservoirSize": 0,
            "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "GET", "URLPath": "/health", "Version": 1,
        }
        rule.update(extra)
        return rule

    def test_rules_are_created_listed_beside_the_default_updated_tagged_and_deleted(self) -> None:
        record = self.xray.create_sampling_rule(
            SamplingRule=self.rule("platform-health"), Tags=[{"Key": "Project", "Value": "platform"}]
        )["SamplingRuleRecord"]
        arn = record["SamplingRule"]["RuleARN"]
        self.assertEqual(arn, f"arn:aws:xray:{REGION}:{ACCOUNT}:sampling-rule/platform-health")
        names = [r["SamplingRule"]["RuleName"] for r in self.xray.get_sampling_rules()["SamplingRuleRecords"]]
        self.assertEqual(sorted(names), ["Default", "platform-health"])
        self.assertEqual(self.xray.list_tags_for_resource(ResourceARN=arn)["Tags"], [{"Key": "Project", "Value": "platform"}])

        updated = self.xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "platform-health", "FixedRate": 0.5})
        self.assertEqual(updated["SamplingRuleRecord"]["SamplingRule"]["FixedRate"], 0.5)

        self.xray.delete_sampling_rule(RuleName="platform-health")
        names = [r["SamplingRule"]["RuleName"] for r in self.xray.get_sampling_rules()["SamplingRuleRecords"]]
        self.assertEqual(names, ["Default"])
        with self.assertRaises(ClientError):
            self.xray.delete_sampling_rule(RuleName="Default")

    def test_a_duplicate_name_is_refused(self) -> None:
        self.xray.create_sampling_rule(SamplingRule=self.rule("dup"))
        with self.assertRaises(ClientError) as ctx:
            self.xray.create_sampling_rule(SamplingRule=self.rule("dup"))
        self.assertEqual(error_code(ctx), "InvalidRequestException")


class ApiGatewayV2DeploymentsTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.apigw = front.client("apigatewayv2", REGION)
        self.api = self.apigw.create_api(
            Name="ws", ProtocolType="WEBSOCKET", RouteSelectionExpression="$request.body.action"
        )["ApiId"]

    def test_a_deployment_is_deployed_at_once_and_can_be_described_updated_and_deleted(self) -> None:
        dep = self.apigw.create_deployment(ApiId=self.api, Description="routes")
        self.assertEqual(dep["DeploymentStatus"], "DEPLOYED")
        got = self.apigw.get_deployment(ApiId=self.api, DeploymentId=dep["DeploymentId"])
        self.assertEqual(got["Description"], "routes")
        self.assertEqual([d["DeploymentId"] for d in self.apigw.get_deployments(ApiId=self.api)["Items"]], [dep["DeploymentId"]])
        self.apigw.update_deployment(ApiId=self.api, DeploymentId=dep["DeploymentId"], Description="v2")
        self.assertEqual(self.apigw.get_deployment(ApiId=self.api, DeploymentId=dep["DeploymentId"])["Description"], "v2")
        self.apigw.delete_deployment(ApiId=self.api, DeploymentId=dep["DeploymentId"])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.get_deployment(ApiId=self.api, DeploymentId=dep["DeploymentId"])
        self.assertEqual(error_code(ctx), "NotFoundException")

    def test_a_deployment_of_an_unknown_api_is_not_found(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_deployment(ApiId="nope42")
        self.assertEqual(error_code(ctx), "NotFoundException")


class AppAutoScalingTagsTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.aas = front.client("application-autoscaling", REGION)

    def test_tags_given_at_registration_are_listed_and_can_be_changed(self) -> None:
        ecs = front.client("ecs", REGION)
        ecs.create_cluster(clusterName="platform")
        ecs.create_service(cluster="platform", serviceName="api", desiredCount=2)
        arn = self.aas.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId="service/platform/api",
            ScalableDimension="ecs:service:DesiredCount",
            MinCapacity=2,
            MaxCapacity=10,
            Tags={"Project": "platform"},
        )["ScalableTargetARN"]
        self.assertEqual(self.aas.list_tags_for_resource(ResourceARN=arn)["Tags"], {"Project": "platform"})
        self.aas.tag_resource(ResourceARN=arn, Tags={"Stack": "us-east-1"})
        self.aas.untag_resource(ResourceARN=arn, TagKeys=["Project"])
        self.assertEqual(self.aas.list_tags_for_resource(ResourceARN=arn)["Tags"], {"Stack": "us-east-1"})
        # the target itself is still moto's
        targets = self.aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
        self.assertEqual([t["ResourceId"] for t in targets], ["service/platform/api"])


class SqsRedriveAllowPolicyTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.sqs = front.client("sqs", REGION)

    def test_the_policy_set_is_returned_and_removing_it_removes_it(self) -> None:
        dlq = self.sqs.create_queue(QueueName="jobs-dlq")["QueueUrl"]
        policy = json.dumps({"redrivePermission": "byQueue", "sourceQueueArns": [f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs"]})
        self.sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": policy})
        attrs = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
        self.assertEqual(json.loads(attrs["RedriveAllowPolicy"])["redrivePermission"], "byQueue")
        named = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["RedriveAllowPolicy"])["Attributes"]
        self.assertEqual(named["RedriveAllowPolicy"], attrs["RedriveAllowPolicy"])

        self.sqs.set_queue_attributes(QueueUrl=dlq, Attributes={"RedriveAllowPolicy": ""})
        attrs = self.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["All"])["Attributes"]
        self.assertNotIn("RedriveAllowPolicy", attrs)


class RdsDefaultCaTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.rds = front.client("rds", REGION)

    def test_a_new_instance_gets_the_current_default_ca_unless_one_is_asked_for(self) -> None:
        self.rds.create_db_cluster(
            DBClusterIdentifier="db", Engine="aurora-postgresql", MasterUsername="dbadmin", MasterUserPassword="sandbox-pass-1"
        )
        plain = self.rds.create_db_instance(
            DBInstanceIdentifier="db-1", DBClusterIdentifier="db", Engine="aurora-postgresql", DBInstanceClass="db.r6g.large"
        )["DBInstance"]
        self.assertEqual(plain["CACertificateIdentifier"], "rds-ca-rsa2048-g1")
        chosen = self.rds.create_db_instance(
            DBInstanceIdentifier="db-2",
            DBClusterIdentifier="db",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r6g.large",
            CACertificateIdentifier="rds-ca-ecc384-g1",
        )["DBInstance"]
        self.assertEqual(chosen["CACertificateIdentifier"], "rds-ca-ecc384-g1")


class CloudFrontPoliciesTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.cf = front.client("cloudfront", REGION)

    def cache_config(self, name: str, ttl: int) -> dict:
        return {
            "Name": name,
            "MinTTL": 0,
            "DefaultTTL": ttl,
            "MaxTTL": ttl,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": True,
                "HeadersConfig": {"HeaderBehavior": "none"},
                "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"},
            },
        }

    def test_a_cache_policy_round_trips_and_updates_and_deletes_only_with_the_current_etag(self) -> None:
        created = self.cf.create_cache_policy(CachePolicyConfig=self.cache_config("platform-static", 86400))
        policy_id, etag = created["CachePolicy"]["Id"], created["ETag"]
        got = self.cf.get_cache_policy(Id=policy_id)
        self.assertEqual(got["ETag"], etag)
        config = got["CachePolicy"]["CachePolicyConfig"]
        self.assertEqual((config["Name"], config["DefaultTTL"]), ("platform-static", 86400))
        self.assertTrue(config["ParametersInCacheKeyAndForwardedToOrigin"]["EnableAcceptEncodingGzip"])

        with self.assertRaises(ClientError) as ctx:
            self.cf.update_cache_policy(Id=policy_id, IfMatch="stale", CachePolicyConfig=self.cache_config("platform-static", 60))
        self.assertEqual(error_code(ctx), "PreconditionFailed")
        updated = self.cf.update_cache_policy(Id=policy_id, IfMatch=etag, CachePolicyConfig=self.cache_config("platform-static", 60))
        self.assertEqual(updated["CachePolicy"]["CachePolicyConfig"]["DefaultTTL"], 60)
        self.assertNotEqual(updated["ETag"], etag)

        self.cf.delete_cache_policy(Id=policy_id, IfMatch=updated["ETag"])
        with self.assertRaises(ClientError) as ctx:
            self.cf.get_cache_policy(Id=policy_id)
        self.assertEqual(error_code(ctx), "NoSuchCachePolicy")

    def test_origin_request_and_response_headers_policies_round_trip(self) -> None:
        orp = self.cf.create_origin_request_policy(
            OriginRequestPolicyConfig={
                "Name": "platform-api",
                "HeadersConfig": {"HeaderBehavior": "allViewer"},
                "CookiesConfig": {"CookieBehavior": "all"},
                "QueryStringsConfig": {"QueryStringBehavior": "all"},
            }
        )["OriginRequestPolicy"]
        got = self.cf.get_origin_request_policy(Id=orp["Id"])["OriginRequestPolicy"]["OriginRequestPolicyConfig"]
        self.assertEqual(got["HeadersConfig"]["HeaderBehavior"], "allViewer")
        rhp = self.cf.create_response_headers_policy(
            ResponseHeadersPolicyConfig={
                "Name": "platform-security-headers",
                "SecurityHeadersConfig": {
                    "StrictTransportSecurity": {"Override": True, "AccessControlMaxAgeSec": 31536000, "IncludeSubdomains": True}
                },
            }
        )["ResponseHeadersPolicy"]
        got = self.cf.get_response_headers_policy(Id=rhp["Id"])["ResponseHeadersPolicy"]["ResponseHeadersPolicyConfig"]
        self.assertEqual(got["SecurityHeadersConfig"]["StrictTransportSecurity"]["AccessControlMaxAgeSec"], 31536000)

    def test_a_second_policy_of_the_same_name_is_refused(self) -> None:
        self.cf.create_cache_policy(CachePolicyConfig=self.cache_config("dup", 1))
        with self.assertRaises(ClientError) as ctx:
            self.cf.create_cache_policy(CachePolicyConfig=self.cache_config("dup", 1))
        self.assertEqual(error_code(ctx), "CachePolicyAlreadyExists")


class CloudFrontOriginGroupTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.cf = front.client("cloudfront", REGION)

    def origin(self, origin_id: str) -> dict:
        return {
            "Id": origin_id,
            "DomainName": f"{origin_id}.example.com",
            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
        }

    def config(self, target: str) -> dict:
        return {
            "CallerReference": target,
            "Comment": "failover",
            "Enabled": True,
            "Origins": {"Quantity": 2, "Items": [self.origin("primary"), self.origin("secondary")]},
            "OriginGroups": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "failover-group",
                        "FailoverCriteria": {"StatusCodes": {"Quantity": 2, "Items": [502, 503]}},
                        "Members": {"Quantity": 2, "Items": [{"OriginId": "primary"}, {"OriginId": "secondary"}]},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": target,
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }

    def test_the_default_behaviour_may_target_an_origin_group(self) -> None:
        dist = self.cf.create_distribution(DistributionConfig=self.config("failover-group"))["Distribution"]
        config = self.cf.get_distribution(Id=dist["Id"])["Distribution"]["DistributionConfig"]
        self.assertEqual(config["DefaultCacheBehavior"]["TargetOriginId"], "failover-group")
        self.assertEqual(config["OriginGroups"]["Items"][0]["Id"], "failover-group")

    def test_an_unknown_target_is_still_refused(self) -> None:
        with self.assertRaises(ClientError) as ctx:
            self.cf.create_distribution(DistributionConfig=self.config("nowhere"))
        self.assertEqual(error_code(ctx), "NoSuchOrigin")


class Route53QueryLoggingTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.r53 = front.client("route53", REGION)
        self.logs = front.client("logs", "us-east-1")

    def test_the_log_group_arn_without_the_stream_wildcard_is_accepted_and_answered_back(self) -> None:
        zone = self.r53.create_hosted_zone(Name="example.com", CallerReference="z1")["HostedZone"]["Id"].rsplit("/", 1)[-1]
        self.logs.create_log_group(logGroupName="/aws/route53/example.com")
        arn = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/route53/example.com"
        config = self.r53.create_query_logging_config(HostedZoneId=zone, CloudWatchLogsLogGroupArn=arn)["QueryLoggingConfig"]
        got = self.r53.get_query_logging_config(Id=config["Id"])["QueryLoggingConfig"]
        self.assertEqual(got["CloudWatchLogsLogGroupArn"], arn)
        with self.assertRaises(ClientError) as ctx:  # a group that does not exist is still refused
            self.r53.create_query_logging_config(HostedZoneId=zone, CloudWatchLogsLogGroupArn=arn + "-missing")
        self.assertEqual(error_code(ctx), "NoSuchCloudWatchLogsLogGroup")


class S3LifecycleTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.s3 = front.client("s3", REGION)
        self.s3.create_bucket(Bucket="logs")
        self.rules = {"Rules": [{"ID": "expire", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 365}}]}

    def test_the_default_minimum_object_size_is_answered_on_put_and_get(self) -> None:
        put = self.s3.put_bucket_lifecycle_configuration(Bucket="logs", LifecycleConfiguration=self.rules)
        self.assertEqual(put["TransitionDefaultMinimumObjectSize"], "all_storage_classes_128K")
        got = self.s3.get_bucket_lifecycle_configuration(Bucket="logs")
        self.assertEqual(got["TransitionDefaultMinimumObjectSize"], "all_storage_classes_128K")
        self.assertEqual(got["Rules"][0]["ID"], "expire")

    def test_a_size_asked_for_is_kept(self) -> None:
        self.s3.put_bucket_lifecycle_configuration(
            Bucket="logs", LifecycleConfiguration=self.rules, TransitionDefaultMinimumObjectSize="varies_by_storage_class"
        )
        got = self.s3.get_bucket_lifecycle_configuration(Bucket="logs")
        self.assertEqual(got["TransitionDefaultMinimumObjectSize"], "varies_by_storage_class")


if __name__ == "__main__":
    unittest.main()
