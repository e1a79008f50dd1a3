"""The packaged template, checked against the code: tables, role, secrets, schedules, alarms; and cfn-lint."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute

from infra import access
from infra.tables import logical_id
from tests.infra.conftest import resources_of

ROOT = Path(__file__).resolve().parents[2]


def _models() -> list[type]:
    from chalicelib.store.tables import all_models

    return all_models()


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_cfn_lint_passes(template_paths: dict[str, Path], stage: str) -> None:
    lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run([str(lint), str(template_paths[stage])], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_model_has_its_table(templates: dict[str, Any], stage: str) -> None:
    tables = resources_of(templates[stage], "AWS::DynamoDB::Table")
    models = _models()
    assert set(tables) == {logical_id(m.Meta.logical_name) for m in models}
    for model in models:
        props = tables[logical_id(model.Meta.logical_name)]["Properties"]
        assert props["TableName"] == f"marktplatz-{stage}-{model.Meta.logical_name}"
        assert props["BillingMode"] == "PAY_PER_REQUEST"
        assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        assert props["DeletionProtectionEnabled"] is (stage == "prod")
        keys = {k["KeyType"]: k["AttributeName"] for k in props["KeySchema"]}
        assert keys.get("HASH") == model._hash_keyname
        assert keys.get("RANGE") == model._range_keyname
        assert props["KeySchema"][0]["KeyType"] == "HASH"
        types = {d["AttributeName"]: d["AttributeType"] for d in props["AttributeDefinitions"]}
        attrs = model.get_attributes()
        by_attr_name = {a.attr_name: a for a in attrs.values()}
        for name, kind in types.items():
            assert by_attr_name[name].attr_type == kind, (model, name)
        gsis = {i["IndexName"]: {k["KeyType"]: k["AttributeName"] for k in i["KeySchema"]}
                for i in props.get("GlobalSecondaryIndexes", [])}
        expected = {}
        for index in model._indexes.values():
            schema = index._get_schema()
            expected[index.Meta.index_name] = {k["KeyType"]: k["AttributeName"] for k in schema["key_schema"]}
        assert gsis == expected
        ttl = [a.attr_name for a in attrs.values() if isinstance(a, TTLAttribute)]
        if ttl:
            assert props["TimeToLiveSpecification"] == {"AttributeName": ttl[0], "Enabled": True}
        else:
            assert "TimeToLiveSpecification" not in props
        view = getattr(model.Meta, "stream_view_type", None)
        assert props.get("StreamSpecification") == ({"StreamViewType": view} if view else None)
        policy = "Retain" if stage == "prod" else "Delete"
        assert tables[logical_id(model.Meta.logical_name)]["DeletionPolicy"] == policy


def test_ttl_tables_are_the_ones_with_ttl_attributes(templates: dict[str, Any]) -> None:
    """Guards the derivation itself: the voucher core has TTL on exactly these two tables."""
    tables = resources_of(templates["prod"], "AWS::DynamoDB::Table")
    with_ttl = {name for name, t in tables.items() if "TimeToLiveSpecification" in t["Properties"]}
    assert {"IdempotencyTable", "RateLimitsTable"} <= with_ttl
    assert "VouchersTable" not in with_ttl and "LedgerTable" not in with_ttl


def _granted(template: dict[str, Any], role: dict[str, Any]) -> set[tuple[str, str]]:
    pairs = set()
    for policy in role["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            assert statement["Effect"] == "Allow"
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            for action in actions:
                assert "*" not in action, action
                for resource in statement["Resource"]:
                    pairs.add((action, json.dumps(resource, sort_keys=True)))
    return pairs


def _expected(template: dict[str, Any], function: str, fid: str) -> set[tuple[str, str]]:
    def ref(value: Any) -> str:
        return json.dumps(value, sort_keys=True)

    grants = access.grants_for(function)
    pairs = set()
    for model in _models():
        logical = model.Meta.logical_name
        tid = logical_id(logical)
        for action in grants.tables.get(logical, []):
            pairs.add((action, ref({"Fn::GetAtt": [tid, "Arn"]})))
        for index in grants.indexes.get(logical, []):
            pairs.add(("dynamodb:Query", ref({"Fn::Sub": f"${{{tid}.Arn}}/index/{index}"})))
    for logical in grants.streams:
        for action in access.STREAM_ACTIONS:
            pairs.add((action, ref({"Fn::GetAtt": [logical_id(logical), "StreamArn"]})))
    for name, actions in grants.secrets.items():
        sid = "".join(p.capitalize() for p in name.split("-")) + "Secret"
        assert template["Resources"][sid]["Type"] == "AWS::SecretsManager::Secret"
        for action in actions:
            pairs.add((action, ref({"Ref": sid})))
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):  # its own log group, no other function's
        pairs.add((action, ref({"Fn::GetAtt": [f"{fid}LogGroup", "Arn"]})))
    for statement in access.EXTRA_STATEMENTS:
        for resource in statement["Resource"]:
            assert "*" not in json.dumps(resource), statement  # scoped, never a wildcard
            if statement["Sid"] in grants.extra:
                pairs.update((action, ref(resource)) for action in statement["Action"])
    return pairs


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_each_function_has_its_own_role_with_exactly_its_declared_actions(templates: dict[str, Any],
                                                                          stage: str) -> None:
    from infra.package import load_app
    from infra.template import function_names

    chalice_names = {fid: name for name, fid in function_names(load_app()).items()}
    template = templates[stage]
    roles = resources_of(template, "AWS::IAM::Role")
    functions = resources_of(template, "AWS::Serverless::Function")
    assert len(functions) >= 3 and set(functions) == set(chalice_names)
    used_roles = set()
    for fid, function in functions.items():
        role_name = function["Properties"]["Role"]["Fn::GetAtt"][0]
        assert role_name in roles, fid  # no pre-created or wildcard role
        used_roles.add(role_name)
        role = roles[role_name]
        assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
            "Service": "lambda.amazonaws.com"}
        assert "ManagedPolicyArns" not in role["Properties"], role_name  # no AWS-managed catch-all policies
        granted = _granted(template, role)
        assert granted == _expected(template, chalice_names[fid], fid), fid
        if fid != "APIHandler":
            # A scheduled job cannot redeem: no retailer check, no key, no UpdateItem on vouchers, except for the
            # bookkeeping job, which books expiries (an expired voucher's status and balance) and nothing else.
            tables = {json.loads(resource)["Fn::GetAtt"][0] for action, resource in granted
                      if action in ("dynamodb:UpdateItem", "dynamodb:ConditionCheckItem")
                      and "Fn::GetAtt" in json.loads(resource)}
            forbidden = {"RetailersTable", "CredentialsTable"}
            if fid != "VoucherBookkeeping":
                forbidden.add("VouchersTable")
            assert not tables & forbidden, fid
    assert len(used_roles) == len(functions)  # one role per function
    assert set(roles) == used_roles
    # Nothing a role may touch is outside this stack: every resource is a Ref/GetAtt/Sub of our own resources.
    text = json.dumps([r["Properties"]["Policies"] for r in roles.values()])
    assert '"*"' not in text and "arn:aws" not in text


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_limits_in_front_of_the_app(templates: dict[str, Any], stage: str) -> None:
    from infra.stages import STAGES
    from infra.template import RETAILER_METHODS

    limits = STAGES[stage]
    resources = templates[stage]["Resources"]
    settings = resources["RestAPI"]["Properties"]["MethodSettings"]
    assert {"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": limits.api_rate_per_second,
            "ThrottlingBurstLimit": limits.api_burst, "MetricsEnabled": True} in settings
    retailer = {(s["ResourcePath"].replace("~1", "/"), s["HttpMethod"]): (s["ThrottlingRateLimit"],
                                                                         s["ThrottlingBurstLimit"])
                for s in settings if s["ResourcePath"] != "/*"}
    assert ("/api/v1/redemptions", "POST") in retailer
    assert set(retailer.values()) == {(limits.retailer_rate_per_second, limits.retailer_burst)}
    assert limits.retailer_rate_per_second <= limits.api_rate_per_second
    plan = resources["RetailerUsagePlan"]
    assert plan["Type"] == "AWS::ApiGateway::UsagePlan"
    [api_stage] = plan["Properties"]["ApiStages"]
    assert api_stage["ApiId"] == {"Ref": "RestAPI"} and api_stage["Stage"] == "api"
    assert set(api_stage["Throttle"]) == {f"{p}/{m}" for p, m in RETAILER_METHODS}
    assert plan["Properties"]["Throttle"] == {"RateLimit": limits.retailer_rate_per_second,
                                              "BurstLimit": limits.retailer_burst}
    assert resources["APIHandler"]["Properties"]["ReservedConcurrentExecutions"] == limits.api_reserved_concurrency
    assert all("ReservedConcurrentExecutions" not in r["Properties"]
               for fid, r in resources.items() if r["Type"] == "AWS::Serverless::Function" and fid != "APIHandler")


def test_no_secret_value_in_the_template(templates: dict[str, Any]) -> None:
    for stage, template in templates.items():
        secrets = resources_of(template, "AWS::SecretsManager::Secret")
        names = {s["Properties"]["Name"] for s in secrets.values()}
        assert names == {f"marktplatz-{stage}/{n}" for n in access.SECRETS}
        for name, secret in secrets.items():
            props = secret["Properties"]
            assert "SecretString" not in props, name
        generated = secrets["AdminTokenSecret"]["Properties"]["GenerateSecretString"]
        assert generated["PasswordLength"] >= 24 and generated["GenerateStringKey"] == "token"
        text = json.dumps(template)
        for needle in ("sk_live_", "sk_test_", "rk_live_", "whsec_", "local-admin-token", "BEGIN PRIVATE KEY",
                       '"d":'):
            assert needle not in text, needle
        for fid, function in resources_of(template, "AWS::Serverless::Function").items():
            env = function["Properties"]["Environment"]["Variables"]
            for key in set(env) - {"MARKTPLATZ_SECRETS_PREFIX"}:  # a name prefix, not a secret
                assert not any(word in key for word in ("SECRET", "TOKEN", "PASSWORD", "STRIPE")), (fid, key)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_functions_logs_and_alarms(templates: dict[str, Any], stage: str) -> None:
    from infra.stages import STAGES

    template = templates[stage]
    functions = resources_of(template, "AWS::Serverless::Function")
    groups = resources_of(template, "AWS::Logs::LogGroup")
    for fid, function in functions.items():
        props = function["Properties"]
        assert props["FunctionName"] == f"marktplatz-{stage}-{fid}"
        assert groups[f"{fid}LogGroup"]["Properties"] == {"LogGroupName": f"/aws/lambda/marktplatz-{stage}-{fid}",
                                                         "RetentionInDays": STAGES[stage].log_retention_days}
        assert f"{fid}LogGroup" in function["DependsOn"]
        env = props["Environment"]["Variables"]
        assert env["MARKTPLATZ_MODE"] == "aws" and env["MARKTPLATZ_STAGE"] == stage
        assert env["MARKTPLATZ_TABLE_PREFIX"] == f"marktplatz-{stage}-"
        assert env["MARKTPLATZ_SECRETS_PREFIX"] == f"marktplatz-{stage}/"
        assert props["Runtime"].startswith("python3.1")
    alarms = resources_of(template, "AWS::CloudWatch::Alarm")
    rate = alarms["Api5xxRateAlarm"]["Properties"]
    assert {m["MetricStat"]["Metric"]["MetricName"] for m in rate["Metrics"] if "MetricStat" in m} == {
        "5XXError", "Count"}
    api_dims = rate["Metrics"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert {"Name": "ApiName", "Value": f"marktplatz-{stage}"} in api_dims
    assert template["Resources"]["RestAPI"]["Properties"]["Name"] == f"marktplatz-{stage}"
    for table in resources_of(template, "AWS::DynamoDB::Table"):
        metrics = alarms[f"{table}ThrottleAlarm"]["Properties"]["Metrics"]
        names = {m["MetricStat"]["Metric"]["MetricName"] for m in metrics if "MetricStat" in m}
        assert names == {"ReadThrottleEvents", "WriteThrottleEvents"}
        assert metrics[0]["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "TableName", "Value": {"Ref": table}}]
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_schedules_and_stream_handlers_come_from_the_app(tmp_path: Path) -> None:
    """A scheduled function and a stream handler added in the app (with a streamed table added the documented way)
    appear in the template with their schedule / stream, logs, alarm and role; cfn-lint still passes."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copytree(ROOT / "chalicelib", project / "chalicelib", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / ".chalice", project / ".chalice")
    shutil.copytree(ROOT / "infra", project / "infra", ignore=shutil.ignore_patterns("__pycache__", "out"))
    with (project / "chalicelib" / "store" / "models.py").open("a") as f:
        f.write('\n\nclass ProbeEvent(BaseModel):\n'
                '    Meta = table_meta("probe-events", stream_view_type="NEW_AND_OLD_IMAGES")\n'
                '    event_id = UnicodeAttribute(hash_key=True)\n')
    with (project / "chalicelib" / "store" / "tables.py").open("a") as f:
        f.write('\nMODEL_PATHS.append("chalicelib.store.models:ProbeEvent")\n')
    with (project / "infra" / "access.py").open("a") as f:
        f.write('\nTABLE_ACTIONS["probe-events"] = [GET]\nSTREAM_READERS.append("probe-events")\n'
                'JOB_GRANTS["count_probe_events"] = Grants({"probe-events": [GET]}, streams=["probe-events"])\n')
    (project / "app.py").write_text((ROOT / "app.py").read_text() + (
        '\n\n@app.schedule("cron(15 2 * * ? *)", name="rotate_pseudonym_key")\n'
        "def rotate_pseudonym_key(event):\n    return None\n"
        '\n\n@app.on_dynamodb_record(stream_arn="arn:aws:dynamodb:::table/probe-events/stream/marktplatz",\n'
        '                         name="count_probe_events")\n'
        "def count_probe_events(event):\n    return None\n"))
    out = tmp_path / "out"
    env = {"PATH": str(Path(sys.executable).parent), "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", "--template-only",
                           "--out", str(out)], cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    lint = subprocess.run([str(Path(sys.executable).with_name("cfn-lint")), str(out / "sam.json")],
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout
    template = json.loads((out / "sam.json").read_text())
    resources = template["Resources"]

    function = resources["RotatePseudonymKey"]
    events = function["Properties"]["Events"]
    assert [e["Properties"]["Schedule"] for e in events.values() if e["Type"] == "Schedule"] == [
        "cron(15 2 * * ? *)"]
    assert function["Properties"]["FunctionName"] == "marktplatz-prod-RotatePseudonymKey"
    assert resources["RotatePseudonymKeyLogGroup"]["Properties"]["RetentionInDays"] == 90
    assert "RotatePseudonymKeyErrorsAlarm" in resources and "CountProbeEventsErrorsAlarm" in resources
    def statements(fid: str) -> dict[str, Any]:
        role = resources[resources[fid]["Properties"]["Role"]["Fn::GetAtt"][0]]
        [policy] = role["Properties"]["Policies"]
        return {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}

    # A function without declared grants may write its own logs and nothing else.
    assert statements("RotatePseudonymKey") == {"WriteOwnLogs": {
        "Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [{"Fn::GetAtt": ["RotatePseudonymKeyLogGroup", "Arn"]}]}}
    assert "ProbeEventsTableStream" not in statements("APIHandler")

    assert resources["ProbeEventsTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_AND_OLD_IMAGES"}
    stream_events = resources["CountProbeEvents"]["Properties"]["Events"]
    assert [e["Properties"]["Stream"] for e in stream_events.values() if e["Type"] == "DynamoDB"] == [
        {"Fn::GetAtt": ["ProbeEventsTable", "StreamArn"]}]
    probe = statements("CountProbeEvents")
    assert probe["ProbeEventsTableStream"]["Resource"] == [{"Fn::GetAtt": ["ProbeEventsTable", "StreamArn"]}]
    assert probe["ProbeEventsTable"]["Action"] == ["dynamodb:GetItem"]
    assert set(probe) == {"ProbeEventsTable", "ProbeEventsTableStream", "WriteOwnLogs"}


def test_deploy_points_every_function_at_the_uploaded_zip(templates: dict[str, Any]) -> None:
    from infra.deploy import point_code_at

    deployed = point_code_at(templates["prod"], "artefakte-billerbeck", "marktplatz/prod/lambda-abc.zip")
    functions = resources_of(deployed, "AWS::Serverless::Function")
    assert functions and all(f["Properties"]["CodeUri"] == {"Bucket": "artefakte-billerbeck",
                                                            "Key": "marktplatz/prod/lambda-abc.zip"}
                             for f in functions.values())
    assert resources_of(templates["prod"], "AWS::Serverless::Function")["APIHandler"]["Properties"][
        "CodeUri"] == "./deployment.zip"  # the packaged template itself is untouched
