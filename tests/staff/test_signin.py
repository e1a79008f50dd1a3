"""Human sign-in to the back office: hashed passwords, cookie flags, CSRF, throttling, sign-out, expiry."""

from __future__ import annotations

import json

from chalicelib.core import clock
from chalicelib.staff import passwords, sessions
from chalicelib.staff.models import StaffAccount
from tests.conftest import Api
from tests.staff.conftest import PASSWORD, create_staff, sign_in


def test_password_hash_is_scrypt_salted_and_verifies() -> None:
    a, b = passwords.hash_password("correct horse battery"), passwords.hash_password("correct horse battery")
    assert a.startswith("scrypt$32768$8$1$") and a != b
    assert passwords.verify_password("correct horse battery", a)
    assert not passwords.verify_password("correct horse batterY", a)
    assert not passwords.verify_password("x", "garbage")


def test_sign_in_sets_a_strict_http_only_cookie_and_stores_no_password(api: Api) -> None:
    email = create_staff(api, "support")
    r, member = sign_in(api, email)
    assert member is not None
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "; Secure" in cookie  # the tests' base URL is https
    stored = StaffAccount.get(email)
    assert PASSWORD not in stored.password_hash and stored.password_hash.startswith("scrypt$")
    me = member.json("GET", "/api/v1/staff/me", expect=200)
    assert me["email"] == email and me["role"] == "support" and me["csrf_token"] == member.csrf


def test_cookie_is_not_marked_secure_on_plain_http(monkeypatch) -> None:
    from chalicelib.core import settings

    monkeypatch.setenv("MARKTPLATZ_BASE_URL", "http://127.0.0.1:8000")  # make run on a laptop: no TLS
    settings.reset()
    assert "Secure" not in sessions.set_cookie("x" * 43)
    settings.reset()


def test_wrong_password_and_unknown_address_answer_alike(api: Api) -> None:
    email = create_staff(api, "finance")
    wrong, _ = sign_in(api, email, "not-the-password-1")
    unknown, _ = sign_in(api, "nobody@billerbeck.example", "not-the-password-1")
    assert wrong.status_code == unknown.status_code == 401
    assert json.loads(wrong.body) == json.loads(unknown.body)


def test_state_changes_need_the_csrf_token(api: Api, staff) -> None:
    member = staff("support")
    [voucher] = api.vouchers(1000)
    path = f"/api/v1/vouchers/{voucher['voucher_id']}/block"
    refused = member.call("POST", path, {"reason": "lost"}, csrf=False)
    assert refused.status_code == 403 and json.loads(refused.body)["error"]["code"] == "csrf_failed"
    assert member.json("GET", f"/api/v1/vouchers/{voucher['voucher_id']}", expect=200)["status"] == "active"
    wrong = member.api.call("POST", path, {"reason": "lost"},
                            headers={"Cookie": f"mp_staff={member.cookie}", "X-CSRF-Token": "forged"})
    assert wrong.status_code == 403
    assert member.json("POST", path, {"reason": "lost"}, expect=200)["status"] == "blocked"


def test_failed_sign_ins_are_throttled(api: Api) -> None:
    email = create_staff(api, "support")
    for _ in range(5):
        assert sign_in(api, email, "wrong-password-123")[0].status_code == 401
    r, member = sign_in(api, email)  # even the right password waits out the window
    assert r.status_code == 429 and member is None
    assert json.loads(r.body)["error"]["code"] == "signin_throttled"
    clock.shift(31 * 60)
    assert sign_in(api, email)[1] is not None


def test_sign_out_ends_the_session(api: Api, staff) -> None:
    member = staff("admin")
    r = member.call("DELETE", "/api/v1/staff/session")
    assert r.status_code == 204 and "Max-Age=0" in r.headers["Set-Cookie"]
    assert member.call("GET", "/api/v1/staff/me").status_code == 401
    assert member.call("GET", "/api/v1/staff").status_code == 401


def test_sessions_expire_when_idle_and_after_a_working_day(api: Api, staff) -> None:
    member = staff("finance")
    clock.shift(sessions.IDLE_SECONDS + 5)
    assert member.call("GET", "/api/v1/staff/me").status_code == 401
    clock.reset()
    member = staff("finance")
    for _ in range(sessions.LIFETIME_SECONDS // (20 * 60) + 1):  # active all day, never idle
        clock.shift(20 * 60)
        r = member.call("GET", "/api/v1/staff/me")
    assert r.status_code == 401


def test_disabling_an_account_or_changing_its_role_ends_its_sessions(api: Api, staff) -> None:
    admin, member = staff("admin"), staff("support")
    admin.json("PATCH", f"/api/v1/staff/{member.email}", {"role": "finance"}, expect=200)
    assert member.call("GET", "/api/v1/staff/me").status_code == 401
    r, again = sign_in(api, member.email)
    assert again.json("GET", "/api/v1/staff/me")["role"] == "finance"
    admin.json("PATCH", f"/api/v1/staff/{member.email}", {"status": "disabled"}, expect=200)
    assert again.call("GET", "/api/v1/staff/me").status_code == 401
    assert sign_in(api, member.email)[0].status_code == 401


def test_weak_passwords_are_refused(api: Api) -> None:
    from tests.conftest import ADMIN_TOKEN

    r = api.call("POST", "/api/v1/staff", {"email": "kurz@billerbeck.example", "name": "K", "role": "support",
                                           "password": "kurz"}, ADMIN_TOKEN)
    assert r.status_code == 400 and json.loads(r.body)["error"]["code"] == "weak_password"
