"""The Pi's GPIO pins as the line-signal backend uses them, on gpiozero or on RPi.GPIO.

``drivers.signals_gpio`` needs little of a GPIO library: an input with a
pull resistor and an edge callback, an output with an initial level, a
read, a write, and freeing the pins again. ``Pins`` is that much, with two
implementations:

- ``GpiozeroPins``: gpiozero's pin layer on a pin factory. On the box the
  factory is lgpio's (``gpiozero.pins.lgpio.LGPIOFactory``), which talks to
  the kernel's gpiochip devices and so works on every Pi from the 3 to the
  5 (RPi.GPIO cannot reach a Pi 5's GPIO). The tests pass gpiozero's
  ``MockFactory``. gpiozero's own debouncing is not used: the line's
  debouncers (``drivers.debounce``) see every edge.
- ``RpiGpioPins``: a module with RPi.GPIO's interface, the fallback on a
  system without lgpio (and what a test passes as ``gpio=``).

``open_pins`` picks one: a given factory or module first, then gpiozero on
lgpio, then RPi.GPIO; with neither library it raises one
``BackendUnavailableError`` naming what to install. ``GPIOZERO_PIN_FACTORY``
(``lgpio``, ``rpigpio`` or ``mock``) forces gpiozero's factory, as it does
for gpiozero itself.
"""

from __future__ import annotations

import abc
import contextlib
import importlib
import os
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any, Literal

from drivers.errors import BackendUnavailableError

Edge = Literal["rising", "falling", "both"]
EdgeCallback = Callable[[], None]

__all__ = ["GpiozeroPins", "Pins", "RpiGpioPins", "open_pins"]

_INSTALL = (
    "install gpiozero and lgpio (`pip install gpiozero lgpio`, or the Debian packages "
    "python3-gpiozero python3-lgpio); RPi.GPIO is used where lgpio is absent (not on a Pi 5)"
)


class Pins(abc.ABC):
    """The pins of one line, set up one by one and freed together by ``close``."""

    name = "?"

    @abc.abstractmethod
    def setup_input(self, pin: int, pull_up: bool, edge: Edge, callback: EdgeCallback) -> None:
        """An input with its pull resistor, ``callback`` called (on any thread) on ``edge``."""

    @abc.abstractmethod
    def setup_output(self, pin: int, level: bool) -> None:
        """An output, driven to ``level`` from the start."""

    @abc.abstractmethod
    def read(self, pin: int) -> bool:
        """The level an input reads (True: high)."""

    @abc.abstractmethod
    def write(self, pin: int, level: bool) -> None:
        """Drive an output high (True) or low."""

    @abc.abstractmethod
    def close(self) -> None:
        """Stop the callbacks and free every pin set up; outputs are written first."""


class GpiozeroPins(Pins):
    """Pins on a gpiozero pin factory (``LGPIOFactory`` on the box, ``MockFactory`` in tests).

    The factory is the caller's: closing the pins frees them, not the factory.
    """

    def __init__(self, factory: Any) -> None:
        self.factory = factory
        self.name = f"gpiozero ({type(factory).__name__})"
        self._pins: dict[int, Any] = {}
        self._callbacks: dict[int, Callable[[int, int], None]] = {}  # kept alive: weakly held

    def _conflicts_with(self, other: object) -> bool:
        """Asked by the factory when another user holds a pin we reserve: always a conflict."""
        return True

    def __repr__(self) -> str:
        return f"<line signals on GPIO{'/GPIO'.join(map(str, self._pins)) or ' -'}>"

    def _claim(self, number: int) -> Any:
        self.factory.reserve_pins(self, f"GPIO{number}")  # another line on it: GPIOPinInUse
        pin = self.factory.pin(number)
        self._pins[number] = pin
        return pin

    def setup_input(self, pin: int, pull_up: bool, edge: Edge, callback: EdgeCallback) -> None:
        gpio = self._claim(pin)
        gpio.input_with_pull("up" if pull_up else "down")
        gpio.bounce = None
        gpio.edges = edge

        def changed(ticks: int, state: int) -> None:
            callback()

        self._callbacks[pin] = changed
        gpio.when_changed = changed

    def setup_output(self, pin: int, level: bool) -> None:
        self._claim(pin).output_with_state(bool(level))

    def read(self, pin: int) -> bool:
        return bool(self._pins[pin].state)

    def write(self, pin: int, level: bool) -> None:
        self._pins[pin].state = bool(level)

    def close(self) -> None:
        for pin in self._pins.values():
            with contextlib.suppress(Exception):  # a half set up pin is freed all the same
                pin.when_changed = None
            with contextlib.suppress(Exception):
                pin.close()
        self._pins.clear()
        self._callbacks.clear()
        with contextlib.suppress(Exception):
            self.factory.release_all(self)


