"""The engine's event bus: events out to every client, commands in, slow clients dropped."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from firmware.bus import BusClient, BusError, EventBus


@pytest.fixture
def bus(tmp_path):
    commands = []

    def on_command(message):
        commands.append(message)
        if message["command"] == "start_recording":
            if message.get("line") not in (1, 2):
                raise ValueError(f"no line {message.get('line')}")
            return {"recording": True}
        raise ValueError(f"unknown command {message['command']!r}")

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


def test_every_client_gets_every_event_in_order(bus):
    clients = [BusClient(bus.socket_path) for _ in range(3)]
    wait_for(lambda: bus.client_count == 3)
    for number in range(100):
        bus.publish({"type": "digit", "line": 1, "n": number})
    for client in clients:
        stream = client.events()
        assert [next(stream)["n"] for _ in range(100)] == list(range(100))
        client.close()


def test_commands_get_replies_and_errors(bus):
    with BusClient(bus.socket_path) as client:
        assert client.command("start_recording", line=2) == {
            "reply": 1,
            "ok": True,
            "recording": True,
        }
        reply = client.command("start_recording", line=9)
        assert reply == {"reply": 2, "ok": False, "error": "no line 9"}
        assert client.command("fly")["error"] == "unknown command 'fly'"
    assert [c["command"] for c in bus.commands] == ["start_recording"] * 2 + ["fly"]


def test_events_that_arrive_while_waiting_for_a_reply_are_kept(bus):
    with BusClient(bus.socket_path) as client:
        wait_for(lambda: bus.client_count == 1)
        bus.publish({"type": "ring", "line": 1})
        time.sleep(0.05)
        assert client.command("start_recording", line=1)["ok"]
        assert next(client.events()) == {"type": "ring", "line": 1}


def test_garbage_from_a_client_is_answered_not_fatal(bus):
    with socket.socket(socket.AF_UNIX) as raw:
        raw.connect(str(bus.socket_path))
        raw.sendall(b"this is not json\n[1,2]\n")
        reader = raw.makefile("rb")
        assert json.loads(reader.readline())["error"] == "not a JSON object"
        assert "expected" in json.loads(reader.readline())["error"]
    with BusClient(bus.socket_path) as client:
        assert client.command("start_recording", line=1)["ok"]


def test_a_client_that_stops_reading_is_dropped_and_publish_never_blocks(bus):
    stalled = socket.socket(socket.AF_UNIX)
    stalled.connect(str(bus.socket_path))
    wait_for(lambda: bus.client_count == 1)
    started = time.monotonic()
    payload = "x" * 1000
    for number in range(5000):  # 5 MB, far past the backlog limit
        bus.publish({"type": "noise", "n": number, "payload": payload})
    assert time.monotonic() - started < 2.0  # queued, not sent synchronously
    wait_for(lambda: bus.dropped_clients == 1 and bus.client_count == 0)
    stalled.close()


def test_no_engine_is_a_clear_error(tmp_path):
    with pytest.raises(BusError, match="is `linerec engine` running"):
        BusClient(tmp_path / "nothing.sock")


def test_stop_removes_the_socket_and_ends_the_thread(tmp_path):
    bus = EventBus(tmp_path / "b.sock", lambda message: {})
    bus.start()
    assert (tmp_path / "b.sock").exists()
    bus.stop()
    assert not (tmp_path / "b.sock").exists()
    assert not any(thread.name == "bus" for thread in threading.enumerate())
