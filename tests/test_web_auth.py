"""Signing in: first-run set-up, passwords, sessions, CSRF, rate limits, and every route guarded."""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import quote

import pytest

from tests.web_client import PASSWORD, web_box
from webui import auth
from webui.app import ROUTES
from webui.context import PUBLIC, PUBLIC_FORM


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    yield made
    made.close()


# ---- first run -----------------------------------------------------------------------


def test_a_new_box_sends_every_page_to_the_set_up(box):
    client = box.client()
    for path in ("/", "/live", "/account", "/login"):
        answer = client.get(path)
        assert answer.status == 303 and answer.location.endswith("/setup"), path


def test_set_up_makes_the_first_account_then_disappears(box):
    client = box.client()
    page = client.get("/setup")
    assert page.status == 200 and "linerec" in page.text
    short = client.post(
        "/setup", {"username": "boss", "password": "short", "password_again": "short"}
    )
    assert short.status == 200 and "至少需要 8 个字符" in short.text  # Chinese by default
    assert box.deps.accounts.user_count() == 0
    made = client.post(
        "/setup",
        {"username": "boss", "password": PASSWORD, "password_again": PASSWORD, "language": "en"},
    )
    assert made.status == 303 and made.location.endswith("/setup/box")  # then the box
    user = box.deps.accounts.user_by_name("boss")
    assert user.level == "super" and user.language == "en"
    # The password is kept only as a scrypt hash.
    stored = box.deps.accounts.password_hash(user.id)
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    assert client.get("/live").status == 200  # signed in by the set-up
    # Gone for everyone once the box has a user.
    assert box.client().get("/setup").status == 404
    again = box.client()
    again.get("/login")
    assert again.post("/setup", {"username": "x", "password": PASSWORD,
                                 "password_again": PASSWORD}).status == 404
    assert box.deps.accounts.user_count() == 1


def test_set_up_form_needs_its_csrf_token(box):
    client = box.client()
    client.get("/setup")
    answer = client.post(
        "/setup", {"username": "boss", "password": PASSWORD, "password_again": PASSWORD},
        csrf="forged",
    )
    assert answer.status == 403 and box.deps.accounts.user_count() == 0


# ---- passwords and sessions ----------------------------------------------------------


def test_passwords_hash_with_salt_and_verify():
    first, second = auth.hash_password("secret words"), auth.hash_password("secret words")
    assert first != second  # salted
    assert auth.verify_password("secret words", first)
    assert not auth.verify_password("secret word", first)
    for broken in ("", "md5$abc", "scrypt$1$2$3$!!$??", None):
        assert not auth.verify_password("secret words", broken)


def test_sign_in_sets_a_hardened_session_cookie(tmp_path):
    made = web_box(tmp_path)
    made.deps.secure_cookies = True
    made.add_user("ana")
    client = made.client()
    client.get("/login")
    answer = client.post("/login", {"username": "ana", "password": PASSWORD})
    assert answer.status == 303
    cookie = next(v for k, v in answer.header_list if k == "Set-Cookie" and "session" in v)
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert attribute.lower() in cookie.lower(), cookie
    token = client.cookies[auth.SESSION_COOKIE]
    # Only the token's hash is stored.
    rows = made.deps.store.connection().execute("SELECT token_hash FROM sessions").fetchall()
    assert rows == [(auth.token_hash(token),)]
    made.close()


def test_wrong_password_and_unknown_user_say_the_same(box):
    box.add_user("ana")
    client = box.client()
    client.get("/login")
    wrong = client.post("/login", {"username": "ana", "password": "not it at all"})
    unknown = client.post("/login", {"username": "nobody", "password": "not it at all"})
    assert wrong.status == unknown.status == 401
    assert "用户名或密码错误" in wrong.text and "用户名或密码错误" in unknown.text
    assert auth.SESSION_COOKIE not in client.cookies
    actions = [e.action for e in box.deps.audit.entries()]
    assert actions.count("sign_in_failed") == 2


def test_sign_in_is_rate_limited_per_address(box):
    box.add_user("ana")
    client = box.client()
    client.get("/login")
    for _ in range(5):
        assert client.post("/login", {"username": "ana", "password": "guess guess"}).status == 401
    blocked = client.post("/login", {"username": "ana", "password": PASSWORD})
    assert blocked.status == 429 and int(blocked.headers["Retry-After"]) > 0
    # Another address guessing another name is not blocked by this one.
    other = box.client(address="192.0.2.99")
    box.add_user("bo")
    other.get("/login")
    assert other.post("/login", {"username": "bo", "password": PASSWORD}).status == 303


def test_inactive_users_cannot_sign_in_and_lose_their_sessions(box):
    user_id = box.add_user("ana")
    client = box.signed_in("ana")
    assert client.get("/live").status == 200
    box.deps.accounts.update_user(user_id, active=False)
    assert client.get("/live").status == 303
    again = box.client()
    again.get("/login")
    assert again.post("/login", {"username": "ana", "password": PASSWORD}).status == 401


