"""Bulk export for auditors: a search's recordings as one zip with a manifest.

The zip holds each recording as stored (``recordings/YYYY/MM/DD/...wav``, or ``.opus``),
``manifest.json`` and ``manifest.csv`` (each file's call, its size and
SHA-256, and whether that matches the hash the recorder put in the index),
and ``SHA256SUMS``, so that after unzipping ``sha256sum -c SHA256SUMS``
proves every file is the one listed; and the proof that they are the box's
own (``firmware.store.chain_proof``): the hash chain up to a head the box
signed for this export, its public key, ``verify_export.py`` and
``VERIFY.txt``, which says how to check it all without the box. Recordings
of the search that retention deleted have no file to pack: the manifest's
``deleted`` names each, with its index SHA-256 and when and why it was
deleted (and the chain carries its tombstone).

On request the recordings go in another format than stored
(``export_format``: ``firmware.archive.formats``: WAV 16-bit PCM, G.711
A-law WAV, IMA ADPCM WAV, GSM 6.10 WAV, VOX), each decoded from its stored
file (G.711 WAV, or the Ogg Opus file that replaced it after the call); the
manifest then says each file's ``format``, the SHA-256 of the file in the
zip, the original recording's (``original_sha256``, kept in the index for
ever) and the stored file's it was made from (``stored_sha256``), and
whether that stored file still had the index's hash (``matches_index``).

The zip is written to a temporary file in the data folder's ``exports/``
(never in memory), then streamed and removed. The file never has a name
there (``tempfile.TemporaryFile``), so nothing is left behind even if the
download is cut or the process dies. One export runs at a time, and exports
are capped in files and bytes so that one cannot fill the box's disk.
"""

from __future__ import annotations

import contextlib
import csv
import fcntl
import hashlib
import io
import json
import logging
import shutil
import tempfile
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from audio_format import SAMPLE_RATE
from firmware.archive.audio import AudioFileError
from firmware.archive.crypt import CryptError, decrypt_sha256
from firmware.archive.formats import FORMATS, ExportFormat, convert
from firmware.datafolder import DataFolder
from firmware.store.call_search import RecordingRow
from firmware.store.recordings import file_sha256
from firmware.store.stored_files import PLAIN_SUFFIXES
from webui.call_csv import safe_cell
from webui.i18n import Translator
from webui.playback import PlaybackError, open_stored, recording_file

log = logging.getLogger(__name__)

MAX_FILES = 1000
MAX_BYTES = 2 * 1024**3
SPACE_MARGIN = 64 * 1024**2  # left free on the disk beyond the export itself
BLOCK = 1 << 20
# "stored": each file as the box keeps it; else one of firmware.archive.formats.
EXPORT_FORMATS = ("stored", *FORMATS)
# Bytes a second of audio takes in each format, to check an export's size before it is made.
_BYTES_PER_SECOND = {"wav": 16000, "alaw": 8000, "ima_adpcm": 4100, "gsm610": 1650,
                     "vox": 4000}
MANIFEST_FIELDS = (
    "file",
    "sha256",
    "bytes",
    "index_sha256",
    "matches_index",
    "format",
    "original_sha256",
    "stored_sha256",
    "recording_id",
    "call_id",
    "line",
    "direction",
    "outcome",
    "number",
    "number_e164",
    "caller_id_name",
    "customer",
    "started_at",
    "started_at_unix",
    "duration_s",
    "encoding",
    "seconds",
    "state",
    "tags",
    "notes",
)


class ExportError(Exception):
    """An export that cannot be made; ``message`` (English) says why, ``values`` fill it."""

    def __init__(self, status: int, *, message: str, **values: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.values = values


@dataclass
class ExportSummary:
    files: int = 0
    bytes: int = 0
    skipped: list[str] = field(default_factory=list)  # recordings whose file was not there
    deleted: int = 0  # recordings of the search that retention deleted (named, no file)


def exports_dir(folder: DataFolder) -> Path:
    exports = folder.exports
    exports.mkdir(mode=0o700, exist_ok=True)
    return exports


@contextlib.contextmanager
def export_slot(folder: Path) -> Iterator[None]:
    """The one export allowed at a time, across every server thread and process."""
    with (folder / ".lock").open("a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ExportError(
                503, message="Another export is being prepared. Try again in a minute."
            ) from None
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _local(t: Translator, at: float | None) -> str:
    """ISO 8601 in the box's local time with its offset, as an auditor's tools read it."""
    if at is None:
        return ""
    hours, rest = divmod(abs(t.utc_offset_s), 3600)
    sign = "+" if t.utc_offset_s >= 0 else "-"
    moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(at + t.utc_offset_s))
    return f"{moment}{sign}{hours:02d}:{rest // 60:02d}"


def _stored_format(row: RecordingRow) -> str:
    recording = row.recording
    if recording.stored_format == "opus":
        shown = f"ogg-opus ({recording.stored_tier} tier, {recording.stored_bitrate_kbps:g} kbit/s)"
    else:
        shown = f"wav-{recording.encoding}"
    return f"{shown}, decrypted" if recording.stored_encrypted else shown


