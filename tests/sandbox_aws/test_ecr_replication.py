"""ECR replication in sandbox_aws: `docker push` to a docker-registry that notifies the front, then moto's ECR
in the primary region, then (after the delay) in the replication destination, with the same digest.

Needs the sandbox's Docker daemon (`scripts/sandbox up`). Starts its own docker-registry on a free port that
notifies its own sandbox_aws, so the shared registry on 5101 and front on 5102 are not involved.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid
from pathlib import Path

from botocore.exceptions import ClientError

from support import ACCOUNT, REPO, Front, free_port, wait_until

PASSWORD = "123456789012-auth-token"
DELAY = 2.0
PRIMARY, DESTINATION = "us-east-1", "eu-west-1"

front: Front
registry: subprocess.Popen
registry_log: object
registry_addr: str
workdir: Path
docker_env: dict[str, str]
built_tags: list[str] = []


def sandbox_env() -> dict[str, str]:
    out = subprocess.run([str(REPO / "scripts" / "sandbox"), "env"], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^export (\w+)=(.*)$", out, re.M))


def setUpModule() -> None:
    global front, registry, registry_log, registry_addr, workdir, docker_env
    for tool in ("docker", "docker-registry", "htpasswd"):
        if not shutil.which(tool):
            raise RuntimeError(f"{tool} is missing: run scripts/sandbox up (it installs the sandbox's Debian packages)")
    docker_env = dict(os.environ)
    docker_env["DOCKER_HOST"] = sandbox_env()["DOCKER_HOST"]
    if subprocess.run(["docker", "version"], env=docker_env, capture_output=True).returncode != 0:
        raise RuntimeError(f"the sandbox Docker daemon is not running at {docker_env['DOCKER_HOST']}: run scripts/sandbox up")

    workdir = Path(tempfile.mkdtemp(prefix="sandbox-aws-ecr-"))
    docker_env["DOCKER_CONFIG"] = str(workdir / "docker-config")  # keep the login out of ~/.docker
    registry_port = free_port()
    registry_addr = f"127.0.0.1:{registry_port}"
    front = Front(PD_SANDBOX_REPLICATION_DELAY=str(DELAY), PD_SANDBOX_REGISTRY=registry_addr, PD_SANDBOX_PRIMARY_REGION=PRIMARY)

    subprocess.run(["htpasswd", "-B", "-b", "-c", str(workdir / "htpasswd"), "AWS", PASSWORD], check=True, capture_output=True)
    (workdir / "registry.yml").write_text(
        f"""version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: {workdir / "data"}
http:
  addr: {registry_addr}
auth:
  htpasswd:
    realm: sandbox-ecr
    path: {workdir / "htpasswd"}
notifications:
  endpoints:
    - name: sandbox
      url: {front.url}/_sandbox/registry-events
      timeout: 1s
      threshold: 1
      backoff: 1s
      ignoredmediatypes: [application/octet-stream]
      ignore:
        actions: [pull]
