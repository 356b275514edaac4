"""The engine <-> web contract: every message survives its encoding, and nothing else gets in."""

from __future__ import annotations

import dataclasses
import json
import socket
import threading
import time

import pytest

from firmware.link import contract
from firmware.link.contract import LineStatus, Phase
from webui.engine_link import EngineLink

RINGING = LineStatus(
    3,
    phase=Phase.RINGING,
    call_id=41,
    direction="in",
    number="13800138000",
    name="ZHANG SAN",
    location_zh="北京市",
    location_en="Beijing",
    since=1_795_000_000.25,
)
RECORDING = dataclasses.replace(RINGING, phase=Phase.IN_CALL, recording=True)

# One of each message, with every field set away from its default where it has one.
EVENTS = [
    contract.LineStateChanged(3, None, LineStatus(3, online=False)),
    contract.CallStarted(3, 41, RINGING, direction="out"),
    contract.CallerIdKnown(
        3, 41, dataclasses.replace(RINGING, screening=True), number="13800138000",
        number_e164="+8613800138000", name="ZHANG SAN",
        reason_absent="P", location_zh="北京市", location_en="Beijing",
    ),
    contract.DigitDialled(3, 41, RINGING, digit="#", digits="0755#"),
    contract.CallAnswered(3, 41, RECORDING, direction="in", number="10086"),
    contract.CallEnded(3, 41, LineStatus(3), outcome="missed"),
    contract.RecordingStarted(3, 41, RECORDING, path="2026/12/07/L3-20261207-101500-41.wav"),
    contract.RecordingStopped(3, 41, RINGING, path="2026/12/07/x.wav", samples=24_000),
    contract.RecordingFailed(3, 41, RINGING, error="No space left on device", path=None),
    contract.LineSeized(3, None, dataclasses.replace(RINGING, phase=Phase.SEIZED)),
    contract.LineReleased(3, 41, LineStatus(3)),
    contract.ActStarted(3, 41, dataclasses.replace(RINGING, phase=Phase.SEIZED, act="survey"),
                        act="survey"),
    contract.ActEnded(3, 41, LineStatus(3), act="survey", outcome="done", value="4"),
    contract.SmsChanged(contract.SmsState(
        enabled=True, port="/dev/linerec-gsm", present=True, model="EC25", mode="pdu",
        sim="READY", network="roaming", operator="中国移动", signal_dbm=-71, reports="direct",
        queued=12, held=1, failed=2, sent=40, received=3, last_error="network congestion",
        last_error_at=41.5, checked_at=42.0,
    )),
    contract.DialProgress(3, 41, dataclasses.replace(RINGING, phase=Phase.SEIZED, act="dial"),
                          number="13800138000", stage="ringing", attempt="task-7/3"),
    contract.DialEnded(3, 41, LineStatus(3), number="13800138000", result="machine",
                       decided_s=3.42, attempt="task-7/3"),
    contract.DialEnded(3, 41, LineStatus(3), number="13800138000", result="machine",
                       decided_s=2.5, attempt="task:7:3", message_left=True),
    contract.DialProgress(3, 41, dataclasses.replace(RINGING, phase=Phase.SEIZED, act="dial",
                                                     office_wanted=True),
                          number="13800138000", stage="holding", attempt="task:7:4"),
    contract.CallBlocked(
        3, 41, dataclasses.replace(RINGING, phase=Phase.SEIZED, blocked=True),
        number="089812345678", rule="prefix:0898", rule_id=7, action="message",
    ),
]
COMMANDS = [
    contract.StatusCommand(),
    contract.RecordCommand(2, on=False),
    contract.SeizeCommand(4, on=True),
    contract.ReloadConfigCommand(),
    contract.ActCommand(2, act="survey"),
    contract.ReloadFirewallCommand(),
    contract.ReloadMenusCommand(),
    contract.DialCommand(2, "13800138000", user="wang", attempt="task-7/3", hand_over=False),
    contract.DialCommand(2, "13800138000", user="task 7", attempt="task:7:3", hand_over=False,
                         hold_s=20.0, machine_message="task_message"),
]
REPLIES = {
    contract.StatusCommand: contract.StatusReply(
        (contract.LineReport(RECORDING, overruns=2, behind_s=0.04, most_behind_s=1.5, unsaved=3),
         contract.LineReport(LineStatus(4, online=False))),
        (contract.StorageProblem(3, "a new call", "database or disk is full", 10.0, 40.5, 7),
         contract.StorageProblem(None, "a database snapshot", "no room", 41.0, 41.0)),
        contract.RetentionState(
            enabled=True, checked_at=50.0, total_bytes=32 * 2**30, free_bytes=3 * 2**30,
            target_free_bytes=3 * 2**30 + 1, floor_bytes=64 * 2**20, last_round_at=49.0,
            last_round_deleted=4, last_round_freed_bytes=2**27, deleted_total=9, stuck=True,
            last_problem="nothing left that retention may delete", last_problem_at=49.5,
        ),
        sms=contract.SmsState(enabled=True, port="/dev/ttyUSB2", sim="SIM not inserted"),
    ),
    contract.RecordCommand: contract.LineReply(2),
    contract.SeizeCommand: contract.LineReply(4),
    contract.ActCommand: contract.LineReply(2),
    contract.DialCommand: contract.LineReply(2),
    contract.ReloadConfigCommand: contract.ReloadReply(
        restarting=(1,), started=(5,), stopping=(3,),
        failed=(contract.LineFailure(6, "wav:/nowhere.wav: no such file"),),
    ),
    contract.ReloadFirewallCommand: contract.FirewallReply(lines=(1, 3), listed=12, rules=2),
    contract.ReloadMenusCommand: contract.MenusReply(lines=(2,)),
}


