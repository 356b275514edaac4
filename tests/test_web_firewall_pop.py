"""The caller's card and the call firewall: a blocked call never pops a card; an allowed one
pops as soon as the firewall has decided; "block this caller" on the card."""

from __future__ import annotations

import dataclasses

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.firewall import Firewall
from tests.test_web_live import HEARTBEAT_S, Stream, add_customer, incoming_call, ringing
from tests.web_client import web_box
from webui.pages import live


@pytest.fixture
def box(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_S", HEARTBEAT_S)
    made = web_box(tmp_path)
    made.deps.config()
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    pop = {"pop", "customers_view", "customers_add", "contacts"}
    made.ids = {
        "ana": made.add_user("ana", permissions=pop | {"firewall"}, lines=frozenset({1}),
                             language="en"),
        "ben": made.add_user("ben", permissions=pop, lines=frozenset({1}), language="en"),
    }
    monkeypatch.setattr(made.deps.engine, "command",
                        lambda command, timeout=5.0: contract.FirewallReply())
    yield made
    made.close()


def screening(line: int, call_id: int) -> LineStatus:
    return dataclasses.replace(ringing(line, call_id), screening=True)


def send(box, event) -> None:
    box.deps.engine.dispatch(event)


def test_a_blocked_call_never_pops_a_card(box):
    add_customer(box, "ana")
    stream = Stream(box.signed_in("ana"))
    assert stream.next()[0] == "lines"
    call_id = incoming_call(box)
    send(box, contract.CallStarted(1, call_id, screening(1, call_id), direction="in"))
    name, line = stream.next()
    assert name == "line" and line["screening"] and line["state"] == "ringing"
    status = dataclasses.replace(screening(1, call_id), number="13800138000")
    send(box, contract.CallerIdKnown(1, call_id, status, number="13800138000"))
    assert stream.next()[0] == "line"
    held = dataclasses.replace(status, screening=False, blocked=True, phase=Phase.SEIZED)
    send(box, contract.CallBlocked(1, call_id, held, number="13800138000", rule="black_list"))
    name, line = stream.next()
    assert name == "line" and line["blocked"] and line["event"] == "call_blocked"
    send(box, contract.LineSeized(1, call_id, held))
    assert stream.next()[0] == "line"
    send(box, contract.CallEnded(1, call_id, LineStatus(1), outcome="blocked"))
    assert stream.next()[0] == "line"
    send(box, contract.LineStateChanged(1, call_id, LineStatus(1)))
    assert stream.next()[0] == "line"
    # The next call, not screened by anything, pops: nothing came for the blocked one.
    other = incoming_call(box)
    send(box, contract.CallStarted(1, other, ringing(1, other), direction="in"))
    assert stream.next()[0] == "line"
    name, pop = stream.next()
    assert name == "pop" and pop["call_id"] == other
    stream.close()


def test_an_allowed_call_pops_once_the_firewall_has_decided(box):
    add_customer(box, "ana")
    stream = Stream(box.signed_in("ana"))
    stream.next()
    call_id = incoming_call(box)
    send(box, contract.CallStarted(1, call_id, screening(1, call_id), direction="in"))
    assert stream.next()[0] == "line"
    status = dataclasses.replace(screening(1, call_id), number="13800138000")
    send(box, contract.CallerIdKnown(1, call_id, status, number="13800138000"))
    assert stream.next()[0] == "line"
    allowed = dataclasses.replace(status, screening=False)
    send(box, contract.LineStateChanged(1, call_id, allowed))
    name, line = stream.next()
    assert name == "line" and not line["screening"]
    name, pop = stream.next()
    assert name == "pop" and pop["call_id"] == call_id and pop["event"] == "line_state"
    assert "Zhang San" in pop["html"]
    stream.close()


def test_a_page_opened_while_a_call_is_screened_gets_its_card_when_it_is_allowed(box):
    add_customer(box, "ana")
    call_id = incoming_call(box)
    send(box, contract.CallStarted(1, call_id, screening(1, call_id), direction="in"))
    stream = Stream(box.signed_in("ana"))
    name, lines = stream.next()
    assert name == "lines" and lines["lines"][0]["screening"]
    send(box, contract.LineStateChanged(1, call_id, ringing(1, call_id)))
    assert stream.next()[0] == "line"
    # The page was told of the call while it was screened: its card comes with the
    # first news that says it rings, as it does for a call that rang before the page.
    name, pop = stream.next()
    assert name == "pop" and pop["call_id"] == call_id
    stream.close()


def test_block_this_caller_on_the_card(box):
    call_id = incoming_call(box)
    send(box, contract.CallStarted(1, call_id, ringing(1, call_id), direction="in"))
    ana = box.signed_in("ana")
    card = ana.get(f"/pop/{call_id}").text
    assert f'action="/pop/{call_id}/block"' in card
    assert f'action="/pop/{call_id}/block"' not in box.signed_in("ben").get(
        f"/pop/{call_id}").text
    answer = ana.post(f"/pop/{call_id}/block", {}, headers={"Accept": "application/json"})
    assert answer.status == 200 and answer.json() == {"saved": "The caller is on the black list."}
    assert [e.number for e in Firewall(box.deps.store).entries("black")] == ["+8613800138000"]
    again = ana.post(f"/pop/{call_id}/block", {}, headers={"Accept": "application/json"})
    assert again.status == 409
    assert again.json() == {"error": "+8613800138000 is on the black list already."}
    assert box.signed_in("ben").post(f"/pop/{call_id}/block", {}).status == 403
    assert ana.post("/pop/999/block", {}).status == 404