def _entry(t: Translator, row: RecordingRow, name: str, sha256: str, size: int,
           *, export: ExportFormat | None = None, stored_sha256: str | None = None) -> dict:
    """A file's manifest entry: ``sha256`` is the file's in the zip; for a converted one
    (``export``), ``stored_sha256`` is the stored file's as it was read for it."""
    recording, call = row.recording, row.call
    expected = recording.file_sha256 or ""
    stored_now = sha256 if export is None else stored_sha256
    encrypted = {}
    if recording.stored_encrypted:
        # Decrypted into the export: the plaintext's SHA-256 is what the index and the
        # chain's entry of the encrypted file name; the file on the box stays encrypted.
        expected = recording.stored_plain_sha256 or ""
        encrypted = {"encrypted_sha256": recording.stored_sha256 or "",
                     "encrypted_key": recording.stored_encrypted}
    return {
        **encrypted,
        "file": name,
        "sha256": sha256,
        "bytes": size,
        "index_sha256": expected,
        "matches_index": stored_now == expected,
        "format": _stored_format(row) if export is None else export.key,
        "original_sha256": recording.sha256 or "",
        "stored_sha256": stored_now or "",
        "recording_id": recording.id,
        "call_id": recording.call_id,
        "line": recording.line,
        "direction": call.direction if call else "",
        "outcome": call.outcome if call else "",
        "number": (call.number or "") if call else "",
        "number_e164": (call.number_e164 or "") if call else "",
        "caller_id_name": (call.name or "") if call else "",
        "customer": row.customer_name or "",
        "started_at": _local(t, recording.started_at),
        "started_at_unix": recording.started_at,
        "duration_s": call.duration_s if call else None,
        "encoding": recording.encoding,
        "seconds": recording.samples / SAMPLE_RATE,
        "state": recording.state,
        "tags": list(row.tags),
        "notes": row.notes,
    }


def _add_converted(
    archive: zipfile.ZipFile, path: Path, name: str, row: RecordingRow, export: ExportFormat,
    *, scratch: Path | None, key=None,
) -> tuple[str, int, str]:
    """One recording converted to ``export`` (in a temporary file), then copied into the
    archive; the SHA-256 and size of what was copied, and the stored file's SHA-256 (an
    encrypted one's plaintext's)."""
    stored_sha256 = file_sha256(path) if key is None else decrypt_sha256(path, key)
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with tempfile.TemporaryFile(dir=scratch) as converted:
        convert(path, row.recording.samples, export, converted, key=key)
        converted.seek(0)
        with archive.open(info, "w", force_zip64=True) as target:
            while block := converted.read(BLOCK):
                digest.update(block)
                target.write(block)
                size += len(block)
    return digest.hexdigest(), size, stored_sha256


def _add_file(archive: zipfile.ZipFile, path: Path, name: str, key=None) -> tuple[str, int]:
    """Copy one recording into the archive (decrypted with ``key``), hashing what was
    copied."""
    digest = hashlib.sha256()
    size = 0
    info = zipfile.ZipInfo.from_file(path, name)
    info.compress_type = zipfile.ZIP_STORED  # audio does not shrink; storing keeps it fast
    with open_stored(path, key) as source, archive.open(info, "w", force_zip64=True) as target:
        while block := source.read(BLOCK):
            digest.update(block)
            target.write(block)
            size += len(block)
    return digest.hexdigest(), size


def _deleted_entry(t: Translator, row: RecordingRow) -> dict:
    recording = row.recording
    return {
        "file": "recordings/" + recording.path,
        "index_sha256": recording.sha256 or "",
        "recording_id": recording.id,
        "call_id": recording.call_id,
        "line": recording.line,
        "started_at": _local(t, recording.started_at),
        "deleted_at": _local(t, recording.deleted_at),
        "reason": recording.delete_reason or "",
    }


