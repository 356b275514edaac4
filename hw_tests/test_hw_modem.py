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
