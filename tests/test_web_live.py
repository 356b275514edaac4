"""The live lines page, the event stream and the screen pop, with their visibility rules."""

from __future__ import annotations

import json
import threading
import time

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.scopes import EVERYTHING
from tests.support.storage import fails_on_a_full_disk
from tests.web_client import web_box
from webui.pages import live
from webui.streams import EVENT_STREAMS_PER_USER

CALLER = "13800138000"
CALLER_E164 = "+8613800138000"


HEARTBEAT_S = 0.1


@pytest.fixture
def box(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_S", HEARTBEAT_S)
    made = web_box(tmp_path)
    made.deps.config()  # a new box: four lines
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    accounts = made.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    pop = {"pop", "customers_view", "customers_add", "contacts"}
    made.ids = {
        "boss": made.add_user("boss", "super"),
        "ana": made.add_user("ana", permissions=pop, group_id=sales, lines=frozenset({1})),
        "ben": made.add_user("ben", permissions=pop, group_id=sales, lines=frozenset({1})),
        "lea": made.add_user("lea", "leader", permissions=pop, group_id=sales),
        "cai": made.add_user("cai", permissions=pop, group_id=support, lines=frozenset({2})),
        "dan": made.add_user("dan", permissions={"customers_view"}, lines=frozenset({1})),
    }
    yield made
    made.close()


def incoming_call(box, line=1, number=CALLER, e164=CALLER_E164) -> int:
    return box.deps.store.start_call(
        line, "in", started_at=time.time(), number=number, number_e164=e164,
        location_zh="北京市", location_en="Beijing",
    )


def add_customer(box, adder: str, name="Zhang San", number=CALLER, e164=CALLER_E164) -> int:
    return box.deps.customers.create(
        {"name": name, "company": "Acme", "category": "VIP", "grade": "A"},
        [CustomerNumber(number, e164, "mobile")],
        added_by=box.ids[adder],
    )


def ringing(line: int, call_id: int, **facts) -> LineStatus:
    """A line's status while a call rings in, as the engine tells it."""
    return LineStatus(line, phase=Phase.RINGING, call_id=call_id, direction="in", **facts)


def ring(box, line: int, call_id: int) -> None:
    box.deps.engine.dispatch(
        contract.CallStarted(line, call_id, ringing(line, call_id), direction="in")
    )


def hang_up(box, line: int, call_id: int, outcome="missed") -> None:
    box.deps.engine.dispatch(contract.CallEnded(line, call_id, LineStatus(line), outcome=outcome))


class Stream:
    """A browser's event stream, read message by message."""

    def __init__(self, client) -> None:
        status, headers, self.body = client.stream("/events")
        assert status == 200 and headers["Content-Type"].startswith("text/event-stream")
        self.messages = iter(self.body)

    def next(self) -> tuple[str, dict]:
        """The next event; fails after some seconds of nothing but keep-alives."""
        for _ in range(int(5 / HEARTBEAT_S)):
            chunk = next(self.messages)
            chunk = chunk.decode() if isinstance(chunk, bytes) else chunk
            if chunk.startswith("event: "):
                name, data = chunk.split("\n")[:2]
                return name.removeprefix("event: "), json.loads(data.removeprefix("data: "))
        raise AssertionError("no event came")

    def close(self) -> None:
        self.body.close()


def test_the_live_page_shows_only_ones_own_lines(box):
    ana = box.signed_in("ana").get("/live").text
    assert 'data-line="1"' in ana and 'data-line="2"' not in ana
    boss = box.signed_in("boss").get("/live").text
    assert all(f'data-line="{n}"' in boss for n in range(1, 5))
    leader = box.signed_in("lea").get("/live").text  # her group's lines: ana's and ben's
    assert 'data-line="1"' in leader and 'data-line="2"' not in leader
    assert box.signed_in("ana").get("/api/lines").json()["lines"][0]["line"] == 1


def test_a_known_caller_pops_with_their_card(box):
    customer = add_customer(box, "ana")
    box.deps.customers.add_contact(
        customer, "note", "Asked about invoices", added_by=box.ids["ana"]
    )
    earlier = incoming_call(box)
    box.deps.store.update_call(earlier, answered_at=time.time())
    box.deps.store.end_call(earlier, "answered")
    stream = Stream(box.signed_in("ana"))
    assert stream.next()[0] == "lines"
    call_id = incoming_call(box)
    ring(box, 1, call_id)
    name, line = stream.next()
    assert name == "line" and line["state"] == "ringing" and line["call_id"] == call_id
    name, pop = stream.next()
    assert name == "pop" and pop["call_id"] == call_id
    card = pop["html"]
    for shown in ("Zhang San", "Acme", "VIP", CALLER, "北京市", "Asked about invoices",
                  "/customers/"):
        assert shown in card, shown
    assert 'action="/pop/' in card and "/note" in card  # the notes box
    hang_up(box, 1, call_id)
    assert stream.next()[0] == "line"
    name, ended = stream.next()
    assert name == "pop_end" and (ended["call_id"], ended["line"]) == (call_id, 1)
    assert "通话已结束" in ended["html"]  # the card says the call ended (ana reads Chinese)
    assert ended["close_after_s"] == 30  # and closes by itself, by default after 30 s
    stream.close()
    assert box.deps.engine.subscriber_count == 0


def test_a_shared_number_pops_every_customer_the_user_may_see(box):
    zhang = add_customer(box, "ana", name="Zhang San")
    li = add_customer(box, "ana", name="Li Si")
    add_customer(box, "cai", name="Hidden Wang")  # another group's: never shown to ana
    ana = box.signed_in("ana")
    call_id = incoming_call(box)
    card = ana.get(f"/pop/{call_id}").text
    assert "Zhang San" in card and "Li Si" in card and "Hidden Wang" not in card
    assert f'<option value="{zhang}">' in card and f'<option value="{li}">' in card
    saved = ana.post(f"/pop/{call_id}/note", {"customer_id": str(li), "text": "For Li"})
    assert saved.status == 201
    assert [c.text for c in box.deps.customers.contacts(EVERYTHING, customer_id=li)] == ["For Li"]
    page = ana.get(f"/customers/{zhang}").text  # the customer's page says who shares it
    assert "也是以下客户的号码" in page and f'href="/customers/{li}"' in page
    assert "Hidden Wang" not in page


def answered(line: int, call_id: int, direction="in", **facts) -> LineStatus:
    return LineStatus(line, phase=Phase.IN_CALL, call_id=call_id, direction=direction, **facts)


def test_the_card_follows_the_call_from_the_engines_word(box):
    """The call log is written a moment after the engine tells: the card follows the
    engine (answered is not "Ringing"), and an outgoing call shows the number dialled."""
    stream = Stream(box.signed_in("ana"))
    stream.next()
    call_id = incoming_call(box)
    ring(box, 1, call_id)
    stream.next()
    assert "振铃" in stream.next()[1]["html"]
    box.deps.engine.dispatch(contract.CallAnswered(1, call_id, answered(1, call_id)))
    stream.next()
    assert "通话中" in stream.next()[1]["html"]  # while the log still says not answered
    hang_up(box, 1, call_id, "answered")
    stream.next()
    assert stream.next()[0] == "pop_end"
    out = box.deps.store.start_call(1, "out", started_at=time.time())  # digits not logged yet
    dialling = LineStatus(1, phase=Phase.DIALLING, call_id=out, direction="out")
    box.deps.engine.dispatch(contract.CallStarted(1, out, dialling, direction="out"))
    assert stream.next()[0] == "line"  # no card while dialling: no number yet
    status = answered(1, out, direction="out", number="13800138000")
    box.deps.engine.dispatch(contract.CallAnswered(1, out, status))
    stream.next()
    name, pop = stream.next()
    assert name == "pop" and "13800138000" in pop["html"] and "号码未知" not in pop["html"]
    stream.close()


def test_each_user_chooses_which_calls_pop_and_when_cards_close(box):
    from firmware.store.pop_rules import PopRules  # noqa: PLC0415

    add_customer(box, "ana", name="Big Client")  # level A
    ana = box.signed_in("ana")
    page = ana.get("/account").text
    assert 'action="/account/pop"' in page
    saved = ana.post("/account/pop", [("lines", "all"), ("grade", "B"), ("close_after_s", "0")])
    assert saved.status == 303
    assert box.deps.pop_rules.of(box.ids["ana"], "operator") == PopRules(
        grades=frozenset({"B"}), unknown=False, close_after_s=0)
    assert box.deps.audit.entries(action="pop_rules_changed")
    stream = Stream(ana)
    stream.next()
    call_id = incoming_call(box)  # Big Client is level A: no card for ana now
    ring(box, 1, call_id)
    assert stream.next()[0] == "line"
    hang_up(box, 1, call_id)
    assert stream.next()[0] == "line"
    unknown = incoming_call(box, number="13912345678", e164="+8613912345678")
    ring(box, 1, unknown)  # nor for a caller who is no customer
    assert stream.next()[0] == "line"
    hang_up(box, 1, unknown)
    assert stream.next()[0] == "line"  # the ring's card would have come before this
    ana.post("/account/pop", [("lines", "all"), ("grade", "A"), ("unknown", "yes"),
                              ("close_after_s", "0")])
    again = incoming_call(box)
    ring(box, 1, again)
    stream.next()
    assert stream.next()[0] == "pop"
    hang_up(box, 1, again)
    stream.next()
    name, ended = stream.next()
    assert name == "pop_end" and ended["close_after_s"] == 0  # stays until closed
    stream.close()
    assert ana.post("/account/pop", [("lines", "all"), ("close_after_s", "-5")]).status == 400
    dan = box.signed_in("dan")  # no pop flag: no rules to set
    assert 'action="/account/pop"' not in dan.get("/account").text
    assert dan.post("/account/pop", [("lines", "all"), ("close_after_s", "5")]).status == 403


def test_a_super_user_gets_cards_only_for_their_own_lines_unless_they_choose_all(box):
    box.add_user("sue", "super", lines=frozenset({1}))
    sue = box.signed_in("sue")
    stream = Stream(sue)
    stream.next()
    call_id = incoming_call(box, line=2)
    ring(box, 2, call_id)
    assert stream.next()[0] == "line"
    hang_up(box, 2, call_id)
    assert stream.next()[0] == "line"  # line 2 is not hers: no card by default
    sue.post("/account/pop", [("lines", "all"), ("unknown", "yes"), ("close_after_s", "30")])
    second = incoming_call(box, line=2)
    ring(box, 2, second)
    stream.next()
    assert stream.next()[0] == "pop"
    stream.close()
    hang_up(box, 2, second)
    boss = box.signed_in("boss")  # a super user with no line of their own: every line
    stream = Stream(boss)
    stream.next()
    third = incoming_call(box, line=3)
    ring(box, 3, third)
    stream.next()
    assert stream.next()[0] == "pop"
    stream.close()


def test_a_page_opened_during_a_call_gets_its_card_again(box):
    add_customer(box, "ana")
    call_id = incoming_call(box)
    ring(box, 1, call_id)  # before the page opens: a page change while it rings
    stream = Stream(box.signed_in("ana"))
    name, lines = stream.next()
    assert name == "lines" and lines["lines"][0]["state"] == "ringing"
    name, pop = stream.next()
    assert name == "pop" and pop["call_id"] == call_id and "Zhang San" in pop["html"]
    stream.close()


def test_an_unknown_caller_pops_a_quick_add_form(box):
    stream = Stream(box.signed_in("ana"))
    stream.next()
    call_id = incoming_call(box, number="02088886666", e164="+862088886666")
    ring(box, 1, call_id)
    status = ringing(1, call_id, number="02088886666")
    box.deps.engine.dispatch(contract.CallerIdKnown(1, call_id, status, number="02088886666"))
    for _ in range(3):  # line, pop on ringing, line
        stream.next()
    name, pop = stream.next()
    assert name == "pop"
    assert f'action="/pop/{call_id}/customer"' in pop["html"]
    assert 'value="02088886666"' in pop["html"]
    stream.close()


def test_the_quick_add_asks_the_customer_fields_the_admin_made_required(box):
    from firmware.store.custom_fields import CustomFields  # noqa: PLC0415

    fields = CustomFields(box.deps.store)
    source = fields.add("customer", "Lead source", "text", required=True)
    fields.add("customer", "Budget", "money")  # not required: filled in later
    call_id = incoming_call(box, number="02088886666", e164="+862088886666")
    ana = box.signed_in("ana")
    card = ana.get(f"/pop/{call_id}").text
    assert f'name="cf{source}"' in card and "Lead source" in card and "Budget" not in card
    refused = ana.post(f"/pop/{call_id}/customer", {"name": "Li Si"},
                       headers={"Accept": "application/json"})
    assert refused.status == 400 and "Lead source" in refused.text
    assert not box.deps.customers.number_is_known("+862088886666", "02088886666")
    added = ana.post(f"/pop/{call_id}/customer", {"name": "Li Si", f"cf{source}": "Fair"},
                     headers={"Accept": "application/json"})
    assert added.status == 201
    customer_id = added.json()["customer_id"]
    assert fields.values_of("customer", customer_id) == {source: "Fair"}
    (entry,) = box.deps.audit.entries(action="customer_added")
    assert "Fair" in entry.detail


def test_a_quick_add_whose_note_cannot_be_written_keeps_nothing(box, monkeypatch):
    call_id = incoming_call(box, number="02088886666", e164="+862088886666")
    ana = box.signed_in("ana")
    ana.get(f"/pop/{call_id}")
    # The disk fills up as the note is written, after the customer itself.
    monkeypatch.setattr(Customers, "add_contact", fails_on_a_full_disk)
    answer = ana.post(f"/pop/{call_id}/customer", {"name": "Li Si", "text": "first call"},
                      headers={"Accept": "application/json"})
    assert answer.status == 503 and "存储空间已满" in answer.json()["error"]  # on the card
    assert not box.deps.customers.number_is_known("+862088886666", "02088886666")
    assert not box.deps.audit.entries(action="customer_added")
    monkeypatch.undo()
    again = ana.post(f"/pop/{call_id}/customer", {"name": "Li Si", "text": "first call"},
                     headers={"Accept": "application/json"})
    assert again.status == 201  # once there is room: one customer, with its note
    assert [c.text for c in box.deps.customers.contacts(EVERYTHING, call_id=call_id)] == [
        "first call"]


def test_pops_go_only_to_those_who_may_see_the_line_and_have_the_flag(box):
    streams = {name: Stream(box.signed_in(name)) for name in ("ana", "cai", "dan", "lea")}
    for stream in streams.values():
        stream.next()
    other_line = incoming_call(box, line=2)
    ring(box, 2, other_line)
    mine = incoming_call(box, line=1)
    ring(box, 1, mine)
    # ana (line 1, pop): line 1 only; cai (line 2): line 2 only; dan: line changes, no pop.
    assert [streams["ana"].next()[0], streams["ana"].next()[1]["call_id"]] == ["line", mine]
    assert streams["cai"].next()[1]["line"] == 2
    assert streams["cai"].next()[1]["call_id"] == other_line
    assert streams["dan"].next()[1]["line"] == 1
    assert streams["lea"].next()[1]["line"] == 1  # her group's line
    hang_up(box, 1, mine, "answered")
    assert streams["dan"].next()[0] == "line"  # never a pop for dan
    for stream in streams.values():
        stream.close()


def test_the_card_follows_the_customer_visibility_rules(box):
    add_customer(box, "ana")
    call_id = incoming_call(box)
    shown = {}
    for name in ("ana", "ben", "lea", "boss", "cai"):
        answer = box.signed_in(name).get(f"/pop/{call_id}")
        shown[name] = answer
    assert "Zhang San" in shown["ana"].text  # she added it
    assert "Zhang San" not in shown["ben"].text  # another operator, no share flag
    assert "您无权查看的客户" in shown["ben"].text
    assert "quick-add" not in shown["ben"].text  # no second copy of the customer
    assert "Zhang San" in shown["lea"].text  # the leader of ana's group
    assert "Zhang San" in shown["boss"].text
    assert shown["cai"].status == 404  # not his line at all
    box.deps.accounts.update_user(box.ids["ben"], permissions={"pop", "customers_view", "share"})
    assert "Zhang San" in box.signed_in("ben").get(f"/pop/{call_id}").text


def test_a_note_in_the_pop_becomes_a_contact_record_of_the_call(box):
    customer = add_customer(box, "ana")
    call_id = incoming_call(box)
    ana = box.signed_in("ana")
    ana.get(f"/pop/{call_id}")
    saved = ana.post(f"/pop/{call_id}/note", {"customer_id": customer, "text": "Wants a quote"},
                     headers={"Accept": "application/json"})
    assert saved.status == 201
    (contact,) = box.deps.customers.contacts(EVERYTHING, call_id=call_id)
    assert (contact.text, contact.kind, contact.customer_id, contact.added_by) == (
        "Wants a quote", "call", customer, box.ids["ana"]
    )
    assert "Wants a quote" in ana.get(f"/pop/{call_id}").text
    # Not on someone else's line, not for a customer one cannot see, not without the flag.
    other = incoming_call(box, line=2)
    assert ana.post(f"/pop/{other}/note", {"customer_id": customer, "text": "x"}).status == 404
    for no_row in ("99999999999999999999999", "²"):
        assert ana.post(f"/pop/{call_id}/note", {"customer_id": no_row, "text": "x"}).status == 404
    ben = box.signed_in("ben")
    assert ben.post(f"/pop/{call_id}/note", {"customer_id": customer, "text": "x"}).status == 404
    dan = box.signed_in("dan")
    assert dan.post(f"/pop/{call_id}/note", {"customer_id": customer, "text": "x"}).status == 403


def test_quick_add_makes_the_customer_with_the_callers_number(box):
    call_id = incoming_call(box)
    ana = box.signed_in("ana")
    answer = ana.post(f"/pop/{call_id}/customer",
                      {"name": "Li Si", "company": "Beta", "text": "first call"},
                      headers={"Accept": "application/json"})
    assert answer.status == 201
    created = answer.json()
    assert "Li Si" in created["html"]
    customer = box.deps.customers.get(created["customer_id"], EVERYTHING)
    assert customer.added_by == box.ids["ana"]
    assert customer.numbers[0].number_e164 == CALLER_E164
    contacts = box.deps.customers.contacts(EVERYTHING, call_id=call_id)
    assert [c.text for c in contacts] == ["first call"]
    nameless = ana.post(f"/pop/{call_id}/customer", {"name": ""},
                        headers={"Accept": "application/json"})
    assert nameless.status == 400


def test_the_engine_going_away_is_shown(box):
    stream = Stream(box.signed_in("boss"))
    stream.next()
    box.deps.engine.connected = False
    box.deps.engine.reset_lines([LineStatus(1, online=False)])
    name, data = stream.next()
    assert name == "lines" and data["connected"] is False
    assert data["lines"][0]["state"] == "offline"
    stream.close()


# ---- streams follow their user's rights; no user takes every slot -------------------------


def test_a_revoked_line_is_not_told_after_the_revocation(box):
    ana = box.signed_in("ana")
    stream = Stream(ana)
    assert stream.next()[0] == "lines"
    first = incoming_call(box, line=1)
    ring(box, 1, first)
    assert stream.next()[1]["call_id"] == first  # her line: told
    stream.next()  # its pop
    box.deps.accounts.update_user(box.ids["ana"], lines=frozenset({2}))  # an admin moves her
    second = incoming_call(box, line=1)
    ring(box, 1, second)  # not hers any more
    on_two = incoming_call(box, line=2)
    ring(box, 2, on_two)
    name, told = stream.next()
    assert (name, told["line"], told["call_id"]) == ("line", 2, on_two)  # line 1 was skipped
    stream.close()


def test_a_revoked_pop_flag_stops_the_cards_at_once(box):
    ana = box.signed_in("ana")
    stream = Stream(ana)
    stream.next()
    box.deps.accounts.update_user(box.ids["ana"], permissions={"customers_view"})
    call = incoming_call(box, line=1)
    ring(box, 1, call)
    assert stream.next()[0] == "line"
    hang = contract.CallEnded(1, call, LineStatus(1), outcome="missed")
    box.deps.engine.dispatch(hang)
    assert stream.next()[0] == "line"  # a line change, and never a pop in between
    stream.close()


def test_signing_out_ends_the_users_open_streams_at_once(box):
    ana = box.signed_in("ana")
    stream = Stream(ana)
    stream.next()
    ended = threading.Event()

    def read_to_the_end() -> None:
        for _ in stream.messages:
            pass
        ended.set()

    reader = threading.Thread(target=read_to_the_end, daemon=True)
    reader.start()
    started = time.monotonic()
    box.deps.accounts.delete_sessions_of(box.ids["ana"])  # signed out everywhere
    assert ended.wait(3), "the stream went on after the sign-out"
    assert time.monotonic() - started < 1.0  # not at the next heartbeat: at once
    stream.close()
    assert box.deps.event_slots.held(box.ids["ana"]) == 0


def test_one_user_never_holds_more_than_their_streams_even_racing(box):
    ana = box.signed_in("ana")
    results = []
    opened = []
    lock = threading.Lock()
    go = threading.Barrier(20)

    def open_one() -> None:
        go.wait()
        status, _, body = ana.stream("/events")
        with lock:
            results.append(status)
            if status == 200:
                opened.append(body)

    threads = [threading.Thread(target=open_one) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Each newer page wins (an older one is most likely closed already), but the
    # user never holds more than their share, and the ones they lost end at once.
    assert results == [200] * 20
    assert box.deps.event_slots.held(box.ids["ana"]) == EVENT_STREAMS_PER_USER
    still_open = []
    for body in opened:  # a stream still open says it is still there; a lost one ends
        for chunk in body:
            if (chunk.decode() if isinstance(chunk, bytes) else chunk).startswith(": still"):
                still_open.append(body)
                break
    assert len(still_open) == EVENT_STREAMS_PER_USER
    boss = box.signed_in("boss")
    status, _, theirs = boss.stream("/events")  # someone else still gets one
    assert status == 200
    theirs.close()
    for body in still_open:
        body.close()
    assert box.deps.event_slots.held() == 0


def test_a_live_listen_ends_when_its_right_is_revoked(box, monkeypatch):
    from webui.pages import listen  # noqa: PLC0415

    class Engine:
        """Audio as a socket would give it: a frame at a time, for ever."""

        def __init__(self) -> None:
            self.closed = False

        def recv(self, size):
            time.sleep(0.005)
            return b"\0" * 320

        def settimeout(self, seconds):
            pass

        def close(self):
            self.closed = True

    engine = Engine()
    monkeypatch.setattr(listen, "listen", lambda *args, **kwargs: engine)
    box.deps.accounts.update_user(box.ids["ana"], permissions={"live_listen"})
    ana = box.signed_in("ana")
    status, _, body = ana.stream("/lines/1/listen")
    assert status == 200
    chunks = iter(body)
    for _ in range(5):
        next(chunks)
    box.deps.accounts.update_user(box.ids["ana"], permissions=set())
    left = sum(1 for _ in chunks)  # the relay ends by itself
    assert left <= 1  # at most the chunk already on its way
    body.close()
    assert engine.closed and box.deps.listen_slots.held() == 0
