"""A voice modem as a line (drivers.modem_line) against a scripted fake modem on a pty."""

from __future__ import annotations

import time

import numpy as np
import pytest

from drivers import errors
from drivers.modem import DLE, shield
from drivers.modem_line import ModemLine, open_modem_line, split_line_options
from drivers.signals import (
    CallerIdReport,
    KeyReported,
    LoopStarted,
    LoopStopped,
    RingStarted,
    RingStopped,
)
from drivers.voice_codecs import SampleFormat, encode_samples, ulaw_table
from tests.drivers_fakes import FakeModem, driver_threads

OK = b"\r\nOK\r\n"
WAIT = 5.0  # generous: only reached if something is broken
VSM_LIST = b'\r\n4,"G711U",8,0,(8000),(0),(0)\r\n' + OK
SET_UP = ["ATZ", "ATE0", "AT+VCID=1", "AT+FCLASS=8", "AT+VSM=?", "AT+FCLASS=8", "AT+VLS=0"]


def modem_replies(full_duplex: bool = False, **extra):
    """A modem with caller ID and G.711 mu-law voice; ``full_duplex``: it answers AT+VTR."""
    return {
        **({"AT+VTR": b"\r\nCONNECT\r\n"} if full_duplex else {}),
        "AT+VTX": b"\r\nCONNECT\r\n",
        "ATZ": OK,
        "ATE0": OK,
        "AT+VCID=1": OK,
        "AT+FCLASS=8": OK,
        "AT+VSM=?": VSM_LIST,
        "AT+VSM=4,8000": OK,
        "AT+VLS=0": OK,
        "AT+VLS=1": b"\r\nVCON\r\n",
        "AT+VLS=5": OK,
        "AT+VRX": b"\r\nCONNECT\r\n",
        "ATH0": OK,
        **extra,
    }


@pytest.fixture
def fake():
    modem = FakeModem(modem_replies())
    yield modem
    modem.close()
    assert driver_threads() == []


def started_line(fake, options="ring_ms=200") -> ModemLine:
    line = open_modem_line(f"serial:{fake.port}?{options}", command_timeout=WAIT)
    line.start()
    return line


def next_signal(line, kind, timeout=WAIT):
    """The next signal of ``kind``, skipping others."""
    deadline = time.monotonic() + timeout
    while (remaining := deadline - time.monotonic()) > 0:
        event = line.signals.poll(remaining)
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__} came")


def wait_for_commands(fake, *last: str, timeout=WAIT) -> list[str]:
    """Wait until the modem's latest commands are ``last``; return all it was sent."""
    with fake.commands_changed:
        ended = fake.commands_changed.wait_for(
            lambda: fake.commands[-len(last) :] == list(last), timeout
        )
    assert ended, f"the modem was sent {fake.commands}, not ending in {list(last)}"
    return list(fake.commands)


def ulaw_of(samples: np.ndarray) -> bytes:
    """mu-law bytes that decode to the nearest table values of ``samples``."""
    table = ulaw_table().astype(np.int32)
    order = np.argsort(table)
    index = np.clip(np.searchsorted(table[order], samples), 0, 255)
    return bytes(order[index].astype(np.uint8))


# ---- URLs --------------------------------------------------------------------------


def test_line_options_are_taken_off_the_modem_url():
    assert split_line_options("serial:/dev/ttyACM0?baud=9600&listen=5&ring_ms=500") == (
        "serial:/dev/ttyACM0?baud=9600",
        5,
        0.5,
    )
    assert split_line_options("serial:/dev/ttyACM0") == ("serial:/dev/ttyACM0", None, 1.0)
    assert split_line_options("socket://box:7000") == ("socket://box:7000", None, 1.0)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("serial:/dev/ttyACM0?listen=on", "listen='on' is not a +VLS setting number"),
        ("serial:/dev/ttyACM0?ring_ms=10", "ring_ms='10' is not a number >= 50"),
        ("serial:/dev/ttyACM0?speed=1", "unknown option 'speed'"),
        ("alsa:hw:1", "unknown scheme 'alsa'"),
    ],
)
def test_bad_modem_line_urls_say_what_is_wrong(url, problem):
    with pytest.raises(errors.DriverURLError) as caught:
        split_line_options(url)
    assert problem in str(caught.value) and "listen=" in str(caught.value)


# ---- signals -----------------------------------------------------------------------


def test_start_sets_the_modem_up_for_caller_id_and_voice(fake):
    line = started_line(fake)
    try:
        assert fake.commands == SET_UP
        assert line.compression.name == "G711U"
    finally:
        line.close()


