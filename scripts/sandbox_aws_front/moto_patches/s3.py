"""4. Patches of moto 5.2.5's models: S3."""

from __future__ import annotations

import json
from typing import Any

from ..iam_gate import IamGate


# What a bucket policy's conditions see of a request here. Clients reach the stand-in over plain HTTP on
# loopback; against AWS they speak TLS 1.2+, which is what the product's bucket policies require.
BUCKET_POLICY_REQUEST_CONTEXT = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}


def patch_moto_s3_bucket_policy_conditions() -> None:
    """moto applies a bucket policy's Deny statement to object requests whether or not its Condition holds (its
    statement check answers DENIED when a condition fails, and takes a condition on a key it lacks as holding),
    so the TLS-only policy terraform/bootstrap puts on the state buckets (Deny when aws:SecureTransport is false,
    or s3:TlsVersion is below 1.2) refuses every PutObject and GetObject. Here the policy is evaluated as IAM
    does, with the IAM gate's evaluator, on a request that came over TLS 1.3: a Deny applies only when its
    condition holds (a condition on an operator the gate does not know never holds, as for a key AWS lacks)."""
    from moto.iam.access_control import PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        try:
            document = json.loads(self.policy.decode() if isinstance(self.policy, bytes) else self.policy)
        except ValueError:
            return PermissionResult.NEUTRAL
        decision = IamGate.decide([document], action, resource, BUCKET_POLICY_REQUEST_CONTEXT)
        return {"deny": PermissionResult.DENIED, "allow": PermissionResult.PERMITTED}.get(decision, PermissionResult.NEUTRAL)

    FakeBucket.get_permission = get_permission  # type: ignore[method-assign]
