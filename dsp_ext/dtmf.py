"""DTMF receiver and generator (ITU-T Q.24, ETSI ES 201 235-3), 8 kHz int16.

>>> from dsp_ext.dtmf import DtmfDetector, dtmf_generate
>>> tones = dtmf_generate("0123", level_dbm0=-20.0, on_ms=50, off_ms=50)
>>> detector = DtmfDetector()
>>> digits = detector.feed(tones) + detector.finish()
>>> "".join(d.digit for d in digits)
'0123'

Positions are sample indices from the detector's creation (or last
``reset``); ``end`` is one past the last sample of the tone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import NamedTuple

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib, pointer
from dsp_ext._on_off import end_seconds, follow, start_seconds
from dsp_ext.errors import DspInputError

__all__ = [
    "DIGITS",
    "PROFILES",
    "DtmfDetector",
    "DtmfDetectorBank",
    "DtmfDigit",
    "DtmfProfile",
    "dtmf_generate",
]

DIGITS = "0123456789*#ABCD"
_EVENT_BUFFER = 64


@dataclass(frozen=True)
class DtmfProfile:
    """The receiver's settings for one country (see ``lr_dtmf_rx_params``)."""

    normal_twist_db: float = 8.0
    reverse_twist_db: float = 4.0
    min_level_dbm0: float = -45.0
    min_on_ms: float = 30.0
    min_off_ms: float = 30.0


# Q.24's AT&T column (8 dB normal, 4 dB reverse twist) holds in all four;
# ETSI ES 201 235-3 and YD/T 1277 ask no more of a receiver than that.
PROFILES: dict[str, DtmfProfile] = {
    "CN": DtmfProfile(),
    "US": DtmfProfile(),
    "GB": DtmfProfile(),
    "DE": DtmfProfile(),
}


class DtmfDigit(NamedTuple):
    """One digit: its character and its first and one-past-last sample."""

    digit: str
    start: int
    end: int | None  # None while it is still sounding

    start_s = property(start_seconds)
    end_s = property(end_seconds)


def _digit(event, end: int | None) -> DtmfDigit:
    return DtmfDigit(event.digit.decode("ascii"), int(event.start), end)


def _profile(profile: str | DtmfProfile, function: str) -> DtmfProfile:
    if isinstance(profile, DtmfProfile):
        return profile
    if isinstance(profile, str) and profile.upper() in PROFILES:
        return PROFILES[profile.upper()]
    raise DspInputError(
        f"{function}: unknown country profile {profile!r}; "
        f"use one of {sorted(PROFILES)} or a DtmfProfile"
    )


