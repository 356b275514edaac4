"""Line signals: the real GPIO backend against a fake RPi.GPIO, and the sim: backend."""

from __future__ import annotations

import itertools
import sys
import threading

import pytest

from drivers import errors
from drivers.opening import open_signals
from drivers.signals import (
    DialPulse,
    LoopStarted,
    LoopStopped,
    PolarityReversed,
    RingStarted,
    RingStopped,
)
from drivers.signals_gpio import GpioLineSignals, import_rpi_gpio
from drivers.simline import sim_line
from tests.drivers_fakes import FakeGpio, driver_threads

RING, LOOP, RELAY, REVERSAL = 17, 27, 22, 5
FAST = "ring_gap_ms=30,loop_hold_ms=10,pulse_max_ms=20"
WAIT = 5.0  # generous: only reached if something is broken


def next_event(signals, timeout=WAIT):
    event = signals.poll(timeout)
    assert event is not None, "no event came"
    return event


@pytest.fixture
def gpio():
    return FakeGpio()


@pytest.fixture
def no_thread_left():
    yield
    assert driver_threads() == []


# ---- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("gpio:ring=17,loop=27", "the relay pin is missing"),
        ("gpio:ring=17,loop=27,relay=99", "relay='99' is not a BCM GPIO number"),
        ("gpio:ring=17,loop=17,relay=22", "two signals share a pin"),
        ("gpio:ring=17,loop=27,relay=22,active_low=ring+bell", "active_low names ['bell']"),
        ("gpio:ring=17,loop=27,relay=22,colour=red", "unknown setting(s) colour"),
        ("gpio:ring=17,loop=27,relay=22,ring_gap_ms=soon", "ring_gap_ms='soon' is not a number"),
        ("gpio:ring=17,loop=27,relay=22,loop_hold_ms=50,pulse_max_ms=20", "pulse_max_ms must"),
        ("gpio:ring=17,loop=27,relay=22,ring_pulses=0", "ring_pulses='0'"),
        ("gpio:ring=17,,loop=27", "'' is not name=value"),
        ("gpio:ring=17,ring=18,loop=27,relay=22", "ring given twice"),
        ("gpio:ring=17,loop=27,relay=22,ringer=22", "two signals share a pin"),
        ("serial:/dev/ttyS0", "unknown scheme 'serial'"),
    ],
)
def test_bad_signal_urls_name_the_problem_and_the_forms(gpio, url, problem):
    with pytest.raises(errors.DriverURLError) as caught:
        open_signals(url, gpio=gpio)
    assert problem in str(caught.value)
    assert "gpio:ring=<BCM pin>" in str(caught.value)


# ---- the GPIO backend on a fake RPi.GPIO -------------------------------------------


def test_gpio_backend_sets_the_pins_up_as_the_hardware_needs(gpio, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},reversal={REVERSAL},active_low=ring+loop"
    with open_signals(url, gpio=gpio) as signals:
        assert isinstance(signals, GpioLineSignals)
        assert gpio.mode == gpio.BCM
        assert gpio.directions == {RING: gpio.IN, LOOP: gpio.IN, REVERSAL: gpio.IN, RELAY: gpio.OUT}
        assert gpio.pulls[RING] == gpio.pulls[LOOP] == gpio.PUD_UP  # optocouplers pull down
        assert gpio.pulls[REVERSAL] == gpio.PUD_DOWN
        assert gpio.detections[RING][0] == gpio.FALLING
        assert gpio.detections[LOOP][0] == gpio.BOTH
        assert gpio.output_history == [(RELAY, gpio.LOW)]  # relay released from the start
        assert not signals.ringing and not signals.off_hook and not signals.seized
        assert driver_threads() == [f"signals-gpio-{RING}"]
    assert sorted(gpio.cleaned) == sorted([RING, LOOP, RELAY, REVERSAL])
    assert gpio.detections == {}


def test_gpio_ring_burst_gives_start_then_stop(gpio, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},active_low=ring+loop,{FAST}"
    with open_signals(url, gpio=gpio) as signals:
        for _ in range(10):
            gpio.pulse(RING, active_low=True)
        events = [next_event(signals)]
        while not isinstance(events[-1], RingStopped):
            events.append(next_event(signals))
    # Ten pulses driven back to back make one burst; a test thread stalled for longer than
    # the 30 ms gap would see two, which is right too: starts and stops must alternate.
    kinds = [type(event) for event in events]
    assert kinds == [RingStarted, RingStopped] * (len(kinds) // 2)
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))
    assert not signals.ringing


def test_gpio_loop_off_hook_and_on_hook(gpio, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},active_low=ring+loop,{FAST}"
    with open_signals(url, gpio=gpio) as signals:
        gpio.drive(LOOP, gpio.LOW)  # active low: loop current
        assert isinstance(next_event(signals), LoopStarted)
        assert signals.off_hook
        gpio.drive(LOOP, gpio.HIGH)
        assert isinstance(next_event(signals), LoopStopped)
        assert not signals.off_hook


def test_gpio_dial_pulse_through_the_worker(gpio, no_thread_left):
    # A long pulse_max so the break below, however slow the test machine, stays a pulse.
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},loop_hold_ms=0.001,pulse_max_ms=60000"
    gpio.levels[LOOP] = gpio.HIGH  # a phone is already off hook when the box starts
    with open_signals(url, gpio=gpio) as signals:
        assert signals.off_hook
        gpio.drive(LOOP, gpio.LOW)  # a break far longer than loop_hold (1 us)...
        gpio.drive(LOOP, gpio.HIGH)  # ...and far shorter than pulse_max (60 s)
        assert isinstance(next_event(signals), DialPulse)


