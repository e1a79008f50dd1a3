"""`make deploy STAGE=prod BUCKET=... BASE_URL=https://...`: package offline, upload, one CloudFormation change set.

Uses the operator's AWS credentials (profile / env), never the app's. The same template and zip that CI validated
are what gets deployed; nothing here calls `chalice deploy` (one tool per stage: CloudFormation owns the stack).
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

from infra import stages
from infra.package import ROOT, package

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]  # roles; SAM transform


def stack_name(stage: str) -> str:
    return f"marktplatz-{stage}"


def point_code_at(template: dict[str, Any], bucket: str, key: str) -> dict[str, Any]:
    """Every function's CodeUri ("./deployment.zip") becomes the uploaded object."""
    out = json.loads(json.dumps(template))
    for resource in out["Resources"].values():
        if resource["Type"] == "AWS::Serverless::Function":
            resource["Properties"]["CodeUri"] = {"Bucket": bucket, "Key": key}
    return out


def deploy(stage_name: str, bucket: str, parameters: dict[str, str], out: Path) -> dict[str, str]:
    import boto3

    stage = stages.get(stage_name)
    template_path = package(stage.name, out, bundle=True)
    code = (out / "deployment.zip").read_bytes()
    digest = hashlib.sha256(code).hexdigest()[:20]
    s3 = boto3.client("s3")
    code_key = f"marktplatz/{stage.name}/lambda-{digest}.zip"
    s3.put_object(Bucket=bucket, Key=code_key, Body=code)
    body = json.dumps(point_code_at(json.loads(template_path.read_text()), bucket, code_key))
    template_key = f"marktplatz/{stage.name}/template-{hashlib.sha256(body.encode()).hexdigest()[:20]}.json"
    s3.put_object(Bucket=bucket, Key=template_key, Body=body.encode())
    region = s3.meta.region_name
    url = f"https://{bucket}.s3.{region}.amazonaws.com/{template_key}"

    cfn = boto3.client("cloudformation")
    name = stack_name(stage.name)
    try:
        cfn.describe_stacks(StackName=name)
        kind = "UPDATE"
    except cfn.exceptions.ClientError:
        kind = "CREATE"
    change_set = f"deploy-{digest}"
    cfn.create_change_set(StackName=name, ChangeSetName=change_set, ChangeSetType=kind, TemplateURL=url,
                          Capabilities=CAPABILITIES,
                          Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
                          Tags=[{"Key": "marktplatz:stage", "Value": stage.name}])
    try:
        cfn.get_waiter("change_set_create_complete").wait(StackName=name, ChangeSetName=change_set)
    except Exception:
        reason = cfn.describe_change_set(StackName=name, ChangeSetName=change_set).get("StatusReason", "")
        if "didn't contain changes" in reason or "No updates" in reason:
            print(f"{name}: nothing to change")
            return _outputs(cfn, name)
        raise
    cfn.execute_change_set(StackName=name, ChangeSetName=change_set)
    cfn.get_waiter("stack_create_complete" if kind == "CREATE" else "stack_update_complete").wait(StackName=name)
    if stage.prod:
        cfn.update_termination_protection(StackName=name, EnableTerminationProtection=True)
    return _outputs(cfn, name)


def _outputs(cfn: Any, name: str) -> dict[str, str]:
    stack = cfn.describe_stacks(StackName=name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stage", required=True, choices=sorted(stages.STAGES))
    parser.add_argument("--bucket", required=True, help="an S3 bucket of yours for deployment artifacts")
    parser.add_argument("--base-url", required=True, help="public https URL of the vouchers (QR codes)")
    parser.add_argument("--mail-from", default=None)
    parser.add_argument("--alarm-email", default=None)
    args = parser.parse_args(argv)
    params = {"BaseUrl": args.base_url}
    if args.mail_from:
        params["MailFrom"] = args.mail_from
    if args.alarm_email:
        params["AlarmEmail"] = args.alarm_email
    outputs = deploy(args.stage, args.bucket, params, ROOT / "infra" / "out" / args.stage)
    print(json.dumps(outputs, indent=2))


if __name__ == "__main__":
    main()
