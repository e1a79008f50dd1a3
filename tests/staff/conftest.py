"""Helpers for staff tests: accounts per role, signed-in sessions over chalice.test.Client."""

from __future__ import annotations

import json
import uuid
from http.cookies import SimpleCookie
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN, Api

PASSWORD = "Rathaus-Billerbeck-2026"


class Staff:
    """A signed-in staff member: sends the session cookie and, on changes, the CSRF token."""

    def __init__(self, api: Api, email: str, cookie: str, csrf: str) -> None:
        self.api, self.email, self.cookie, self.csrf = api, email, cookie, csrf

    def call(self, method: str, path: str, body: Any = None, csrf: bool = True) -> Any:
        headers = {"Cookie": f"mp_staff={self.cookie}"}
        if csrf:
            headers["X-CSRF-Token"] = self.csrf
        return self.api.call(method, path, body, headers=headers)

    def json(self, method: str, path: str, body: Any = None, expect: int | None = None) -> Any:
        r = self.call(method, path, body)
        data = json.loads(r.body) if r.body else None
        if expect is not None:
            assert r.status_code == expect, (r.status_code, data)
        return data


def create_staff(api: Api, role: str, email: str | None = None) -> str:
    email = email or f"{role}-{uuid.uuid4().hex[:8]}@billerbeck.example"
    api.json("POST", "/api/v1/staff", {"email": email, "name": f"{role.title()} Muster", "role": role,
                                       "password": PASSWORD}, ADMIN_TOKEN, expect=201)
    return email


def sign_in(api: Api, email: str, password: str = PASSWORD) -> tuple[Any, Staff | None]:
    r = api.call("POST", "/api/v1/staff/session", {"email": email, "password": password})
    if r.status_code != 201:
        return r, None
    jar = SimpleCookie()
    jar.load(r.headers["Set-Cookie"])
    return r, Staff(api, email, jar["mp_staff"].value, json.loads(r.body)["csrf_token"])


_SIGNED_IN: dict[str, tuple[str, str, str]] = {}  # role -> (email, cookie, csrf), reused across the role matrix


@pytest.fixture
def role_member(api: Api) -> Any:
    """One signed-in member per role for the whole session: the role matrix makes ~100 calls per role, and a fresh
    account per call would spend most of the run hashing passwords (scrypt is slow on purpose)."""

    def _get(role: str) -> Staff:
        if role not in _SIGNED_IN:
            r, member = sign_in(api, create_staff(api, role))
            assert member is not None, r.body
            _SIGNED_IN[role] = (member.email, member.cookie, member.csrf)
        email, cookie, csrf = _SIGNED_IN[role]
        return Staff(api, email, cookie, csrf)

    return _get


@pytest.fixture
def staff(api: Api) -> Any:
    def _make(role: str) -> Staff:
        r, member = sign_in(api, create_staff(api, role))
        assert member is not None, r.body
        return member

    return _make
