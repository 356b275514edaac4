"""A line's front end: its DTMF receiver, voice detector and FSK receiver in one C call a frame.

The line engine runs every detector of a line on every 20 ms frame. Called
one by one from Python, each costs a crossing into C and the making of its
own results; ``LineFront`` crosses once per frame and reads back one result
struct, which says first of all whether anything happened at all.

>>> import numpy as np
>>> from dsp_ext.dtmf import dtmf_generate
>>> front = LineFront("CN")
>>> audio = np.concatenate([dtmf_generate("42", level_dbm0=-20.0), np.zeros(1600, np.int16)])
>>> found = [front.process(audio[at : at + 160]) for at in range(0, audio.size, 160)]
>>> "".join(d.digit for f in found for d in f.digits)
'42'

What a frame gives is what each detector gives for it on its own:
``DtmfDetector.feed``'s digits (``front.dtmf`` follows the one sounding,
as ``DtmfDetector`` does), ``VoiceDetector.process``'s voice events and
``FskReceiver.process``'s events, with the same sample positions (counted
from the front's creation or ``reset``).
"""

from __future__ import annotations

import math
import struct
from dataclasses import fields
from typing import NamedTuple

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib
from dsp_ext._on_off import follow
from dsp_ext.dtmf import DtmfDigit, DtmfProfile, _digit, _new_state, _profile
from dsp_ext.errors import DspBuildError, DspInputError
from dsp_ext.fsk import _KINDS as _FSK_KINDS
from dsp_ext.fsk import FskEvent, _standard_code
from dsp_ext.vad import _KINDS as _VOICE_KINDS
from dsp_ext.vad import VoiceEvent

__all__ = ["FSK_MESSAGES", "FrameFindings", "LineFront", "LineFrontBank", "feed_bytes"]

MAX_SAMPLES = lib.LR_FRONT_MAX_SAMPLES
_FLAG_FSK = lib.LR_FRONT_FSK
_FLAG_MESSAGES = lib.LR_FRONT_FSK_MESSAGES
_DTMF_ON = lib.LR_DTMF_ON
_INT16 = np.dtype(np.int16)
_CONTIGUOUS = (2,)  # the strides of a 1-D contiguous int16 array
_INT16_ARRAY = ffi.typeof("int16_t[]")
_from_buffer = ffi.from_buffer
_feed = lib.lr_front_feed
# The C call behind LineFront.process for the usual frame: feed_bytes(front.state,
# frame.tobytes(), its length, flags: 0, LR_FRONT_FSK or FSK_MESSAGES) gives 0 for
# a quiet frame, the count of events to read (front.findings()) or a negative
# status (nothing done: the frame is no fit, and process says why). For a caller
# whose every frame counts, as the engine's.
feed_bytes = lib.lr_front_feed
# feed_bytes's flags for a frame whose FSK characters are wanted as caller-ID messages.
FSK_MESSAGES = lib.LR_FRONT_FSK | lib.LR_FRONT_FSK_MESSAGES
_tuple_new = tuple.__new__  # a named tuple made without its Python-level __new__


def _record(c_type: str, fields: tuple[tuple[str, str], ...], whole: bool = True) -> struct.Struct:
    """The C struct ``c_type`` as a ``struct`` format: (field, format code) in C order,
    the fields given first (``whole``: and padded to the struct's size).

    A frame's events come out as tuples in one ``iter_unpack``, where cffi
    would cost a call for each field of each event. The layout is checked
    against the compiled one, so a mismatch fails at import.
    """
    codes = ""
    for name, code in fields:
        offset = struct.calcsize("@" + codes + code) - struct.calcsize("@" + code)
        if offset != ffi.offsetof(c_type, name):
            raise DspBuildError(f"dsp_ext.front: {c_type}.{name} is not where it was expected")
        codes += code
    padding = ffi.sizeof(c_type) - struct.calcsize("@" + codes) if whole else 0
    return struct.Struct("@" + codes + "x" * padding)


# How many events each detector reported: the result's first fields.
_COUNTS = _record(
    "lr_front_result",
    (("n_dtmf", "I"), ("n_voice", "I"), ("n_fsk", "I"), ("n_ended", "I"), ("n_messages", "I")),
    whole=False,
)


