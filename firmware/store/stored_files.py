"""A recording's stored file once it is no longer the recorder's WAV: its names, its facts in
the index and the sidecar, and what an Ogg Opus file says about itself.

After the call the archive worker (``firmware.engine.archive``) replaces a
finished recording's WAV with an Ogg Opus file beside it, under the same
name but for its suffix, so that it keeps its sidecar (``<name>.json``)::

    L1-20260101-101500-7.wav    the original, as recorded
    L1-20260101-101500-7.opus   the standard tier
    L1-20260101-101500-7.oga    the long-archive tier (re-encoded when it grows old)
    .L1-20260101-101500-7.opus.partial   being written: never read, removed at start-up
    L1-20260101-101500-7.ewav   the original, encrypted at rest (device.encryption)
    L1-20260101-101500-7.eopus  the standard tier, encrypted (.eoga: the long-archive tier)

The index keeps the original's facts for ever (``sha256``, ``samples``,
``encoding``) and the stored file's beside them (``stored_format``,
``stored_tier``, ``stored_sha256``, ``stored_bytes``, ``stored_bitrate_kbps``,
``stored_at``; NULL while the stored file is the original WAV); ``path``
names the stored file. The version 2 sidecar holds the same in ``stored``::

    "stored": {"file": "L1-20260101-101500-7.opus", "format": "opus",
               "tier": "standard", "sha256": "...", "bytes": 91234,
               "bitrate_kbps": 10.0, "at": 1767250000.0}

An encrypted stored file (``firmware.archive.crypt``) keeps its audio
format in ``format`` and adds ``encrypted``: the SHA-256 of the plaintext
(the original WAV's or the Opus file's) and the fingerprint of the key it
was encrypted to; ``sha256`` and ``bytes`` are the encrypted file's::

    "stored": {"file": "L1-20260101-101500-7.eopus", "format": "opus", ...,
               "encrypted": {"key": "3f0c...", "plain_sha256": "..."}}

so that the index can be rebuilt from the files alone, and recovery can
tell which of two files a kill left beside each other is the recording
(``recovery.transcodes``).

Reading an Ogg Opus file's header and its last page needs nothing but the
standard library, so recovery can check that a file is whole and how long
it is on a box whose audio libraries are broken. Standard library only.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.db import CALL_FIELDS, RecordingRecord, Store
from firmware.store.recordings import (
    RECORDING_SUFFIXES,
    SIDECAR_VERSION,
    RecordingFacts,
    sidecar_document,
    sidecar_path,
    write_json_atomically,
)

WAV_SUFFIX, STANDARD_SUFFIX, ARCHIVE_SUFFIX = RECORDING_SUFFIXES[:3]
TIER_SUFFIXES = {"standard": STANDARD_SUFFIX, "archive": ARCHIVE_SUFFIX}
# A stored file's suffix once encrypted at rest, and back.
ENCRYPTED_SUFFIXES = dict(zip(RECORDING_SUFFIXES[:3], RECORDING_SUFFIXES[3:], strict=True))
PLAIN_SUFFIXES = {encrypted: plain for plain, encrypted in ENCRYPTED_SUFFIXES.items()}
# The tier an encrypted stored file is in: "original" for the recorder's WAV (the index's
# stored_tier stays NULL for it).
ORIGINAL_TIER = "original"
PARTIAL_SUFFIX = ".partial"
TIERS = tuple(TIER_SUFFIXES)
# What a transcoding leaves when killed: ".<name>.opus.partial" beside the recording.
PARTIAL_NAME = re.compile(r"^\..+\.(opus|oga|ewav|eopus|eoga)\.partial$")
OPUS_RATE = 48000  # what an Ogg Opus file's granule positions count in
TAIL_BYTES = 65536  # more than an Ogg page can be (65 307 bytes)


class StoredFileError(OSError):
    """A stored Ogg Opus file is not whole or not one; the message names it and says why."""


def stored_name(original: Path, tier: str) -> Path:
    """Where ``original``'s file of ``tier`` goes: beside it, same name, the tier's suffix."""
    return original.with_suffix(TIER_SUFFIXES[tier])


def partial_name(target: Path) -> Path:
    """The temporary name ``target`` is written under until it is whole."""
    return target.with_name(f".{target.name}{PARTIAL_SUFFIX}")


def is_partial(path: Path) -> bool:
    return bool(PARTIAL_NAME.match(path.name))


def format_of(path: Path | str) -> str:
    """``wav`` or ``opus`` from a stored file's suffix (the audio inside an encrypted one)."""
    suffix = Path(path).suffix
    return "wav" if PLAIN_SUFFIXES.get(suffix, suffix) == WAV_SUFFIX else "opus"


def is_encrypted(path: Path | str) -> bool:
    """Whether a stored file's suffix says it is encrypted at rest."""
    return Path(path).suffix in PLAIN_SUFFIXES


def encrypted_name(path: Path) -> Path:
    """Where ``path``'s encrypted form goes: beside it, the same stem."""
    return path.with_suffix(ENCRYPTED_SUFFIXES[path.suffix])


