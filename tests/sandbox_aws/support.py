"""Helpers for the tests of scripts/sandbox_aws.py (test infrastructure for test infrastructure).

Each test module starts its own sandbox_aws on a free port, so these tests never touch the shared sandbox on
127.0.0.1:5102 that other tests use. Run from the sandbox venv:

    .sandbox/venv/bin/python -m unittest discover -s tests/sandbox_aws -t tests/sandbox_aws
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3

REPO = Path(__file__).resolve().parents[2]
SERVER = REPO / "scripts" / "sandbox_aws.py"
ACCOUNT = "123456789012"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Front:
    """A sandbox_aws process on a free port, with its log kept for failure messages."""

    def __init__(self, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"sandbox_aws_test_{self.port}.log"
        full_env = dict(os.environ)
        for key in list(full_env):
            if key.startswith("PD_SANDBOX_") or key in ("MOTO_ACCOUNT_ID", "AWS_ENDPOINT_URL"):
                del full_env[key]
        full_env.update(env)
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--host", "127.0.0.1", "--port", str(self.port)],
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sandbox_aws exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_sandbox/health", timeout=1) as r:
                    if json.load(r).get("front") == "sandbox_aws":
                        return
            except (urllib.error.URLError, OSError, ValueError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sandbox_aws did not come up on {self.url} within 60s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        self.log_path.unlink(missing_ok=True)

    def client(self, service: str, region: str = "us-east-1") -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=region,
            aws_access_key_id="AKIDSANDBOXTEST",
            aws_secret_access_key="test",
        )

    def control(self, path: str, payload: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(payload or {}).encode()
        req = urllib.request.Request(f"{self.url}{path}", data=data, method="POST", headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def reset(self) -> None:
        status, body = self.control("/_sandbox/reset")
        assert status == 200, body


# ---------------------------------------------------------------------------------------------------------
# CBOR the way aws-sdk-cloudwatch 1.140 (aws-smithy-cbor 0.64, minicbor) writes it:
# structures as indefinite-length maps (0xbf ... 0xff), lists as definite arrays, every double as a 64-bit
# float, timestamps as tag 1 over a 64-bit float of epoch seconds, integers in the shortest form.


class Double(float):
    """Marks a value the SDK serializes with encoder.double()."""


class Timestamp:
    def __init__(self, epoch: float) -> None:
        self.epoch = float(epoch)


def sdk_cbor(value: Any) -> bytes:
    if isinstance(value, dict):
        return b"\xbf" + b"".join(sdk_cbor(k) + sdk_cbor(v) for k, v in value.items()) + b"\xff"
    if isinstance(value, list):
        return _head(4, len(value)) + b"".join(sdk_cbor(v) for v in value)
    if isinstance(value, Timestamp):
        return b"\xc1\xfb" + struct.pack(">d", value.epoch)
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, str):
        raw = value.encode()
        return _head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return _head(2, len(value)) + value
    raise TypeError(f"no SDK encoding for {value!r}")


def _head(major: int, n: int) -> bytes:
    if n < 24:
        return bytes([major << 5 | n])
    for code, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 256 ** struct.calcsize(fmt):
            return bytes([major << 5 | code]) + struct.pack(fmt, n)
    raise ValueError(n)


def rpcv2_call(url: str, operation: str, body: bytes, region: str = "us-east-1") -> tuple[int, dict, bytes]:
    """POST an rpcv2Cbor request with the headers aws-sdk-cloudwatch sends (the signature is not checked)."""
    req = urllib.request.Request(
        f"{url}/service/GraniteServiceVersion20100801/operation/{operation}",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/cbor",
            "smithy-protocol": "rpc-v2-cbor",
            "Accept": "application/cbor",
            "x-amzn-query-mode": "true",
            "Authorization": (
                f"AWS4-HMAC-SHA256 Credential=AKIDSANDBOXTEST/20260101/{region}/monitoring/aws4_request, "
                "SignedHeaders=accept;content-type;host;smithy-protocol;x-amz-date, Signature=0"
            ),
            "X-Amz-Date": "20260101T000000Z",
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def wait_until(predicate: Any, timeout: float, interval: float = 0.05, what: str = "condition") -> Any:
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last value: {last!r})")


# ---------------------------------------------------------------------------------------------------------
# A strict reader for replies, to check the wire shapes the SDK's minicbor-based decoder relies on
# (cbor2 would turn tag 1 into a datetime and hide whether it carried an int or a float).


class RawTag:
    def __init__(self, tag: int, value: Any) -> None:
        self.tag = tag
        self.value = value

    def __repr__(self) -> str:
        return f"RawTag({self.tag}, {self.value!r})"


def read_cbor(body: bytes) -> Any:
    """Decode one CBOR item that must fill all of `body`. Floats stay float, ints int, tags RawTag."""
    value, end = _item(body, 0)
    if end != len(body):
        raise ValueError(f"{len(body) - end} bytes after the CBOR item")
    return value


_BREAK = object()


def _arg(data: bytes, pos: int, info: int) -> tuple[int | None, int]:
    if info < 24:
        return info, pos
    if info == 31:
        return None, pos
    size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
    return int.from_bytes(data[pos : pos + size], "big"), pos + size


def _item(data: bytes, pos: int) -> tuple[Any, int]:
    initial = data[pos]
    pos += 1
    major, info = initial >> 5, initial & 31
    if major == 7:
        if info == 20:
            return False, pos
        if info == 21:
            return True, pos
        if info == 22:
            return None, pos
        if info == 25:
            return struct.unpack(">e", data[pos : pos + 2])[0], pos + 2
        if info == 26:
            return struct.unpack(">f", data[pos : pos + 4])[0], pos + 4
        if info == 27:
            return struct.unpack(">d", data[pos : pos + 8])[0], pos + 8
        if info == 31:
            return _BREAK, pos
        raise ValueError(f"simple value {info}")
    n, pos = _arg(data, pos, info)
    if major == 0:
        return n, pos
    if major == 1:
        return -1 - n, pos
    if major in (2, 3):
        if n is None:
            chunks = []
            while data[pos] != 0xFF:
                chunk, pos = _item(data, pos)
                chunks.append(chunk)
            raw = (b"" if major == 2 else "").join(chunks)
            return raw, pos + 1
        raw = data[pos : pos + n]
        return (raw if major == 2 else raw.decode()), pos + n
    if major == 4:
        out = []
        while n is None or len(out) < n:
            value, pos = _item(data, pos)
            if value is _BREAK:
                break
            out.append(value)
        return out, pos
    if major == 5:
        obj: dict = {}
        count = 0
        while n is None or count < n:
            key, pos = _item(data, pos)
            if key is _BREAK:
                break
            obj[key], pos = _item(data, pos)
            count += 1
        return obj, pos
    if major == 6:
        value, pos = _item(data, pos)
        return RawTag(n, value), pos
    raise ValueError(f"major type {major}")