def _new_state(profile: DtmfProfile, function: str):
    params = ffi.new("lr_dtmf_rx_params *")
    for name, value in asdict(profile).items():
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise DspInputError(
                f"{function}: profile {name} must be a finite number, got {value!r}"
            )
        setattr(params, name, float(value))
    # uint64 cells keep the state aligned for its 64-bit counters.
    state_memory = ffi.new("uint64_t[]", (lib.lr_dtmf_rx_state_size() + 7) // 8)
    state = ffi.cast("lr_dtmf_rx *", state_memory)
    status = lib.lr_dtmf_rx_init(state, params)
    if status == lib.LR_ERR_ARG:
        raise DspInputError(
            f"{function}: profile out of range: {profile} (twists 0..20 dB, "
            "min_level_dbm0 -60..0, min_on_ms 20..100, min_off_ms 15..100)"
        )
    check(status, function)
    return state_memory, state


class DtmfDetector:
    """The DTMF receiver for one line: feed it blocks, collect the digits.

    ``feed`` returns the digits that ended within the samples given, in order;
    ``sounding`` is the digit being heard now (confirmed, not yet ended);
    ``finish`` ends the input and returns a digit still sounding.
    """

    def __init__(self, profile: str | DtmfProfile = "CN") -> None:
        self.profile = _profile(profile, "DtmfDetector")
        self._memory, self._state = _new_state(self.profile, "DtmfDetector")
        self._events = ffi.new("lr_dtmf_event[]", _EVENT_BUFFER)
        self._counts = ffi.new("size_t[2]")
        self.sounding: DtmfDigit | None = None
        self.samples_seen = 0

    def _collect(self, count: int) -> list[DtmfDigit]:
        ended, self.sounding = follow(self._events[0:count], lib.LR_DTMF_ON, _digit, self.sounding)
        return ended

    def feed(self, samples: np.ndarray) -> list[DtmfDigit]:
        """Process a block of int16 samples (any length, 1-D, contiguous)."""
        block = input_array(samples, np.int16, "samples", "DtmfDetector.feed")
        data = pointer(block, "int16_t")
        digits: list[DtmfDigit] = []
        done = 0
        while done < block.size:
            check(
                lib.lr_dtmf_rx_process(
                    self._state,
                    data + done,
                    block.size - done,
                    self._events,
                    _EVENT_BUFFER,
                    self._counts,
                    self._counts + 1,
                ),
                "lr_dtmf_rx_process",
            )
            digits.extend(self._collect(self._counts[0]))
            done += self._counts[1]
        self.samples_seen += block.size
        return digits

    def finish(self) -> list[DtmfDigit]:
        """End of input: the digit still sounding, if any, ended where the input ends."""
        check(
            lib.lr_dtmf_rx_finish(self._state, self._events, _EVENT_BUFFER, self._counts),
            "lr_dtmf_rx_finish",
        )
        return self._collect(self._counts[0])

    def reset(self) -> None:
        """Forget everything heard; positions count from 0 again."""
        check(lib.lr_dtmf_rx_reset(self._state), "lr_dtmf_rx_reset")
        self.sounding = None
        self.samples_seen = 0

    def detect(self, samples: np.ndarray) -> list[DtmfDigit]:
        """Every digit in a whole recording (feed, then finish)."""
        return self.feed(samples) + self.finish()


class DtmfDetectorBank:
    """One receiver per line, all fed in one C call per block of frames.

    ``feed(frames)`` takes an int16 array of shape (lines, n) and returns one
    list of ended digits per line. Cheaper than a DtmfDetector per line when
    frames are short (20 ms), since the call overhead is paid once.
    """

    def __init__(self, lines: int, profile: str | DtmfProfile = "CN") -> None:
        if not isinstance(lines, int) or isinstance(lines, bool) or not 1 <= lines <= 256:
            raise DspInputError(f"DtmfDetectorBank: lines must be an int in 1..256, got {lines!r}")
        self.profile = _profile(profile, "DtmfDetectorBank")
        self.lines = lines
        made = [_new_state(self.profile, "DtmfDetectorBank") for _ in range(lines)]
        self._memory = [memory for memory, _ in made]
        self._states = ffi.new("lr_dtmf_rx *[]", [state for _, state in made])
        self._counts = ffi.new("size_t[]", lines)
        self._events = None
        self._per_line = 0
        self.sounding: list[DtmfDigit | None] = [None] * lines

    def feed(self, frames: np.ndarray) -> list[list[DtmfDigit]]:
        function = "DtmfDetectorBank.feed"
        if not isinstance(frames, np.ndarray) or frames.ndim != 2 or frames.shape[0] != self.lines:
            shape = getattr(frames, "shape", type(frames).__name__)
            raise DspInputError(
                f"{function}: frames must be a numpy int16 array of shape ({self.lines}, n), "
                f"got {shape}"
            )
        flat = input_array(frames.reshape(-1), np.int16, "frames", function)
        if not frames.flags.c_contiguous:
            raise DspInputError(f"{function}: frames must be C-contiguous")
        n = frames.shape[1]
        per_line = lib.lr_dtmf_rx_max_events(n)
        if per_line > self._per_line:
            self._events = ffi.new("lr_dtmf_event[]", per_line * self.lines)
            self._per_line = per_line
        check(
            lib.lr_dtmf_rx_process_lines(
                self._states,
                pointer(flat, "int16_t"),
                self.lines,
                n,
                self._events,
                self._per_line,
                self._counts,
            ),
            "lr_dtmf_rx_process_lines",
        )
        counts = ffi.unpack(self._counts, self.lines)
        result: list[list[DtmfDigit]] = [[] for _ in range(self.lines)]
        if not any(counts):
            return result
        for line, count in enumerate(counts):
            first = line * self._per_line
            result[line], self.sounding[line] = follow(
                self._events[first : first + count], lib.LR_DTMF_ON, _digit, self.sounding[line]
            )
        return result


def dtmf_generate(
    digits: str,
    *,
    level_dbm0: float = -10.0,
    twist_db: float = 0.0,
    on_ms: float = 100.0,
    off_ms: float = 100.0,
    ramp_ms: float = 1.0,
) -> np.ndarray:
    """The tones for ``digits`` (0-9 * # A-D) as an int16 array at 8 kHz.

    ``level_dbm0`` is the low-group tone's level, ``twist_db`` the high-group
    tone's level above it (negative: normal twist). Each digit is ``on_ms`` of
    tone (with raised-cosine ramps of ``ramp_ms`` inside it) then ``off_ms`` of
    silence.
    """
    function = "dtmf_generate"
    if not isinstance(digits, str) or not digits:
        raise DspInputError(f"{function}: digits must be a non-empty str, got {digits!r}")
    bad = sorted({c for c in digits if c.upper() not in DIGITS})
    if bad:
        raise DspInputError(f"{function}: not DTMF digits: {bad}; use {DIGITS}")
    params = ffi.new("lr_dtmf_tx_params *")
    limits = {
        "level_dbm0": (level_dbm0, -60.0, 0.0),
        "twist_db": (twist_db, -20.0, 20.0),
        "on_ms": (on_ms, 1.0, 10000.0),
        "off_ms": (off_ms, 0.0, 10000.0),
        "ramp_ms": (ramp_ms, 0.0, 10.0),
    }
    for name, (value, low, high) in limits.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not low <= value <= high
        ):
            raise DspInputError(
                f"{function}: {name} must be a number in {low}..{high}, got {value!r}"
            )
        setattr(params, name, float(value))
    if 2 * ramp_ms > on_ms:
        raise DspInputError(f"{function}: ramp_ms {ramp_ms} is more than half of on_ms {on_ms}")
    encoded = digits.encode("ascii")
    length = ffi.new("size_t *")
    check(lib.lr_dtmf_tx_length(encoded, len(encoded), params, length), "lr_dtmf_tx_length")
    out = np.empty(length[0], dtype=np.int16)
    check(
        lib.lr_dtmf_tx_generate(
            encoded, len(encoded), params, pointer(out, "int16_t"), out.size, length
        ),
        "lr_dtmf_tx_generate",
    )
    return out
