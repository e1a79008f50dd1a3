"""DynamoDB tables for the template, derived from the PynamoDB models in chalicelib/store/tables.py."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import TTLAttribute
from pynamodb.models import Model


def logical_id(logical_name: str) -> str:
    """"rate-limits" -> "RateLimitsTable": the CloudFormation id the docs and the role refer to."""
    return "".join(part.capitalize() for part in logical_name.replace("_", "-").split("-")) + "Table"


def ttl_attribute(model: type[Model]) -> str | None:
    names = [attr.attr_name for attr in model.get_attributes().values() if isinstance(attr, TTLAttribute)]
    if len(names) > 1:
        raise ValueError(f"{model.__name__} has more than one TTLAttribute; DynamoDB allows one")
    return names[0] if names else None


def stream_view_type(model: type[Model]) -> str | None:
    return getattr(model.Meta, "stream_view_type", None)


def _keys(key_schema: list[dict[str, str]]) -> list[dict[str, str]]:
    # DynamoDB wants HASH before RANGE; PynamoDB lists them in attribute order.
    return sorted(({"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in key_schema),
                  key=lambda k: k["KeyType"] != "HASH")


def table_resource(model: type[Model], *, stage: str, prod: bool) -> dict[str, Any]:
    schema = model._get_schema()
    definitions = {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
    for index in schema.get("global_secondary_indexes", []) + schema.get("local_secondary_indexes", []):
        definitions.update({d["AttributeName"]: d["AttributeType"] for d in index.get("attribute_definitions", [])})
    props: dict[str, Any] = {
        "TableName": f"marktplatz-{stage}-{model.Meta.logical_name}",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in sorted(definitions.items())],
        "KeySchema": _keys(schema["key_schema"]),
        "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        "DeletionProtectionEnabled": prod,
        "Tags": [{"Key": "marktplatz:stage", "Value": stage}],
    }
    gsis = [{"IndexName": i["index_name"], "KeySchema": _keys(i["key_schema"]),
             "Projection": _projection(i["projection"])} for i in schema.get("global_secondary_indexes", [])]
    if gsis:
        props["GlobalSecondaryIndexes"] = gsis
    lsis = [{"IndexName": i["index_name"], "KeySchema": _keys(i["key_schema"]),
             "Projection": _projection(i["projection"])} for i in schema.get("local_secondary_indexes", [])]
    if lsis:
        props["LocalSecondaryIndexes"] = lsis
    ttl = ttl_attribute(model)
    if ttl:
        props["TimeToLiveSpecification"] = {"AttributeName": ttl, "Enabled": True}
    view = stream_view_type(model)
    if view:
        props["StreamSpecification"] = {"StreamViewType": view}
    policy = "Retain" if prod else "Delete"
    return {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": policy, "UpdateReplacePolicy": policy,
            "Properties": props}


def _projection(projection: dict[str, Any]) -> dict[str, Any]:
    out = {"ProjectionType": projection["ProjectionType"]}
    if projection.get("NonKeyAttributes"):
        out["NonKeyAttributes"] = list(projection["NonKeyAttributes"])
    return out
