"""3. ECR replication from docker-registry push notifications, and of PutImage through the API."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from .common import (
    AwsError,
    Response,
    account_from_environ,
    aws_json,
    aws_json_error,
    default_account,
    env_float,
    json_response,
    log,
    read_body,
    region_from_environ,
)

if TYPE_CHECKING:
    from .front import SandboxFront


# ---------------------------------------------------------------------------------------------------------
# 3. ECR replication from docker-registry push notifications


MANIFEST_TYPES = [
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
    "application/vnd.docker.distribution.manifest.v1+json",
]


class EcrReplication:
    def __init__(self, front: SandboxFront) -> None:
        self.front = front
        self.primary_region = os.environ.get("PD_SANDBOX_PRIMARY_REGION", "us-east-1")
        self.delay = env_float("PD_SANDBOX_REPLICATION_DELAY", 3.0)
        self.registry = os.environ.get("PD_SANDBOX_REGISTRY", "127.0.0.1:5101")
        self.password = os.environ.get("PD_SANDBOX_REGISTRY_PASSWORD", "123456789012-auth-token")
        self.paused = False
        self.generation = 0
        # (account, region, repository, digest) -> {"destinations": [(region, registryId)], "created": t}
        self.replications: dict[tuple, dict] = {}
        self.handlers = {
            "PutImage": self.put_image_api,
            "DescribeImageReplicationStatus": self.describe_image_replication_status,
        }

    def reset(self) -> None:
        self.generation += 1
        self.paused = False
        self.replications.clear()

    def backend(self, account: str, region: str) -> Any:
        from moto.ecr.models import ecr_backends

        return ecr_backends[account][region]

    def handle(self, op: str, environ: dict) -> Response:
        raw = read_body(environ)
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return aws_json_error(AwsError("SerializationException", "request body is not JSON"))
        ctx = {"environ": environ, "raw": raw, "account": account_from_environ(environ), "region": region_from_environ(environ)}
        from moto.core.exceptions import JsonRESTError

        try:
            return self.handlers[op](ctx, body)
        except AwsError as err:
            return aws_json_error(err)
        except JsonRESTError as err:
            return aws_json_error(AwsError(err.error_type, err.message, getattr(err, "code", 400) or 400))

    # -- API -----------------------------------------------------------------------------------------------

    def put_image_api(self, ctx: dict, body: dict) -> Response:
        status, headers, out = self.front.call_moto(ctx["environ"], ctx["raw"])
        if status == 200:
            try:
                image = json.loads(out)["image"]
                self.schedule(
                    ctx["account"],
                    ctx["region"],
                    image["repositoryName"],
                    image["imageId"]["imageDigest"],
                    image["imageManifest"],
                    image["imageId"].get("imageTag"),
                    image.get("imageManifestMediaType"),
                )
            except (KeyError, ValueError) as exc:
                log(f"PutImage answer not understood, no replication: {exc!r}")
        return Response(status, out, list(headers.items()))

    def describe_image_replication_status(self, ctx: dict, body: dict) -> Response:
        account = body.get("registryId") or ctx["account"]
        region = ctx["region"]
        repo_name = body.get("repositoryName")
        image_id = body.get("imageId") or {}
        backend = self.backend(account, region)
        repo = backend.repositories.get(repo_name)
        if repo is None:
            raise AwsError(
                "RepositoryNotFoundException",
                f"The repository with name '{repo_name}' does not exist in the registry with id '{account}'",
            )
        image = None
        for candidate in repo.images:
            if image_id.get("imageDigest") and candidate.get_image_digest() == image_id["imageDigest"]:
                image = candidate
            elif image_id.get("imageTag") and image_id["imageTag"] in candidate.image_tags:
                image = candidate
        if image is None:
            raise AwsError(
                "ImageNotFoundException",
                f"The image with imageId {json.dumps(image_id)} does not exist within the repository with name '{repo_name}' in the registry with id '{account}'",
            )
        digest = image.get_image_digest()
        with self.front.lock:
            record = self.replications.get((account, region, repo_name, digest))
            statuses = []
            for dest_region, dest_account in (record or {}).get("destinations", []):
                dest_repo = self.backend(dest_account, dest_region).repositories.get(repo_name)
                done = dest_repo is not None and any(i.get_image_digest() == digest for i in dest_repo.images)
                statuses.append({"region": dest_region, "registryId": dest_account, "status": "COMPLETE" if done else "IN_PROGRESS"})
        return aws_json(
            {
                "repositoryName": repo_name,
                "imageId": {"imageDigest": digest, **({"imageTag": image_id["imageTag"]} if image_id.get("imageTag") else {})},
                "replicationStatuses": statuses,
            }
        )

    # -- registry notifications ----------------------------------------------------------------------------

    def registry_events(self, payload: dict) -> Response:
        for event in payload.get("events") or []:
            target = event.get("target") or {}
            if event.get("action") != "push" or target.get("mediaType") not in MANIFEST_TYPES:
                continue
            if not target.get("repository") or not target.get("digest"):
                continue
            threading.Thread(
                target=self.import_pushed,
                args=(target["repository"], target["digest"], target.get("tag"), self.generation),
                daemon=True,
            ).start()
        return json_response({"ok": True})

    def fetch_manifest(self, repository: str, digest: str) -> tuple[str, str]:
        url = f"http://{self.registry}/v2/{repository}/manifests/{digest}"
        token = base64.b64encode(f"AWS:{self.password}".encode()).decode()
        request = urllib.request.Request(url, headers={"Authorization": f"Basic {token}", "Accept": ", ".join(MANIFEST_TYPES)})
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read().decode(), response.headers.get("Content-Type", "").split(";")[0].strip()

    def import_pushed(self, repository: str, digest: str, tag: str | None, generation: int) -> None:
        try:
            manifest, media_type = self.fetch_manifest(repository, digest)
        except (urllib.error.URLError, OSError) as exc:
            log(f"registry push {repository}@{digest}: could not fetch the manifest: {exc!r}")
            return
        account, region = default_account(), self.primary_region
        with self.front.lock:
            if generation != self.generation:
                return
            if repository not in self.backend(account, region).repositories:
                log(f"registry push {repository}@{digest}: no ECR repository {repository} in moto {region}; ignored")
                return
            if not self.put(account, region, repository, manifest, tag, media_type, digest):
                return
        log(f"registry push {repository}:{tag or '-'}@{digest} -> ECR {region}")
        self.schedule(account, region, repository, digest, manifest, tag, media_type)

    def put(self, account: str, region: str, repository: str, manifest: str, tag: str | None, media_type: str | None, digest: str) -> bool:
        from moto.ecr.exceptions import ImageAlreadyExistsException

        backend = self.backend(account, region)
        repo = backend.repositories[repository]
        existing = next((i for i in repo.images if i.get_image_digest() == digest), None)
        if existing is not None and (tag is None or tag in existing.image_tags):
            return True
        try:
            backend.put_image(repository, manifest, tag, media_type or None, digest)
        except ImageAlreadyExistsException:
            pass
        except Exception as exc:
            log(f"put_image {repository}@{digest} into {region} failed: {exc!r}")
            return False
        return True

    # -- replication ---------------------------------------------------------------------------------------

    def destinations(self, account: str, region: str, repository: str) -> list[tuple[str, str]]:
        config = self.backend(account, region).replication_config or {}
        found: list[tuple[str, str]] = []
        for rule in config.get("rules") or []:
            filters = rule.get("repositoryFilters") or []
            if filters and not any(
                f.get("filterType", "PREFIX_MATCH") == "PREFIX_MATCH" and repository.startswith(f.get("filter", ""))
                for f in filters
            ):
                continue
            for dest in rule.get("destinations") or []:
                pair = (dest.get("region"), dest.get("registryId") or account)
                if pair[0] and pair != (region, account) and pair not in found:
                    found.append(pair)
        return found

    def schedule(self, account: str, region: str, repository: str, digest: str, manifest: str, tag: str | None, media_type: str | None) -> None:
        with self.front.lock:
            dests = self.destinations(account, region, repository)
            if not dests:
                return
            key = (account, region, repository, digest)
            record = self.replications.setdefault(key, {"destinations": [], "created": time.time()})
            for d in dests:
                if d not in record["destinations"]:
                    record["destinations"].append(d)
            if self.paused:
                log(f"replication of {repository}@{digest} paused: it will not happen")
                return
            generation = self.generation
        timer = threading.Timer(self.delay, self.replicate, args=(key, dests, manifest, tag, media_type, generation))
        timer.daemon = True
        timer.start()

    def replicate(self, key: tuple, dests: list, manifest: str, tag: str | None, media_type: str | None, generation: int) -> None:
        account, region, repository, digest = key
        with self.front.lock:
            if generation != self.generation or self.paused:
                return
            for dest_region, dest_account in dests:
                backend = self.backend(dest_account, dest_region)
                if repository not in backend.repositories:
                    try:
                        backend.create_repository(repository, None, None, None, None, [])
                    except Exception as exc:
                        log(f"replication: could not create {repository} in {dest_region}: {exc!r}")
                        continue
                if self.put(dest_account, dest_region, repository, manifest, tag, media_type, digest):
                    log(f"replicated {repository}@{digest} {region} -> {dest_region}")

    def control_pause(self, payload: dict) -> Response:
        with self.front.lock:
            self.paused = bool(payload.get("paused", True))
        return json_response({"ok": True, "paused": self.paused})
