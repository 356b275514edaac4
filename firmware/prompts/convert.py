"""Any audio file the admin uploads, as the line's audio: 8 kHz mono int16 at line level.

``to_line_audio(data, filename)`` reads the file from memory with libsndfile
(``soundfile``: WAV, FLAC, Ogg Vorbis, Ogg Opus and MP3 with libsndfile 1.1 or later),
then, a block at a time so that memory stays bounded by the result:

1. mixes the channels to one (their mean);
2. resamples to 8 kHz (``soxr``, high quality, streamed);
3. band-limits to the telephone band, 300 to 3400 Hz (a zero-phase filter in the
   frequency domain, with raised-cosine edges of 100 and 300 Hz: no ringing to speak of);
4. trims the silence before and after the sound (20 ms frames more than 40 dB below the
   loudest, or below -70 dBm0), keeping 60 ms before and 100 ms after;
5. normalises the active level (the frames within 30 dB of the loudest, as P.56's active
   speech level measures roughly) to ``ACTIVE_LEVEL_DBM0``, -16 dBm0, and limits the
   peaks below ``PEAK_LIMIT`` (-1 dBFS) with a gain that dips smoothly over 5 ms around
   each peak instead of clipping it.

Anything it cannot take (an empty file, no audio, garbage, longer than ``MAX_SECONDS``,
silence only) is one ``PromptError`` naming the file: nothing else leaves this module.
"""

from __future__ import annotations

import io
import logging
import math

import numpy as np
import soundfile
import soxr
from numpy.lib.stride_tricks import sliding_window_view

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from dsp_ext.levels import reference_rms, sine_amplitude
from firmware.prompts import errors
from firmware.prompts.errors import PromptError, shown_name

log = logging.getLogger(__name__)

MAX_SECONDS = 300  # the longest prompt: five minutes
MAX_CHANNELS = 8
MIN_RATE, MAX_RATE = 4000, 384_000
READ_BLOCK = 1 << 16  # frames read and resampled at a time
ACTIVE_LEVEL_DBM0 = -16.0
PEAK_LIMIT = 32767 * 10 ** (-1 / 20)  # -1 dBFS: below full scale, whatever the law
BAND_HZ = (300.0, 3400.0)
BAND_EDGES_HZ = (100.0, 300.0)  # the width of the low and the high edge
SILENCE_BELOW_LOUDEST_DB = 40.0
SILENCE_FLOOR_DBM0 = -70.0
ACTIVE_BELOW_LOUDEST_DB = 30.0
KEEP_BEFORE_S, KEEP_AFTER_S = 0.06, 0.10
MAX_GAIN_DB = 60.0
LIMITER_SAMPLES = 40  # 5 ms each side of a peak


def to_line_audio(data: bytes, filename: str) -> np.ndarray:
    """The uploaded file ``data`` (named ``filename``, for messages only) as the line's
    audio: int16, 8 kHz, mono. PromptError with one line naming the file otherwise."""
    name = shown_name(filename)
    if not data:
        raise PromptError(errors.EMPTY_FILE, file=name)
    samples = _decoded(data, name)
    return line_level(samples, name)


