"""ITU-T G.711 A-law and mu-law, bit-exact with the G.191 reference code.

Linear audio is a 1-D numpy int16 array, G.711 audio a 1-D numpy uint8
array; each function returns a new array of the same length.

>>> import numpy as np
>>> from dsp_ext import g711
>>> codes = g711.ulaw_encode(np.array([0, 1000, -1000], dtype=np.int16))
>>> g711.ulaw_decode(codes).tolist()
[0, 988, -988]
"""

from __future__ import annotations

import numpy as np

from dsp_ext._binding import check, input_array, lib, pointer

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


def _transcode(c_function, codes: object, name: str) -> np.ndarray:
    code_array = input_array(codes, np.uint8, "codes", name)
    out = np.empty(code_array.size, dtype=np.uint8)
    check(
        c_function(pointer(code_array, "uint8_t"), code_array.size, pointer(out, "uint8_t")), name
    )
    return out


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


def alaw_to_ulaw(codes: np.ndarray) -> np.ndarray:
    """Transcode A-law to mu-law with G.711's Table 4, without going through linear."""
    return _transcode(lib.lr_alaw_to_ulaw, codes, "alaw_to_ulaw")


def ulaw_to_alaw(codes: np.ndarray) -> np.ndarray:
    """Transcode mu-law to A-law with G.711's Table 3, without going through linear."""
    return _transcode(lib.lr_ulaw_to_alaw, codes, "ulaw_to_alaw")
