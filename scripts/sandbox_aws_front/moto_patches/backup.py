"""4. Patches of moto 5.2.5's models: AWS Backup."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any


def patch_moto_backup_list_tags() -> None:
    """AWS Backup ListTags at GET /tags/<arn> (the Go SDK, hence the provider, sends no trailing slash): moto
    5.2.5 takes the ARN from the second-to-last path segment, so without the slash it looks up "tags" and answers
    no tags; every re-plan of a tagged vault, plan or restore testing plan then wants to add them all again."""
    from moto.backup.responses import BackupResponse

    if getattr(BackupResponse.list_tags, "_sandbox", False):
        return

    def list_tags(self: Any) -> str:
        path = urllib.parse.urlparse(self.path).path
        resource_arn = urllib.parse.unquote(path.split("/tags/", 1)[1].rstrip("/"))
        return json.dumps({"Tags": self.backup_backend.list_tags(resource_arn=resource_arn)})

    list_tags._sandbox = True  # type: ignore[attr-defined]
    BackupResponse.list_tags = list_tags  # type: ignore[method-assign]


def patch_moto_backup_plan_names() -> None:
    """A deleted backup plan's name is free again, as in AWS Backup: moto 5.2.5 keeps deleted plans (for
    ListBackupPlans IncludeDeleted) and refuses CreateBackupPlan of their name with AlreadyExistsException, so a
    plan that moves away from a region and back (the bundled backups follow the Aurora writer) could not
    return."""
    from moto.backup.models import BackupBackend

    if getattr(BackupBackend.create_backup_plan, "_sandbox", False):
        return
    moto_create = BackupBackend.create_backup_plan

    def create(self: Any, backup_plan: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        deleted = {k: p for k, p in self.plans.items() if getattr(p, "deletion_date", None)}
        for k in deleted:
            del self.plans[k]
        try:
            return moto_create(self, backup_plan, *args, **kwargs)
        finally:
            self.plans.update(deleted)

    create._sandbox = True  # type: ignore[attr-defined]
    BackupBackend.create_backup_plan = create  # type: ignore[method-assign]
