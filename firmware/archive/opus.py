"""Ogg Opus files written with libopus's own controls, through Debian's libopusenc.

libsndfile (``soundfile``) reads Ogg Opus but writes it with a compression
level only. Calls need more: DTX, so that the long pauses of a call cost
nearly nothing; VBR, so that quiet speech takes fewer bits than loud; the
bitrate itself; narrowband, as the line carries nothing above 4 kHz; and the
complexity, which trades encoding speed against quality. libopusenc passes
each to libopus with ``ope_encoder_ctl``.

libopusenc is reached with ``ctypes``: the box needs the runtime package
``libopusenc0`` and no compiler, and the engine's ``archive`` thread no C
parser (cffi's ABI mode parses its declarations with pycparser, whose tables
would stay in the engine's memory for as long as it runs). Only what is used
is declared, from ``/usr/include/opus/opusenc.h``; the request numbers are
``opus_defines.h``'s. The encoder runs in pull mode: each Ogg page it
finishes is handed back and written to the caller's file, so the caller
decides where it goes and when it is flushed. libopusenc resamples its input
to 48 kHz, the rate Ogg Opus counts in; the file's header keeps 8 kHz as the
input rate, so decoders (libsndfile among them) give 8 kHz back.

Input is ``audio_format``'s: 16-bit linear PCM at 8 kHz, mono.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from audio_format import SAMPLE_RATE
from firmware.errors import LinerecError

LIBRARY = "libopusenc.so.0"
PACKAGE = "libopusenc0"


# opus_defines.h: the requests and values used here.
OPUS_SET_BITRATE = 4002
OPUS_SET_VBR = 4006
OPUS_SET_BANDWIDTH = 4008
OPUS_SET_COMPLEXITY = 4010
OPUS_SET_DTX = 4016
OPUS_SET_SIGNAL = 4024
OPUS_SET_EXPERT_FRAME_DURATION = 4040
OPUS_BANDWIDTH_NARROWBAND = 1101
OPUS_SIGNAL_VOICE = 3001
FRAME_DURATIONS = {20: 5004, 40: 5005, 60: 5006}  # ms -> OPUS_FRAMESIZE_*_MS

MIN_KBPS, MAX_KBPS = 5.0, 32.0  # narrowband speech: below 5 it breaks up, above 32 gains nothing


class OpusUnavailableError(LinerecError):
    """libopusenc cannot be loaded: the box lacks the package."""


class OpusEncodeError(LinerecError):
    """libopusenc refused a setting or failed while encoding; the message says which."""


@dataclass(frozen=True)
class OpusSettings:
    """How a recording is encoded: libopus's controls."""

    bitrate_kbps: float
    vbr: bool = True
    dtx: bool = True  # silence sends (almost) nothing
    complexity: int = 3  # 0 (fastest) .. 10 (best)
    # Files are not sent live: the longest frames waste the fewest bytes on packet and
    # page overhead, which at these bitrates is a good share of what the pauses cost.
    frame_ms: int = 60

    def __post_init__(self) -> None:
        if not MIN_KBPS <= self.bitrate_kbps <= MAX_KBPS:
            raise ValueError(f"bitrate {self.bitrate_kbps} kbit/s is outside "
                             f"{MIN_KBPS:g}..{MAX_KBPS:g}")
        if not 0 <= self.complexity <= 10:
            raise ValueError(f"complexity {self.complexity} is outside 0..10")
        if self.frame_ms not in FRAME_DURATIONS:
            raise ValueError(f"frames of {self.frame_ms} ms: use one of {sorted(FRAME_DURATIONS)}")

    def describe(self) -> str:
        return (f"Opus {self.bitrate_kbps:g} kbit/s {'VBR' if self.vbr else 'CBR'}"
                f"{', DTX' if self.dtx else ''}, narrowband, complexity {self.complexity}, "
                f"{self.frame_ms} ms frames")


_POINTER = ctypes.c_void_p
_PAGE = ctypes.POINTER(ctypes.c_ubyte)
# opusenc.h, the functions used: (name, result, arguments).
_FUNCTIONS = (
    ("ope_comments_create", _POINTER, []),
    ("ope_comments_add", ctypes.c_int, [_POINTER, ctypes.c_char_p, ctypes.c_char_p]),
    ("ope_comments_destroy", None, [_POINTER]),
    ("ope_encoder_create_pull", _POINTER,
     [_POINTER, ctypes.c_int32, ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]),
    ("ope_encoder_write", ctypes.c_int, [_POINTER, _POINTER, ctypes.c_int]),
    ("ope_encoder_get_page", ctypes.c_int,
     [_POINTER, ctypes.POINTER(_PAGE), ctypes.POINTER(ctypes.c_int32), ctypes.c_int]),
    ("ope_encoder_drain", ctypes.c_int, [_POINTER]),
    ("ope_encoder_destroy", None, [_POINTER]),
    ("ope_strerror", ctypes.c_char_p, [ctypes.c_int]),
    ("ope_get_version_string", ctypes.c_char_p, []),
)


