"""5. IAM, as AWS enforces it, for role sessions (IamGate), with the operation of a REST request named from
botocore's model of its service (RestOperations).
"""

from __future__ import annotations

import base64
import functools
import json
import re
import urllib.parse
import uuid
from typing import TYPE_CHECKING, Any

import botocore.session
import cbor2

from .cloudwatch_cbor import CloudWatchCbor
from .common import Response, account_from_environ, default_account, log, rest_error

if TYPE_CHECKING:
    from .front import SandboxFront


# ---------------------------------------------------------------------------------------------------------
# 5. IAM for role sessions

# IAM prefix by SigV4 signing name, where they differ (the service comes from the credential scope, the
# operation from X-Amz-Target, the CBOR path, the query Action or, for REST services, the method and path
# matched against botocore's model of the service).
IAM_PREFIX = {"monitoring": "cloudwatch"}
# botocore service models by SigV4 signing name, for the REST services whose model name differs.
REST_MODELS = {"apigateway": ["apigatewayv2", "apigateway"]}


class RestOperations:
    """The operation of a REST (rest-json / rest-xml) request, from botocore's model of the service: the
    operation whose method and requestUri (path template plus required query keys) match, the most literal
    one when several do (`/2015-03-31/functions/{FunctionName}/policy` over `/functions/{FunctionName}`)."""

    def __init__(self) -> None:
        self.session = botocore.session.get_session()
        self.by_signing: dict[str, list[tuple[str, re.Pattern, set[str], int, str]]] = {}

    def routes(self, signing_name: str) -> list[tuple[str, re.Pattern, set[str], int, str]]:
        if signing_name not in self.by_signing:
            routes = []
            for name in REST_MODELS.get(signing_name, [signing_name]):
                try:
                    model = self.session.get_service_model(name)
                except Exception:
                    continue
                if model.protocol not in ("rest-json", "rest-xml"):
                    continue
                for op_name in model.operation_names:
                    http = model.operation_model(op_name).http
                    path, _, query = http.get("requestUri", "/").partition("?")
                    literal = len(re.sub(r"\{[^}]+\}", "", path))
                    pattern = re.sub(
                        r"\\\{([^}]+?)(\\\+)?\\\}",
                        lambda m: ".+" if m.group(2) else "[^/]+",
                        re.escape(path.rstrip("/") or "/"),
                    )
                    keys = {q.split("=", 1)[0] for q in query.split("&") if q}
                    routes.append((http.get("method", "GET"), re.compile(f"^{pattern}/?$"), keys, literal, op_name))
            routes.sort(key=lambda r: (-len(r[2]), -r[3]))
            self.by_signing[signing_name] = routes
        return self.by_signing[signing_name]

    def speaks_rest_json(self, signing_name: str) -> bool:
        for name in REST_MODELS.get(signing_name, [signing_name]):
            try:
                return self.session.get_service_model(name).protocol == "rest-json"
            except Exception:
                continue
        return False

    def operation(self, signing_name: str, method: str, path: str, query: str) -> str | None:
        present = set(urllib.parse.parse_qs(query, keep_blank_values=True))
        for route_method, pattern, keys, _, op_name in self.routes(signing_name):
            if route_method == method and keys <= present and pattern.match(path):
                return op_name
        return None


# Policy evaluation runs on every request of a role session, and AWS managed policies are large: ReadOnlyAccess
# is one ~100 kB document with ~3,000 action patterns. So each policy text is parsed once, and the patterns of
# each Action / NotAction / Resource / NotResource list are compiled once into a single anchored alternation
# (compiling them one by one per request cost ~80 ms, as they overflow the `re` module's own cache of 512).


@functools.lru_cache(maxsize=256)
def _policy_document(text: str) -> Any:
    """A policy document given as JSON text, parsed once per distinct text. The same object is answered for the
    same text: callers read it, never modify it."""
    return json.loads(text)


def _glob_regex(pattern: str) -> str:
    """The regex of one IAM wildcard pattern: `*` any run of characters, `?` any one character, the rest literal."""
    return re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")