def line_level(samples: np.ndarray, name: str) -> np.ndarray:
    """Float samples at 8 kHz (any scale, 1.0 full scale) band-limited, trimmed and
    normalised to the line's level: steps 3 to 5 of the module's docstring."""
    if samples.size == 0:
        raise PromptError(errors.NO_AUDIO, file=name)
    samples = np.nan_to_num(samples.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    samples = band_limited(samples * 32768.0)
    samples = _trimmed(samples, name)
    return _normalised(samples)


def _decoded(data: bytes, name: str) -> np.ndarray:
    """The file's sound, mixed to mono and resampled to 8 kHz, as float32 (1.0 full)."""
    try:
        sound = soundfile.SoundFile(io.BytesIO(data))
    except Exception as error:  # libsndfile says "Format not recognised" and the like
        log.info("%s: not readable as audio: %s", name, error)
        raise PromptError(errors.UNREADABLE, file=name) from None
    with sound:
        rate, channels = sound.samplerate, sound.channels
        if not MIN_RATE <= rate <= MAX_RATE:
            raise PromptError(errors.ODD_RATE, file=name, rate=rate)
        if not 1 <= channels <= MAX_CHANNELS:
            raise PromptError(errors.TOO_MANY_CHANNELS, file=name, channels=channels,
                              limit=MAX_CHANNELS)
        limit = (MAX_SECONDS + 1) * rate  # frames: what a header says is not trusted
        declared = declared_frames(sound)
        if declared > limit:
            raise PromptError(errors.TOO_LONG, file=name, seconds=round(declared / rate),
                              limit=MAX_SECONDS)
        resampler = soxr.ResampleStream(rate, SAMPLE_RATE, 1, dtype="float32", quality="HQ")
        pieces, taken = [], 0
        while True:
            try:
                block = sound.read(READ_BLOCK, dtype="float32", always_2d=True)
            except Exception as error:
                reason = " ".join(str(error).split())[:120] or type(error).__name__
                log.info("%s: cannot be decoded: %s", name, reason)
                raise PromptError(errors.DAMAGED, file=name, reason=reason) from None
            taken += len(block)
            if taken > limit:
                raise PromptError(errors.TOO_LONG, file=name, seconds=f"> {MAX_SECONDS}",
                                  limit=MAX_SECONDS)
            last = len(block) < READ_BLOCK
            mono = block.mean(axis=1, dtype=np.float32) if len(block) else np.zeros(
                0, np.float32)
            pieces.append(resampler.resample_chunk(mono, last=last))
            if last:
                break
    return np.concatenate(pieces) if pieces else np.zeros(0, np.float32)


def declared_frames(sound: soundfile.SoundFile) -> int:
    """The frames the file says it holds, 0 when it does not know (libsndfile counts
    an MP3's by its first frames, a WAV's by its size on disk)."""
    return sound.frames if 0 < sound.frames < 2**62 else 0


def band_limited(samples: np.ndarray) -> np.ndarray:
    """``samples`` (8 kHz) through the telephone band's filter, zero phase, same length."""
    if samples.size == 0:
        return samples
    pad = SAMPLE_RATE // 10  # 100 ms each side: the filter's ringing never wraps around
    length = samples.size + 2 * pad
    size = 1 << max(1, (length - 1).bit_length())
    spectrum = np.fft.rfft(np.pad(samples, pad), size)
    frequencies = np.fft.rfftfreq(size, 1 / SAMPLE_RATE)
    spectrum *= _band_gain(frequencies)
    return np.fft.irfft(spectrum, size)[pad : pad + samples.size]


def _band_gain(frequencies: np.ndarray) -> np.ndarray:
    low, high = BAND_HZ
    low_edge, high_edge = BAND_EDGES_HZ
    gain = np.ones_like(frequencies)
    rising = np.clip((frequencies - (low - low_edge)) / low_edge, 0.0, 1.0)
    falling = np.clip((high + high_edge - frequencies) / high_edge, 0.0, 1.0)
    gain *= 0.5 - 0.5 * np.cos(np.pi * rising)
    gain *= 0.5 - 0.5 * np.cos(np.pi * falling)
    return gain


def _frame_levels(samples: np.ndarray) -> np.ndarray:
    """Each whole 20 ms frame's mean power (the last, partial frame padded with zeros)."""
    frames = -(-samples.size // FRAME_SAMPLES)
    padded = np.zeros(frames * FRAME_SAMPLES)
    padded[: samples.size] = samples
    blocks = padded.reshape(frames, FRAME_SAMPLES)
    return np.mean(blocks * blocks, axis=1)


def _dbm0(power: float | np.ndarray) -> np.ndarray:
    reference = reference_rms("alaw") ** 2
    return 10 * np.log10(np.maximum(power, 1e-12) / reference)


def _trimmed(samples: np.ndarray, name: str) -> np.ndarray:
    levels = _dbm0(_frame_levels(samples))
    loudest = float(levels.max())
    if loudest < SILENCE_FLOOR_DBM0:
        raise PromptError(errors.NO_SOUND, file=name)
    sounding = np.flatnonzero(levels >= max(SILENCE_FLOOR_DBM0,
                                            loudest - SILENCE_BELOW_LOUDEST_DB))
    start = max(0, sounding[0] * FRAME_SAMPLES - round(KEEP_BEFORE_S * SAMPLE_RATE))
    end = min(samples.size, (sounding[-1] + 1) * FRAME_SAMPLES
              + round(KEEP_AFTER_S * SAMPLE_RATE))
    return samples[start:end]


def active_level_dbm0(samples: np.ndarray) -> float:
    """The level of the frames within 30 dB of the loudest frame, in dBm0 (A-law's)."""
    powers = _frame_levels(np.asarray(samples, dtype=np.float64))
    levels = _dbm0(powers)
    active = levels >= levels.max() - ACTIVE_BELOW_LOUDEST_DB
    return float(_dbm0(float(np.mean(powers[active]))))


def _normalised(samples: np.ndarray) -> np.ndarray:
    gain_db = min(MAX_GAIN_DB, ACTIVE_LEVEL_DBM0 - active_level_dbm0(samples))
    scaled = samples * 10 ** (gain_db / 20)
    limited = _peaks_limited(scaled)
    return np.round(np.clip(limited, -PEAK_LIMIT, PEAK_LIMIT)).astype(np.int16)


def _peaks_limited(samples: np.ndarray) -> np.ndarray:
    """Peaks above ``PEAK_LIMIT`` brought under it by a gain that never exceeds what each
    sample needs: the least gain needed within 5 ms, then averaged over 5 ms (each
    average covers only minima whose window held that sample)."""
    need = np.minimum(1.0, PEAK_LIMIT / np.maximum(np.abs(samples), 1e-9))
    if need.min() >= 1.0:
        return samples
    reach = LIMITER_SAMPLES
    least = sliding_window_view(np.pad(need, reach, constant_values=1.0),
                                2 * reach + 1).min(axis=1)
    half = reach // 2
    sums = np.concatenate(([0.0], np.cumsum(np.pad(least, half, mode="edge"))))
    smooth = (sums[2 * half + 1 :] - sums[: -2 * half - 1]) / (2 * half + 1)
    return samples * np.minimum(smooth, need)


def tone(frequency_hz: float, seconds: float, level_dbm0: float = -10.0,
         fade_s: float = 0.01) -> np.ndarray:
    """A sine at ``level_dbm0`` (A-law's), faded in and out over ``fade_s``: the beep."""
    count = round(seconds * SAMPLE_RATE)
    times = np.arange(count) / SAMPLE_RATE
    wave = sine_amplitude(level_dbm0) * np.sin(2 * math.pi * frequency_hz * times)
    fade = min(count // 2, round(fade_s * SAMPLE_RATE))
    if fade:
        ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(fade) / fade)
        wave[:fade] *= ramp
        wave[count - fade :] *= ramp[::-1]
    return np.round(wave).astype(np.int16)
