"""Administration: users, groups, and the guards that keep the box administrable."""

from __future__ import annotations

import re

import pytest

from tests.web_client import PASSWORD, web_box
from webui import auth
from webui.app import ROUTES
from webui.audit_text import describe
from webui.i18n import Translator

EN = Translator("en")

NEW_PASSWORD = "fresh start 42"

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "ada": made.add_user("ada", "leader", permissions={"admin"}, language="en"),
        "ana": made.add_user("ana", permissions={"customers_view"}, lines=frozenset({1})),
    }
    yield made
    made.close()


def user_form(**values) -> list[tuple[str, str]]:
    fields = [("display_name", values.get("display_name", "")),
              ("level", values.get("level", "operator")),
              ("group_id", str(values.get("group_id") or "")),
              ("language", values.get("language", "en"))]
    if values.get("active", True):
        fields.append(("active", "yes"))
    fields += [("flag", flag) for flag in values.get("flags", ())]
    fields += [("line", str(line)) for line in values.get("lines", ())]
    return fields


def problem(page) -> str:
    found = re.search(r'class="problem" role="alert">([^<]*)<', page.text)
    return found.group(1) if found else ""


ADMIN_ROUTES = [route for route in ROUTES if route.path.startswith("/admin")]


@pytest.mark.parametrize("route", ADMIN_ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_admin_pages_are_refused_to_users_without_the_admin_flag(box, route):
    client = box.signed_in("ana")
    path = re.sub(r"<[^>]+>", "1", route.path)
    answer = client.get(path) if route.method == "GET" else client.post(path, {"name": "x"})
    assert answer.status == 403
    assert box.deps.accounts.user(box.ids["ana"]).level == "operator"


def test_an_admin_adds_a_user_with_flags_lines_and_an_initial_password(box):
    client = box.signed_in("boss")
    sales = box.deps.accounts.create_group("Sales").id
    page = client.get("/admin/users/new")
    assert page.status == 200 and "Listen to recordings" in page.text  # flags described
    weak = client.post("/admin/users/new", [("username", "bo"), ("password", "short"),
                                            ("password_again", "short"), *user_form()])
    assert weak.status == 400 and "at least 8 characters" in problem(weak)
    made = client.post("/admin/users/new", [
        ("username", "bo"), ("password", NEW_PASSWORD), ("password_again", NEW_PASSWORD),
        *user_form(level="leader", group_id=sales, flags=("pop", "share", "bogus"),
                   lines=(2, 3), language="zh-CN")])
    assert made.status == 303
    bo = box.deps.accounts.user_by_name("bo")
    assert (bo.level, bo.group_name, bo.language) == ("leader", "Sales", "zh-CN")
    assert bo.permissions == {"pop", "share"} and bo.lines == {2, 3}
    assert auth.check_sign_in(box.deps.accounts, "bo", NEW_PASSWORD) is not None
    again = client.post("/admin/users/new", [
        ("username", "BO"), ("password", NEW_PASSWORD), ("password_again", NEW_PASSWORD),
        *user_form()])
    assert again.status == 400 and "is taken" in problem(again)
    entry = box.deps.audit.entries(action="user_changed")[0]
    assert entry.target == "bo"
    assert describe(EN, entry.detail) == (
        "created; Level: (empty) → Leader; Language: (empty) → 中文; Group: (empty) → Sales; "
        "Lines: (empty) → 2, 3; Permissions given: pop, share")
    assert NEW_PASSWORD not in entry.detail
    listing = client.get(made.location).text
    assert "The user bo was added." in listing and 'href="/admin/users/' in listing


def test_an_admin_edits_a_user_and_the_change_is_audited(box):
    client = box.signed_in("boss")
    ana = box.ids["ana"]
    saved = client.post(f"/admin/users/{ana}", user_form(
        display_name="Ana Li", level="leader", flags=("customers_view", "contacts"), lines=(1, 4)))
    assert saved.status == 303
    user = box.deps.accounts.user(ana)
    assert (user.display_name, user.level, user.lines) == ("Ana Li", "leader", {1, 4})
    detail = box.deps.audit.entries(action="user_changed")[0].detail
    shown = describe(EN, detail)
    assert "Level: Operator → Leader" in shown and "Permissions given: contacts" in shown
    assert "Display name: (empty) → Ana Li" in shown
    assert "等级：话务员 → 组长" in describe(Translator("zh-CN"), detail)
    assert client.get("/admin/users/999").status == 404


def test_deactivating_a_user_ends_their_sessions(box):
    ana_client = box.signed_in("ana")
    assert ana_client.get("/live").status == 200
    box.signed_in("boss").post(f"/admin/users/{box.ids['ana']}", user_form(
        active=False, flags=("customers_view",)))
    assert ana_client.get("/live").status == 303


def test_a_password_reset_ends_the_users_sessions(box):
    ana_client = box.signed_in("ana")
    boss = box.signed_in("boss")
    url = f"/admin/users/{box.ids['ana']}/password"
    refused = boss.post(url, {"password": "ana", "password_again": "ana"})
    assert refused.status == 400
    assert boss.post(url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status == 303
    assert ana_client.get("/live").status == 303  # signed out
    assert auth.check_sign_in(box.deps.accounts, "ana", NEW_PASSWORD) is not None
    assert auth.check_sign_in(box.deps.accounts, "ana", PASSWORD) is None
    shown = describe(EN, box.deps.audit.entries(action="user_changed")[0].detail)
    assert shown == "password reset; Sessions ended: 1"


def test_deleting_a_user_takes_a_confirmation_step(box):
    client = box.signed_in("boss")
    url = f"/admin/users/{box.ids['ana']}/delete"
    assert client.get(url).status == 200 and box.deps.accounts.user(box.ids["ana"])
    assert client.post(url).status == 303
    assert box.deps.accounts.user(box.ids["ana"]) is None


# ---- the guards ---------------------------------------------------------------------------


def test_an_admin_cannot_lock_themselves_out(box):
    boss_id = box.ids["boss"]
    boss = box.signed_in("boss")
    demote = boss.post(f"/admin/users/{boss_id}", user_form(level="leader", flags=("admin",)))
    assert demote.status == 400 and "lower your own level" in problem(demote)
    off = boss.post(f"/admin/users/{boss_id}", user_form(level="super", active=False))
    assert off.status == 400 and "deactivate your own account" in problem(off)
    gone = boss.post(f"/admin/users/{boss_id}/delete")
    assert gone.status == 400 and "delete your own account" in problem(gone)
    me = box.deps.accounts.user(boss_id)
    assert (me.level, me.active) == ("super", True)


def test_the_box_keeps_an_active_super_and_only_supers_change_supers(box):
    boss_id = box.ids["boss"]
    sue_id = box.add_user("sue", "super", language="en")
    sue = box.signed_in("sue")
    # With two supers, one may demote the other (keeping them an admin).
    assert sue.post(f"/admin/users/{boss_id}", user_form(level="leader",
                                                         flags=("admin",))).status == 303
    # Now sue is the last active super: the demoted admin cannot touch her...
    boss = box.signed_in("boss")
    assert boss.post(f"/admin/users/{sue_id}", user_form(level="operator")).status == 403
    assert boss.post(f"/admin/users/{sue_id}/password",
                     {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}).status == 403
    assert boss.get(f"/admin/users/{sue_id}/delete").status == 403
    assert boss.post(f"/admin/users/{sue_id}/delete").status == 403
    # ...nor make anyone super, themselves included.
    promote = boss.post(f"/admin/users/{boss_id}", user_form(level="super", flags=("admin",)))
    assert promote.status == 400 and "Only a super user" in problem(promote)
    made = boss.post("/admin/users/new", [("username", "eve"), ("password", NEW_PASSWORD),
                                          ("password_again", NEW_PASSWORD),
                                          *user_form(level="super")])
    assert made.status == 400 and box.deps.accounts.user_by_name("eve") is None
    # And sue cannot step down while she is the last one.
    for attempt in (user_form(level="leader", flags=("admin",)),
                    user_form(level="super", active=False)):
        assert sue.post(f"/admin/users/{sue_id}", attempt).status == 400
    assert [user.id for user in box.deps.accounts.active_supers()] == [sue_id]


def test_an_admin_cannot_take_away_their_own_admin_flag(box):
    ada = box.signed_in("ada")
    answer = ada.post(f"/admin/users/{box.ids['ada']}", user_form(level="leader",
                                                                   flags=("share",)))
    assert answer.status == 400 and "your own admin permission" in problem(answer)
    assert "admin" in box.deps.accounts.user(box.ids["ada"]).permissions
    # Other changes to their own account are fine.
    fine = ada.post(f"/admin/users/{box.ids['ada']}", user_form(
        level="leader", flags=("admin", "share"), language="zh-CN"))
    assert fine.status == 303


# ---- groups --------------------------------------------------------------------------------


def test_groups_are_added_renamed_and_deleted(box):
    client = box.signed_in("boss")
    assert client.post("/admin/groups", {"name": "Sales"}).status == 303
    assert client.post("/admin/groups", {"name": "Sales"}).status == 400  # taken
    assert client.post("/admin/groups", {"name": ""}).status == 400
    assert client.post("/admin/groups", {"name": "x" * 61}).status == 400
    group = box.deps.accounts.groups()[0]
    box.deps.accounts.update_user(box.ids["ana"], group_id=group.id)
    assert client.post(f"/admin/groups/{group.id}", {"name": "Sales East"}).status == 303
    assert box.deps.accounts.group(group.id).name == "Sales East"
    assert client.post(f"/admin/groups/{group.id}/delete").status == 400  # not ticked
    assert client.post(f"/admin/groups/{group.id}/delete", {"confirm": "yes"}).status == 303
    assert box.deps.accounts.groups() == []
    assert box.deps.accounts.user(box.ids["ana"]).group_id is None  # the member stays
    assert client.post("/admin/groups/99", {"name": "Ghost"}).status == 404
    actions = [e.detail for e in box.deps.audit.entries(action="user_changed")]
    assert any(describe(EN, detail) == "Name: Sales → Sales East" for detail in actions)


@pytest.mark.parametrize("admin_language", ["en", "zh-CN"])
def test_a_new_users_form_starts_in_the_language_of_the_admin_adding_them(box, admin_language):
    box.deps.accounts.update_user(box.ids["ada"], language=admin_language)
    page = box.signed_in("ada").get("/admin/users/new").text
    chosen = re.search(r'<option value="([^"]+)" selected>[^<]*</option>\s*(?:<option[^>]*>[^<]*'
                       r"</option>\s*)*</select>", page[page.index('name="language"'):])
    assert chosen and chosen.group(1) == admin_language


def test_the_box_has_an_icon_for_browsers_that_ask(box):
    client = box.client()
    answer = client.get("/favicon.ico")
    assert answer.status == 200 and answer.headers["Content-Type"].startswith("image/svg+xml")
    assert "<svg" in answer.text
    assert 'rel="icon" href="/static/icon.svg"' in client.get("/login").text
