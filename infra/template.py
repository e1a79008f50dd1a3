"""The template merged into `chalice package` output: tables, secrets, the roles' policies, logs, alarms, limits.

Everything is derived from the code: tables from `chalicelib.store.tables.all_models()`, functions from the Chalice
app's routes and event sources, permissions from infra/access.py. Nothing here holds a secret value.
"""

from __future__ import annotations

from typing import Any

from chalice.utils import to_cfn_resource_name

from infra import access
from infra.stages import Stage
from infra.tables import logical_id, stream_view_type, table_resource

NAMESPACE = "Marktplatz"


def _models() -> list[type]:
    from chalicelib.store.tables import all_models

    return all_models()


def function_ids(app: Any) -> list[str]:
    """CloudFormation ids Chalice gives the app's functions (`chalice package` names them the same way)."""
    ids = ["APIHandler"] if app.routes else []
    ids += [to_cfn_resource_name(source.name) for source in app.event_sources]
    ids += [to_cfn_resource_name(fn.name) for fn in app.pure_lambda_functions]
    return ids


def function_name(stage: Stage, fid: str) -> str:
    return f"marktplatz-{stage.name}-{fid}"


def secret_id(name: str) -> str:
    return to_cfn_resource_name(name) + "Secret"


def secret_name(stage: Stage, name: str) -> str:
    return f"{secrets_prefix(stage)}{name}"


def secrets_prefix(stage: Stage) -> str:
    return f"marktplatz-{stage.name}/"


def table_prefix(stage: Stage) -> str:
    return f"marktplatz-{stage.name}-"


def _table_arn(logical: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id(logical), "Arn"]}


def function_names(app: Any) -> dict[str, str]:
    """Chalice function name -> CloudFormation id, for every function of the app."""
    names = {access.API_FUNCTION: "APIHandler"} if app.routes else {}
    names.update({source.name: to_cfn_resource_name(source.name) for source in app.event_sources})
    names.update({fn.name: to_cfn_resource_name(fn.name) for fn in app.pure_lambda_functions})
    return names


def _check_declarations() -> None:
    logicals = {m.Meta.logical_name for m in _models()}
    missing = sorted(logicals - set(access.TABLE_ACTIONS))
    if missing:
        raise ValueError(f"infra/access.py TABLE_ACTIONS has no entry for table(s) {missing}")
    for name, grants in access.JOB_GRANTS.items():
        unknown = sorted((set(grants.tables) | set(grants.indexes) | set(grants.streams)) - logicals)
        unknown += sorted(set(grants.secrets) - set(access.SECRETS))
        unknown += sorted(set(grants.extra) - {s["Sid"] for s in access.EXTRA_STATEMENTS})
        if unknown:
            raise ValueError(f"infra/access.py JOB_GRANTS[{name!r}] names what the stack does not have: {unknown}")


def policy_document(app: Any, stage: Stage, function: str = access.API_FUNCTION) -> dict[str, Any]:
    """The policy of one function's role: exactly its declared actions on exactly our resources."""
    _check_declarations()
    grants = access.grants_for(function)
    statements: list[dict[str, Any]] = []
    for logical in [m.Meta.logical_name for m in _models()]:
        sid = logical_id(logical)
        if grants.tables.get(logical):
            statements.append({"Sid": sid, "Effect": "Allow", "Action": sorted(grants.tables[logical]),
                               "Resource": [_table_arn(logical)]})
        indexes = grants.indexes.get(logical, [])
        if indexes:
            statements.append({
                "Sid": f"{sid}Indexes", "Effect": "Allow", "Action": ["dynamodb:Query"],
                "Resource": [{"Fn::Sub": f"${{{sid}.Arn}}/index/{index}"} for index in indexes]})
    for logical in grants.streams:
        statements.append({"Sid": f"{logical_id(logical)}Stream", "Effect": "Allow",
                           "Action": sorted(access.STREAM_ACTIONS),
                           "Resource": [{"Fn::GetAtt": [logical_id(logical), "StreamArn"]}]})
    for name, actions in sorted(grants.secrets.items()):
        statements.append({"Sid": secret_id(name), "Effect": "Allow", "Action": sorted(actions),
                           "Resource": [{"Ref": secret_id(name)}]})
    fid = function_names(app)[function]
    statements.append({
        "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [{"Fn::GetAtt": [f"{fid}LogGroup", "Arn"]}]})
    statements.extend(s for s in access.EXTRA_STATEMENTS if s["Sid"] in grants.extra)
    return {"Version": "2012-10-17", "Statement": statements}


def _secrets(stage: Stage) -> dict[str, Any]:
    resources = {}
    for name in sorted(access.SECRETS):
        props: dict[str, Any] = {
            "Name": secret_name(stage, name),
            "Description": f"Marktplatz {stage.name}: {name} (value set by the operator, see infra/README.md)",
        }
        if name in access.GENERATED_SECRETS:
            props["GenerateSecretString"] = {"SecretStringTemplate": "{}",
                                             "GenerateStringKey": access.GENERATED_SECRETS[name],
                                             "PasswordLength": 48, "ExcludePunctuation": True}
        policy = "Retain" if stage.prod else "Delete"
        resources[secret_id(name)] = {"Type": "AWS::SecretsManager::Secret", "DeletionPolicy": policy,
                                      "UpdateReplacePolicy": policy, "Properties": props}
    return resources


def _alarm(name: str, description: str, metrics: list[dict[str, Any]], threshold: float) -> dict[str, Any]:
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": {
        "AlarmName": {"Fn::Sub": f"${{AWS::StackName}}-{name}"},
        "AlarmDescription": description,
        "Metrics": metrics, "Threshold": threshold, "ComparisonOperator": "GreaterThanThreshold",
        "EvaluationPeriods": 1, "DatapointsToAlarm": 1, "TreatMissingData": "notBreaching",
        "AlarmActions": [{"Ref": "AlarmTopic"}], "OKActions": [{"Ref": "AlarmTopic"}]}}


