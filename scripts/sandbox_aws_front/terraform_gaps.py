"""4. The APIs `terraform apply` of the bundled stacks calls and moto 5.2.5 lacks, answered here
(TerraformGaps). Section 4's patches of moto's models are in moto_patches/, the fields moto drops in
dropped_fields.py.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import time
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any, Callable

from .common import (
    UTC,
    AwsError,
    Response,
    account_from_environ,
    aws_json,
    aws_json_error,
    now_iso,
    read_body,
    region_from_environ,
    rest_error,
    rest_json,
    signing_service,
    xml_escape,
)

if TYPE_CHECKING:
    from .front import SandboxFront


# ---------------------------------------------------------------------------------------------------------
# 4. What `terraform apply` of the bundled stacks needs and moto 5.2.5 lacks
#
# Each route below is an API the hashicorp/aws provider (5.x) calls for a resource of terraform/ and moto
# answers with 404/500 (the provider then retries until its create timeout) or stores without returning.
# The answers carry the fields the provider reads back; state lives here, per (account, region).


CLOUDFRONT_NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/"
# URL segment -> (root element of answers, config element, NoSuch* error code)
CLOUDFRONT_POLICIES = {
    "cache-policy": ("CachePolicy", "CachePolicyConfig", "NoSuchCachePolicy"),
    "origin-request-policy": ("OriginRequestPolicy", "OriginRequestPolicyConfig", "NoSuchOriginRequestPolicy"),
    "response-headers-policy": ("ResponseHeadersPolicy", "ResponseHeadersPolicyConfig", "NoSuchResponseHeadersPolicy"),
}


def cloudfront_error(code: str, message: str, status: int = 400) -> Response:
    body = (
        f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{CLOUDFRONT_NS}"><Error><Type>Sender</Type>'
        f"<Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
        f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
    ).encode()
    return Response(status, body, [("Content-Type", "text/xml")])


class TerraformGaps:
    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        # (account, region) -> plan id -> selection id -> record
        self.backup_selections: dict[tuple, dict[str, dict[str, dict]]] = {}
        # (account, region) -> plan name -> record (with "selections": name -> record)
        self.restore_testing_plans: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> vault name -> notification configuration
        self.vault_notifications: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> rule name -> SamplingRuleRecord
        self.sampling_rules: dict[tuple, dict[str, dict]] = {}
        # (account, region) -> ARN -> tags (X-Ray)
        self.xray_tags: dict[tuple, dict[str, dict[str, str]]] = {}
        # (account, region) -> api id -> deployment id -> record
        self.apigw_deployments: dict[tuple, dict[str, dict[str, dict]]] = {}
        P = r"(?P<%s>[^/]+)"
        self.routes: list[tuple[str, str, re.Pattern, Callable[..., Response]]] = [
            ("backup", "PUT", r"/backup/plans/%s/selections/?" % (P % "plan"), self.create_backup_selection),
            ("backup", "GET", r"/backup/plans/%s/selections/?" % (P % "plan"), self.list_backup_selections),
            ("backup", "GET", r"/backup/plans/%s/selections/%s" % (P % "plan", P % "sel"), self.get_backup_selection),
            ("backup", "DELETE", r"/backup/plans/%s/selections/%s" % (P % "plan", P % "sel"), self.delete_backup_selection),
            ("backup", "PUT", r"/restore-testing/plans", self.create_restore_testing_plan),
            ("backup", "GET", r"/restore-testing/plans/%s" % (P % "name"), self.get_restore_testing_plan),
            ("backup", "PUT", r"/restore-testing/plans/%s" % (P % "name"), self.update_restore_testing_plan),
            ("backup", "DELETE", r"/restore-testing/plans/%s" % (P % "name"), self.delete_restore_testing_plan),
            ("backup", "PUT", r"/restore-testing/plans/%s/selections" % (P % "name"), self.create_restore_testing_selection),
            ("backup", "GET", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.get_restore_testing_selection),
            ("backup", "PUT", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.update_restore_testing_selection),
            ("backup", "DELETE", r"/restore-testing/plans/%s/selections/%s" % (P % "name", P % "sel"), self.delete_restore_testing_selection),
            ("backup", "PUT", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.put_vault_notifications),
            ("backup", "GET", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.get_vault_notifications),
            ("backup", "DELETE", r"/backup-vaults/%s/notification-configuration" % (P % "vault"), self.delete_vault_notifications),
            ("xray", "POST", r"/CreateSamplingRule", self.create_sampling_rule),
            ("xray", "POST", r"/GetSamplingRules", self.get_sampling_rules),
            ("xray", "POST", r"/UpdateSamplingRule", self.update_sampling_rule),
            ("xray", "POST", r"/DeleteSamplingRule", self.delete_sampling_rule),
            ("xray", "POST", r"/ListTagsForResource", self.xray_list_tags),
            ("xray", "POST", r"/TagResource", self.xray_tag),
            ("xray", "POST", r"/UntagResource", self.xray_untag),
            ("apigateway", "POST", r"/v2/apis/%s/deployments" % (P % "api"), self.create_apigw_deployment),
            ("apigateway", "GET", r"/v2/apis/%s/deployments" % (P % "api"), self.list_apigw_deployments),
            ("apigateway", "GET", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.get_apigw_deployment),
            ("apigateway", "PATCH", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.update_apigw_deployment),
            ("apigateway", "PATCH", r"/v2/apis/%s/stages/%s" % (P % "api", P % "stage"), self.update_apigw_stage),
            ("apigateway", "DELETE", r"/v2/apis/%s/deployments/%s" % (P % "api", P % "dep"), self.delete_apigw_deployment),
        ]
        for kind in CLOUDFRONT_POLICIES:
            base = f"/2020-05-31/{kind}"
            self.routes += [
                ("cloudfront", "POST", base, functools.partial(self.create_cf_policy, kind=kind)),
                ("cloudfront", "GET", base + "/" + P % "id", functools.partial(self.get_cf_policy, kind=kind)),
                ("cloudfront", "PUT", base + "/" + P % "id", functools.partial(self.update_cf_policy, kind=kind)),
                ("cloudfront", "DELETE", base + "/" + P % "id", functools.partial(self.delete_cf_policy, kind=kind)),
            ]
        self.routes = [(svc, m, re.compile(rx + "$"), fn) for svc, m, rx, fn in self.routes]  # type: ignore[misc]
        # awsJson services, by X-Amz-Target
        self.targets: dict[str, Callable[..., Response]] = {
            "AnyScaleFrontendService.RegisterScalableTarget": self.register_scalable_target,
            "AnyScaleFrontendService.ListTagsForResource": self.autoscaling_list_tags,
            "AnyScaleFrontendService.TagResource": self.autoscaling_tag,
            "AnyScaleFrontendService.UntagResource": self.autoscaling_untag,
            # The provider lists a state machine's published versions after every create and read; moto
            # has no versions (nothing here publishes one), and its 500 made the provider retry for minutes.
            "AWSStepFunctions.ListStateMachineVersions": self.sfn_list_versions,
            # Asked before every create; moto lacks it. Definitions are checked by moto's create itself.
            "AWSStepFunctions.ValidateStateMachineDefinition": self.sfn_validate,
        }
        # (account, region) -> scalable target ARN -> tags
        self.autoscaling_tags: dict[tuple, dict[str, dict[str, str]]] = {}
        # bucket -> x-amz-transition-default-minimum-object-size given with its lifecycle configuration
        self.lifecycle_min_size: dict[str, str] = {}
        # (account, kind) -> policy id -> {"config": XML of the *Config element, "etag", "modified"}
        self.cf_policies: dict[tuple, dict[str, dict]] = {}

    def reset(self) -> None:
        for store in (
            self.backup_selections,
            self.restore_testing_plans,
            self.vault_notifications,
            self.sampling_rules,
            self.xray_tags,
            self.apigw_deployments,
            self.autoscaling_tags,
            self.cf_policies,
            self.lifecycle_min_size,
        ):
            store.clear()

    def route(self, environ: dict) -> Callable[[], Response] | None:
        target = self.targets.get(environ.get("HTTP_X_AMZ_TARGET", ""))
        if target is not None:
            return lambda: self.call(target, environ, {}, errors="json")
        service = signing_service(environ)
        if service == "s3" and "lifecycle" in urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True):
            return lambda: self.s3_lifecycle(environ)
        method = environ.get("REQUEST_METHOD", "GET")
        path = urllib.parse.unquote(environ.get("PATH_INFO", ""))
        for svc, m, rx, fn in self.routes:
            match = rx.match(path)
            if svc == service and m == method and match:
                errors = "xml" if service == "cloudfront" else "rest"
                return lambda fn=fn, match=match: self.call(fn, environ, match.groupdict(), errors)
        return None

    def call(self, fn: Callable[..., Response], environ: dict, args: dict, errors: str = "rest") -> Response:
        raw = read_body(environ)
        error = {
            "json": aws_json_error,
            "rest": lambda e: rest_error(e.code, e.message, e.status),
            "xml": lambda e: cloudfront_error(e.code, e.message, e.status),
        }[errors]
        body: Any = {}
        if errors != "xml" and raw.strip():
            try:
                body = json.loads(raw)
            except ValueError:
                return error(AwsError("SerializationException", "request body is not JSON"))
        key = (account_from_environ(environ), region_from_environ(environ))
        query = dict(urllib.parse.parse_qsl(environ.get("QUERY_STRING", "")))
        try:
            with self.front.lock:
                return fn(key, body, query=query, environ=environ, raw=raw, **args)
        except AwsError as err:
            return error(err)

    # -- S3 lifecycle: TransitionDefaultMinimumObjectSize ---------------------------------------------------
    # S3 answers Put/GetBucketLifecycleConfiguration with x-amz-transition-default-minimum-object-size
    # (all_storage_classes_128K unless the PUT asked otherwise). moto omits it, and the provider's waiter for
    # aws_s3_bucket_lifecycle_configuration compares it with what it sent: 55 s per bucket instead of a moment.

    def s3_lifecycle(self, environ: dict) -> Response:
        method = environ.get("REQUEST_METHOD", "GET")
        bucket = urllib.parse.unquote(environ.get("PATH_INFO", "")).strip("/").split("/", 1)[0]
        raw = read_body(environ)
        status, headers, out = self.front.call_moto(environ, raw)
        header = "x-amz-transition-default-minimum-object-size"
        with self.front.lock:
            if method == "PUT" and status == 200:
                self.lifecycle_min_size[bucket] = environ.get("HTTP_X_AMZ_TRANSITION_DEFAULT_MINIMUM_OBJECT_SIZE") or "all_storage_classes_128K"
            elif method == "DELETE" and status < 300:
                self.lifecycle_min_size.pop(bucket, None)
            size = self.lifecycle_min_size.get(bucket, "all_storage_classes_128K")
        answer = [(k, v) for k, v in headers.items() if k.lower() != header]
        if method in ("GET", "PUT") and status == 200:
            answer.append((header, size))
        return Response(status, out, answer)

    # -- CloudFront cache, origin request and response headers policies (restXml, ETag / If-Match) ----------

    def cf_config_xml(self, raw: bytes, config_tag: str) -> str:
        text = raw.decode("utf-8", "replace")
        m = re.search(rf"<{config_tag}(\s[^>]*)?>.*</{config_tag}>", text, re.S)
        if not m:
            raise AwsError("MalformedXML", f"the request body is not a {config_tag}")
        return re.sub(rf"^<{config_tag}(\s[^>]*)?>", f"<{config_tag}>", m.group(0))

    def cf_answer(self, kind: str, policy_id: str, record: dict, status: int = 200) -> Response:
        root, _, _ = CLOUDFRONT_POLICIES[kind]
        modified = dt.datetime.fromtimestamp(record["modified"], UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        body = (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{CLOUDFRONT_NS}"><Id>{policy_id}</Id>'
            f"<LastModifiedTime>{modified}</LastModifiedTime>{record['config']}</{root}>"
        ).encode()
        headers = [("Content-Type", "text/xml"), ("ETag", record["etag"])]
        if status == 201:
            headers.append(("Location", f"https://cloudfront.amazonaws.com/2020-05-31/{kind}/{policy_id}"))
        return Response(status, body, headers)

    def cf_record(self, key: tuple, kind: str, policy_id: str) -> dict:
        record = self.cf_policies.get((key[0], kind), {}).get(policy_id)
        if record is None:
            raise AwsError(CLOUDFRONT_POLICIES[kind][2], f"The {kind.replace('-', ' ')} does not exist.", 404)
        return record

    def cf_check_etag(self, record: dict, environ: dict) -> None:
        if environ.get("HTTP_IF_MATCH") != record["etag"]:
            raise AwsError("PreconditionFailed", "The If-Match version is missing or not valid.", 412)

    def cf_name(self, config: str) -> str:
        m = re.search(r"<Name>([^<]*)</Name>", config)
        return m.group(1) if m else ""

    def create_cf_policy(self, key: tuple, body: Any, raw: bytes, kind: str, **_: Any) -> Response:
        config = self.cf_config_xml(raw, CLOUDFRONT_POLICIES[kind][1])
        policies = self.cf_policies.setdefault((key[0], kind), {})
        name = self.cf_name(config)
        if any(self.cf_name(r["config"]) == name for r in policies.values()):
            root = CLOUDFRONT_POLICIES[kind][0]
            raise AwsError(f"{root}AlreadyExists", f"A {kind.replace('-', ' ')} named {name} already exists.", 409)
        policy_id = str(uuid.uuid4())
        record = {"config": config, "etag": uuid.uuid4().hex[:14].upper(), "modified": time.time()}
        policies[policy_id] = record
        return self.cf_answer(kind, policy_id, record, 201)

    def get_cf_policy(self, key: tuple, body: Any, id: str, kind: str, **_: Any) -> Response:
        return self.cf_answer(kind, id, self.cf_record(key, kind, id))

    def update_cf_policy(self, key: tuple, body: Any, raw: bytes, environ: dict, id: str, kind: str, **_: Any) -> Response:
        record = self.cf_record(key, kind, id)
        self.cf_check_etag(record, environ)
        record.update(
            config=self.cf_config_xml(raw, CLOUDFRONT_POLICIES[kind][1]),
            etag=uuid.uuid4().hex[:14].upper(),
            modified=time.time(),
        )
        return self.cf_answer(kind, id, record)

    def delete_cf_policy(self, key: tuple, body: Any, environ: dict, id: str, kind: str, **_: Any) -> Response:
        record = self.cf_record(key, kind, id)
        self.cf_check_etag(record, environ)
        del self.cf_policies[(key[0], kind)][id]
        return Response(204, b"")

    # -- Application Auto Scaling: tags of scalable targets (moto drops them and lacks the tag APIs) --------

    def register_scalable_target(self, key: tuple, body: dict, environ: dict, raw: bytes, **_: Any) -> Response:
        status, headers, out = self.front.call_moto(environ, raw)
        if status == 200 and body.get("Tags"):
            arn = (json.loads(out or b"{}") or {}).get("ScalableTargetARN")
            if arn:
                self.autoscaling_tags.setdefault(key, {}).setdefault(arn, {}).update(body["Tags"])
        return Response(status, out, list(headers.items()))

    def sfn_list_versions(self, key: tuple, body: dict, **_: Any) -> Response:
        return aws_json({"stateMachineVersions": []})

    def sfn_validate(self, key: tuple, body: dict, **_: Any) -> Response:
        try:
            json.loads(body.get("definition") or "")
        except ValueError as e:
            return aws_json({"result": "FAIL", "diagnostics": [{"severity": "ERROR", "code": "INVALID_JSON_DESCRIPTION", "message": str(e)}]})
        return aws_json({"result": "OK", "diagnostics": []})

    def autoscaling_list_tags(self, key: tuple, body: dict, **_: Any) -> Response:
        return aws_json({"Tags": self.autoscaling_tags.get(key, {}).get(body.get("ResourceARN", ""), {})})

    def autoscaling_tag(self, key: tuple, body: dict, **_: Any) -> Response:
        self.autoscaling_tags.setdefault(key, {}).setdefault(body.get("ResourceARN", ""), {}).update(body.get("Tags") or {})
        return aws_json({})

    def autoscaling_untag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.autoscaling_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        for k in body.get("TagKeys") or []:
            tags.pop(k, None)
        return aws_json({})

    # -- AWS Backup: selections of a backup plan ----------------------------------------------------------

    def backup_backend(self, key: tuple) -> Any:
        from moto.backup.models import backup_backends

        return backup_backends[key[0]][key[1]]

    def plan_selections(self, key: tuple, plan: str) -> dict[str, dict]:
        if plan not in self.backup_backend(key).plans:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup plan {plan}", 404)
        return self.backup_selections.setdefault(key, {}).setdefault(plan, {})

    def create_backup_selection(self, key: tuple, body: dict, plan: str, **_: Any) -> Response:
        selections = self.plan_selections(key, plan)
        selection = body.get("BackupSelection") or {}
        for required in ("SelectionName", "IamRoleArn"):
            if not selection.get(required):
                raise AwsError("InvalidParameterValueException", f"BackupSelection.{required} is required")
        if any(s["BackupSelection"]["SelectionName"] == selection["SelectionName"] for s in selections.values()):
            raise AwsError("AlreadyExistsException", f"Selection {selection['SelectionName']} already exists")
        # AWS fills in the condition lists that were left out.
        conditions = selection.setdefault("Conditions", {})
        for kind in ("StringEquals", "StringLike", "StringNotEquals", "StringNotLike"):
            conditions.setdefault(kind, [])
        selection.setdefault("ListOfTags", [])
        selection.setdefault("NotResources", [])
        selection.setdefault("Resources", [])
        record = {
            "BackupPlanId": plan,
            "BackupSelection": selection,
            "CreationDate": time.time(),
            "CreatorRequestId": body.get("CreatorRequestId"),
            "SelectionId": str(uuid.uuid4()),
        }
        selections[record["SelectionId"]] = record
        return rest_json({k: record[k] for k in ("BackupPlanId", "CreationDate", "SelectionId")})

    def get_backup_selection(self, key: tuple, body: dict, plan: str, sel: str, **_: Any) -> Response:
        record = self.plan_selections(key, plan).get(sel)
        if record is None:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup selection {sel} of plan {plan}", 404)
        return rest_json({k: v for k, v in record.items() if v is not None})

    def delete_backup_selection(self, key: tuple, body: dict, plan: str, sel: str, **_: Any) -> Response:
        if self.plan_selections(key, plan).pop(sel, None) is None:
            raise AwsError("ResourceNotFoundException", f"Failed reading backup selection {sel} of plan {plan}", 404)
        return Response(200, b"")

    def list_backup_selections(self, key: tuple, body: dict, plan: str, **_: Any) -> Response:
        items = [
            {
                "BackupPlanId": r["BackupPlanId"],
                "CreationDate": r["CreationDate"],
                "CreatorRequestId": r["CreatorRequestId"],
                "IamRoleArn": r["BackupSelection"]["IamRoleArn"],
                "SelectionId": r["SelectionId"],
                "SelectionName": r["BackupSelection"]["SelectionName"],
            }
            for r in self.plan_selections(key, plan).values()
        ]
        return rest_json({"BackupSelectionsList": items})

    # -- AWS Backup: restore testing plans and selections --------------------------------------------------

    def testing_plan(self, key: tuple, name: str) -> dict:
        plan = self.restore_testing_plans.get(key, {}).get(name)
        if plan is None:
            raise AwsError("ResourceNotFoundException", f"Restore testing plan {name} not found", 404)
        return plan

    def create_restore_testing_plan(self, key: tuple, body: dict, **_: Any) -> Response:
        spec = dict(body.get("RestoreTestingPlan") or {})
        name = spec.get("RestoreTestingPlanName")
        if not name or not re.fullmatch(r"[a-zA-Z0-9_]{1,50}", name):
            raise AwsError("ValidationException", "RestoreTestingPlanName must be 1-50 letters, digits or underscores")
        plans = self.restore_testing_plans.setdefault(key, {})
        if name in plans:
            raise AwsError("AlreadyExistsException", f"Restore testing plan {name} already exists", 409)
        arn = f"arn:aws:backup:{key[1]}:{key[0]}:restore-testing-plan:{name}-{uuid.uuid4().hex[:6]}"
        spec.update(
            RestoreTestingPlanArn=arn,
            CreationTime=time.time(),
            CreatorRequestId=body.get("CreatorRequestId"),
        )
        spec.setdefault("ScheduleExpressionTimezone", "Etc/UTC")
        plans[name] = {"plan": spec, "selections": {}}
        if body.get("Tags"):
            self.backup_backend(key).tag_resource(arn, body["Tags"])
        return rest_json({k: spec[k] for k in ("CreationTime", "RestoreTestingPlanArn", "RestoreTestingPlanName")})

    def get_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        plan = self.testing_plan(key, name)["plan"]
        return rest_json({"RestoreTestingPlan": {k: v for k, v in plan.items() if v is not None}})

    def update_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        plan = self.testing_plan(key, name)["plan"]
        update = body.get("RestoreTestingPlan") or {}
        for field, value in update.items():
            if isinstance(value, dict) and isinstance(plan.get(field), dict):
                plan[field] = {**plan[field], **value}
            else:
                plan[field] = value
        plan["LastUpdateTime"] = time.time()
        out = {k: plan[k] for k in ("CreationTime", "RestoreTestingPlanArn", "RestoreTestingPlanName")}
        out["UpdateTime"] = plan["LastUpdateTime"]
        return rest_json(out)

    def delete_restore_testing_plan(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        entry = self.testing_plan(key, name)
        if entry["selections"]:
            raise AwsError("InvalidRequestException", "Delete the restore testing selections of the plan first")
        del self.restore_testing_plans[key][name]
        return Response(204, b"")

    def create_restore_testing_selection(self, key: tuple, body: dict, name: str, **_: Any) -> Response:
        entry = self.testing_plan(key, name)
        spec = dict(body.get("RestoreTestingSelection") or {})
        sel = spec.get("RestoreTestingSelectionName")
        if not sel:
            raise AwsError("ValidationException", "RestoreTestingSelectionName is required")
        if sel in entry["selections"]:
            raise AwsError("AlreadyExistsException", f"Restore testing selection {sel} already exists", 409)
        spec.update(
            RestoreTestingPlanName=name,
            CreationTime=time.time(),
            CreatorRequestId=body.get("CreatorRequestId"),
        )
        spec.setdefault("ValidationWindowHours", 0)
        entry["selections"][sel] = spec
        return rest_json(
            {
                "CreationTime": spec["CreationTime"],
                "RestoreTestingPlanArn": entry["plan"]["RestoreTestingPlanArn"],
                "RestoreTestingPlanName": name,
                "RestoreTestingSelectionName": sel,
            }
        )

    def testing_selection(self, key: tuple, name: str, sel: str) -> dict:
        spec = self.testing_plan(key, name)["selections"].get(sel)
        if spec is None:
            raise AwsError("ResourceNotFoundException", f"Restore testing selection {sel} not found", 404)
        return spec

    def get_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        spec = self.testing_selection(key, name, sel)
        return rest_json({"RestoreTestingSelection": {k: v for k, v in spec.items() if v is not None}})

    def update_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        spec = self.testing_selection(key, name, sel)
        spec.update(body.get("RestoreTestingSelection") or {})
        spec["UpdateTime"] = time.time()
        plan = self.testing_plan(key, name)["plan"]
        return rest_json(
            {
                "CreationTime": spec["CreationTime"],
                "RestoreTestingPlanArn": plan["RestoreTestingPlanArn"],
                "RestoreTestingPlanName": name,
                "RestoreTestingSelectionName": sel,
                "UpdateTime": spec["UpdateTime"],
            }
        )

    def delete_restore_testing_selection(self, key: tuple, body: dict, name: str, sel: str, **_: Any) -> Response:
        self.testing_selection(key, name, sel)
        del self.restore_testing_plans[key][name]["selections"][sel]
        return Response(204, b"")

    # -- AWS Backup: vault notifications -------------------------------------------------------------------

    def vault(self, key: tuple, name: str) -> Any:
        vault = self.backup_backend(key).vaults.get(name)
        if vault is None:
            raise AwsError("ResourceNotFoundException", f"Backup vault {name} not found", 404)
        return vault

    def put_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        v = self.vault(key, vault)
        if not body.get("SNSTopicArn") or not body.get("BackupVaultEvents"):
            raise AwsError("InvalidParameterValueException", "SNSTopicArn and BackupVaultEvents are required")
        self.vault_notifications.setdefault(key, {})[vault] = {
            "BackupVaultArn": getattr(v, "backup_vault_arn", None) or f"arn:aws:backup:{key[1]}:{key[0]}:backup-vault:{vault}",
            "BackupVaultEvents": list(body["BackupVaultEvents"]),
            "BackupVaultName": vault,
            "SNSTopicArn": body["SNSTopicArn"],
        }
        return Response(200, b"")

    def get_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        self.vault(key, vault)
        config = self.vault_notifications.get(key, {}).get(vault)
        if config is None:
            raise AwsError("ResourceNotFoundException", f"Backup vault {vault} has no notification configuration", 404)
        return rest_json(config)

    def delete_vault_notifications(self, key: tuple, body: dict, vault: str, **_: Any) -> Response:
        self.vault(key, vault)
        self.vault_notifications.get(key, {}).pop(vault, None)
        return Response(200, b"")

    # -- X-Ray sampling rules ------------------------------------------------------------------------------

    SAMPLING_RULE_FIELDS = (
        "RuleName", "RuleARN", "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName",
        "ServiceType", "Host", "HTTPMethod", "URLPath", "Version", "Attributes",
    )

    def rules(self, key: tuple) -> dict[str, dict]:
        rules = self.sampling_rules.setdefault(key, {})
        if "Default" not in rules:  # every account has it; it cannot be deleted
            rules["Default"] = self.rule_record(
                key,
                {"RuleName": "Default", "ResourceARN": "*", "Priority": 10000, "FixedRate": 0.05, "ReservoirSize": 1,
                 "ServiceName": "*", "ServiceType": "*", "Host": "*", "HTTPMethod": "*", "URLPath": "*", "Version": 1},
                0.0,
            )
        return rules

    def rule_record(self, key: tuple, rule: dict, at: float) -> dict:
        rule = {k: v for k, v in rule.items() if k in self.SAMPLING_RULE_FIELDS}
        rule.setdefault("Attributes", {})
        rule["RuleARN"] = f"arn:aws:xray:{key[1]}:{key[0]}:sampling-rule/{rule['RuleName']}"
        return {"SamplingRule": rule, "CreatedAt": at, "ModifiedAt": at}

    def find_rule(self, key: tuple, body: dict) -> dict:
        rules = self.rules(key)
        name = body.get("RuleName") or (body.get("RuleARN") or "").rsplit("/", 1)[-1]
        if name not in rules:
            raise AwsError("InvalidRequestException", f"Sampling rule {name} does not exist")
        return rules[name]

    def create_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        rule = body.get("SamplingRule") or {}
        missing = [f for f in ("RuleName", "ResourceARN", "Priority", "FixedRate", "ReservoirSize", "ServiceName",
                               "ServiceType", "Host", "HTTPMethod", "URLPath", "Version") if f not in rule]
        if missing:
            raise AwsError("InvalidRequestException", f"SamplingRule misses {', '.join(missing)}")
        rules = self.rules(key)
        if rule["RuleName"] in rules:
            raise AwsError("InvalidRequestException", f"Sampling rule {rule['RuleName']} already exists")
        record = self.rule_record(key, rule, time.time())
        rules[rule["RuleName"]] = record
        tags = self.xray_tags.setdefault(key, {}).setdefault(record["SamplingRule"]["RuleARN"], {})
        tags.update({t["Key"]: t["Value"] for t in body.get("Tags") or []})
        return rest_json({"SamplingRuleRecord": record})

    def get_sampling_rules(self, key: tuple, body: dict, **_: Any) -> Response:
        return rest_json({"SamplingRuleRecords": list(self.rules(key).values())})

    def update_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        update = body.get("SamplingRuleUpdate") or {}
        record = self.find_rule(key, update)
        rule = record["SamplingRule"]
        for field, value in update.items():
            if field in self.SAMPLING_RULE_FIELDS and field not in ("RuleName", "RuleARN", "Version"):
                rule[field] = value
        record["ModifiedAt"] = time.time()
        return rest_json({"SamplingRuleRecord": record})

    def delete_sampling_rule(self, key: tuple, body: dict, **_: Any) -> Response:
        record = self.find_rule(key, body)
        if record["SamplingRule"]["RuleName"] == "Default":
            raise AwsError("InvalidRequestException", "The Default sampling rule cannot be deleted")
        del self.sampling_rules[key][record["SamplingRule"]["RuleName"]]
        self.xray_tags.get(key, {}).pop(record["SamplingRule"]["RuleARN"], None)
        return rest_json({"SamplingRuleRecord": record})

    def xray_list_tags(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        return rest_json({"Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]})

    def xray_tag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.setdefault(key, {}).setdefault(body.get("ResourceARN", ""), {})
        tags.update({t["Key"]: t["Value"] for t in body.get("Tags") or []})
        return rest_json({})

    def xray_untag(self, key: tuple, body: dict, **_: Any) -> Response:
        tags = self.xray_tags.get(key, {}).get(body.get("ResourceARN", ""), {})
        for k in body.get("TagKeys") or []:
            tags.pop(k, None)
        return rest_json({})

    # -- API Gateway v2 deployments ------------------------------------------------------------------------

    def api_deployments(self, key: tuple, api: str) -> dict[str, dict]:
        from moto.apigatewayv2.models import apigatewayv2_backends

        if api not in apigatewayv2_backends[key[0]][key[1]].apis:
            raise AwsError("NotFoundException", f"Invalid API identifier specified {key[0]}:{api}", 404)
        return self.apigw_deployments.setdefault(key, {}).setdefault(api, {})

    def create_apigw_deployment(self, key: tuple, body: dict, api: str, **_: Any) -> Response:
        deployments = self.api_deployments(key, api)
        record = {
            "autoDeployed": False,
            "createdDate": now_iso(),
            "deploymentId": uuid.uuid4().hex[:6],
            "deploymentStatus": "DEPLOYED",
        }
        if body.get("description") is not None:
            record["description"] = body["description"]
        deployments[record["deploymentId"]] = record
        return rest_json(record, 201)

    def apigw_deployment(self, key: tuple, api: str, dep: str) -> dict:
        record = self.api_deployments(key, api).get(dep)
        if record is None:
            raise AwsError("NotFoundException", f"Invalid Deployment identifier specified {key[0]}:{api}:{dep}", 404)
        return record

    def get_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        return rest_json(self.apigw_deployment(key, api, dep))

    def list_apigw_deployments(self, key: tuple, body: dict, api: str, **_: Any) -> Response:
        return rest_json({"items": list(self.api_deployments(key, api).values())})

    def update_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        record = self.apigw_deployment(key, api, dep)
        if "description" in body:
            record["description"] = body["description"]
        return rest_json(record)

    # -- API Gateway v2 stages: UpdateStage (a new deployment of a WebSocket API is put live with it) --------

    def update_apigw_stage(self, key: tuple, body: dict, api: str, stage: str, **_: Any) -> Response:
        from moto.apigatewayv2.models import apigatewayv2_backends

        try:
            record = apigatewayv2_backends[key[0]][key[1]].get_stage(api, stage)
        except Exception:
            raise AwsError("NotFoundException", f"Invalid stage identifier specified: {stage}", 404)
        record.config.update(body)
        for field, attr in (("description", "description"), ("autoDeploy", "auto_deploy"),
                            ("stageVariables", "stage_variables"), ("accessLogSettings", "access_log_settings"),
                            ("defaultRouteSettings", "default_route_settings"), ("routeSettings", "route_settings")):
            if field in body:
                setattr(record, attr, body[field])
        record.updated = dt.datetime.now()
        return rest_json(record.to_json())

    def delete_apigw_deployment(self, key: tuple, body: dict, api: str, dep: str, **_: Any) -> Response:
        self.apigw_deployment(key, api, dep)
        del self.apigw_deployments[key][api][dep]
        return Response(204, b"")
