"""The engine end to end: scenarios played on simulated lines into the store and the recordings."""

from __future__ import annotations

import calendar
import json
import signal
import subprocess
import sys
import time

import pytest

from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore
from firmware.engine import Engine
from firmware.link import contract
from firmware.link.bus import BusClient
from firmware.simulation.office import Office
from firmware.simulation.scenario import from_document, load
from firmware.simulation.sounds import box_sounds
from firmware.store.db import Store
from firmware.store.recordings import RecordingFile
from firmware.tools.wavfile import read_wav
from tests.engine_config import configure

TIME_TOLERANCE_S = 0.05


def play(data_dir, scenario, prefix: str):
    """Run a scenario to its end through the engine; return the engine's store, office, events."""
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix)
    events = []
    engine = Engine(
        data_dir, lambda line: open_configured_line(line, prefix), publish=events.append
    )
    engine.start()
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    engine.stop()
    return engine, office, events


def test_the_short_scenario_is_logged_and_recorded_as_it_happened(tmp_path):
    configure(tmp_path, 2)
    engine, office, events = play(tmp_path, load("short"), "short-")
    with Store(tmp_path / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda call: (call.started_at, call.line))
        recordings = store.recordings()
    expected = sorted(office.expected, key=lambda call: (call.started_at, call.line))
    assert len(calls) == len(expected) == 3
    start = engine.workers[1].started_at  # line time zero is scenario time zero
    for call, truth in zip(calls, expected, strict=True):
        assert (call.line, call.direction) == (truth.line, truth.direction)
        assert call.outcome == truth.outcome
        assert call.number == truth.number
        assert call.name == truth.name
        assert call.started_at - start == pytest.approx(truth.started_at, abs=TIME_TOLERANCE_S)
        if truth.direction == "in" and truth.answered_at is not None:
            answered = truth.answered_at
            assert call.answered_at - start == pytest.approx(answered, abs=TIME_TOLERANCE_S)
            talk = truth.ended_at - answered
            assert call.duration_s == pytest.approx(talk, abs=TIME_TOLERANCE_S)
        assert call.ended_at - start == pytest.approx(truth.ended_at, abs=TIME_TOLERANCE_S)
    # The two answered calls were recorded; the missed one was not.
    assert len(recordings) == 2
    for recording in recordings:
        call = next(c for c in calls if c.id == recording.call_id)
        audio = read_wav(tmp_path / "recordings" / recording.path)
        assert recording.state == "complete"
        assert audio.samples.size == recording.samples
        if call.direction == "in":
            assert audio.seconds == pytest.approx(call.duration_s, abs=TIME_TOLERANCE_S)
    assert [type(e) for e in events].count(contract.CallEnded) == 3


def test_a_disk_that_stalls_loses_no_audio(tmp_path, monkeypatch):
    """Every flush to the disk takes 0.3 s (an SD card busy erasing) while the office
    plays like sound cards with one second of buffer, at x10: 100 ms of slack in
    wall-clock time. The lines' readers keep the cards drained meanwhile."""
    stall_s = 0.3
    stalls = []
    flush = RecordingFile._sync_file

    def slow_flush(recording):
        stalls.append(recording.relative)
        time.sleep(stall_s)
        flush(recording)

    monkeypatch.setattr(RecordingFile, "_sync_file", slow_flush)
    configure(tmp_path, 2)
    office = Office(load("short"), box_sounds(), speed=10, prefix="stall-", like_a_sound_card=True)
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "stall-"))
    engine.start()
    office.start()
    office.join(timeout=120)
    assert engine.wait(timeout=60), "the lines did not finish"
    status = engine.handle_command(contract.StatusCommand()).lines
    engine.stop()
    assert len(stalls) >= 4  # each recording flushed at its start and end at least
    assert [line.overruns for line in office.lines.values()] == [0, 0]
    assert max(line.most_behind_s for line in status) >= stall_s
    with Store(tmp_path / "linerec.db") as store:
        calls = {call.id: call for call in store.calls()}
        recordings = store.recordings()
    assert len(calls) == 3 and len(recordings) == 2
    for recording in recordings:
        call = calls[recording.call_id]
        audio = read_wav(tmp_path / "recordings" / recording.path)
        assert recording.state == "complete"
        if call.direction == "in":
            assert audio.seconds == pytest.approx(call.duration_s, abs=TIME_TOLERANCE_S)


