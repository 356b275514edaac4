"""One line's recorder: int16 frames in, crash-safe recording files out.

It keeps the last few seconds of the line while not recording, so a
recording can start where the call really began: before the first syllable
that woke a voice-activated recording, or at the last digit of an outgoing
call whose dialling took a few seconds to be recognised as over.
A write error (most often a full disk) ends the current recording cleanly:
what reached the disk stays a valid file, the error is logged and reported
(``last_error``), and the line goes on working; the owner of the recording
(``firmware.engine.actions``) starts a new one as soon as the disk takes it.

Times are line time, given with every call (the frame's start, the
action's time): the recorder has no clock of its own.
"""

from __future__ import annotations

import collections
import errno
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from dsp_ext import g711
from firmware.store.recordings import RecordingFacts, RecordingFile, relative_path

log = logging.getLogger(__name__)

HISTORY_S = 6.0  # how far back a recording can start

_ENCODERS: dict[str, Callable[[np.ndarray], bytes]] = {
    "pcm16": lambda frame: frame.astype("<i2").tobytes(),
    "alaw": lambda frame: g711.alaw_encode(frame).tobytes(),
    "ulaw": lambda frame: g711.ulaw_encode(frame).tobytes(),
}


@dataclass(frozen=True)
class FinishedRecording:
    relative: str  # under the recordings folder
    samples: int
    sha256: str | None  # None when the recording ended on a write error
    error: str | None = None


def disk_full(error: OSError) -> bool:
    """Whether a write error means there is no room left (and space must be made)."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT)


class LineRecorder:
    """Records one line; ``feed`` every frame, ``start`` and ``stop`` as the machine says."""

    def __init__(
        self,
        line: int,
        root: Path,
        encoding: str = "alaw",
        history_s: float = HISTORY_S,
        local_offset: Callable[[float], int] | None = None,
    ) -> None:
        if encoding not in _ENCODERS:
            raise ValueError(f"unknown encoding {encoding!r}; use one of {sorted(_ENCODERS)}")
        self.line = line
        self.root = root
        self.encoding = encoding
        # Seconds east of UTC of the box's local time at a moment, for the file names.
        self.local_offset = local_offset
        self._encode = _ENCODERS[encoding]
        # (line time, frame) of the recent past, kept while not recording
        self._history: collections.deque[tuple[float, np.ndarray]] = collections.deque(
            maxlen=max(0, round(history_s * SAMPLE_RATE / FRAME_SAMPLES))
        )
        self._file: RecordingFile | None = None
        self._started_at = 0.0
        self.errors = 0
        self.last_error: OSError | None = None  # of the last recording that failed
        self._failing = False  # since the last failure, no recording has started

    @property
    def recording(self) -> bool:
        return self._file is not None

    @property
    def current(self) -> str | None:
        return self._file.relative if self._file else None

    @property
    def started_at(self) -> float | None:
        """Line time of the open recording's first sample (its pre-roll included)."""
        return self._started_at if self._file is not None else None

    def mark(self, kind: str, start_s: float, end_s: float) -> None:
        """Note in the open recording's sidecar (written when it ends) that ``kind``
        sounds from ``start_s`` to ``end_s`` seconds into it."""
        if self._file is not None:
            self._file.metadata.marks.append(
                {"kind": kind, "start_s": round(start_s, 3), "end_s": round(end_s, 3)}
            )

    def start(
        self, tag: str, metadata: dict, now: float, since: float | None = None
    ) -> str | None:
        """Open a new recording at line time ``now`` that begins at ``since`` (default:
        now), as far back as the kept history reaches. Returns its path under the
        recordings folder, or None if it could not be created (the error is logged and
        counted)."""
        if self._file is not None:
            return self._file.relative
        since = now if since is None else since
        preroll = [frame for at, frame in self._history if at >= since - 1e-6]
        started_at = now - len(preroll) * FRAME_SAMPLES / SAMPLE_RATE
        document = RecordingFacts(self.line, started_at, call=dict(metadata))
        offset = self.local_offset(started_at) if self.local_offset is not None else None
        relative = relative_path(self.line, started_at, tag, offset)
        try:
            # Names have one-second resolution: a second recording of the same call
            # (or voice) within that second gets the next free suffix.
            for attempt in range(2, 100):
                try:
                    self._file = RecordingFile(self.root, relative, self.encoding, document)
                    break
                except FileExistsError:
                    relative = relative_path(
                        self.line, started_at, f"{tag}-{attempt}", offset
                    )
            else:
                raise FileExistsError(f"no free name for recording {relative}")
            for frame in preroll:
                self._file.append(self._encode(frame))
        except OSError as error:
            self._fail(relative, error)
            return None
        self._history.clear()
        self._started_at = started_at
        if self._failing:
            self._failing = False
            log.warning("line %d: recording again, in %s", self.line, relative)
        return relative

    def feed(self, frame: np.ndarray, at: float) -> FinishedRecording | None:
        """One frame of the line, starting at line time ``at``. Returns a FinishedRecording
        only if a write error ended the recording."""
        if self._file is None:
            if self._history.maxlen:
                self._history.append((at, frame.copy()))
            return None
        try:
            self._file.append(self._encode(frame))
        except OSError as error:
            return self._fail(self._file.relative, error)
        return None

    def stop(self, metadata: dict | None, now: float) -> FinishedRecording | None:
        """Close the current recording at line time ``now``; its sidecar gets ``metadata``
        (the call's final facts)."""
        if self._file is None:
            return None
        recording, self._file = self._file, None
        recording.metadata.update(metadata or {})
        try:
            sha256 = recording.close(ended_at=now)
        except OSError as error:
            self._file = recording
            return self._fail(recording.relative, error)
        return FinishedRecording(recording.relative, recording.samples, sha256)

    def _fail(self, relative: str, error: OSError) -> FinishedRecording:
        self.errors += 1
        self.last_error = error
        samples = 0
        if self._file is not None:
            samples = self._file.samples
            self._file.abandon()
            self._file = None
        # A disk that stays full fails every attempt to record again: said once, then quietly.
        level = logging.DEBUG if self._failing else logging.ERROR
        self._failing = True
        log.log(
            level,
            "line %d: recording %s stopped: %s (the audio written so far is kept; "
            "recording starts again as soon as the disk takes it)",
            self.line,
            relative,
            error.strerror or error,
        )
        return FinishedRecording(relative, samples, None, error.strerror or str(error))
