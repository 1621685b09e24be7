# The global stack against mocked providers: trust policies, Shield toggle, routing records, input validation.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_iam_openid_connect_provider" {
    defaults = {
      arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    }
  }

  mock_resource "aws_iam_policy" {
    defaults = {
      arn = "arn:aws:iam::123456789012:policy/platform-github"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_route53_health_check" {
    defaults = {
      arn = "arn:aws:route53:::healthcheck/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_route53_zone" {
    defaults = {
      zone_id = "Z0000000000000000000"
    }
  }
}

mock_provider "aws" {
  alias = "edge"

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_resource "aws_kms_key" {
    defaults = {
      arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_wafv2_ip_set" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:global/ipset/platform-edge-blocked/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:us-east-1:123456789012:log-group:mocked"
    }
  }

  mock_resource "aws_wafv2_web_acl" {
    defaults = {
      arn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/platform-edge/00000000-0000-0000-0000-000000000000"
    }
  }

  mock_resource "aws_cloudfront_distribution" {
    defaults = {
      arn            = "arn:aws:cloudfront::123456789012:distribution/E0000000000000"
      domain_name    = "d0000000000000.cloudfront.net"
      hosted_zone_id = "Z2FDTNDATAQYW2"
    }
  }
}

run "pipeline_roles_pinned_to_repository" {
  command = apply

  assert {
    condition     = toset(keys(module.github_oidc.role_arns)) == toset(["plan", "apply", "deploy"])
    error_message = "The stack must create the plan, apply and deploy roles."
  }

  assert {
    condition = alltrue([for role, doc in module.github_oidc.trust_policies :
      jsondecode(doc).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com" &&
      alltrue([for s in jsondecode(doc).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] : startswith(s, "repo:example-org/platform:")])
    ])
    error_message = "Every role must pin aud to sts.amazonaws.com and its sub claim to repo:example-org/platform."
  }

  assert {
    condition = alltrue([for role in ["apply", "deploy"] :
      toset(jsondecode(module.github_oidc.trust_policies[role]).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]) ==
      toset(["repo:example-org/platform:ref:refs/heads/main", "repo:example-org/platform:environment:production"])
    ])
    error_message = "apply and deploy must accept only the default branch ref or the protected environment."
  }

  assert {
    condition = alltrue(flatten([for role in ["apply", "deploy"] : [
      for s in jsondecode(module.github_oidc.trust_policies[role]).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] : !strcontains(s, "pull_request")
    ]]))
    error_message = "apply and deploy must never be assumable from a pull request."
  }

  assert {
    condition     = jsondecode(module.github_oidc.trust_policies["plan"]).Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"] == ["repo:example-org/platform:pull_request"]
    error_message = "plan must be assumable from pull requests of the repository."
  }

  assert {
    condition = toset(one([for s in jsondecode(module.github_oidc.permission_policies.deploy).Statement : s if s.Sid == "PassTaskRoles"]).Resource) == toset([
      "arn:aws:iam::123456789012:role/platform-*-task*",
      "arn:aws:iam::123456789012:role/platform-*-exec*",
    ])
    error_message = "The deploy role may pass only the regional stacks' task and execution roles."
  }

  assert {
    condition     = alltrue([for role, doc in module.github_oidc.trust_policies : jsondecode(doc).Statement[0].Principal.Federated == module.github_oidc.oidc_provider_arn])
    error_message = "Every role must trust the GitHub OIDC provider of this stack."
  }
}

