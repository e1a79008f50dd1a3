"""Untrusted JSON read in one place, with limits checked before the parser sees the bytes.

Pure (no HTTP, no AWS). `json.loads` recurses once per nesting level: `'[' * 5000` is a RecursionError deep in
the parser, and a megabyte of brackets costs memory and CPU for nothing. Size and depth are checked first, on the
raw text, so no limit depends on the interpreter's recursion limit.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BYTES = 64 * 1024  # routes that take more (footfall's 1,000 records a request) say so
MAX_DEPTH = 16  # our bodies nest 3 levels; Stripe's events about 8

# A string ("unrolled", possessive): its closing quote optional so that an unterminated one ends the scan instead
# of being retried from every later quote. One linear pass, no backtracking.
_STRING = re.compile(rb'"[^\\"]*+(?:\\.[^\\"]*+)*+"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_SQUARE = bytes.maketrans(b"{}", b"[]")


class JsonInputError(ValueError):
    """A user-safe reason why a body cannot be read; `code` is the error code clients see."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def too_deep(raw: bytes, max_depth: int) -> bool:
    """Whether brackets outside strings nest deeper than `max_depth`.

    Each pass removes the innermost pairs; balanced brackets of depth d are gone after d passes, and a non-empty
    balanced rest always holds a "[]". A truncated body (`{"a": 1`) leaves only unclosed openers: deep only if
    there are more of them than allowed, otherwise the parser calls it invalid (and nests at most 2 x max_depth).
    Every step is a C-level bytes operation, so a hostile body costs milliseconds, not a Python loop per bracket.
    """
    brackets = _STRING.sub(b"", raw).translate(_SQUARE, _NOT_BRACKETS)
    for _ in range(max_depth):
        if not brackets:
            return False
        brackets = brackets.replace(b"[]", b"")
    return b"[]" in brackets or brackets.count(b"[") > max_depth


def read_json(raw: bytes | str | None, *, max_bytes: int = MAX_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """The parsed value of `raw`, or JsonInputError (empty, too large, too deep, not UTF-8 JSON)."""
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if raw and len(raw) > max_bytes:
        raise JsonInputError("too_large", f"The request body is larger than {max_bytes // 1024} KB.")
    if not raw or not raw.strip():
        raise JsonInputError("invalid_json", "The request body must be JSON.")
    if too_deep(raw, max_depth):
        raise JsonInputError("too_deep", f"The request body nests deeper than {max_depth} levels.")
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise JsonInputError("invalid_json", "The request body is not valid JSON.") from None


def _no_constant(name: str) -> Any:
    # NaN and Infinity are not JSON; Python accepts them by default and they compare unequal to themselves.
    raise ValueError(name)
