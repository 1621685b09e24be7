"""4. Patches of moto 5.2.5's models: RDS: DB instances, DB clusters and global clusters."""

from __future__ import annotations

import functools
import re
from typing import Any, Callable


def patch_moto_rds() -> None:
    """New RDS instances get AWS's current default CA, rds-ca-rsa2048-g1; moto 5.2.5 still hands out the retired
    rds-ca-default, so an instance with ca_cert_identifier = "rds-ca-rsa2048-g1" is modified and rebooted right
    after creation (about 2.5 minutes of provider waiters)."""
    from moto.rds.models import DBInstance

    if getattr(DBInstance.__init__, "_sandbox_default_ca", False):
        return
    moto_init = DBInstance.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("ca_certificate_identifier"):
            kwargs["ca_certificate_identifier"] = "rds-ca-rsa2048-g1"
        moto_init(self, *args, **kwargs)

    init._sandbox_default_ca = True  # type: ignore[attr-defined]
    DBInstance.__init__ = init  # type: ignore[method-assign]


def patch_moto_rds_global_cluster() -> None:
    """CreateGlobalCluster's DatabaseName and Tags, answered back in the GlobalCluster (DatabaseName, TagList) as
    AWS does; moto 5.2.5 drops both, and the provider reads both from DescribeGlobalClusters, so every re-plan
    wants to replace aws_rds_global_cluster (database_name forces a new resource). Tag changes address the
    global cluster's ARN (arn:aws:rds::<account>:global-cluster:<id>), which moto refuses as an invalid name.
    DescribeGlobalClusters answers only the GlobalClusterIdentifier asked for (GlobalClusterNotFoundFault if
    there is none); moto answers every global cluster, and the provider's waiter then never finds its own once
    there are two."""
    from moto.core.responses import ActionResult
    from moto.rds.exceptions import RDSClientError
    from moto.rds.models import RDSBackend, rds_backends
    from moto.rds.responses import RDSResponse

    if getattr(RDSResponse.create_global_cluster, "_sandbox", False):
        return
    moto_create = RDSResponse.create_global_cluster
    moto_describe = RDSResponse.describe_global_clusters
    moto_resource_for_tagging = RDSBackend._get_resource_for_tagging

    def describe(self: Any) -> Any:
        wanted = self.params.get("GlobalClusterIdentifier")
        if not wanted:
            return moto_describe(self)
        cluster = self.global_backend.global_clusters.get(wanted)
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {wanted} not found.")
        return ActionResult({"GlobalClusters": [cluster]})

    def create(self: Any) -> Any:
        result = moto_create(self)
        params = self.params
        cluster = self.global_backend.global_clusters[params["GlobalClusterIdentifier"]]
        source = cluster.members[0] if cluster.members else None
        if source is not None:  # the cluster a global cluster is made from is its writer; moto leaves it a reader
            source.is_writer = True
        cluster.database_name = params.get("DatabaseName") or (source.database_name if source else None)
        cluster.tags = params.get("Tags") or []
        return result

    def resource_for_tagging(self: Any, arn: str) -> Any:
        m = re.match(r"arn:[^:]+:rds::(\d+):global-cluster:(.+)$", arn)
        if m:  # global clusters live in us-east-1's backend (moto's RDSResponse.global_backend)
            return rds_backends[m.group(1)]["us-east-1"].global_clusters.get(m.group(2))
        return moto_resource_for_tagging(self, arn)

    create._sandbox = True  # type: ignore[attr-defined]
    RDSResponse.create_global_cluster = create  # type: ignore[method-assign]
    RDSResponse.describe_global_clusters = describe  # type: ignore[method-assign]
    RDSBackend._get_resource_for_tagging = resource_for_tagging  # type: ignore[method-assign]


def patch_moto_rds_scaling_configuration() -> None:
    """ScalingConfigurationInfo belongs to Aurora Serverless v1 clusters (EngineMode "serverless") only; moto
    5.2.5 answers one of nulls for every cluster, which the provider reads as a scaling_configuration block of
    zeros on a provisioned aws_rds_cluster, so every re-plan wants to change it."""
    from moto.rds.models import DBCluster

    moto_info = DBCluster.scaling_configuration_info
    if getattr(moto_info.fget, "_sandbox", False):  # type: ignore[union-attr]
        return

    def info(self: Any) -> dict[str, Any] | None:
        if self.engine_mode != "serverless":
            return None
        return moto_info.fget(self)  # type: ignore[misc]

    info._sandbox = True  # type: ignore[attr-defined]
    DBCluster.scaling_configuration_info = property(info)  # type: ignore[method-assign,assignment]


def patch_moto_rds_performance_insights() -> None:
    """A DB instance's Performance Insights settings (CreateDBInstance / ModifyDBInstance
    EnablePerformanceInsights, PerformanceInsightsKMSKeyId, PerformanceInsightsRetentionPeriod), answered as AWS
    does: PerformanceInsightsEnabled always, the key ARN and the retention period (7 days unless given) while it
    is enabled. moto 5.2.5 drops them, so every re-plan of an aws_rds_cluster_instance with
    performance_insights_enabled wants to turn it on again."""
    from moto.rds.models import DBInstance

    if getattr(DBInstance.__init__, "_sandbox_performance_insights", False):
        return
    moto_init = DBInstance.__init__

    @functools.wraps(moto_init)  # keeps the other patches' guards
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        moto_init(self, *args, **kwargs)
        self.enable_performance_insights = bool(kwargs.get("enable_performance_insights"))
        self.performance_insights_kms_key_id = kwargs.get("performance_insights_kms_key_id")
        self.performance_insights_retention_period = kwargs.get("performance_insights_retention_period")

    def kms_key_arn(self: Any, key_id: str | None) -> str | None:
        if not key_id or (key_id.startswith("arn:") and ":key/" in key_id):
            return key_id
        try:  # AWS answers the key's ARN for a key id, alias or alias ARN
            return self.backend.kms.describe_key(key_id).arn
        except Exception:
            return key_id

    def stored(name: str, answer: Callable[[Any, Any], Any]) -> property:
        def get(self: Any) -> Any:
            return answer(self, self.__dict__.get(name)) if self.__dict__.get("enable_performance_insights") else None

        def put(self: Any, value: Any) -> None:
            self.__dict__[name] = value

        return property(get, put)

    init._sandbox_performance_insights = True  # type: ignore[attr-defined]
    DBInstance.__init__ = init  # type: ignore[method-assign]
    DBInstance.performance_insights_enabled = property(  # type: ignore[attr-defined]
        lambda self: bool(self.__dict__.get("enable_performance_insights"))
    )
    DBInstance.performance_insights_kms_key_id = stored("_pi_kms_key_id", kms_key_arn)  # type: ignore[attr-defined]
    DBInstance.performance_insights_retention_period = stored(  # type: ignore[attr-defined]
        "_pi_retention_period", lambda self, days: days or 7
    )
