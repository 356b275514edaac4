"""1200 baud FSK for caller ID: Bell 202 and ITU-T V.23, receiver and modulator.

The receiver turns 16-bit samples into events: the channel seizure, the mark
run, each 8N1 character (with its start sample) and the end of a burst.
What the characters mean is up to the message layer
(``firmware.callerid``). The modulator makes phase-continuous FSK from bits.

>>> import numpy as np
>>> from dsp_ext import fsk
>>> bits = np.concatenate([np.ones(60, np.uint8), fsk.char_bits(b"A"), np.ones(20, np.uint8)])
>>> audio = fsk.FskModulator("bell202", amplitude=5000).modulate(bits)
>>> [chr(e.value) for e in fsk.FskReceiver("bell202").process(audio) if e.kind == "char"]
['A']
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib, pointer
from dsp_ext.errors import DspInputError

__all__ = ["STANDARDS", "FskEvent", "FskModulator", "FskReceiver", "char_bits"]

STANDARDS = {"bell202": lib.LR_FSK_BELL202, "v23": lib.LR_FSK_V23}
_KINDS = {
    lib.LR_FSK_EVENT_CHAR: "char",
    lib.LR_FSK_EVENT_SEIZURE: "seizure",
    lib.LR_FSK_EVENT_MARK: "mark",
    lib.LR_FSK_EVENT_END: "end",
}
# The receiver's event buffer is sized per call: feed it at most this many samples at once.
_CHUNK = 4096


def _standard_code(standard: str, function: str) -> int:
    try:
        return STANDARDS[standard]
    except KeyError:
        raise DspInputError(
            f"{function}: standard must be one of {sorted(STANDARDS)}, got {standard!r}"
        ) from None


class FskEvent(NamedTuple):
    """What the receiver found. ``sample`` counts input samples since the start or reset.

    kind: "seizure" (alternating bits began), "mark" (a mark run long
    enough to precede a message), "char" (``value`` is the character;
    ``first`` when it is the first after a mark run, ``framing_error`` when
    its stop bit read as space) or "end" (the characters stopped).
    One is made per character: a named tuple costs a third of a frozen
    dataclass to make.
    """

    kind: str
    sample: int
    value: int = 0
    first: bool = False
    framing_error: bool = False


class FskReceiver:
    """One line's FSK receiver; feed it int16 blocks of any length, in order."""

    def __init__(self, standard: str = "bell202") -> None:
        self.standard = standard
        code = _standard_code(standard, "FskReceiver")
        self._state = ffi.new("uint8_t[]", lib.lr_fsk_rx_state_size())
        self._rx = ffi.cast("struct lr_fsk_rx *", self._state)
        check(lib.lr_fsk_rx_init(self._rx, code), "lr_fsk_rx_init")
        self._events = ffi.new("struct lr_fsk_event[]", lib.lr_fsk_rx_events_needed(_CHUNK))
        self._count = ffi.new("size_t *")

    def reset(self) -> None:
        """Forget everything heard so far; sample counts start again at 0."""
        check(lib.lr_fsk_rx_reset(self._rx), "lr_fsk_rx_reset")

    def process(self, samples: np.ndarray) -> list[FskEvent]:
        """Demodulate ``samples`` (1-D int16) and return the events they completed."""
        audio = input_array(samples, np.int16, "samples", "FskReceiver.process")
        found: list[FskEvent] = []
        capacity = lib.lr_fsk_rx_events_needed(_CHUNK)
        for start in range(0, audio.size, _CHUNK):
            block = audio[start : start + _CHUNK]
            check(
                lib.lr_fsk_rx_process(
                    self._rx, pointer(block, "int16_t"), block.size,
                    self._events, capacity, self._count,
                ),
                "lr_fsk_rx_process",
            )
            for i in range(self._count[0]):
                event = self._events[i]
                found.append(
                    FskEvent(
                        kind=_KINDS[event.kind],
                        sample=int(event.sample),
                        value=int(event.value),
                        first=bool(event.flags & lib.LR_FSK_CHAR_FIRST),
                        framing_error=bool(event.flags & lib.LR_FSK_CHAR_FRAMING_ERROR),
                    )
                )
        return found


class FskModulator:
    """Phase-continuous FSK; ``modulate`` calls continue one another seamlessly.

    amplitude is the sine's peak in 16-bit units; freq_offset and
    baud_offset are relative (0.01 is +1 %), within +-5 %.
    """

    def __init__(
        self,
        standard: str = "bell202",
        amplitude: float = 5000.0,
        freq_offset: float = 0.0,
        baud_offset: float = 0.0,
    ) -> None:
        code = _standard_code(standard, "FskModulator")
        self._state = ffi.new("uint8_t[]", lib.lr_fsk_tx_state_size())
        self._tx = ffi.cast("struct lr_fsk_tx *", self._state)
        check(
            lib.lr_fsk_tx_init(self._tx, code, float(amplitude), freq_offset, baud_offset),
            "lr_fsk_tx_init (amplitude 0-32767, offsets within +-0.05)",
        )
        self._count = ffi.new("size_t *")

    def modulate(self, bits: np.ndarray) -> np.ndarray:
        """The samples for ``bits`` (1-D uint8 of 0 = space and 1 = mark)."""
        bit_array = input_array(bits, np.uint8, "bits", "FskModulator.modulate")
        out = np.empty(lib.lr_fsk_tx_samples_needed(bit_array.size), dtype=np.int16)
        check(
            lib.lr_fsk_tx_process(
                self._tx, pointer(bit_array, "uint8_t"), bit_array.size,
                pointer(out, "int16_t"), out.size, self._count,
            ),
            "lr_fsk_tx_process (bits must be 0 or 1)",
        )
        return out[: self._count[0]].copy()


def char_bits(data: bytes, stop_bits: int = 1) -> np.ndarray:
    """The 8N1 bit sequence of ``data``: start bit, 8 bits LSB first, stop bit(s)."""
    if stop_bits < 1:
        raise DspInputError(f"char_bits: stop_bits must be at least 1, got {stop_bits}")
    raw = np.frombuffer(bytes(data), dtype=np.uint8)
    frames = np.zeros((raw.size, 9 + stop_bits), dtype=np.uint8)
    frames[:, 1:9] = (raw[:, None] >> np.arange(8)) & 1
    frames[:, 9:] = 1
    return frames.reshape(-1)