def test_withheld_numbers_and_no_record_numbers(tmp_path):
    configure(tmp_path, 1)
    ConfigStore(tmp_path).set_device(no_record=["+8613912345678"])
    scenario = from_document(
        {
            "lines": 1,
            "call": [
                {"line": 1, "at": 0.5, "number": "13912345678", "rings": 2, "talk": 3},
                {"line": 1, "at": 30, "number": "13800138000", "private": "P", "talk": 3},
            ],
        }
    )
    _, _, _ = play(tmp_path, scenario, "private-")
    with Store(tmp_path / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda call: call.started_at)
        assert [call.outcome for call in calls] == ["answered", "answered"]
        assert calls[0].number == "13912345678"
        assert calls[1].number is None and calls[1].reason_absent == "P"
        recorded = {r.call_id for r in store.recordings()}
        assert calls[0].id not in recorded  # on the no-record list
        assert calls[1].id in recorded


@pytest.mark.parametrize("mode", ["vox", "auto"])
def test_nothing_of_a_call_to_a_no_record_number_is_kept(tmp_path, mode):
    """The digits of a listed number, heard as voice while dialling, start nothing."""
    configure(tmp_path, 1, mode=mode)
    ConfigStore(tmp_path).set_device(no_record=["10086"])
    scenario = from_document(
        {
            "lines": 1,
            "call": [
                {"line": 1, "at": 0.5, "direction": "out", "number": "10086", "talk": 4},
                {"line": 1, "at": 40, "direction": "out", "number": "10010", "talk": 4},
            ],
        }
    )
    play(tmp_path, scenario, f"norecord-{mode}-")
    with Store(tmp_path / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda call: call.started_at)
        assert [call.number for call in calls] == ["10086", "10010"]
        recorded = {r.call_id for r in store.recordings()}
        recording = next(r for r in store.recordings() if r.call_id == calls[1].id)
    assert calls[0].id not in recorded
    assert calls[1].id in recorded
    kept = sorted(path.name for path in (tmp_path / "recordings").rglob("*.*"))
    assert all(f"-{calls[0].id}." not in name for name in kept), kept
    # Named in the box's local time, as the pages show it (China: UTC+8), whatever
    # the machine's own time zone.
    stamp = recording.path.split("/")[-1].split("-")[1:3]  # L1-YYYYMMDD-HHMMSS-...
    named = calendar.timegm(time.strptime("".join(stamp), "%Y%m%d%H%M%S")) - 8 * 3600
    assert named == pytest.approx(recording.started_at, abs=60)  # the line's own clock


def wait_for_state(client: BusClient, state: str) -> None:
    deadline = time.monotonic() + 30
    while client.command(contract.StatusCommand()).lines[0].status.state != state:
        assert time.monotonic() < deadline, f"line 1 never reached {state}"
        time.sleep(0.02)


