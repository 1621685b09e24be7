"""4. Small patches of moto 5.2.5's models where it answers unlike AWS (mostly what `terraform apply` of the
bundled stacks, and a re-plan after it, need), one module per service family; each patch_moto_* function's
docstring says what moto gets wrong. install() applies them all, in this order; SandboxFront calls it once.
"""

from __future__ import annotations

from .backup import patch_moto_backup_list_tags, patch_moto_backup_plan_names
from .compute import (
    patch_moto_ec2_rule_descriptions,
    patch_moto_ecs_scales_to_its_bounds,
    patch_moto_ecs_tasks_serve,
)
from .rds import (
    patch_moto_rds,
    patch_moto_rds_global_cluster,
    patch_moto_rds_performance_insights,
    patch_moto_rds_scaling_configuration,
)
from .route53_cloudfront import (
    patch_moto_cloudfront,
    patch_moto_cloudfront_distribution_answers,
    patch_moto_route53,
    patch_moto_route53_create_by_set_identifier,
)
from .s3 import patch_moto_s3_bucket_policy_conditions
from .sqs_lambda_apigw import (
    patch_moto_apigatewayv2_stage_deployment,
    patch_moto_lambda_logging_config,
    patch_moto_sqs,
    patch_moto_sqs_redrive_policy,
)


def install() -> None:
    patch_moto_sqs()
    patch_moto_rds()
    patch_moto_route53()
    patch_moto_cloudfront()
    patch_moto_ec2_rule_descriptions()
    patch_moto_rds_global_cluster()
    patch_moto_rds_scaling_configuration()
    patch_moto_rds_performance_insights()
    patch_moto_sqs_redrive_policy()
    patch_moto_lambda_logging_config()
    patch_moto_backup_list_tags()
    patch_moto_apigatewayv2_stage_deployment()
    patch_moto_cloudfront_distribution_answers()
    patch_moto_ecs_tasks_serve()
    patch_moto_ecs_scales_to_its_bounds()
    patch_moto_backup_plan_names()
    patch_moto_route53_create_by_set_identifier()
    patch_moto_s3_bucket_policy_conditions()
