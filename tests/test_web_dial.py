"""Click-to-dial from the web: the Call button, its route, rights, refusals, limits, audit,
and the call's stages live on the line's card and the caller's card."""

from __future__ import annotations

import dataclasses
import time

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from firmware.store.crm import CustomerNumber
from tests.test_web_live import HEARTBEAT_S, Stream
from tests.test_web_record import FakeEngine
from tests.web_client import web_box
from webui.auth import ActionLimiter
from webui.pages import live

NUMBER = "13800138000"


class DialEngine(FakeEngine):
    """The engine's side of the bus, taking dial commands too (``refuse``: a key of
    ``contract.DIAL_REFUSALS``)."""

    def on_command(self, command: contract.Command) -> contract.Reply:
        if not isinstance(command, contract.DialCommand):
            return super().on_command(command)
        self.commands.append(command)
        if self.refuse:
            raise ValueError(contract.DIAL_REFUSALS[self.refuse].format(
                line=command.line, number=command.number, rule="prefix:0898"))
        return contract.LineReply(command.line)


@pytest.fixture
def box(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "HEARTBEAT_S", HEARTBEAT_S)
    made = web_box(tmp_path)
    made.deps.config()  # a new box: four lines
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    seeing = {"customers_view", "pop"}
    made.ids = {
        "op": made.add_user("op", permissions=seeing | {"dial"}, lines=frozenset({1})),
        "two": made.add_user("two", permissions=seeing | {"dial", "share"},
                             lines=frozenset({1, 2})),
        "nodial": made.add_user("nodial", permissions=seeing, lines=frozenset({1})),
        "other": made.add_user("other", permissions=seeing | {"dial"}, lines=frozenset({3})),
    }
    made.customer = made.deps.customers.create(
        {"name": "Zhang San"}, [CustomerNumber(NUMBER, "+86" + NUMBER, "mobile")],
        added_by=made.ids["op"])
    made.call = made.deps.store.start_call(1, "in", started_at=time.time() - 60, number=NUMBER)
    made.deps.store.end_call(made.call, "answered", time.time() - 30)
    made.engine = DialEngine(made.deps.folder.bus_socket)
    made.engine.bus.start()
    yield made
    made.engine.bus.stop()
    made.close()


def dial(client, **fields):
    return client.post("/dial", {key: str(value) for key, value in fields.items()},
                       headers={"Accept": "application/json"})


def test_an_operator_calls_a_customer_and_a_caller_back_on_their_line(box):
    client = box.signed_in("op")
    card = client.get(f"/customers/{box.customer}").text
    assert 'data-dial-form' in card and f'name="number" value="{NUMBER}"' in card
    answer = dial(client, customer_id=box.customer, number=NUMBER)
    assert answer.status == 200, answer.text
    assert answer.json()["message"] == f"线路 1 正在拨打 {NUMBER}：请拿起您的电话。"
    assert box.engine.commands[-1] == contract.DialCommand(1, NUMBER, user="op", hand_over=True)
    # From the call log's row and the call's page: the call's number, never one typed in.
    assert 'data-dial-form' in client.get("/calls").text
    assert 'data-dial-form' in client.get(f"/calls/{box.call}").text
    assert dial(client, call_id=box.call).status == 200
    entries = box.deps.audit.entries(username="op")
    assert [entry.action for entry in entries[:2]] == ["dial_started", "dial_started"]
    assert entries[0].target == "line 1" and f'"call":{box.call}' in entries[0].detail
    assert f'"customer":{box.customer}' in entries[1].detail


def test_a_user_with_two_lines_chooses_one_and_no_other(box):
    client = box.signed_in("two")
    assert '<select name="line"' in client.get(f"/customers/{box.customer}").text
    assert dial(client, customer_id=box.customer, number=NUMBER).status == 400
    assert dial(client, customer_id=box.customer, number=NUMBER, line=3).status == 400
    assert dial(client, customer_id=box.customer, number=NUMBER, line=2).status == 200
    assert box.engine.commands[-1].line == 2


def test_without_the_flag_or_a_number_one_may_see_there_is_no_call(box):
    nodial = box.signed_in("nodial")
    assert dial(nodial, call_id=box.call).status == 403
    assert 'data-dial-form' not in nodial.get(f"/customers/{box.customer}").text
    other = box.signed_in("other")
    assert dial(other, call_id=box.call).status == 404  # a call on a line they do not see
    assert dial(other, customer_id=box.customer, number=NUMBER).status == 404  # not theirs
    op = box.signed_in("op")
    assert dial(op, customer_id=box.customer, number="10086").status == 404  # not its number
    assert not box.engine.commands


def test_a_forged_request_is_refused(box):
    client = box.signed_in("op")
    answer = client.post("/dial", {"call_id": str(box.call)}, csrf="forged",
                         headers={"Accept": "application/json"})
    assert answer.status == 403
    assert not box.engine.commands


@pytest.mark.parametrize(("reason", "said"), [
    ("busy", "线路 1 正忙：请在空闲时拨打。"),
    ("black_list", f"{NUMBER} 在呼叫防火墙的黑名单上：不予拨打。"),
    ("do_not_call", f"呼叫防火墙的规则 prefix:0898 拦截了 {NUMBER}：不予拨打。"),
    ("offline", "线路 1 未在运行。"),
])
def test_the_engine_s_refusal_is_said_in_the_user_s_language(box, reason, said):
    box.engine.refuse = reason
    answer = dial(box.signed_in("op"), call_id=box.call)
    assert answer.status == 409 and answer.json()["error"] == said
    assert not box.deps.audit.entries(username="op", action="dial_started")


def test_a_user_may_place_only_so_many_calls_a_minute(box):
    box.deps.dial_limiter = ActionLimiter(most=2, window_s=60.0)
    client = box.signed_in("op")
    assert [dial(client, call_id=box.call).status for _ in range(3)] == [200, 200, 429]
    assert len(box.engine.commands) == 2
    # Another user has their own allowance.
    assert dial(box.signed_in("two"), call_id=box.call, line=1).status == 200


def test_the_call_s_stages_reach_the_line_card_and_pop_the_operator_s_card(box):
    client = box.signed_in("op")
    stream = Stream(client)
    assert stream.next()[0] == "lines"
    call_id = box.deps.store.start_call(1, "out", started_at=time.time(), number=NUMBER)
    seized = LineStatus(1, phase=Phase.SEIZED, call_id=call_id, direction="out",
                        number=NUMBER, since=time.time(), act="dial")
    box.deps.engine.dispatch(contract.CallStarted(1, call_id, seized, direction="out"))
    name, line = stream.next()
    assert name == "line" and line["dial"] is None
    for stage in ("dial_tone", "dialling", "ringing"):
        status = dataclasses.replace(seized, dial=stage)
        box.deps.engine.dispatch(contract.DialProgress(1, call_id, status, number=NUMBER,
                                                       stage=stage))
        name, line = stream.next()
        assert (name, line["event"], line["dial"]) == ("line", "dial_progress", stage)
        name, pop = stream.next()  # the card pops as the box places the call, then follows it
        assert name == "pop" and pop["call_id"] == call_id
        assert 'data-dial-line="1"' in pop["html"]
    assert "振铃" in pop["html"] and 'data-dial-handed-over="已转给电话"' in pop["html"]
    page = client.get("/live").text
    assert 'data-dial-line="1"' in page and "振铃" in page
    stream.close()
