"""A real USB voice modem (LINEREC_HW_MODEM)."""

from __future__ import annotations

import time

import pytest

from drivers.modem import CallerIdLine, Ring, choose_compression
from drivers.modem_serial import VoiceModem
from hw_tests.hardware import announce, interactive_wait

pytestmark = pytest.mark.hw


def test_modem_initialises_and_offers_a_voice_format_we_decode(modem_url):
    with VoiceModem(modem_url) as modem:
        caller_id = modem.initialise()
        identity = modem.command("ATI3").lines
        offered = modem.voice_compressions()
        modem.command("AT+FCLASS=0")
    print(f"\nmodem: {' / '.join(identity)}; caller ID enabled by: {caller_id}")
    print("voice formats: " + ", ".join(f"{c.id} {c.name}" for c in offered))
    assert choose_compression(offered) is not None, "no 8 kHz voice format the drivers decode"


def test_a_call_rings_with_caller_id_and_is_recorded(modem_url):
    seconds = interactive_wait()
    with VoiceModem(modem_url) as modem:
        modem.initialise()
        announce(f"call this line now (within {seconds:.0f} s) from a number that shows caller ID")
        deadline = time.monotonic() + seconds
        rings, caller_id = 0, []
        while rings < 2 and time.monotonic() < deadline:
            event = modem.poll(max(0.0, deadline - time.monotonic()))
            rings += isinstance(event, Ring)
            if isinstance(event, CallerIdLine):
                caller_id.append(event.line)
        assert rings, "no RING from the modem"
        print(f"\ncaller ID lines: {caller_id or 'none (does the line send caller ID?)'}")
        compression = modem.start_voice_receive()
        frames = [modem.read_frame(5.0) for _ in range(100)]
        modem.hang_up()
    assert all(frame is not None and frame.shape == (160,) for frame in frames)
    print(f"recorded 2 s as {compression.name}")


def test_the_modem_as_a_line_reports_ring_caller_id_and_pick_up(modem_url):
    """The engine's view of a modem line: ring, caller-ID text, the handset lifted.

    With ``listen=<n>`` in LINEREC_HW_MODEM (the modem's +VLS setting for
    listening beside the phone) it also checks that the call's audio comes.
    """
    from drivers.modem_line import open_modem_line  # noqa: PLC0415
    from drivers.signals import CallerIdReport, LoopStarted, RingStarted  # noqa: PLC0415

    seconds = interactive_wait()
    line = open_modem_line(modem_url)
    line.start()
    try:
        announce(f"call this line (within {seconds:.0f} s), then answer on the phone beside it")
        deadline = time.monotonic() + seconds
        seen: list = []
        while not any(isinstance(e, LoopStarted) for e in seen) and time.monotonic() < deadline:
            event = line.signals.poll(max(0.0, deadline - time.monotonic()))
            if event is not None:
                seen.append(event)
        assert any(isinstance(e, RingStarted) for e in seen), "no ring reported"
        reports = [e.text for e in seen if isinstance(e, CallerIdReport)]
        print(f"\ncaller-ID lines: {reports or 'none (does the line send caller ID?)'}")
        assert any(isinstance(e, LoopStarted) for e in seen), (
            "the pick-up was not reported: this modem may not report <DLE>H/<DLE>P"
        )
        if line.listen_vls is not None:
            frames = [line.capture.read() for _ in range(100)]
            assert any(frame.any() for frame in frames), "2 s of silence while listening in"
    finally:
        line.close()


def test_a_modem_listening_beside_the_phone_plays_to_it(modem_url):
    """The announcement's path on a modem line: with ``listen=<n>`` the modem joins the line
    beside the phone that answered and plays to both parties without taking the line.

    The person at the phone hears a 2 s tone of 440 Hz, and the caller too."""
    import numpy as np  # noqa: PLC0415

    from drivers.modem_line import open_modem_line  # noqa: PLC0415
    from drivers.signals import LoopStarted  # noqa: PLC0415

    seconds = interactive_wait()
    line = open_modem_line(modem_url)
    if line.listen_vls is None:
        pytest.skip("LINEREC_HW_MODEM has no listen=<n>: the modem cannot join the phone")
    line.start()
    try:
        announce(f"call this line (within {seconds:.0f} s) and answer on the phone beside it")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if isinstance(line.signals.poll(max(0.0, deadline - time.monotonic())), LoopStarted):
                break
        else:
            pytest.fail("the pick-up was not reported")
        assert line.on_the_line, "the modem did not join the line beside the phone"
        tone = (np.cos(2 * np.pi * 440 * np.arange(160) / 8000) * 8000).astype(np.int16)
        for _ in range(100):  # 2 s, paced by the line's capture as the engine does
            line.capture.read()
            line.playback.write(tone)
        line.playback.rest()
        print(f"\nframes not played: {line.playback.dropped} of 100")
        assert line.playback.dropped <= 2, "the modem did not take what it was given to play"
        announce("the phone and the caller should have heard a 2 s tone; hang up now")
    finally:
        line.close()