@dataclass(frozen=True)
class StoredFacts:
    """The stored file of a transcoded recording, as the index and the sidecar keep it."""

    file: str  # its name (in the recording's folder)
    format: str  # "opus", or "wav" for an encrypted original
    tier: str  # "standard" or "archive" ("original": an encrypted WAV)
    sha256: str
    bytes: int
    bitrate_kbps: float
    at: float  # when it was made (Unix time)
    encrypted_key: str | None = None  # encrypted at rest: the key's fingerprint
    plain_sha256: str | None = None  # encrypted at rest: the plaintext's SHA-256

    @property
    def encrypted(self) -> bool:
        return self.encrypted_key is not None

    def document(self) -> dict:
        document = {"file": self.file, "format": self.format, "tier": self.tier,
                    "sha256": self.sha256, "bytes": self.bytes,
                    "bitrate_kbps": self.bitrate_kbps, "at": self.at}
        if self.encrypted:
            document["encrypted"] = {"key": self.encrypted_key,
                                     "plain_sha256": self.plain_sha256}
        return document

    def chain_facts(self) -> dict | None:
        """What the hash chain's ``stored`` entry adds for an encrypted file."""
        if not self.encrypted:
            return None
        return {"encrypted": {"key": self.encrypted_key, "plain_sha256": self.plain_sha256}}

    @classmethod
    def from_document(cls, document: object) -> StoredFacts | None:
        """The facts of a sidecar's ``stored``, or None if it has none that make sense."""
        if not isinstance(document, dict):
            return None
        encrypted = document.get("encrypted")
        if encrypted is not None and not (
            isinstance(encrypted, dict) and isinstance(encrypted.get("key"), str)
            and isinstance(encrypted.get("plain_sha256"), str)
        ):
            return None
        try:
            facts = cls(
                file=str(document["file"]),
                format=str(document["format"]),
                tier=str(document["tier"]),
                sha256=str(document["sha256"]),
                bytes=int(document["bytes"]),
                bitrate_kbps=float(document.get("bitrate_kbps") or 0.0),
                at=float(document.get("at") or 0.0),
                encrypted_key=encrypted["key"] if encrypted else None,
                plain_sha256=encrypted["plain_sha256"] if encrypted else None,
            )
        except (KeyError, TypeError, ValueError):
            return None
        sensible = "/" not in facts.file and is_encrypted(facts.file) == facts.encrypted and (
            (facts.format == "opus" and facts.tier in TIERS)
            or (facts.format == "wav" and facts.tier == ORIGINAL_TIER and facts.encrypted)
        )
        return facts if sensible else None


# The index's columns of the stored file, in StoredFacts' order but for ``file``.
STORED_COLUMNS = ("stored_format", "stored_tier", "stored_sha256", "stored_bytes",
                  "stored_bitrate_kbps", "stored_at")


def record_stored(connection, recording_id: int, path: str, facts: StoredFacts) -> None:
    """The index row points at its new stored file (inside the caller's transaction)."""
    tier = None if facts.tier == ORIGINAL_TIER else facts.tier
    connection.execute(
        "UPDATE recordings SET path = ?, stored_format = ?, stored_tier = ?, stored_sha256 = ?, "
        "stored_bytes = ?, stored_bitrate_kbps = ?, stored_at = ?, stored_encrypted = ?, "
        "stored_plain_sha256 = ? WHERE id = ?",
        (path, facts.format, tier, facts.sha256, facts.bytes, facts.bitrate_kbps,
         facts.at, facts.encrypted_key, facts.plain_sha256, recording_id),
    )


def stored_facts_of(row) -> StoredFacts | None:
    """A ``RecordingRecord``'s stored file, or None while it is the original WAV."""
    if not row.stored_sha256 or not (row.stored_format == "opus" or row.stored_encrypted):
        return None
    tier = row.stored_tier or ("standard" if row.stored_format == "opus" else ORIGINAL_TIER)
    return StoredFacts(Path(row.path).name, row.stored_format, tier,
                       row.stored_sha256, int(row.stored_bytes or 0),
                       float(row.stored_bitrate_kbps or 0.0), float(row.stored_at or 0.0),
                       row.stored_encrypted or None, row.stored_plain_sha256)


# ---- the sidecar ---------------------------------------------------------------------------

FINISHED = ("complete", "repaired")


def sidecar_from_row(store: Store, row: RecordingRecord) -> dict:
    """A version 2 sidecar written from the index row and its call, with the stored file's
    facts when it is no longer the original WAV."""
    call = {}
    if row.call_id is not None:
        record = store.call(row.call_id)
        if record is not None:
            call = {
                key: getattr(record, key)
                for key in CALL_FIELDS
                if key not in ("id", "line", "notes") and getattr(record, key) is not None
            }
            call["call_id"] = record.id
    marks = [{"kind": mark.kind, "start_s": mark.start_s, "end_s": mark.end_s}
             for mark in store.recording_marks([row.id])]
    facts = RecordingFacts(row.line, row.started_at, call=call, ended_at=row.ended_at,
                           marks=marks)
    state = row.state if row.state in (*FINISHED, "recording") else "complete"
    document = sidecar_document(facts, row.encoding, state, row.samples, row.sha256)
    stored = stored_facts_of(row)
    if stored is not None:
        document["stored"] = stored.document()
    return document


