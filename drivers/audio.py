"""Line audio: 20 ms frames of 160 int16 samples, 8 kHz mono, in and out.

A line's audio is opened with a URL (``drivers.opening.open_capture`` and
``open_playback``; the library a backend needs is imported only when it is
opened, so this imports on any machine):

``alsa:<pcm>``
    A sound card through ALSA (pyalsaaudio): any ALSA PCM name, e.g.
    ``alsa:hw:1,0``, ``alsa:plughw:CARD=Device,DEV=0``, ``alsa:default``.
    Opened as S16_LE, 8000 Hz, 1 channel, period 160 frames; a card that
    cannot do that is refused with a hint to use ``plughw:``.
``wav:<path>[?pace=1]``
    Capture reads frames from a WAV file (8 kHz mono 16-bit), as fast as
    they are asked for, or at real time with ``pace=1``; the last frame is
    padded with silence and then ``read()`` returns None. Playback writes
    the frames to a WAV file (the header is completed on close).
``sim:[<name>][?depth=N]``
    An in-memory line fed by the simulator (see ``drivers.simline``): the
    capture blocks until the simulator pushes a frame; playback collects
    the frames for the simulator to take. ``sim:`` alone makes a private
    line reachable as ``stream.line``; ``sim:<name>`` joins the named line
    the simulator holds. ``depth`` is the line's capture queue, in frames.
``null:``
    Capture gives silence at real time; playback discards.

Capture streams: ``read()`` blocks for one frame and returns None at the end
of the stream or once the stream is closed (from any thread);
``overruns`` counts how often the backend lost frames (ALSA -EPIPE, a
simulated line that overflowed, a reader that fell behind the paced
source), which are recovered from, never raised. Playback streams:
``write(frame)`` takes one 160-sample int16 frame.
"""

from __future__ import annotations

import abc

import numpy as np

from audio_format import FRAME_SAMPLES
from drivers.closing import ClosedOnExit
from drivers.errors import AudioFormatError, DriverClosedError

__all__ = [
    "CaptureStream",
    "PlaybackStream",
    "check_frame",
]

def check_frame(frame: object) -> np.ndarray:
    """Return ``frame`` if it is one frame (1-D int16, 160 samples), else raise AudioFormatError."""
    if not isinstance(frame, np.ndarray):
        raise AudioFormatError(
            f"an audio frame must be a numpy array of {FRAME_SAMPLES} int16 samples, got "
            f"{type(frame).__name__}; use np.asarray(samples, dtype=np.int16)"
        )
    if frame.dtype != np.int16 or frame.shape != (FRAME_SAMPLES,):
        raise AudioFormatError(
            f"an audio frame must be {FRAME_SAMPLES} int16 samples (20 ms at 8 kHz), "
            f"got {frame.dtype} of shape {frame.shape}; cut the audio into frames of "
            f"{FRAME_SAMPLES} and pad the last one with zeros"
        )
    return frame


class _Stream(ClosedOnExit, abc.ABC):
    """What capture and playback streams share: a URL, closing, context management."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        """Release the device or file; safe to call more than once and from another thread."""
        if not self._closed:
            self._closed = True
            self._release()

    @abc.abstractmethod
    def _release(self) -> None:
        """Free what the backend holds; called once."""

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.url!r} {state}>"


class CaptureStream(_Stream):
    """Frames from one line: ``read()`` until it returns None."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self._overruns = 0

    @property
    def overruns(self) -> int:
        """How many times the backend lost audio (each time at least one frame)."""
        return self._overruns

    @abc.abstractmethod
    def read(self) -> np.ndarray | None:
        """The next frame (160 int16 samples), blocking; None at end of stream or once closed."""

    def __iter__(self):
        while (frame := self.read()) is not None:
            yield frame


class PlaybackStream(_Stream):
    """Frames to one line (prompts, announcements).

    The engine writes one frame for each frame it reads while it plays, and
    says ``rest()`` when it stops. Each write says which capture frame the
    played frame belongs with (``sounds_with``: that capture's frame count,
    from 0): a backend whose audio is paced by its capture (a simulated
    line) makes it sound exactly there; a sound card plays it as it comes,
    ``latency_frames`` after it is written. The echo canceller takes what
    was played from the same reckoning.
    """

    #: The backend sounds each frame with the capture frame the write names.
    paced_by_capture = False
    #: Frames between a write and its sound on the line, beyond the capture's own lag.
    latency_frames = 0
    #: The backend can sound on the line at all (a voice modem without a voice format cannot).
    can_play = True
    #: The backend sounds on a line a phone of the office holds, the box not seizing it (a
    #: line interface's audio output does; a voice modem only where it listens beside phones).
    plays_beside_phones = True

    def write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        """Play one frame (160 int16 samples); blocks while the device's buffer is full."""
        if self._closed:
            raise DriverClosedError(f"write to the closed playback stream {self.url!r}")
        self._write(check_frame(frame), sounds_with)

    def rest(self) -> None:
        """The engine stops playing for now: the line is quiet until the next write."""

    @abc.abstractmethod
    def _write(self, frame: np.ndarray, sounds_with: int | None) -> None:
        """Hand one checked frame to the backend."""
