mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition = "aws"
    }
  }

  mock_data "aws_elb_service_account" {
    defaults = {
      arn = "arn:aws:iam::127311923021:root"
    }
  }
}

variables {
  vpc_id          = "vpc-0123456789abcdef0"
  vpc_cidr_block  = "10.10.0.0/16"
  subnet_ids      = ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"]
  certificate_arn = "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"
}

run "public_alb_requires_origin_header" {
  command = plan

  variables {
    name                 = "platform-public"
    internal             = false
    ingress_cidr_blocks  = ["0.0.0.0/0"]
    origin_verify_secret = "offline-placeholder-origin-verify-secret-0000"
    public_health_check  = { service = "api", path = "/health" }
    services = {
      api = { port = 8080, path_patterns = ["/api/*", "/health"] }
      web = { port = 3000, path_patterns = ["/*"], priority = 500 }
    }
  }

  assert {
    condition     = aws_lb.this.internal == false && aws_lb.this.drop_invalid_header_fields && aws_lb.this.enable_deletion_protection
    error_message = "the public ALB must drop invalid headers and be deletion-protected by default"
  }

  assert {
    condition     = aws_lb.this.access_logs[0].enabled && length(aws_s3_bucket.logs) == 1
    error_message = "access logs must be on, into the bucket the module creates"
  }

  assert {
    condition     = aws_lb_listener.prod.default_action[0].type == "fixed-response" && aws_lb_listener.prod.default_action[0].fixed_response[0].status_code == "403"
    error_message = "requests that match no rule (no origin header) must get 403"
  }

  assert {
    condition     = aws_lb_listener.prod.protocol == "HTTPS" && aws_lb_listener.test.protocol == "HTTPS" && aws_lb_listener.test.port == 8443
    error_message = "prod and test listeners must be HTTPS"
  }

  assert {
    condition     = length(aws_lb_listener_rule.prod) == 2 && aws_lb_listener_rule.prod["api"].priority == 100 && aws_lb_listener_rule.prod["web"].priority == 500
    error_message = "one prod rule per service, with default and explicit priorities"
  }

  assert {
    condition     = length(aws_lb_listener_rule.prod["api"].condition) == 2
    error_message = "prod rules must match the path and the origin header"
  }

  assert {
    condition     = toset([for tg in aws_lb_listener_rule.prod["api"].action[0].forward[0].target_group : tg.weight]) == toset([100, 0])
    error_message = "prod rules must forward weighted: blue 100, green 0"
  }

  assert {
    condition     = aws_lb_listener_rule.public_health_check[0].priority == 1 && length(aws_lb_listener_rule.public_health_check[0].condition) == 1
    error_message = "the public health path must be answered first and without the origin header"
  }

  assert {
    condition     = aws_lb_target_group.blue["api"].name == "platform-public-api-blue" && aws_lb_target_group.green["api"].name == "platform-public-api-green"
    error_message = "each service needs a blue and a green target group"
  }

  assert {
    condition     = alltrue([for tg in concat(values(aws_lb_target_group.blue), values(aws_lb_target_group.green)) : tg.target_type == "ip" && tg.health_check[0].path != "" && tg.health_check[0].enabled])
    error_message = "target groups must be ip targets with health checks"
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.prod_cidr) == ["0.0.0.0/0"] && aws_vpc_security_group_ingress_rule.prod_cidr["0.0.0.0/0"].from_port == 443 && aws_vpc_security_group_ingress_rule.prod_cidr["0.0.0.0/0"].to_port == 443
    error_message = "the public ALB admits only 443 from anywhere"
  }

  assert {
    condition     = keys(aws_vpc_security_group_ingress_rule.test_cidr) == ["10.10.0.0/16"]
    error_message = "the test listener admits only the VPC by default"
  }

  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.targets)) == toset(["8080", "3000"]) && alltrue([for r in aws_vpc_security_group_egress_rule.targets : r.cidr_ipv4 == "10.10.0.0/16"])
    error_message = "the ALB may only send to the VPC on the services' ports"
  }
}

