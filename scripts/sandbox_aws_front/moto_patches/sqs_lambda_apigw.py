"""4. Patches of moto 5.2.5's models: SQS, Lambda and API Gateway v2."""

from __future__ import annotations

import functools
import json
from typing import Any


def patch_moto_sqs() -> None:
    """SQS RedriveAllowPolicy: moto 5.2.5 stores it (SetQueueAttributes) but never returns it, so the provider's
    aws_sqs_queue_redrive_allow_policy waits for it until its create timeout. Make it a returned attribute."""
    from moto.sqs.models import Queue

    if "RedriveAllowPolicy" in Queue.BASE_ATTRIBUTES:
        return
    Queue.BASE_ATTRIBUTES = [*Queue.BASE_ATTRIBUTES, "RedriveAllowPolicy"]
    Queue.redrive_allow_policy = None  # type: ignore[attr-defined]
    moto_attributes = Queue.attributes.fget  # type: ignore[attr-defined]

    def attributes(self: Any) -> dict[str, Any]:
        result = moto_attributes(self)
        if not result.get("RedriveAllowPolicy"):  # unset, or removed with ""
            result.pop("RedriveAllowPolicy", None)
        return result

    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def patch_moto_sqs_redrive_policy() -> None:
    """SQS answers RedrivePolicy as compact JSON, {"deadLetterTargetArn":"...","maxReceiveCount":5}; moto 5.2.5
    answers json.dumps' spaced form, which the provider keeps as is, so every re-plan of an aws_sqs_queue whose
    redrive_policy is a jsonencode(...) shows a (whitespace) change."""
    from moto.sqs.models import Queue

    moto_attributes = Queue.attributes.fget  # type: ignore[attr-defined]
    if getattr(moto_attributes, "_sandbox_redrive_policy", False):
        return

    def attributes(self: Any) -> dict[str, Any]:
        result = moto_attributes(self)
        if self.redrive_policy and "RedrivePolicy" in result:
            policy = {k: self.redrive_policy[k] for k in ("deadLetterTargetArn", "maxReceiveCount") if k in self.redrive_policy}
            policy.update(self.redrive_policy)
            result["RedrivePolicy"] = json.dumps(policy, separators=(",", ":"))
        return result

    attributes._sandbox_redrive_policy = True  # type: ignore[attr-defined]
    Queue.attributes = property(attributes)  # type: ignore[method-assign,assignment]


def patch_moto_lambda_logging_config() -> None:
    """Lambda functions' LoggingConfig, as AWS answers it: LogFormat (Text unless given), LogGroup
    (/aws/lambda/<name> unless given) and, for JSON, ApplicationLogLevel / SystemLogLevel (INFO unless given).
    moto 5.2.5 drops it from CreateFunction / UpdateFunctionConfiguration and never answers it, so every
    re-plan of an aws_lambda_function with a logging_config block wants to add it."""
    from moto.awslambda.models import LambdaFunction

    if getattr(LambdaFunction.__init__, "_sandbox_logging_config", False):
        return
    moto_init = LambdaFunction.__init__
    moto_configuration = LambdaFunction.get_configuration
    moto_update = LambdaFunction.update_configuration

    def logging_config(function_name: str, given: dict[str, Any] | None) -> dict[str, Any]:
        config = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{function_name}"}
        config.update({k: v for k, v in (given or {}).items() if v})
        if config["LogFormat"] == "JSON":
            config.setdefault("ApplicationLogLevel", "INFO")
            config.setdefault("SystemLogLevel", "INFO")
        return config

    @functools.wraps(moto_init)
    def init(self: Any, account_id: str, spec: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        moto_init(self, account_id, spec, *args, **kwargs)
        self.logging_config = logging_config(self.function_name, spec.get("LoggingConfig"))

    def configuration(self: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        config = moto_configuration(self, *args, **kwargs)
        config["LoggingConfig"] = dict(getattr(self, "logging_config", None) or logging_config(self.function_name, None))
        return config

    def update(self: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "LoggingConfig" in config_updates:
            self.logging_config = logging_config(self.function_name, config_updates["LoggingConfig"])
        return moto_update(self, config_updates)

    init._sandbox_logging_config = True  # type: ignore[attr-defined]
    LambdaFunction.__init__ = init  # type: ignore[method-assign]
    LambdaFunction.get_configuration = configuration  # type: ignore[method-assign]
    LambdaFunction.update_configuration = update  # type: ignore[method-assign]


def patch_moto_apigatewayv2_stage_deployment() -> None:
    """An API Gateway v2 stage answers the deployment it serves (DeploymentId); moto 5.2.5 keeps the one given to
    CreateStage but never answers it, so every re-plan of an aws_apigatewayv2_stage wants to set it again.
    (UpdateStage, which moto lacks, is TerraformGaps.update_apigw_stage.)"""
    from moto.apigatewayv2.models import Stage

    if getattr(Stage.to_json, "_sandbox", False):
        return
    moto_to_json = Stage.to_json

    def to_json(self: Any) -> dict[str, Any]:
        dct = moto_to_json(self)
        if self.config.get("deploymentId"):
            dct["deploymentId"] = self.config["deploymentId"]
        return dct

    to_json._sandbox = True  # type: ignore[attr-defined]
    Stage.to_json = to_json  # type: ignore[method-assign]
