"""Memos and reminders, birthdays, presence, and the caller's card going to present operators
first: every page and endpoint by role, CSRF, audit, bad input, the once-only reminder,
presence over time (an injected clock), the pop ordering rule."""

from __future__ import annotations

import re
from datetime import date

import pytest

from firmware.link.contract import LineStatus
from firmware.store.crm import CustomerNumber
from firmware.store.memos import MemoError, Memos, Reader, next_birthday, parse_local_time
from firmware.store.presence import AWAY_AFTER_S, OFFLINE_AFTER_S, Seen, presence_of
from firmware.store.scopes import EVERYTHING
from tests.test_web_live import Stream, hang_up, incoming_call, ring
from tests.web_client import web_box
from webui.pages import live

# 2026-03-02 10:00 in Beijing (UTC+8), a Monday.
T0 = 1_772_416_800.0


class Clock:
    def __init__(self, now: float = T0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def box(tmp_path):
    clock = Clock()
    made = web_box(tmp_path, clock=clock)
    made.clock = clock
    made.deps.config()
    accounts = made.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    view = {"customers_view", "customers_add"}
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "adm": made.add_user("adm", permissions={"admin"}, language="en"),
        "lea": made.add_user("lea", "leader", permissions=view, group_id=sales, language="en"),
        "ana": made.add_user("ana", permissions=view, group_id=sales, lines=frozenset({1}),
                             language="en"),
        "ben": made.add_user("ben", group_id=sales, lines=frozenset({1}), language="en"),
        "cai": made.add_user("cai", permissions=view, group_id=support, lines=frozenset({2}),
                             language="en"),
    }
    made.customers = {
        name: made.deps.customers.create(
            {"name": f"Customer of {name}", "birthday": f"1980-03-0{day}"},
            [CustomerNumber(f"1380013800{day}", f"+861380013800{day}")],
            added_by=made.ids[name])
        for name, day in (("ana", 4), ("cai", 5))
    }
    yield made
    made.close()


def memo_form(**values) -> dict:
    form = {"subject": "Call back about the invoice", "at": "2026-03-02T14:30",
            "place": "Office", "importance": "high", "remind_before_min": "15",
            "customer": "", "shared": ""}
    form.update(values)
    return form


def audit_actions(box) -> list[tuple[str, str]]:
    return [(entry.action, entry.target) for entry in reversed(box.deps.audit.entries())]


def test_dates_and_times_are_refused_unless_real():
    assert parse_local_time("2026-03-02T14:30") == "2026-03-02 14:30"
    assert parse_local_time("2026-03-02 14:30") == "2026-03-02 14:30"
    for bad in ("1985.5.6", "1985.5.6 10:00", "2026-02-30 10:00", "2026-03-02 25:00", "",
                "tomorrow", "1850-01-01 10:00", "2026-3-2 10:00"):
        with pytest.raises(MemoError):
            parse_local_time(bad)
    assert next_birthday(date(1984, 2, 29), date(2026, 3, 1)) == date(2027, 2, 28)
    assert next_birthday(date(1984, 3, 1), date(2026, 3, 1)) == date(2026, 3, 1)


def test_presence_over_time():
    now = 10_000.0
    signed_in = Seen(last_seen=now, signed_in_at=now)
    assert presence_of(signed_in, now) == "online"
    assert presence_of(signed_in, now + OFFLINE_AFTER_S + 1) == "offline"
    assert presence_of(Seen(), now) == "offline"
    idle = Seen(last_seen=now + AWAY_AFTER_S + 1, signed_in_at=now)
    assert presence_of(idle, now + AWAY_AFTER_S + 1) == "away"
    busy = Seen(last_seen=now + AWAY_AFTER_S + 1, signed_in_at=now, active_at=now + 60)
    assert presence_of(busy, now + AWAY_AFTER_S + 1) == "online"
    assert presence_of(Seen("away", now, now, now), now) == "away"