def test_ring_and_caller_id_become_line_signals(fake):
    line = started_line(fake)
    try:
        fake.send(b"\r\nRING\r\n")
        started = next_signal(line, RingStarted)
        stopped = next_signal(line, RingStopped)
        assert stopped.at - started.at == pytest.approx(0.2, abs=0.01)
        fake.send(b"\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\nNAME = ZHANG SAN\r\n")
        reports = [next_signal(line, CallerIdReport).text for _ in range(4)]
        assert reports == ["DATE = 1123", "TIME = 1042", "NMBR = 13800138000", "NAME = ZHANG SAN"]
        # A second RING inside the burst time extends the burst instead of starting another.
        fake.send(b"\r\nRING\r\n")
        first = next_signal(line, RingStarted)
        time.sleep(0.1)
        fake.send(b"\r\nRING\r\n")
        last_stop = next_signal(line, RingStopped)
        assert last_stop.at - first.at > 0.25
        assert line.signals.poll(0.3) is None
    finally:
        line.close()


def test_phone_hook_reports_become_loop_signals_without_listening(fake):
    line = started_line(fake)
    try:
        fake.send(bytes([DLE, ord("H")]))
        assert isinstance(next_signal(line, LoopStarted), LoopStarted)
        fake.send(bytes([DLE, ord("H")]))  # said twice: still one pick-up
        fake.send(bytes([DLE, ord("h")]))
        assert isinstance(next_signal(line, LoopStopped), LoopStopped)
        assert line.signals.poll(0.2) is None
        assert fake.commands == SET_UP  # no listen setting: the modem stays off the line
    finally:
        line.close()


# ---- audio -------------------------------------------------------------------------


def test_idle_line_gives_silence_at_real_time(fake):
    line = started_line(fake)
    try:
        started = time.monotonic()
        frames = [line.capture.read() for _ in range(10)]
        elapsed = time.monotonic() - started
        assert all(frame.shape == (160,) and not frame.any() for frame in frames)
        assert 0.15 <= elapsed < 1.0
    finally:
        line.close()


def test_listening_records_a_call_taken_on_the_phone(fake, rng):
    line = started_line(fake, "listen=5&ring_ms=200")
    voice = rng.integers(-8000, 8000, 160 * 25).astype(np.int16)
    sent = ulaw_of(voice)
    expected = ulaw_table()[np.frombuffer(sent, np.uint8)]
    try:
        fake.send(bytes([DLE, ord("H")]))
        assert isinstance(next_signal(line, LoopStarted), LoopStarted)
        assert fake.wait_for_command("AT+VRX")
        # beside the phone it asks for full duplex (to play the announcement): this modem
        # has none, and receives only
        listening = ["AT+FCLASS=8", "AT+VSM=4,8000", "AT+VLS=5", "AT+VTR", "AT+VRX"]
        assert fake.commands[len(SET_UP) :] == listening
        fake.send(shield(sent))
        frames = []
        for _ in range(500):  # 10 s of line time at most: fails, never hangs
            frame = line.capture.read()
            if frame.any():  # silence read before the voice began
                frames.append(frame)
            if len(frames) == 25:
                break
        assert len(frames) == 25, f"only {len(frames)} of the 25 voice frames came"
        np.testing.assert_array_equal(np.concatenate(frames), expected)
        # The phone hangs up: its report comes inside the voice data.
        fake.send(bytes([DLE, ord("h")]))
        assert isinstance(next_signal(line, LoopStopped), LoopStopped)
        sent_commands = wait_for_commands(fake, "<DLE>!", "AT+FCLASS=8", "AT+VLS=0")
        assert len(sent_commands) == len(SET_UP) + len(listening) + 3
    finally:
        line.close()


def test_seizing_takes_the_line_and_releasing_hangs_up(fake):
    line = started_line(fake)
    try:
        line.signals.seize(True)
        assert fake.wait_for_command("AT+VRX")
        assert "AT+VLS=1" in fake.commands[len(SET_UP) :]
        fake.send(shield(bytes([0xFF]) * 320))  # two frames of mu-law silence
        frames = [line.capture.read() for _ in range(2)]
        assert all(frame.shape == (160,) for frame in frames)
        line.signals.seize(False)
        wait_for_commands(fake, "<DLE>!", "ATH0", "AT+FCLASS=8", "AT+VLS=0")
    finally:
        line.close()


def test_a_modem_without_a_usable_voice_format_still_reports_calls(caplog):
    fake = FakeModem(modem_replies(**{"AT+VSM=?": b'\r\n2,"ADPCM",4,0,(8000)\r\n' + OK}))
    try:
        line = started_line(fake)
        try:
            assert line.compression is None and not line.playback.can_play
            assert "cannot be recorded" in caplog.text
            fake.send(b"\r\nRING\r\n")
            assert isinstance(next_signal(line, RingStarted), RingStarted)
        finally:
            line.close()
    finally:
        fake.close()