@functools.lru_cache(maxsize=1024)
def _glob_matcher(patterns: tuple[str, ...], ignore_case: bool) -> re.Pattern | None:
    """One compiled regex matching exactly the values any of `patterns` matches (None when there are no
    patterns: then nothing matches)."""
    if not patterns:
        return None
    alternation = "|".join(_glob_regex(p) for p in patterns)
    return re.compile(f"^(?:{alternation})$", re.IGNORECASE if ignore_case else 0)


def _glob(pattern: str, value: str, ignore_case: bool = False) -> bool:
    matcher = _glob_matcher((pattern,), ignore_case)
    return matcher is not None and matcher.match(value) is not None


def _glob_any(patterns: Any, value: str, ignore_case: bool = False) -> bool:
    """Whether any of `patterns` (one pattern or a list of them, as a policy statement gives them) matches."""
    items = tuple(_as_list(patterns))
    try:
        matcher = _glob_matcher(items, ignore_case)
    except TypeError:
        # An entry that is not a string: pattern by pattern, as far as the first match (what any() over _glob does).
        return any(_glob(p, value, ignore_case) for p in items)
    return matcher is not None and matcher.match(value) is not None


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


class IamGate:
    """Identity-based policies enforced on role sessions, against the resource each request acts on.

    moto does not enforce IAM by default, and when it does it checks every non-S3 request against the
    resource "*", so a statement scoped to ARNs never matches there. Here: keys that are not a session of an
    assumed role (the account's static `test` keys) act as the account root, unrestricted as root is in AWS;
    a session from STS AssumeRole / AssumeRoleWithWebIdentity may do only what the role's inline and attached
    policies allow for the request's action and resource ARNs (explicit Deny wins; conditions on keys this
    gate supplies are evaluated, others never hold). Requests AWS authorises more than once are checked as
    AWS does: RegisterTaskDefinition with tags also needs ecs:TagResource, naming a task or execution role
    also needs iam:PassRole to ecs-tasks.amazonaws.com, and CreateService / UpdateService naming an ECS
    infrastructure role (lifecycle hooks, advancedConfiguration, managed EBS volumes) iam:PassRole to
    ecs.amazonaws.com. A refusal is AWS's AccessDenied, naming the session,
    the action and the resource. STS refuses to assume a role that does not exist.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.rest = RestOperations()

    # -- who and what ---------------------------------------------------------------------------------------

    @staticmethod
    def signing(environ: dict) -> tuple[str, str, str] | None:
        """(access key id, region, signing name) of a SigV4-signed request."""
        m = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/([^/]+)/", environ.get("HTTP_AUTHORIZATION", ""))
        return (m.group(1), m.group(2), m.group(3)) if m else None

    @staticmethod
    def session(account: str, access_key: str) -> Any:
        from moto.sts.models import sts_backends

        return sts_backends[account]["aws"].get_assumed_role_from_access_key(access_key)

    @staticmethod
    def operation(environ: dict, body: bytes) -> tuple[str | None, dict]:
        """The operation name and its parameters, for the JSON, query and CBOR protocols."""
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            try:
                params = json.loads(body) if body.strip() else {}
            except ValueError:
                params = {}
            return target.split(".", 1)[-1], params
        path = environ.get("PATH_INFO", "")
        if path.startswith("/service/") and "/operation/" in path:
            try:
                params = cbor2.loads(body) if body else {}
            except Exception:
                params = {}
            return path.rsplit("/", 1)[-1], params if isinstance(params, dict) else {}
        form = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""))
        if "form-urlencoded" in environ.get("CONTENT_TYPE", ""):
            form.update(urllib.parse.parse_qs(body.decode("utf-8", "replace")))
        if "Action" in form:
            return form["Action"][0], {k: v[0] for k, v in form.items()}
        return None, {}

    @staticmethod
    def s3_action(environ: dict) -> tuple[str, str]:
        """S3's action and resource from the method and path (path-style addressing)."""
        method = environ.get("REQUEST_METHOD", "GET")
        parts = environ.get("PATH_INFO", "/").lstrip("/").split("/", 1)
        bucket, key = parts[0], (parts[1] if len(parts) > 1 else "")
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        if key:
            action = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
                method, "PutObject"
            )
            return f"s3:{action}", f"arn:aws:s3:::{bucket}/{key}"
        if method in ("GET", "HEAD") and not set(query) - {"list-type", "prefix", "delimiter", "max-keys",
                                                           "continuation-token", "encoding-type", "marker"}:
            return "s3:ListBucket", f"arn:aws:s3:::{bucket}"
        sub = next(iter(query), "")
        return f"s3:{method.title()}Bucket{sub.title()}", f"arn:aws:s3:::{bucket}"

    def rest_check(self, environ: dict, service: str, prefix: str, region: str) -> tuple[str, str, dict]:
        """A REST request's action: API Gateway authorises by HTTP method on the resource path
        (apigateway:GET on arn:aws:apigateway:<region>::/v2/apis/<id>), the others by operation name."""
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        if prefix == "apigateway":
            return (f"apigateway:{method}", f"arn:aws:apigateway:{region}::{path}", {})
        op = self.rest.operation(service, method, path, environ.get("QUERY_STRING", ""))
        return (f"{prefix}:{op or '*'}", "*", {})

    @staticmethod
    def s3_kms(environ: dict, account: str, action: str, resource: str) -> list[tuple[str, str, dict]]:
        """SSE-KMS objects: reading one also needs kms:Decrypt on its key, writing one kms:GenerateDataKey
        (the object's own key, or the request's or the bucket default's for a new object)."""
        from moto.s3.models import s3_backends

        if action not in ("s3:GetObject", "s3:PutObject"):
            return []
        bucket_name, _, key_name = resource.removeprefix("arn:aws:s3:::").partition("/")
        backend = s3_backends[account]["aws"]
        try:
            bucket = backend.get_bucket(bucket_name)
        except Exception:
            return []
        if action == "s3:GetObject":
            key = bucket.keys.get(key_name)
            if key is None or key.encryption != "aws:kms":
                return []
            key_id, needs = key.kms_key_id, "kms:Decrypt"
        else:
            default = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
            algorithm = environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION") or default.get("SSEAlgorithm")
            if algorithm != "aws:kms":
                return []
            key_id = environ.get("HTTP_X_AMZ_SERVER_SIDE_ENCRYPTION_AWS_KMS_KEY_ID") or default.get("KMSMasterKeyID")
            needs = "kms:GenerateDataKey"
        region = getattr(bucket, "region_name", "us-east-1")
        return [(needs, IamGate.kms_key_arn(account, region, key_id), {})]

    @staticmethod
    def kms_key_arn(account: str, region: str, key_id: str | None) -> str:
        """The key ARN of a key id, key ARN or alias (AWS authorises KMS calls on the key, not the alias)."""
        from moto.kms.models import kms_backends

        if not key_id:
            return f"arn:aws:kms:{region}:{account}:alias/aws/s3"  # the AWS managed key
        if key_id.startswith("arn:") and ":key/" in key_id:
            return key_id
        if key_id.startswith("arn:"):
            region = key_id.split(":")[3]
        try:
            key = kms_backends[account][region].describe_key(key_id)
            return key.arn
        except Exception:
            return f"arn:aws:kms:{region}:{account}:key/{key_id}"

    def resources(self, prefix: str, op: str, params: dict, account: str, region: str) -> list[str]:
        """The ARNs the action is authorised on (["*"] for actions without resource-level permissions)."""
        arn = f"arn:aws:{prefix}:{region}:{account}"
        if prefix == "ecr":
            names = params.get("repositoryNames") or ([params["repositoryName"]] if params.get("repositoryName") else [])
            return [f"{arn}:repository/{n}" for n in names] or ["*"]
        if prefix == "ecs" and op in ("DescribeServices", "UpdateService", "ListServiceDeployments"):
            cluster = params.get("cluster", "default").split("/")[-1]
            services = params.get("services") or [params.get("service", "")]
            return [s if s.startswith("arn:") else f"{arn}:service/{cluster}/{s}" for s in services]
        if prefix == "ecs" and op in ("DescribeServiceDeployments", "StopServiceDeployment", "ContinueServiceDeployment"):
            return params.get("serviceDeploymentArns") or [params.get("serviceDeploymentArn", "")]
        if prefix == "ecs" and op == "DescribeServiceRevisions":
            return params.get("serviceRevisionArns") or ["*"]
        if prefix == "codedeploy":
            if op == "GetDeploymentConfig":
                return [f"{arn}:deploymentconfig:{params.get('deploymentConfigName', '')}"]
            if params.get("applicationName") and params.get("deploymentGroupName"):
                return [f"{arn}:deploymentgroup:{params['applicationName']}/{params['deploymentGroupName']}"]
            ids = params.get("deploymentIds") or ([params["deploymentId"]] if params.get("deploymentId") else [])
            if ids:
                return [self.deployment_group_arn(account, region, i) for i in ids]
            if params.get("applicationName"):
                return [f"{arn}:application:{params['applicationName']}"]
        if prefix == "cloudwatch":
            # A list in CBOR (the Rust SDK), AlarmNames.member.N in the query protocol (boto3).
            names = params.get("AlarmNames") or [
                v for k, v in sorted(params.items(), key=lambda kv: kv[0]) if k.startswith("AlarmNames.member.")
            ]
            return [f"{arn}:alarm:{n}" for n in names] or ["*"]
        if prefix == "secretsmanager" and params.get("SecretId"):
            secret = self.secret(account, region, params["SecretId"])
            return [getattr(secret, "arn", None) or params["SecretId"]]
        if prefix == "ssm" and (params.get("Name") or params.get("Path")):
            # GetParametersByPath is authorised on the path itself (parameter/a/b for Path /a/b).
            name = params.get("Name") or params["Path"]
            return [f"{arn}:parameter{name if name.startswith('/') else '/' + name}"]
        return ["*"]

    @staticmethod
    def secret(account: str, region: str, secret_id: str) -> Any:
        from moto.secretsmanager.models import secretsmanager_backends

        return secretsmanager_backends[account][region].secrets.get(secret_id)

    def deployment_group_arn(self, account: str, region: str, deployment_id: str) -> str:
        backend = self.front.codedeploy.backend(account, region)
        deployment = getattr(backend, "deployments", {}).get(deployment_id)
        app = getattr(deployment, "application_name", "unknown")
        group = getattr(deployment, "deployment_group_name", "unknown")
        return f"arn:aws:codedeploy:{region}:{account}:deploymentgroup:{app}/{group}"

    @classmethod
    def implied(cls, prefix: str, op: str, params: dict, account: str, region: str) -> list[tuple[str, str, dict]]:
        """Further (action, resource, condition context) AWS authorises for this request."""
        out: list[tuple[str, str, dict]] = []
        if prefix == "secretsmanager" and op == "GetSecretValue":
            # The caller decrypts a secret under a customer managed key, through Secrets Manager.
            key_id = getattr(cls.secret(account, region, params.get("SecretId", "")), "kms_key_id", None)
            if key_id and not str(key_id).startswith("alias/aws/"):
                context = {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}
                out.append(("kms:Decrypt", cls.kms_key_arn(account, region, key_id), context))
        if prefix == "ecs" and op == "RegisterTaskDefinition":
            family = params.get("family", "")
            if params.get("tags"):
                out.append(("ecs:TagResource", f"arn:aws:ecs:{region}:{account}:task-definition/{family}:*", {}))
            for key in ("taskRoleArn", "executionRoleArn"):
                if params.get(key):
                    out.append(("iam:PassRole", params[key], {"iam:PassedToService": "ecs-tasks.amazonaws.com"}))
        if prefix == "ecs" and op in ("CreateService", "UpdateService"):
            for role in cls.ecs_infrastructure_roles(params):
                out.append(("iam:PassRole", role, {"iam:PassedToService": "ecs.amazonaws.com"}))
        return out

    @staticmethod
    def ecs_infrastructure_roles(params: dict) -> list[str]:
        """The ECS infrastructure roles a CreateService / UpdateService request hands to ECS, each once: the
        lifecycle hooks' (deploymentConfiguration.lifecycleHooks[].roleArn), the load balancers' for blue/green
        listener rule changes (loadBalancers[].advancedConfiguration.roleArn) and the managed EBS volumes'
        (volumeConfigurations[].managedEBSVolume.roleArn)."""

        def mapping(value: Any) -> dict:
            return value if isinstance(value, dict) else {}

        def mappings(value: Any) -> list[dict]:
            return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []

        roles = [h.get("roleArn") for h in mappings(mapping(params.get("deploymentConfiguration")).get("lifecycleHooks"))]
        roles += [mapping(lb.get("advancedConfiguration")).get("roleArn") for lb in mappings(params.get("loadBalancers"))]
        roles += [mapping(v.get("managedEBSVolume")).get("roleArn") for v in mappings(params.get("volumeConfigurations"))]
        return list(dict.fromkeys(r for r in roles if isinstance(r, str) and r))

    # -- policies -------------------------------------------------------------------------------------------

    @staticmethod
    def role_policies(account: str, role_name: str) -> list[dict]:
        from moto.iam.models import iam_backends

        iam = iam_backends[account]["aws"]
        docs: list[dict] = []
        role = iam.get_role(role_name)
        for doc in role.policies.values():
            docs.append(_policy_document(doc) if isinstance(doc, str) else doc)
        for policy in role.managed_policies.values():
            default = getattr(policy, "default_version_id", None)
            version = next((v for v in getattr(policy, "versions", []) if v.version_id == default), None)
            document = version.document if version else policy.document
            docs.append(_policy_document(document) if isinstance(document, str) else document)
        return docs

    @staticmethod
    def condition_holds(condition: dict | None, context: dict) -> bool:
        for operator, pairs in (condition or {}).items():
            for key, expected in pairs.items():
                actual = context.get(key)
                if actual is None:
                    return False
                wanted = [str(e) for e in _as_list(expected)]
                if operator in ("StringEquals", "ArnEquals"):
                    ok = actual in wanted
                elif operator in ("StringLike", "ArnLike"):
                    ok = any(_glob(w, actual) for w in wanted)
                elif operator == "Bool":
                    ok = actual.lower() in [w.lower() for w in wanted]
                else:
                    return False
                if not ok:
                    return False
        return True

    @classmethod
    def decide(cls, docs: list[dict], action: str, resource: str, context: dict) -> str:
        """"deny" (explicit), "allow", or "implicit" (nothing allows it)."""
        allowed = False
        for doc in docs:
            for st in _as_list(doc.get("Statement", [])):
                if "Action" in st and not _glob_any(st["Action"], action, True):
                    continue
                if "NotAction" in st and _glob_any(st["NotAction"], action, True):
                    continue
                if "Resource" in st and not _glob_any(st["Resource"], resource):
                    continue
                if "NotResource" in st and _glob_any(st["NotResource"], resource):
                    continue
                if not cls.condition_holds(st.get("Condition"), context):
                    continue
                if st.get("Effect") == "Deny":
                    return "deny"
                allowed = True
        return "allow" if allowed else "implicit"

    # -- the gate -------------------------------------------------------------------------------------------

    def check(self, environ: dict, body: bytes) -> Response | None:
        """None when the request may go on; AccessDenied otherwise."""
        signed = self.signing(environ)
        if signed is None:
            return self.check_unsigned(environ, body)
        access_key, region, service = signed
        account = account_from_environ(environ)
        assumed = self.session(account, access_key)
        if assumed is None:
            return None  # the account's own keys: root
        prefix = IAM_PREFIX.get(service, service)
        if prefix == "s3":
            action, resource = self.s3_action(environ)
            checks = [(action, resource, {})] + self.s3_kms(environ, account, action, resource)
        else:
            op, params = self.operation(environ, body)
            if op is None:
                checks = [self.rest_check(environ, service, prefix, region)]
            elif f"{prefix}:{op}" == "sts:GetCallerIdentity":
                return None  # AWS needs no permission for it
            else:
                checks = [(f"{prefix}:{op}", r, {}) for r in self.resources(prefix, op, params, account, region)]
                checks += self.implied(prefix, op, params, account, region)
        role_name = assumed.role_arn.split("/")[-1]
        try:
            docs = self.role_policies(account, role_name)
        except Exception:
            docs = []
        session_arn = f"arn:aws:sts::{account}:assumed-role/{role_name}/{assumed.session_name}"
        for action, resource, context in checks:
            decision = self.decide(docs, action, resource, context)
            if decision != "allow":
                why = "with an explicit deny in an identity-based policy" if decision == "deny" else (
                    f"because no identity-based policy allows the {action} action"
                )
                message = f"User: {session_arn} is not authorized to perform: {action} on resource: {resource} {why}"
                log(f"iam: denied {action} on {resource} to {session_arn}")
                return self.denied(environ, prefix, message)
        return None

    def check_unsigned(self, environ: dict, body: bytes) -> Response | None:
        """STS AssumeRoleWithWebIdentity: the role must exist (AWS refuses to assume one that does not), and
        its trust policy must let the token's identity provider in, with the conditions on the token's claims
        (`<provider host>:sub`, `:aud`) holding."""
        op, params = self.operation(environ, body)
        if op not in ("AssumeRoleWithWebIdentity", "AssumeRole") or not params.get("RoleArn"):
            return None
        from moto.iam.models import iam_backends

        arn = params["RoleArn"]
        account = arn.split(":")[4] if arn.count(":") >= 5 else default_account()
        try:
            role = iam_backends[account]["aws"].get_role_by_arn(arn)
        except Exception:
            message = f"Not authorized to perform sts:{op}: the role {arn} does not exist"
            log(f"iam: {message}")
            return self.denied(environ, "sts", message)
        if op != "AssumeRoleWithWebIdentity":
            return None
        claims = self.token_claims(params.get("WebIdentityToken", ""))
        if self.trusts(role.assume_role_policy_document, claims):
            return None
        message = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        log(f"iam: {message}: {arn} does not trust the token's claims {claims}")
        return self.denied(environ, "sts", message)

    @staticmethod
    def token_claims(token: str) -> dict:
        """The payload of a JWT (the signature is not checked: the stand-in has no provider keys)."""
        parts = token.split(".")
        if len(parts) != 3:
            return {}
        try:
            payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return {}
        return payload if isinstance(payload, dict) else {}

    @classmethod
    def trusts(cls, document: Any, claims: dict) -> bool:
        doc = _policy_document(document) if isinstance(document, str) else (document or {})
        for st in _as_list(doc.get("Statement", [])):
            if st.get("Effect") != "Allow":
                continue
            if not _glob_any(st.get("Action", []), "sts:AssumeRoleWithWebIdentity", True):
                continue
            for federated in _as_list((st.get("Principal") or {}).get("Federated", [])):
                host = federated.split("oidc-provider/", 1)[-1]
                context = {f"{host}:{k}": str(v) for k, v in claims.items() if isinstance(v, (str, int))}
                if cls.condition_holds(st.get("Condition"), context):
                    return True
        return False

    def denied(self, environ: dict, prefix: str, message: str) -> Response:
        signed = self.signing(environ)
        if signed and self.rest.speaks_rest_json(signed[2]):
            return rest_error("AccessDeniedException", message, 403)
        if environ.get("HTTP_X_AMZ_TARGET"):
            return Response(
                400,
                json.dumps({"__type": "AccessDeniedException", "message": message}).encode(),
                [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", str(uuid.uuid4()))],
            )
        path = environ.get("PATH_INFO", "")
        if path.startswith("/service/") and "/operation/" in path:
            return CloudWatchCbor.error("AccessDenied", message, 403)
        if prefix == "s3":
            xml = f"<Error><Code>AccessDenied</Code><Message>{message}</Message></Error>"
            return Response(403, xml.encode(), [("Content-Type", "application/xml")])
        xml = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
            f"<Message>{message}</Message></Error><RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        )
        return Response(403, xml.encode(), [("Content-Type", "text/xml")])
