mock_provider "aws" {}

variables {
  name            = "platform-edge"
  log_kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"
}

run "cloudfront_defaults" {
  command = plan

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "CLOUDFRONT"
    error_message = "The ACL must default to CLOUDFRONT scope."
  }

  assert {
    condition = alltrue([for g in ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList"] :
      contains([for r in aws_wafv2_web_acl.this.rule : r.statement[0].managed_rule_group_statement[0].name if length(r.statement[0].managed_rule_group_statement) > 0], g)
    ])
    error_message = "All five AWS managed rule groups must be in the ACL."
  }

  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].limit if r.name == "rate-limit-per-ip"]) == 2000
    error_message = "The rate-based rule must use the default limit."
  }

  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].aggregate_key_type if r.name == "rate-limit-per-ip"]) == "IP"
    error_message = "The rate-based rule must aggregate per client IP."
  }

  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : r.action[0].block[0].custom_response[0].response_code if r.name == "rate-limit-per-ip"]) == 429
    error_message = "Rate-limited clients must get 429."
  }

  assert {
    condition     = length([for r in aws_wafv2_web_acl.this.rule : r if r.name == "geo-block"]) == 0
    error_message = "No geo rule without country codes."
  }

  assert {
    condition     = startswith(aws_cloudwatch_log_group.this.name, "aws-waf-logs-")
    error_message = "The WAF log group name must start with aws-waf-logs-."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "The WAF log group must be KMS-encrypted and kept a year."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_association.this) == 0
    error_message = "A CLOUDFRONT ACL is attached by the distribution, not by an association."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_logging_configuration.this.redacted_fields) == 3
    error_message = "Authorization, cookie and the origin secret header must be redacted from logs."
  }
}

run "block_list_and_geo" {
  command = plan

  variables {
    blocked_ip_addresses    = ["192.0.2.0/24", "2001:db8::/32", "198.51.100.7/32"]
    geo_block_country_codes = ["KP", "IR"]
  }

  assert {
    condition     = toset(aws_wafv2_ip_set.blocked_ipv4.addresses) == toset(["192.0.2.0/24", "198.51.100.7/32"])
    error_message = "IPv4 CIDRs must land in the IPv4 set."
  }

  assert {
    condition     = toset(aws_wafv2_ip_set.blocked_ipv6.addresses) == toset(["2001:db8::/32"])
    error_message = "IPv6 CIDRs must land in the IPv6 set."
  }

  assert {
    condition     = toset(one([for r in aws_wafv2_web_acl.this.rule : r.statement[0].geo_match_statement[0].country_codes if r.name == "geo-block"])) == toset(["KP", "IR"])
    error_message = "The geo rule must block the listed countries."
  }
}

run "regional_behind_cloudfront" {
  command = plan

  variables {
    scope                    = "REGIONAL"
    rate_limit_aggregate_key = "FORWARDED_IP"
    association_resource_arns = {
      alb = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/app/platform/0123456789abcdef"
    }
  }

  assert {
    condition     = aws_wafv2_web_acl.this.scope == "REGIONAL" && aws_wafv2_ip_set.blocked_ipv4.scope == "REGIONAL"
    error_message = "The same module must build a REGIONAL ACL."
  }

  assert {
    condition     = length(aws_wafv2_web_acl_association.this) == 1
    error_message = "A REGIONAL ACL must be associated with the given ALB."
  }

  assert {
    condition     = one([for r in aws_wafv2_web_acl.this.rule : r.statement[0].rate_based_statement[0].forwarded_ip_config[0].header_name if r.name == "rate-limit-per-ip"]) == "X-Forwarded-For"
    error_message = "FORWARDED_IP must read the client address from X-Forwarded-For."
  }
}

run "rate_limit_below_aws_minimum_rejected" {
  command = plan

  variables {
    rate_limit = 9
  }

  expect_failures = [var.rate_limit]
}

run "rate_limit_above_aws_maximum_rejected" {
  command = plan

  variables {
    rate_limit = 2000000001
  }

  expect_failures = [var.rate_limit]
}

run "unknown_country_code_rejected" {
  command = plan

  variables {
    geo_block_country_codes = ["KP", "XX"]
  }

  expect_failures = [var.geo_block_country_codes]
}

run "lower_case_country_code_rejected" {
  command = plan

  variables {
    geo_block_country_codes = ["us"]
  }

  expect_failures = [var.geo_block_country_codes]
}

run "log_group_without_waf_prefix_rejected" {
  command = plan

  variables {
    log_group_name = "/aws/waf/platform"
  }

  expect_failures = [var.log_group_name]
}

run "bad_cidr_rejected" {
  command = plan

  variables {
    blocked_ip_addresses = ["192.0.2.300/24"]
  }

  expect_failures = [var.blocked_ip_addresses]
}

run "association_on_cloudfront_scope_rejected" {
  command = plan

  variables {
    association_resource_arns = {
      alb = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/platform/0123456789abcdef"
    }
  }

  expect_failures = [var.association_resource_arns]
}

run "known_bad_inputs_cannot_be_dropped" {
  command = plan

  variables {
    managed_rule_groups = [{ name = "AWSManagedRulesCommonRuleSet" }]
  }

  expect_failures = [var.managed_rule_groups]
}
