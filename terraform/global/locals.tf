locals {
  partition        = data.aws_partition.current.partition
  secondary_region = var.dr_regions[0]
  all_regions      = concat([var.primary_region], var.dr_regions)
  name             = var.project

  # The region the edge sends traffic to first (CloudFront origin group primary, Route53 failover PRIMARY): the
  # DR region platform-deploy failover made active (its regional stack reports edge_origin.traffic_role), else the
  # primary region. The other member is the primary region when a DR region is preferred, else the first DR region.
  # primary_region keeps its other meanings (ECR source, providers).
  active_dr_regions = [for r in var.dr_regions : r if try(var.regional_origins[r].traffic_role, null) == "active"]
  preferred_region  = length(local.active_dr_regions) > 0 ? local.active_dr_regions[0] : var.primary_region
  fallback_region   = local.preferred_region != var.primary_region ? var.primary_region : local.secondary_region

  # Origin host names under origin.<domain_name>. The regional ALB certificates must cover *.origin.<domain_name>
  # (CloudFront checks the origin certificate against these names) and domain_name (WebSocket behavior forwards Host).
  origin_zone = "origin.${var.domain_name}"
  origin_hostnames = {
    regional = { for r in keys(var.regional_origins) : r => "${r}.${local.origin_zone}" }
    failover = "failover.${local.origin_zone}"
    latency  = "latency.${local.origin_zone}"
    weighted = "weighted.${local.origin_zone}"
  }
}