# State is in a bucket per region (terraform/bootstrap), each replicated to the other: the pipeline roles reach every
# bucket and every key, with the access of each role.
run "pipeline_roles_reach_every_state_bucket" {
  command = plan

  variables {
    state_bucket_names = {
      us-east-1 = "shop-terraform-state-us-east-1"
      eu-west-1 = "shop-terraform-state-eu-west-1"
    }
    state_kms_key_arns = {
      us-east-1 = "arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111"
      eu-west-1 = "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"
    }
  }

  assert {
    condition = alltrue([for role in ["plan", "apply", "deploy"] :
      toset(one([for s in jsondecode(module.github_oidc.permission_policies[role]).Statement : s if s.Sid == "StateList"]).Resource) == toset(["arn:aws:s3:::shop-terraform-state-us-east-1", "arn:aws:s3:::shop-terraform-state-eu-west-1"]) &&
      toset(one([for s in jsondecode(module.github_oidc.permission_policies[role]).Statement : s if s.Sid == "StateKey"]).Resource) == toset(["arn:aws:kms:us-east-1:123456789012:key/11111111-1111-1111-1111-111111111111", "arn:aws:kms:eu-west-1:123456789012:key/22222222-2222-2222-2222-222222222222"])
    ])
    error_message = "Every pipeline role must reach both state buckets and both state keys."
  }

  assert {
    condition = (
      toset(one([for s in jsondecode(module.github_oidc.permission_policies.plan).Statement : s if s.Sid == "StateLock"]).Resource) == toset(["arn:aws:s3:::shop-terraform-state-us-east-1/*.tflock", "arn:aws:s3:::shop-terraform-state-eu-west-1/*.tflock"]) &&
      toset(one([for s in jsondecode(module.github_oidc.permission_policies.apply).Statement : s if s.Sid == "StateReadWrite"]).Resource) == toset(["arn:aws:s3:::shop-terraform-state-us-east-1/*", "arn:aws:s3:::shop-terraform-state-eu-west-1/*"]) &&
      toset(one([for s in jsondecode(module.github_oidc.permission_policies.deploy).Statement : s if s.Sid == "StateRead"]).Resource) == toset(["arn:aws:s3:::shop-terraform-state-us-east-1/*", "arn:aws:s3:::shop-terraform-state-eu-west-1/*"])
    )
    error_message = "plan locks, apply writes and deploy reads the state of both buckets."
  }
}

run "state_buckets_default_to_the_bootstrap_names" {
  command = plan

  assert {
    condition     = toset(one([for s in jsondecode(module.github_oidc.permission_policies.apply).Statement : s if s.Sid == "StateList"]).Resource) == toset(["arn:aws:s3:::platform-tfstate-123456789012-us-east-1", "arn:aws:s3:::platform-tfstate-123456789012-eu-west-1"])
    error_message = "Unset, the state buckets are terraform/bootstrap's default names in every region."
  }
}

run "deploy_role_passes_the_regions_ecs_infrastructure_roles_by_default" {
  command = plan

  assert {
    condition = (
      one([for s in jsondecode(module.github_oidc.permission_policies.deploy).Statement : s if s.Sid == "PassEcsInfrastructureRoles"]).Resource == ["arn:aws:iam::123456789012:role/platform-*ecs-infrastructure-*"] &&
      contains(one([for s in jsondecode(module.github_oidc.permission_policies.deploy).Statement : s if s.Sid == "EcsControllerReleases"]).Action, "ecs:UpdateService")
    )
    error_message = "Unset, ecs_infrastructure_role_arns names the regional stacks' ECS infrastructure roles: the deploy role releases the bundled payments service on the ECS deployment controller."
  }
}

run "deploy_role_releases_through_codedeploy_only_when_given_no_infrastructure_role" {
  command = plan

  variables {
    ecs_infrastructure_role_arns = []
  }

  assert {
    condition     = length([for s in jsondecode(module.github_oidc.permission_policies.deploy).Statement : s if startswith(s.Sid, "Ecs") || s.Sid == "PassEcsInfrastructureRoles"]) == 0
    error_message = "An empty ecs_infrastructure_role_arns grants nothing of the ECS deployment controller."
  }
}

run "shield_absent_when_disabled" {
  command = apply

  assert {
    condition     = length(aws_shield_protection.this) == 0 && length(aws_shield_protection_group.platform) == 0 && length(aws_shield_protection_health_check_association.this) == 0
    error_message = "No Shield Advanced resource may exist while enable_shield_advanced is false."
  }

  assert {
    condition     = output.shield_protection_ids == {}
    error_message = "The stack must report no Shield protection."
  }
}

