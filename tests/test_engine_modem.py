"""The engine on a voice-modem line: ring, caller ID, pick-up, recording, hang-up, logged."""

from __future__ import annotations

import queue
import time

import numpy as np
import pytest

from drivers.modem import DLE, shield
from drivers.voice_codecs import ulaw_table
from firmware.cli.processes import open_configured_line
from firmware.config import ConfigStore, Line, Recording, default_config
from firmware.engine import Engine
from firmware.link import contract
from firmware.store.db import Store
from firmware.tools.wavfile import read_wav
from tests.drivers_fakes import FakeModem, driver_threads
from tests.test_drivers_modem_line import modem_replies, ulaw_of

WAIT = 10.0
FRAME_BYTES = 160  # one 20 ms frame of mu-law


def next_event(events: queue.Queue, kind: str, timeout=WAIT) -> contract.Event:
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if event.kind.value == kind:
            return event
    raise AssertionError(f"no {kind!r} event came")


def events_of(events: queue.Queue, *kinds: str, timeout=WAIT) -> dict[str, contract.Event]:
    """The next event of each of ``kinds``, in whatever order they come."""
    found: dict[str, contract.Event] = {}
    deadline = time.monotonic() + timeout
    while set(found) != set(kinds) and (remaining := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=remaining)
        except queue.Empty:
            break
        if event.kind.value in kinds:
            found.setdefault(event.kind.value, event)
    assert set(found) == set(kinds), f"only {sorted(found)} of {sorted(kinds)} came"
    return found


@pytest.fixture
def modem_engine(tmp_path):
    fake = FakeModem(modem_replies())
    config = default_config(1)
    line = Line(
        number=1,
        name="Front desk",
        modem=f"serial:{fake.port}?listen=5&ring_ms=300",
        recording=Recording(encoding="pcm16"),  # bit-exact, to compare with what was sent
    )
    ConfigStore(tmp_path).save(type(config)(config.device, [line]))
    events: queue.Queue = queue.Queue()
    engine = Engine(tmp_path, open_configured_line, publish=events.put)
    engine.start()
    yield fake, events
    engine.stop()
    fake.close()
    assert driver_threads() == []


def test_a_call_on_a_modem_line_is_logged_with_caller_id_and_recorded(
    modem_engine, tmp_path, rng
):
    fake, events = modem_engine
    fake.send(b"\r\nRING\r\n")
    next_event(events, "call_started")
    fake.send(b"\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\nNAME = ZHANG SAN\r\n")
    caller = next_event(events, "caller_id")
    assert (caller.number, caller.name) == ("13800138000", "ZHANG SAN")
    assert caller.location_en  # the number's place, from phonenumbers
    fake.send(b"\r\nRING\r\n")
    # Someone picks up the phone: the modem listens in and the call is recorded.
    fake.send(bytes([DLE, ord("H")]))
    next_event(events, "call_answered")
    next_event(events, "recording_started")
    assert fake.wait_for_command("AT+VRX")
    voice = rng.integers(-6000, 6000, FRAME_BYTES * 100).astype(np.int16)  # 2 s
    sent = ulaw_of(voice)
    for at in range(0, len(sent), FRAME_BYTES * 10):
        fake.send(shield(sent[at : at + FRAME_BYTES * 10]))
        time.sleep(0.05)
    time.sleep(0.3)
    fake.send(bytes([DLE, ord("h")]))
    finished = events_of(events, "call_ended", "recording_stopped")
    assert finished["call_ended"].outcome == "answered"

    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        (recording,) = store.recordings()
    assert (call.line, call.direction, call.outcome) == (1, "in", "answered")
    assert (call.number, call.name, call.cid_format, call.cid_date) == (
        "13800138000",
        "ZHANG SAN",
        "MODEM",
        "11231042",
    )
    assert call.number_e164 == "+8613800138000"
    assert recording.call_id == call.id and recording.state == "complete"
    audio = read_wav(tmp_path / "recordings" / recording.path)
    # Every sample the modem sent is in the recording, in order.
    heard = audio.samples
    expected = ulaw_table()[np.frombuffer(sent, np.uint8)]
    start = int(np.flatnonzero(heard)[0])
    np.testing.assert_array_equal(heard[start : start + expected.size], expected)


def test_a_missed_call_on_a_modem_line(modem_engine, tmp_path):
    fake, events = modem_engine
    fake.send(b"\r\nRING\r\n\r\nNMBR = 02088886666\r\n")
    next_event(events, "caller_id")
    fake.send(b"\r\nRING\r\n")
    # Nobody answers; the line's ring timeout (China: 4 s gaps) ends it as missed.
    ended = next_event(events, "call_ended", timeout=20)
    assert ended.outcome == "missed"
    with Store(tmp_path / "linerec.db") as store:
        (call,) = store.calls()
        assert store.recordings() == []
    assert (call.number, call.name, call.outcome) == ("02088886666", None, "missed")

