"""pytest plugin: records the IAM actions behind every DynamoDB/AWS call that application code makes.

Loaded with `-p tests.infra.iam_recorder` and MARKTPLATZ_IAM_RECORD=<file>; writes the observed
(function, service, action, resource) tuples there at the end of the session. A call counts as the application's
when a frame of `chalicelib/` (other than the local table set-up) is on the stack: test set-up and assertions that
talk to moto directly are not what the Lambda role must allow. It belongs to a scheduled or event function when
that function's handler is on the stack (tests invoke them with `client.lambda_.invoke`), else to the API function.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

CHALICELIB = str(Path(__file__).resolve().parents[2] / "chalicelib") + os.sep
SET_UP = (os.path.join("chalicelib", "store", "tables.py"), os.path.join("chalicelib", "cli", ""))
TRANSACT = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}

API_FUNCTION = "api_handler"

_seen: set[tuple[str, str, str, str]] = set()
_handlers: dict[str, str] = {}  # event function name -> the file its handler lives in


def _event_handlers() -> dict[str, str]:
    if not _handlers:
        from app import app

        for source in app.event_sources:
            module = source.handler_string.rsplit(".", 1)[0]
            _handlers[source.name] = module.replace(".", os.sep) + ".py"
    return _handlers


def function_on_stack() -> str:
    """The Lambda function a call is made in: the outermost event handler on the stack, else the API's."""
    handlers = _event_handlers()
    found = API_FUNCTION
    frame = sys._getframe(1)
    while frame is not None:
        code = frame.f_code
        if code.co_name in handlers and code.co_filename.endswith(handlers[code.co_name]):
            found = code.co_name
        frame = frame.f_back
    return found


def _from_app() -> bool:
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if name.startswith(CHALICELIB) and not any(part in name for part in SET_UP):
            return True
        frame = frame.f_back
    return False


def triples(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str, str]]:
    if service != "dynamodb":
        return {(service, operation, params.get("SecretId") or params.get("FromEmailAddress") or "")}
    if operation == "TransactWriteItems":
        return {("dynamodb", TRANSACT[kind], body["TableName"])
                for item in params["TransactItems"] for kind, body in item.items()}
    if operation == "TransactGetItems":
        return {("dynamodb", "GetItem", item["Get"]["TableName"]) for item in params["TransactItems"]}
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return {("dynamodb", operation, table) for table in params["RequestItems"]}
    target = params.get("TableName", "")
    if params.get("IndexName"):
        target += f"/index/{params['IndexName']}"
    return {("dynamodb", operation, target)}


def pytest_configure(config: Any) -> None:
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def record(self: Any, operation: str, params: dict[str, Any]) -> Any:
        if _from_app():
            function = function_on_stack()
            _seen.update((function, *t) for t in triples(self.meta.service_model.service_name, operation, params))
        return original(self, operation, params)

    botocore.client.BaseClient._make_api_call = record


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    target = os.environ.get("MARKTPLATZ_IAM_RECORD")
    if target:
        Path(target).write_text(json.dumps(sorted(_seen)))