_DTMF_EVENT = _record(
    "lr_dtmf_event", (("kind", "i"), ("digit", "B"), ("start", "q"), ("end", "q"))
)
_VOICE_EVENT = _record("lr_vad_event", (("kind", "i"), ("sample", "q")))
_MESSAGE = _record("lr_front_message", (("start", "q"), ("offset", "I"), ("length", "I")))
_FSK_EVENT = _record(
    "struct lr_fsk_event", (("sample", "q"), ("kind", "i"), ("value", "i"), ("flags", "i"))
)
_KEYS = {code: chr(code) for code in b"0123456789*#ABCD"}
# An FSK event's kind and flags as FskEvent gives them: (kind, first, framing_error).
_FSK_HEADS = {
    (kind, flags): (
        name,
        bool(flags & lib.LR_FSK_CHAR_FIRST),
        bool(flags & lib.LR_FSK_CHAR_FRAMING_ERROR),
    )
    for kind, name in _FSK_KINDS.items()
    for flags in range(4)
}


class FrameFindings(NamedTuple):
    """What one frame gave: ended DTMF digits, voice starts and stops, FSK events,
    and (``process(..., messages=True)``) the caller-ID messages the FSK characters
    made, as (first sample, bytes)."""

    digits: list[DtmfDigit]
    voice: list[VoiceEvent]
    fsk: list[FskEvent]
    messages: list[tuple[int, bytes]] = []  # noqa: RUF012 - never changed, as NOTHING's lists


# The answer for the usual frame, where nothing happened (the lists are never changed).
NOTHING = FrameFindings([], [], [], [])


class FrontDtmf:
    """The front's DTMF receiver as a ``DtmfDetector`` is seen by those who read one.

    ``sounding`` and ``samples_seen`` as ``DtmfDetector``'s (read from the
    receiver's state when asked: a frame where a digit only starts costs
    Python nothing); ``finish`` ends the input.
    """

    def __init__(self, front) -> None:
        self._front = front
        self._events = ffi.new("lr_dtmf_event[]", 2)
        self._count = ffi.new("size_t *")
        self._start = ffi.new("int64_t *")

    @property
    def sounding(self) -> DtmfDigit | None:
        """The digit sounding after the last frame (its end None), or None."""
        digit = lib.lr_front_sounding(self._front, self._start)
        return _tuple_new(DtmfDigit, (chr(digit), self._start[0], None)) if digit else None

    @property
    def samples_seen(self) -> int:
        """Samples fed since the front's creation or ``reset``."""
        return int(lib.lr_front_samples(self._front))

    def finish(self) -> list[DtmfDigit]:
        """End of input: the digit still sounding, if any, ended where the input ends."""
        check(
            lib.lr_dtmf_rx_finish(lib.lr_front_dtmf(self._front), self._events, 2, self._count),
            "lr_dtmf_rx_finish",
        )
        ended, _ = follow(self._events[0 : self._count[0]], lib.LR_DTMF_ON, _digit, None)
        return ended


_PROFILE_FIELDS = tuple(field.name for field in fields(DtmfProfile))


