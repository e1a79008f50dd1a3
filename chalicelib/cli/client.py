"""A small HTTP client for the Marktplatz API: the CLI uses the same routes (and code paths) as any other client."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, body: Any = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.body = status, code, message, body


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


@dataclass
class ApiClient:
    base_url: str
    token: str | None = None
    timeout: float = 30.0

    def request(self, method: str, path: str, body: Any = None, *, query: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None, token: str | None = None) -> Answer:
        url = self.base_url.rstrip("/") + path
        if query:
            url += "?" + urllib.parse.urlencode({k: v for k, v in query.items() if v is not None})
        h = {"Accept": "application/json, text/csv", "User-Agent": "marktplatz-cli"}
        bearer = token or self.token
        if bearer:
            h["Authorization"] = f"Bearer {bearer}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        req = urllib.request.Request(url, data=data, headers=h, method=method)
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 - operator-given URL
                return Answer(resp.status, resp.read(), resp.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as err:
            error = _error(err.code, err.read())
            if bearer:  # API Gateway may echo the Authorization header in its own error messages
                error.message = error.message.replace(bearer, "***")
                error.args = (f"{error.status} {error.code}: {error.message}",)
            raise error from None
        except urllib.error.URLError as err:
            raise ApiError(0, "unreachable", f"{url}: {err.reason}") from None

    def json(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.request(method, path, body, **kwargs).json()


def _error(status: int, raw: bytes) -> ApiError:
    try:
        body = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ApiError(status, "http_error", raw[:200].decode("utf-8", "replace"))
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return ApiError(status, str(error.get("code", "error")), str(error.get("message", "")), error)
    if isinstance(body, dict) and "message" in body:
        # API Gateway's own answer (e.g. "Missing Authentication Token"): usually no such route on this deployment
        return ApiError(status, "no_such_route" if status in (403, 404) else "gateway_error",
                        f"{body['message']} (is this route deployed here?)"[:300])
    return ApiError(status, "http_error", raw[:200].decode("utf-8", "replace"))
