locals {
  partition        = data.aws_partition.current.partition
  secondary_region = var.dr_regions[0]
  all_regions      = concat([var.primary_region], var.dr_regions)
  name             = var.project

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
