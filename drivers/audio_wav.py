"""The WAV-file backend of ``drivers.audio`` (``wav:<path>[?pace=1]``).

Files are 8 kHz mono 16-bit linear WAV, read and written with the stdlib's
``wave`` module. Capture reads the file in 160-sample frames, pads the last
one with silence and then returns None; with ``pace=1`` it hands out frames
no faster than real time, as a sound card would. Playback writes each frame
to the file; the header is completed when the stream is closed.
"""

from __future__ import annotations

import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from drivers.audio import CaptureStream, PlaybackStream
from drivers.errors import AudioFormatError, DeviceError, DriverURLError
from drivers.pacing import FramePacer
from drivers.url import DriverURL

_CONVERT_HINT = (
    "convert it with `linerec dsp convert IN OUT --encoding pcm16` "
    "or `sox IN -r 8000 -c 1 -b 16 OUT`"
)


def _path(parsed: DriverURL) -> Path:
    if not parsed.target:
        raise DriverURLError(parsed.url, "no file path after 'wav:'", parsed.accepted)
    return Path(parsed.target)


class WavCapture(CaptureStream):
    def __init__(self, parsed: DriverURL, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parsed.url)
        path = _path(parsed)
        paced = parsed.flag("pace")
        try:
            with wave.open(str(path), "rb") as reader:
                channels, width, rate = (
                    reader.getnchannels(),
                    reader.getsampwidth(),
                    reader.getframerate(),
                )
                data = reader.readframes(reader.getnframes())
        except FileNotFoundError as error:
            raise DeviceError(f"{path}: no such WAV file for {parsed.url!r}") from error
        except OSError as error:
            raise DeviceError(f"{path}: cannot read: {error.strerror or error}") from error
        except (wave.Error, EOFError) as error:
            raise AudioFormatError(
                f"{path}: not a 16-bit linear WAV file ({error}); {_CONVERT_HINT}"
            ) from error
        if (channels, width, rate) != (1, 2, SAMPLE_RATE):
            raise AudioFormatError(
                f"{path}: {rate} Hz, {channels} channel(s), {8 * width}-bit; the audio drivers "
                f"take {SAMPLE_RATE} Hz mono 16-bit; {_CONVERT_HINT}"
            )
        samples = np.frombuffer(data[: len(data) - len(data) % 2], dtype="<i2")
        padded = -(-samples.size // FRAME_SAMPLES) * FRAME_SAMPLES
        self._samples = np.zeros(padded, dtype=np.int16)
        self._samples[: samples.size] = samples
        self._position = 0
        self._stop = threading.Event()
        self._pacer = FramePacer(self._stop, clock) if paced else None

    def read(self) -> np.ndarray | None:
        if self._closed or self._position >= self._samples.size:
            return None
        if self._pacer is not None:
            self._overruns += 1 if self._pacer.wait() else 0
            if self._closed:
                return None
        frame = self._samples[self._position : self._position + FRAME_SAMPLES].copy()
        self._position += FRAME_SAMPLES
        return frame

    def _release(self) -> None:
        self._stop.set()


class WavPlayback(PlaybackStream):
    def __init__(self, parsed: DriverURL) -> None:
        super().__init__(parsed.url)
        path = _path(parsed)
        try:
            self._writer = wave.open(str(path), "wb")  # noqa: SIM115 - closed in _release
        except OSError as error:
            raise DeviceError(f"{path}: cannot write: {error.strerror or error}") from error
        self._writer.setnchannels(1)
        self._writer.setsampwidth(2)
        self._writer.setframerate(SAMPLE_RATE)
        self._lock = threading.Lock()

    def _write(self, frame: np.ndarray, sounds_with: int | None = None) -> None:
        with self._lock:
            self._writer.writeframes(frame.astype("<i2").tobytes())

    def _release(self) -> None:
        with self._lock:
            self._writer.close()
