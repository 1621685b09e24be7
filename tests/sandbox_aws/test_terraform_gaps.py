"""What sandbox_aws adds so that `terraform apply` of the bundled stacks (terraform/) finishes against moto:
the APIs below are answered with 404/500 by moto 5.2.5, or (SQS RedriveAllowPolicy) stored but never returned,
and the AWS provider then waits on them until its create timeout. And so that a `terraform plan` right after
the apply is clean, as it is on AWS: the fields moto 5.2.5 answers unlike AWS (the tests from
SecurityGroupRuleDescriptionTest on)."""

from __future__ import annotations

import io
import json
import unittest
import urllib.parse
import zipfile

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

    def test_a_deleted_plans_name_can_be_used_again_and_a_live_ones_cannot(self) -> None:
        plan = {
            "BackupPlanName": "platform",
            "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "platform", "ScheduleExpression": "cron(0 5 * * ? *)"}],
        }
        with self.assertRaises(ClientError) as ctx:
            self.backup.create_backup_plan(BackupPlan=plan)
        self.assertEqual(error_code(ctx), "AlreadyExistsException")
        self.backup.delete_backup_plan(BackupPlanId=self.plan_id)
        again = self.backup.create_backup_plan(BackupPlan=plan)["BackupPlanId"]
        self.assertNotEqual(again, self.plan_id)
        live = [p["BackupPlanId"] for p in self.backup.list_backup_plans()["BackupPlansList"]]
        self.assertEqual(live, [again])
        listed = self.backup.list_backup_plans(IncludeDeleted=True)["BackupPlansList"]
        self.assertEqual(sorted(p["BackupPlanId"] for p in listed), sorted([again, self.plan_id]))

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


class StepFunctionsVersionsTest(unittest.TestCase):
    """The provider lists a state machine's versions after creating it (moto: 500, retried for minutes)."""

    def test_a_state_machine_without_published_versions_lists_none(self) -> None:
        front.reset()
        sfn = front.client("stepfunctions", REGION)
        arn = sfn.create_state_machine(
            name="restore-validation",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/sfn",
        )["stateMachineArn"]
        self.assertEqual(sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"], [])

    def test_a_definition_is_validated_before_create(self) -> None:
        sfn = front.client("stepfunctions", REGION)
        ok = sfn.validate_state_machine_definition(definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}))
        self.assertEqual(ok["result"], "OK")
        self.assertEqual(sfn.validate_state_machine_definition(definition="{not json")["result"], "FAIL")


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

    def test_a_stage_answers_the_deployment_it_serves_and_takes_a_new_one(self) -> None:
        first = self.apigw.create_deployment(ApiId=self.api)["DeploymentId"]
        self.apigw.create_stage(ApiId=self.api, StageName="live", DeploymentId=first)
        self.assertEqual(self.apigw.get_stage(ApiId=self.api, StageName="live")["DeploymentId"], first)
        second = self.apigw.create_deployment(ApiId=self.api)["DeploymentId"]
        updated = self.apigw.update_stage(ApiId=self.api, StageName="live", DeploymentId=second, Description="v2")
        self.assertEqual((updated["DeploymentId"], updated["Description"]), (second, "v2"))
        self.assertEqual(self.apigw.get_stage(ApiId=self.api, StageName="live")["DeploymentId"], second)

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


class S3BucketPolicyConditionsTest(unittest.TestCase):
    """terraform/bootstrap's state buckets deny requests without TLS or below TLS 1.2: moto applied those
    conditional Deny statements to every object request."""

    def setUp(self) -> None:
        front.reset()
        self.s3 = front.client("s3", REGION)
        self.s3.create_bucket(Bucket="state")

    def policy(self, *statements: dict) -> None:
        self.s3.put_bucket_policy(Bucket="state", Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))

    @staticmethod
    def deny(sid: str, action: str, condition: dict | None = None) -> dict:
        st = {"Sid": sid, "Effect": "Deny", "Principal": "*", "Action": action,
              "Resource": ["arn:aws:s3:::state", "arn:aws:s3:::state/*"]}
        if condition:
            st["Condition"] = condition
        return st

    def test_the_tls_only_policy_lets_requests_through(self) -> None:
        self.policy(
            self.deny("DenyInsecureTransport", "s3:*", {"Bool": {"aws:SecureTransport": "false"}}),
            self.deny("DenyOutdatedTls", "s3:*", {"NumericLessThan": {"s3:TlsVersion": "1.2"}}),
        )
        self.s3.put_object(Bucket="state", Key="platform/global.tfstate", Body=b"{}")
        self.assertEqual(self.s3.get_object(Bucket="state", Key="platform/global.tfstate")["Body"].read(), b"{}")

    def test_a_deny_whose_condition_holds_or_without_condition_refuses(self) -> None:
        self.policy(self.deny("DenyOverTls", "s3:PutObject", {"Bool": {"aws:SecureTransport": "true"}}))
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_object(Bucket="state", Key="k", Body=b"{}")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.policy(self.deny("DenyPuts", "s3:PutObject"))
        with self.assertRaises(ClientError):
            self.s3.put_object(Bucket="state", Key="k", Body=b"{}")


