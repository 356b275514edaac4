"""The ALSA backend of ``drivers.audio`` (``alsa:<pcm name>``), over pyalsaaudio.

The device is opened as S16_LE, 8000 Hz, mono, with a period of 160 frames
(one 20 ms frame per period). If the device settles on another period size
the stream re-cuts what it reads into 160-sample frames, so callers always
get the same frames. An overrun (-EPIPE: the reader was late and the card's
buffer overflowed) is counted in ``overruns``; pyalsaaudio has already
re-prepared the device and reading simply goes on.
"""

from __future__ import annotations

import contextlib
import errno
import threading

import numpy as np

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from drivers.audio import CaptureStream, PlaybackStream
from drivers.errors import BackendUnavailableError, DeviceError, DriverURLError
from drivers.url import DriverURL

_FRAME_BYTES = FRAME_SAMPLES * 2
_PERIODS = 4  # 80 ms of buffer: room for a late reader without adding much delay


def _alsaaudio():
    try:
        import alsaaudio  # noqa: PLC0415 - only the ALSA backend needs it
    except ImportError as error:
        raise BackendUnavailableError(
            f"the ALSA audio backend needs pyalsaaudio, which is not importable ({error}); "
            "install it with `pip install pyalsaaudio` (it builds from source: needs gcc and "
            "the Debian package libasound2-dev), or use a wav:, sim: or null: audio URL"
        ) from error
    return alsaaudio


def _known_pcms(alsaaudio, kind) -> str:
    try:
        names = alsaaudio.pcms(kind)
    except alsaaudio.ALSAAudioError:  # only enriches an error message
        return "unknown"
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")


def _open_pcm(parsed: DriverURL, capture: bool):
    device = parsed.target
    direction = "capture" if capture else "playback"
    if not device:
        raise DriverURLError(parsed.url, "no ALSA PCM name after 'alsa:'", parsed.accepted)
    alsaaudio = _alsaaudio()
    kind = alsaaudio.PCM_CAPTURE if capture else alsaaudio.PCM_PLAYBACK
    try:
        pcm = alsaaudio.PCM(
            kind,
            alsaaudio.PCM_NORMAL,
            rate=SAMPLE_RATE,
            channels=1,
            format=alsaaudio.PCM_FORMAT_S16_LE,
            periodsize=FRAME_SAMPLES,
            periods=_PERIODS,
            device=device,
        )
    except alsaaudio.ALSAAudioError as error:
        raise DeviceError(
            f"cannot open ALSA PCM {device!r} for {direction}: {error}; ALSA knows these PCMs: "
            f"{_known_pcms(alsaaudio, kind)} (list the cards with `arecord -l` / `aplay -l`)"
        ) from error
    try:
        info = pcm.info()
    except (AttributeError, alsaaudio.ALSAAudioError):  # older pyalsaaudio: trust the request
        info = None
    if info is not None:
        got = (info.get("rate"), info.get("channels"), info.get("format_name"))
        if got != (SAMPLE_RATE, 1, "S16_LE"):
            pcm.close()
            hint = f"alsa:plug{device}" if device.startswith("hw:") else "alsa:plughw:<card>,<dev>"
            raise DeviceError(
                f"ALSA PCM {device!r} runs at {got[0]} Hz, {got[1]} channel(s), {got[2]}, "
                f"not {SAMPLE_RATE} Hz mono S16_LE; open it through ALSA's converting plug "
                f"layer instead ({hint})"
            )
    return alsaaudio, pcm


class AlsaCapture(CaptureStream):
    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        self._alsaaudio, self._pcm = _open_pcm(parsed, capture=True)
        self._device = parsed.target
        self._pending = bytearray()
        # Held for a whole read, so close() never frees the PCM under a reading thread;
        # a read waits at most one period for the card.
        self._lock = threading.Lock()

    def read(self) -> np.ndarray | None:
        with self._lock:
            while len(self._pending) < _FRAME_BYTES:
                if self._closed:
                    return None
                try:
                    count, data = self._pcm.read()
                except self._alsaaudio.ALSAAudioError as error:
                    raise DeviceError(
                        f"ALSA capture from {self._device!r} failed: {error}; "
                        "was the sound card unplugged?"
                    ) from error
                if count == -errno.EPIPE:
                    self._overruns += 1
                    continue
                self._pending += data
            frame = np.frombuffer(bytes(self._pending[:_FRAME_BYTES]), dtype="<i2")
            del self._pending[:_FRAME_BYTES]
        return frame.astype(np.int16)

    def _release(self) -> None:
        with self._lock:
            self._pcm.close()


class AlsaPlayback(PlaybackStream):
    # A steady writer keeps the card's buffer full: a frame sounds that many periods later.
    latency_frames = _PERIODS

    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        self._alsaaudio, self._pcm = _open_pcm(parsed, capture=False)
        self._device = parsed.target
        self._lock = threading.Lock()
        self.underruns = 0  # the card ran dry between writes (harmless for prompts)

    def _write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        data = frame.astype("<i2").tobytes()
        with self._lock:
            for attempt in range(2):
                try:
                    self._pcm.write(data)
                    return
                except self._alsaaudio.ALSAAudioError as error:
                    # An underrun during the write: pyalsaaudio re-prepares on the next call.
                    if attempt == 0 and "pipe" in str(error).lower():
                        self.underruns += 1
                        continue
                    raise DeviceError(
                        f"ALSA playback to {self._device!r} failed: {error}; "
                        "was the sound card unplugged?"
                    ) from error

    def _release(self) -> None:
        with self._lock:
            with contextlib.suppress(self._alsaaudio.ALSAAudioError):
                self._pcm.drain()  # let the end of a prompt play out
            self._pcm.close()