class RpiGpioPins(Pins):
    """Pins on a module with RPi.GPIO's interface (BCM numbering)."""

    def __init__(self, gpio: ModuleType | Any) -> None:
        self.gpio = gpio
        self.name = "RPi.GPIO"
        self._inputs: list[int] = []
        self._outputs: list[int] = []
        gpio.setwarnings(False)
        gpio.setmode(gpio.BCM)

    def setup_input(self, pin: int, pull_up: bool, edge: Edge, callback: EdgeCallback) -> None:
        gpio = self.gpio
        gpio.setup(pin, gpio.IN, pull_up_down=gpio.PUD_UP if pull_up else gpio.PUD_DOWN)
        self._inputs.append(pin)
        edges = {"rising": gpio.RISING, "falling": gpio.FALLING, "both": gpio.BOTH}
        gpio.add_event_detect(pin, edges[edge], callback=lambda channel: callback())

    def setup_output(self, pin: int, level: bool) -> None:
        gpio = self.gpio
        gpio.setup(pin, gpio.OUT, initial=gpio.HIGH if level else gpio.LOW)
        self._outputs.append(pin)

    def read(self, pin: int) -> bool:
        return bool(self.gpio.input(pin))

    def write(self, pin: int, level: bool) -> None:
        self.gpio.output(pin, self.gpio.HIGH if level else self.gpio.LOW)

    def close(self) -> None:
        gpio = self.gpio
        for pin in self._inputs:
            with contextlib.suppress(RuntimeError, ValueError):  # none was added on it
                gpio.remove_event_detect(pin)
        pins = self._inputs + self._outputs
        if pins:
            gpio.cleanup(pins)
        self._inputs.clear()
        self._outputs.clear()


def import_rpi_gpio() -> ModuleType:
    """RPi.GPIO, or a BackendUnavailableError saying why it cannot be used here."""
    try:
        gpio = importlib.import_module("RPi.GPIO")  # only on the Pi
    except ImportError as error:
        raise BackendUnavailableError(
            f"the GPIO line-signal backend needs lgpio or RPi.GPIO, neither is installed "
            f"({error}); on the Pi {_INSTALL}; elsewhere use a sim: signals URL"
        ) from error
    except RuntimeError as error:  # RPi.GPIO refuses to load off a Raspberry Pi
        raise BackendUnavailableError(
            f"RPi.GPIO cannot run on this machine ({error}); the gpio: line signals work only "
            "on the Raspberry Pi itself; use a sim: signals URL here"
        ) from error
    return gpio


def _factory_class(name: str) -> Any:
    modules = {
        "lgpio": ("gpiozero.pins.lgpio", "LGPIOFactory"),
        "rpigpio": ("gpiozero.pins.rpigpio", "RPiGPIOFactory"),
        "mock": ("gpiozero.pins.mock", "MockFactory"),
    }
    if name not in modules:
        raise BackendUnavailableError(
            f"GPIOZERO_PIN_FACTORY={name!r} is not a pin factory the line signals use "
            f"({', '.join(modules)})"
        )
    module, attribute = modules[name]
    return getattr(importlib.import_module(module), attribute)


_factories: dict[str, Any] = {}  # name -> the process's one factory of that kind
_factories_lock = threading.Lock()


def _shared_factory(name: str, what: str) -> GpiozeroPins:
    """Pins on the process's one factory called ``name``, made on first use, never closed.

    One factory serves every line: gpiozero's local factories keep their pins in
    one class-wide table, each pin bound to the factory (the gpiochip handle)
    that made it, so a factory per line would close the others' pins with its own.
    """
    with _factories_lock:
        factory = _factories.get(name)
        if factory is None:
            factory_class = _factory_class(name)  # ImportError: the caller says what is missing
            try:
                factory = factory_class()
            except Exception as error:  # gpiozero's PinFactoryFallback, PinUnknownPi, OSError...
                raise BackendUnavailableError(
                    f"{what} cannot reach the GPIO of this machine ({error}); the gpio: line "
                    "signals work only on a Raspberry Pi (this user in group gpio, "
                    "/dev/gpiochip* present); elsewhere use a sim: signals URL"
                ) from error
            _factories[name] = factory
    return GpiozeroPins(factory)


def open_pins(gpio: ModuleType | Any | None = None, pin_factory: Any = None) -> Pins:
    """The pins to use: ``pin_factory`` (gpiozero) or ``gpio`` (RPi.GPIO-like) when given,
    else gpiozero on lgpio, else RPi.GPIO, else a one-line BackendUnavailableError."""
    if pin_factory is not None:
        return GpiozeroPins(pin_factory)
    if gpio is not None:
        return RpiGpioPins(gpio)
    forced = os.environ.get("GPIOZERO_PIN_FACTORY", "").strip().lower()
    if forced:
        try:
            return _shared_factory(forced, f"gpiozero's {forced} pin factory")
        except ImportError as error:
            raise BackendUnavailableError(
                f"GPIOZERO_PIN_FACTORY={forced} but {error.name} is not installed; {_INSTALL}"
            ) from error
    try:
        importlib.import_module("lgpio")
    except ImportError:
        return RpiGpioPins(import_rpi_gpio())  # the fallback where lgpio is absent
    try:
        return _shared_factory("lgpio", "gpiozero on lgpio")
    except ImportError as error:
        with contextlib.suppress(BackendUnavailableError):
            return RpiGpioPins(import_rpi_gpio())
        raise BackendUnavailableError(
            f"the GPIO line-signal backend needs gpiozero beside lgpio ({error}); {_INSTALL}"
        ) from error
