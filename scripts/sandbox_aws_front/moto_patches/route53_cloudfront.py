"""4. Patches of moto 5.2.5's models: Route53 and CloudFront."""

from __future__ import annotations

from typing import Any


def patch_moto_route53() -> None:
    """Route53 CreateQueryLoggingConfig takes the log group ARN as aws_cloudwatch_log_group exports it (no ":*"
    suffix, as in the provider's documented example); moto 5.2.5 only finds the group from "<arn>:*"."""
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend.create_query_logging_config, "_sandbox", False):
        return
    moto_create = Route53Backend.create_query_logging_config

    def create(self: Any, hosted_zone_id: str, log_group_arn: str) -> Any:
        if not log_group_arn or log_group_arn.endswith(":*"):
            return moto_create(self, hosted_zone_id, log_group_arn)
        config = moto_create(self, hosted_zone_id, log_group_arn + ":*")
        config.cloud_watch_logs_log_group_arn = log_group_arn  # answered back as it was given
        return config

    create._sandbox = True  # type: ignore[attr-defined]
    Route53Backend.create_query_logging_config = create  # type: ignore[method-assign]


def patch_moto_cloudfront() -> None:
    """A distribution's default cache behaviour may target an origin group (failover); moto 5.2.5 only looks the
    target up among the origins and refuses it with NoSuchOrigin."""
    from moto.cloudfront.models import DistributionConfig

    if getattr(DistributionConfig.__init__, "_sandbox", False):
        return
    moto_init = DistributionConfig.__init__

    def init(self: Any, config: dict[str, Any]) -> None:
        groups = {g.get("Id") for g in ((config.get("OriginGroups") or {}).get("Items") or [])}
        origins = [o.get("Id") for o in ((config.get("Origins") or {}).get("Items") or []) if isinstance(o, dict)]
        behaviour = config.get("DefaultCacheBehavior") or {}
        target = behaviour.get("TargetOriginId")
        if target in groups and target not in origins and origins:
            behaviour["TargetOriginId"] = origins[0]  # passes moto's origin check, then put back
            moto_init(self, config)
            self.DefaultCacheBehavior.target_origin_id = target
            return
        moto_init(self, config)

    init._sandbox = True  # type: ignore[attr-defined]
    DistributionConfig.__init__ = init  # type: ignore[method-assign]


def patch_moto_route53_create_by_set_identifier() -> None:
    """ChangeResourceRecordSets CREATE fails only when a record of the same name, type and set identifier exists,
    as in Route53. moto 5.2.5 refuses a CREATE identical to one in its change journal whenever any record of that
    name and type exists, so failover records that swap set identifiers (the bundled edge names them after the
    region they prefer) could not swap back."""
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    if getattr(Route53Backend.change_resource_record_sets, "_sandbox", False):
        return
    moto_change = Route53Backend.change_resource_record_sets

    def change(self: Any, zoneid: str, change_list: list[dict[str, Any]]) -> None:
        zone = self.get_hosted_zone(zoneid)
        for value in change_list:
            if value["Action"] != "CREATE":
                continue
            record = value["ResourceRecordSet"]
            name = record["Name"].rstrip(".") + "."
            for live in zone.rrsets:
                same = live.name.rstrip(".") + "." == name and live.type == record["Type"]
                if same and live.set_identifier == record.get("SetIdentifier"):
                    raise ResourceRecordAlreadyExists(name=name, _type=record["Type"])
            # Checked here; moto's own check would consult its journal instead.
            value["Action"] = "UPSERT"
        moto_change(self, zoneid, change_list)

    change._sandbox = True  # type: ignore[attr-defined]
    Route53Backend.change_resource_record_sets = change  # type: ignore[method-assign]


def patch_moto_cloudfront_distribution_answers() -> None:
    """Two fields of a distribution's config that moto 5.2.5 answers unlike CloudFront, so every re-plan of the
    bundled aws_cloudfront_distribution wants to change it: a cache behaviour that uses a cache policy
    (CachePolicyId) and sends no legacy ForwardedValues gets none back (moto makes up a default one); a viewer
    certificate from ACM or IAM is answered with CloudFrontDefaultCertificate false and its CertificateSource
    (acm / iam) and Certificate (moto answers CloudFrontDefaultCertificate true unless it is sent)."""
    from moto.cloudfront.models import DefaultCacheBehaviour, ViewerCertificate

    if getattr(DefaultCacheBehaviour.__init__, "_sandbox", False):
        return
    moto_behaviour_init = DefaultCacheBehaviour.__init__
    moto_certificate_init = ViewerCertificate.__init__

    def behaviour_init(self: Any, config: dict[str, Any]) -> None:
        given = "ForwardedValues" in config
        moto_behaviour_init(self, config)
        if config.get("CachePolicyId") and not given:
            self.forwarded_values = None

    def certificate_init(self: Any, config: dict[str, Any]) -> None:
        moto_certificate_init(self, config)
        own = self.acm_certificate_arn or self.iam_certificate_id
        if "CloudFrontDefaultCertificate" not in config:
            self.cloud_front_default_certificate = not own
        if self.acm_certificate_arn:
            self.certificate_source, self.certificate = "acm", self.acm_certificate_arn
        elif self.iam_certificate_id:
            self.certificate_source, self.certificate = "iam", self.iam_certificate_id

    behaviour_init._sandbox = True  # type: ignore[attr-defined]
    DefaultCacheBehaviour.__init__ = behaviour_init  # type: ignore[method-assign]
    ViewerCertificate.__init__ = certificate_init  # type: ignore[method-assign]
