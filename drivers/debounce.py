"""Debouncing of the line interface's inputs, as pure classes fed with timestamps.

Nothing here reads a clock or a pin: each detector is told what was seen
and when (``pulse``/``sample``) and what time it is now (``due``), and says
which events follow. ``deadline()`` tells the caller when to call ``due``
next if nothing else happens, so a backend can sleep exactly that long
(``due(deadline())`` always fires: times are compared as deadlines, not as
differences, so rounding cannot make it miss).

The physics behind the defaults:

- Ring detect through an optocoupler gives a pulse per cycle (or half
  cycle) of the 16-60 Hz ringing voltage, so pulses come 8-63 ms apart
  while the line rings. A ring starts at the first pulse (or the first of
  ``min_pulses`` close together) and stops when no pulse came for ``gap``
  (150 ms, well above the slowest ringing period and well below the
  shortest pause of any ring cadence).
- Loop voltage must hold a new level for ``hold`` (40 ms) to count, which
  rejects contact bounce and line glitches. While off hook, a break that
  holds but ends within ``pulse_max`` (100 ms) is a rotary dial pulse
  (breaks of 60-67 ms at 10 pulses/s), reported as such instead of as a
  hang-up and a new off-hook.
"""

from __future__ import annotations

from drivers.signals import (
    DialPulse,
    LoopStarted,
    LoopStopped,
    PolarityReversed,
    RingStarted,
    RingStopped,
    SignalEvent,
)

__all__ = ["LevelDebouncer", "LoopDetector", "PolarityDetector", "RingDetector"]


class RingDetector:
    """Ring bursts from ring-detect pulses."""

    def __init__(self, gap: float = 0.15, min_pulses: int = 1) -> None:
        if gap <= 0 or min_pulses < 1:
            raise ValueError(f"ring gap must be > 0 and min_pulses >= 1, got {gap}, {min_pulses}")
        self.gap = gap
        self.min_pulses = min_pulses
        self.ringing = False
        self._first_pulse: float | None = None  # of the current run of close pulses
        self._last_pulse: float | None = None
        self._pulses = 0

    def pulse(self, at: float) -> list[SignalEvent]:
        """A ring-detect pulse was seen at ``at``."""
        events = self.due(at)
        if self._last_pulse is None:
            self._first_pulse, self._pulses = at, 0
        self._last_pulse = at
        self._pulses += 1
        if not self.ringing and self._pulses >= self.min_pulses:
            self.ringing = True
            events.append(RingStarted(self._first_pulse))
        return events

    def deadline(self) -> float | None:
        return None if self._last_pulse is None else self._last_pulse + self.gap

    def due(self, now: float) -> list[SignalEvent]:
        """Events that fall due by ``now`` (a ring stop after ``gap`` without pulses)."""
        if self._last_pulse is None or now < self._last_pulse + self.gap:
            return []
        last, self._last_pulse, self._first_pulse, self._pulses = self._last_pulse, None, None, 0
        if self.ringing:
            self.ringing = False
            return [RingStopped(last)]
        return []


class LevelDebouncer:
    """A logic level that counts only after it held ``hold`` seconds."""

    def __init__(self, hold: float, level: bool = False) -> None:
        if hold < 0:
            raise ValueError(f"hold must be >= 0, got {hold}")
        self.hold = hold
        self.level = level  # the debounced level
        self._candidate: bool | None = None  # a raw level that differs from `level`
        self._since = 0.0  # when the raw level became `_candidate`

    def sample(self, level: bool, at: float) -> tuple[bool, float, float] | None:
        """The raw level seen at ``at``.

        Returns ``(level, since, duration)`` when a pending change is
        abandoned after holding at least ``hold`` (it was real, but ended before
        anyone called ``due``), so callers can tell a short real pulse from
        a glitch; otherwise None.
        """
        if level == self.level:
            abandoned = self._candidate
            self._candidate = None
            if abandoned is not None and at >= self._since + self.hold:
                return abandoned, self._since, at - self._since
            return None
        if self._candidate is None:
            self._candidate, self._since = level, at
        return None

    @property
    def pending_since(self) -> float | None:
        return None if self._candidate is None else self._since

    def deadline(self) -> float | None:
        return None if self._candidate is None else self._since + self.hold

    def due(self, now: float) -> float | None:
        """Accept a change that held long enough; returns when it began, or None."""
        if self._candidate is None or now < self._since + self.hold:
            return None
        self.level, self._candidate = self._candidate, None
        return self._since


class LoopDetector:
    """Off-hook / on-hook (and dial pulses) from the loop-voltage input."""

    def __init__(self, hold: float = 0.04, pulse_max: float = 0.1, off_hook: bool = False) -> None:
        if pulse_max < hold:
            raise ValueError(f"pulse_max ({pulse_max}) must be >= hold ({hold})")
        self.hold = hold
        self.pulse_max = pulse_max
        self.off_hook = off_hook
        self._level = LevelDebouncer(hold, off_hook)

    def sample(self, loop: bool, at: float) -> list[SignalEvent]:
        """The raw loop level (True: loop current) seen at ``at``."""
        events = self.due(at)
        abandoned = self._level.sample(loop, at)
        if abandoned is not None:
            _, since, duration = abandoned
            # Only breaks while off hook can be pulses; a make shorter than pulse_max while
            # on hook is not a call (hold is the caller's choice of what counts).
            if self.off_hook and duration < self.pulse_max:
                events.append(DialPulse(since))
        return events

    def _wait(self) -> float:
        # An on-hook change (a break) must outlast a dial pulse before it counts.
        return self.pulse_max if self.off_hook else self.hold

    def deadline(self) -> float | None:
        since = self._level.pending_since
        return None if since is None else since + self._wait()

    def due(self, now: float) -> list[SignalEvent]:
        since = self._level.pending_since
        if since is None or now < since + self._wait():
            return []
        self._level.due(now)
        self.off_hook = self._level.level
        return [LoopStarted(since) if self.off_hook else LoopStopped(since)]


class PolarityDetector:
    """Polarity reversals from a polarity-detect input, each level held ``hold``."""

    def __init__(self, hold: float = 0.04, level: bool = False) -> None:
        self._level = LevelDebouncer(hold, level)

    def sample(self, level: bool, at: float) -> list[SignalEvent]:
        events = self.due(at)  # a level that held is accepted before the next sample counts
        self._level.sample(level, at)
        return events

    def deadline(self) -> float | None:
        return self._level.deadline()

    def due(self, now: float) -> list[SignalEvent]:
        since = self._level.due(now)
        return [] if since is None else [PolarityReversed(since)]