def test_every_role_keeps_memos_and_only_sees_what_is_theirs(box):
    for name in box.ids:
        client = box.signed_in(name)
        page = client.get("/memos")
        assert page.status == 200, name
        assert 'href="/memos"' in page.text  # in the menu
        answer = client.post("/memos", memo_form(subject=f"memo of {name}"))
        assert answer.status == 303 and answer.location == "/memos?done=added", name
    assert box.client().get("/memos").location.startswith("/login")
    ana = box.signed_in("ana").get("/memos").text
    assert "memo of ana" in ana and "memo of ben" not in ana and "memo of boss" not in ana
    added = [target for action, target in audit_actions(box) if action == "memo_added"]
    assert len(added) == len(box.ids)


def test_a_memo_is_changed_done_and_deleted_by_its_author_alone(box):
    ana = box.signed_in("ana")
    ana.post("/memos", memo_form())
    memo = Memos(box.deps.store).upcoming(_reader(box, "ana"), T0)[0]
    assert memo.at == "2026-03-02 14:30" and memo.due_at == T0 + 4.5 * 3600
    edit = ana.get(f"/memos/{memo.id}")
    assert edit.status == 200 and "Call back about the invoice" in edit.text
    answer = ana.post(f"/memos/{memo.id}", memo_form(subject="Visit", importance="low"))
    assert answer.status == 303
    assert ana.post(f"/memos/{memo.id}/done", {"done": "yes"}).status == 303
    page = ana.get("/memos").text
    assert "Visit" in page and "memo-done" in page
    # Others: 404 whatever they try.
    for name in ("ben", "lea", "boss", "cai"):
        other = box.signed_in(name)
        assert other.get(f"/memos/{memo.id}").status == 404, name
        assert other.post(f"/memos/{memo.id}", memo_form()).status == 404, name
        assert other.post(f"/memos/{memo.id}/done", {"done": "no"}).status == 404, name
        assert other.post(f"/memos/{memo.id}/delete").status == 404, name
    assert ana.get("/memos/999999").status == 404
    assert ana.post(f"/memos/{memo.id}/delete").status == 303
    assert ana.get(f"/memos/{memo.id}").status == 404
    actions = [action for action, target in audit_actions(box) if target == f"memo {memo.id}"]
    assert actions == ["memo_added", "memo_changed", "memo_changed", "memo_deleted"]
    details = reversed(box.deps.audit.entries())
    changed = next(entry for entry in details if entry.action == "memo_changed")
    assert "Visit" in changed.detail and "low" in changed.detail


def _reader(box, name):
    user = box.deps.accounts.user(box.ids[name])
    return Reader(user.id, user.group_id, EVERYTHING)


def test_a_shared_memo_is_read_by_the_authors_group_only(box):
    ana = box.signed_in("ana")
    ana.post("/memos", memo_form(subject="Team lunch", shared="yes"))
    for name, sees in (("ben", True), ("lea", True), ("cai", False), ("boss", False)):
        page = box.signed_in(name).get("/memos").text
        assert ("Team lunch" in page) == sees, name
    ben = box.signed_in("ben").get("/memos").text
    assert "By ana" in ben and "/delete" not in ben.split("Team lunch")[1].split("</li>")[0]


def test_bad_input_gets_a_one_line_answer_naming_the_field(box):
    ana = box.signed_in("ana")
    cases = {
        "Time": memo_form(at="1985.5.6"),
        "not a real date": memo_form(at="2026-02-30T10:00"),
        "Topic": memo_form(subject=""),
        "at most 200": memo_form(subject="x" * 5000),
        "Place": memo_form(place="y" * 500),
        "Importance": memo_form(importance="urgent"),
        "Remind me": memo_form(remind_before_min="7"),
    }
    cases["Customer"] = memo_form(customer="999999")
    for expected, form in cases.items():
        answer = ana.post("/memos", form)
        assert answer.status == 400, expected
        assert expected in re.search(r'class="problem" role="alert">([^<]*)<',
                                     answer.text).group(1), expected
        assert "Traceback" not in answer.text
    # A customer ana may not see (cai's) is refused as unknown; her own is kept.
    refused = ana.post("/memos", memo_form(customer=str(box.customers["cai"])))
    assert refused.status == 400 and "Customer" in refused.text
    # ben has no customer list: no customer at all.
    assert box.signed_in("ben").post(
        "/memos", memo_form(customer=str(box.customers["ana"]))).status == 400
    assert ana.post("/memos/settings", {"days_ahead": "500"}).status == 400
    assert ana.post("/memos/settings", {"days_ahead": "abc"}).status == 400
    assert not [a for a, _ in audit_actions(box) if a.startswith("memo")]


