"""The WAV container as the box reads and writes it, with the standard library only.

8 kHz mono in three encodings: 16-bit linear PCM, A-law and mu-law (G.711).
``firmware.tools.wavfile`` builds on this to decode samples; the recorder and the
recovery repairs use it directly, which is why it needs nothing but struct.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from audio_format import SAMPLE_RATE

FORMAT_PCM = 0x0001
FORMAT_ALAW = 0x0006
FORMAT_ULAW = 0x0007
FORMAT_EXTENSIBLE = 0xFFFE

# encoding name -> (format tag, bits per sample)
ENCODINGS = {
    "pcm16": (FORMAT_PCM, 16),
    "alaw": (FORMAT_ALAW, 8),
    "ulaw": (FORMAT_ULAW, 8),
}
ENCODING_BY_TAG = {tag: name for name, (tag, _) in ENCODINGS.items()}

CHUNK_HEADER = struct.Struct("<4sI")
FMT = struct.Struct("<HHIIHH")
UNKNOWN_SIZE = 0xFFFFFFFF  # what a writer that never finished leaves in a size field


def bytes_per_sample(encoding: str) -> int:
    return ENCODINGS[encoding][1] // 8


@dataclass(frozen=True)
class Layout:
    """Where things are in a file we wrote: the offsets the recorder patches."""

    header_size: int  # bytes before the first audio byte
    riff_size_offset: int  # the RIFF chunk's size field
    data_size_offset: int  # the data chunk's size field
    fact_offset: int | None  # the fact chunk's sample count, for G.711


def wav_header(encoding: str, sample_count: int) -> bytes:
    """The header for ``sample_count`` samples; PCM gets the plain 16-byte fmt
    chunk, G.711 the 18-byte one and a fact chunk, as the format asks."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; use one of {sorted(ENCODINGS)}")
    tag, bits = ENCODINGS[encoding]
    block_align = bits // 8
    data_size = sample_count * block_align
    fmt = FMT.pack(tag, 1, SAMPLE_RATE, SAMPLE_RATE * block_align, block_align, bits)
    chunks = []
    if tag == FORMAT_PCM:
        chunks.append(CHUNK_HEADER.pack(b"fmt ", len(fmt)) + fmt)
    else:
        chunks.append(CHUNK_HEADER.pack(b"fmt ", len(fmt) + 2) + fmt + b"\0\0")
        chunks.append(CHUNK_HEADER.pack(b"fact", 4) + struct.pack("<I", sample_count))
    chunks.append(CHUNK_HEADER.pack(b"data", data_size))
    body = b"".join(chunks)
    riff_size = 4 + len(body) + data_size + (data_size & 1)
    return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + body


def layout(encoding: str) -> Layout:
    """The offsets of the size fields in a header from ``wav_header``."""
    header = wav_header(encoding, 0)
    data_size_offset = header.rindex(b"data") + 4
    fact = header.find(b"fact")
    return Layout(
        header_size=len(header),
        riff_size_offset=4,
        data_size_offset=data_size_offset,
        fact_offset=fact + 8 if fact >= 0 else None,
    )


def size_fields(encoding: str, sample_count: int) -> list[tuple[int, bytes]]:
    """(offset, bytes) pairs that bring a header up to ``sample_count`` samples."""
    where = layout(encoding)
    data_size = sample_count * bytes_per_sample(encoding)
    riff_size = where.header_size - 8 + data_size + (data_size & 1)
    fields = [
        (where.riff_size_offset, struct.pack("<I", riff_size)),
        (where.data_size_offset, struct.pack("<I", data_size)),
    ]
    if where.fact_offset is not None:
        fields.append((where.fact_offset, struct.pack("<I", sample_count)))
    return fields


@dataclass(frozen=True)
class Chunks:
    """What a walk over a WAV file's chunks found."""

    fmt: bytes | None
    data_offset: int | None  # where the audio starts in the file
    data_size: int  # bytes of audio actually present
    declared_data_size: int | None  # what the data chunk's header says
    truncated: bool  # the data chunk ended early or its size was never written


def walk_chunks(blob: bytes) -> Chunks | None:
    """The fmt chunk and the audio's place in ``blob``; None if it is not RIFF/WAVE.

    The walk goes to the end of the file rather than trusting the RIFF size,
    which an interrupted writer leaves stale.
    """
    if len(blob) < 12 or blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        return None
    fmt = None
    data_offset = None
    data_size = 0
    declared = None
    truncated = False
    offset = 12
    while offset + CHUNK_HEADER.size <= len(blob):
        chunk_id, size = CHUNK_HEADER.unpack_from(blob, offset)
        start = offset + CHUNK_HEADER.size
        available = len(blob) - start
        if chunk_id == b"data" and data_offset is None:
            declared = size
            # A size past the end, all ones, or zero with audio behind it is
            # what a writer that never finished its header leaves.
            if size > available or size == UNKNOWN_SIZE or (size == 0 and available > 0):
                truncated = True
                size = available
            data_offset, data_size = start, size
            if fmt is not None:
                break
        elif chunk_id == b"fmt ":
            if size > available:
                break
            fmt = blob[start : start + size]
        offset = start + size + (size & 1)
    return Chunks(fmt, data_offset, data_size, declared, truncated)


@dataclass(frozen=True)
class Format:
    tag: int
    channels: int
    sample_rate: int
    bits: int

    @property
    def encoding(self) -> str | None:
        return ENCODING_BY_TAG.get(self.tag)


def parse_fmt(fmt: bytes) -> Format | None:
    """The fields of a fmt chunk (WAVE_FORMAT_EXTENSIBLE resolved), or None if too short."""
    if len(fmt) < FMT.size:
        return None
    tag, channels, rate, _, _, bits = FMT.unpack_from(fmt)
    if tag == FORMAT_EXTENSIBLE and len(fmt) >= FMT.size + 10:
        tag = struct.unpack_from("<H", fmt, FMT.size + 8)[0]  # first 2 bytes of SubFormat
    return Format(tag, channels, rate, bits)
