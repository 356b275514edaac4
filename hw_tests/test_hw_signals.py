"""Ring, loop and relay on the real line interfaces (LINEREC_HW_GPIO), each line's and all
of them at once."""

from __future__ import annotations

import os
import time

import pytest

from drivers.opening import open_signals
from drivers.signals import LoopStarted, LoopStopped, RingStarted, RingStopped
from hw_tests.hardware import announce, interactive_wait

pytestmark = pytest.mark.hw


def wait_for(signals, kind, seconds):
    """The first event of ``kind`` within ``seconds``, or None."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        event = signals.poll(left)
        if isinstance(event, kind):
            return event
    return None


def test_line_interface_opens_and_reports_its_state(gpio_url):
    with open_signals(gpio_url) as signals:
        print(f"\nringing={signals.ringing} off_hook={signals.off_hook} seized={signals.seized}")
        assert not signals.seized


def test_every_line_interface_opens_together(all_gpio_urls):
    """The lines side by side, as the engine opens them: no pin shared, none seized."""
    opened = [open_signals(url) for url in all_gpio_urls]
    try:
        for url, signals in zip(all_gpio_urls, opened, strict=True):
            print(f"\n{url}: ringing={signals.ringing} off_hook={signals.off_hook}")
            assert not signals.seized
    finally:
        for signals in opened:
            signals.close()


def test_seizing_the_line_draws_loop_current(gpio_url):
    if os.environ.get("LINEREC_HW_SEIZE") != "1":
        pytest.skip("takes the line off hook: set LINEREC_HW_SEIZE=1 when the line is free")
    with open_signals(gpio_url) as signals:
        if signals.off_hook:
            pytest.skip("a phone on the line is off hook; hang it up and run again")
        signals.seize(True)
        assert wait_for(signals, LoopStarted, 2.0), "relay closed but no loop current was seen"
        signals.seize(False)
        assert wait_for(signals, LoopStopped, 2.0), "relay opened but the loop did not drop"


def test_a_call_rings_the_line(gpio_url):
    seconds = interactive_wait()
    with open_signals(gpio_url) as signals:
        announce(f"call this line now (within {seconds:.0f} s) and let it ring twice")
        started = wait_for(signals, RingStarted, seconds)
        assert started, "no ring seen"
        stopped = wait_for(signals, RingStopped, 10)
        assert stopped and 0.2 < stopped.at - started.at < 5, "ring burst of implausible length"
        print(f"\nfirst ring burst {stopped.at - started.at:.2f} s")


def test_lifting_a_handset_is_seen(gpio_url):
    seconds = interactive_wait()
    with open_signals(gpio_url) as signals:
        announce(f"lift a handset on this line (within {seconds:.0f} s), then hang up")
        assert wait_for(signals, LoopStarted, seconds), "no off-hook seen"
        assert wait_for(signals, LoopStopped, seconds), "no on-hook seen"


def test_the_ringer_rings_the_office_phones(gpio_url):
    """A box wired in series with a ring generator on ``ringer=<pin>``: the phones ring."""
    if "ringer=" not in gpio_url:
        pytest.skip("the line's URL has no ringer=<pin> (a box beside the phones has none)")
    seconds = interactive_wait()
    with open_signals(gpio_url) as signals:
        announce(f"the office's phones on this line should ring for {min(seconds, 6):.0f} s")
        assert signals.ring_phones(True)
        time.sleep(min(seconds, 6))
        assert signals.ring_phones(False)
        announce("they should have rung, and stopped")