def test_sign_out_ends_the_session(box):
    box.add_user("ana")
    client = box.signed_in("ana")
    token = client.cookies[auth.SESSION_COOKIE]
    assert client.post("/logout").status == 303
    assert box.deps.accounts.session(auth.token_hash(token)) is None
    client.cookies[auth.SESSION_COOKIE] = token  # replaying the old cookie does not help
    assert client.get("/live").status == 303


def test_expired_sessions_are_refused(tmp_path):
    now = [1_000_000.0]
    made = web_box(tmp_path, clock=lambda: now[0])
    made.add_user("ana")
    client = made.signed_in("ana")
    now[0] += auth.IDLE_S + 1
    assert client.get("/live").status == 303
    made.close()


def test_changing_the_password_signs_out_other_sessions(box):
    box.add_user("ana")
    laptop, phone = box.signed_in("ana"), box.signed_in("ana")
    wrong = laptop.post("/account/password", {"current": "nope nope", "password": "new secret 1",
                                              "password_again": "new secret 1"})
    assert wrong.status == 400
    changed = laptop.post(
        "/account/password",
        {"current": PASSWORD, "password": "new secret 1", "password_again": "new secret 1"},
    )
    assert changed.status == 303
    assert laptop.get("/live").status == 200
    assert phone.get("/live").status == 303
    assert auth.check_sign_in(box.deps.accounts, "ana", "new secret 1") is not None