run "public_alb_behind_prefix_list" {
  command = plan

  variables {
    name                    = "platform-public"
    internal                = false
    ingress_prefix_list_ids = ["pl-3b927c52"]
    origin_verify_secret    = "offline-placeholder-origin-verify-secret-0000"
    services                = { api = { port = 8080 } }
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.prod_cidr) == 0 && aws_vpc_security_group_ingress_rule.prod_prefix_list["pl-3b927c52"].from_port == 443
    error_message = "with a CloudFront prefix list, 443 is admitted from it alone"
  }
}

run "internal_alb_forwards_by_default" {
  command = plan

  variables {
    name     = "platform-payments"
    internal = true
    ingress_security_group_ids = {
      public_alb = "sg-0aaaaaaaaaaaaaaaa"
      api_tasks  = "sg-0bbbbbbbbbbbbbbbb"
    }
    enable_deletion_protection = false
    services                   = { payments = { port = 8080 } }
  }

  assert {
    condition     = aws_lb.this.internal && !aws_lb.this.enable_deletion_protection
    error_message = "internal ALB with deletion protection off as asked"
  }

  assert {
    condition     = aws_lb_listener.prod.default_action[0].type == "forward" && length(aws_lb_listener_rule.prod) == 0
    error_message = "a single-service internal ALB forwards in the listener's default action"
  }

  assert {
    condition     = toset([for tg in aws_lb_listener.prod.default_action[0].forward[0].target_group : tg.weight]) == toset([100, 0]) && toset([for tg in aws_lb_listener.test.default_action[0].forward[0].target_group : tg.weight]) == toset([100, 0])
    error_message = "prod and test listeners must forward weighted: blue 100, green 0"
  }

  assert {
    condition     = length(aws_vpc_security_group_ingress_rule.prod_cidr) == 0 && length(aws_vpc_security_group_ingress_rule.prod_prefix_list) == 0
    error_message = "the internal ALB admits no CIDR on the prod listener"
  }

  assert {
    condition     = toset([for r in aws_vpc_security_group_ingress_rule.prod_security_group : r.referenced_security_group_id]) == toset(["sg-0aaaaaaaaaaaaaaaa", "sg-0bbbbbbbbbbbbbbbb"])
    error_message = "the internal ALB admits only the public ALB's and the tasks' security groups"
  }
}

run "rejects_bad_certificate_arn" {
  command = plan

  variables {
    name            = "x-alb"
    internal        = true
    certificate_arn = "not-an-arn"
    services        = { svc = { port = 8080 } }
  }

  expect_failures = [var.certificate_arn]
}

run "rejects_single_subnet" {
  command = plan

  variables {
    name       = "x-alb"
    internal   = true
    subnet_ids = ["subnet-0aaaaaaaaaaaaaaaa"]
    services   = { svc = { port = 8080 } }
  }

  expect_failures = [var.subnet_ids]
}

run "rejects_test_port_equal_to_prod_port" {
  command = plan

  variables {
    name               = "x-alb"
    internal           = true
    test_listener_port = 443
    services           = { svc = { port = 8080 } }
  }

  expect_failures = [var.test_listener_port]
}

run "rejects_short_origin_secret" {
  command = plan

  variables {
    name                 = "x-alb"
    internal             = false
    origin_verify_secret = "short"
    services             = { svc = { port = 8080 } }
  }

  expect_failures = [var.origin_verify_secret]
}

run "rejects_target_group_names_over_32_chars" {
  command = plan

  variables {
    name     = "a-very-long-load-balancer"
    internal = true
    services = { "service-with-long-nm" = { port = 8080 } }
  }

  expect_failures = [var.services]
}

