"""Stand-ins for hardware the driver tests need: an RPi.GPIO module and a modem on a pty.

- ``FakeGpio``: a module-like object with RPi.GPIO's interface and its
  refusals (pins used before ``setmode``/``setup``, outputs not set up as
  outputs, edge detection twice), so the real GPIO backend runs against it.
  The test drives input levels with ``drive``; callbacks fire on the
  calling thread.
- ``FakeModem``: a thread playing an AT modem on the master side of a
  pseudo-terminal; the driver opens the slave side as a serial port.
- ``driver_threads()``: the names of live threads the drivers started.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable

DRIVER_THREAD_PREFIXES = ("signals-", "modem-")
DLE_STOP_REPLY = b"\x10\x03\r\nOK\r\n"  # a modem ending voice receive: <DLE><ETX>, OK


def driver_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(DRIVER_THREAD_PREFIXES)]


class FakeGpio:
    """RPi.GPIO as far as the line-signal backend uses it."""

    BCM, BOARD = 11, 10
    OUT, IN = 0, 1
    LOW, HIGH = 0, 1
    PUD_OFF, PUD_DOWN, PUD_UP = 20, 21, 22
    RISING, FALLING, BOTH = 31, 32, 33

    def __init__(self) -> None:
        self.mode: int | None = None
        self.directions: dict[int, int] = {}
        self.pulls: dict[int, int] = {}
        self.levels: dict[int, int] = {}  # what each pin reads (inputs) or drives (outputs)
        self.detections: dict[int, tuple[int, Callable[[int], None]]] = {}
        self.output_history: list[tuple[int, int]] = []
        self.cleaned: list[int] = []
        self._lock = threading.Lock()

    # -- RPi.GPIO's interface

    def setwarnings(self, flag: bool) -> None:
        pass

    def setmode(self, mode: int) -> None:
        if self.mode is not None and mode != self.mode:
            raise ValueError("A different mode has already been set!")
        self.mode = mode

    def setup(self, channel: int, direction: int, pull_up_down: int = PUD_OFF, initial=None):
        if self.mode is None:
            raise RuntimeError("Please set pin numbering mode using GPIO.setmode(GPIO.BOARD)")
        self.directions[channel] = direction
        if direction == self.OUT:
            self.levels[channel] = self.LOW if initial is None else initial
            self.output_history.append((channel, self.levels[channel]))
        else:
            self.pulls[channel] = pull_up_down
            self.levels.setdefault(channel, self.HIGH if pull_up_down == self.PUD_UP else self.LOW)

    def input(self, channel: int) -> int:
        if channel not in self.directions:
            raise RuntimeError("You must setup() the GPIO channel first")
        with self._lock:
            return self.levels[channel]

    def output(self, channel: int, value: int) -> None:
        if self.directions.get(channel) != self.OUT:
            raise RuntimeError("The GPIO channel has not been set up as an OUTPUT")
        self.levels[channel] = int(bool(value))
        self.output_history.append((channel, self.levels[channel]))

    def add_event_detect(self, channel, edge, callback=None, bouncetime=None) -> None:
        if self.directions.get(channel) != self.IN:
            raise RuntimeError("You must setup() the GPIO channel as an input first")
        if channel in self.detections:
            raise RuntimeError("Conflicting edge detection already enabled for this GPIO channel")
        self.detections[channel] = (edge, callback)

    def remove_event_detect(self, channel: int) -> None:
        self.detections.pop(channel, None)

    def cleanup(self, channels=None) -> None:
        pins = list(self.directions) if channels is None else list(channels)
        for pin in pins:
            self.directions.pop(pin, None)
            self.detections.pop(pin, None)
        self.cleaned += pins

    # -- the test's side

    def drive(self, channel: int, level: int) -> None:
        """Set an input's level; fire its edge callback if the edge matches."""
        with self._lock:
            old, self.levels[channel] = self.levels.get(channel), level
        if old == level or channel not in self.detections:
            return
        edge, callback = self.detections[channel]
        rising = level == self.HIGH
        if edge == self.BOTH or (edge == self.RISING) == rising:
            callback(channel)

    def pulse(self, channel: int, active_low: bool) -> None:
        """One ring-detect pulse: the input goes active and back."""
        active, idle = (self.LOW, self.HIGH) if active_low else (self.HIGH, self.LOW)
        self.drive(channel, active)
        self.drive(channel, idle)


class FakeModem:
    """An AT modem on a pty, played by a thread named ``fake-modem``.

    ``replies`` maps a command (as sent, without CR) to the bytes to answer,
    to a callable returning them (or None for silence), or to None (no
    answer at all). Commands not in it get ERROR. ``<DLE>!`` ends voice
    receive with ``<DLE><ETX>`` and OK, as V.253 modems do.
    """

    def __init__(self, replies: dict[str, bytes | Callable[[], bytes | None] | None]) -> None:
        self.replies = {"<DLE>!": DLE_STOP_REPLY, **replies}
        self.commands: list[str] = []
        self.commands_changed = threading.Condition()
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)
        self.port = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._gone = False
        self._thread = threading.Thread(target=self._run, name="fake-modem", daemon=True)
        self._thread.start()

    def send(self, data: bytes) -> None:
        """Bytes from the modem to the host (RING, caller ID, voice data, ...)."""
        os.write(self._master, data)

    def wait_for_command(self, command: str, timeout: float = 5.0) -> bool:
        with self.commands_changed:
            return self.commands_changed.wait_for(lambda: command in self.commands, timeout)

    def vanish(self) -> None:
        """The modem disappears: its side of the line closes."""
        self._stop.set()
        self._thread.join(5)
        if not self._gone:
            self._gone = True
            os.close(self._master)

    def close(self) -> None:
        self.vanish()
        with contextlib.suppress(OSError):
            os.close(self._slave)

    def _answer(self, command: str) -> None:
        reply = self.replies.get(command, b"\r\nERROR\r\n")
        if callable(reply):
            reply = reply()
        if reply:
            self.send(reply)
        # Only now is the command seen: what a test sends next comes after the reply, as
        # from a real modem (voice data after the CONNECT that answers AT+VRX).
        with self.commands_changed:
            self.commands.append(command)
            self.commands_changed.notify_all()

    def _run(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self._master, 4096)
            except OSError:
                return
            while True:
                if pending.startswith(b"\x10!"):
                    pending = pending[2:]
                    self._answer("<DLE>!")
                    continue
                command, cr, rest = pending.partition(b"\r")
                if not cr:
                    break
                pending = rest
                self._answer(command.decode("ascii").strip())
