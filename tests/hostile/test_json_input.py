"""The body reader's limits, checked on the raw text before the parser (pure; milliseconds)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.json_input import JsonInputError, read_json, too_deep

values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab,:\n\u00e9'),
                      lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner,
                                                                                   max_size=3), max_leaves=40)


def depth(value: Any) -> int:
    if isinstance(value, list):
        return 1 + max((depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((depth(v) for v in value.values()), default=0)
    return 0


@given(values, st.integers(min_value=0, max_value=8), st.booleans())
def test_depth_is_measured_exactly_whatever_the_strings_hold(value: Any, limit: int, ascii_only: bool) -> None:
    raw = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert too_deep(raw, limit) == (depth(value) > limit)
    if depth(value) <= 16:
        assert read_json(raw) == value


@pytest.mark.parametrize("raw, code", [
    (b"[" * 5000 + b"]" * 5000, "too_deep"),
    (b"[" * 60_000, "too_deep"),
    (b"[" * 17, "too_deep"),
    (b"[" * 16, "invalid_json"),
    (b'{"a": {"b": 1', "invalid_json"),
    (b'{"a":' * 17 + b"1" + b"}" * 17, "too_deep"),
    (b" " * (64 * 1024 + 1), "too_large"),
    (b"", "invalid_json"),
    (b"  \n", "invalid_json"),
    (b'{"a": NaN}', "invalid_json"),
    (b'{"a": Infinity}', "invalid_json"),
    (b"\xff", "invalid_json"),
    (b'{"a": "unterminated', "invalid_json"),
], ids=lambda v: repr(v[:12]) if isinstance(v, bytes) else v)
def test_refusals_name_their_reason(raw: bytes, code: str) -> None:
    with pytest.raises(JsonInputError) as err:
        read_json(raw)
    assert err.value.code == code


def test_hostile_bodies_cost_milliseconds_not_seconds() -> None:
    # Quote-and-backslash mazes are where a backtracking string pattern turns quadratic.
    n = 32 * 1024
    bodies = [b'"' + b'\\"' * n, b"[]" * n, b'"\\' * n, b'"a",' * (n // 2), b"[" * (64 * 1024)]
    slowest = 0.0
    for body in bodies:
        started = time.process_time()
        too_deep(body, 16)
        slowest = max(slowest, time.process_time() - started)
    # A ratio would be better than seconds; but quadratic here is ~30 s against < 0.05 s linear.
    assert slowest < 2.0, slowest
