# Restore-test validation (AWS Backup "restore testing validation"): when a restore job of this instance's
# restore-testing plan COMPLETES, EventBridge starts a state machine that checks the restored Aurora cluster and
# reports SUCCESSFUL or FAILED with PutRestoreValidationResult, inside the validation window (after which AWS Backup
# deletes the restored resource). The check: the cluster the restore created exists, is storage-encrypted and
# becomes "available". Restore jobs of other plans, manual ones and other resource types are left alone.
#
# Step Functions calls the two APIs itself (AWS SDK integrations), so there is no function code to build or patch.
# The roles exist wherever validation is configured, the state machine and the rule only where the plan runs.

locals {
  restore_validation_configured = var.restore_testing != null && var.restore_validation != null
  restore_validation            = var.plan_enabled && local.restore_validation_configured

  restore_validation_name = "${var.name}-restore-validation"
  # Spelled out (not the resource's ARN) so the roles' policies do not change when the plan moves between regions.
  restore_validation_state_machine_arn = "arn:${data.aws_partition.current.partition}:states:${local.region}:${local.account_id}:stateMachine:${local.restore_validation_name}"

  # Step Functions' AWS SDK integrations take and return the AWS SDK for Java 2.x shapes: DbClusterIdentifier,
  # DbClusters (not DBClusterIdentifier, DBClusters).
  restore_validation_definition = !local.restore_validation ? null : jsonencode({
    Comment        = "Validates the restore tests of ${aws_backup_restore_testing_plan.this[0].name}: the restored Aurora cluster must be storage-encrypted and available."
    StartAt        = "DescribeRestoreJob"
    TimeoutSeconds = var.restore_testing.validation_window_hours * 3600
    States = {
      DescribeRestoreJob = {
        Type       = "Task"
        Resource   = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:backup:describeRestoreJob"
        Parameters = { "RestoreJobId.$" = "$.detail.restoreJobId" }
        ResultPath = "$.job"
        Retry      = [{ ErrorEquals = ["States.ALL"], IntervalSeconds = 10, MaxAttempts = 3, BackoffRate = 2 }]
        Next       = "FromARestoreTest"
      }
      FromARestoreTest = {
        Type    = "Choice"
        Choices = [{ Variable = "$.job.CreatedBy.RestoreTestingPlanArn", IsPresent = true, Next = "OfThisPlan" }]
        Default = "NotToValidateHere"
      }
      OfThisPlan = {
        Type = "Choice"
        Choices = [{
          And = [
            { Variable = "$.job.CreatedBy.RestoreTestingPlanArn", StringEquals = aws_backup_restore_testing_plan.this[0].arn },
            { Variable = "$.job.ResourceType", StringEquals = "Aurora" },
          ]
          Next = "DescribeRestoredCluster"
        }]
        Default = "NotToValidateHere"
      }
      NotToValidateHere = {
        Type    = "Succeed"
        Comment = "A manual restore, another plan's, or a resource type this machine has no check for."
      }
      DescribeRestoredCluster = {
        Type       = "Task"
        Resource   = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:rds:describeDBClusters"
        Parameters = { "DbClusterIdentifier.$" = "$.job.CreatedResourceArn" }
        ResultSelector = {
          "Id.$"               = "$.DbClusters[0].DbClusterIdentifier"
          "Status.$"           = "$.DbClusters[0].Status"
          "StorageEncrypted.$" = "$.DbClusters[0].StorageEncrypted"
        }
        ResultPath = "$.cluster"
        Retry      = [{ ErrorEquals = ["States.TaskFailed"], IntervalSeconds = 10, MaxAttempts = 3, BackoffRate = 2 }]
        Catch      = [{ ErrorEquals = ["States.ALL"], ResultPath = "$.error", Next = "ReportNotFound" }]
        Next       = "RestoredClusterState"
      }
      RestoredClusterState = {
        Type = "Choice"
        Choices = [
          { Variable = "$.cluster.StorageEncrypted", BooleanEquals = false, Next = "ReportNotEncrypted" },
          { Variable = "$.cluster.Status", StringEquals = "available", Next = "ReportAvailable" },
          {
            Or = [for status in ["creating", "backing-up", "modifying", "migrating", "renaming", "resetting-master-credentials", "upgrading", "starting", "maintenance"] :
            { Variable = "$.cluster.Status", StringEquals = status }]
            Next = "WaitForRestoredCluster"
          },
        ]
        Default = "ReportNotAvailable"
      }
      # Bounded by the validation window: AWS Backup deletes the cluster when it ends, and the machine times out.
      WaitForRestoredCluster = {
        Type    = "Wait"
        Seconds = 60
        Next    = "DescribeRestoredCluster"
      }
      ReportAvailable = {
        Type     = "Task"
        Resource = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:backup:putRestoreValidationResult"
        Parameters = {
          "RestoreJobId.$"            = "$.job.RestoreJobId"
          ValidationStatus            = "SUCCESSFUL"
          "ValidationStatusMessage.$" = "States.Format('Restored cluster {} is available and storage-encrypted.', $.cluster.Id)"
        }
        End = true
      }
      ReportNotEncrypted = {
        Type     = "Task"
        Resource = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:backup:putRestoreValidationResult"
        Parameters = {
          "RestoreJobId.$"            = "$.job.RestoreJobId"
          ValidationStatus            = "FAILED"
          "ValidationStatusMessage.$" = "States.Format('Restored cluster {} is not storage-encrypted.', $.cluster.Id)"
        }
        Next = "ValidationFailed"
      }
      ReportNotAvailable = {
        Type     = "Task"
        Resource = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:backup:putRestoreValidationResult"
        Parameters = {
          "RestoreJobId.$"            = "$.job.RestoreJobId"
          ValidationStatus            = "FAILED"
          "ValidationStatusMessage.$" = "States.Format('Restored cluster {} is {}, not available.', $.cluster.Id, $.cluster.Status)"
        }
        Next = "ValidationFailed"
      }
      ReportNotFound = {
        Type     = "Task"
        Resource = "arn:${data.aws_partition.current.partition}:states:::aws-sdk:backup:putRestoreValidationResult"
        Parameters = {
          "RestoreJobId.$"            = "$.job.RestoreJobId"
          ValidationStatus            = "FAILED"
          "ValidationStatusMessage.$" = "States.Format('The restored cluster {} could not be described: {}', $.job.CreatedResourceArn, $.error.Error)"
        }
        Next = "ValidationFailed"
      }
      # After reporting: a failed execution is what the Step Functions metrics and console show.
      ValidationFailed = {
        Type  = "Fail"
        Error = "RestoreValidationFailed"
        Cause = "The restored cluster did not pass validation; the restore job's validation message says why."
      }
    }
  })

  restore_validation_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # Neither API has resource-level permissions.
        Sid      = "RestoreJobs"
        Effect   = "Allow"
        Action   = ["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"]
        Resource = "*"
      },
      {
        Sid      = "RestoredClusters"
        Effect   = "Allow"
        Action   = ["rds:DescribeDBClusters"]
        Resource = "arn:${data.aws_partition.current.partition}:rds:${local.region}:${local.account_id}:cluster:*"
      },
      {
        # Vended log delivery to the execution log group and X-Ray traces: no resource-level permissions.
        Sid    = "LogsAndTraces"
        Effect = "Allow"
        Action = [
          "logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups",
          "xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets",
        ]
        Resource = "*"
      },
    ]
  })
}