def stored_in_sidecar(document: dict | None) -> StoredFacts | None:
    """The stored file a sidecar names, or None (it names none: the WAV is the recording)."""
    if not isinstance(document, dict) or document.get("version") != SIDECAR_VERSION:
        return None
    return StoredFacts.from_document(document.get("stored"))


def with_stored(document: dict | None, store: Store, row: RecordingRecord,
                facts: StoredFacts) -> dict:
    """``document`` (a sidecar, or None) saying its stored file is ``facts``'s: kept as it
    is but for ``stored`` when it is a version 2 sidecar, else written afresh from
    ``row`` (the index row, already pointing at the stored file)."""
    if isinstance(document, dict) and document.get("version") == SIDECAR_VERSION:
        return {**document, "stored": facts.document()}
    fresh = sidecar_from_row(store, row)
    fresh["stored"] = facts.document()
    return fresh


def save_sidecar(audio_path: Path, document: dict) -> None:
    write_json_atomically(sidecar_path(audio_path), document)


# ---- Ogg Opus, read with the standard library ----------------------------------------------

_PAGE = struct.Struct("<4sBBqIIIB")  # capture, version, flags, granule, serial, seq, CRC, segments
_EOS = 0x04


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        value = byte << 24
        for _ in range(8):
            value = ((value << 1) ^ 0x04C11DB7) if value & 0x80000000 else value << 1
        table.append(value & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def ogg_crc(page: bytes) -> int:
    """The Ogg page checksum (CRC-32, polynomial 0x04C11DB7, not reflected, from 0)."""
    value = 0
    for byte in page:
        value = ((value << 8) & 0xFFFFFFFF) ^ _CRC[(value >> 24) ^ byte]
    return value


@dataclass(frozen=True)
class OggOpusInfo:
    channels: int
    pre_skip: int  # 48 kHz samples the decoder drops at the start
    input_rate: int  # the rate the encoder was given (8000 here)
    samples: int  # at ``input_rate``, from the last page's granule position

    @property
    def seconds(self) -> float:
        return self.samples / self.input_rate if self.input_rate else 0.0


def ogg_opus_info(path: Path) -> OggOpusInfo:
    """An Ogg Opus file's header and length, checked to end in a whole last page that
    closes the stream; StoredFileError naming the file if it does not (cut short,
    not Ogg Opus)."""
    try:
        size = path.stat().st_size
        with path.open("rb") as stream:
            return ogg_opus_info_of(stream, size, path)
    except OSError as error:
        if isinstance(error, StoredFileError):
            raise
        raise StoredFileError(f"{path}: cannot read: {error.strerror or error}") from error


def ogg_opus_info_of(stream, size: int, path: Path | str) -> OggOpusInfo:
    """``ogg_opus_info`` of an open binary stream of ``size`` bytes (an encrypted file's
    plaintext, ``firmware.archive.crypt.DecryptingReader``); ``path`` names it."""
    stream.seek(0)
    head = stream.read(_PAGE.size + 255 + 19)
    stream.seek(max(0, size - TAIL_BYTES))
    tail = stream.read()
    if len(head) < _PAGE.size or head[:4] != b"OggS":
        raise StoredFileError(f"{path}: not an Ogg file")
    segments = head[_PAGE.size - 1]
    packet = head[_PAGE.size + segments :]
    if packet[:8] != b"OpusHead" or len(packet) < 19:
        raise StoredFileError(f"{path}: an Ogg file, but not Ogg Opus")
    channels = packet[9]
    pre_skip, input_rate = struct.unpack_from("<HI", packet, 10)
    last = _last_page(tail)
    if last is None:
        raise StoredFileError(f"{path}: cut short (its last Ogg page is not whole)")
    flags, granule = last
    if not flags & _EOS:
        raise StoredFileError(f"{path}: cut short (the Ogg Opus stream does not end)")
    rate = input_rate or SAMPLE_RATE
    samples = max(0, granule - pre_skip) * rate // OPUS_RATE
    return OggOpusInfo(channels, pre_skip, input_rate, samples)


def _last_page(tail: bytes) -> tuple[int, int] | None:
    """The flags and granule position of the page that ends ``tail`` exactly, whole and with
    its checksum right; None if there is none (cut short, damaged, or trailing bytes).
    "OggS" may occur inside audio data too: a candidate that does not end the file
    exactly with a right checksum is passed over."""
    at = tail.rfind(b"OggS")
    while at >= 0:
        if at + _PAGE.size <= len(tail):
            _, version, flags, granule, _, _, crc, segments = _PAGE.unpack_from(tail, at)
            table_end = at + _PAGE.size + segments
            if version == 0 and table_end <= len(tail):
                end = table_end + sum(tail[at + _PAGE.size : table_end])
                if end == len(tail):
                    page = bytearray(tail[at:end])
                    page[22:26] = b"\0\0\0\0"
                    if ogg_crc(bytes(page)) == crc:
                        return flags, granule
        at = tail.rfind(b"OggS", 0, at)
    return None
