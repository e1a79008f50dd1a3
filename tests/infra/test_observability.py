"""JSON log lines with a request id on each, nothing personal in them; business metrics in EMF."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.core import metrics
from tests.conftest import ADMIN_TOKEN


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    from chalicelib.core import logs

    service = logs.logger()
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(service.registered_formatter)  # the Powertools JSON formatter, with the appended keys
    target = logging.getLogger(logs.SERVICE)
    target.addHandler(handler)
    yield buf
    target.removeHandler(handler)


def test_every_line_is_json_with_a_request_id_and_nothing_personal(api: Any, log_lines: io.StringIO) -> None:
    shop = api.json("POST", "/api/v1/retailers", {"name": "Hofladen", "address": "Mühlenstraße 3",
                                                   "email": "inhaberin@hofladen.example", "zone": "markt"},
                    ADMIN_TOKEN, expect=201)
    token = api.vouchers(amount=3000)[0]["token"]
    api.json("GET", f"/api/v1/vouchers/balance?token={token}", expect=200)
    assert api.redeem(shop["api_key"], token, 500).status_code == 201
    api.json("GET", "/api/v1/retailers/nope", token=ADMIN_TOKEN, expect=404)
    api.call("GET", f"/v/{token}")
    logging.getLogger("marktplatz.vouchers").info("domain line")  # a domain module's logger, outside a request

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    requests = [line for line in lines if line["message"] == "request"]
    assert len(requests) == 6
    assert all(line["request_id"] for line in requests)
    assert len({line["request_id"] for line in requests}) == 6
    assert {(r["route"], r["status"]) for r in requests} >= {("/api/v1/redemptions", 201),
                                                            ("/api/v1/retailers/{retailer_id}", 404),
                                                            ("/v/{token}", 200)}
    assert all(line["service"] == "marktplatz" and line["level"] in ("INFO", "ERROR") for line in lines)
    assert "request_id" not in lines[-1]  # keys are removed after each request, not leaked into the next
    text = log_lines.getvalue()
    for personal in (token, shop["api_key"], "inhaberin@hofladen.example", "Mühlenstraße", "127.0.0.1"):
        assert personal not in text


def test_a_redemption_emits_the_redeemed_euros_once(api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    written: list[dict[str, Any]] = []
    monkeypatch.setattr(metrics, "_write", lambda line: written.append(json.loads(line)))
    shop = api.retailer()
    token = api.vouchers(amount=5000)[0]["token"]
    idem = uuid.uuid4().hex
    assert api.redeem(shop["api_key"], token, 1250, idem).status_code == 201
    assert api.redeem(shop["api_key"], token, 1250, idem).status_code == 201  # replay: no second metric
    assert api.redeem(shop["api_key"], token, 99999).status_code == 409  # refused: no metric
    assert len(written) == 1
    doc = written[0]
    assert doc["RedeemedEuros"] == 12.5 and doc["Redemptions"] == 1 and doc["Stage"] == "local"
    declared = doc["_aws"]["CloudWatchMetrics"][0]
    assert declared["Namespace"] == "Marktplatz" and declared["Dimensions"] == [["Stage"]]
    assert {m["Name"] for m in declared["Metrics"]} == {"RedeemedEuros", "Redemptions"}


def test_metrics_go_to_stdout_as_emf_in_aws_mode(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_MODE", "aws")
    monkeypatch.setenv("MARKTPLATZ_STAGE", "prod")
    settings.reset()
    metrics.vouchers_sold(3, 7500)
    metrics.wlan_grant()
    metrics.records_ingested(96)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(d.get("VouchersSold"), d.get("VouchersSoldEuros"), d.get("WlanGrants"),
             d.get("FootfallRecordsIngested")) for d in lines] == [(3, 75.0, None, None), (None, None, 1, None),
                                                                   (None, None, None, 96)]
    for doc in lines:
        assert doc["Stage"] == "prod" and isinstance(doc["_aws"]["Timestamp"], int)
        names = [m["Name"] for m in doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
        assert all(name in doc for name in names)


def test_an_unhandled_error_is_logged_with_its_request_id(api: Any, log_lines: io.StringIO,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.system import routes

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(routes, "json_response", broken)
    response = api.call("GET", "/healthz")
    assert response.status_code == 500
    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    # Chalice logs view errors itself, on the logger named after the app ("marktplatz"): our JSON logger.
    error = next(line for line in lines if line["message"] == "Caught exception for path /healthz")
    access = next(line for line in lines if line["message"] == "request")
    assert error["level"] == "ERROR" and "disk on fire" in error["exception"]
    assert error["request_id"] == access["request_id"]  # the logging middleware wraps everything else
    assert access["status"] == 500 and access["level"] == "ERROR"