run "shield_enabled" {
  command = apply

  variables {
    enable_shield_advanced = true
  }

  assert {
    condition     = toset(keys(aws_shield_protection.this)) == toset(["cloudfront", "zone", "alb-us-east-1", "alb-eu-west-1"])
    error_message = "Shield must protect the distribution, the zone and both ALBs."
  }

  assert {
    condition     = aws_shield_protection.this["cloudfront"].resource_arn == module.edge.distribution_arn && aws_shield_protection.this["zone"].resource_arn == "arn:aws:route53:::hostedzone/Z0000000000000000000"
    error_message = "The protections must target the distribution and the hosted zone."
  }

  assert {
    condition     = length(aws_shield_protection_group.platform) == 1 && length(aws_shield_protection_group.platform[0].members) == 4
    error_message = "A protection group must hold the four protected resources."
  }

  assert {
    condition     = aws_shield_protection_health_check_association.this["alb-eu-west-1"].health_check_arn == aws_route53_health_check.regional["eu-west-1"].arn && aws_shield_protection_health_check_association.this["cloudfront"].health_check_arn == aws_route53_health_check.global.arn
    error_message = "Each ALB protection uses its region's health check; the distribution uses the calculated one."
  }
}

run "failover_mode_routing" {
  command = apply

  assert {
    condition     = module.edge.origins == { primary = "us-east-1.origin.app.example.com", secondary = "eu-west-1.origin.app.example.com", routed = "failover.origin.app.example.com" }
    error_message = "failover mode: origin group of the two regions, writes through the Route53 failover name."
  }

  assert {
    condition     = aws_route53_record.failover["PRIMARY"].alias[0].name == var.regional_origins["us-east-1"].alb_dns_name && aws_route53_record.failover["SECONDARY"].alias[0].name == var.regional_origins["eu-west-1"].alb_dns_name
    error_message = "The failover record must point primary at us-east-1 and secondary at eu-west-1."
  }

  assert {
    condition     = aws_route53_record.failover["PRIMARY"].health_check_id == aws_route53_health_check.regional["us-east-1"].id
    error_message = "The primary failover record must be health checked."
  }

  assert {
    condition     = alltrue([for r, rec in aws_route53_record.latency : rec.latency_routing_policy[0].region == r && rec.health_check_id == aws_route53_health_check.regional[r].id && rec.alias[0].zone_id == var.regional_origins[r].alb_zone_id])
    error_message = "Every region needs a health-checked latency record aliasing its ALB."
  }

  assert {
    condition = alltrue([for r, hc in aws_route53_health_check.regional :
    hc.type == "HTTPS" && hc.resource_path == var.regional_origins[r].health_check_path && hc.fqdn == var.regional_origins[r].alb_dns_name])
    error_message = "Each region's health check must probe its health path over HTTPS."
  }

  assert {
    condition     = length(aws_route53_record.weighted) == 0
    error_message = "No weighted records without routing_weights."
  }

  assert {
    condition     = aws_route53_record.public["A"].alias[0].name == module.edge.domain_name
    error_message = "The public name must alias the distribution."
  }

  assert {
    condition     = output.preferred_region == "us-east-1"
    error_message = "With the DR region on standby the edge prefers the primary region."
  }
}

