"""ITU-T G.711 A-law and mu-law, bit-exact with the G.191 reference code.

Linear audio is a 1-D numpy int16 array, G.711 audio a 1-D numpy uint8
array; each function returns a new array of the same length. The
transcoders also write into an ``out`` array the caller keeps (no
allocation per call), which may be the input itself.

>>> import numpy as np
>>> from dsp_ext import g711
>>> codes = g711.ulaw_encode(np.array([0, 1000, -1000], dtype=np.int16))
>>> g711.ulaw_decode(codes).tolist()
[0, 988, -988]
"""

from __future__ import annotations

import numpy as np

from dsp_ext._binding import check, input_array, lib, pointer
from dsp_ext.errors import DspInputError

__all__ = [
    "alaw_decode",
    "alaw_encode",
    "alaw_to_ulaw",
    "ulaw_decode",
    "ulaw_encode",
    "ulaw_to_alaw",
]


def _encode(c_function, pcm: object, name: str) -> np.ndarray:
    samples = input_array(pcm, np.int16, "pcm", name)
    codes = np.empty(samples.size, dtype=np.uint8)
    check(c_function(pointer(samples, "int16_t"), samples.size, pointer(codes, "uint8_t")), name)
    return codes


def _decode(c_function, codes: object, name: str) -> np.ndarray:
    code_array = input_array(codes, np.uint8, "codes", name)
    samples = np.empty(code_array.size, dtype=np.int16)
    check(
        c_function(pointer(code_array, "uint8_t"), code_array.size, pointer(samples, "int16_t")),
        name,
    )
    return samples


def _output(out: object, size: int, name: str) -> np.ndarray:
    array = input_array(out, np.uint8, "out", name)
    if array.size != size or not array.flags.writeable:
        raise DspInputError(
            f"{name}: out must be a writeable uint8 array of the input's length {size}, "
            f"got length {array.size}{'' if array.flags.writeable else ', read-only'}"
        )
    return array


def _transcode(c_function, table: bytes, codes: object, out: object, name: str) -> np.ndarray:
    code_array = input_array(codes, np.uint8, "codes", name)
    if out is None and code_array.size <= _TRANSLATE_MAX:
        # A frame's worth: CPython's own table loop, on a copy it makes anyway,
        # costs less than the crossing into C (two cffi buffers and a call).
        return np.frombuffer(bytearray(code_array.data).translate(table), dtype=np.uint8)
    result = np.empty(code_array.size, dtype=np.uint8) if out is None else _output(
        out, code_array.size, name
    )
    check(
        c_function(pointer(code_array, "uint8_t"), code_array.size, pointer(result, "uint8_t")),
        name,
    )
    return result


def alaw_encode(pcm: np.ndarray) -> np.ndarray:
    """Encode 16-bit linear samples (int16) to A-law codes (uint8)."""
    return _encode(lib.lr_alaw_encode, pcm, "alaw_encode")


def alaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode A-law codes (uint8) to 16-bit linear samples (int16)."""
    return _decode(lib.lr_alaw_decode, codes, "alaw_decode")


def ulaw_encode(pcm: np.ndarray) -> np.ndarray:
    """Encode 16-bit linear samples (int16) to mu-law codes (uint8)."""
    return _encode(lib.lr_ulaw_encode, pcm, "ulaw_encode")


def ulaw_decode(codes: np.ndarray) -> np.ndarray:
    """Decode mu-law codes (uint8) to 16-bit linear samples (int16)."""
    return _decode(lib.lr_ulaw_decode, codes, "ulaw_decode")


def alaw_to_ulaw(codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Transcode A-law to mu-law with G.711's Table 4, without going through linear.

    With ``out`` (uint8, the input's length; may be ``codes`` itself) the
    result is written there and returned.
    """
    return _transcode(lib.lr_alaw_to_ulaw, _ALAW_TO_ULAW, codes, out, "alaw_to_ulaw")


def ulaw_to_alaw(codes: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Transcode mu-law to A-law with G.711's Table 3, without going through linear.

    With ``out`` as for ``alaw_to_ulaw``.
    """
    return _transcode(lib.lr_ulaw_to_alaw, _ULAW_TO_ALAW, codes, out, "ulaw_to_alaw")


def _table(c_function) -> bytes:
    """The C transcoder's 256 entries, for ``bytes.translate``."""
    every_code = np.arange(256, dtype=np.uint8)
    mapped = np.empty(256, dtype=np.uint8)
    check(c_function(pointer(every_code, "uint8_t"), 256, pointer(mapped, "uint8_t")), "table")
    return mapped.tobytes()


# Inputs up to this many codes (and no ``out``) go through bytes.translate.
_TRANSLATE_MAX = 4096
_ALAW_TO_ULAW = _table(lib.lr_alaw_to_ulaw)
_ULAW_TO_ALAW = _table(lib.lr_ulaw_to_alaw)