def _stat(mid: str, namespace: str, metric: str, dims: list[dict[str, Any]], stat: str = "Sum") -> dict[str, Any]:
    return {"Id": mid, "ReturnData": False, "MetricStat": {
        "Metric": {"Namespace": namespace, "MetricName": metric, "Dimensions": dims}, "Period": 300, "Stat": stat}}


def _alarms(app: Any, stage: Stage) -> dict[str, Any]:
    api = [{"Name": "ApiName", "Value": f"marktplatz-{stage.name}"}, {"Name": "Stage", "Value": "api"}]
    resources: dict[str, Any] = {
        "AlarmTopic": {"Type": "AWS::SNS::Topic", "Properties": {"DisplayName": f"Marktplatz {stage.name} alarms"}},
        "AlarmEmailSubscription": {"Type": "AWS::SNS::Subscription", "Condition": "HasAlarmEmail", "Properties": {
            "TopicArn": {"Ref": "AlarmTopic"}, "Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}},
        "Api5xxRateAlarm": _alarm(
            "api-5xx-rate",
            f"More than {stage.alarm_5xx_rate:.0%} of API requests answered 5xx in 5 minutes "
            f"(counted only from {stage.alarm_min_requests} requests on).",
            [_stat("errors", "AWS/ApiGateway", "5XXError", api), _stat("requests", "AWS/ApiGateway", "Count", api),
             {"Id": "rate", "ReturnData": True, "Label": "5xx rate",
              "Expression": f"IF(requests >= {stage.alarm_min_requests}, errors / requests, 0)"}],
            stage.alarm_5xx_rate),
    }
    for model in _models():
        tid = logical_id(model.Meta.logical_name)
        dims = [{"Name": "TableName", "Value": {"Ref": tid}}]
        resources[f"{tid}ThrottleAlarm"] = _alarm(
            f"{model.Meta.logical_name}-throttled", f"DynamoDB throttled requests on {model.Meta.logical_name}.",
            [_stat("reads", "AWS/DynamoDB", "ReadThrottleEvents", dims),
             _stat("writes", "AWS/DynamoDB", "WriteThrottleEvents", dims),
             {"Id": "throttled", "ReturnData": True, "Label": "throttle events", "Expression": "reads + writes"}],
            0)
    for fid in function_ids(app):
        if fid == "APIHandler":
            continue  # the API's errors are the 5xx alarm
        resources[f"{fid}ErrorsAlarm"] = _alarm(
            f"{fid}-errors", f"The scheduled or event function {fid} failed.",
            [_stat("failures", "AWS/Lambda", "Errors", [{"Name": "FunctionName", "Value": function_name(stage, fid)}]),
             {"Id": "failed", "ReturnData": True, "Label": "errors", "Expression": "failures"}], 0)
    return resources


def _functions(app: Any, stage: Stage) -> dict[str, Any]:
    env = {
        "MARKTPLATZ_MODE": "aws",
        "MARKTPLATZ_STAGE": stage.name,
        "MARKTPLATZ_TABLE_PREFIX": table_prefix(stage),
        "MARKTPLATZ_SECRETS_PREFIX": secrets_prefix(stage),
        "MARKTPLATZ_BASE_URL": {"Ref": "BaseUrl"},
        "MARKTPLATZ_MAIL_FROM": {"Ref": "MailFrom"},
        "MARKTPLATZ_METRICS_NAMESPACE": NAMESPACE,
        "POWERTOOLS_SERVICE_NAME": "marktplatz",
    }
    resources: dict[str, Any] = {}
    for fid in function_ids(app):
        name = function_name(stage, fid)
        # The log group exists before the function runs (DependsOn) and the role may not create groups, so every
        # line lands in this group with its retention. Fixed names avoid a role -> group -> function cycle.
        resources[fid] = {"DependsOn": [f"{fid}LogGroup"],
                          "Properties": {"FunctionName": name, "Environment": {"Variables": dict(env)}}}
        resources[f"{fid}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "UpdateReplacePolicy": "Delete",
            "Properties": {"LogGroupName": f"/aws/lambda/{name}", "RetentionInDays": stage.log_retention_days}}
    return resources


# The retailer API: what a till and a shop's back office call, with a retailer key.
RETAILER_METHODS = [("/api/v1/redemptions", "POST"), ("/api/v1/redemptions", "GET"),
                    ("/api/v1/redemptions/{redemption_id}/reversal", "POST"), ("/api/v1/retailers/me", "GET"),
                    ("/api/v1/retailers/me/settlements", "GET")]


def _method_path(path: str) -> str:
    # MethodSettings and usage-plan throttles name a method as "/resource/path/METHOD" with "~1" for "/".
    return path.replace("/", "~1")


def _limits(app: Any, stage: Stage) -> dict[str, Any]:
    """API Gateway throttling for the whole stage and the retailer API, the retailer API's usage plan, and the API
    function's reserved concurrency: a flood is answered 429 by API Gateway, never by Lambda and DynamoDB bills."""
    missing = [(p, m) for p, m in RETAILER_METHODS if m not in app.routes.get(p, {})]
    if missing:
        raise ValueError(f"RETAILER_METHODS names routes the app does not have: {missing}")
    settings = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": stage.api_rate_per_second,
                 "ThrottlingBurstLimit": stage.api_burst, "MetricsEnabled": True}]
    settings += [{"ResourcePath": _method_path(path), "HttpMethod": method,
                  "ThrottlingRateLimit": stage.retailer_rate_per_second, "ThrottlingBurstLimit": stage.retailer_burst}
                 for path, method in RETAILER_METHODS]
    throttle = {"RateLimit": stage.retailer_rate_per_second, "BurstLimit": stage.retailer_burst}
    return {
        "RestAPI": {"Properties": {"MethodSettings": settings}},
        "APIHandler": {"Properties": {"ReservedConcurrentExecutions": stage.api_reserved_concurrency}},
        # Requests that carry an API Gateway key (a POS integrator's, issued by the operator) are held to this plan
        # on top of the stage limits; tills using retailer keys alone are held by the method settings above.
        "RetailerUsagePlan": {"Type": "AWS::ApiGateway::UsagePlan", "DependsOn": ["RestAPIapiStage"], "Properties": {
            "UsagePlanName": f"marktplatz-{stage.name}-retailer-api",
            "Description": "Retailer API (redemptions, history, statements): rate, burst and a daily quota.",
            "Throttle": throttle,
            "Quota": {"Limit": stage.retailer_rate_per_second * 3600, "Period": "DAY"},
            "ApiStages": [{"ApiId": {"Ref": "RestAPI"}, "Stage": "api", "Throttle": {
                f"{path}/{method}": throttle for path, method in RETAILER_METHODS}}]}},
    }


