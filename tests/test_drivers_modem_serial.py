"""Voice modems over serial: the transport through pyserial's loop://, the VoiceModem
against a scripted fake modem on a pseudo-terminal."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import serial

from drivers import errors, modem_serial, open_modem
from drivers.modem import DLE, CallerIdLine, DleCode, Ring, VoiceCompression, VoiceDataEnd, shield
from drivers.modem_serial import ModemConnection, VoiceModem
from drivers.voice_codecs import SampleFormat, encode_samples, ulaw_table
from tests.drivers_fakes import FakeModem, driver_threads

OK = b"\r\nOK\r\n"
ERROR = b"\r\nERROR\r\n"
WAIT = 5.0  # generous: only reached if something is broken
VSM_LIST = (
    b'\r\n0,"SIGNED PCM",8,0,(7200,8000,11025),(0),(0)\r\n'
    b'4,"G711U",8,0,(8000),(0),(0)\r\n5,"G711A",8,0,(8000),(0),(0)\r\n' + OK
)


@pytest.fixture
def no_thread_left():
    yield
    assert driver_threads() == []


def wait_event(modem, kind, timeout=WAIT):
    """The next event of ``kind``, skipping others."""
    while True:
        event = modem.poll(timeout)
        assert event is not None, f"no {kind.__name__} came"
        if isinstance(event, kind):
            return event


# ---- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("/dev/ttyACM0", "not a modem URL"),
        ("serial:", "no device after 'serial:'"),
        ("serial:/dev/ttyACM0?speed=9600", "unknown option 'speed'"),
        ("serial:/dev/ttyACM0?baud=fast", "baud='fast' is not a number"),
        ("nosuch://x", "protocol 'nosuch' not known"),
    ],
)
def test_bad_modem_urls(url, problem, no_thread_left):
    with pytest.raises(errors.DriverURLError) as caught:
        open_modem(url)
    assert problem in str(caught.value) and "serial:<device>" in str(caught.value)


def test_a_port_that_does_not_exist_says_what_to_check(tmp_path, no_thread_left):
    with pytest.raises(errors.DeviceError, match="dialout"):
        open_modem(f"serial:{tmp_path / 'ttyACM9'}")


# ---- the transport through loop:// -------------------------------------------------


@pytest.fixture
def looped():
    """A ModemConnection on loop://, and the loop port itself to write 'modem' bytes into."""
    port = serial.serial_for_url("loop://", timeout=0.05)
    connection = ModemConnection("loop://", serial_factory=lambda *args, **kwargs: port)
    yield connection, port
    connection.close()
    assert driver_threads() == []


def test_loop_unsolicited_lines_become_events(looped):
    connection, port = looped
    port.write(b"\r\nRING\r\nNMBR = 13800138000\r\n\x10d")
    assert isinstance(connection.poll(WAIT), Ring)
    assert connection.poll(WAIT).line == "NMBR = 13800138000"
    dle = connection.poll(WAIT)
    assert isinstance(dle, DleCode) and dle.code == "d"
    assert connection.poll(0.01) is None


def test_loop_command_gets_its_result(looped):
    connection, _ = looped
    # loop:// echoes the command itself, so sending "OK" reads back the result OK.
    reply = connection.command("OK")
    assert (reply.command, reply.result, reply.lines) == ("OK", "OK", ())
    with pytest.raises(errors.ModemCommandError, match="answered ERROR to 'ERROR'"):
        connection.command("ERROR")


def test_loop_a_command_nobody_answers_times_out(looped):
    connection, _ = looped
    with pytest.raises(errors.ModemTimeoutError, match=r"did not answer 'ATI' within 0\.2 s"):
        connection.command("ATI", timeout=0.2)  # only its echo comes back
    assert connection.command("OK").result == "OK"  # and the connection still works


def test_loop_closing_ends_a_command_waiting_in_another_thread(looped):
    connection, _ = looped
    failures = []

    def wait_for_an_answer():
        try:
            connection.command("ATI", timeout=30)  # only its echo comes back
        except errors.DriverClosedError as error:
            failures.append(error)

    waiter = threading.Thread(target=wait_for_an_answer)
    waiter.start()
    time.sleep(0.2)
    started = time.monotonic()
    connection.close()
    waiter.join(5)
    assert failures and time.monotonic() - started < 5


def test_loop_closed_connection_refuses_commands(looped):
    connection, _ = looped
    connection.close()
    with pytest.raises(errors.DriverClosedError):
        connection.command("OK")
    assert connection.poll(0) is None


# ---- a VoiceModem against a fake modem on a pty --------------------------------------