def test_a_vanished_modem_ends_the_line_audio_with_its_error(fake):
    line = started_line(fake)
    try:
        fake.vanish()
        with pytest.raises(errors.ModemGoneError, match="unplugged"):
            for _ in range(100):
                line.capture.read()
    finally:
        line.close()


def test_close_hangs_up_a_seized_line(fake):
    line = started_line(fake)
    line.signals.seize(True)
    assert fake.wait_for_command("AT+VRX")
    line.close()
    wait_for_commands(fake, "<DLE>!", "ATH0")
    assert line.capture.read() is None and line.signals.poll(0) is None



# ---- playing -------------------------------------------------------------------------


def loud_frames(count: int, rng) -> np.ndarray:
    return rng.integers(-8000, 8000, (count, 160)).astype(np.int16)


def test_the_line_held_plays_full_duplex_and_goes_on_hearing(rng):
    fake = FakeModem(modem_replies(full_duplex=True))
    line = started_line(fake)
    try:
        playback = line.playback
        assert not playback.paced_by_capture and playback.latency_frames == 2
        playback.write(loud_frames(1, rng)[0], 0)  # not held: the modem plays nothing
        assert playback.dropped == 1
        line.signals.seize(True)
        assert fake.wait_for_command("AT+VTR")
        frames = loud_frames(4, rng)
        for number, frame in enumerate(frames):
            playback.write(frame, number)
        expected = encode_samples(frames.ravel(), SampleFormat.ULAW)
        assert fake.wait_played(len(expected), WAIT)
        assert bytes(fake.played) == expected
        fake.send(shield(bytes([0x10, 0x22]) * 160))  # the line heard meanwhile
        heard = [line.capture.read() for _ in range(2)]
        np.testing.assert_array_equal(np.concatenate(heard), ulaw_table()[[0x10, 0x22] * 160])
        playback.rest()  # full duplex: the modem just has nothing more to play
        time.sleep(0.2)
        assert fake.commands[-1] == "AT+VTR"
        line.signals.seize(False)
        wait_for_commands(fake, "AT+VTR", "<DLE><ETX>", "ATH0", "AT+FCLASS=8", "AT+VLS=0")
    finally:
        line.close()
        fake.close()
    assert driver_threads() == []


def test_without_full_duplex_the_line_plays_with_vtx_and_the_modem_hears_the_keys(rng):
    fake = FakeModem(modem_replies())
    line = started_line(fake)
    try:
        playback = line.playback
        line.signals.seize(True)
        assert fake.wait_for_command("AT+VRX")
        assert line.modem.full_duplex is False
        fake.press("3")  # receiving: the engine hears keys in the audio, not from the modem
        playback.write(np.zeros(160, dtype=np.int16), 0)  # silence: nothing to transmit
        time.sleep(0.1)
        assert fake.commands[-2:] == ["AT+VTR", "AT+VRX"]
        frames = loud_frames(3, rng)
        for number, frame in enumerate(frames, 1):
            playback.write(frame, number)
        wait_for_commands(fake, "AT+VRX", "<DLE>!", "AT+VTX")
        assert fake.wait_played(3 * 160, WAIT)
        assert bytes(fake.played) == encode_samples(frames.ravel(), SampleFormat.ULAW)
        fake.press("7")  # transmitting: the line is not heard, the modem's report is the key
        key = next_signal(line, KeyReported)
        assert key.digit == "7"
        assert not line.capture.read().any()  # silence while the modem plays
        playback.rest()
        wait_for_commands(fake, "AT+VTX", "<DLE><ETX>", "AT+VRX")
        # Playing again, then a run of silence ends the transmit by itself.
        playback.write(frames[0], 10)
        wait_for_commands(fake, "<DLE>!", "AT+VTX")
        for number in range(11, 25):
            playback.write(np.zeros(160, dtype=np.int16), number)
        wait_for_commands(fake, "AT+VTX", "<DLE><ETX>", "AT+VRX")
        time.sleep(0.4)
        fake.press("9")
        line.signals.seize(False)
        wait_for_commands(fake, "<DLE>!", "ATH0", "AT+FCLASS=8", "AT+VLS=0")
        digits = []
        while (event := line.signals.poll(0.1)) is not None:
            digits += [event.digit] if isinstance(event, KeyReported) else []
        assert digits == []  # 3 and 9 came while the line was heard
    finally:
        line.close()
        fake.close()
    assert driver_threads() == []