def test_every_form_refuses_without_its_csrf_token(box):
    ana = box.signed_in("ana")
    ana.post("/memos", memo_form())
    memo_id = Memos(box.deps.store).upcoming(_reader(box, "ana"), T0)[0].id
    admin = box.signed_in("adm")
    before = len(box.deps.audit.entries())
    posts = [("/memos", memo_form()), (f"/memos/{memo_id}", memo_form()),
             (f"/memos/{memo_id}/done", {"done": "yes"}), (f"/memos/{memo_id}/delete", {}),
             ("/memos/settings", {"days_ahead": "3"}), ("/presence", {"presence": "away"}),
             ("/account/birthday", {"birthday": "1990-01-01"})]
    for path, form in posts:
        assert ana.post(path, form, csrf="wrong").status == 403, path
    answer = ana.request("POST", "/api/reminders", b"{}",
                         {"Content-Type": "application/json", "Accept": "application/json"})
    assert answer.status == 403
    assert admin.post(f"/admin/users/{box.ids['ana']}/birthday", {"birthday": "1990-01-01"},
                      csrf="wrong").status == 403
    assert len(box.deps.audit.entries()) == before
    assert Memos(box.deps.store).staff_birthday(box.ids["ana"]) is None


def test_the_customer_card_lists_the_readers_own_memos_of_the_customer(box):
    ana = box.signed_in("ana")
    customer = box.customers["ana"]
    ana.post("/memos", memo_form(subject="Bring the contract", customer=str(customer)))
    card = ana.get(f"/customers/{customer}").text
    assert "Bring the contract" in card and f'/memos?customer={customer}' in card
    page = ana.get("/memos").text
    assert f'href="/customers/{customer}">Customer of ana' in page
    prefilled = ana.get(f"/memos?customer={customer}").text
    assert f'<option value="{customer}" selected>' in prefilled
    lea = box.signed_in("lea").get(f"/customers/{customer}").text  # her group's customer
    assert "Bring the contract" not in lea  # ana's memo, not lea's


def test_birthdays_of_the_customers_and_colleagues_one_sees(box):
    admin = box.signed_in("adm")
    answer = admin.post(f"/admin/users/{box.ids['ben']}/birthday", {"birthday": "1990-03-06"})
    assert answer.status == 303
    assert admin.post(f"/admin/users/{box.ids['ben']}/birthday",
                      {"birthday": "1985.5.6"}).status == 400
    assert admin.post("/admin/users/99999/birthday", {"birthday": "1990-01-01"}).status == 404
    assert box.signed_in("lea").post(f"/admin/users/{box.ids['ben']}/birthday",
                                     {"birthday": "1990-01-01"}).status == 403
    assert admin.post(f"/admin/users/{box.ids['boss']}/birthday",
                      {"birthday": "1990-01-01"}).status == 403  # only a super changes a super
    cai = box.signed_in("cai")
    assert cai.post("/account/birthday", {"birthday": "1992-03-03"}).location == \
        "/account?saved=birthday"
    assert cai.post("/account/birthday", {"birthday": "2099-01-01"}).status == 400
    assert 'value="1992-03-03"' in cai.get("/account").text
    assert ("user_changed", "ben") in audit_actions(box)
    assert ("user_changed", "cai") in audit_actions(box)

    def shown(name: str) -> str:
        return box.signed_in(name).get("/memos").text.split("Birthdays")[1]

    ana = shown("ana")  # her customer (4 March), her colleague ben (6 March); not cai's
    assert "Customer of ana" in ana and ">ben" not in ana and "ben " in ana
    assert "Customer of cai" not in ana and "cai" not in ana
    cai_sees = shown("cai")
    assert "Customer of cai" in cai_sees and "ben" not in cai_sees and "cai" in cai_sees
    boss = shown("boss")
    assert all(name in boss for name in ("Customer of ana", "Customer of cai", "ben", "cai"))
    # Two days ahead: only ana's customer (in 2 days), not ben (in 4).
    ana_client = box.signed_in("ana")
    assert ana_client.post("/memos/settings", {"days_ahead": "2"}).status == 303
    near = ana_client.get("/memos").text.split("Birthdays")[1]
    assert "Customer of ana" in near and "in 2 days" in near and "ben" not in near
    assert ("memo_settings_changed", "ana") in audit_actions(box)


