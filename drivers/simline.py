"""Simulated lines: the in-memory twin of a line interface, driven by the simulator.

A ``SimLine`` carries one line's audio and signals between the simulator
and the engine, with the same drivers interface real hardware has:

- the engine opens ``sim:<name>`` with ``open_capture``, ``open_playback``
  and ``open_signals``;
- the simulator takes the same line with ``sim_line(name)`` and calls
  ``push_audio`` / ``end_audio``, ``set_ringing``, ``set_off_hook``,
  ``reverse_polarity``, ``dial_pulse``, and reads back ``take_played``,
  ``relay_seized`` / ``wait_relay`` and the digits the box dialled by
  pulses (``take_pulses``).

What the engine plays comes back in what it hears, as through a line's
hybrid: ``set_hybrid(response)`` gives the echo path (an impulse response,
its loss included), and each played frame is heard, filtered by it, in the
capture frame the engine wrote it for (``PlaybackStream.write``'s
``sounds_with``). While the engine plays, the capture therefore waits for
the frame it plays with each frame it reads, as a sound card's two
directions keep in step; between prompts it does not wait.

Lines are kept by name while anyone (simulator or stream) holds them. All
methods are thread-safe. Timestamps (``at``) are the simulator's; they
default to ``time.monotonic()``.
"""

from __future__ import annotations

import collections
import threading
import time
import weakref

import numpy as np

from drivers.audio import CaptureStream, PlaybackStream, check_frame
from drivers.errors import DriverURLError
from drivers.signals import (
    DialPulse,
    LineSignals,
    LoopStarted,
    LoopStopped,
    PolarityReversed,
    RingStarted,
    RingStopped,
    SignalEvent,
)
from drivers.url import DriverURL

__all__ = ["SimCapture", "SimLine", "SimLineSignals", "SimPlayback", "sim_line"]

DEFAULT_DEPTH = 50  # frames (1 s) of capture queue, like a generous sound card buffer
PACED_WAIT_S = 2.0  # a capture read waits this long at most for the frame played with it

_registry: weakref.WeakValueDictionary[str, SimLine] = weakref.WeakValueDictionary()
_registry_lock = threading.Lock()


def sim_line(name: str, depth: int | None = None) -> SimLine:
    """The simulated line called ``name``, made if nobody holds it yet.

    ``depth`` (frames of capture queue) applies when the line is made.
    """
    if not name:
        raise ValueError("a shared simulated line needs a name, e.g. sim_line('1')")
    with _registry_lock:
        line = _registry.get(name)
        if line is None:
            line = SimLine(name, depth or DEFAULT_DEPTH)
            _registry[name] = line
        return line