@pytest.mark.parametrize(
    ("state", "rings", "outcome"), [("ringing", 20, "missed"), ("in_call", 1, "answered")]
)
def test_a_clean_stop_ends_the_call_on_the_line(tmp_path, state, rings, outcome):
    """Stopping the box (an update, a reboot) in the middle of a call leaves no call
    'in progress' in the log: it ends when the box stopped, a ringing call as missed."""
    configure(tmp_path, 1)
    scenario = from_document({"lines": 1, "call": [
        {"line": 1, "at": 0.2, "number": "13800138000", "rings": rings, "talk": 60}]})
    office = Office(scenario, box_sounds(), speed=5, prefix=f"stop-{state}-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, f"stop-{state}-"))
    engine.start()
    office.start()
    try:
        with BusClient(tmp_path / "engine.sock") as client:
            wait_for_state(client, state)
        engine.stop()
        stopped_at = engine.workers[1].now
    finally:
        office.stop()
    with Store(tmp_path / "linerec.db") as store:
        [call] = store.calls()
    assert call.outcome == outcome
    assert call.ended_at == pytest.approx(stopped_at, abs=0.5)


def test_keys_pressed_on_the_phone_start_and_stop_the_recording_of_a_manual_line(tmp_path):
    """*1 three seconds into the call, *0 eight seconds in, then 4 (a menu choice): one
    recording from the end of *1 to the end of *0; only the 4 is the call's digits."""
    configure(tmp_path, 1, mode="manual")
    scenario = from_document({"lines": 1, "call": [{
        "line": 1, "at": 0.5, "rings": 1, "talk": 14,
        "keys": [{"after": 3, "keys": "*1"}, {"after": 8, "keys": "*0"},
                 {"after": 11, "keys": "4"}],
    }]})
    engine, office, events = play(tmp_path, scenario, "keys-")
    [truth] = office.expected
    start = engine.workers[1].started_at
    with Store(tmp_path / "linerec.db") as store:
        [call] = store.calls()
        [recording] = store.recordings()
    assert call.number == truth.number and call.outcome == "answered"
    answered = truth.answered_at + start
    # Each code takes effect on its last key, about 0.35 s after its first.
    assert recording.started_at - answered == pytest.approx(3.35, abs=0.2)
    assert recording.ended_at - answered == pytest.approx(8.35, abs=0.2)
    digits = [event.digits for event in events if isinstance(event, contract.DigitDialled)]
    assert digits == ["4"]


def test_a_record_command_on_a_line_not_in_manual_mode_is_refused(tmp_path):
    configure(tmp_path, 1, mode="auto")
    scenario = from_document({"lines": 1, "call": []})
    office = Office(scenario, box_sounds(), speed=20, prefix="auto-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "auto-"))
    engine.start()
    try:
        refused = pytest.raises(contract.CommandRefusedError, match="does not record by hand")
        with BusClient(tmp_path / "engine.sock") as client, refused:
            client.command(contract.RecordCommand(1, on=True))
    finally:
        engine.stop()
        office.stop()


def test_commands_over_the_bus(tmp_path):
    configure(tmp_path, 1, mode="manual")
    scenario = from_document({"lines": 1, "call": [{"line": 1, "at": 0.2, "rings": 1, "talk": 20}]})
    office = Office(scenario, box_sounds(), speed=20, prefix="bus-")
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "bus-"))
    engine.start()
    # No call yet: the engine refuses, saying why, and nothing is kept for later.
    refused = pytest.raises(contract.CommandRefusedError, match=r"^line 1 is not in a call$")
    with BusClient(tmp_path / "engine.sock") as client, refused:
        client.command(contract.RecordCommand(1, on=True))
    office.start()
    with BusClient(tmp_path / "engine.sock") as client:
        deadline = time.monotonic() + 30
        while client.command(contract.StatusCommand()).lines[0].status.state != "in_call":
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert client.command(contract.RecordCommand(1, on=True)) == contract.LineReply(1)
        with pytest.raises(contract.CommandRefusedError, match=r"^no line 7"):
            client.command(contract.RecordCommand(7))
        while not client.command(contract.StatusCommand()).lines[0].status.recording:
            assert time.monotonic() < deadline
            time.sleep(0.02)
    office.join(timeout=60)
    engine.wait(timeout=30)
    engine.stop()
    with Store(tmp_path / "linerec.db") as store:
        assert len(store.recordings()) == 1


def test_linerec_run_plays_a_scenario_and_prints_the_calls(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "firmware",
            "run",
            "--data",
            str(tmp_path),
            "--scenario",
            "short",
            "--speed",
            "200",
            "--port",
            "0",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "line 1: caller 13800138000 ZHANG SAN (Beijing)" in out
    assert "line 2: outgoing call" in out
    assert out.count("call ended") == 3
    assert "linerec: stopped" in out


def test_sigint_stops_linerec_run_cleanly(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "firmware", "run", "--data", str(tmp_path), "--speed", "5",
         "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    for line in process.stdout:
        if "press Ctrl-C" in line:
            break
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert "linerec: stopped" in process.stdout.read()
    assert json.loads((tmp_path / "config.json").read_text())["device"]["1"]["country"] == "CN"
