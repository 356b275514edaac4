"""A line's input read ahead of its worker, so the sound card never waits for the disk.

A sound card keeps only a few periods of audio (80 ms with the ALSA
backend's settings). A worker that reads the card itself loses audio
whenever something else holds it up for longer: a recording's fsync on a
slow SD card, the database lock, a checkpoint. So each line has a reader
thread (``capture-<n>``) that does nothing but take the line's audio as it
comes, together with the signal events (ring, loop, caller-ID reports) that
arrived by the time of each frame, and queue them for the worker. However
late the worker is, it sees audio and signals in their true order, and
line time (20 ms per frame) stays exact.

The reader runs at a raised priority (``READER_NICE``) where the engine may
raise it (as root, or with ``CAP_SYS_NICE``), so that other busy processes
on the box cannot keep it from the card either; elsewhere it says so once
in the log and runs at the normal priority.

The queue holds ``AHEAD_S`` seconds. A worker further behind than that
holds the reader back: a source that can wait (a file, the simulator in
lockstep) waits, a real-time one (a sound card, a modem, the simulator
playing like a sound card) drops frames and counts them in its
``overruns`` as it always does. At shutdown the worker still gets every
frame that was read before the line closed.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
from typing import NamedTuple

import numpy as np

from audio_format import FRAME_SECONDS
from drivers.audio import CaptureStream
from drivers.signals import LineSignals, SignalEvent

log = logging.getLogger(__name__)

AHEAD_S = 10.0  # how far the reader may run ahead of the worker
READER_NICE = -10  # the readers' scheduling priority, where it may be raised
_priority_refused = threading.Event()  # logged once per process


class Arrival(NamedTuple):
    """One frame of a line and the signal events that came before it was read."""

    frame: np.ndarray
    signals: tuple[SignalEvent, ...]


class _End(NamedTuple):
    """Queued after the last frame: the capture ended, or failed with ``error``."""

    error: BaseException | None


class LineInput:
    """Reads a line's capture and signals on a thread of its own; ``take`` hands them over.

    The hand-over costs one C-level queue operation per frame on each side;
    the reader is held back and let go by an event, touched only when the
    queue is full, so a worker catching up takes frames without a wake-up each.
    """

    def __init__(
        self,
        capture: CaptureStream,
        signals: LineSignals | None,
        name: str,
        ahead_s: float = AHEAD_S,
    ) -> None:
        self.capture = capture
        self.signals = signals
        self.depth = max(1, round(ahead_s / FRAME_SECONDS))
        self.most_behind = 0  # the longest the queue has been, in frames
        self.taken = 0  # frames handed to workers: the capture frame number of the next one
        self._queue: queue.SimpleQueue[Arrival | _End] = queue.SimpleQueue()
        self._room = threading.Event()  # set while the reader may queue more
        self._room.set()
        self._abandoned = False  # the worker stopped taking
        self._read_to_end = False  # the end is queued after the last frame
        self._ended = False  # the worker has taken the end
        self._thread = threading.Thread(target=self._read, name=name, daemon=True)

    def start(self) -> None:
        """Start reading (once: a worker that takes over a running input calls it again)."""
        if self._thread.ident is None:
            self._thread.start()

    @property
    def backlog(self) -> int:
        """Frames read and not yet taken."""
        return self._queue.qsize() - int(self._read_to_end)

    def take(self) -> Arrival | None:
        """The next frame and its signals, waiting for it; None once the capture has ended.

        An error of the capture (an unplugged card) is raised here, after the
        frames read before it.
        """
        if self._ended:
            return None
        item = self._queue.get()
        if not self._room.is_set() and self._queue.qsize() <= self.depth // 2:
            self._room.set()
        if isinstance(item, Arrival):
            self.taken += 1
            return item
        self._ended = True
        if item.error is not None:
            raise item.error
        return None

    def abandon(self) -> None:
        """The worker takes no more: a reader held back by a full queue stops."""
        self._abandoned = True
        self._room.set()

    def _read(self) -> None:
        _raise_priority()
        error = None
        try:
            while (frame := self.capture.read()) is not None:
                self._queue.put(Arrival(frame, self._signal_events()))
                behind = self._queue.qsize()
                self.most_behind = max(self.most_behind, behind)
                if behind >= self.depth:
                    self._room.clear()
                    if self._queue.qsize() >= self.depth:  # not drained meanwhile
                        self._room.wait()
                if self._abandoned:
                    return
        except Exception as failure:  # handed to the worker, which logs it and stops the line
            error = failure
        self._read_to_end = True
        self._queue.put(_End(error))

    def _signal_events(self) -> tuple[SignalEvent, ...]:
        if self.signals is None:
            return ()
        events = []
        while (event := self.signals.poll(0)) is not None:
            events.append(event)
        return tuple(events)


def _raise_priority() -> None:
    """Give the calling thread (a reader) the READER_NICE priority, if the engine may."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), READER_NICE)
    except (OSError, AttributeError) as error:  # no permission, or not Linux
        if not _priority_refused.is_set():
            _priority_refused.set()
            log.info(
                "line audio readers run at the normal priority (raising it to nice %d "
                "needs root or CAP_SYS_NICE: %s)",
                READER_NICE,
                getattr(error, "strerror", None) or error,
            )
