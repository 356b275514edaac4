"""What a line plays, in step with what it hears, and its echo taken out of what it hears.

The box speaks on a line (an announcement, a survey's prompts, a voicemail
greeting, an IVR menu) through the line's playback stream. ``LinePlayer``
writes one frame out for each frame the line's worker takes in, while it is
``active``: the prompts queued with ``play``, silence between them. Each
frame written names the capture frame it sounds with (``sounds_with``): the
next one on a backend paced by its capture (a simulated line), otherwise as
far ahead as the worker is behind its capture plus the device's own latency.

What the box plays comes back in what it hears: the line's hybrid, and the
box's own coupling to the line, return it a few dB down. Keys a caller
presses during a prompt must be heard through it, and the prompt itself
must never sound like a key. So while the player is active, and for a
moment after, each frame heard goes through an echo canceller (``clean``)
with what was played with it as the far end, before the detectors see it;
the recording keeps the line as it was heard, prompt included.
"""

from __future__ import annotations

import collections
import logging

import numpy as np

from audio_format import FRAME_SAMPLES
from drivers.audio import PlaybackStream
from dsp_ext.echo import EchoCanceller

log = logging.getLogger(__name__)

TAIL_MS = 128  # the echo path may sit a frame or two off the reckoning: a long tail covers it
ECHO_AFTER_FRAMES = 10  # the echo canceller runs this long after the last played frame
SILENCE = np.zeros(FRAME_SAMPLES, dtype=np.int16)


class LinePlayer:
    """One line's playback: prompts queued, frames written in step, echo removed."""

    def __init__(self, playback: PlaybackStream | None) -> None:
        self.playback = playback
        self.active = False
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._offset = 0  # samples of the queue's first prompt already played
        self._references: dict[int, np.ndarray] = {}  # what sounds with each capture frame
        self._last_sounds_with = -1
        self._echo_frames_left = 0
        self._canceller: EchoCanceller | None = None
        self.failed = False  # the playback stream failed: the line plays no more

    @property
    def can_play(self) -> bool:
        return self.playback is not None and not self.failed

    @property
    def busy(self) -> bool:
        """A prompt is still being played."""
        return bool(self._queue)

    def start(self) -> None:
        """Begin writing to the line (silence until a prompt is queued)."""
        if not self.active:
            self.active = True
            if self._canceller is None:
                self._canceller = EchoCanceller(tail_ms=TAIL_MS)

    def play(self, audio: np.ndarray) -> None:
        """Queue ``audio`` (int16, 8 kHz) to play after what is queued; starts the player."""
        if audio.size:
            self._queue.append(np.asarray(audio, dtype=np.int16))
            self.start()

    def stop(self) -> None:
        """Drop what is queued: the prompt being played stops at the next frame."""
        self._queue.clear()
        self._offset = 0

    def rest(self) -> None:
        """Stop writing to the line until the next ``start``."""
        self.stop()
        if self.active:
            self.active = False
            if self.can_play:
                try:
                    self.playback.rest()
                except Exception as error:
                    self._fail(error)

    def reset(self) -> None:
        """A new call: the echo path learnt for the last one no longer holds."""
        if self._canceller is not None:
            self._canceller.reset()

    def clean(self, heard: np.ndarray, number: int) -> np.ndarray:
        """Capture frame ``number`` with the echo of what was played with it taken out."""
        far = self._references.pop(number, None)
        if far is not None:
            self._echo_frames_left = ECHO_AFTER_FRAMES
        elif self._echo_frames_left > 0:
            self._echo_frames_left -= 1
            far = SILENCE
        else:
            return heard
        if self._canceller is None:
            self._canceller = EchoCanceller(tail_ms=TAIL_MS)
        return self._canceller.process(far, heard)

    def next_frame(self, number: int, backlog: int) -> None:
        """Write what sounds with a coming capture frame, after capture frame ``number``.

        ``backlog``: frames the worker has yet to take after ``number``.
        """
        if not self.active:
            return
        frame = self._take_frame()
        if not self.can_play:
            return
        playback = self.playback
        sounds_with = max(number + self.delay_frames(backlog), self._last_sounds_with + 1)
        self._last_sounds_with = sounds_with
        try:
            playback.write(frame, sounds_with)
        except Exception as error:
            self._fail(error)
            return
        if frame is not SILENCE:
            self._references[sounds_with] = frame
        for stale in [n for n in self._references if n <= number]:
            del self._references[stale]

    def delay_frames(self, backlog: int) -> int:
        """How many capture frames after the one just taken a frame written now sounds
        (``backlog``: frames the worker has yet to take)."""
        playback = self.playback
        if playback is None or playback.paced_by_capture:
            return 1
        return 1 + backlog + playback.latency_frames

    def _take_frame(self) -> np.ndarray:
        if not self._queue:
            return SILENCE
        frame = np.zeros(FRAME_SAMPLES, dtype=np.int16)
        filled = 0
        while filled < FRAME_SAMPLES and self._queue:
            prompt = self._queue[0]
            part = prompt[self._offset : self._offset + FRAME_SAMPLES - filled]
            frame[filled : filled + part.size] = part
            filled += part.size
            self._offset += part.size
            if self._offset >= prompt.size:
                self._queue.popleft()
                self._offset = 0
        return frame

    def _fail(self, error: BaseException) -> None:
        if not self.failed:
            log.error("playback to %s failed: %s", self.playback.url, error)
        self.failed = True
        self._queue.clear()