def test_gpio_polarity_reversal(gpio, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},reversal={REVERSAL},{FAST}"
    with open_signals(url, gpio=gpio) as signals:
        gpio.drive(REVERSAL, gpio.HIGH)
        assert isinstance(next_event(signals), PolarityReversed)


@pytest.mark.parametrize(("active_low", "seized_level"), [("", 1), (",active_low=relay", 0)])
def test_gpio_relay_follows_seize(gpio, no_thread_left, active_low, seized_level):
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}{active_low}", gpio=gpio) as sig:
        sig.seize(True)
        assert gpio.levels[RELAY] == seized_level and sig.seized
        sig.seize(False)
        assert gpio.levels[RELAY] == 1 - seized_level and not sig.seized
        sig.seize()
    assert gpio.output_history[-1] == (RELAY, 1 - seized_level)  # released on close
    with pytest.raises(errors.DriverClosedError):
        sig.seize()


def test_gpio_ringer_rings_the_office_phones_only_where_the_box_has_one(gpio, no_thread_left):
    ringer = 6
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY},ringer={ringer}",
                      gpio=gpio) as sig:
        assert gpio.levels[ringer] == 0  # off from the start
        assert sig.ring_phones(True) and gpio.levels[ringer] == 1
        assert sig.ring_phones(False) and gpio.levels[ringer] == 0
        sig.ring_phones(True)
    assert gpio.output_history[-1] == (ringer, 0)  # stopped on close
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}", gpio=gpio) as sig:
        assert not sig.ring_phones(True)  # a box beside the phones cannot ring them


def test_gpio_poll_returns_none_on_timeout_and_when_closed_elsewhere(gpio, no_thread_left):
    signals = open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}", gpio=gpio)
    assert signals.poll(0.01) is None
    result = []
    waiter = threading.Thread(target=lambda: result.append(signals.poll()), name="test-poller")
    waiter.start()
    signals.close()
    waiter.join(WAIT)
    assert result == [None]
    assert signals.poll() is None


def test_gpio_setup_failure_frees_the_pins(gpio, no_thread_left):
    def refuse(*args, **kwargs):
        raise RuntimeError("Failed to add edge detection")

    gpio.add_event_detect = refuse
    with pytest.raises(errors.DeviceError, match=r"Failed to add edge detection.*group gpio"):
        open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}", gpio=gpio)
    assert {RING, RELAY} <= set(gpio.cleaned)
    assert gpio.directions == {}  # every pin set up was freed


def test_a_library_refusing_to_start_is_a_device_error(gpio, no_thread_left):
    gpio.setmode(gpio.BOARD)  # another part of the program numbers the pins otherwise
    with pytest.raises(errors.DeviceError, match="A different mode has already been set"):
        open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}", gpio=gpio)


def test_rpi_gpio_off_the_pi_is_reported_clearly(tmp_path, monkeypatch):
    package = tmp_path / "RPi"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "GPIO.py").write_text(
        "raise RuntimeError('This module can only be run on a Raspberry Pi!')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("RPi", "RPi.GPIO"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    with pytest.raises(errors.BackendUnavailableError, match="only on the Raspberry Pi") as caught:
        import_rpi_gpio()
    assert "sim:" in str(caught.value)


def test_missing_gpio_libraries_say_what_to_install(monkeypatch):
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    monkeypatch.setitem(sys.modules, "RPi", None)
    monkeypatch.setitem(sys.modules, "lgpio", None)
    with pytest.raises(errors.BackendUnavailableError) as caught:
        open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}")
    message = str(caught.value)
    assert "\n" not in message
    assert "neither is installed" in message and "pip install gpiozero lgpio" in message


# ---- sim: ------------------------------------------------------------------------


def test_sim_signals_carry_what_the_simulator_sets(no_thread_left):
    line = sim_line("signals-1")
    with open_signals("sim:signals-1") as signals:
        line.set_ringing(True, at=1.0)
        line.set_ringing(True, at=1.5)  # no change, no event
        line.set_ringing(False, at=2.0)
        line.set_off_hook(True, at=7.0)
        line.dial_pulse(at=8.0)
        line.reverse_polarity(at=9.0)
        line.set_off_hook(False, at=30.0)
        events = [signals.poll(0) for _ in range(6)]
        assert signals.poll(0) is None
    assert events == [
        RingStarted(1.0),
        RingStopped(2.0),
        LoopStarted(7.0),
        DialPulse(8.0),
        PolarityReversed(9.0),
        LoopStopped(30.0),
    ]


def test_sim_signals_start_from_the_lines_state_and_track_it():
    line = sim_line("signals-2")
    line.set_off_hook(True)
    with open_signals("sim:signals-2") as signals:
        assert signals.off_hook and not signals.ringing
        line.set_ringing(True)
        assert isinstance(signals.poll(WAIT), RingStarted)
        assert signals.ringing


def test_sim_relay_is_read_back_by_the_simulator():
    line = sim_line("signals-3")
    with open_signals("sim:signals-3") as signals:
        seizer = threading.Thread(target=signals.seize, name="test-engine")
        seizer.start()
        assert line.wait_relay(True, timeout=WAIT)
        seizer.join(WAIT)
        assert line.relay_seized
    assert line.wait_relay(False, timeout=WAIT)  # closing releases the line


def test_sim_signals_take_no_options():
    with pytest.raises(errors.DriverURLError, match="unknown option 'depth' for sim:"):
        open_signals("sim:x?depth=3")
