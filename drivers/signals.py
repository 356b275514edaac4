"""Line signals: ring detect, loop-voltage (off-hook) detect and the seize relay of one line.

A line's signals are opened with a URL (``drivers.opening.open_signals``):

``gpio:ring=<pin>,loop=<pin>,relay=<pin>[,reversal=<pin>][,active_low=<inputs>][,...]``
    The line interface's optocouplers and relay on the Pi's GPIO (BCM pin
    numbers; gpiozero on lgpio, RPi.GPIO where lgpio is absent: see
    ``drivers.gpio_pins``). ``active_low`` lists, joined by ``+``, the pins that
    are active when low (``ring``, ``loop``, ``reversal``, ``relay``), e.g.
    ``active_low=ring+loop`` for optocouplers pulling a pulled-up input to
    ground. Timing options, in milliseconds: ``ring_gap_ms`` (150: a ring
    burst ends when no pulse came for this long), ``ring_pulses`` (1: pulses
    needed to start a ring), ``loop_hold_ms`` (40: the loop must hold a new
    level this long to count), ``pulse_max_ms`` (100: loop breaks shorter
    than this are dial pulses, not a hang-up). See ``drivers.debounce``.
``sim:<name>``
    The simulated line ``<name>`` (see ``drivers.simline``): the simulator
    sets ring, loop and polarity and reads back the relay.

Events are small frozen dataclasses stamped with ``at``, the monotonic time
(``time.monotonic()``; the simulator's own clock on ``sim:``) at which the
change happened on the line. Debouncing means an event is delivered a
little after its ``at``: a ring stop ``ring_gap_ms`` later, a loop change
``loop_hold_ms`` later.
"""

from __future__ import annotations

import abc
import queue
import threading
from dataclasses import dataclass

from drivers.closing import ClosedOnExit
from drivers.errors import DriverClosedError

__all__ = [
    "CallerIdReport",
    "DialPulse",
    "KeyReported",
    "LineSignals",
    "LoopStarted",
    "LoopStopped",
    "PolarityReversed",
    "RingStarted",
    "RingStopped",
    "SignalEvent",
]

ACCEPTED_SIGNAL_URLS = (
    "'gpio:ring=<BCM pin>,loop=<BCM pin>,relay=<BCM pin>[,reversal=<BCM pin>][,ringer=<BCM pin>]"
    "[,active_low=ring+loop][,ring_gap_ms=150][,ring_pulses=1][,loop_hold_ms=40]"
    "[,pulse_max_ms=100]', 'sim:<line name>'"
)


@dataclass(frozen=True)
class SignalEvent:
    at: float  # monotonic seconds at which the change happened on the line


@dataclass(frozen=True)
class RingStarted(SignalEvent):
    """Ringing voltage appeared on the line (the first pulse of a ring burst)."""


@dataclass(frozen=True)
class RingStopped(SignalEvent):
    """A ring burst ended; ``at`` is the last pulse."""


@dataclass(frozen=True)
class LoopStarted(SignalEvent):
    """Loop current: a phone on the line (or the box's relay) went off hook."""


@dataclass(frozen=True)
class LoopStopped(SignalEvent):
    """The loop opened for longer than a dial pulse: every phone on the line is on hook."""


@dataclass(frozen=True)
class DialPulse(SignalEvent):
    """A short loop break while off hook: one pulse of a rotary dial; ``at`` is its start."""


@dataclass(frozen=True)
class PolarityReversed(SignalEvent):
    """The exchange reversed the line's polarity (answer or disconnect signal on some lines)."""


@dataclass(frozen=True)
class CallerIdReport(SignalEvent):
    """One caller-ID report line as a voice modem sent it (``NMBR = 13800138000``).

    Lines whose caller ID arrives as text (voice modems) report it among
    their signals; reading the text is the firmware's business.
    """

    text: str = ""


@dataclass(frozen=True)
class KeyReported(SignalEvent):
    """A key (DTMF digit) the line's hardware heard itself: a voice modem's report while it
    plays to the line and its audio cannot be heard."""

    digit: str = ""


_CLOSED = object()  # queued by close() so a blocked poll() returns at once


class LineSignals(ClosedOnExit, abc.ABC):
    """One line's signals: events through ``poll``, current state, the seize relay."""

    #: The loop sensor sees the office's phones alone, also while the relay holds the
    #: line (a simulated line); otherwise it sees the whole loop, the relay's own current
    #: included, and tells nothing of the phones while the box holds the line.
    senses_phones_while_seized = False

    def __init__(self, url: str) -> None:
        self.url = url
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._state_lock = threading.Lock()
        self._ringing = False
        self._off_hook = False
        self._seized = False
        self._closed = False

    # -- what the engine uses

    def poll(self, timeout: float | None = None) -> SignalEvent | None:
        """The next event, waiting up to ``timeout`` seconds (None: until one comes or close)."""
        if self._closed:
            return None
        try:
            event = self._events.get(timeout=timeout)
        except queue.Empty:
            return None
        if event is _CLOSED:
            self._events.put(_CLOSED)  # for any other thread waiting
            return None
        return event

    @property
    def ringing(self) -> bool:
        """Whether a ring burst is in progress (as of the last event delivered to the queue)."""
        return self._ringing

    @property
    def off_hook(self) -> bool:
        """Whether loop current flows: some phone on the line is off hook."""
        return self._off_hook

    @property
    def seized(self) -> bool:
        """Whether the box's relay holds the line."""
        return self._seized

    def ring_phones(self, ringing: bool) -> bool:
        """Ring the office's phones (True) or stop (False), for a caller the box holds (a
        voice menu's ring-through); whether the hardware can. Only a box wired in series
        (the line through the box to the phones) with a ring generator can ring them; on
        a box beside the phones they do not ring, and the web tells the operators."""
        return False

    def seize(self, seized: bool = True) -> None:
        """Close (True) or open (False) the relay that takes the line off hook."""
        if self._closed:
            raise DriverClosedError(f"seize on the closed line signals {self.url!r}")
        self._set_relay(seized)
        self._seized = seized

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Release the relay and the inputs; a blocked ``poll`` returns None."""
        if self._closed:
            return
        self._closed = True
        try:
            self._release()
        finally:
            self._events.put(_CLOSED)

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.url!r} {state}>"

    # -- what backends provide and use

    @abc.abstractmethod
    def _set_relay(self, seized: bool) -> None:
        """Drive the relay."""

    @abc.abstractmethod
    def _release(self) -> None:
        """Stop threads, free pins; called once, from close()."""

    def _emit(self, event: SignalEvent) -> None:
        with self._state_lock:
            if isinstance(event, RingStarted | RingStopped):
                self._ringing = isinstance(event, RingStarted)
            elif isinstance(event, LoopStarted | LoopStopped):
                self._off_hook = isinstance(event, LoopStarted)
            self._events.put(event)
