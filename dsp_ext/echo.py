"""Line echo cancellation: take the echo of what the box sends out of what it hears.

>>> canceller = EchoCanceller(tail_ms=64)
>>> cleaned = canceller.process(far, near)     # int16 blocks of the same length

``far`` is what the box sends to the line (an announcement, a prompt, dial
tones), ``near`` what it hears from the line at the same instants: the far
end's echo from the line's hybrid plus whatever the other party says.
``process`` returns the near end with the echo removed, sample for sample
(no latency), for blocks of any length; the result does not depend on how a
stream is cut into blocks (beyond a unit of rounding now and then). The tail
(32, 64 or 128 ms) must cover the line's bulk delay plus the hybrid's
response; 64 ms suits a local line.

The canceller is linear (the echo it removes is a filtered copy of the far
end) unless ``nlp=True``, which also suppresses the small residual echo left
while only the far end talks. One canceller per line; ``reset`` when a new
call starts on the line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dsp_ext._binding import check, ffi, input_array, lib, pointer
from dsp_ext.errors import DspInputError

__all__ = ["TAILS_MS", "EchoCanceller", "EchoStatus"]

TAILS_MS = (32, 64, 128)


@dataclass(frozen=True)
class EchoStatus:
    erle_db: float  # echo return loss enhancement the canceller estimates it achieves
    converged: bool  # it cancels at least 15 dB
    double_talk: bool  # it hears the near end talking over the echo
    filter_updates: int  # times the output filter took the adapting filter's coefficients
    divergences: int  # times the output filter made the echo worse and was dropped
    samples: int  # samples processed since it was made or reset


def _pcm(value: object, name: str) -> np.ndarray:
    """``value`` if it is a non-empty contiguous 1-D int16 array, else input_array's error.

    The engine calls ``process`` 50 times a second per line; checking the good
    case here first saves input_array's message preparation (several
    microseconds a call, as long as the kernel's own work on a 20 ms frame).
    """
    if (
        type(value) is np.ndarray
        and value.dtype == np.int16
        and value.ndim == 1
        and value.size > 0
        and value.flags.c_contiguous
    ):
        return value
    return input_array(value, np.int16, name, "EchoCanceller.process")


class EchoCanceller:
    """One line's echo canceller."""

    def __init__(self, tail_ms: int = 64, *, nlp: bool = False) -> None:
        if isinstance(tail_ms, bool) or not isinstance(tail_ms, int) or tail_ms not in TAILS_MS:
            raise DspInputError(
                f"EchoCanceller: tail_ms must be one of {', '.join(map(str, TAILS_MS))}, "
                f"got {tail_ms!r}"
            )
        if not isinstance(nlp, bool):
            raise DspInputError(f"EchoCanceller: nlp must be True or False, got {nlp!r}")
        self._params = ffi.new("lr_echo_params *")
        self._params.tail_ms = tail_ms
        self._params.nlp = int(nlp)
        # The caller owns the state's memory (no malloc in C): keep the buffer alive.
        self._buffer = ffi.new("char[]", lib.lr_echo_state_size())
        self._state = ffi.cast("lr_echo_state *", self._buffer)
        check(lib.lr_echo_init(self._state, self._params), "EchoCanceller")
        self._status = ffi.new("lr_echo_status *")

    @property
    def tail_ms(self) -> int:
        return int(self._params.tail_ms)

    @property
    def nlp(self) -> bool:
        return bool(self._params.nlp)

    def process(self, far: np.ndarray, near: np.ndarray) -> np.ndarray:
        """Cancel the echo of ``far`` in ``near`` (int16, same length); return the cleaned near."""
        far = _pcm(far, "far")
        near = _pcm(near, "near")
        if far.size != near.size:
            raise DspInputError(
                f"EchoCanceller.process: far has {far.size} samples and near {near.size}; "
                "pass the two directions of the same instants"
            )
        out = np.empty_like(near)
        check(
            lib.lr_echo_process(
                self._state,
                pointer(far, "int16_t"),
                pointer(near, "int16_t"),
                pointer(out, "int16_t"),
                near.size,
            ),
            "EchoCanceller.process",
        )
        return out

    def reset(self) -> None:
        """Forget the line (a new call): filters, levels and counters."""
        check(lib.lr_echo_reset(self._state), "EchoCanceller.reset")

    @property
    def status(self) -> EchoStatus:
        check(lib.lr_echo_get_status(self._state, self._status), "EchoCanceller.status")
        s = self._status
        return EchoStatus(
            erle_db=float(s.erle_db),
            converged=bool(s.converged),
            double_talk=bool(s.double_talk),
            filter_updates=int(s.filter_updates),
            divergences=int(s.divergences),
            samples=int(s.samples),
        )