class SecurityGroupRuleDescriptionTest(unittest.TestCase):
    """aws_vpc_security_group_ingress_rule / _egress_rule read their description from DescribeSecurityGroupRules."""

    def setUp(self) -> None:
        front.reset()
        self.ec2 = front.client("ec2", REGION)
        vpc = self.ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        self.tasks = self.ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
        self.db = self.ec2.create_security_group(GroupName="db", Description="db", VpcId=vpc)["GroupId"]

    def rules(self, group: str) -> dict[str, dict]:
        rules = self.ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])["SecurityGroupRules"]
        return {r["SecurityGroupRuleId"]: r for r in rules}

    def test_a_rule_that_references_a_group_or_a_prefix_list_answers_its_description(self) -> None:
        pl = self.ec2.create_managed_prefix_list(PrefixListName="cf", AddressFamily="IPv4", MaxEntries=5)["PrefixList"]["PrefixListId"]
        self.ec2.authorize_security_group_ingress(
            GroupId=self.db,
            IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                 "UserIdGroupPairs": [{"GroupId": self.tasks, "Description": "PostgreSQL from the tasks of api"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                 "PrefixListIds": [{"PrefixListId": pl, "Description": "HTTPS from prefix list"}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                 "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "HTTPS from the VPC"}]},
            ],
        )
        egress = self.ec2.authorize_security_group_egress(
            GroupId=self.tasks,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                            "UserIdGroupPairs": [{"GroupId": self.db, "Description": "PostgreSQL to the Aurora cluster"}]}],
        )["SecurityGroupRules"][0]

        described = self.rules(self.db)
        by_reference = next(r for r in described.values() if r.get("ReferencedGroupInfo"))
        self.assertEqual(by_reference["ReferencedGroupInfo"]["GroupId"], self.tasks)
        self.assertEqual(by_reference["Description"], "PostgreSQL from the tasks of api")
        by_prefix_list = next(r for r in described.values() if r.get("PrefixListId"))
        self.assertEqual(by_prefix_list["Description"], "HTTPS from prefix list")
        by_cidr = next(r for r in described.values() if r.get("CidrIpv4") and not r["IsEgress"])
        self.assertEqual(by_cidr["Description"], "HTTPS from the VPC")
        self.assertEqual(self.rules(self.tasks)[egress["SecurityGroupRuleId"]]["Description"], "PostgreSQL to the Aurora cluster")

    def test_modifying_a_referencing_rule_changes_its_description(self) -> None:
        rule = self.ec2.authorize_security_group_ingress(
            GroupId=self.db,
            IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                            "UserIdGroupPairs": [{"GroupId": self.tasks, "Description": "old"}]}],
        )["SecurityGroupRules"][0]["SecurityGroupRuleId"]
        self.ec2.modify_security_group_rules(
            GroupId=self.db,
            SecurityGroupRules=[{"SecurityGroupRuleId": rule, "SecurityGroupRule": {
                "IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "ReferencedGroupId": self.tasks, "Description": "new"}}],
        )
        got = self.rules(self.db)[rule]
        self.assertEqual(got["Description"], "new")
        self.assertNotIn("CidrIpv4", got)
        pairs = self.ec2.describe_security_groups(GroupIds=[self.db])["SecurityGroups"][0]["IpPermissions"][0]
        self.assertEqual([p["Description"] for p in pairs["UserIdGroupPairs"]], ["new"])
        self.assertEqual(pairs["IpRanges"], [])


class RdsGlobalClusterTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.rds = front.client("rds", REGION)

    def test_database_name_and_tags_given_at_creation_are_answered(self) -> None:
        created = self.rds.create_global_cluster(
            GlobalClusterIdentifier="platform-global",
            Engine="aurora-postgresql",
            EngineVersion="16.6",
            DatabaseName="app",
            StorageEncrypted=True,
            Tags=[{"Key": "Project", "Value": "platform"}],
        )["GlobalCluster"]
        self.assertEqual(created["DatabaseName"], "app")
        got = self.rds.describe_global_clusters(GlobalClusterIdentifier="platform-global")["GlobalClusters"]
        self.assertEqual([(g["DatabaseName"], g["TagList"]) for g in got], [("app", [{"Key": "Project", "Value": "platform"}])])

        arn = created["GlobalClusterArn"]
        self.rds.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Stack", "Value": "us-east-1"}])
        self.rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["Project"])
        self.assertEqual(self.rds.list_tags_for_resource(ResourceName=arn)["TagList"], [{"Key": "Stack", "Value": "us-east-1"}])
        got = self.rds.describe_global_clusters(GlobalClusterIdentifier="platform-global")["GlobalClusters"][0]
        self.assertEqual(got["TagList"], [{"Key": "Stack", "Value": "us-east-1"}])

    def test_describe_answers_only_the_global_cluster_asked_for(self) -> None:
        for name in ("first", "second"):
            self.rds.create_global_cluster(GlobalClusterIdentifier=name, Engine="aurora-postgresql")
        got = self.rds.describe_global_clusters(GlobalClusterIdentifier="second")["GlobalClusters"]
        self.assertEqual([g["GlobalClusterIdentifier"] for g in got], ["second"])
        self.assertEqual(len(self.rds.describe_global_clusters()["GlobalClusters"]), 2)
        with self.assertRaises(ClientError) as ctx:
            self.rds.describe_global_clusters(GlobalClusterIdentifier="third")
        self.assertEqual(error_code(ctx), "GlobalClusterNotFoundFault")


class RdsClusterAnswersTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.rds = front.client("rds", REGION)
        self.kms = front.client("kms", REGION)

    def cluster(self, name: str, **extra: object) -> dict:
        return self.rds.create_db_cluster(
            DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="dbadmin",
            MasterUserPassword="sandbox-pass-1", **extra,
        )["DBCluster"]

    def test_only_a_serverless_v1_cluster_answers_a_scaling_configuration(self) -> None:
        provisioned = self.cluster("provisioned")
        self.assertNotIn("ScalingConfigurationInfo", provisioned)
        described = self.rds.describe_db_clusters(DBClusterIdentifier="provisioned")["DBClusters"][0]
        self.assertEqual(described["EngineMode"], "provisioned")
        self.assertNotIn("ScalingConfigurationInfo", described)
        serverless = self.cluster("serverless", EngineMode="serverless")
        self.assertEqual(serverless["ScalingConfigurationInfo"]["MaxCapacity"], 16)

    def test_an_instance_answers_its_performance_insights_settings(self) -> None:
        self.cluster("db")
        key = self.kms.create_key()["KeyMetadata"]
        self.kms.create_alias(AliasName="alias/db", TargetKeyId=key["KeyId"])
        base = {"DBClusterIdentifier": "db", "Engine": "aurora-postgresql", "DBInstanceClass": "db.r6g.large"}

        def insights(instance: dict) -> dict:
            return {k: v for k, v in instance.items() if k.startswith("PerformanceInsights")}

        self.rds.create_db_instance(
            DBInstanceIdentifier="db-1", EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId=key["Arn"],
            PerformanceInsightsRetentionPeriod=31, **base,
        )
        got = self.rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]
        self.assertEqual(insights(got), {
            "PerformanceInsightsEnabled": True, "PerformanceInsightsKMSKeyId": key["Arn"], "PerformanceInsightsRetentionPeriod": 31,
        })
        # an alias is answered as the key's ARN, the retention period defaults to 7 days
        by_alias = self.rds.create_db_instance(
            DBInstanceIdentifier="db-2", EnablePerformanceInsights=True, PerformanceInsightsKMSKeyId="alias/db", **base
        )["DBInstance"]
        self.assertEqual(by_alias["PerformanceInsightsKMSKeyId"], key["Arn"])
        self.assertEqual(by_alias["PerformanceInsightsRetentionPeriod"], 7)

        plain = self.rds.create_db_instance(DBInstanceIdentifier="db-3", **base)["DBInstance"]
        self.assertEqual(insights(plain), {"PerformanceInsightsEnabled": False})
        self.rds.modify_db_instance(DBInstanceIdentifier="db-3", EnablePerformanceInsights=True, ApplyImmediately=True)
        got = self.rds.describe_db_instances(DBInstanceIdentifier="db-3")["DBInstances"][0]
        self.assertEqual(insights(got), {"PerformanceInsightsEnabled": True, "PerformanceInsightsRetentionPeriod": 7})
        self.rds.modify_db_instance(DBInstanceIdentifier="db-1", EnablePerformanceInsights=False, ApplyImmediately=True)
        got = self.rds.describe_db_instances(DBInstanceIdentifier="db-1")["DBInstances"][0]
        self.assertEqual(insights(got), {"PerformanceInsightsEnabled": False})


class SqsRedrivePolicyTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.sqs = front.client("sqs", REGION)

    def test_the_redrive_policy_is_answered_as_compact_json(self) -> None:
        self.sqs.create_queue(QueueName="jobs-dlq")
        dlq_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs-dlq"
        queue = self.sqs.create_queue(
            QueueName="jobs",
            Attributes={"RedrivePolicy": json.dumps({"maxReceiveCount": "5", "deadLetterTargetArn": dlq_arn})},
        )["QueueUrl"]
        for names in (["All"], ["RedrivePolicy"]):
            attrs = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=names)["Attributes"]
            self.assertEqual(attrs["RedrivePolicy"], '{"deadLetterTargetArn":"%s","maxReceiveCount":5}' % dlq_arn)


class LambdaLoggingConfigTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.lam = front.client("lambda", REGION)
        iam = front.client("iam", REGION)
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
        self.role = iam.create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("handler.py", "def handler(event, context):\n    return None\n")
        self.code = {"ZipFile": buf.getvalue()}

    def create(self, name: str, **extra: object) -> dict:
        return self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=self.role, Handler="handler.handler", Code=self.code, **extra
        )

    def test_the_default_and_the_given_logging_config_are_answered(self) -> None:
        plain = self.create("plain")
        self.assertEqual(plain["LoggingConfig"], {"LogFormat": "Text", "LogGroup": "/aws/lambda/plain"})
        self.create("given", LoggingConfig={"LogFormat": "Text", "LogGroup": "/platform/lambda"})
        got = self.lam.get_function(FunctionName="given")["Configuration"]["LoggingConfig"]
        self.assertEqual(got, {"LogFormat": "Text", "LogGroup": "/platform/lambda"})

        self.lam.update_function_configuration(FunctionName="plain", LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"})
        got = self.lam.get_function_configuration(FunctionName="plain")["LoggingConfig"]
        self.assertEqual(got, {"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO", "LogGroup": "/aws/lambda/plain"})


class BackupListTagsTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.backup = front.client("backup", REGION)

        def without_trailing_slash(request: object, **_: object) -> None:  # as the Go SDK (the provider) sends it
            url = urllib.parse.urlsplit(request.url)  # type: ignore[attr-defined]
            request.url = urllib.parse.urlunsplit(url._replace(path=url.path.rstrip("/")))  # type: ignore[attr-defined]

        self.backup.meta.events.register("before-sign.backup.ListTags", without_trailing_slash)

    def test_tags_are_listed_whether_or_not_the_path_ends_with_a_slash(self) -> None:
        arn = self.backup.create_backup_vault(BackupVaultName="platform", BackupVaultTags={"Project": "platform"})["BackupVaultArn"]
        plan = self.backup.create_backup_plan(
            BackupPlan={"BackupPlanName": "platform", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "platform"}]},
            BackupPlanTags={"Project": "platform"},
        )["BackupPlanArn"]
        self.assertEqual(self.backup.list_tags(ResourceArn=arn)["Tags"], {"Project": "platform"})
        self.assertEqual(self.backup.list_tags(ResourceArn=plan)["Tags"], {"Project": "platform"})
        plain = front.client("backup", REGION)  # boto3's own path, with the slash
        self.assertEqual(plain.list_tags(ResourceArn=arn)["Tags"], {"Project": "platform"})


class CloudFrontDistributionAnswersTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.cf = front.client("cloudfront", REGION)

    def config(self, reference: str, viewer_certificate: dict | None = None) -> dict:
        behaviour = {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"}
        config = {
            "CallerReference": reference,
            "Comment": "answers",
            "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{
                "Id": "alb", "DomainName": "alb.example.com",
                "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"},
            }]},
            "DefaultCacheBehavior": behaviour,
            "CacheBehaviors": {"Quantity": 2, "Items": [
                dict(behaviour, PathPattern="/api/*"),
                {"PathPattern": "/legacy/*", "TargetOriginId": "alb", "ViewerProtocolPolicy": "allow-all", "MinTTL": 0,
                 "ForwardedValues": {"QueryString": True, "Cookies": {"Forward": "all"}}},
            ]},
        }
        if viewer_certificate is not None:
            config["ViewerCertificate"] = viewer_certificate
        return config

    def test_a_behaviour_with_a_cache_policy_has_no_forwarded_values(self) -> None:
        dist = self.cf.create_distribution(DistributionConfig=self.config("policies"))["Distribution"]
        config = self.cf.get_distribution_config(Id=dist["Id"])["DistributionConfig"]
        self.assertNotIn("ForwardedValues", config["DefaultCacheBehavior"])
        api, legacy = config["CacheBehaviors"]["Items"]
        self.assertNotIn("ForwardedValues", api)
        self.assertEqual(api["CachePolicyId"], "658327ea-f89d-4fab-a63d-7e88639e58f6")
        self.assertTrue(legacy["ForwardedValues"]["QueryString"])  # a legacy behaviour keeps what it sent

    def test_an_acm_certificate_is_not_the_default_certificate(self) -> None:
        cert = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/0b6a2d1e-7c5f-4c8e-9a3b-2f1e0d9c8b7a"
        dist = self.cf.create_distribution(DistributionConfig=self.config("acm", {
            "ACMCertificateArn": cert, "SSLSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}))["Distribution"]
        got = self.cf.get_distribution(Id=dist["Id"])["Distribution"]["DistributionConfig"]["ViewerCertificate"]
        self.assertEqual(
            (got["CloudFrontDefaultCertificate"], got["ACMCertificateArn"], got["CertificateSource"], got["Certificate"]),
            (False, cert, "acm", cert),
        )
        self.assertEqual(got["MinimumProtocolVersion"], "TLSv1.2_2021")
        default = self.cf.create_distribution(DistributionConfig=self.config("default"))["Distribution"]
        got = self.cf.get_distribution(Id=default["Id"])["Distribution"]["DistributionConfig"]["ViewerCertificate"]
        self.assertTrue(got["CloudFrontDefaultCertificate"])


if __name__ == "__main__":
    unittest.main()


class Route53FailoverRecordsTest(unittest.TestCase):
    """Failover records named after the region they prefer swap set identifiers on a failover and back."""

    def setUp(self) -> None:
        front.reset()
        self.route53 = front.client("route53", REGION)
        self.zone = self.route53.create_hosted_zone(Name="app.example.com", CallerReference="1")["HostedZone"]["Id"]

    def record(self, region: str, role: str) -> dict:
        return {
            "Name": "failover.origin.app.example.com",
            "Type": "A",
            "SetIdentifier": f"{region}-{role.lower()}",
            "Failover": role,
            "AliasTarget": {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": f"alb.{region}.elb.amazonaws.com", "EvaluateTargetHealth": True},
        }

    def change(self, *changes: tuple[str, dict]) -> None:
        self.route53.change_resource_record_sets(
            HostedZoneId=self.zone,
            ChangeBatch={"Changes": [{"Action": action, "ResourceRecordSet": record} for action, record in changes]},
        )

    def swap(self, preferred: str, other: str) -> None:
        self.change(("DELETE", self.record(other, "PRIMARY")), ("CREATE", self.record(preferred, "PRIMARY")))
        self.change(("DELETE", self.record(preferred, "SECONDARY")), ("CREATE", self.record(other, "SECONDARY")))

    def identifiers(self) -> list[str]:
        sets = self.route53.list_resource_record_sets(HostedZoneId=self.zone)["ResourceRecordSets"]
        return sorted(s["SetIdentifier"] for s in sets if s.get("SetIdentifier"))

    def test_records_swap_to_the_dr_region_and_back(self) -> None:
        self.change(("CREATE", self.record("us-east-1", "PRIMARY")), ("CREATE", self.record("eu-west-1", "SECONDARY")))
        self.swap("eu-west-1", "us-east-1")
        self.assertEqual(self.identifiers(), ["eu-west-1-primary", "us-east-1-secondary"])
        self.swap("us-east-1", "eu-west-1")
        self.assertEqual(self.identifiers(), ["eu-west-1-secondary", "us-east-1-primary"])

    def test_a_record_of_the_same_set_identifier_cannot_be_created_twice(self) -> None:
        self.change(("CREATE", self.record("us-east-1", "PRIMARY")))
        with self.assertRaises(ClientError) as ctx:
            self.change(("CREATE", self.record("us-east-1", "PRIMARY")))
        self.assertEqual(error_code(ctx), "InvalidChangeBatch")