def test_the_next_page_after_sign_in_stays_on_the_box(box):
    box.add_user("ana")
    client = box.client()
    assert client.get("/account").location.endswith("/login?next=/account")
    client.get("/login")
    for target, expected in (
        ("/account", "/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
    ):
        client.cookies.pop(auth.SESSION_COOKIE, None)
        answer = client.post("/login", {"username": "ana", "password": PASSWORD,
                                        "next": target})
        assert answer.location == expected or answer.location.endswith(f"{expected}")
        assert "evil" not in answer.location


def test_users_choose_their_language(box):
    box.add_user("ana", language="zh-CN")
    client = box.signed_in("ana")
    assert "实时线路" in client.get("/live").text
    assert client.post("/account/language", {"language": "en"}).status == 303
    page = client.get("/live")
    assert "Live lines" in page.text and 'lang="en"' in page.text
    assert client.post("/account/language", {"language": "fr"}).status == 400


# ---- CSRF and guarding ---------------------------------------------------------------


def test_state_changes_need_the_session_csrf_token(box):
    box.add_user("ana")
    client = box.signed_in("ana")
    for token in ("", "forged-token"):
        answer = client.post("/account/language", {"language": "en"}, csrf=token)
        assert answer.status == 403
    assert box.deps.accounts.user_by_name("ana").language == "zh-CN"
    # Through the header, as the scripts send it.
    answer = client.request(
        "POST",
        "/account/language",
        b"language=en",
        {"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": client.csrf_token},
    )
    assert answer.status == 303


def test_a_post_from_another_site_is_refused_even_with_a_token(box):
    box.add_user("ana")
    client = box.signed_in("ana")
    answer = client.post(
        "/account/language", {"language": "en"}, headers={"Origin": "https://evil.example"}
    )
    assert answer.status == 403


def _sample_path(path: str) -> str:
    return re.sub(r"<[^>]+>", "1", path)


@pytest.mark.parametrize("route", [r for r in ROUTES if r.access not in (PUBLIC, PUBLIC_FORM)],
                         ids=lambda r: f"{r.method} {r.path}")
def test_every_private_route_refuses_a_visitor_who_has_not_signed_in(box, route):
    box.add_user("ana")
    client = box.client()
    client.get("/login")  # a visitor with a form token, but no session
    if route.method == "GET":
        answer = client.get(_sample_path(route.path))
        assert answer.status in (303, 401)
        if answer.status == 303:
            assert "/login" in answer.location
    else:
        answer = client.post(_sample_path(route.path), {"x": "1"})
        assert answer.status == 401


def test_every_page_sends_the_security_headers(box):
    box.add_user("ana")
    client = box.signed_in("ana")
    answer = client.get("/live")
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert answer.headers["X-Frame-Options"] == "DENY"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    # No script or style comes from anywhere but the box.
    assert not re.search(r'(src|href)="https?://', answer.text)


def test_static_files_cannot_reach_outside_their_folder(box):
    client = box.client()
    assert client.get("/static/app.css").status == 200
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/../../pyproject.toml"):
        assert client.get(path).status in (403, 404), path


def test_a_burst_of_wrong_passwords_gets_no_more_checks_than_the_limit(box, monkeypatch):
    box.add_user("ana")
    checks = []
    real_check = auth.check_sign_in

    def counted(*args, **kwargs):
        checks.append(1)
        return real_check(*args, **kwargs)

    monkeypatch.setattr(auth, "check_sign_in", counted)
    clients = [box.client(address=f"192.0.2.{10 + n}") for n in range(15)]
    for client in clients:
        client.get("/login")
    go = threading.Barrier(len(clients))
    statuses = []

    def guess(client) -> None:
        go.wait()
        statuses.append(client.post("/login", {"username": "ana", "password": "guess!"}).status)

    threads = [threading.Thread(target=guess, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checks) == 5  # checked and counted in one step
    assert sorted(statuses) == [401] * 5 + [429] * 10


def test_one_users_wrong_passwords_do_not_lock_out_the_office(box):
    box.add_user("ana")
    box.add_user("bo")
    office = box.client(address="192.0.2.50")  # one router for the whole office
    office.get("/login")
    for _ in range(5):
        office.post("/login", {"username": "ana", "password": "guess guess"})
    assert office.post("/login", {"username": "ana", "password": PASSWORD}).status == 429
    colleague = box.client(address="192.0.2.50")
    colleague.get("/login")
    assert colleague.post("/login", {"username": "bo", "password": PASSWORD}).status == 303


def test_one_address_cannot_spray_many_names():
    limiter = auth.SignInLimiter(per_user=5, per_address=30)
    waits = [limiter.attempt("192.0.2.7", f"name{n}") for n in range(40)]
    assert waits[:30] == [0.0] * 30 and all(wait > 0 for wait in waits[30:])


def test_many_made_up_names_do_not_make_it_forget():
    clock = {"now": 1000.0}
    limiter = auth.SignInLimiter(clock=lambda: clock["now"], most_names=100)
    for _ in range(5):
        assert limiter.attempt("192.0.2.1", "ana") == 0.0
    assert limiter.attempt("192.0.2.1", "ana") > 0
    for n in range(1000):  # a flood of names, from many addresses
        limiter.attempt(f"10.0.{n // 250}.{n % 250}", f"made-up-{n}")
    assert limiter.attempt("192.0.2.2", "ana") > 0  # still blocked
    clock["now"] += 301
    assert limiter.attempt("192.0.2.2", "ana") == 0.0


@pytest.mark.parametrize("target", ["/\\evil.example", "//evil.example", "https://evil.example/",
                                    "/calls\r\nSet-Cookie: x=1", "/calls\tx"])
def test_after_sign_in_only_a_path_on_this_box(box, target):
    box.add_user("ana")
    client = box.client()
    client.get(f"/login?next={quote(target, safe='')}")  # as a link would carry it
    answer = client.post("/login", {"username": "ana", "password": PASSWORD, "next": target})
    assert answer.status == 303 and answer.location == "/"
    signed_in = client.get(f"/login?next={quote(target, safe='')}")
    assert signed_in.status == 303 and signed_in.location == "/"


def test_an_escaped_target_stays_a_path_on_this_box(box):
    box.add_user("ana")
    client = box.signed_in("ana")
    assert client.get("/login?next=/calls%3Fday%3D1").location == "/calls?day=1"
    # %5C decodes to a backslash, which browsers read as a slash: another site.
    assert client.get("/login?next=/%5Cevil.example").location == "/"


def test_the_current_password_check_is_limited_and_audited(box):
    box.add_user("ana", language="en")
    ana = box.signed_in("ana")
    for _ in range(4):  # the sign-in was right: five wrong ones left
        answer = ana.post("/account/password", {"current": "not mine", "password": "new pass 1",
                                                "password_again": "new pass 1"})
        assert answer.status == 400
    ana.post("/account/password", {"current": "not mine", "password": "new pass 1",
                                    "password_again": "new pass 1"})
    blocked = ana.post("/account/password", {"current": PASSWORD, "password": "new pass 1",
                                             "password_again": "new pass 1"})
    assert blocked.status == 429
    failed = box.deps.audit.entries(action="password_check_failed")
    assert len(failed) == 5 and failed[0].username == "ana"


def test_a_form_of_a_hundred_thousand_parts_is_refused_before_it_is_parsed(box):
    box.add_user("ana")
    ana = box.signed_in("ana")
    boundary = "xyz"
    body = "".join(f'--{boundary}\r\nContent-Disposition: form-data; name="f{n}"\r\n\r\nv\r\n'
                   for n in range(120_000)) + f"--{boundary}--\r\n"
    started = time.monotonic()
    answer = ana.request("POST", "/account/language", body.encode(), {
        "Content-Type": f"multipart/form-data; boundary={boundary}",
        "X-CSRF-Token": ana.csrf_token,
    })
    assert answer.status == 413 and time.monotonic() - started < 1.0
    many = "&".join(f"f{n}=v" for n in range(5000))
    answer = ana.request("POST", "/account/language", many.encode(), {
        "Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": ana.csrf_token,
    })
    assert answer.status == 413
    assert ana.post("/account/language", {"language": "en"}).status == 303  # a real form


@pytest.mark.parametrize("path", ["/recordings/99999999999999999999999/download",
                                  "/recordings/9223372036854775808",
                                  "/customers/99999999999999999999"])
def test_an_id_too_large_for_any_row_is_not_found(box, path):
    box.add_user("boss", "super")
    assert box.signed_in("boss").get(path).status == 404


def test_signed_in_pages_are_never_cached_and_assets_are(box):
    box.add_user("ana")
    ana = box.signed_in("ana")
    assert ana.get("/account").headers["Cache-Control"] == "no-store"
    assert ana.get("/api/lines").headers["Cache-Control"] == "no-store"
    assert "max-age" in ana.get("/static/app.css").headers["Cache-Control"]