def test_the_samples_cover_every_type_of_the_contract():
    assert {type(event) for event in EVENTS} == set(contract.EVENT_TYPES.values())
    assert {type(command) for command in COMMANDS} == set(contract.COMMAND_TYPES.values())
    assert set(REPLIES) == set(contract.REPLY_TYPES)


@pytest.mark.parametrize("event", EVENTS, ids=lambda event: event.kind.value)
def test_every_event_comes_back_as_it_was_sent(event):
    line = contract.encode_event(event)
    assert line.endswith(b"\n") and line.count(b"\n") == 1
    assert contract.decode_from_engine(line) == event
    wire = json.loads(line)
    assert wire["v"] == contract.PROTOCOL_VERSION
    assert wire["event"]["type"] == event.kind.value  # the name the README documents


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command.kind.value)
def test_every_command_and_its_reply_come_back_as_they_were_sent(command):
    message = contract.decode_command(contract.encode_command(17, command))
    assert message == contract.CommandMessage(17, command)
    reply = REPLIES[type(command)]
    answer = contract.decode_from_engine(contract.encode_reply(17, reply))
    assert answer.id == 17 and answer.error is None
    assert contract.reply_of(command, answer.fields) == reply
    refusal = contract.decode_from_engine(contract.encode_refusal(17, "no line 9"))
    assert refusal == contract.ReplyMessage(17, None, "no line 9")


def test_a_person_may_type_a_command_without_the_version():
    message = contract.decode_command(b'{"id": "a", "command": "record", "line": 1}\n')
    assert message == contract.CommandMessage("a", contract.RecordCommand(1, on=True))


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"\xff\xfe not text", "not a JSON object"),
        (b"not json", "not a JSON object"),
        (b"[1, 2]", "expected a JSON object, got list"),
        (b'{"id": 1}', 'expected {"id": ..., "command": ...}'),
        (b'{"id": 1, "command": "fly"}', "unknown command 'fly' (status, record, seize,"),
        (b'{"v": 2, "command": "status"}', "protocol version 2 is not spoken here"),
        (b'{"command": "record"}', "record.line: missing"),
        (b'{"command": "record", "line": "1"}', "record.line: expected int, got '1'"),
        (b'{"command": "record", "line": true}', "record.line: expected int, got True"),
        (b'{"command": "seize", "line": 1, "on": "yes"}', "seize.on: expected bool, got 'yes'"),
        (b'{"command": "status", "verbose": true}', "status.verbose: unknown field (known: none)"),
    ],
)
def test_a_garbled_command_is_refused_with_what_is_wrong(raw, problem):
    with pytest.raises(contract.ContractError) as refused:
        contract.decode_command(raw)
    assert str(refused.value).startswith(problem)


def wire_event(**changes) -> bytes:
    """A caller-ID event as the engine writes it, with ``changes`` made to its JSON."""
    message = json.loads(contract.encode_event(EVENTS[2]))
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = message
        for key in parents:
            target = target[key]
        if value is dataclasses.MISSING:
            del target[last]
        else:
            target[last] = value
    return json.dumps(message).encode()


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"v": dataclasses.MISSING}, "protocol version None is not spoken here"),
        ({"v": 0}, "protocol version 0 is not spoken here"),
        ({"event__type": "ring"}, "unknown event type 'ring'"),
        ({"event__status": dataclasses.MISSING}, "caller_id.status: missing"),
        ({"event__status__phase": "flying"},
         "caller_id.status.phase: 'flying' is not one of 'idle', 'ringing',"),
        ({"event__status__direction": "sideways"},
         "caller_id.status.direction: 'sideways' is not one of 'in', 'out'"),
        ({"event__line": 3.5}, "caller_id.line: expected int, got 3.5"),
        ({"event__colour": "red"},
         "caller_id.colour: unknown field (known: line, call_id, status,"),
        ({"event": [1]}, "an event must be an object"),
        ({"reply": 3}, "an event must be an object, alone in its message"),
    ],
)
def test_a_garbled_event_is_refused_with_what_is_wrong(changes, problem):
    with pytest.raises(contract.ContractError) as refused:
        contract.decode_from_engine(wire_event(**changes))
    assert str(refused.value).startswith(problem)


