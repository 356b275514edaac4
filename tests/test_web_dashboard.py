"""The home page and the wallboard: today's figures for each role, counted only from what
each may see; lines busy now; the figures asked again as JSON."""

from __future__ import annotations

import re

import pytest

from firmware.link.contract import LineStatus, Phase
from tests.calls_box import T0, make_office

# 20:00 in Beijing on 1 Jan 2026: every call of the office (08:01 to 13:04) is today.
NOW = T0 + 12 * 3600
ROLES = ("boss", "ana", "ben", "lea", "cai", "aud", "adm", "nol")


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, clock=lambda: NOW)
    yield made
    made.box.close()


def figure(page_text: str, name: str) -> str:
    found = re.search(rf'data-figure="{name}">([^<]*)<', page_text)
    assert found, f"no figure {name}"
    return found.group(1)


def operator_rows(page_text: str) -> list[str]:
    return re.findall(r'<td class="o-name">([^<]*)</td>', page_text)


def test_every_role_lands_on_the_dashboard_and_its_wallboard(office):
    for name in ROLES:
        client = office.signed_in(name)
        for path in ("/", "/wallboard", "/api/dashboard"):
            answer = client.get(path)
            assert answer.status == 200, (name, path)
        home = client.get("/")
        assert 'href="/" aria-current="page"' in home.text, name
        assert 'href="/live"' in home.text  # the live lines stay in the menu
        wall = client.get("/wallboard")
        assert 'class="wallboard"' in wall.text and '<nav class="menu">' not in wall.text
        assert "data-reload-signed-out" in wall.text
    # Signed out: the pages ask to sign in, the JSON says so.
    stranger = office.box.client()
    assert stranger.get("/wallboard").location.startswith("/login?next=/wallboard")
    assert stranger.get("/api/dashboard").status == 401


def test_today_counts_only_the_calls_each_may_see(office):
    # Each line: 3 in (2 answered after 5 s, 1 missed), 3 out (2 answered, 1 not);
    # talk 2, 3, 5 and 6 s; four recordings.
    expected = {
        "boss": (12, 12, 4, 16),  # every line
        "aud": (12, 12, 4, 16),  # all_lines
        "ana": (3, 3, 1, 4),  # line 1
        "ben": (3, 3, 1, 4),
        "lea": (6, 6, 2, 8),  # her group's lines 1 and 2
        "cai": (3, 3, 1, 4),
        "adm": (3, 3, 1, 4),  # the admin flag alone does not widen what one sees
        "nol": (0, 0, 0, 0),
    }
    for name, (calls_in, calls_out, missed, recordings) in expected.items():
        figures = office.signed_in(name).get("/api/dashboard").json()["figures"]
        assert figures["calls_in"] == str(calls_in), name
        assert figures["calls_out"] == str(calls_out), name
        assert figures["missed"] == str(missed), name
        assert figures["recordings"] == str(recordings), name
        assert figures["day"] == "1 Jan 2026"
        if calls_in:
            assert figures["answered_share"] == "67%", name
            assert figures["average_wait"] == "0:05", name
            assert figures["average_talk"] == "0:04", name
        else:
            assert figures["answered_share"] == figures["average_wait"] == "—"
    page = office.signed_in("ana").get("/").text
    assert figure(page, "calls_in") == "3" and figure(page, "missed") == "1"


def test_a_rating_today_is_in_the_survey_average(office):
    first, second = office.calls[1][0], office.calls[2][0]
    office.deps.store.update_call(first, survey=1)
    office.deps.store.update_call(second, survey=4)
    assert office.signed_in("ana").get("/api/dashboard").json()["figures"]["rating"] == "1.00"
    boss = office.signed_in("boss").get("/api/dashboard").json()["figures"]
    assert (boss["rating"], boss["ratings"]) == ("2.50", "2 ratings")


def test_yesterday_is_not_today(office):
    office.deps.store.start_call(1, "in", started_at=T0 - 60)  # 07:59 local: today too
    office.deps.store.start_call(1, "in", started_at=T0 - 8 * 3600 - 60)  # 23:59 yesterday
    figures = office.signed_in("ana").get("/api/dashboard").json()["figures"]
    assert figures["calls_in"] == "4"


def test_leaders_and_admins_see_each_operator(office):
    assert operator_rows(office.signed_in("boss").get("/").text) == ["adm", "ana", "ben", "cai"]
    assert operator_rows(office.signed_in("lea").get("/").text) == ["ana", "ben"]  # her group
    assert operator_rows(office.signed_in("adm").get("/").text) == ["adm"]  # line 4 only
    for name in ("ana", "aud", "nol"):
        page = office.signed_in(name).get("/").text
        assert "Operators today" not in page and operator_rows(page) == [], name
    answer = office.signed_in("lea").get("/api/dashboard").json()
    assert operator_rows(answer["operators_html"]) == ["ana", "ben"]
    assert "operators_html" not in office.signed_in("ana").get("/api/dashboard").json()
    row = re.search(r'data-operator-lines="1">(.*?)</tr>', answer["operators_html"], re.S)
    cells = re.findall(r"</span>([^<]*)</td>", row.group(1))
    assert cells[:6] == ["3", "3", "1", "67%", "0:05", "0:04"]


def test_the_storage_outlook_is_for_those_who_see_the_whole_box(office):
    for name, shown in (("boss", True), ("aud", True), ("lea", False), ("ana", False)):
        figures = office.signed_in(name).get("/api/dashboard").json()["figures"]
        assert ("storage" in figures) is shown, name
    figures = office.signed_in("boss").get("/api/dashboard").json()["figures"]
    # The office's recordings are from 1 Jan, over a week before the box's clock says
    # nothing; retention is on by default.
    assert figures["storage_caption"] in (
        "No estimate: nothing was recorded in the last 7 days.",
        "days until retention deletes the oldest recordings",
    )


def test_lines_busy_now_come_from_the_engine(office):
    office.deps.engine.reset_lines([
        LineStatus(1, phase=Phase.IN_CALL, call_id=office.calls[1][0]),
        LineStatus(2, phase=Phase.IDLE),
        LineStatus(3, phase=Phase.RINGING, call_id=office.calls[3][0]),
        LineStatus(4, phase=Phase.IDLE),
    ])
    boss = office.signed_in("boss").get("/").text
    assert re.search(r"data-busy>2<", boss) and re.search(r"data-lines-count>4<", boss)
    assert 'data-line-state="3"' in boss and "state-ringing" in boss
    ana = office.signed_in("ana").get("/").text
    assert re.search(r"data-busy>1<", ana) and re.search(r"data-lines-count>1<", ana)
    assert 'data-line-state="3"' not in ana


def test_in_chinese(office):
    office.deps.accounts.update_user(office.ids["lea"], language="zh-CN")
    page = office.signed_in("lea").get("/").text
    assert "今天" in page and "2026年1月1日" in page and "今日话务员" in page
    assert "Incoming calls" not in page
