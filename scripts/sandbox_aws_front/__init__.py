"""sandbox_aws: moto, plus the few AWS behaviours moto lacks.

TEST INFRASTRUCTURE. This package, started by scripts/sandbox_aws.py, is part of the local test sandbox
(scripts/sandbox), never of the product.
The product is pointed at it only through standard settings (AWS_ENDPOINT_URL / endpoint_url), and no
product code may change to suit it.

One process serves moto's own WSGI app (the same app `moto_server` serves, sharing moto's in-process
backends) behind a thin WSGI middleware that intercepts only what moto 5.2.5 lacks:

1. CloudWatch over Smithy RPC v2 CBOR, which aws-sdk-cloudwatch (Rust, 1.140) speaks:
   POST /service/GraniteServiceVersion20100801/operation/<Op>, header `smithy-protocol: rpc-v2-cbor`.
   The CBOR input is re-sent to moto as the equivalent awsQuery request (botocore's own serializer and
   model), moto's XML answer is parsed back (botocore's parser) and encoded as CBOR, typed by the output
   shape (timestamps as tag 1 epoch seconds, doubles as floats). DescribeAlarms filters are applied here
   the way CloudWatch combines them; DescribeAlarmHistory (absent from moto) is built from moto's alarm
   state history. Errors: CBOR {"__type", "message"}, plus `x-amzn-query-error: <Code>;Sender` because
   CloudWatch is awsQueryCompatible.
2. CodeDeploy deployments that progress (moto leaves them `Created` forever). Time-driven state machine,
   sped up by PD_SANDBOX_CODEDEPLOY_SPEED (default 60: one config-minute passes in one second):
   Created -> InProgress (BeforeInstall .. AllowTraffic with canary/linear/all-at-once traffic shifting ..
   AfterAllowTraffic, termination wait) -> Succeeded. An alarm of the deployment's alarm configuration
   in ALARM while the deployment runs stops it (ALARM_ACTIVE) and rolls it back when
   DEPLOYMENT_STOP_ON_ALARM is enabled. Also: deployment configs (CodeDeployDefault.* and custom),
   Stop/ContinueDeployment, deployment targets (ECS task sets with traffic weights, lifecycle events),
   alarmConfiguration on deployment groups, Update/DeleteDeploymentGroup, DeleteApplication.
3. ECR replication: docker-registry (the ECR data-plane stand-in) posts push notifications to
   /_sandbox/registry-events; a pushed manifest is put into moto's ECR in the primary region (only if the
   repository exists there) and, after PD_SANDBOX_REPLICATION_DELAY seconds, into each destination region
   of the registry replication configuration. PutImage through the API replicates the same way.
   DescribeImageReplicationStatus is answered from that.
4. What `terraform apply` of the bundled stacks (terraform/regions/*, terraform/global) waits on forever or
   fails on with moto 5.2.5: AWS Backup selections, restore testing plans/selections and vault notifications;
   X-Ray sampling rules (+ tags); API Gateway v2 deployments; Application Auto Scaling tags; CloudFront cache,
   origin request and response headers policies (ETag/If-Match). Small patches of moto's models: SQS returns
   RedriveAllowPolicy; new RDS instances get AWS's default CA rds-ca-rsa2048-g1; Route53 query logging takes
   the log group ARN without ":*"; a CloudFront default behaviour may target an origin group; S3 lifecycle
   answers carry x-amz-transition-default-minimum-object-size. Fields moto accepts and never answers back
   (ECS enableFaultInjection, healthCheckGracePeriodSeconds, ...) are kept and put back into the answers, so
   a re-plan after an apply is clean, as it is on AWS. For the same reason, answers moto gives unlike AWS are
   corrected: security group rules that reference a group or a prefix list carry their Description; RDS global
   clusters answer DatabaseName and TagList (tagged by ARN, described by identifier); only Serverless v1
   clusters answer ScalingConfigurationInfo; DB instances answer their Performance Insights settings; SQS
   answers RedrivePolicy as compact JSON; Lambda functions answer LoggingConfig; Backup ListTags finds the ARN
   without a trailing slash; API Gateway v2 stages answer their DeploymentId (and take UpdateStage);
   CloudFront behaviours with a cache policy carry no ForwardedValues, and an ACM or IAM viewer certificate
   is not CloudFrontDefaultCertificate. A bucket policy's Deny applies only when its Condition holds, on a
   request taken to have come over TLS 1.3 (moto applies every conditional Deny, so the state buckets' TLS-only
   policy refused all object requests).

5. IAM, as AWS enforces it, for role sessions: keys from STS AssumeRole / AssumeRoleWithWebIdentity may do
   only what the role's inline and attached policies allow on the request's resources (repository, service,
   deployment group, alarm, parameter and S3 object ARNs; "*" where AWS has no resource-level permission),
   including what AWS authorises alongside (ecs:TagResource for tags on RegisterTaskDefinition, iam:PassRole
   to ecs-tasks.amazonaws.com for the task roles and to ecs.amazonaws.com for the ECS infrastructure roles a
   CreateService / UpdateService names (lifecycle hooks, advancedConfiguration, managed EBS volumes),
   kms:Decrypt / kms:GenerateDataKey on the key of an SSE-KMS object, kms:Decrypt via Secrets Manager on the
   key of a secret read with GetSecretValue). REST requests
   are named by botocore's model of the service (method + requestUri), API Gateway's by method and path
   (apigateway:GET on arn:aws:apigateway:<region>::/v2/apis/...). A refusal is AWS's
   AccessDenied naming the session, the action and the resource. STS refuses to assume a role that does not
   exist, and AssumeRoleWithWebIdentity unless the role's trust policy admits the token's claims
   (`token.actions.githubusercontent.com:sub` and `:aud` conditions). The account's static keys act
   as its root user and are not restricted (moto itself checks every non-S3 request against resource "*",
   so it could never allow a scoped statement).

6. FIS experiments that run: StartExperiment / GetExperiment / ListExperiments / StopExperiment on moto's
   templates, time-driven (PD_SANDBOX_FIS_SPEED, default 60): pending -> initiating -> running for the longest
   action's duration -> completed; stopped by a stop-condition alarm in ALARM or by StopExperiment; failed when
   an ECS task target's service runs no task and the template fails on empty targets.

7. The DR failover world. Regions go down and come back (control endpoints below): every call signed for a down
   region (and every S3 call to a bucket there) is answered 503 ServiceUnavailable, which the SDKs retry and
   then report; Route53 and CloudFront keep answering (see RegionOutage for why), and Route53 health checks of
   endpoints in a down region report unhealthy. Aurora global databases switch over (SwitchoverGlobalCluster),
   fail over (FailoverGlobalCluster, with or without AllowDataLoss) through "switching-over" / "failing-over"
   for PD_SANDBOX_GLOBAL_FAILOVER_DELAY seconds (default 3), and detach a member (RemoveFromGlobalCluster, also
   while the writer's region is down), on moto's own models. Every AWS call received is recorded with its
   service, operation, region and whether it mutates, for drill tests.

8. S3 Replication (moto stores a replication configuration and copies nothing): a new object version or delete
   marker in a bucket with an Enabled replication rule matching its key is copied, asynchronously, after
   PD_SANDBOX_S3_REPLICATION_DELAY seconds (default 0.5), to each destination bucket, as the configuration's
   role (its policies are checked), SSE-KMS objects re-encrypted with the rule's ReplicaKmsKeyID; the copy
   answers x-amz-replication-status REPLICA and is never replicated again (bidirectional pairs do not loop),
   the source PENDING then COMPLETED or FAILED. A destination or source in a region that is down waits for it
   to come back, then catches up. See S3Replication.

9. Amazon ECS service deployments of the ECS deployment controller's BLUE_GREEN, CANARY and LINEAR strategies
   (deploymentConfiguration.strategy, canaryConfiguration, linearConfiguration, bakeTimeInMinutes,
   lifecycleHooks, alarms; loadBalancers[].advancedConfiguration), which moto drops. CreateService /
   UpdateService keep them and DescribeServices answers them back, with currentServiceDeployment and
   currentServiceRevisions. An UpdateService with another task definition (or forceNewDeployment) starts a
   service deployment that progresses with time (PD_SANDBOX_ECS_SPEED, default 60: one config-minute passes in
   one second): PENDING -> IN_PROGRESS through the lifecycle stages (RECONCILE_SERVICE when two revisions are
   active, PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT,
   PRODUCTION_TRAFFIC_SHIFT with the canary / linear steps and their bake times, POST_PRODUCTION_TRAFFIC_SHIFT,
   BAKE_TIME, CLEAN_UP) -> SUCCESSFUL, moving the weights of the production (and test) listener rule's forward
   action between the two target groups in moto's ELBv2. An alarm of the configuration in ALARM rolls it back
   (ROLLBACK_IN_PROGRESS -> ROLLBACK_SUCCESSFUL, triggeredAlarmNames) or stops it; so does a hook made to fail;
   PAUSE hooks wait for ContinueServiceDeployment; a newer deployment stops the one in progress.
   DescribeServiceDeployments, ListServiceDeployments, DescribeServiceRevisions, StopServiceDeployment
   (ROLLBACK, ABORT) and ContinueServiceDeployment are answered here. See EcsServiceDeployments.

10. CloudWatch metric values a test sets: GetMetricData answers them for any statistic (percentiles included,
   which moto cannot compute from PutMetricData data), one value per period, newest first; metric math with
   + - * / and parentheses over the query ids (moto only resolves a bare id); no datapoints for a metric nobody
   set or put. GetMetricStatistics (Statistics and ExtendedStatistics) and ListMetrics answer them too, over the
   query protocol and CBOR alike. See MetricValues.

Control endpoints (JSON in, JSON out), for tests:
  GET  /_sandbox/health
  POST /_sandbox/reset                        moto reset + this front's state (POST /moto-api/reset does both too):
                                              every region back up, the call record emptied
  POST /_sandbox/codedeploy/fail-hook         {"deploymentId", "hook", "message"}
  POST /_sandbox/codedeploy/speed             {"speed": 600}   for deployments created afterwards
  POST /_sandbox/ecr/pause-replication        {"paused": true}
  POST /_sandbox/registry-events              docker-registry notification envelopes
  POST /_sandbox/regions/<region>/down        -> {"ok", "region", "state": "down", "down": [regions]}
  POST /_sandbox/regions/<region>/up          -> {"ok", "region", "state": "up", "down": [regions]}
  GET  /_sandbox/regions                      -> {"down": [regions]}
  GET  /_sandbox/calls[?service=&region=&operation=&mutating=true|false]
                                              -> {"since", "total", "mutating", "counts": [{"service", "operation",
                                                 "region", "mutating", "count"}], "calls": [{..., "status", "at"}]}
  POST /_sandbox/calls/reset                  -> {"ok", "since"}
  GET  /_sandbox/s3/replication               -> {"delay", "pending": [{"source", "destination", "key", "versionId",
                                                 "kind", "due", "waitingFor"}]}
  POST /_sandbox/ecs/speed                    {"speed": 600}   for ECS service deployments created afterwards
  POST /_sandbox/ecs/fail-hook                {"serviceDeploymentArn" or "service" (ARN, cluster/name or name),
                                               "stage" (a lifecycle hook stage), "message"}: that stage's hook fails
                                              and the deployment rolls back; with "service" and no deployment in
                                              progress, armed for the service's next deployment
  POST /_sandbox/cloudwatch/metrics           {"namespace", "metric", "dimensions": {"TargetGroup": ..., ...},
                                               "values": [newest, ...] or "value": x, "stat"?, "region"?}
  POST /_sandbox/cloudwatch/metrics/clear     {} or {"namespace"?, "metric"?}   -> {"ok", "cleared"}
  GET  /_sandbox/cloudwatch/metrics           -> {"metrics": [{"namespace", "metric", "dimensions", "stat",
                                                 "region", "values" or "value"}]}

Layout: scripts/sandbox_aws.py (the entry: it puts scripts/ on sys.path and calls front.main) and this package,
one module per job; the numbers are the sections above.
  front.py                  SandboxFront: the WSGI front (what goes to moto, what is answered here), the control
                            endpoints above; main()
  common.py                 what every module shares: log, knobs, request helpers, the answers (Response, errors)
  cloudwatch_cbor.py        1. CloudWatch over Smithy RPC v2 CBOR
  codedeploy.py             2. the CodeDeploy API answered here (CodeDeploySim)
  codedeploy_rollout.py     2. built-in deployment configs, one deployment (Rollout), the clock that moves them
  ecr_replication.py        3. ECR replication
  terraform_gaps.py         4. the APIs `terraform apply` needs and moto lacks (TerraformGaps)
  dropped_fields.py         4. fields moto accepts and never answers back (DroppedFields)
  moto_patches/             4. small patches of moto's models, one module per service family: compute (EC2, ECS,
                            ELBv2, Application Auto Scaling), rds, route53_cloudfront, backup, sqs_lambda_apigw, s3
  iam_gate.py               5. IAM for role sessions (IamGate, RestOperations)
  fis.py                    6. FIS experiments
  region_outage.py          7. regions that go down (RegionOutage), Route53 health checks (HealthCheckStatus)
  aurora_failover.py        7. Aurora global database switchover / failover / detach
  call_counter.py           7. the record of every AWS call received (CallCounter)
  s3_replication.py         8. S3 replication
  ecs_deployments.py        9. the ECS service deployment API answered here (EcsServiceDeployments)
  ecs_deployment_run.py     9. one service deployment (ServiceDeploymentRun), how deployments start and progress
  metric_values.py          10. CloudWatch metric values a test sets (MetricValues)
scripts/sandbox restarts the shared stand-in when any of these files changes (a hash over all of them).

Run: python scripts/sandbox_aws.py --host 127.0.0.1 --port 5102   (from the sandbox venv)
"""