# After platform-deploy failover --to eu-west-1: the DR stack reports traffic_role = "active" in edge_origin.
run "failover_to_active_dr_region" {
  command = apply

  variables {
    regional_origins = {
      "us-east-1" = {
        region            = "us-east-1"
        alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
        alb_zone_id       = "Z35SXDOTRQ7X7K"
        health_check_path = "/health"
      }
      "eu-west-1" = {
        region            = "eu-west-1"
        alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
        alb_zone_id       = "Z32O12XQLNTSW2"
        health_check_path = "/health"
        traffic_role      = "active"
      }
    }
  }

  assert {
    condition     = output.preferred_region == "eu-west-1"
    error_message = "The active DR region must be the preferred region."
  }

  assert {
    condition     = module.edge.origins == { primary = "eu-west-1.origin.app.example.com", secondary = "us-east-1.origin.app.example.com", routed = "failover.origin.app.example.com" }
    error_message = "The origin group must try the active DR region first, then the primary region."
  }

  assert {
    condition     = aws_route53_record.failover["PRIMARY"].alias[0].name == var.regional_origins["eu-west-1"].alb_dns_name && aws_route53_record.failover["SECONDARY"].alias[0].name == var.regional_origins["us-east-1"].alb_dns_name
    error_message = "The failover record must point PRIMARY at eu-west-1 and SECONDARY at us-east-1."
  }

  assert {
    condition     = aws_route53_record.failover["PRIMARY"].health_check_id == aws_route53_health_check.regional["eu-west-1"].id && aws_route53_record.failover["PRIMARY"].set_identifier == "eu-west-1-primary"
    error_message = "The PRIMARY failover record must be health checked on the active DR region."
  }

  assert {
    condition     = keys(output.ecr_replica_repository_urls) == ["eu-west-1"]
    error_message = "Failover changes the edge only: ECR still replicates from primary_region."
  }
}

# Failing back (failover --back): the DR region drains, the edge prefers the primary region again.
run "draining_dr_region_is_not_preferred" {
  command = plan

  variables {
    regional_origins = {
      "us-east-1" = {
        region            = "us-east-1"
        alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
        alb_zone_id       = "Z35SXDOTRQ7X7K"
        health_check_path = "/health"
      }
      "eu-west-1" = {
        region            = "eu-west-1"
        alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
        alb_zone_id       = "Z32O12XQLNTSW2"
        health_check_path = "/health"
        traffic_role      = "draining"
      }
    }
  }

  assert {
    condition     = output.preferred_region == "us-east-1" && aws_route53_record.failover["PRIMARY"].alias[0].name == var.regional_origins["us-east-1"].alb_dns_name
    error_message = "A draining DR region must not be preferred."
  }
}

# An origin from a regional stack that predates traffic roles: a DR region without traffic_role is standby.
run "dr_origin_without_traffic_role_is_not_preferred" {
  command = plan

  variables {
    regional_origins = {
      "us-east-1" = {
        region            = "us-east-1"
        alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
        alb_zone_id       = "Z35SXDOTRQ7X7K"
        health_check_path = "/health"
      }
      "eu-west-1" = {
        region            = "eu-west-1"
        alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
        alb_zone_id       = "Z32O12XQLNTSW2"
        health_check_path = "/health"
      }
    }
  }

  assert {
    condition     = output.preferred_region == "us-east-1"
    error_message = "A DR origin without traffic_role must count as standby, never as preferred."
  }
}

run "latency_mode_routing" {
  command = apply

  variables {
    origin_mode = "latency"
  }

  assert {
    condition     = module.edge.origins == { routed = "latency.origin.app.example.com" }
    error_message = "latency mode: the single origin is the Route53 latency name."
  }
}

run "weighted_traffic_shifting" {
  command = apply

  variables {
    routing_weights = { "us-east-1" = 90, "eu-west-1" = 10 }
  }

  assert {
    condition     = aws_route53_record.weighted["eu-west-1"].weighted_routing_policy[0].weight == 10 && aws_route53_record.weighted["us-east-1"].name == "weighted.origin.app.example.com"
    error_message = "routing_weights must become weighted records."
  }
}

run "existing_zone" {
  command = apply

  variables {
    create_zone = false
    zone_id     = "Z123EXAMPLE"
  }

  assert {
    condition     = length(aws_route53_zone.this) == 0 && aws_route53_record.public["A"].zone_id == "Z123EXAMPLE"
    error_message = "An existing zone must be used when create_zone = false."
  }
}