def test_the_dashboard_shows_reminders_and_birthdays(box):
    ana = box.signed_in("ana")
    ana.post("/memos", memo_form(subject="Quarterly review", at="2026-03-05T09:00"))
    ana.post("/memos", memo_form(subject="Far away", at="2026-04-30T09:00"))
    home = ana.get("/").text
    assert "Reminders" in home and "Quarterly review" in home and "Far away" not in home
    assert "Customer of ana" in home and "Customer of cai" not in home
    assert "Quarterly review" not in box.signed_in("ben").get("/").text


def test_a_reminder_fires_once_across_tabs(box):
    first, second = box.signed_in("ana"), box.signed_in("ana")
    first.post("/memos", memo_form(subject="Ring Mr Li", at="2026-03-02T11:00",
                                   remind_before_min="30"))
    assert first.post_json("/api/reminders", {"active": True}).json()["due"] == []
    box.clock.now = T0 + 29 * 60  # 10:29: not yet
    assert first.post_json("/api/reminders", {}).json()["due"] == []
    box.clock.now = T0 + 30 * 60  # 10:30: due
    due = second.post_json("/api/reminders", {}).json()
    assert [memo["subject"] for memo in due["due"]] == ["Ring Mr Li"]
    assert due["due"][0]["importance"] == "high" and due["title"] == "Reminder"
    assert first.post_json("/api/reminders", {}).json()["due"] == []  # the other tab: no
    assert second.post_json("/api/reminders", {}).json()["due"] == []
    assert box.signed_in("ben").post_json("/api/reminders", {}).json()["due"] == []
    # After a restart of the web (a new store on the same file) it stays shown.
    restarted = web_box(box.data_dir, clock=box.clock)
    client = restarted.signed_in("ana")
    assert client.post_json("/api/reminders", {}).json()["due"] == []
    restarted.close()
    # A memo moved to a later time reminds again; one written after its time does not.
    memo = Memos(box.deps.store).upcoming(_reader(box, "ana"), T0)[0]
    first.post(f"/memos/{memo.id}", memo_form(subject="Ring Mr Li", at="2026-03-02T12:00",
                                              remind_before_min="0"))
    first.post("/memos", memo_form(subject="Already happened", at="2026-03-02T08:00"))
    box.clock.now = T0 + 2 * 3600
    assert [m["subject"] for m in first.post_json("/api/reminders", {}).json()["due"]] == \
        ["Ring Mr Li"]
    # A memo done is not reminded of.
    first.post("/memos", memo_form(subject="Done early", at="2026-03-02T13:00",
                                   remind_before_min="0", done="yes"))
    box.clock.now = T0 + 4 * 3600
    assert first.post_json("/api/reminders", {}).json()["due"] == []
    assert box.client().post_json("/api/reminders", {}).status == 401