# ECS blue/green shifts the weights of a listener rule: an ECS-controlled service gets its production and test
# rules even alone on its ALB, and the listeners' default actions stop forwarding.
run "ecs_controlled_service_gets_listener_rules" {
  command = plan

  variables {
    name     = "platform-ledger"
    internal = true
    services = { ledger = { port = 8080, deployment_controller = "ECS" } }
  }

  override_resource {
    target          = aws_lb_target_group.blue
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-ledger-blue/0123456789abcdef"
    }
  }

  override_resource {
    target          = aws_lb_target_group.green
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-ledger-green/fedcba9876543210"
    }
  }

  override_resource {
    target          = aws_lb_listener_rule.prod
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener-rule/app/platform-ledger/0123456789abcdef/1111111111111111/aaaaaaaaaaaaaaaa"
    }
  }

  override_resource {
    target          = aws_lb_listener_rule.test
    override_during = plan
    values = {
      arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener-rule/app/platform-ledger/0123456789abcdef/2222222222222222/bbbbbbbbbbbbbbbb"
    }
  }

  assert {
    condition     = aws_lb_listener.prod.default_action[0].type == "fixed-response" && aws_lb_listener.test.default_action[0].type == "fixed-response" && aws_lb_listener.prod.default_action[0].fixed_response[0].status_code == "404"
    error_message = "with an ECS-controlled service the listeners' default actions answer 404 instead of forwarding"
  }

  assert {
    condition     = keys(aws_lb_listener_rule.prod) == ["ledger"] && keys(aws_lb_listener_rule.test) == ["ledger"] && aws_lb_listener_rule.prod["ledger"].priority == 100
    error_message = "an ECS-controlled service alone on its ALB gets a production and a test listener rule"
  }

  assert {
    condition = alltrue([for r in [aws_lb_listener_rule.prod["ledger"], aws_lb_listener_rule.test["ledger"]] :
      { for tg in r.action[0].forward[0].target_group : tg.arn => tg.weight } == {
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-ledger-blue/0123456789abcdef"  = 100
        "arn:aws:elasticloadbalancing:us-east-1:111122223333:targetgroup/platform-ledger-ledger-green/fedcba9876543210" = 0
      }
    ])
    error_message = "both rules forward to the blue (production) target group, the green (alternate) one at weight 0"
  }

  assert {
    condition = output.listener_rules["ledger"] == {
      prod_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener-rule/app/platform-ledger/0123456789abcdef/1111111111111111/aaaaaaaaaaaaaaaa"
      test_arn = "arn:aws:elasticloadbalancing:us-east-1:111122223333:listener-rule/app/platform-ledger/0123456789abcdef/2222222222222222/bbbbbbbbbbbbbbbb"
    }
    error_message = "listener_rules must carry the ARNs of the service's production and test rules"
  }
}

run "codedeploy_service_alone_keeps_default_forwards_and_no_rules" {
  command = plan

  variables {
    name     = "platform-payments"
    internal = true
    services = { payments = { port = 8080 } }
  }

  assert {
    condition     = output.listener_rules["payments"] == { prod_arn = null, test_arn = null }
    error_message = "a CodeDeploy service alone on its ALB has no listener rules to export"
  }
}

run "rejects_unknown_deployment_controller" {
  command = plan

  variables {
    name     = "platform-ledger"
    internal = true
    services = { ledger = { port = 8080, deployment_controller = "EXTERNAL" } }
  }

  expect_failures = [var.services]
}

run "rejects_public_health_check_on_an_ecs_controlled_service" {
  command = plan

  variables {
    name                 = "platform-public"
    internal             = false
    ingress_cidr_blocks  = ["0.0.0.0/0"]
    origin_verify_secret = "offline-placeholder-origin-verify-secret-0000"
    public_health_check  = { service = "api", path = "/health" }
    services             = { api = { port = 8080, deployment_controller = "ECS" } }
  }

  expect_failures = [var.public_health_check]
}