def _streams(app: Any) -> dict[str, Any]:
    """Stream handlers name their table by placeholder ARN (README "Streams"); point them at the real stream."""
    resources: dict[str, Any] = {}
    streamed = {m.Meta.logical_name for m in _models() if stream_view_type(m)}
    for source in app.event_sources:
        arn = getattr(source, "stream_arn", None)
        if not arn or ":table/" not in arn or "/stream/" not in arn:
            continue
        logical = arn.split(":table/", 1)[1].split("/stream/", 1)[0]
        if logical not in streamed:
            continue
        fid = to_cfn_resource_name(source.name)
        event = to_cfn_resource_name(source.name) + "DynamodbEventSource"
        resources[fid] = {"Properties": {"Events": {event: {"Properties": {
            "Stream": {"Fn::GetAtt": [logical_id(logical), "StreamArn"]}}}}}}
    return resources


def _deep_merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def merge_template(app: Any, stage: Stage) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    for model in _models():
        resources[logical_id(model.Meta.logical_name)] = table_resource(model, stage=stage.name, prod=stage.prod)
    resources.update(_secrets(stage))
    resources.update(_alarms(app, stage))
    _deep_merge(resources, _functions(app, stage))
    _deep_merge(resources, _streams(app))
    _deep_merge(resources, _limits(app, stage))
    # A stage-specific API name keeps dev's and prod's API Gateway metrics (and the 5xx alarm) apart.
    _deep_merge(resources, {"RestAPI": {"Properties": {"Name": f"marktplatz-{stage.name}"}}})
    return {
        "Description": f"Marktplatz ({stage.name}): city vouchers, public WLAN and footfall for one town.",
        "Parameters": {
            "BaseUrl": {"Type": "String", "AllowedPattern": "^https://[^/]+(/.*)?$",
                        "Description": "Public URL the voucher QR codes point to (https://, no trailing slash)."},
            "MailFrom": {"Type": "String", "Default": "gutschein@example.org",
                         "Description": "Sender address of voucher mails (a verified SES identity)."},
            "AlarmEmail": {"Type": "String", "Default": "",
                           "Description": "Who receives alarm mails (empty: subscribe to AlarmTopic yourself)."},
        },
        "Conditions": {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}},
        "Resources": resources,
        "Outputs": {
            "Stage": {"Value": stage.name},
            "AdminTokenSecretArn": {"Value": {"Ref": secret_id("admin-token")}},
            "AlarmTopicArn": {"Value": {"Ref": "AlarmTopic"}},
        },
    }
