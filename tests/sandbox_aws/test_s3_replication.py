"""S3 Replication in sandbox_aws: a new object version or delete marker in a bucket with a replication
configuration reaches the destination bucket (after PD_SANDBOX_S3_REPLICATION_DELAY), as the configuration's
role, re-encrypted with the destination's KMS key, marked REPLICA there and COMPLETED at the source; replicas
are not replicated again (a bidirectional pair, as terraform/bootstrap makes for the Terraform state, does not
loop); a destination in a region that is down catches up once it is up; keys outside the rule are left alone.

The buckets are built the way terraform/bootstrap builds them: one per region, versioned, SSE-KMS with a key of
the bucket's region, replicating to each other with delete marker replication, replica modification sync and
SSE-KMS objects opted in, as a role whose policy is the bootstrap's.
"""

from __future__ import annotations

import json
import time
import unittest
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from support import ACCOUNT, Front, wait_until

front: Front
DELAY = 0.3
PRIMARY, DR = "us-east-1", "eu-west-1"
EAST, WEST = "state-us-east-1", "state-eu-west-1"


def setUpModule() -> None:
    global front
    front = Front(PD_SANDBOX_S3_REPLICATION_DELAY=str(DELAY))


def tearDownModule() -> None:
    front.stop()


def client(service: str, region: str = PRIMARY) -> Any:
    return boto3.client(
        service,
        endpoint_url=front.url,
        region_name=region,
        aws_access_key_id="AKIDSANDBOXTEST",
        aws_secret_access_key="test",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def get(path: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(f"{front.url}{path}", timeout=10) as r:
        return json.load(r)


def state_bucket(name: str, region: str) -> str:
    """A versioned bucket in `region` encrypting with a KMS key of that region; returns the key's ARN."""
    s3 = client("s3", region)
    if region == "us-east-1":
        s3.create_bucket(Bucket=name)
    else:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    key = client("kms", region).create_key(Description=f"state {region}")["KeyMetadata"]["Arn"]
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key},
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    return key


def replication_role(name: str, source: str, source_key: str, destination: str, destination_key: str,
                     kms_encrypt: bool = True) -> str:
    """The role terraform/bootstrap gives S3 for one direction: read the source, replicate into the destination."""
    iam = client("iam")
    trust = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    src, dst = f"arn:aws:s3:::{source}", f"arn:aws:s3:::{destination}"
    statements = [
        {"Effect": "Allow", "Action": ["s3:GetReplicationConfiguration", "s3:ListBucket"], "Resource": src},
        {
            "Effect": "Allow",
            "Action": ["s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"],
            "Resource": f"{src}/*",
        },
        {"Effect": "Allow", "Action": ["s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"], "Resource": f"{dst}/*"},
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": source_key,
            "Condition": {
                "StringEquals": {"kms:ViaService": f"s3.{source_key.split(':')[3]}.amazonaws.com"},
                "StringLike": {"kms:EncryptionContext:aws:s3:arn": [src, f"{src}/*"]},
            },
        },
    ]
    if kms_encrypt:
        statements.append(
            {
                "Effect": "Allow",
                "Action": ["kms:Encrypt", "kms:GenerateDataKey"],
                "Resource": destination_key,
                "Condition": {
                    "StringEquals": {"kms:ViaService": f"s3.{destination_key.split(':')[3]}.amazonaws.com"},
                    "StringLike": {"kms:EncryptionContext:aws:s3:arn": [dst, f"{dst}/*"]},
                },
            }
        )
    iam.put_role_policy(RoleName=name, PolicyName="replication",
                        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return arn


def replicate(source: str, source_region: str, destination: str, role: str, destination_key: str,
              prefix: str = "", delete_markers: bool = True) -> None:
    client("s3", source_region).put_bucket_replication(
        Bucket=source,
        ReplicationConfiguration={
            "Role": role,
            "Rules": [
                {
                    "ID": f"to-{destination}",
                    "Priority": 1,
                    "Status": "Enabled",
                    "Filter": {"Prefix": prefix},
                    "DeleteMarkerReplication": {"Status": "Enabled" if delete_markers else "Disabled"},
                    "SourceSelectionCriteria": {
                        "SseKmsEncryptedObjects": {"Status": "Enabled"},
                        "ReplicaModifications": {"Status": "Enabled"},
                    },
                    "Destination": {
                        "Bucket": f"arn:aws:s3:::{destination}",
                        "EncryptionConfiguration": {"ReplicaKmsKeyID": destination_key},
                    },
                }
            ],
        },
    )


def head(bucket: str, key: str, region: str) -> dict | None:
    try:
        return client("s3", region).head_object(Bucket=bucket, Key=key)
    except ClientError as e:
        if e.response["ResponseMetadata"]["HTTPStatusCode"] == 404:
            return None
        raise


def versions(bucket: str, key: str, region: str) -> tuple[list[dict], list[dict]]:
    out = client("s3", region).list_object_versions(Bucket=bucket, Prefix=key)
    return (
        [v for v in out.get("Versions", []) if v["Key"] == key],
        [m for m in out.get("DeleteMarkers", []) if m["Key"] == key],
    )


def replicated(bucket: str, key: str, region: str, timeout: float = 15) -> dict:
    return wait_until(lambda: head(bucket, key, region), timeout, what=f"s3://{bucket}/{key} to be replicated")


def source_status(bucket: str, key: str, region: str, wanted: str, timeout: float = 15) -> dict:
    return wait_until(
        lambda: (h := head(bucket, key, region)) and h.get("ReplicationStatus") == wanted and h,
        timeout,
        what=f"s3://{bucket}/{key} to be {wanted}",
    )


class ReplicationTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.east_key = state_bucket(EAST, PRIMARY)
        self.west_key = state_bucket(WEST, DR)
        self.east_role = replication_role("state-replication-us-east-1", EAST, self.east_key, WEST, self.west_key)
        self.west_role = replication_role("state-replication-eu-west-1", WEST, self.west_key, EAST, self.east_key)

    def both_ways(self, prefix: str = "") -> None:
        replicate(EAST, PRIMARY, WEST, self.east_role, self.west_key, prefix)
        replicate(WEST, DR, EAST, self.west_role, self.east_key, prefix)

    def test_a_put_appears_in_the_replica_encrypted_with_the_destination_key_and_marked_replica(self) -> None:
        self.both_ways()
        put = client("s3").put_object(
            Bucket=EAST, Key="platform/us-east-1.tfstate", Body=b'{"version": 4}',
            ContentType="application/json", Metadata={"stack": "us-east-1"},
        )
        replica = replicated(WEST, "platform/us-east-1.tfstate", DR)
        self.assertEqual(replica.get("ReplicationStatus"), "REPLICA")
        self.assertEqual(replica["VersionId"], put["VersionId"], "a replica keeps the source's version id")
        self.assertEqual(replica["ETag"], put["ETag"])
        self.assertEqual(replica["ContentType"], "application/json")
        self.assertEqual(replica["Metadata"], {"stack": "us-east-1"})
        self.assertEqual(replica["ServerSideEncryption"], "aws:kms")
        self.assertEqual(replica["SSEKMSKeyId"], self.west_key, "the replica is encrypted with the destination's key")
        body = client("s3", DR).get_object(Bucket=WEST, Key="platform/us-east-1.tfstate")
        self.assertEqual(body["Body"].read(), b'{"version": 4}')
        self.assertEqual(body.get("ReplicationStatus"), "REPLICA")
        source = source_status(EAST, "platform/us-east-1.tfstate", PRIMARY, "COMPLETED")
        self.assertEqual(source["SSEKMSKeyId"], self.east_key)

    def test_a_multipart_upload_and_a_copy_replicate_too(self) -> None:
        self.both_ways()
        s3 = client("s3")
        upload = s3.create_multipart_upload(Bucket=EAST, Key="big")["UploadId"]
        part = s3.upload_part(Bucket=EAST, Key="big", UploadId=upload, PartNumber=1, Body=b"x" * 1024)
        s3.complete_multipart_upload(
            Bucket=EAST, Key="big", UploadId=upload, MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]}
        )
        s3.copy_object(Bucket=EAST, Key="copied", CopySource={"Bucket": EAST, "Key": "big"})
        self.assertEqual(replicated(WEST, "big", DR).get("ReplicationStatus"), "REPLICA")
        self.assertEqual(replicated(WEST, "copied", DR)["ContentLength"], 1024)

    def test_a_bidirectional_pair_does_not_loop(self) -> None:
        self.both_ways()
        client("s3").put_object(Bucket=EAST, Key="k", Body=b"from east")
        replicated(WEST, "k", DR)
        source_status(EAST, "k", PRIMARY, "COMPLETED")
        time.sleep(DELAY * 5)  # long enough for a replica of the replica, were there one
        self.assertEqual(len(versions(EAST, "k", PRIMARY)[0]), 1, "the replica came back to its source")
        self.assertEqual(len(versions(WEST, "k", DR)[0]), 1)

        # A write to the other bucket is a new version there, which replicates the other way.
        put = client("s3", DR).put_object(Bucket=WEST, Key="k", Body=b"from west")
        wait_until(lambda: head(EAST, "k", PRIMARY)["VersionId"] == put["VersionId"], 15, what="the west write in east")
        self.assertEqual(head(EAST, "k", PRIMARY).get("ReplicationStatus"), "REPLICA")
        source_status(WEST, "k", DR, "COMPLETED")
        time.sleep(DELAY * 5)
        self.assertEqual(len(versions(EAST, "k", PRIMARY)[0]), 2)
        self.assertEqual(len(versions(WEST, "k", DR)[0]), 2)
        self.assertEqual(get("/_sandbox/s3/replication")["pending"], [])

    def test_a_delete_marker_replicates(self) -> None:
        self.both_ways()
        client("s3").put_object(Bucket=EAST, Key="lock.tflock", Body=b"lock")
        replicated(WEST, "lock.tflock", DR)
        deleted = client("s3").delete_object(Bucket=EAST, Key="lock.tflock")
        self.assertTrue(deleted.get("DeleteMarker"))
        wait_until(lambda: head(WEST, "lock.tflock", DR) is None, 15, what="the delete marker in the replica")
        live, markers = versions(WEST, "lock.tflock", DR)
        self.assertEqual(len(live), 1, "the replicated version stays, under a delete marker")
        self.assertEqual([m["VersionId"] for m in markers], [deleted["VersionId"]])
        time.sleep(DELAY * 5)
        self.assertEqual(len(versions(EAST, "lock.tflock", PRIMARY)[1]), 1, "the replicated marker came back")

    def test_without_delete_marker_replication_the_replica_stays(self) -> None:
        replicate(EAST, PRIMARY, WEST, self.east_role, self.west_key, delete_markers=False)
        client("s3").put_object(Bucket=EAST, Key="k", Body=b"v1")
        replicated(WEST, "k", DR)
        client("s3").delete_object(Bucket=EAST, Key="k")
        client("s3").put_object(Bucket=EAST, Key="later", Body=b"v1")
        replicated(WEST, "later", DR)  # replication has run since the delete
        self.assertIsNotNone(head(WEST, "k", DR))

    def test_a_down_destination_catches_up_once_it_is_up(self) -> None:
        self.both_ways()
        status, _ = front.control(f"/_sandbox/regions/{DR}/down")
        self.assertEqual(status, 200)
        first = client("s3").put_object(Bucket=EAST, Key="k", Body=b"v1")
        second = client("s3").put_object(Bucket=EAST, Key="k", Body=b"v2")
        time.sleep(DELAY * 5)
        self.assertEqual(head(EAST, "k", PRIMARY).get("ReplicationStatus"), "PENDING")
        pending = get("/_sandbox/s3/replication")["pending"]
        self.assertEqual([(p["key"], p["versionId"], p["waitingFor"]) for p in pending],
                         [("k", first["VersionId"], DR), ("k", second["VersionId"], DR)])
        status, _ = front.control(f"/_sandbox/regions/{DR}/up")
        self.assertEqual(status, 200)
        wait_until(lambda: len(versions(WEST, "k", DR)[0]) == 2, 15, what="both versions in the replica")
        self.assertEqual(head(WEST, "k", DR)["VersionId"], second["VersionId"], "the versions arrive in order")
        self.assertEqual(client("s3", DR).get_object(Bucket=WEST, Key="k")["Body"].read(), b"v2")
        source_status(EAST, "k", PRIMARY, "COMPLETED")

    def test_a_key_outside_the_rule_prefix_is_not_copied(self) -> None:
        self.both_ways(prefix="platform/")
        s3 = client("s3")
        s3.put_object(Bucket=EAST, Key="scratch/notes", Body=b"local only")
        s3.put_object(Bucket=EAST, Key="platform/global.tfstate", Body=b"{}")
        replicated(WEST, "platform/global.tfstate", DR)
        source_status(EAST, "platform/global.tfstate", PRIMARY, "COMPLETED")
        self.assertIsNone(head(WEST, "scratch/notes", DR))
        self.assertNotIn("ReplicationStatus", head(EAST, "scratch/notes", PRIMARY))

    def test_a_role_without_the_destination_key_fails_the_replication(self) -> None:
        role = replication_role("no-encrypt", EAST, self.east_key, WEST, self.west_key, kms_encrypt=False)
        replicate(EAST, PRIMARY, WEST, role, self.west_key)
        client("s3").put_object(Bucket=EAST, Key="k", Body=b"v1")
        source_status(EAST, "k", PRIMARY, "FAILED")
        self.assertIsNone(head(WEST, "k", DR))
        self.assertIn("is not allowed kms:Encrypt", front.log_tail())

    def test_sse_kms_objects_replicate_only_when_the_rule_opts_in(self) -> None:
        client("s3").put_bucket_replication(
            Bucket=EAST,
            ReplicationConfiguration={
                "Role": self.east_role,
                "Rules": [{"ID": "r", "Priority": 1, "Status": "Enabled", "Filter": {},
                           "DeleteMarkerReplication": {"Status": "Enabled"},
                           "Destination": {"Bucket": f"arn:aws:s3:::{WEST}"}}],
            },
        )
        client("s3").put_object(Bucket=EAST, Key="k", Body=b"v1")  # SSE-KMS, the bucket's default
        client("s3").put_object(Bucket=EAST, Key="sse-s3", Body=b"v1", ServerSideEncryption="AES256")
        self.assertEqual(replicated(WEST, "sse-s3", DR)["ServerSideEncryption"], "AES256")  # replication has run
        self.assertIsNone(head(WEST, "k", DR))
        self.assertNotIn("ReplicationStatus", head(EAST, "k", PRIMARY))


class ConfigurationTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.east_key = state_bucket(EAST, PRIMARY)
        self.west_key = state_bucket(WEST, DR)
        self.role = replication_role("state-replication-us-east-1", EAST, self.east_key, WEST, self.west_key)

    def test_the_configuration_is_answered_as_it_was_put(self) -> None:
        replicate(EAST, PRIMARY, WEST, self.role, self.west_key, prefix="platform/")
        rule = client("s3").get_bucket_replication(Bucket=EAST)["ReplicationConfiguration"]["Rules"][0]
        self.assertEqual(rule["Filter"], {"Prefix": "platform/"})
        self.assertEqual(rule["Priority"], 1)
        self.assertEqual(rule["DeleteMarkerReplication"], {"Status": "Enabled"})
        self.assertEqual(rule["SourceSelectionCriteria"]["ReplicaModifications"], {"Status": "Enabled"})
        self.assertEqual(rule["Destination"]["EncryptionConfiguration"], {"ReplicaKmsKeyID": self.west_key})

    def test_a_destination_that_is_missing_or_not_versioned_is_refused(self) -> None:
        with self.assertRaises(ClientError) as missing:
            replicate(EAST, PRIMARY, "no-such-bucket", self.role, self.west_key)
        self.assertEqual(missing.exception.response["Error"]["Code"], "InvalidRequest")
        client("s3", DR).create_bucket(Bucket="unversioned", CreateBucketConfiguration={"LocationConstraint": DR})
        with self.assertRaises(ClientError) as unversioned:
            replicate(EAST, PRIMARY, "unversioned", self.role, self.west_key)
        self.assertIn("versioning", unversioned.exception.response["Error"]["Message"])


if __name__ == "__main__":
    unittest.main()
