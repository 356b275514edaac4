"""Real-time pacing for audio sources that have no clock of their own (files, silence)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from audio_format import FRAME_SECONDS


class FramePacer:
    """Hands out frame due times at real time; counts frames skipped by a reader that fell behind.

    ``wait`` blocks until the next frame is due (or ``stop`` is set) and
    returns how many frames were lost: a reader more than ``slack`` frames
    late is treated like a sound card whose buffer overflowed, and the
    schedule jumps to now.
    """

    def __init__(
        self,
        stop: threading.Event,
        clock: Callable[[], float] = time.monotonic,
        slack: int = 4,
    ) -> None:
        self._stop = stop
        self._clock = clock
        self._slack = slack
        self._next_due: float | None = None

    def wait(self) -> int:
        now = self._clock()
        if self._next_due is None:
            self._next_due = now
        lost = 0
        late_frames = int((now - self._next_due) / FRAME_SECONDS)
        if late_frames > self._slack:
            lost = late_frames
            self._next_due += lost * FRAME_SECONDS
        delay = self._next_due - now
        if delay > 0:
            self._stop.wait(delay)
        self._next_due += FRAME_SECONDS
        return lost