@functools.cache
def _binding() -> ctypes.CDLL:
    """The loaded library, its functions typed, once per process."""
    try:
        lib = ctypes.CDLL(LIBRARY)
    except OSError as error:
        raise OpusUnavailableError(
            f"cannot load {LIBRARY} ({error}): recordings cannot be compressed to Opus; "
            f"install the package {PACKAGE} (apt-get install {PACKAGE})"
        ) from None
    for name, result, arguments in _FUNCTIONS:
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments
    # int ope_encoder_ctl(OggOpusEnc *enc, int request, ...): variadic, so untyped here;
    # each call passes its arguments as ctypes values of their C types.
    lib.ope_encoder_ctl.restype = ctypes.c_int
    return lib


def library_version() -> str:
    """libopusenc's version string; OpusUnavailableError if it is not installed."""
    return _binding().ope_get_version_string().decode()


class OggOpusWriter:
    """An Ogg Opus stream written to ``stream`` as it is encoded.

    ``write`` takes 16-bit PCM at 8 kHz (any number of samples at a time);
    ``finish`` ends the stream and returns the bytes written. Use it as a
    context manager: leaving the block on an error frees the encoder without
    finishing the stream (the caller discards the file).
    """

    def __init__(
        self, stream: BinaryIO, settings: OpusSettings, comments: Mapping[str, str] | None = None
    ) -> None:
        self._lib = _binding()
        self._encoder = None
        self.stream = stream
        self.settings = settings
        self.bytes_written = 0
        self.samples = 0
        self._page = _PAGE()
        self._length = ctypes.c_int32()
        error = ctypes.c_int()
        tags = self._lib.ope_comments_create()
        if not tags:
            raise OpusEncodeError("libopusenc could not make a comment block (out of memory?)")
        try:
            for tag, value in (comments or {}).items():
                self._check(self._lib.ope_comments_add(tags, tag.encode(), value.encode()),
                            f"the comment {tag}")
            self._encoder = self._lib.ope_encoder_create_pull(tags, SAMPLE_RATE, 1, 0,
                                                              ctypes.byref(error))
        finally:
            self._lib.ope_comments_destroy(tags)  # the encoder keeps its own copy
        if not self._encoder:
            self._encoder = None
            raise OpusEncodeError(f"libopusenc could not start an encoder: "
                                  f"{self._text(error.value)}")
        try:
            self._configure(settings)
        except BaseException:
            self.close()
            raise

    def _configure(self, settings: OpusSettings) -> None:
        for name, request, value in (
            ("bitrate", OPUS_SET_BITRATE, round(settings.bitrate_kbps * 1000)),
            ("VBR", OPUS_SET_VBR, int(settings.vbr)),
            ("DTX", OPUS_SET_DTX, int(settings.dtx)),
            ("bandwidth", OPUS_SET_BANDWIDTH, OPUS_BANDWIDTH_NARROWBAND),
            ("signal", OPUS_SET_SIGNAL, OPUS_SIGNAL_VOICE),
            ("complexity", OPUS_SET_COMPLEXITY, settings.complexity),
            ("frame duration", OPUS_SET_EXPERT_FRAME_DURATION,
             FRAME_DURATIONS[settings.frame_ms]),
        ):
            # A variadic function: each argument is given with its C type.
            result = self._lib.ope_encoder_ctl(_POINTER(self._encoder), ctypes.c_int(request),
                                               ctypes.c_int32(value))
            self._check(result, f"the {name} setting {value}")

    def write(self, pcm: np.ndarray) -> None:
        samples = np.ascontiguousarray(pcm, dtype=np.int16)
        if samples.ndim != 1:
            raise ValueError(f"expected mono samples (1-D), got shape {samples.shape}")
        if samples.size:
            self._check(self._lib.ope_encoder_write(self._encoder, samples.ctypes.data,
                                                    samples.size), "encoding")
            self.samples += samples.size
        self._take_pages(flush=False)

    def finish(self) -> int:
        """End the stream (its last page marks the end); the bytes written in all."""
        self._check(self._lib.ope_encoder_drain(self._encoder), "finishing the stream")
        self._take_pages(flush=True)
        self.close()
        return self.bytes_written

    def close(self) -> None:
        if getattr(self, "_encoder", None):
            self._lib.ope_encoder_destroy(self._encoder)
        self._encoder = None

    def __enter__(self) -> OggOpusWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _take_pages(self, *, flush: bool) -> None:
        while self._lib.ope_encoder_get_page(self._encoder, ctypes.byref(self._page),
                                             ctypes.byref(self._length), int(flush)):
            page = ctypes.string_at(self._page, self._length.value)
            self.stream.write(page)
            self.bytes_written += len(page)

    def _check(self, result: int, what: str) -> None:
        if result != 0:
            raise OpusEncodeError(f"libopusenc refused {what}: {self._text(result)}")

    def _text(self, code: int) -> str:
        return f"{self._lib.ope_strerror(code).decode()} ({code})"


def encode(
    blocks: Iterable[np.ndarray],
    stream: BinaryIO,
    settings: OpusSettings,
    comments: Mapping[str, str] | None = None,
) -> int:
    """Encode every block of 16-bit PCM at 8 kHz into one Ogg Opus stream on ``stream``;
    return the bytes written."""
    with OggOpusWriter(stream, settings, comments) as writer:
        for block in blocks:
            writer.write(block)
        return writer.finish()
