"""The top bar's menu: each user sees the entries of what they may do, grouped, in both
languages; a group with one entry for a user is that entry alone."""

from __future__ import annotations

import re

import pytest

from tests.web_client import web_box
from webui.menu import MENU
from webui.messages_zh import ZH


@pytest.fixture
def office(tmp_path):
    box = web_box(tmp_path)
    box.add_user("boss", "super", language="en")
    box.add_user("ana", "operator", language="en", permissions={"customers_view"})
    box.add_user("aud", "operator", language="en", permissions={"audit", "recordings_listen"})
    box.add_user("zhu", "operator", language="zh-CN", permissions={"customers_view", "sms"})
    yield box
    box.close()


def nav(page: str) -> str:
    return re.search(r'<nav class="menu">(.*?)</nav>', page, re.S).group(1)


def links(menu: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', menu)


def groups(menu: str) -> list[str]:
    return re.findall(r"<summary>([^<]+)<", menu)


def test_a_super_user_sees_every_page_in_groups(office):
    menu = nav(office.signed_in("boss").get("/live").text)
    every = [entry.href for group in MENU for entry in group.entries]
    assert links(menu) == every
    assert groups(menu) == [g.label for g in MENU if g.label and len(g.entries) > 1]
    # The page shown marks its entry and its group.
    assert '<a href="/live" aria-current="page">' in menu
    calls = nav(office.signed_in("boss").get("/calls").text)
    assert '<details class="menu-group" data-current>\n      <summary>Calls<' in calls


def test_an_operator_sees_only_what_they_may_use(office):
    menu = nav(office.signed_in("ana").get("/live").text)
    assert links(menu) == ["/", "/live", "/calls", "/surveys", "/quality", "/customers",
                           "/memos", "/knowledge"]
    assert groups(menu) == ["Calls", "Customers"]
    assert "/admin" not in menu and "/audit" not in menu and "/reports" not in menu
    auditor = nav(office.signed_in("aud").get("/live").text)
    assert {"/recordings", "/audit", "/health", "/archive"} <= set(links(auditor))
    assert "/admin" not in links(auditor) and "/firewall" not in links(auditor)
    # Without customers_view, Customers holds what every user has: memos, the knowledge base.
    assert "/knowledge" in links(auditor) and "/customers" not in links(auditor)
    # Hidden from the menu is not allowed: the pages say no on their own.
    assert office.signed_in("ana").get("/admin").status == 403


def test_the_menu_in_chinese(office):
    menu = nav(office.signed_in("zhu").get("/live").text)
    # Messages is their only entry of Outbound: a plain link, no group to open.
    assert groups(menu) == ["通话", "客户"]
    assert re.search(r'</details>\s*<a href="/messages">短信', menu)
    assert ">客户<" in menu or ">客户</a>" in menu
    for group in MENU:
        assert not group.label or group.label in ZH, group.label
        for entry in group.entries:
            assert entry.label in ZH, entry.label


def test_a_groups_count_is_its_entries_counts(office):
    menu = nav(office.signed_in("boss").get("/live").text)
    # Nothing new: every count hidden, the group's too.
    assert re.findall(r"data-group-count hidden>0<", menu)
    assert "data-voicemail-new hidden" in menu and "data-sms-unread hidden" in menu


def test_a_groups_count_adds_up_what_waits_in_it(tmp_path):
    from tests.calls_box import make_office  # noqa: PLC0415
    from tests.test_web_voicemail import leave_message  # noqa: PLC0415

    office = make_office(tmp_path)
    try:
        leave_message(office, 1)
        leave_message(office, 2)
        menu = nav(office.signed_in("boss").get("/live").text)
        calls = re.search(r"<summary>Calls<span[^>]*>(\d+)</span>", menu)
        assert calls and calls.group(1) == "2"
        assert re.search(r'data-voicemail-new title="[^"]*">2</span>', menu)
    finally:
        office.box.close()
