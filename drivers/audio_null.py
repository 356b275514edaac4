"""The null backend of ``drivers.audio`` (``null:``): silence at real time in, nothing out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from audio_format import FRAME_SAMPLES
from drivers.audio import CaptureStream, PlaybackStream
from drivers.pacing import FramePacer
from drivers.url import DriverURL


class NullCapture(CaptureStream):
    """Silent frames, one every 20 ms, until closed."""

    def __init__(self, parsed: DriverURL, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parsed.url)
        self._stop = threading.Event()
        self._pacer = FramePacer(self._stop, clock)

    def read(self) -> np.ndarray | None:
        if self._closed:
            return None
        self._overruns += 1 if self._pacer.wait() else 0
        if self._closed:
            return None
        return np.zeros(FRAME_SAMPLES, dtype=np.int16)

    def _release(self) -> None:
        self._stop.set()


class NullPlayback(PlaybackStream):
    """Takes frames and drops them."""

    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)

    def _write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        pass

    def _release(self) -> None:
        pass
