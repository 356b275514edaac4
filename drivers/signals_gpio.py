"""The GPIO backend of ``drivers.signals`` (``gpio:ring=17,loop=27,relay=22,...``).

``ringer=<pin>`` (optional) drives the relay that puts the office's phones on
the HAT's ring generator, on a box wired in series (the line through the box
to the phones): the box rings them for a caller it holds (a voice menu's
ring-through); the generator makes the country's cadence itself.

The pins are reached through ``drivers.gpio_pins``: gpiozero on lgpio on
the box (every Pi, the 5 included), RPi.GPIO where lgpio is absent.
``pin_factory=`` takes a gpiozero pin factory (the tests pass
``MockFactory``), ``gpio=`` a module with RPi.GPIO's interface; by default
the library is found on first use.

The library calls our edge callbacks on its own thread; they only stamp the
edge and hand it to this line's worker thread (``signals-gpio-<ring pin>``),
which runs the debouncers of ``drivers.debounce`` and sleeps until the
next edge or the next debounce deadline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from drivers.debounce import LoopDetector, PolarityDetector, RingDetector
from drivers.errors import DeviceError, DriverError, DriverURLError
from drivers.gpio_pins import Pins, import_rpi_gpio, open_pins
from drivers.signals import ACCEPTED_SIGNAL_URLS, LineSignals
from drivers.url import DriverURL

__all__ = ["GpioLineConfig", "GpioLineSignals", "import_rpi_gpio", "parse_gpio_target"]

_PINS = ("ring", "loop", "relay", "reversal", "ringer")
_OPTIONAL_PINS = ("reversal", "ringer")
_TIMINGS = {"ring_gap_ms": 150.0, "loop_hold_ms": 40.0, "pulse_max_ms": 100.0}
_JOIN_TIMEOUT = 5.0


@dataclass(frozen=True)
class GpioLineConfig:
    url: str
    ring: int
    loop: int
    relay: int
    reversal: int | None = None
    ringer: int | None = None  # the relay onto the ring generator (a box wired in series)
    active_low: frozenset[str] = frozenset()  # names from _PINS
    ring_gap: float = 0.15
    ring_pulses: int = 1
    loop_hold: float = 0.04
    pulse_max: float = 0.1


def _split_settings(target: str, bad: Callable[[str], DriverURLError]) -> dict[str, str]:
    settings: dict[str, str] = {}
    for item in target.split(","):
        name, equals, value = item.strip().partition("=")
        if not equals or not name or not value:
            raise bad(f"{item.strip()!r} is not name=value")
        if name in settings:
            raise bad(f"{name} given twice")
        settings[name] = value.strip()
    known = {*_PINS, "active_low", "ring_pulses", *_TIMINGS}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise bad(f"unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    return settings


def _parse_pins(settings: dict[str, str], bad: Callable[[str], DriverURLError]) -> dict[str, int]:
    pins: dict[str, int] = {}
    for name in _PINS:
        if name not in settings:
            if name not in _OPTIONAL_PINS:
                raise bad(f"the {name} pin is missing")
            continue
        value = settings[name]
        if not value.isdigit() or not 0 <= int(value) <= 27:
            raise bad(f"{name}={value!r} is not a BCM GPIO number 0-27")
        pins[name] = int(value)
    if len(set(pins.values())) != len(pins):
        raise bad(f"two signals share a pin: {pins}")
    return pins


def _parse_timings(
    settings: dict[str, str], bad: Callable[[str], DriverURLError]
) -> dict[str, float]:
    timings = {}
    for name, default in _TIMINGS.items():
        text = settings.get(name, str(default))
        try:
            timings[name] = float(text) / 1000
        except ValueError:
            raise bad(f"{name}={text!r} is not a number of milliseconds") from None
        if not timings[name] > 0:
            raise bad(f"{name}={text!r} must be more than 0")
    if timings["pulse_max_ms"] < timings["loop_hold_ms"]:
        raise bad("pulse_max_ms must be at least loop_hold_ms")
    return timings


def parse_gpio_target(parsed: DriverURL) -> GpioLineConfig:
    """``ring=17,loop=27,relay=22[,reversal=5][,ringer=6][,active_low=ring+loop]
    [,<timing>_ms=N]``."""

    def bad(problem: str) -> DriverURLError:
        return DriverURLError(parsed.url, problem, ACCEPTED_SIGNAL_URLS)

    settings = _split_settings(parsed.target, bad)
    pins = _parse_pins(settings, bad)
    active_low = frozenset(filter(None, settings.get("active_low", "").split("+")))
    if not active_low <= set(pins):
        raise bad(f"active_low names {sorted(active_low - set(pins))}, not a pin of this line")
    timings = _parse_timings(settings, bad)
    pulses = settings.get("ring_pulses", "1")
    if not pulses.isdigit() or int(pulses) < 1:
        raise bad(f"ring_pulses={pulses!r} is not a whole number >= 1")
    return GpioLineConfig(
        url=parsed.url,
        ring=pins["ring"],
        loop=pins["loop"],
        relay=pins["relay"],
        reversal=pins.get("reversal"),
        ringer=pins.get("ringer"),
        active_low=active_low,
        ring_gap=timings["ring_gap_ms"],
        ring_pulses=int(pulses),
        loop_hold=timings["loop_hold_ms"],
        pulse_max=timings["pulse_max_ms"],
    )


class GpioLineSignals(LineSignals):
    def __init__(
        self,
        config: GpioLineConfig,
        *,
        gpio: ModuleType | Any | None = None,
        pin_factory: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(config.url)
        self.config = config
        try:
            self._pins: Pins = open_pins(gpio=gpio, pin_factory=pin_factory)
        except DriverError:  # no GPIO library here: says what to install
            raise
        except Exception as error:  # the library refused (RPi.GPIO's mode set otherwise...)
            raise DeviceError(f"cannot open the GPIO of {config.url!r}: {error}") from error
        self._clock = clock
        self._edges: deque[tuple[str, bool, float]] = deque()  # (input, level, when)
        self._wake = threading.Condition()
        self._stop = threading.Event()
        try:
            self._set_up_pins()
        except Exception as error:
            self._free_pins()
            if isinstance(error, DeviceError):
                raise
            raise DeviceError(
                f"cannot set up the GPIO pins of {config.url!r}: {error}; check that no other "
                "program uses them and that this user may use GPIO (group gpio)"
            ) from error
        self._ring = RingDetector(config.ring_gap, config.ring_pulses)
        self._loop = LoopDetector(config.loop_hold, config.pulse_max, self._read("loop"))
        self._off_hook = self._loop.off_hook
        self._reversal = (
            PolarityDetector(config.loop_hold, self._read("reversal"))
            if config.reversal is not None
            else None
        )
        self._worker = threading.Thread(
            target=self._run, name=f"signals-gpio-{config.ring}", daemon=True
        )
        self._worker.start()

    # -- pins

    def _level(self, name: str, active: bool) -> bool:
        """The pin level (True: high) at which ``name`` is ``active``."""
        return active != (name in self.config.active_low)

    def _read(self, name: str) -> bool:
        return self._level(name, self._pins.read(getattr(self.config, name)))

    def _set_up_pins(self) -> None:
        pins, config = self._pins, self.config
        pins.setup_output(config.relay, self._level("relay", False))
        if config.ringer is not None:
            pins.setup_output(config.ringer, self._level("ringer", False))
        callbacks = {
            "ring": self._on_ring_edge,
            "loop": self._on_loop_edge,
            "reversal": self._on_reversal_edge,
        }
        for name, callback in callbacks.items():
            pin = getattr(config, name)
            if pin is None:
                continue
            # Optocouplers only pull one way; the internal pull resistor sets the idle level.
            pull_up = name in config.active_low
            edge = ("falling" if pull_up else "rising") if name == "ring" else "both"
            pins.setup_input(pin, pull_up, edge, callback)

    def _free_pins(self) -> None:
        # The relay is released before its pin is freed.
        with contextlib.suppress(Exception):  # never set up: nothing to release
            self._pins.write(self.config.relay, self._level("relay", False))
        if self.config.ringer is not None:
            with contextlib.suppress(Exception):
                self._pins.write(self.config.ringer, self._level("ringer", False))
        self._pins.close()

    def _set_relay(self, seized: bool) -> None:
        self._pins.write(self.config.relay, self._level("relay", seized))

    def ring_phones(self, ringing: bool) -> bool:
        if self.config.ringer is None or self._closed:
            return False
        self._pins.write(self.config.ringer, self._level("ringer", ringing))
        return True

    # -- edges, on the GPIO library's thread: stamp and hand over, nothing else

    def _queue_edge(self, name: str) -> None:
        at = self._clock()
        # The level is read now, at the edge: by the time the worker runs it may have moved on.
        level = True if name == "ring" else self._read(name)
        with self._wake:
            self._edges.append((name, level, at))
            self._wake.notify()

    def _on_ring_edge(self) -> None:
        self._queue_edge("ring")

    def _on_loop_edge(self) -> None:
        self._queue_edge("loop")

    def _on_reversal_edge(self) -> None:
        self._queue_edge("reversal")

    # -- the worker

    def _next_deadline(self) -> float | None:
        detectors = [self._ring, self._loop, self._reversal]
        deadlines = [d.deadline() for d in detectors if d is not None]
        pending = [d for d in deadlines if d is not None]
        return min(pending) if pending else None

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._wake:
                if not self._edges and not self._stop.is_set():
                    deadline = self._next_deadline()
                    timeout = None if deadline is None else max(0.0, deadline - self._clock())
                    self._wake.wait(timeout)
                edges = list(self._edges)
                self._edges.clear()
            if self._stop.is_set():
                return
            for name, level, at in edges:
                self._handle_edge(name, level, at)
            self._check_deadlines()

    def _handle_edge(self, name: str, level: bool, at: float) -> None:
        if name == "ring":
            events = self._ring.pulse(at)
        elif name == "loop":
            events = self._loop.sample(level, at)
        else:
            assert self._reversal is not None
            events = self._reversal.sample(level, at)
        for event in events:
            self._emit(event)

    def _check_deadlines(self) -> None:
        now = self._clock()
        events = self._ring.due(now)
        # A level waiting to be accepted is read again first, so an edge the library
        # missed cannot leave a stale level in the debouncer.
        if self._loop.deadline() is not None:
            events += self._loop.sample(self._read("loop"), now)
        events += self._loop.due(now)
        if self._reversal is not None:
            if self._reversal.deadline() is not None:
                events += self._reversal.sample(self._read("reversal"), now)
            events += self._reversal.due(now)
        for event in events:
            self._emit(event)

    def _release(self) -> None:
        self._stop.set()
        with self._wake:
            self._wake.notify()
        self._worker.join(_JOIN_TIMEOUT)
        self._free_pins()
