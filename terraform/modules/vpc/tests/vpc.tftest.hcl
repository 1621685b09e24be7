mock_provider "aws" {
  mock_data "aws_region" {
    defaults = {
      name = "us-east-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  name                 = "test"
  cidr_block           = "10.10.0.0/16"
  azs                  = ["us-east-1a", "us-east-1b", "us-east-1c"]
  flow_log_kms_key_arn = "arn:aws:kms:us-east-1:111122223333:key/00000000-0000-0000-0000-000000000000"
}

run "subnets_span_every_az" {
  command = plan

  assert {
    condition     = length(aws_subnet.public) == 3 && length(aws_subnet.private) == 3
    error_message = "expected one public and one private subnet per AZ"
  }

  assert {
    condition     = toset(aws_subnet.private[*].availability_zone) == toset(var.azs) && toset(aws_subnet.public[*].availability_zone) == toset(var.azs)
    error_message = "subnets must be spread over every AZ"
  }

  assert {
    condition     = alltrue([for s in concat(aws_subnet.public, aws_subnet.private) : s.map_public_ip_on_launch == false])
    error_message = "no subnet may hand out public IPs on launch"
  }

  assert {
    condition     = aws_subnet.private[0].cidr_block == "10.10.0.0/20" && aws_subnet.public[0].cidr_block == "10.10.224.0/22"
    error_message = "default subnet CIDRs changed"
  }

  assert {
    condition     = length(distinct(concat(aws_subnet.public[*].cidr_block, aws_subnet.private[*].cidr_block))) == 6
    error_message = "subnet CIDRs must not repeat"
  }
}

run "nat_per_az" {
  command = plan

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_route.private_nat) == 3
    error_message = "per_az mode must create one NAT gateway and one default route per AZ"
  }
}

run "nat_single" {
  command = plan

  variables {
    nat_gateway_mode = "single"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 1 && length(aws_eip.nat) == 1
    error_message = "single mode must create exactly one NAT gateway"
  }

  assert {
    condition     = length(aws_route.private_nat) == 3
    error_message = "every private route table must still route through the single NAT gateway"
  }
}

run "nat_none_keeps_endpoints" {
  command = plan

  variables {
    nat_gateway_mode = "none"
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_eip.nat) == 0 && length(aws_route.private_nat) == 0
    error_message = "none mode must create no NAT gateway, EIP or default route"
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["ecr.api", "ecr.dkr", "logs", "secretsmanager"])
    error_message = "without NAT, tasks need the ecr.api, ecr.dkr, logs and secretsmanager interface endpoints"
  }

  assert {
    condition     = alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    error_message = "interface endpoints must have private DNS so the SDKs resolve them"
  }

  assert {
    condition     = aws_vpc_endpoint.s3[0].vpc_endpoint_type == "Gateway" && aws_vpc_endpoint.s3[0].service_name == "com.amazonaws.us-east-1.s3"
    error_message = "the S3 gateway endpoint (ECR layers) must exist"
  }
}

run "flow_logs_encrypted" {
  command = plan

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs[0].kms_key_id == var.flow_log_kms_key_arn
    error_message = "flow logs must capture ALL traffic into a KMS-encrypted log group"
  }

  assert {
    condition     = aws_cloudwatch_log_group.flow_logs[0].retention_in_days == 365
    error_message = "flow logs must be retained for a year by default"
  }
}

run "rejects_invalid_cidr" {
  command = plan

  variables {
    cidr_block = "10.10.0.0/33"
  }

  expect_failures = [var.cidr_block]
}

run "rejects_non_cidr" {
  command = plan

  variables {
    cidr_block = "not-a-cidr"
  }

  expect_failures = [var.cidr_block]
}

run "rejects_single_az" {
  command = plan

  variables {
    azs = ["us-east-1a"]
  }

  expect_failures = [var.azs]
}

run "rejects_unknown_nat_mode" {
  command = plan

  variables {
    nat_gateway_mode = "two"
  }

  expect_failures = [var.nat_gateway_mode]
}

run "rejects_flow_logs_without_kms" {
  command = plan

  variables {
    flow_log_kms_key_arn = null
  }

  expect_failures = [var.flow_log_kms_key_arn]
}

run "rejects_subnet_count_mismatch" {
  command = plan

  variables {
    private_subnet_cidrs = ["10.10.0.0/20"]
  }

  expect_failures = [var.private_subnet_cidrs]
}