def test_presence_is_chosen_and_derived_and_shown_to_leaders(box):
    ana = box.signed_in("ana")
    ben = box.signed_in("ben")

    def states(name: str) -> dict[str, str]:
        text = box.signed_in(name).get("/api/dashboard").json().get("operators_html", "")
        rows = re.findall(
            r'<td class="o-name">([^<]*)</td>\s*<td class="o-presence" data-presence="(\w+)"',
            text)
        return dict(rows)

    assert 'name="presence"' in ana.get("/").text  # the top bar's selector
    lea = states("lea")
    assert lea["ana"] == "online" and lea["ben"] == "online"
    assert "cai" not in lea  # another group's operator
    assert box.signed_in("ana").get("/api/dashboard").json().get("operators_html") is None
    # ana chooses away; JSON answer for the script, a redirect for the form.
    answer = ana.post("/presence", {"presence": "away"}, headers={"Accept": "application/json"})
    assert answer.json() == {"presence": "away", "chosen": "away"}
    assert ana.post("/presence", {"presence": "busy"}).status == 400
    assert ("presence_changed", "ana") in audit_actions(box)
    assert states("lea")["ana"] == "away"
    assert 'value="away" selected' in ana.get("/memos").text
    assert ana.post("/presence", {"presence": "online", "back": "/memos"}).location == "/memos"
    assert ana.post("/presence", {"presence": "online", "back": "//evil.test/"}).location == "/"
    # Twenty minutes without doing anything in a page: away; a key pressed: online again.
    box.clock.now = T0 + 20 * 60
    ana.post_json("/api/reminders", {"active": False})
    ben.post_json("/api/reminders", {"active": True})
    wall = states("boss")
    assert wall["ana"] == "away" and wall["ben"] == "online"
    assert ana.post_json("/api/reminders", {"active": True}).json()["presence"] == "online"
    # No request for more than three minutes: offline.
    box.clock.now = T0 + 25 * 60
    ben.post_json("/api/reminders", {"active": True})
    assert states("boss")["ana"] == "offline" and states("boss")["ben"] == "online"
    wallboard = box.signed_in("lea").get("/wallboard").text
    assert "presence-dot" in wallboard and "memos.css" in wallboard
    # Signing out ends it at once.
    ben.post("/logout")
    assert states("boss")["ben"] == "offline"


# ---- the caller's card goes to present operators first -------------------------------


@pytest.fixture
def office(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_S", 0.1)
    made = web_box(tmp_path)
    made.deps.config()
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    sales = made.deps.accounts.create_group("Sales").id
    pop = {"pop", "customers_view"}
    made.ids = {
        name: made.add_user(name, permissions=pop, group_id=sales, lines=frozenset({line}))
        for name, line in (("ana", 1), ("ben", 1), ("cai", 2))
    }
    yield made
    made.close()


def events_until_line_ends(stream: Stream) -> list[str]:
    """The events a stream got for one call, until the line's news of its end."""
    names = []
    while True:
        name, data = stream.next()
        names.append(name)
        if name == "line" and data["state"] == "idle":
            return names


def test_away_operators_get_a_card_only_when_no_one_who_may_take_the_call_is_online(office):
    clients = {name: office.signed_in(name) for name in ("ana", "ben", "cai")}
    streams = {name: Stream(client) for name, client in clients.items()}
    for stream in streams.values():
        stream.next()
    clients["ana"].post("/presence", {"presence": "away"})
    call = incoming_call(office, line=1)
    ring(office, 1, call)
    hang_up(office, 1, call)
    assert "pop" in events_until_line_ends(streams["ben"])  # ben (online) gets the card
    assert "pop" not in events_until_line_ends(streams["ana"])  # ana (away) does not
    # ben goes away too: nobody who may take line 1 is online, so both get the card
    # (cai is online, but line 1 is not his).
    clients["ben"].post("/presence", {"presence": "away"})
    second = incoming_call(office, line=1)
    ring(office, 1, second)
    hang_up(office, 1, second)
    for name in ("ana", "ben"):
        assert "pop" in events_until_line_ends(streams[name]), name
    # ana is back: she alone gets the next card.
    clients["ana"].post("/presence", {"presence": "online"})
    third = incoming_call(office, line=1)
    ring(office, 1, third)
    hang_up(office, 1, third)
    assert "pop" in events_until_line_ends(streams["ana"])
    assert "pop" not in events_until_line_ends(streams["ben"])
    for stream in streams.values():
        stream.close()
