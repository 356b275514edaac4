"""The GPIO line signals on gpiozero: the real driver against gpiozero's MockFactory,
and how the GPIO library is chosen (lgpio first, RPi.GPIO where lgpio is absent)."""

from __future__ import annotations

import sys
import types

import pytest
from gpiozero.pins.mock import MockFactory

from drivers import errors, gpio_pins
from drivers.gpio_pins import GpiozeroPins, RpiGpioPins, open_pins
from drivers.opening import open_signals
from drivers.signals import (
    DialPulse,
    LoopStarted,
    LoopStopped,
    PolarityReversed,
    RingStarted,
    RingStopped,
)
from tests.drivers_fakes import FakeGpio, driver_threads

RING, LOOP, RELAY, REVERSAL = 17, 27, 22, 5
FAST = "ring_gap_ms=30,loop_hold_ms=10,pulse_max_ms=20"
WAIT = 5.0


def next_event(signals, timeout=WAIT):
    event = signals.poll(timeout)
    assert event is not None, "no event came"
    return event


@pytest.fixture
def factory():
    factory = MockFactory()
    yield factory
    factory.close()


@pytest.fixture
def no_thread_left():
    yield
    assert driver_threads() == []


def test_pins_are_set_up_with_pulls_edges_and_the_relay_released(factory, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},reversal={REVERSAL},active_low=ring+loop"
    with open_signals(url, pin_factory=factory) as signals:
        ring, loop, relay, reversal = (factory.pin(n) for n in (RING, LOOP, RELAY, REVERSAL))
        assert (ring.function, ring.pull, ring.edges) == ("input", "up", "falling")
        assert (loop.function, loop.pull, loop.edges) == ("input", "up", "both")
        assert (reversal.pull, reversal.edges) == ("down", "both")
        assert ring.bounce is None  # every edge reaches the line's own debouncers
        assert relay.function == "output" and relay.state == 0
        assert not signals.ringing and not signals.off_hook and not signals.seized
    assert all(factory.pin(n).when_changed is None for n in (RING, LOOP, REVERSAL))
    assert factory.pin(RELAY).function == "input"  # freed


def test_ring_pulses_make_a_burst(factory, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},active_low=ring+loop,{FAST}"
    with open_signals(url, pin_factory=factory) as signals:
        ring = factory.pin(RING)
        for _ in range(10):  # ten cycles of ringing voltage through the optocoupler
            ring.drive_low()
            ring.drive_high()
        events = [next_event(signals)]
        while not isinstance(events[-1], RingStopped):
            events.append(next_event(signals))
        kinds = [type(event) for event in events]
        assert kinds == [RingStarted, RingStopped] * (len(kinds) // 2)
        assert not signals.ringing


def test_ring_pulses_below_ring_pulses_are_ignored(factory, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},ring_pulses=3,ring_gap_ms=5000"
    with open_signals(url, pin_factory=factory) as signals:
        ring = factory.pin(RING)
        for _ in range(2):
            ring.drive_high()
            ring.drive_low()
        assert signals.poll(0.1) is None
        ring.drive_high()
        assert isinstance(next_event(signals), RingStarted)


def test_loop_voltage_changes_are_debounced(factory, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},active_low=ring+loop,{FAST}"
    with open_signals(url, pin_factory=factory) as signals:
        loop = factory.pin(LOOP)
        loop.drive_low()  # loop current: the optocoupler pulls the input down
        assert isinstance(next_event(signals), LoopStarted)
        assert signals.off_hook
        loop.drive_high()
        assert isinstance(next_event(signals), LoopStopped)
        assert not signals.off_hook


def test_a_glitch_on_the_loop_is_no_event(factory, no_thread_left):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY},loop_hold_ms=2000,pulse_max_ms=2000"
    with open_signals(url, pin_factory=factory) as signals:
        loop = factory.pin(LOOP)
        loop.drive_high()
        loop.drive_low()  # back within loop_hold: contact bounce
        assert signals.poll(0.1) is None
        assert not signals.off_hook


def test_dial_pulse_and_reversal(factory, no_thread_left):
    url = (
        f"gpio:ring={RING},loop={LOOP},relay={RELAY},reversal={REVERSAL},"
        "loop_hold_ms=0.001,pulse_max_ms=60000"
    )
    with open_signals(url, pin_factory=factory) as signals:
        loop = factory.pin(LOOP)
        loop.drive_high()
        assert isinstance(next_event(signals), LoopStarted)
        loop.drive_low()
        loop.drive_high()
        assert isinstance(next_event(signals), DialPulse)
        factory.pin(REVERSAL).drive_high()
        assert isinstance(next_event(signals), PolarityReversed)


