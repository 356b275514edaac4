"""The engine's event bus: events out to every client, commands in, slow clients dropped."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from firmware.link import contract
from firmware.link.bus import BusClient, BusError, EventBus
from firmware.link.contract import CommandRefusedError, LineStatus


@pytest.fixture
def bus(tmp_path):
    commands = []

    def on_command(command):
        commands.append(command)
        if isinstance(command, contract.RecordCommand):
            if command.line not in (1, 2):
                raise ValueError(f"no line {command.line}")
            return contract.LineReply(command.line)
        raise ValueError(f"this engine does not take {command.kind.value!r}")

    # Unix socket paths are limited to about 100 bytes: keep it short.
    bus = EventBus(tmp_path / "bus.sock", on_command)
    bus.start()
    bus.commands = commands
    yield bus
    bus.stop()


def wait_for(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.005)


def digit(number: int) -> contract.DigitDialled:
    return contract.DigitDialled(1, 7, LineStatus(1), digit="1", digits="1" * number)


def record(line: int) -> contract.RecordCommand:
    return contract.RecordCommand(line, on=True)


def test_every_client_gets_every_event_in_order(bus):
    clients = [BusClient(bus.socket_path) for _ in range(3)]
    wait_for(lambda: bus.client_count == 3)
    for number in range(100):
        bus.publish(digit(number))
    for client in clients:
        stream = client.events()
        assert [len(next(stream).digits) for _ in range(100)] == list(range(100))
        client.close()


def test_commands_get_replies_and_errors(bus):
    with BusClient(bus.socket_path) as client:
        assert client.command(record(2)) == contract.LineReply(2)
        with pytest.raises(CommandRefusedError, match=r"^no line 9$"):
            client.command(record(9))
        with pytest.raises(CommandRefusedError, match=r"^this engine does not take 'seize'$"):
            client.command(contract.SeizeCommand(1))
    assert bus.commands == [record(2), record(9), contract.SeizeCommand(1)]


def test_a_command_outside_the_contract_is_refused_with_its_reason(bus):
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(str(bus.socket_path))
        raw.sendall(b'{"id": 4, "command": "fly"}\n{"id": 5, "command": "record"}\n'
                    b'{"v": 9, "id": 6, "command": "status"}\n')
        reader = raw.makefile("rb")
        answers = [json.loads(reader.readline()) for _ in range(3)]
    assert [answer["reply"] for answer in answers] == [4, 5, 6]
    assert not any(answer["ok"] for answer in answers)
    assert answers[0]["error"].startswith("unknown command 'fly' (status, record")
    assert answers[1]["error"] == "record.line: missing"
    assert answers[2]["error"].startswith("protocol version 9 is not spoken here")
    assert bus.commands == []


def test_events_that_arrive_while_waiting_for_a_reply_are_kept(bus):
    with BusClient(bus.socket_path) as client:
        wait_for(lambda: bus.client_count == 1)
        bus.publish(digit(3))
        time.sleep(0.05)
        assert client.command(record(1)) == contract.LineReply(1)
        assert next(client.events()) == digit(3)


def test_garbage_from_a_client_is_answered_not_fatal(bus):
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(str(bus.socket_path))
        raw.sendall(b"this is not json\n[1,2]\n")
        reader = raw.makefile("rb")
        assert json.loads(reader.readline())["error"] == "not a JSON object"
        assert "expected" in json.loads(reader.readline())["error"]
    with BusClient(bus.socket_path) as client:
        assert client.command(record(1)) == contract.LineReply(1)


def test_a_client_that_stops_reading_is_dropped_and_publish_never_blocks(bus):
    stalled = socket.socket(socket.AF_UNIX)
    stalled.connect(str(bus.socket_path))
    wait_for(lambda: bus.client_count == 1)
    started = time.monotonic()
    event = digit(1000)
    for _ in range(5000):  # over 5 MB, far past the backlog limit
        bus.publish(event)
    assert time.monotonic() - started < 2.0  # queued, not sent synchronously
    wait_for(lambda: bus.dropped_clients == 1 and bus.client_count == 0)
    stalled.close()


def test_no_engine_is_a_clear_error(tmp_path):
    with pytest.raises(BusError, match="is `linerec engine` running"):
        BusClient(tmp_path / "nothing.sock")


def test_stop_removes_the_socket_and_ends_the_thread(tmp_path):
    bus = EventBus(tmp_path / "b.sock", lambda command: contract.LineReply(1))
    bus.start()
    assert (tmp_path / "b.sock").exists()
    bus.stop()
    assert not (tmp_path / "b.sock").exists()
    assert not any(thread.name == "bus" for thread in threading.enumerate())