# --- roles (wherever validation is configured) ---------------------------------------------------------------------

resource "aws_iam_role" "restore_validation" {
  count = local.restore_validation_configured ? 1 : 0

  name_prefix = "${substr(var.name, 0, 22)}-validate-"
  description = "Step Functions: validate the restore tests of ${var.name} (AWS Backup PutRestoreValidationResult)"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "states.amazonaws.com" }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "restore_validation" {
  count = local.restore_validation_configured ? 1 : 0

  name   = "validate-restore-tests"
  role   = aws_iam_role.restore_validation[0].id
  policy = local.restore_validation_policy
}

resource "aws_iam_role" "restore_validation_events" {
  count = local.restore_validation_configured ? 1 : 0

  name_prefix = "${substr(var.name, 0, 22)}-validate-ev-"
  description = "EventBridge: start the restore-test validation of ${var.name}"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = { Service = "events.amazonaws.com" }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "restore_validation_events" {
  count = local.restore_validation_configured ? 1 : 0

  name = "start-restore-validation"
  role = aws_iam_role.restore_validation_events[0].id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "StartValidation"
      Effect   = "Allow"
      Action   = ["states:StartExecution"]
      Resource = local.restore_validation_state_machine_arn
    }]
  })
}

# --- state machine and trigger (where the plan runs) ---------------------------------------------------------------

resource "aws_cloudwatch_log_group" "restore_validation" {
  count = local.restore_validation ? 1 : 0

  name              = "/aws/vendedlogs/states/${local.restore_validation_name}"
  retention_in_days = var.restore_validation.log_retention_days
  kms_key_id        = var.restore_validation.log_kms_key_arn

  tags = var.tags
}

resource "aws_sfn_state_machine" "restore_validation" {
  count = local.restore_validation ? 1 : 0

  name       = local.restore_validation_name
  role_arn   = aws_iam_role.restore_validation[0].arn
  definition = local.restore_validation_definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.restore_validation[0].arn}:*"
    include_execution_data = true
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.restore_validation]
}

resource "aws_cloudwatch_event_rule" "restore_completed" {
  count = local.restore_validation ? 1 : 0

  name        = local.restore_validation_name
  description = "AWS Backup restore job COMPLETED: validate it if it is a restore test of ${aws_backup_restore_testing_plan.this[0].name}"
  event_pattern = jsonencode({
    source        = ["aws.backup"]
    "detail-type" = ["Restore Job State Change"]
    detail        = { status = ["COMPLETED"] }
  })

  tags = var.tags
}

resource "aws_cloudwatch_event_target" "restore_completed" {
  count = local.restore_validation ? 1 : 0

  rule     = aws_cloudwatch_event_rule.restore_completed[0].name
  arn      = aws_sfn_state_machine.restore_validation[0].arn
  role_arn = aws_iam_role.restore_validation_events[0].arn

  depends_on = [aws_iam_role_policy.restore_validation_events]
}