@pytest.fixture
def fake_modem_factory():
    made: list[FakeModem] = []

    def make(replies):
        fake = FakeModem(replies)
        made.append(fake)
        return fake

    yield make
    for fake in made:
        fake.close()


def test_initialise_enables_caller_id(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"ATZ": b"ATZ\r\r\nOK\r\n", "ATE0": OK, "AT+VCID=1": OK})
    with VoiceModem(f"serial:{fake.port}?baud=115200", command_timeout=WAIT) as modem:
        assert modem.initialise() == "AT+VCID=1"
    assert fake.commands == ["ATZ", "ATE0", "AT+VCID=1"]


def test_initialise_falls_back_to_at_cid(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"ATZ": OK, "ATE0": OK, "AT+VCID=1": ERROR, "AT#CID=1": OK})
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        assert modem.initialise() == "AT#CID=1"
        assert modem.caller_id_command == "AT#CID=1"


def test_initialise_without_caller_id_support(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"ATZ": OK, "ATE0": OK})
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        assert modem.initialise() is None
    assert fake.commands[-2:] == ["AT+VCID=1", "AT#CID=1"]


def test_ring_and_caller_id_then_answer(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"AT+FCLASS=8": OK, "AT+VLS=1": b"\r\nVCON\r\n", "ATH0": OK})
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        fake.send(b"\r\nRING\r\n\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\n")
        fake.send(b"NAME = ZHANG SAN\r\n\r\nRING\r\n")
        events = [modem.poll(WAIT) for _ in range(6)]
        assert [type(e) for e in events] == [Ring, *[CallerIdLine] * 4, Ring]
        assert [e.line for e in events[1:5]] == [
            "DATE = 1123",
            "TIME = 1042",
            "NMBR = 13800138000",
            "NAME = ZHANG SAN",
        ]
        assert events[0].at <= events[1].at <= events[5].at
        modem.answer()
        modem.hang_up()
    assert fake.commands == ["AT+FCLASS=8", "AT+VLS=1", "ATH0"]


def test_a_modem_answering_error_raises_with_the_command(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"AT+FCLASS=8": b"\r\n+FCLASS: not here\r\nERROR\r\n"})
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        with pytest.raises(errors.ModemCommandError) as caught:
            modem.answer()
        assert caught.value.command == "AT+FCLASS=8" and caught.value.result == "ERROR"
        assert caught.value.lines == ("+FCLASS: not here",)


def test_a_silent_modem_times_out_and_unsolicited_lines_still_arrive(
    fake_modem_factory, no_thread_left
):
    fake = fake_modem_factory({"ATI": None})
    with VoiceModem(f"serial:{fake.port}", command_timeout=0.3) as modem:
        with pytest.raises(errors.ModemTimeoutError, match="did not answer 'ATI'"):
            modem.command("ATI")
        fake.send(b"\r\nRING\r\n")
        assert isinstance(modem.poll(WAIT), Ring)


def voice_receive_replies(extra=None):
    return {
        "AT+FCLASS=8": OK,
        "AT+VSM=?": VSM_LIST,
        "AT+VSM=4,8000": OK,
        "AT+VLS=1": b"\r\nVCON\r\n",
        "AT+VRX": b"\r\nCONNECT\r\n",
        "ATH0": OK,
        **(extra or {}),
    }


def test_voice_receive_with_dle_shielding_dtmf_and_end_of_data(
    fake_modem_factory, rng, no_thread_left
):
    codes = rng.integers(0, 256, 800, dtype=np.uint8)
    codes[::37] = DLE  # plenty of bytes that must be shielded
    fake = fake_modem_factory(voice_receive_replies())
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        compression = modem.start_voice_receive()
        assert compression.id == 4 and modem.receiving
        fake.send(shield(codes[:500].tobytes()) + bytes([DLE, ord("5")]))
        fake.send(shield(codes[500:].tobytes()))
        frames = [modem.read_frame(WAIT) for _ in range(2)]
        with modem.capture() as capture:  # the same frames, as an audio capture stream
            frames += [capture.read() for _ in range(3)]
            assert capture.overruns == 0
        assert wait_event(modem, DleCode).dtmf == "5"
        modem.hang_up()  # stops receiving (<DLE>!), then ATH0
        assert modem.read_frame(WAIT) is None  # the end of the voice data
        assert isinstance(wait_event(modem, VoiceDataEnd), VoiceDataEnd)
        assert not modem.receiving
    expected = np.zeros(5 * 160, dtype=np.int16)
    expected[:800] = ulaw_table()[codes]
    np.testing.assert_array_equal(np.concatenate(frames), expected)
    assert fake.commands == [
        "AT+FCLASS=8",
        "AT+VSM=?",
        "AT+FCLASS=8",
        "AT+VSM=4,8000",
        "AT+VLS=1",
        "AT+VRX",
        "<DLE>!",
        "ATH0",
    ]