@pytest.mark.parametrize(("active_low", "seized_level"), [("", 1), (",active_low=relay", 0)])
def test_relay_follows_seize(factory, no_thread_left, active_low, seized_level):
    url = f"gpio:ring={RING},loop={LOOP},relay={RELAY}{active_low}"
    with open_signals(url, pin_factory=factory) as signals:
        relay = factory.pin(RELAY)
        assert relay.state == 1 - seized_level
        signals.seize(True)
        assert relay.state == seized_level and signals.seized
        signals.seize(False)
        assert relay.state == 1 - seized_level
        signals.seize(True)
    states = [state.state for state in factory.pin(RELAY).states]
    assert states[-1] == 1 - seized_level  # released on close


def test_two_lines_cannot_share_a_pin(factory, no_thread_left):
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}", pin_factory=factory):
        with pytest.raises(errors.DeviceError, match=r"GPIO27.*group gpio"):
            open_signals("gpio:ring=23,loop=27,relay=24", pin_factory=factory)
        assert factory.pin(23).when_changed is None  # the failed line freed what it took
    with open_signals("gpio:ring=23,loop=27,relay=24", pin_factory=factory):
        pass  # free again once the first line closed


def test_several_lines_on_one_factory(factory, no_thread_left):
    lines = [
        open_signals("gpio:ring=17,loop=27,relay=22," + FAST, pin_factory=factory),
        open_signals("gpio:ring=5,loop=6,relay=13," + FAST, pin_factory=factory),
    ]
    try:
        factory.pin(6).drive_high()
        assert isinstance(next_event(lines[1]), LoopStarted)
        assert lines[0].poll(0.05) is None
    finally:
        for line in lines:
            line.close()


# ---- choosing the library -------------------------------------------------------------


@pytest.fixture(autouse=True)
def fresh_factories(monkeypatch):
    """Each test makes the process's factories anew (the box makes each kind once)."""
    monkeypatch.setattr(gpio_pins, "_factories", {})


@pytest.fixture
def no_forced_factory(monkeypatch):
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)


def test_lgpio_is_preferred_when_present(monkeypatch, no_forced_factory):
    made = []

    class FakeLgpioFactory(MockFactory):
        def __init__(self):
            super().__init__()
            made.append(self)

    monkeypatch.setitem(sys.modules, "lgpio", types.ModuleType("lgpio"))
    fake = types.ModuleType("gpiozero.pins.lgpio")
    fake.LGPIOFactory = FakeLgpioFactory
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", fake)
    monkeypatch.setitem(sys.modules, "RPi", None)
    pins = open_pins()
    assert isinstance(pins, GpiozeroPins) and pins.factory is made[0]
    assert "FakeLgpioFactory" in pins.name
    pins.close()


def test_rpi_gpio_is_the_fallback_without_lgpio(monkeypatch, no_forced_factory):
    monkeypatch.setitem(sys.modules, "lgpio", None)
    package = types.ModuleType("RPi")
    package.GPIO = FakeGpio()
    monkeypatch.setitem(sys.modules, "RPi", package)
    monkeypatch.setitem(sys.modules, "RPi.GPIO", package.GPIO)
    pins = open_pins()
    assert isinstance(pins, RpiGpioPins) and pins.gpio is package.GPIO


def test_lgpio_off_a_pi_is_one_clear_line(monkeypatch, no_forced_factory):
    class NoPi:
        def __init__(self):
            raise RuntimeError("unable to locate Pi revision in /proc/device-tree")

    monkeypatch.setitem(sys.modules, "lgpio", types.ModuleType("lgpio"))
    fake = types.ModuleType("gpiozero.pins.lgpio")
    fake.LGPIOFactory = NoPi
    monkeypatch.setitem(sys.modules, "gpiozero.pins.lgpio", fake)
    with pytest.raises(errors.BackendUnavailableError) as caught:
        open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}")
    message = str(caught.value)
    assert "\n" not in message
    assert "gpiozero on lgpio" in message and "Pi revision" in message and "sim:" in message


def test_gpiozero_pin_factory_forces_the_factory(monkeypatch, no_thread_left):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "mock")
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}") as signals:
        assert isinstance(signals._pins, GpiozeroPins)
        factory = signals._pins.factory
        assert isinstance(factory, MockFactory)
        with open_signals("gpio:ring=5,loop=6,relay=13") as other:
            assert other._pins.factory is factory  # one factory for every line
    with open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}") as again:
        assert again._pins.factory is factory  # and kept: its pins serve the next opening
        assert factory.pin(RELAY).function == "output"
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "pigpio")
    with pytest.raises(errors.BackendUnavailableError, match="'pigpio' is not a pin factory"):
        open_signals(f"gpio:ring={RING},loop={LOOP},relay={RELAY}")
