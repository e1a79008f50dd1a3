"""schemathesis over /openapi.json: every operation, valid and invalid requests, as the admin, a retailer, a sensor
and nobody. Whatever arrives, the answer is never a 5xx (and an /api/ error is the JSON error shape).

Bounded for `make test` on two shared cores: FUZZ_EXAMPLES per operation and mode (≈ 74 operations x 2 modes).
Set MARKTPLATZ_FUZZ_EXAMPLES higher for a longer hunt.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.conftest import ADMIN_TOKEN, Api
from tests.payments.conftest import localstripe  # noqa: F401 - the order routes talk to a real localstripe

FUZZ_EXAMPLES = int(os.environ.get("MARKTPLATZ_FUZZ_EXAMPLES", "8"))


def _request(case: Any, token: str | None) -> tuple[str, str, dict[str, str], bytes | None]:
    kwargs = case.as_transport_kwargs(base_url="http://fuzz.invalid")
    url = urlsplit(kwargs["url"])
    path = url.path + (f"?{url.query}" if url.query else "")
    if kwargs.get("params"):
        path += ("&" if "?" in path else "?") + urlencode(kwargs["params"], doseq=True)
    headers = {k: str(v) for k, v in kwargs.get("headers", {}).items()}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    headers.setdefault("Idempotency-Key", uuid.uuid4().hex)
    body: bytes | None = None
    if "json" in kwargs:
        body = json.dumps(kwargs["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif kwargs.get("data") is not None:
        data = kwargs["data"]
        body = data if isinstance(data, bytes) else str(data).encode()
    return kwargs["method"], path, headers, body


@pytest.mark.xdist_group("fuzz")
def test_no_operation_answers_5xx_to_anything(api: Api, localstripe: str) -> None:  # noqa: F811
    import schemathesis
    from schemathesis import GenerationMode

    shop = api.retailer()
    zone = "z-" + uuid.uuid4().hex[:8]
    api.json("POST", "/api/v1/zones", {"zone_id": zone, "name": "Markt"}, ADMIN_TOKEN, expect=201)
    sensor = api.json("POST", "/api/v1/sensors", {"name": "Laser", "zone": zone, "kind": "laser"}, ADMIN_TOKEN,
                      expect=201)
    callers = st.sampled_from([ADMIN_TOKEN, shop["api_key"], sensor["ingest_key"], None])

    spec = api.json("GET", "/openapi.json", expect=200)
    schema = schemathesis.openapi.from_dict(spec)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    described = [o for o in operations if o.body or any(p.location == "query" for p in o.iter_parameters())]
    assert len(described) > 25, "the document should describe bodies and query parameters, not only paths"

    failures: list[str] = []
    calls = 0
    for operation in operations:
        # Invalid requests where there is something to get wrong; for path-only operations schemathesis would
        # mostly reject its own candidates (a random path segment is as valid as any other).
        modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if operation in described else \
            [GenerationMode.POSITIVE]
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode), token=callers)
            @settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
            def run(case: Any, token: str | None) -> None:
                nonlocal calls
                method, path, headers, body = _request(case, token)
                response = api.client.http.request(method, path, headers=headers, body=body)
                calls += 1
                problem = None
                if response.status_code >= 500:
                    problem = f"{response.status_code}"
                elif response.status_code >= 400 and path.startswith("/api/"):
                    try:
                        error = json.loads(response.body)["error"]
                        assert isinstance(error["code"], str) and isinstance(error["message"], str)
                    except (ValueError, KeyError, TypeError, AssertionError):
                        problem = f"{response.status_code} without the JSON error shape"
                if problem:
                    failures.append(f"{problem}: {method} {path[:200]} body={body[:200] if body else None!r} "
                                    f"-> {response.body[:200]!r}")

            try:
                run()
            except Unsatisfiable:  # nothing to make invalid: no parameters and no body (GET /healthz)
                assert mode == GenerationMode.NEGATIVE, operation.path
    print(f"fuzz: {calls} requests")
    assert calls > 60 * FUZZ_EXAMPLES
    assert not failures, "\n".join(failures[:20])
