"""8. S3 replication."""

from __future__ import annotations

import functools
import json
import threading
import time
import traceback
from typing import TYPE_CHECKING, Any

from .common import Response, env_float, json_response, log
from .iam_gate import IamGate, _as_list, _glob

if TYPE_CHECKING:
    from .front import SandboxFront


# ---------------------------------------------------------------------------------------------------------
# 8. S3 replication (moto 5.2.5 stores a bucket's replication configuration and replicates nothing)

S3_REPLICATION_HEADER = "x-amz-replication-status"


def _enabled(block: Any) -> bool:
    return isinstance(block, dict) and block.get("Status") == "Enabled"


class S3Replication:
    """S3 Replication (same- and cross-Region) on moto's buckets, as S3 does it, asynchronously.

    A new object version (PutObject, CopyObject, CompleteMultipartUpload, POST upload) or delete marker
    (DeleteObject / DeleteObjects without a version id) in a bucket whose replication configuration has an
    Enabled rule matching its key (Filter Prefix / Tag / And, or the old top-level Prefix; the highest Priority
    per destination) is copied, PD_SANDBOX_S3_REPLICATION_DELAY seconds (default 0.5) after the request that
    made it, to each destination bucket (Destination.Bucket, arn:aws:s3:::NAME): body, metadata, tags, ETag,
    Last-Modified, the same version id, storage class (Destination.StorageClass or the source's); an SSE-KMS
    object is replicated only when the rule has SourceSelectionCriteria.SseKmsEncryptedObjects Enabled, and its
    replica is encrypted with Destination.EncryptionConfiguration.ReplicaKmsKeyID (which must be a key of the
    destination's region), as S3 does. Delete markers go only where DeleteMarkerReplication is Enabled (and
    never by a tag-filtered rule). HEAD/GET answer x-amz-replication-status: PENDING, then COMPLETED (or
    FAILED) on the source, REPLICA on the copy; a replica is never replicated again, so a bidirectional pair
    (each bucket replicating to the other, with ReplicaModifications) does not loop.

    S3 replicates as the configuration's Role, so the role must exist, trust s3.amazonaws.com and allow
    (identity policies, evaluated as the IAM gate does) s3:GetReplicationConfiguration and s3:ListBucket on the
    source bucket, s3:GetObjectVersionForReplication and s3:GetObjectVersionAcl (+ s3:GetObjectVersionTagging
    for a tagged object) on the source object, s3:ReplicateObject (+ s3:ReplicateTags) or s3:ReplicateDelete on
    the destination object, kms:Decrypt on the source object's key and kms:Encrypt on the replica key (with
    kms:ViaService s3.<region>.amazonaws.com and kms:EncryptionContext:aws:s3:arn in the context); otherwise
    the replication FAILS (status FAILED, a log line says which permission). So does a destination bucket
    that is missing or not versioned.

    While the source's or the destination's region is down (RegionOutage), replication to that destination
    waits, and catches up once both are up, in the order the versions were written, like S3.
    PutBucketReplication is refused (InvalidRequest) when a destination bucket does not exist or is not
    versioned, or SseKmsEncryptedObjects is Enabled without a ReplicaKmsKeyID; GetBucketReplication answers
    the rules as they were put (moto answers every rule with an empty filter and no delete marker
    replication, which a Terraform re-plan would see as drift).

    GET /_sandbox/s3/replication answers {"delay", "pending": [{source, destination, key, versionId, kind,
    due, waitingFor}]}.
    """

    TICK = 0.05

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.delay = max(0.0, env_float("PD_SANDBOX_S3_REPLICATION_DELAY", 0.5))
        self.local = threading.local()
        self.lock = threading.Lock()
        self.pending: list[dict[str, Any]] = []
        threading.Thread(target=self.worker, name="s3-replication", daemon=True).start()

    def reset(self) -> None:
        with self.lock:
            self.pending = []

    # -- moto patches ---------------------------------------------------------------------------------------

    def install(self) -> None:
        from moto.s3.exceptions import S3ClientError
        from moto.s3.models import FakeKey, S3Backend
        from moto.s3.responses import S3Response

        replication = self
        put_object = S3Backend.put_object
        set_delete_marker = S3Backend._set_delete_marker
        put_bucket_replication = S3Backend.put_bucket_replication
        response_dict = FakeKey.response_dict.fget

        @functools.wraps(put_object)
        def put(backend: Any, *args: Any, **kwargs: Any) -> Any:
            key = put_object(backend, *args, **kwargs)
            replication.written(backend, key.bucket_name, key, "object")
            return key

        @functools.wraps(set_delete_marker)
        def delete_marker(backend: Any, bucket_name: str, key_name: str) -> Any:
            marker = set_delete_marker(backend, bucket_name, key_name)
            replication.written(backend, bucket_name, marker, "delete")
            return marker

        @functools.wraps(put_bucket_replication)
        def put_configuration(backend: Any, bucket_name: str, config: dict[str, Any]) -> None:
            rules = config.get("Rule")
            for rule in _as_list(rules):
                destination = (rule or {}).get("Destination") or {}
                name = str(destination.get("Bucket") or "").split(":::", 1)[-1]
                target = backend.buckets.get(name)
                if target is None:
                    raise S3ClientError("InvalidRequest", "Destination bucket must exist.")
                if not target.is_versioned:
                    raise S3ClientError("InvalidRequest", "Destination bucket must have versioning enabled.")
                criteria = (rule or {}).get("SourceSelectionCriteria") or {}
                if _enabled(criteria.get("SseKmsEncryptedObjects")) and not (
                    (destination.get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
                ):
                    raise S3ClientError(
                        "InvalidRequest", "ReplicaKmsKeyID must be specified if SseKmsEncryptedObjects tag is present."
                    )
            put_bucket_replication(backend, bucket_name, config)

        def answered(key: Any) -> dict[str, Any]:
            headers = response_dict(key)
            status = replication.status(key)
            if status:
                headers[S3_REPLICATION_HEADER] = status
            return headers

        def get_bucket_replication(response: Any) -> Any:
            from moto.core.responses import ActionResult
            from moto.s3.exceptions import ReplicationConfigurationNotFoundError

            response.data["Action"] = "GetBucketReplication"
            config = response.backend.get_bucket_replication(response.bucket_name)
            if not config:
                raise ReplicationConfigurationNotFoundError(bucket_name=response.bucket_name)
            rules = [self.rule_answer(rule) for rule in _as_list(config.get("Rule"))]
            return response.serialized(
                ActionResult({"ReplicationConfiguration": {"Role": config.get("Role"), "Rules": rules}})
            )

        S3Backend.put_object = put
        S3Backend._set_delete_marker = delete_marker
        S3Backend.put_bucket_replication = put_configuration
        FakeKey.response_dict = property(answered)
        S3Response.get_bucket_replication = get_bucket_replication

    @staticmethod
    def rule_answer(rule: dict[str, Any]) -> dict[str, Any]:
        """A stored rule (the PUT's XML as xmltodict parsed it) in the shape of GetBucketReplication's answer."""

        def ints(value: Any) -> Any:
            if isinstance(value, dict):
                return {k: (int(v) if k == "Minutes" and str(v).isdigit() else ints(v)) for k, v in value.items()}
            return value

        out = {k: ints(v) for k, v in rule.items() if v is not None}
        if str(out.get("Priority", "")).isdigit():
            out["Priority"] = int(out["Priority"])
        if "Filter" in rule:
            flt = dict(rule.get("Filter") or {})
            if isinstance(flt.get("And"), dict):
                conj = dict(flt["And"])
                if "Tag" in conj:
                    conj["Tags"] = _as_list(conj.pop("Tag"))
                flt["And"] = conj
            out["Filter"] = flt
        return out

    # -- what was written -----------------------------------------------------------------------------------

    def begin(self) -> bool:
        """Collects the versions a request writes, to schedule them once it is answered (its metadata and
        tags are set after moto's put_object); False when a request is already collecting on this thread."""
        if getattr(self.local, "events", None) is not None:
            return False
        self.local.events = []
        return True

    def end(self) -> None:
        events, self.local.events = self.local.events, None
        if events:
            self.schedule(events)

    def written(self, backend: Any, bucket_name: str, version: Any, kind: str) -> None:
        if getattr(self.local, "replicating", False):
            return  # a replica: never replicated again
        event = (backend.account_id, bucket_name, version, kind)
        events = getattr(self.local, "events", None)
        if events is not None:
            events.append(event)
        else:
            self.schedule([event])

    @staticmethod
    def status(version: Any) -> str | None:
        if getattr(version, "sandbox_replica", False):
            return "REPLICA"
        targets = getattr(version, "sandbox_replication", None)
        if not targets:
            return None
        states = set(targets.values())
        return "FAILED" if "FAILED" in states else "PENDING" if "PENDING" in states else "COMPLETED"

    @staticmethod
    def backend(account: str) -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[account]["aws"]

    @staticmethod
    def filter_of(rule: dict[str, Any]) -> tuple[str, list[dict[str, str]]]:
        """(prefix, tags) a rule selects by."""
        if "Filter" not in rule:
            return str(rule.get("Prefix") or ""), []
        flt = rule.get("Filter") or {}
        if isinstance(flt.get("And"), dict):
            conj = flt["And"]
            return str(conj.get("Prefix") or ""), [t for t in _as_list(conj.get("Tag")) if isinstance(t, dict)]
        return str(flt.get("Prefix") or ""), [t for t in _as_list(flt.get("Tag")) if isinstance(t, dict)]

    def rules_for(self, backend: Any, bucket: Any, version: Any, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(destination bucket name, rule) for each destination the version goes to."""
        config = getattr(bucket, "replication", None) or {}
        tags: dict[str, str] = {}
        if kind == "object":
            try:
                tags = {t["Key"]: t["Value"] for t in backend.tagger.list_tags_for_resource(version.arn)["Tags"]}
            except Exception:
                tags = {}
        best: dict[str, tuple[int, dict[str, Any]]] = {}
        for rule in _as_list(config.get("Rule")):
            if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
                continue
            prefix, wanted = self.filter_of(rule)
            if not version.name.startswith(prefix) or any(tags.get(t.get("Key")) != t.get("Value") for t in wanted):
                continue
            if kind == "delete":
                # V1 rules (a top-level Prefix) replicate delete markers; V2 ones when asked, never by tag.
                if wanted or ("Filter" in rule and not _enabled(rule.get("DeleteMarkerReplication"))):
                    continue
            elif version.encryption == "aws:kms" and not _enabled(
                ((rule.get("SourceSelectionCriteria") or {}).get("SseKmsEncryptedObjects"))
            ):
                continue  # S3 skips SSE-KMS objects unless the rule opts in
            destination = str((rule.get("Destination") or {}).get("Bucket") or "").split(":::", 1)[-1]
            try:
                priority = int(rule.get("Priority") or 0)
            except ValueError:
                priority = 0
            if destination and (destination not in best or priority > best[destination][0]):
                best[destination] = (priority, rule)
        return [(dest, rule) for dest, (_, rule) in best.items()]

    def schedule(self, events: list[tuple[str, str, Any, str]]) -> None:
        tasks = []
        due = time.time() + self.delay
        for account, bucket_name, version, kind in events:
            try:
                backend = self.backend(account)
                bucket = backend.buckets.get(bucket_name)
                if bucket is None or not getattr(bucket, "replication", None):
                    continue
                targets = self.rules_for(backend, bucket, version, kind)
            except Exception:  # replication must never cost the request that wrote the object
                traceback.print_exc()
                continue
            if targets and kind == "object":
                version.sandbox_replication = {dest: "PENDING" for dest, _ in targets}
            for dest, rule in targets:
                tasks.append(
                    {
                        "account": account, "source": bucket_name, "destination": dest, "key": version.name,
                        "version": version, "kind": kind, "rule": rule, "role": bucket.replication.get("Role"),
                        "due": due,
                    }
                )
        if tasks:
            with self.lock:
                self.pending.extend(tasks)

    # -- the replicator -------------------------------------------------------------------------------------

    def worker(self) -> None:
        while True:
            time.sleep(self.TICK)
            try:
                self.run_due()
            except Exception:
                traceback.print_exc()

    def waiting_for(self, task: dict[str, Any]) -> str | None:
        """The down region a task waits for, or None."""
        backend = self.backend(task["account"])
        for name in (task["source"], task["destination"]):
            bucket = backend.buckets.get(name)
            region = getattr(bucket, "region_name", None)
            if self.front.outage.is_down(region):
                return region
        return None

    def run_due(self) -> None:
        with self.lock:
            tasks = list(self.pending)
        if not tasks:
            return
        now = time.time()
        done: list[dict[str, Any]] = []
        held: set[tuple[str, str]] = set()  # (destination, key) with an earlier version still waiting
        for task in tasks:
            ident = (task["destination"], task["key"])
            if ident in held or task["due"] > now or self.waiting_for(task):
                held.add(ident)
                continue
            try:
                self.replicate(task)
            except Exception as exc:
                traceback.print_exc()
                self.settle(task, "FAILED", f"sandbox_aws error {exc!r}")
            done.append(task)
        if done:
            with self.lock:
                self.pending = [t for t in self.pending if not any(t is d for d in done)]

    def settle(self, task: dict[str, Any], state: str, why: str = "") -> None:
        version = task["version"]
        targets = getattr(version, "sandbox_replication", None)
        if targets is not None and task["destination"] in targets:
            targets[task["destination"]] = state
        what = "delete marker" if task["kind"] == "delete" else "object"
        line = f"s3 replication: {what} s3://{task['source']}/{task['key']} ({version.version_id}) -> {task['destination']}: {state}"
        log(f"{line} ({why})" if why else line)

    def replicate(self, task: dict[str, Any]) -> None:
        backend = self.backend(task["account"])
        source = backend.buckets.get(task["source"])
        destination = backend.buckets.get(task["destination"])
        version = task["version"]
        if source is None or not any(v is version for v in source.keys.getlist(task["key"], [])):
            return  # the version (or its bucket) was deleted before it replicated: nothing to copy
        if destination is None:
            return self.settle(task, "FAILED", "the destination bucket does not exist")
        if not destination.is_versioned:
            return self.settle(task, "FAILED", "versioning is not enabled on the destination bucket")
        replica_key = ((task["rule"].get("Destination") or {}).get("EncryptionConfiguration") or {}).get("ReplicaKmsKeyID")
        refusal = self.authorise(task, source, destination, replica_key)
        if refusal:
            return self.settle(task, "FAILED", refusal)
        existing = destination.keys.getlist(task["key"], [])
        if any(str(v.version_id) == str(version.version_id) for v in existing):
            return self.settle(task, "COMPLETED", "already there")
        self.local.replicating = True
        try:
            if task["kind"] == "delete":
                if not existing:
                    return self.settle(task, "COMPLETED", "no object of that key in the destination")
                marker = backend._set_delete_marker(task["destination"], task["key"])
                marker._version_id = version.version_id
                marker.sandbox_replica = True
                return self.settle(task, "COMPLETED")
            self.copy(backend, task, version, replica_key)
        finally:
            self.local.replicating = False
        self.settle(task, "COMPLETED")

    @staticmethod
    def copy(backend: Any, task: dict[str, Any], version: Any, replica_key: str | None) -> None:
        from moto.utilities.utils import LowercaseDict

        encryption, kms_key_id = version.encryption, None
        if encryption == "aws:kms":
            kms_key_id = replica_key
        storage = (task["rule"].get("Destination") or {}).get("StorageClass") or version.storage_class
        replica = backend.put_object(
            task["destination"],
            task["key"],
            version.value,
            storage=storage,
            etag=version._etag,
            encryption=encryption,
            kms_key_id=kms_key_id,
            bucket_key_enabled=version.bucket_key_enabled,
            checksum_value=version.checksum_value,
        )
        replica._version_id = version.version_id
        replica._metadata = LowercaseDict(version.metadata)
        replica.last_modified = version.last_modified
        replica.checksum_algorithm = version.checksum_algorithm
        replica.checksum_type = version.checksum_type
        replica.website_redirect_location = version.website_redirect_location
        replica.sandbox_replica = True
        backend.tagger.copy_tags(version.arn, replica.arn)

    def authorise(self, task: dict[str, Any], source: Any, destination: Any, replica_key: str | None) -> str | None:
        """Why S3, acting as the replication role, may not replicate this version; None when it may."""
        from moto.iam.models import iam_backends
        from moto.kms.models import kms_backends

        account, role_arn = task["account"], str(task["role"] or "")
        try:
            role = iam_backends[account]["aws"].get_role_by_arn(role_arn)
        except Exception:
            return f"the replication role {role_arn!r} does not exist"
        trust = role.assume_role_policy_document
        trust = json.loads(trust) if isinstance(trust, str) else (trust or {})
        if not any(
            st.get("Effect") == "Allow"
            and any(_glob(a, "sts:AssumeRole", True) for a in _as_list(st.get("Action", [])))
            and "s3.amazonaws.com" in _as_list((st.get("Principal") or {}).get("Service", []))
            for st in _as_list(trust.get("Statement", []))
        ):
            return f"the role {role_arn} does not trust s3.amazonaws.com"
        version = task["version"]
        src_region, dest_region = source.region_name, destination.region_name
        src_bucket, dest_bucket = f"arn:aws:s3:::{source.name}", f"arn:aws:s3:::{destination.name}"
        src_object, dest_object = f"{src_bucket}/{task['key']}", f"{dest_bucket}/{task['key']}"
        checks: list[tuple[str, str, dict]] = [
            ("s3:GetReplicationConfiguration", src_bucket, {}),
            ("s3:ListBucket", src_bucket, {}),
        ]
        if task["kind"] == "delete":
            checks.append(("s3:ReplicateDelete", dest_object, {}))
        else:
            checks += [
                ("s3:GetObjectVersionForReplication", src_object, {}),
                ("s3:GetObjectVersionAcl", src_object, {}),
                ("s3:ReplicateObject", dest_object, {}),
            ]
            if self.backend(account).tagger.list_tags_for_resource(version.arn)["Tags"]:
                checks += [("s3:GetObjectVersionTagging", src_object, {}), ("s3:ReplicateTags", dest_object, {})]
            if version.encryption == "aws:kms":
                # With S3 Bucket Keys the encryption context is the bucket's ARN, otherwise the object's.
                bucket_key = str(version.bucket_key_enabled).lower() == "true"
                dest_arn = IamGate.kms_key_arn(account, dest_region, replica_key)
                if dest_arn.split(":")[3] != dest_region:
                    return f"the replica KMS key {replica_key} is not in the destination's region {dest_region}"
                try:
                    kms_backends[account][dest_region].describe_key(replica_key)
                except Exception:
                    return f"the replica KMS key {replica_key} does not exist in {dest_region}"
                checks += [
                    (
                        "kms:Decrypt",
                        IamGate.kms_key_arn(account, src_region, version.kms_key_id),
                        {"kms:ViaService": f"s3.{src_region}.amazonaws.com",
                         "kms:EncryptionContext:aws:s3:arn": src_bucket if bucket_key else src_object},
                    ),
                    (
                        "kms:Encrypt",
                        dest_arn,
                        {"kms:ViaService": f"s3.{dest_region}.amazonaws.com",
                         "kms:EncryptionContext:aws:s3:arn": dest_bucket if bucket_key else dest_object},
                    ),
                ]
        try:
            docs = IamGate.role_policies(account, role.name)
        except Exception:
            docs = []
        for action, resource, context in checks:
            if IamGate.decide(docs, action, resource, context) != "allow":
                return f"the role {role_arn} is not allowed {action} on {resource}"
        return None

    # -- control --------------------------------------------------------------------------------------------

    def control_report(self) -> Response:
        with self.lock:
            tasks = list(self.pending)
        pending = [
            {
                "source": t["source"], "destination": t["destination"], "key": t["key"],
                "versionId": t["version"].version_id, "kind": t["kind"], "due": t["due"],
                "waitingFor": self.waiting_for(t),
            }
            for t in tasks
        ]
        return json_response({"delay": self.delay, "pending": pending})
