"""7. The DR failover world: Aurora global database switchover, failover and detach."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from .common import env_float, log

if TYPE_CHECKING:
    from .front import SandboxFront


class AuroraGlobalFailover:
    """Aurora global database switchover, failover and detach, on moto's own global clusters and DB clusters
    (moto 5.2.5 has no SwitchoverGlobalCluster / FailoverGlobalCluster; its RemoveFromGlobalCluster finds the
    global cluster only when called in us-east-1 and leaves the removed cluster a reader). As AWS documents
    them:

    - SwitchoverGlobalCluster, and FailoverGlobalCluster without AllowDataLoss (which AWS runs as a switchover):
      no data loss, so the writer must be reachable. The global cluster is "switching-over" (FailoverState
      names the clusters) for PD_SANDBOX_GLOBAL_FAILOVER_DELAY seconds (default 3), then "available" with the
      target writing and the old writer among the Readers.
    - FailoverGlobalCluster with AllowDataLoss: the same through "failing-over", without needing the writer's
      region; the old writer stays a member as a reader (AWS rejoins it as a secondary once its region is back).
    - RemoveFromGlobalCluster, called in any region (the detached cluster's, when the writer's is down): the
      member leaves the global cluster; a secondary becomes a standalone writer (no replication source, its
      primary instance writes). The writer can leave only as the last member, as on AWS.

    Refusals, named as AWS names them: GlobalClusterNotFoundFault, DBClusterNotFoundFault,
    InvalidDBClusterStateFault (the target is not a member, already writes, or its region or, for a
    switchover, the writer's region is down), InvalidGlobalClusterStateFault (a switchover or failover is under
    way), InvalidParameterCombination (AllowDataLoss with Switchover).

    Instances of a secondary cluster are all readers (DBClusterMembers IsClusterWriter false) until it is
    promoted; moto makes the first instance of every cluster its writer.
    """

    def __init__(self, front: "SandboxFront") -> None:
        self.front = front
        self.delay = env_float("PD_SANDBOX_GLOBAL_FAILOVER_DELAY", 3.0)
        self.lock = threading.RLock()
        self.under_way: dict[tuple[str, str], dict[str, Any]] = {}  # (account, global cluster id) -> operation

    def reset(self) -> None:
        with self.lock:
            self.under_way.clear()

    def install(self) -> None:
        from moto.core.responses import ActionResult
        from moto.rds.models import DBCluster
        from moto.rds.responses import RDSResponse

        failover = self

        def switchover_global_cluster(self: Any) -> Any:
            return ActionResult({"GlobalCluster": failover.begin(self, data_loss=False)})

        def failover_global_cluster(self: Any) -> Any:
            allow = str(self.params.get("AllowDataLoss", "")).lower() == "true"
            if allow and str(self.params.get("Switchover", "")).lower() == "true":
                from moto.rds.exceptions import RDSClientError

                raise RDSClientError("InvalidParameterCombination", "Specify either AllowDataLoss or Switchover, not both.")
            return ActionResult({"GlobalCluster": failover.begin(self, data_loss=allow)})

        def remove_from_global_cluster(self: Any) -> Any:
            return ActionResult({"GlobalCluster": failover.remove(self)})

        RDSResponse.switchover_global_cluster = switchover_global_cluster  # type: ignore[attr-defined]
        RDSResponse.failover_global_cluster = failover_global_cluster  # type: ignore[attr-defined]
        RDSResponse.remove_from_global_cluster = remove_from_global_cluster  # type: ignore[method-assign]

        moto_members = DBCluster.db_cluster_members.fget  # type: ignore[attr-defined]
        if getattr(moto_members, "_sandbox", False):
            return

        def db_cluster_members(self: Any) -> list[dict[str, Any]]:
            members = moto_members(self)
            if self.global_cluster_identifier and not self.is_writer:
                for member in members:
                    member["IsClusterWriter"] = False
            return members

        db_cluster_members._sandbox = True  # type: ignore[attr-defined]
        DBCluster.db_cluster_members = property(db_cluster_members)  # type: ignore[method-assign,assignment]

    # -- lookups --------------------------------------------------------------------------------------------

    @staticmethod
    def global_cluster(response: Any, identifier: str | None) -> Any:
        from moto.rds.exceptions import RDSClientError

        cluster = response.global_backend.global_clusters.get(identifier or "")
        if cluster is None:
            raise RDSClientError("GlobalClusterNotFoundFault", f"Global cluster {identifier} not found.")
        return cluster

    @staticmethod
    def db_cluster(response: Any, identifier: str | None) -> Any:
        """A DB cluster by ARN (in the ARN's region, whichever region the call went to) or by identifier."""
        from moto.rds.exceptions import DBClusterNotFoundError
        from moto.rds.models import find_cluster

        try:
            if identifier and identifier.startswith("arn:"):
                return find_cluster(identifier)
            if identifier:
                return response.backend.describe_db_clusters(db_cluster_identifier=identifier)[0]
        except (IndexError, KeyError):  # an ARN with no region or account in it
            pass
        raise DBClusterNotFoundError(str(identifier))

    # -- operations -----------------------------------------------------------------------------------------

    def begin(self, response: Any, data_loss: bool) -> Any:
        from moto.rds.exceptions import RDSClientError

        params = response.params
        state = "failing-over" if data_loss else "switching-over"
        with self.lock:
            self.settle()
            glob = self.global_cluster(response, params.get("GlobalClusterIdentifier"))
            target = self.db_cluster(response, params.get("TargetDbClusterIdentifier"))
            gid = glob.global_cluster_identifier
            key = (glob.account_id, gid)
            if key in self.under_way or glob.status != "available":
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault",
                    f"Global cluster {gid} is {glob.status}; wait until the current switchover or failover completes.",
                )
            if not any(m is target for m in glob.members):
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The DB cluster {target.db_cluster_arn} is not a secondary cluster of global cluster {gid}.",
                )
            if target.is_writer:
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The DB cluster {target.db_cluster_arn} is already the primary cluster of global cluster {gid}.",
                )
            if self.front.outage.is_down(target.region):
                raise RDSClientError(
                    "InvalidDBClusterStateFault", f"The DB cluster {target.db_cluster_arn} is not available."
                )
            writer = next((m for m in glob.members if m.is_writer), None)
            if not data_loss and writer is not None and self.front.outage.is_down(writer.region):
                raise RDSClientError(
                    "InvalidDBClusterStateFault",
                    f"The primary DB cluster {writer.db_cluster_arn} is not available, so a switchover is not "
                    "possible; fail over with AllowDataLoss or remove the secondary from the global cluster.",
                )
            glob.status = state
            glob.failover_state = {
                "Status": state,
                "FromDbClusterArn": writer.db_cluster_arn if writer is not None else None,
                "ToDbClusterArn": target.db_cluster_arn,
                "IsDataLossAllowed": data_loss,
            }
            self.under_way[key] = {"global": glob, "target": target, "due": time.time() + self.delay}
            log(f"rds: global cluster {gid} {state} to {target.db_cluster_arn} (for {self.delay:g}s)")
            return glob

    def settle(self) -> None:
        """Completes the switchovers and failovers whose time has come."""
        now = time.time()
        with self.lock:
            for key, op in list(self.under_way.items()):
                if op["due"] > now:
                    continue
                del self.under_way[key]
                glob, target = op["global"], op["target"]
                for member in glob.members:
                    member.is_writer = member is target
                glob.status = "available"
                glob.failover_state = None
                log(f"rds: global cluster {key[1]} available, writer {target.db_cluster_arn}")

    def remove(self, response: Any) -> Any:
        from moto.rds.exceptions import RDSClientError

        params = response.params
        with self.lock:
            self.settle()
            glob = self.global_cluster(response, params.get("GlobalClusterIdentifier"))
            cluster = self.db_cluster(response, params.get("DbClusterIdentifier"))
            gid = glob.global_cluster_identifier
            if not any(m is cluster for m in glob.members):
                raise RDSClientError(
                    "DBClusterNotFoundFault", f"The DB cluster {cluster.db_cluster_arn} is not a member of global cluster {gid}."
                )
            if (glob.account_id, gid) in self.under_way:
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault", f"Global cluster {gid} is {glob.status}; wait until it completes."
                )
            if cluster.is_writer and len(glob.members) > 1:
                raise RDSClientError(
                    "InvalidGlobalClusterStateFault",
                    f"The primary cluster {cluster.db_cluster_arn} can leave global cluster {gid} only after its secondary clusters.",
                )
            glob.members.remove(cluster)
            cluster.global_cluster_identifier = None
            cluster.replication_source_identifier = None
            cluster.is_writer = True
            log(f"rds: {cluster.db_cluster_arn} removed from global cluster {gid}: a standalone writer")
            return glob