run "ecr_replicated_to_dr" {
  command = apply

  assert {
    condition     = output.ecr_repository_names == tolist(["platform/api"])
    error_message = "Repositories are named <project>/<name>."
  }

  assert {
    condition     = output.ecr_replica_repository_urls["eu-west-1"]["platform/api"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com/platform/api"
    error_message = "Repositories must be replicated to eu-west-1."
  }
}

run "edge_waf" {
  command = apply

  assert {
    condition     = module.waf.scope == "CLOUDFRONT" && module.edge.origin_mode == "failover"
    error_message = "The distribution must be protected by a CLOUDFRONT-scope ACL."
  }

  assert {
    condition     = alltrue([for r in ["rate-limit-per-ip", "block-list", "AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"] : contains(module.waf.rule_names, r)])
    error_message = "The edge ACL must hold the rate rule, the block list and the five managed rule groups."
  }

  assert {
    condition     = startswith(module.waf.log_group_name, "aws-waf-logs-")
    error_message = "WAF logs must go to an aws-waf-logs- log group."
  }
}

run "rate_limit_below_aws_minimum_rejected" {
  command = plan

  variables {
    waf_rate_limit = 9
  }

  expect_failures = [var.waf_rate_limit]
}

run "rate_limit_above_maximum_rejected" {
  command = plan

  variables {
    waf_rate_limit = 2000000001
  }

  expect_failures = [var.waf_rate_limit]
}

run "repository_not_owner_slash_name_rejected" {
  command = plan

  variables {
    github_repository = "platform"
  }

  expect_failures = [var.github_repository]
}

run "account_id_not_12_digits_rejected" {
  command = plan

  variables {
    account_id = "1234"
  }

  expect_failures = [var.account_id]
}

run "dr_region_without_origin_rejected" {
  command = plan

  variables {
    dr_regions = ["eu-west-1", "ap-southeast-2"]
  }

  expect_failures = [var.regional_origins]
}

run "two_active_dr_regions_rejected" {
  command = plan

  variables {
    dr_regions = ["eu-west-1", "ap-southeast-2"]
    regional_origins = {
      "us-east-1" = {
        region            = "us-east-1"
        alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
        alb_zone_id       = "Z35SXDOTRQ7X7K"
        health_check_path = "/health"
      }
      "eu-west-1" = {
        region            = "eu-west-1"
        alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
        alb_zone_id       = "Z32O12XQLNTSW2"
        health_check_path = "/health"
        traffic_role      = "active"
      }
      "ap-southeast-2" = {
        region            = "ap-southeast-2"
        alb_dns_name      = "platform-ap-southeast-2-0000000000.ap-southeast-2.elb.amazonaws.com"
        alb_zone_id       = "Z1GM3OXH4ZPM65"
        health_check_path = "/health"
        traffic_role      = "active"
      }
    }
  }

  expect_failures = [var.regional_origins]
}

# An unknown role, and a primary region that is not active (it always is).
run "bad_traffic_roles_rejected" {
  command = plan

  variables {
    regional_origins = {
      "us-east-1" = {
        region            = "us-east-1"
        alb_dns_name      = "platform-us-east-1-0000000000.us-east-1.elb.amazonaws.com"
        alb_zone_id       = "Z35SXDOTRQ7X7K"
        health_check_path = "/health"
        traffic_role      = "standby"
      }
      "eu-west-1" = {
        region            = "eu-west-1"
        alb_dns_name      = "platform-eu-west-1-0000000000.eu-west-1.elb.amazonaws.com"
        alb_zone_id       = "Z32O12XQLNTSW2"
        health_check_path = "/health"
        traffic_role      = "primary"
      }
    }
  }

  expect_failures = [var.regional_origins]
}

run "primary_region_as_dr_rejected" {
  command = plan

  variables {
    dr_regions = ["us-east-1"]
  }

  expect_failures = [var.dr_regions]
}

run "unknown_origin_mode_rejected" {
  command = plan

  variables {
    origin_mode = "weighted"
  }

  expect_failures = [var.origin_mode]
}

run "certificate_outside_us_east_1_rejected" {
  command = plan

  variables {
    acm_certificate_arn = "arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
  }

  expect_failures = [var.acm_certificate_arn]
}