def test_a_garbled_reply_is_refused():
    for raw in (b'{"v": 1, "reply": 1}', b'{"v": 1, "reply": 1, "ok": false}', b'{"v": 1}'):
        with pytest.raises(contract.ContractError):
            contract.decode_from_engine(raw)
    fields = {"lines": [{"status": {"line": "one"}}]}
    with pytest.raises(contract.ContractError, match=r"lines\[0\]\.status\.line"):
        contract.reply_of(contract.StatusCommand(), fields)


def test_a_line_that_is_offline_says_so_whatever_its_phase():
    assert LineStatus(1, phase=Phase.IN_CALL).state == "in_call"
    assert LineStatus(1, online=False, phase=Phase.IN_CALL).state == "offline"


def test_the_web_drops_what_it_cannot_read_from_the_engine_and_keeps_following(tmp_path, caplog):
    """A fake engine sends garbage between two good events: the web's link logs the garbage,
    keeps the good events' statuses, and its thread goes on."""
    path = tmp_path / "engine.sock"
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(path))
    listener.listen(1)
    first, second = EVENTS[1], EVENTS[4]

    def fake_engine() -> None:
        connection, _ = listener.accept()
        reader = connection.makefile("rb")
        request = contract.decode_command(reader.readline())  # the link asks for the status
        reply = contract.StatusReply((contract.LineReport(LineStatus(3)),))
        connection.sendall(contract.encode_reply(request.id, reply))
        connection.sendall(contract.encode_event(first))
        connection.sendall(b"garbage\n" + wire_event(event__type="ring") + b"\n")
        connection.sendall(contract.encode_event(second))
        time.sleep(1)
        connection.close()

    engine = threading.Thread(target=fake_engine, daemon=True)
    engine.start()
    link = EngineLink(path, reconnect_s=60)
    with link.subscribe() as subscription:
        link.start()
        try:
            seen = []
            deadline = time.monotonic() + 10
            while second not in seen and time.monotonic() < deadline:
                news = subscription.get(timeout=0.5)
                if isinstance(news, contract.Event):
                    seen.append(news)
            assert seen == [first, second]
            assert link.line(3) == second.status and link.connected
        finally:
            link.stop()
            listener.close()
    dropped = [r.getMessage() for r in caplog.records if "dropped a message" in r.getMessage()]
    assert len(dropped) == 2 and "unknown event type 'ring'" in dropped[1]


def test_the_web_keeps_the_text_messages_state_the_engine_tells():
    link = EngineLink("unused.sock")
    changed = next(event for event in EVENTS if isinstance(event, contract.SmsChanged))
    with link.subscribe() as subscription:
        link.dispatch(changed)
        assert subscription.get(timeout=1) == changed
    assert link.sms == changed.sms and link.lines() == []
    wire = json.loads(contract.encode_event(changed))
    assert wire["event"]["type"] == "sms" and "line" not in wire["event"]
    assert wire["event"]["sms"]["network"] == "roaming"


def test_a_blocked_call_and_a_screening_line_are_checked_like_every_event():
    blocked = json.loads(contract.encode_event(EVENTS[-1]))
    assert blocked["event"]["type"] == "call_blocked"
    assert blocked["event"]["status"]["blocked"] is True
    assert blocked["event"]["status"]["screening"] is False
    for path, value, problem in (
        (("action",), "explode", "call_blocked.action: 'explode' is not one of"),
        (("rule_id",), "7", "call_blocked.rule_id: expected"),
        (("status", "screening"), "yes", "call_blocked.status.screening: expected bool"),
    ):
        message = json.loads(contract.encode_event(EVENTS[-1]))
        target = message["event"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
        with pytest.raises(contract.ContractError) as refused:
            contract.decode_from_engine(json.dumps(message).encode())
        assert str(refused.value).startswith(problem), str(refused.value)
    # An older engine's status, without the firewall's fields, reads as not screening.
    older = json.loads(contract.encode_event(EVENTS[1]))
    del older["event"]["status"]["screening"], older["event"]["status"]["blocked"]
    status = contract.decode_from_engine(json.dumps(older).encode()).status
    assert not status.screening and not status.blocked


def test_a_call_the_box_places_names_its_stage_and_result_from_the_contract_s_words():
    for stage in contract.DIAL_STAGES:
        event = contract.DialProgress(1, 5, LineStatus(1), number="10086", stage=stage)
        assert contract.decode_from_engine(contract.encode_event(event)) == event
    message = json.loads(contract.encode_event(
        contract.DialEnded(1, 5, LineStatus(1), number="10086", result="busy")))
    assert message["event"]["decided_s"] is None and message["event"]["attempt"] is None
    message["event"]["result"] = "maybe"
    with pytest.raises(contract.ContractError, match=r"dial_ended\.result: 'maybe' is not one of"):
        contract.decode_from_engine(json.dumps(message).encode())
    # A program may place a call with no more than the line and the number.
    typed = contract.decode_command(b'{"id": 1, "command": "dial", "line": 2, "number": "10086"}')
    assert typed.command == contract.DialCommand(2, "10086")
    assert typed.command.hand_over and typed.command.attempt is None
    assert set(contract.DIAL_RESULTS) >= {"human", "machine", "fax", "busy", "no_answer", "sit",
                                          "notsure", "no_dial_tone", "failed"}