class SimLine:
    """One simulated line: audio both ways and the line's signals."""

    def __init__(self, name: str = "", depth: int = DEFAULT_DEPTH) -> None:
        if depth < 1:
            raise ValueError(f"a simulated line needs a capture depth of at least 1, got {depth}")
        self.name = name
        self.depth = depth
        self._changed = threading.Condition()
        self._heard: collections.deque[np.ndarray] = collections.deque()  # line -> engine
        self._played: collections.deque[np.ndarray] = collections.deque()  # engine -> line
        # The hybrid: played frames by the capture frame they sound with, and the echo path.
        self._hybrid: np.ndarray | None = None
        self._far_history = np.zeros(0)
        self._sounding: dict[int, np.ndarray] = {}
        self._reads = 0  # capture frames read so far: the next read's number
        self._playing = False  # the engine plays: reads wait for their played frame
        self._last_sounds_with = -1
        self._audio_ended = False
        self.overruns = 0  # frames dropped because the engine did not read in time
        self._ringing = False
        self._off_hook = False
        self._relay = False
        # How many times the relay took the line: a release and a new seizure between two
        # of the simulator's frames still count as a new call.
        self.seizures = 0
        self._pulses: collections.deque[int] = collections.deque()  # the box's pulse trains
        self._listeners: list[SimLineSignals] = []
        # The line's loop sensor sees the phones apart from the relay (as a modem line's
        # does); False: it sees the whole loop, as a GPIO line's (``senses_phones_while_seized``).
        self.senses_phones_while_seized = True

    def __repr__(self) -> str:
        return f"<SimLine {self.name!r}>"

    # -- audio, simulator side

    def push_audio(self, frame: np.ndarray, *, block: bool = True, timeout: float | None = None):
        """Put one frame on the line for the capture to read.

        With ``block`` the call waits while the capture queue is full (the
        simulator runs at the engine's pace, nothing is lost); without it
        the oldest frame is dropped and counted as an overrun, as a sound
        card does when the reader is late. Returns False if ``timeout``
        passed with the queue still full.
        """
        frame = check_frame(frame).copy()
        with self._changed:
            if block:
                if not self._changed.wait_for(lambda: len(self._heard) < self.depth, timeout):
                    return False
            elif len(self._heard) >= self.depth:
                self._heard.popleft()
                self.overruns += 1
            self._heard.append(frame)
            self._audio_ended = False
            self._changed.notify_all()
        return True

    def end_audio(self) -> None:
        """No more audio: captures read what is queued, then get None."""
        with self._changed:
            self._audio_ended = True
            self._changed.notify_all()

    def set_hybrid(self, response: np.ndarray | None) -> None:
        """The echo path from the line's output to its input (None: no echo)."""
        with self._changed:
            if response is None:
                self._hybrid, self._far_history = None, np.zeros(0)
                return
            self._hybrid = np.asarray(response, dtype=np.float64)
            self._far_history = np.zeros(self._hybrid.size - 1)

    def take_played(self, timeout: float | None = 0.0) -> np.ndarray | None:
        """The oldest frame the engine played to the line, waiting up to ``timeout``."""
        with self._changed:
            if not self._changed.wait_for(lambda: bool(self._played), timeout):
                return None
            return self._played.popleft()

    # -- signals, simulator side

    def set_ringing(self, ringing: bool, at: float | None = None) -> None:
        """Start or stop a ring burst (the debounced view: no pulses to count)."""
        with self._changed:
            if ringing == self._ringing:
                return
            self._ringing = ringing
            self._signal((RingStarted if ringing else RingStopped)(_now(at)))

    def set_off_hook(self, off_hook: bool, at: float | None = None) -> None:
        """A phone on the line goes off hook (True) or every phone is back on hook."""
        with self._changed:
            if off_hook == self._off_hook:
                return
            self._off_hook = off_hook
            self._signal((LoopStarted if off_hook else LoopStopped)(_now(at)))

    def dial_pulse(self, at: float | None = None) -> None:
        """One rotary-dial pulse (a short loop break) on an off-hook line."""
        with self._changed:
            self._signal(DialPulse(_now(at)))

    def reverse_polarity(self, at: float | None = None) -> None:
        with self._changed:
            self._signal(PolarityReversed(_now(at)))

    @property
    def relay_seized(self) -> bool:
        return self._relay

    @property
    def off_hook(self) -> bool:
        """A phone on the line is off hook."""
        return self._off_hook

    def take_pulses(self) -> list[int]:
        """The pulse trains the box dialled since the last call, in order: one count of
        loop breaks per digit (10 for 0)."""
        with self._changed:
            trains = list(self._pulses)
            self._pulses.clear()
            return trains

    def wait_relay(self, seized: bool, timeout: float | None = None) -> bool:
        """Wait until the engine set the relay to ``seized``; False if ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: self._relay == seized, timeout)

    # -- engine side, used by the streams and signals below

    def _signal(self, event: SignalEvent) -> None:
        for listener in list(self._listeners):
            listener._emit(event)

    def _read(self, capture: SimCapture) -> np.ndarray | None:
        with self._changed:
            self._changed.wait_for(lambda: self._heard or self._audio_ended or capture.closed)
            if capture.closed or not self._heard:
                return None
            frame = self._heard.popleft()
            self._changed.notify_all()  # room for a blocked push_audio
            number = self._reads
            self._reads += 1
            if self._playing:
                self._changed.wait_for(
                    lambda: self._last_sounds_with >= number or not self._playing or capture.closed,
                    PACED_WAIT_S,
                )
            far = self._sounding.pop(number, None)
            for late in [n for n in self._sounding if n < number]:
                del self._sounding[late]  # written for a frame already heard
            return self._with_echo(frame, far)

    def _with_echo(self, frame: np.ndarray, far: np.ndarray | None) -> np.ndarray:
        if self._hybrid is None:
            return frame
        played = np.zeros(frame.size) if far is None else far.astype(np.float64)
        if far is None and not self._far_history.any():
            return frame  # nothing played lately: no echo to add
        signal = np.concatenate([self._far_history, played])
        echo = np.convolve(signal, self._hybrid, mode="valid")
        self._far_history = signal[frame.size :]
        mixed = np.rint(frame.astype(np.float64) + echo)
        return np.clip(mixed, -32768, 32767).astype(np.int16)

    def _play(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        with self._changed:
            self._played.append(frame.copy())
            if sounds_with is not None:
                self._sounding[sounds_with] = frame.copy()
                self._last_sounds_with = max(self._last_sounds_with, sounds_with)
                self._playing = True
            self._changed.notify_all()

    def _rest(self) -> None:
        with self._changed:
            self._playing = False
            self._changed.notify_all()

    def _set_relay(self, seized: bool) -> None:
        with self._changed:
            if seized and not self._relay:
                self.seizures += 1
            self._relay = seized
            self._changed.notify_all()

    def _relay_pulses(self, count: int) -> None:
        with self._changed:
            self._pulses.append(count)
            self._changed.notify_all()

    def _attach(self, signals: SimLineSignals) -> None:
        with self._changed:
            self._listeners.append(signals)
            # A new listener starts from the line's present state, without events.
            signals._ringing, signals._off_hook = self._ringing, self._off_hook

    def _detach(self, signals: SimLineSignals) -> None:
        with self._changed:
            if signals in self._listeners:
                self._listeners.remove(signals)
            self._relay = False
            self._changed.notify_all()

    def _wake(self) -> None:
        with self._changed:
            self._changed.notify_all()


def _now(at: float | None) -> float:
    return time.monotonic() if at is None else at


def _line_for(parsed: DriverURL) -> SimLine:
    depth = int(parsed.number("depth", 0, minimum=1)) if "depth" in parsed.options else None
    if "/" in parsed.target or parsed.target != parsed.target.strip():
        raise DriverURLError(parsed.url, f"{parsed.target!r} is not a line name", parsed.accepted)
    if parsed.target:
        return sim_line(parsed.target, depth)
    return SimLine("", depth or DEFAULT_DEPTH)


class SimCapture(CaptureStream):
    """``sim:[<name>]`` capture: frames the simulator pushed to the line."""

    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        self.line = _line_for(parsed)

    @property
    def overruns(self) -> int:
        return self.line.overruns

    def read(self) -> np.ndarray | None:
        return self.line._read(self)

    def _release(self) -> None:
        self.line._wake()


class SimPlayback(PlaybackStream):
    """``sim:[<name>]`` playback: frames collected for the simulator (``line.take_played``),
    each heard back through the line's hybrid with the capture frame it was written for."""

    paced_by_capture = True

    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        self.line = _line_for(parsed)

    def _write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        self.line._play(frame, sounds_with)

    def rest(self) -> None:
        self.line._rest()

    def _release(self) -> None:
        self.line._rest()


class SimLineSignals(LineSignals):
    """``sim:<name>`` signals: events the simulator sets on the line, the relay read back."""

    can_pulse = True  # the simulator reads the trains (``take_pulses``): the relay stays held

    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        self.line = _line_for(parsed)
        self.line._attach(self)

    @property
    def senses_phones_while_seized(self) -> bool:  # the simulated line's, as set
        return self.line.senses_phones_while_seized

    def _set_relay(self, seized: bool) -> None:
        self.line._set_relay(seized)

    def _pulse(self, count: int) -> None:
        self.line._relay_pulses(count)

    def _release(self) -> None:
        self.line._detach(self)