"""
    )
    registry_log = open(workdir / "registry.log", "w")
    registry = subprocess.Popen(
        ["docker-registry", "serve", str(workdir / "registry.yml")], stdout=registry_log, stderr=subprocess.STDOUT
    )
    wait_until(lambda: subprocess.run(["curl", "-s", "-o", "/dev/null", f"http://{registry_addr}/v2/"]).returncode == 0, 10, what="docker-registry")
    login = subprocess.run(
        ["docker", "login", "-u", "AWS", "--password-stdin", registry_addr],
        input=PASSWORD,
        text=True,
        env=docker_env,
        capture_output=True,
    )
    if login.returncode != 0:
        raise RuntimeError(f"docker login {registry_addr} failed: {login.stderr}")


def tearDownModule() -> None:
    for tag in built_tags:
        subprocess.run(["docker", "rmi", "-f", tag], env=docker_env, capture_output=True)
    registry.terminate()
    registry.wait(10)
    registry_log.close()
    front.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def push_image(repository: str, tag: str) -> str:
    """Build a one-file FROM scratch image and docker push it; return the digest the registry reported."""
    context = workdir / f"ctx-{uuid.uuid4().hex[:8]}"
    context.mkdir()
    (context / "hello.txt").write_text(f"hello {uuid.uuid4()}\n")
    (context / "Dockerfile").write_text("FROM scratch\nCOPY hello.txt /hello.txt\n")
    ref = f"{registry_addr}/{repository}:{tag}"
    built_tags.append(ref)
    build = subprocess.run(["docker", "build", "-q", "-t", ref, str(context)], env=docker_env, capture_output=True, text=True)
    if build.returncode != 0:
        raise AssertionError(f"docker build failed: {build.stderr}")
    push = subprocess.run(["docker", "push", ref], env=docker_env, capture_output=True, text=True)
    if push.returncode != 0:
        raise AssertionError(f"docker push failed: {push.stderr}")
    match = re.search(r"digest: (sha256:[0-9a-f]{64})", push.stdout)
    if not match:
        raise AssertionError(f"no digest in docker push output: {push.stdout}")
    return match.group(1)


class EcrReplicationTest(unittest.TestCase):
    def setUp(self) -> None:
        front.reset()
        self.ecr = {r: front.client("ecr", r) for r in (PRIMARY, DESTINATION)}
        self.repo = f"sandbox-test/app-{uuid.uuid4().hex[:6]}"
        self.ecr[PRIMARY].put_replication_configuration(
            replicationConfiguration={
                "rules": [
                    {
                        "destinations": [{"region": DESTINATION, "registryId": ACCOUNT}],
                        "repositoryFilters": [{"filter": "sandbox-test/", "filterType": "PREFIX_MATCH"}],
                    }
                ]
            }
        )

    def digests(self, region: str, repository: str | None = None) -> dict[str, list[str]]:
        try:
            details = self.ecr[region].describe_images(repositoryName=repository or self.repo)["imageDetails"]
        except ClientError as err:
            if err.response["Error"]["Code"] == "RepositoryNotFoundException":
                return {}
            raise
        return {d["imageDigest"]: d.get("imageTags", []) for d in details}

    def replication_statuses(self, digest: str) -> list[str]:
        statuses = self.ecr[PRIMARY].describe_image_replication_status(repositoryName=self.repo, imageId={"imageDigest": digest})
        return [(s["region"], s["status"]) for s in statuses["replicationStatuses"]]

    def test_pushed_image_appears_in_primary_then_replicates_with_same_digest(self) -> None:
        self.ecr[PRIMARY].create_repository(repositoryName=self.repo)
        digest = push_image(self.repo, "v1")

        wait_until(lambda: digest in self.digests(PRIMARY), 10, what=f"{digest} in {PRIMARY}")
        in_primary = time.time()  # the replication delay runs from here
        self.assertEqual(self.digests(PRIMARY)[digest], ["v1"])
        image = self.ecr[PRIMARY].batch_get_image(repositoryName=self.repo, imageIds=[{"imageTag": "v1"}])["images"][0]
        self.assertEqual(image["imageId"]["imageDigest"], digest)
        self.assertEqual(json.loads(image["imageManifest"])["schemaVersion"], 2)
        if time.time() - in_primary < DELAY - 0.5:  # not slowed down past the delay by a loaded machine
            self.assertNotIn(digest, self.digests(DESTINATION))
            self.assertEqual(self.replication_statuses(digest), [(DESTINATION, "IN_PROGRESS")])

        wait_until(lambda: digest in self.digests(DESTINATION), DELAY + 10, what=f"{digest} in {DESTINATION}")
        self.assertGreaterEqual(time.time() - in_primary, DELAY - 0.5)
        self.assertEqual(self.digests(DESTINATION)[digest], ["v1"])
        self.assertEqual(self.replication_statuses(digest), [(DESTINATION, "COMPLETE")])
        # ECR replication creates the destination repository
        repos = self.ecr[DESTINATION].describe_repositories()["repositories"]
        self.assertIn(self.repo, [r["repositoryName"] for r in repos])

    def test_paused_replication_never_happens(self) -> None:
        self.ecr[PRIMARY].create_repository(repositoryName=self.repo)
        status, body = front.control("/_sandbox/ecr/pause-replication", {"paused": True})
        self.assertEqual((status, body["paused"]), (200, True))
        digest = push_image(self.repo, "paused")
        wait_until(lambda: digest in self.digests(PRIMARY), 10, what=f"{digest} in {PRIMARY}")
        time.sleep(DELAY + 1.5)
        self.assertNotIn(digest, self.digests(DESTINATION))
        self.assertEqual(self.replication_statuses(digest), [(DESTINATION, "IN_PROGRESS")])

    def test_push_to_repository_missing_in_moto_is_ignored(self) -> None:
        push_image(self.repo, "v1")
        time.sleep(DELAY + 1.0)
        self.assertEqual(self.digests(PRIMARY), {})
        self.assertEqual(self.digests(DESTINATION), {})

    def test_put_image_through_the_api_replicates_too(self) -> None:
        self.ecr[PRIMARY].create_repository(repositoryName=self.repo)
        manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 2, "digest": "sha256:" + "1" * 64},
                "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 3, "digest": "sha256:" + "2" * 64}],
            }
        )
        digest = self.ecr[PRIMARY].put_image(repositoryName=self.repo, imageManifest=manifest, imageTag="api")["image"]["imageId"]["imageDigest"]
        wait_until(lambda: digest in self.digests(DESTINATION), DELAY + 10, what=f"{digest} in {DESTINATION}")

    def test_repository_outside_the_filter_is_not_replicated(self) -> None:
        other = f"elsewhere/app-{uuid.uuid4().hex[:6]}"
        self.ecr[PRIMARY].create_repository(repositoryName=other)
        digest = push_image(other, "v1")
        wait_until(lambda: digest in self.digests(PRIMARY, other), 10, what=f"{digest} in {PRIMARY}")
        time.sleep(DELAY + 1.0)
        self.assertEqual(self.digests(DESTINATION, other), {})


if __name__ == "__main__":
    unittest.main()