def _new_front(profile: DtmfProfile, voice: dict, fsk_standard: str | None, function: str):
    params = ffi.new("lr_front_params *")
    for name in _PROFILE_FIELDS:
        value = getattr(profile, name)
        if not isinstance(value, int | float) or not math.isfinite(value):
            _new_state(profile, function)  # refuses it, with its own message
        setattr(params.dtmf, name, float(value))
    for name, value in voice.items():
        setattr(params.voice, name, value)
    params.fsk_standard = -1 if fsk_standard is None else _standard_code(fsk_standard, function)
    memory = ffi.new("uint64_t[]", (lib.lr_front_state_size() + 7) // 8)
    front = ffi.cast("lr_front *", memory)
    status = lib.lr_front_init(front, params)
    if status == lib.LR_ERR_ARG:
        _new_state(profile, function)  # a profile out of range: refused with its own message
        raise DspInputError(
            f"{function}: voice parameters out of range (threshold_dbm0 -70..0, snr_db 0..40, "
            f"min_on_ms 10..1000, hangover_ms 0..60000): {voice}"
        )
    check(status, function)
    return memory, front


class LineFront:
    """One line's detectors, fed a frame (up to any length) at a time.

    ``process(frame, fsk)`` runs the DTMF receiver and the voice detector on
    ``frame`` (1-D int16), and the FSK receiver too when ``fsk`` is true,
    and returns their findings (``NOTHING``, one shared empty answer, for a
    quiet frame). The voice settings are ``VoiceDetector``'s; ``fsk_standard``
    ("bell202", "v23") gives the line an FSK receiver, None none.
    """

    def __init__(
        self,
        profile: str | DtmfProfile = "CN",
        *,
        threshold_dbm0: float = -45.0,
        snr_db: float = 9.0,
        min_on_ms: int = 30,
        hangover_ms: int = 3000,
        fsk_standard: str | None = None,
    ) -> None:
        self.profile = _profile(profile, "LineFront")
        voice = {
            "threshold_dbm0": threshold_dbm0,
            "snr_db": snr_db,
            "min_on_ms": min_on_ms,
            "hangover_ms": hangover_ms,
        }
        self.fsk_standard = fsk_standard
        self._memory, self._front = _new_front(self.profile, voice, fsk_standard, "LineFront")
        self.state = self._front  # the C state, for feed_bytes
        result = ffi.new("lr_front_result *")
        self._bind(result, result)
        self.dtmf = FrontDtmf(self._front)

    def process(
        self, frame: np.ndarray, fsk: bool = False, messages: bool = False
    ) -> FrameFindings:
        """The findings of one frame; ``fsk``: run the FSK receiver on it too;
        ``messages``: and put its characters together into caller-ID messages
        (then the FSK events make no findings, and are not listed)."""
        flags = (_FLAG_FSK | _FLAG_MESSAGES if messages else _FLAG_FSK) if fsk else 0
        # The usual frame (1-D int16, 1 to MAX_SAMPLES samples) goes to C as its
        # bytes: copying 320 bytes out costs less than cffi's wrapping the array.
        if type(frame) is np.ndarray and frame.dtype is _INT16 and frame.strides == _CONTIGUOUS:
            data = frame.tobytes()
            if data:
                found = _feed(self._front, data, len(data), flags)
                if not found:
                    return NOTHING
                if found > 0:
                    return self.findings(not messages)
        return self._process_checked(frame, flags)

    def _process_checked(self, frame: np.ndarray, flags: int) -> FrameFindings:
        """``process`` for any input: checked, cut to MAX_SAMPLES, or refused."""
        if (
            type(frame) is not np.ndarray
            or frame.dtype is not _INT16
            or frame.strides != _CONTIGUOUS
            or not 0 < (size := frame.size) <= MAX_SAMPLES
        ):
            block = input_array(frame, np.int16, "frame", "LineFront.process")
            if block.size > MAX_SAMPLES:
                return self._process_long(block, flags)
            frame, size = block, block.size
        found = lib.lr_front_process(
            self._front, _from_buffer(_INT16_ARRAY, frame), size, flags, self._result
        )
        if not found:
            return NOTHING
        if found < 0:
            check(found, "lr_front_process")
        return self.findings(not flags & _FLAG_MESSAGES)

    def _process_long(self, block: np.ndarray, flags: int) -> FrameFindings:
        parts = [
            self._process_checked(block[start : start + MAX_SAMPLES], flags)
            for start in range(0, block.size, MAX_SAMPLES)
        ]
        return FrameFindings(
            [d for part in parts for d in part.digits],
            [v for part in parts for v in part.voice],
            [e for part in parts for e in part.fsk],
            [m for part in parts for m in part.messages],
        )

    def _bind(self, result, memory) -> None:
        """Report into ``result`` (an lr_front_result pointer kept alive by ``memory``)."""
        self._result = result
        self._result_memory = memory
        check(lib.lr_front_bind(self._front, result), "lr_front_bind")
        self._counts = memoryview(ffi.buffer(result, _COUNTS.size))
        self._dtmf_events = memoryview(ffi.buffer(result.dtmf))
        self._voice_events = memoryview(ffi.buffer(result.voice))
        self._fsk_events = memoryview(ffi.buffer(result.fsk))
        self._messages = memoryview(ffi.buffer(result.messages))
        self._message_bytes = memoryview(ffi.buffer(result.message_bytes))

    def findings(self, fsk_events: bool = True) -> FrameFindings:
        """The last frame's findings, from the result struct (some detector reported);
        ``fsk_events``: the FSK events too."""
        n_dtmf, n_voice, n_fsk, _, n_messages = _COUNTS.unpack_from(self._counts)
        digits: list[DtmfDigit] = []
        voice: list[VoiceEvent] = []
        fsk: list[FskEvent] = []
        messages: list[tuple[int, bytes]] = []
        if n_dtmf:
            # The digits that ended (the one sounding is the receiver's state),
            # without a cffi read per field.
            events = self._dtmf_events[: n_dtmf * _DTMF_EVENT.size]
            for kind, digit, start, end in _DTMF_EVENT.iter_unpack(events):
                if kind != _DTMF_ON:
                    digits.append(_tuple_new(DtmfDigit, (_KEYS[digit], start, end)))
        if n_voice:
            events = self._voice_events[: n_voice * _VOICE_EVENT.size]
            voice = [
                VoiceEvent(_VOICE_KINDS[kind], sample)
                for kind, sample in _VOICE_EVENT.iter_unpack(events)
            ]
        if n_fsk and fsk_events:
            heads = _FSK_HEADS
            events = self._fsk_events[: n_fsk * _FSK_EVENT.size]
            for sample, kind, value, flags in _FSK_EVENT.iter_unpack(events):
                name, first, framing_error = heads[kind, flags]
                fsk.append(_tuple_new(FskEvent, (name, sample, value, first, framing_error)))
        if n_messages:
            held = self._message_bytes
            records = self._messages[: n_messages * _MESSAGE.size]
            messages = [
                (start, bytes(held[offset : offset + length]))
                for start, offset, length in _MESSAGE.iter_unpack(records)
            ]
        return _tuple_new(FrameFindings, (digits, voice, fsk, messages))

    def reset(self) -> None:
        """Every detector forgets what it heard; positions count from 0 again."""
        check(lib.lr_front_reset(self._front), "lr_front_reset")

    @property
    def voice_active(self) -> bool:
        """Voice is on after the last frame (as ``VoiceDetector.active``)."""
        return bool(self._result.voice_active)

    @property
    def level_dbm0(self) -> float:
        """The level of the last complete 10 ms block (as ``VoiceDetector.level_dbm0``)."""
        return float(self._result.level_dbm0)

    @property
    def noise_dbm0(self) -> float:
        """The noise floor the voice detector tracks (as ``VoiceDetector.noise_dbm0``)."""
        return float(self._result.noise_dbm0)


class LineFrontBank:
    """Several lines' fronts, all fed in one C call per tick.

    ``process(frames, fsk)`` takes an int16 array of shape (lines, n), n up
    to MAX_SAMPLES, and a sequence of booleans (run FSK on that line), and
    returns one ``FrameFindings`` per line; with ``messages`` the FSK
    characters come as caller-ID messages (as ``LineFront.process`` gives them).
    """

    def __init__(self, fronts: list[LineFront], *, messages: bool = False) -> None:
        if not fronts:
            raise DspInputError("LineFrontBank: give it at least one LineFront")
        self._listen_flags = _FLAG_FSK | _FLAG_MESSAGES if messages else _FLAG_FSK
        self._fsk_events = not messages
        self.fronts = list(fronts)
        self.lines = len(fronts)
        self._pointers = ffi.new("lr_front *[]", [front._front for front in fronts])
        self._results = ffi.new("lr_front_result[]", self.lines)
        for line, front in enumerate(self.fronts):
            # One result struct per line, whichever way the line is fed.
            front._bind(self._results + line, self._results)
        self._flags = ffi.new("int[]", self.lines)
        self._fsk: tuple[bool, ...] = (False,) * self.lines
        self._found = ffi.new("uint32_t[]", self.lines)

    def process(
        self, frames: np.ndarray, fsk: tuple[bool, ...] | None = None
    ) -> list[FrameFindings]:
        """The findings of each line's frame; ``fsk``: per line, run its FSK
        receiver (None: as last time, at first on no line)."""
        if (
            type(frames) is not np.ndarray
            or frames.dtype is not _INT16
            or frames.ndim != 2
            or frames.shape[0] != self.lines
            or not 0 < frames.shape[1] <= MAX_SAMPLES
            or not frames.flags.c_contiguous
        ):
            frames = self._refuse(frames)
        if fsk is not None and fsk != self._fsk:
            self._set_fsk(fsk)
        found = lib.lr_front_process_lines(
            self._pointers,
            _from_buffer(_INT16_ARRAY, frames),
            self.lines,
            frames.shape[1],
            self._flags,
            self._results,
            self._found,
        )
        findings = [NOTHING] * self.lines
        if found:
            if found < 0:
                check(found, "lr_front_process_lines")
            fronts = self.fronts
            for line in self._found[0:found]:
                findings[line] = fronts[line].findings(self._fsk_events)
        return findings

    def _set_fsk(self, fsk: tuple[bool, ...]) -> None:
        flags = tuple(bool(flag) for flag in fsk)
        if len(flags) != self.lines:
            raise DspInputError(
                f"LineFrontBank.process: fsk needs one flag per line, got {len(flags)}"
            )
        for line, flag in enumerate(flags):
            self._flags[line] = self._listen_flags if flag else 0
        self._fsk = flags

    def _refuse(self, frames: object) -> np.ndarray:
        """``frames`` if it is a fit after all (an int16 subclass, say), else the error."""
        function = "LineFrontBank.process"
        if (
            not isinstance(frames, np.ndarray)
            or frames.ndim != 2
            or frames.shape[0] != self.lines
            or not 0 < frames.shape[1] <= MAX_SAMPLES
        ):
            shape = getattr(frames, "shape", type(frames).__name__)
            raise DspInputError(
                f"{function}: frames must be a numpy int16 array of shape ({self.lines}, n), "
                f"n 1..{MAX_SAMPLES}, got {shape}"
            )
        if not frames.flags.c_contiguous:
            raise DspInputError(f"{function}: frames must be C-contiguous")
        input_array(frames.reshape(-1), np.int16, "frames", function)
        return frames