def test_voice_receive_refuses_a_modem_with_nothing_we_decode(fake_modem_factory, no_thread_left):
    replies = voice_receive_replies({"AT+VSM=?": b'\r\n2,"ADPCM",4,0,(8000),(0),(0)\r\n' + OK})
    fake = fake_modem_factory(replies)
    with (
        VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem,
        pytest.raises(errors.ModemCommandError, match="2 ADPCM"),
    ):
        modem.start_voice_receive()


def test_a_modem_that_disappears_fails_every_waiter_at_once(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory({"ATI": None, "AT+FCLASS=8": OK})
    with VoiceModem(f"serial:{fake.port}", command_timeout=60) as modem:
        failure = []

        def ask():
            try:
                modem.command("ATI")
            except errors.DriverError as error:
                failure.append(error)

        asker = threading.Thread(target=ask, name="test-asker")
        asker.start()
        assert fake.wait_for_command("ATI")
        fake.vanish()
        asker.join(WAIT)  # far less than the 60 s command timeout
        assert not asker.is_alive()
        assert isinstance(failure[0], errors.ModemGoneError)
        assert "unplugged" in str(failure[0])
        with pytest.raises(errors.ModemGoneError):
            modem.poll(WAIT)
        with pytest.raises(errors.ModemGoneError):
            modem.read_frame(WAIT)
        with pytest.raises(errors.ModemGoneError):
            modem.command("AT+FCLASS=8")


def test_voice_receive_of_16_bit_linear_chosen_by_the_caller(
    fake_modem_factory, rng, no_thread_left
):
    samples = rng.integers(-32768, 32768, 480).astype("<i2")
    samples[::11] = 0x1010  # both bytes are DLE
    fake = fake_modem_factory(voice_receive_replies({"AT+VSM=129,8000": OK}))
    compression = VoiceCompression(129, "16-BIT LINEAR", SampleFormat.S16LE, (8000,))
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        assert modem.start_voice_receive(compression) is compression
        data = shield(samples.tobytes())
        for start in range(0, len(data), 77):  # odd pieces split samples and DLE pairs
            fake.send(data[start : start + 77])
        with modem.capture() as capture:
            frames = [capture.read() for _ in range(3)]
            modem.stop_voice_receive()
            assert capture.read() is None
    np.testing.assert_array_equal(np.concatenate(frames), samples)
    assert "AT+VSM=?" not in fake.commands


def test_closing_the_capture_wakes_a_blocked_reader(fake_modem_factory, no_thread_left):
    fake = fake_modem_factory(voice_receive_replies())
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        modem.start_voice_receive()
        capture = modem.capture()
        result = []
        reader = threading.Thread(target=lambda: result.append(capture.read()), name="test-reader")
        reader.start()
        capture.close()
        reader.join(WAIT)
        assert result == [None]


# ---- playing to the line --------------------------------------------------------------

CONNECT = b"\r\nCONNECT\r\n"
ULAW = VoiceCompression(4, "G711U", SampleFormat.ULAW, (8000,))


def frames_with_dle(count: int, rng) -> np.ndarray:
    """Frames whose mu-law bytes are DLE every few samples."""
    samples = rng.integers(-8000, 8000, count * 160).astype(np.int16)
    samples[::5] = ulaw_table()[DLE]
    return samples.reshape(count, 160)


def wait_played(fake, count: int) -> bytes:
    assert fake.wait_played(count, WAIT), f"the modem took {len(fake.played)} of {count} bytes"
    return bytes(fake.played)


def test_full_duplex_plays_shielded_voice_while_the_line_is_still_heard(
    fake_modem_factory, rng, no_thread_left
):
    fake = fake_modem_factory(voice_receive_replies({"AT+VTR": CONNECT}))
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        modem.start_voice_receive(ULAW, full_duplex=True)
        assert (modem.full_duplex, modem.transmitting, modem.receiving) == (True, "AT+VTR", True)
        frames = frames_with_dle(5, rng)
        for frame in frames:
            assert modem.transmit(frame)
        expected = encode_samples(frames.ravel(), SampleFormat.ULAW)
        assert expected.count(DLE) >= 160  # what goes on the wire is shielded: DLE doubled
        assert wait_played(fake, len(expected)) == expected
        # The line's voice goes on coming meanwhile.
        heard = rng.integers(0, 256, 320, dtype=np.uint8)
        fake.send(shield(heard.tobytes()))
        got = np.concatenate([modem.read_frame(WAIT) for _ in range(2)])
        np.testing.assert_array_equal(got, ulaw_table()[heard])
        modem.hang_up()  # <DLE><ETX> ends both ways, then ATH0
        assert modem.read_frame(WAIT) is None
        assert (modem.transmitting, modem.receiving) == (None, False)
    assert fake.commands[-3:] == ["AT+VTR", "<DLE><ETX>", "ATH0"]
    assert "AT+VRX" not in fake.commands


def test_a_modem_without_full_duplex_receives_and_plays_with_vtx(
    fake_modem_factory, rng, no_thread_left
):
    fake = fake_modem_factory(voice_receive_replies({"AT+VTX": CONNECT}))  # VTR: ERROR
    with VoiceModem(f"serial:{fake.port}", command_timeout=WAIT) as modem:
        modem.start_voice_receive(ULAW, full_duplex=True)
        assert (modem.full_duplex, modem.transmitting, modem.receiving) == (False, None, True)
        modem.start_voice_transmit()  # stops receiving first
        assert (modem.transmitting, modem.receiving) == ("AT+VTX", False)
        frames = frames_with_dle(3, rng)
        for frame in frames:
            modem.transmit(frame)
        expected = encode_samples(frames.ravel(), SampleFormat.ULAW)
        assert wait_played(fake, len(expected)) == expected
        modem.stop_voice_transmit()
        modem.resume_voice_receive()
        assert modem.receiving and modem.transmitting is None
        modem.stop_voice_receive()
        modem.start_voice_receive(ULAW, full_duplex=True)  # not asked for AT+VTR again
    assert fake.commands[3:] == [
        "AT+VTR",
        "AT+VRX",
        "<DLE>!",
        "AT+VTX",
        "<DLE><ETX>",
        "AT+VRX",
        "<DLE>!",
        "AT+FCLASS=8",
        "AT+VSM=4,8000",
        "AT+VLS=1",
        "AT+VRX",
    ]


def test_voice_waits_for_the_modem_flow_and_never_holds_the_writer_up(
    fake_modem_factory, rng, no_thread_left
):
    fake = fake_modem_factory(voice_receive_replies({"AT+VTX": CONNECT}))
    with VoiceModem(f"serial:{fake.port}?flow=xonxoff", command_timeout=WAIT) as modem:
        modem.start_voice_receive(ULAW)
        modem.start_voice_transmit()
        frames = rng.integers(-8000, 8000, (60, 160)).astype(np.int16)
        modem.transmit(frames[0])
        assert wait_played(fake, 160)
        fake.send(b"\x13")  # XOFF: the modem's buffer is full
        time.sleep(0.1)
        started = time.monotonic()
        slowest = 0.0
        for frame in frames[1:]:
            before = time.monotonic()
            modem.transmit(frame)
            slowest = max(slowest, time.monotonic() - before)
        # Each frame waits a frame's time at most; what did not fit is dropped and counted.
        assert slowest < 0.3 and time.monotonic() - started < 59 * 0.06
        assert modem.transmit_dropped > 0
        taken = len(fake.played)
        assert taken < 160 * 60 - modem.transmit_dropped * 160 + 1
        fake.send(b"\x11")  # XON: on it goes with what was queued
        sent = 60 - modem.transmit_dropped
        played = wait_played(fake, 160 * sent)
        assert len(played) == 160 * sent
        modem.stop_voice_transmit()


def test_a_modem_that_holds_its_flow_off_stops_the_playing_not_the_line(
    fake_modem_factory, rng, monkeypatch, no_thread_left
):
    monkeypatch.setattr(modem_serial, "WRITE_TIMEOUT_S", 0.3)
    fake = fake_modem_factory(voice_receive_replies({"AT+VTX": CONNECT}))
    with VoiceModem(f"serial:{fake.port}?flow=xonxoff", command_timeout=WAIT) as modem:
        modem.start_voice_receive(ULAW)
        modem.start_voice_transmit()
        fake.send(b"\x13")
        time.sleep(0.1)
        frame = ulaw_table()[np.full(160, DLE, np.uint8)]  # all DLE: the write cut in a pair
        deadline = time.monotonic() + WAIT
        with pytest.raises(errors.ModemTimeoutError, match="took no voice data"):
            while time.monotonic() < deadline:
                modem.transmit(frame)
        fake.send(b"\x11")
        fake.send(b"\r\nRING\r\n")  # the modem itself is still there
        assert isinstance(wait_event(modem, Ring), Ring)
        modem.stop_voice_transmit()  # and ends the transmit, whatever the cut left
        assert fake.commands[-1] == "<DLE><ETX>" and modem.transmitting is None
