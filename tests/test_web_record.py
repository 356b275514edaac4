"""Recording by hand from the web: the Record button, its route, rights, refusals and audit."""

from __future__ import annotations

import time

import pytest

from firmware.config import ConfigStore
from firmware.link import contract
from firmware.link.bus import EventBus
from firmware.link.contract import LineStatus, Phase
from tests.web_client import web_box
from webui.i18n import Translator
from webui.messages_zh import ZH
from webui.pages import live


class FakeEngine:
    """The engine's side of the bus: takes record and act commands, or refuses them as told
    (``refuse``: a key of ``contract.RECORD_REFUSALS`` or ``ACT_REFUSALS``)."""

    def __init__(self, socket_path) -> None:
        self.commands: list[contract.Command] = []
        self.refuse: str | None = None
        self.bus = EventBus(socket_path, self.on_command)

    def on_command(self, command: contract.Command) -> contract.Reply:
        self.commands.append(command)
        refusals = {contract.RecordCommand: contract.RECORD_REFUSALS,
                    contract.ActCommand: contract.ACT_REFUSALS}.get(type(command))
        if refusals is not None:
            if self.refuse:
                raise ValueError(refusals[self.refuse].format(line=command.line))
            return contract.LineReply(command.line)
        if isinstance(command, contract.StatusCommand):
            return contract.StatusReply()
        raise ValueError(f"this engine does not take {command.kind.value!r}")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()  # a new box: four lines
    ConfigStore(tmp_path).update_line(1, recording={"mode": "manual"})
    ConfigStore(tmp_path).update_line(2, recording={"mode": "manual"})
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    made.ids = {
        "boss": made.add_user("boss", "super"),
        "rec": made.add_user("rec", permissions={"record", "pop"}, lines=frozenset({1, 3})),
        "ana": made.add_user("ana", permissions={"pop", "live_listen"}, lines=frozenset({1})),
        "cai": made.add_user("cai", permissions={"record"}, lines=frozenset({2})),
    }
    made.engine = FakeEngine(made.deps.folder.bus_socket)
    made.engine.bus.start()
    yield made
    made.engine.bus.stop()
    made.close()


def in_call(box, line: int = 1, call_id: int | None = None, recording: bool = False) -> int:
    """Line ``line`` in an answered call, as the engine tells the web."""
    if call_id is None:
        call_id = box.deps.store.start_call(line, "in", started_at=time.time(),
                                            number="13800138000")
    status = LineStatus(line, phase=Phase.IN_CALL, recording=recording, call_id=call_id,
                        direction="in", number="13800138000", since=time.time())
    box.deps.engine.dispatch(contract.CallAnswered(line, call_id, status, direction="in"))
    return call_id


def record(client, line: int, action: str, **options):
    headers = {"Accept": "application/json"}
    return client.post(f"/lines/{line}/record", {"command": action}, headers=headers, **options)


def test_a_user_with_the_flag_starts_and_stops_the_recording_of_their_lines_call(box):
    call_id = in_call(box)
    client = box.signed_in("rec")
    started = record(client, 1, "start")
    assert started.status == 200, started.text
    assert started.json() == {"line": 1, "recording": True, "message": "已开始录音。"}
    stopped = record(client, 1, "stop")
    assert stopped.status == 200 and stopped.json()["recording"] is False
    assert box.engine.commands == [
        contract.RecordCommand(1, on=True),
        contract.RecordCommand(1, on=False),
    ]
    entries = box.deps.audit.entries(username="rec")
    actions = [(e.action, e.target, e.detail) for e in entries if e.action.startswith("record")]
    assert actions == [
        ("record_stopped", "line 1", f"call {call_id}"),
        ("record_started", "line 1", f"call {call_id}"),
    ]
    # A plain form (no script) goes back to the live page.
    plain = box.signed_in("boss").post("/lines/1/record", {"command": "start"})
    assert plain.status == 303 and plain.headers["Location"].endswith("/live")


def test_without_the_flag_the_route_is_forbidden_and_the_button_is_not_there(box):
    in_call(box)
    ana = box.signed_in("ana")
    assert record(ana, 1, "start").status == 403
    page = ana.get("/live").text
    assert "data-record-form" not in page
    assert box.engine.commands == []


def test_a_line_the_user_does_not_see_is_not_found(box):
    in_call(box, line=2)
    rec = box.signed_in("rec")
    assert record(rec, 2, "start").status == 404
    assert record(rec, 9, "start").status == 404
    assert box.engine.commands == []
    assert not [e for e in box.deps.audit.entries() if e.action.startswith("record")]


def test_the_request_needs_its_csrf_token_and_a_start_or_stop(box):
    in_call(box)
    rec = box.signed_in("rec")
    assert record(rec, 1, "start", csrf="forged").status == 403
    assert record(rec, 1, "start", csrf="").status == 403
    assert record(rec, 1, "loud").status == 400
    assert box.engine.commands == []


@pytest.mark.parametrize("reason", sorted(contract.RECORD_REFUSALS))
def test_the_engines_refusal_is_said_in_the_users_language(box, reason):
    in_call(box)
    box.engine.refuse = reason
    answer = record(box.signed_in("rec"), 1, "start")
    assert answer.status == 409
    assert answer.json()["error"] == Translator("zh-CN")(live.RECORD_REFUSED[reason], n=1)
    assert live.RECORD_REFUSED[reason] in ZH
    assert not [e for e in box.deps.audit.entries() if e.action.startswith("record")]


def test_an_engine_that_is_not_running_is_a_clear_503(box):
    in_call(box)
    box.engine.bus.stop()
    answer = record(box.signed_in("rec"), 1, "start")
    assert answer.status == 503
    assert answer.json()["error"] == "线路引擎未运行：现在无法开始或停止录音。"
    page = box.signed_in("rec").post("/lines/1/record", {"command": "start"})
    assert page.status == 503 and "Traceback" not in page.text
    assert "线路引擎未运行" in page.text


def test_the_button_shows_for_a_call_on_a_line_in_manual_mode_with_its_state(box):
    rec = box.signed_in("rec")
    idle = rec.get("/live").text
    # Hidden while the line is idle (the page shows it when a call comes: app.js).
    assert 'data-record-line="1" data-record-call="" hidden' in idle
    in_call(box, recording=True)
    in_call(box, line=3)
    page = rec.get("/live").text
    assert 'data-record-line="1" data-record-call="">' in page
    # Line 3 records automatically: no button during its call.
    assert 'data-record-line="3" data-record-call="" hidden' in page
    assert 'name="command" value="stop"' in page and "停止录音" in page
    lines = {line["line"]: line for line in rec.get("/api/lines").json()["lines"]}
    assert lines[1]["manual"] is True and lines[3]["manual"] is False


def test_the_callers_card_has_the_button_during_its_own_call(box):
    call_id = in_call(box)
    card = box.signed_in("rec").get(f"/pop/{call_id}").text
    assert f'data-record-line="1" data-record-call="{call_id}">' in card
    assert 'name="command" value="start"' in card
    assert "data-record-form" not in box.signed_in("ana").get(f"/pop/{call_id}").text


def test_the_flag_is_granted_on_the_users_page_and_super_users_have_it(box):
    boss = box.signed_in("boss")
    page = boss.get(f"/admin/users/{box.ids['ana']}").text
    assert 'value="record"' in page
    assert "在手动录音的线路上手动开始和停止通话录音" in page
    in_call(box)
    assert record(boss, 1, "start").status == 200