def write_export(
    target: BinaryIO,
    batches: Iterable[list[RecordingRow]],
    root: Path,
    t: Translator,
    about: dict,
    *,
    deleted: Iterable[RecordingRow] = (),
    proof: dict[str, bytes] | None = None,
    export_format: str = "stored",
    scratch: Path | None = None,
    key=None,
) -> ExportSummary:
    """Write the zip of the recordings in ``batches`` to ``target``; ``about`` heads the
    manifest (who exported, when, which search); ``deleted``: the search's recordings
    that retention deleted, listed in the manifest; ``proof``: more files by name (the
    chain's, ``firmware.store.chain_proof.proof_files``); ``export_format``: "stored"
    or one of ``firmware.archive.formats``, converted in temporary files in ``scratch``;
    ``key``: the unlocked recordings key, which decrypts recordings encrypted at rest
    into the zip (under their plain names)."""
    export = FORMATS.get(export_format)
    summary = ExportSummary()
    entries = []
    gone = [_deleted_entry(t, row) for row in deleted]
    top = root.resolve()
    with zipfile.ZipFile(target, "w", allowZip64=True) as archive:
        for batch in batches:
            for row in batch:
                if row.recording.state == "deleted":
                    gone.append(_deleted_entry(t, row))
                    continue
                try:
                    path = recording_file(root, row.recording.path)
                except PlaybackError:
                    summary.skipped.append(row.recording.path)
                    continue
                name = "recordings/" + path.relative_to(top).as_posix()
                file_key = key if row.recording.stored_encrypted else None
                if file_key is not None:
                    name = name.rsplit(".", 1)[0] + PLAIN_SUFFIXES[path.suffix]
                if export is None:
                    try:
                        sha256, size = _add_file(archive, path, name, file_key)
                    except (CryptError, PlaybackError) as error:
                        log.error("export: %s not added: %s", path, error)
                        summary.skipped.append(row.recording.path)
                        continue
                    entries.append(_entry(t, row, name, sha256, size))
                else:
                    name = name.rsplit(".", 1)[0] + export.suffix
                    try:
                        sha256, size, stored = _add_converted(archive, path, name, row, export,
                                                              scratch=scratch, key=file_key)
                    except (AudioFileError, CryptError, RuntimeError) as error:
                        log.error("export: %s not converted to %s: %s", path, export.key, error)
                        summary.skipped.append(row.recording.path)
                        continue
                    entries.append(_entry(t, row, name, sha256, size, export=export,
                                          stored_sha256=stored))
                summary.files += 1
                summary.bytes += size
        summary.deleted = len(gone)
        manifest = {**about, "files": summary.files, "bytes": summary.bytes,
                    "missing": summary.skipped, "recordings": entries, "deleted": gone}
        archive.writestr(
            "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
        )
        archive.writestr("manifest.csv", _manifest_csv(entries))
        archive.writestr(
            "SHA256SUMS", "".join(f"{entry['sha256']}  {entry['file']}\n" for entry in entries)
        )
        for name, data in (proof or {}).items():
            archive.writestr(name, data)
    return summary


def _manifest_csv(entries: list[dict]) -> bytes:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MANIFEST_FIELDS)
    for entry in entries:
        cells = {**entry, "tags": " ".join(entry["tags"])}
        writer.writerow([safe_cell(cells[name]) for name in MANIFEST_FIELDS])
    return buffer.getvalue().encode("utf-8")


def check_count(count: int) -> None:
    if count == 0:
        raise ExportError(400, message="This search finds no recordings to export.")
    if count > MAX_FILES:
        raise ExportError(
            400,
            message="{count} recordings: more than one export holds ({most}). Narrow the search.",
            count=count,
            most=MAX_FILES,
        )


def check_size(rows: list[RecordingRow], folder: DataFolder, export_format: str = "stored"
               ) -> None:
    """Refuse recordings over the size cap, or that the disk has no room to copy (in
    another format than stored: its size from the recordings' lengths)."""
    size = 0
    for row in rows:
        if export_format != "stored":
            size += round(row.recording.samples / SAMPLE_RATE * _BYTES_PER_SECOND[export_format])
            continue
        with contextlib.suppress(PlaybackError, OSError):
            size += recording_file(folder.recordings, row.recording.path).stat().st_size
    if size > MAX_BYTES:
        raise ExportError(
            400,
            message="{size} MB: more than one export holds ({most} MB). Narrow the search.",
            size=size // 2**20,
            most=MAX_BYTES // 2**20,
        )
    free = shutil.disk_usage(exports_dir(folder)).free
    if free < size + SPACE_MARGIN:
        raise ExportError(
            507,
            message="Only {free} MB free on the box: too little for an export of {size} MB.",
            free=free // 2**20,
            size=size // 2**20,
        )


def build_and_stream(
    folder: DataFolder,
    batches: Iterable[list[RecordingRow]],
    t: Translator,
    about: dict,
    *,
    deleted: Iterable[RecordingRow] = (),
    proof: dict[str, bytes] | None = None,
    export_format: str = "stored",
    key=None,
) -> tuple[ExportSummary, int, Iterator[bytes]]:
    """Write the zip to a temporary file, then hand back its size and its bytes to stream.

    The file has no name in the folder (it is removed as it is made); it goes
    away when its bytes have been read, or the reader gives up.
    """
    exports = exports_dir(folder)
    with export_slot(exports):
        temporary = tempfile.TemporaryFile(dir=exports)  # noqa: SIM115 - the stream closes it
        try:
            summary = write_export(temporary, batches, folder.recordings, t, about,
                                   deleted=deleted, proof=proof, export_format=export_format,
                                   scratch=exports, key=key)
            size = temporary.tell()
            temporary.seek(0)
        except BaseException:
            temporary.close()
            raise

    def chunks() -> Iterator[bytes]:
        with temporary:
            while block := temporary.read(BLOCK):
                yield block

    return summary, size, chunks()
