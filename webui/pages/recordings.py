"""Recordings: search, play (with seeking), download, notes and tags, verification, export.

Who may do what:

- the list and a recording's page: anyone who may listen, download or
  audit; a recording exists for a user only if its line is one they may
  see (otherwise 404, whether it exists or not);
- play (``/audio``) and change notes and tags: ``recordings_listen``;
- download the file as stored (the recorder's WAV, or the Ogg Opus file that
  replaced it after the call), or decoded to WAV, or in one of the export
  formats (``firmware.archive.formats``): ``recordings_download``;
- verify (the file against the index, its sidecar and the hash chain, and
  the chain's links and signatures: ``firmware.store.integrity``) and bulk
  export (with the chain's proof: ``firmware.store.chain_proof``): ``audit``;
- protect from retention (legal hold): ``audit`` or admin (``webui.pages.legal_hold``).

A recording retention deleted keeps its page, which says when and why, with
no player and no download; the lists and exports leave it out (an export's
manifest lists the search's deleted recordings by name).

Every listen (once per recording per session, when playback asks for the
audio: the player loads nothing before), download, verification and export
goes to the audit log. Files are found by the recording's id, and its stored
path must resolve inside the recordings folder (``webui.playback``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from firmware.archive.audio import AudioFileError, stored_samples
from firmware.archive.crypt import CryptError, WrongKeyError, decrypt_sha256
from firmware.archive.formats import FORMATS, convert, pcm_wav_chunks, pcm_wav_size
from firmware.store import chain, chain_proof, integrity
from firmware.store.audit import structured_detail
from firmware.store.call_search import RECORDING_SORTS, CallSearch, RecordingRow
from firmware.store.db import StoreError
from firmware.store.legal_hold import LegalHold
from firmware.store.recording_notes import RecordingNotes, RecordingNotesError, parse_tags
from firmware.store.signing import grouped
from firmware.store.stored_files import PLAIN_SUFFIXES
from webui import recording_export
from webui.call_filters import (
    OUTCOME_LABELS,
    PAGE_SIZE,
    line_choices,
    read_line_search,
    refuse_mistaken_search,
)
from webui.context import Ctx
from webui.http_range import ranged_answer
from webui.pages.calls import customer_scope, may_hold, may_open_recordings
from webui.pages.storage_settings import reason_text
from webui.playback import (
    OutsideRecordingsError,
    PlaybackError,
    file_view,
    original_chunks,
    pcm_view,
    recording_file,
)

log = logging.getLogger(__name__)

_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _need_any_recording_flag(ctx: Ctx) -> None:
    if not may_open_recordings(ctx):
        ctx.fail(403, "You do not have permission for this.")


def visible_recording(ctx: Ctx, recording_id: int) -> RecordingRow:
    """The recording, if it is on a line this user may see; 404 otherwise (either way)."""
    row = CallSearch(ctx.deps.store).recording(
        recording_id, ctx.principal.line_scope(), customer_scope(ctx)
    )
    if row is None:
        ctx.fail(404, "Not found.")
    return row


def _file(ctx: Ctx, row: RecordingRow) -> Path:
    if row.recording.state == "deleted":
        ctx.fail(410, "This recording was deleted by retention on {date}: {reason}.",
                 date=ctx.t.date(row.recording.deleted_at),
                 reason=reason_text(ctx.t, row.recording.delete_reason))
    try:
        return recording_file(ctx.deps.folder.recordings, row.recording.path)
    except OutsideRecordingsError:
        log.warning("recording %d: its path %r leads outside the recordings folder; "
                    "refused to %s", row.recording.id, row.recording.path, ctx.user.username)
        ctx.fail(404, "The recording's file is not there.")
    except PlaybackError:
        ctx.fail(404, "The recording's file is not there.")
    raise AssertionError("not reached")


LOCKED = ("Recordings are encrypted; the key is locked: playing and exporting wait for the "
          "passphrase.")
OTHER_KEY = "This recording was encrypted to another key than the one unlocked: {detail}"
UNDECRYPTABLE = ("The recording's encrypted file cannot be decrypted (cut short or changed): "
                 "{detail}")


def recording_key(ctx: Ctx, row: RecordingRow):
    """The unlocked recordings key for a recording encrypted at rest (None for a plain one);
    a clear page (423) while the key is locked."""
    if not row.recording.stored_encrypted:
        return None
    key = ctx.deps.recordings_key()
    if key is None:
        ctx.fail(423, LOCKED)
    return key


def _undecryptable(ctx: Ctx, row: RecordingRow, error: Exception) -> None:
    log.error("recording %d cannot be decrypted: %s", row.recording.id, error)
    if isinstance(error, WrongKeyError):
        ctx.fail(409, OTHER_KEY, detail=str(error))
    ctx.fail(500, UNDECRYPTABLE, detail=str(error))


def _session_reference(ctx: Ctx) -> str:
    """A short name of this sign-in session for the audit log (not the session's key)."""
    return hashlib.sha256(ctx.session.token_hash.encode()).hexdigest()[:12]


# ---- the list and one recording -----------------------------------------------------------


def recordings_page(ctx: Ctx) -> str:
    _need_any_recording_flag(ctx)
    lines, form = read_line_search(ctx, RECORDING_SORTS)
    page = CallSearch(ctx.deps.store).search_recordings(
        form.recordings,
        ctx.principal.line_scope(),
        customer_scope(ctx),
        descending=form.descending,
        offset=form.offset,
        limit=PAGE_SIZE,
    )
    return ctx.render(
        "recordings.tpl",
        form=form,
        page=page,
        held=LegalHold(ctx.deps.store).held_among([row.recording.id for row in page.rows]),
        lines=lines,
        line_names=dict(lines),
        outcomes=OUTCOME_LABELS,
        known_tags=RecordingNotes(ctx.deps.store).known_tags(ctx.principal.line_scope()),
        max_export=recording_export.MAX_FILES,
    )


def recording_page(ctx: Ctx, recording_id: int, verification: dict | None = None) -> str:
    _need_any_recording_flag(ctx)
    row = visible_recording(ctx, recording_id)
    hold = ctx.query("hold")
    return ctx.render(
        "recording.tpl",
        row=row,
        hold=LegalHold(ctx.deps.store).of_recording(row.recording.id),
        may_hold=may_hold(ctx),
        hold_notice=hold if hold in ("on", "off", "unchanged") else "",
        delete_reason=reason_text(ctx.t, row.recording.delete_reason),
        line_name=dict(line_choices(ctx)).get(row.recording.line, ""),
        outcomes=OUTCOME_LABELS,
        known_tags=RecordingNotes(ctx.deps.store).known_tags(ctx.principal.line_scope()),
        saved=ctx.query("saved") == "1",
        problem="",
        verification=verification,
        marks=ctx.deps.store.recording_marks([row.recording.id]),
    )


def recording_notes(ctx: Ctx, recording_id: int):
    """Notes and tags, changed by someone who may listen to the recording."""
    row = visible_recording(ctx, recording_id)
    notes = ctx.form("notes")
    tags = parse_tags(ctx.form("tags"))
    try:
        RecordingNotes(ctx.deps.store).update(row.recording.id, notes, tags)
    except RecordingNotesError:
        ctx.fail(400, "Notes are at most 4000 characters; at most 20 tags of 32 characters.")
    changes = []
    if notes != row.notes:
        changes.append(("notes", row.notes, notes))
    if sorted(set(tags)) != sorted(row.tags):
        changes.append(("tags", list(row.tags), sorted(set(tags))))
    if changes:
        ctx.audit("recording_notes_changed", f"recording {row.recording.id}",
                  structured_detail(changes=changes))
    if ctx.wants_json:
        return ctx.json({"saved": ctx.t("Saved."), "tags": tags})
    ctx.redirect(f"/recordings/{row.recording.id}?saved=1")
    return ""


# ---- audio ----------------------------------------------------------------------------


def recording_audio(ctx: Ctx, recording_id: int):
    """The recording for the player, with byte ranges for seeking: a G.711 WAV decoded to
    PCM16 WAV as it is sent, an Ogg Opus file (compressed after the call) as it is."""
    return play(ctx, visible_recording(ctx, recording_id))


def play(ctx: Ctx, row: RecordingRow):
    """The recording of ``row`` (found by the caller within what the user may hear) for the
    player, its listen audited once per session (``recording_audio``)."""
    path = _file(ctx, row)
    recording = row.recording
    key = recording_key(ctx, row)
    try:
        if recording.stored_format == "opus":
            view = file_view(path, key)
            stored = (recording.stored_sha256 or "")[:16]
            media_type, etag = "audio/ogg", f'"{recording.id}-{stored}"'
        else:
            view = pcm_view(path, still_recording=recording.state == "recording", key=key)
            media_type, etag = "audio/wav", f'"{recording.id}-{view.samples}"'
    except CryptError as error:
        _undecryptable(ctx, row, error)
    except PlaybackError as error:
        log.error("recording %d cannot be played: %s", recording.id, error)
        ctx.fail(500, "The recording's file cannot be read.")
    ctx.deps.audit.record_once(
        "listen",
        since=ctx.session.created_at,
        username=ctx.user.username,
        user_id=ctx.user.id,
        target=f"recording {row.recording.id}",
        detail=f"session {_session_reference(ctx)}",
        address=ctx.address,
    )
    ctx.response.content_type = media_type
    ctx.response.set_header("Cache-Control", "private, no-store")
    return ranged_answer(ctx.response, ctx.request.headers, view.size, view.chunks, etag)


def download_name(row: RecordingRow, suffix: str | None = None) -> str:
    """A file name that is safe in any browser and file system: the stored name, cleaned,
    with the stored file's suffix or ``suffix``."""
    stored = Path(row.recording.path)
    stem = _UNSAFE_NAME.sub("_", stored.stem)[:80].strip("._") or "recording"
    return f"{stem}{suffix or stored.suffix or '.wav'}"


def _attachment(ctx: Ctx, media_type: str, size: int, name: str) -> None:
    ctx.response.content_type = media_type
    ctx.response.set_header("Content-Length", str(size))
    ctx.response.set_header("Content-Disposition", f'attachment; filename="{name}"')
    ctx.response.set_header("Cache-Control", "private, no-store")


def recording_download(ctx: Ctx, recording_id: int):
    """The file exactly as stored (its SHA-256 is the one in the index): the recorder's WAV,
    or the Ogg Opus file that replaced it after the call; one encrypted at rest is
    decrypted as it is sent (its SHA-256 is then the plaintext's, as the index keeps it)."""
    row = visible_recording(ctx, recording_id)
    path = _file(ctx, row)
    recording = row.recording
    key = recording_key(ctx, row)
    media_type = "audio/ogg" if recording.stored_format == "opus" else "audio/wav"
    if key is None:
        size, name, detail = path.stat().st_size, download_name(row), recording.file_sha256
    else:
        try:
            size = file_view(path, key).size
        except CryptError as error:
            _undecryptable(ctx, row, error)
        name = download_name(row, PLAIN_SUFFIXES[path.suffix])
        detail = (f"decrypted; plaintext SHA-256 {recording.stored_plain_sha256}, encrypted "
                  f"file SHA-256 {recording.stored_sha256}")
    ctx.audit("download", f"recording {recording.id}", detail or "")
    _attachment(ctx, media_type, size, name)
    return original_chunks(path, key=key)


def recording_convert(ctx: Ctx, recording_id: int, fmt: str):
    """The recording decoded and handed out in ``fmt`` (``firmware.archive.formats``): WAV,
    16-bit PCM streamed as it is decoded; the others made in a temporary file first (in
    the data folder's exports/, gone when sent). Memory stays bounded either way."""
    export = FORMATS.get(fmt)
    if export is None:
        ctx.fail(404, "Not found.")
    row = visible_recording(ctx, recording_id)
    path = _file(ctx, row)
    recording = row.recording
    if recording.state == "recording":
        ctx.fail(409, "Still being recorded: download it in another format once it is finished.")
    key = recording_key(ctx, row)
    try:
        stored_samples(path, key)  # a file cut short is said now, not halfway through
    except CryptError as error:
        _undecryptable(ctx, row, error)
    except AudioFileError as error:
        log.error("recording %d cannot be decoded: %s", recording.id, error)
        ctx.fail(500, "The recording's file cannot be read.")
    if fmt == "wav":
        size = pcm_wav_size(recording.samples)
        body = pcm_wav_chunks(path, recording.samples, key)
    else:
        size, body = _converted(ctx, path, recording.samples, export, key)
    ctx.audit("download", f"recording {recording.id}",
              f"as {fmt}; from the stored file, SHA-256 {recording.file_sha256 or '-'}")
    _attachment(ctx, export.media_type, size, download_name(row, export.suffix))
    return body


def _converted(ctx: Ctx, path: Path, samples: int, export, key=None
               ) -> tuple[int, Iterator[bytes]]:
    exports = recording_export.exports_dir(ctx.deps.folder)
    scratch = tempfile.TemporaryFile(dir=exports)  # noqa: SIM115 - the stream closes it
    try:
        convert(path, samples, export, scratch, key=key)
        size = scratch.tell()
        scratch.seek(0)
    except (AudioFileError, CryptError, OSError, RuntimeError) as error:
        scratch.close()
        log.error("%s: cannot convert to %s: %s", path, export.key, error)
        ctx.fail(500, "The recording's file cannot be read.")

    def chunks() -> Iterator[bytes]:
        with scratch:
            while block := scratch.read(recording_export.BLOCK):
                yield block

    return size, chunks()


# ---- verification and export --------------------------------------------------------------


# The page's (and the audit log's) word for each of integrity's verdicts.
_VERDICT_OF = {"intact_stored": "intact", "deleted_unsigned": "deleted", "waiting": "recording"}


def _texts(ctx: Ctx, texts) -> list[str]:
    """Integrity's findings in the reader's language (their words too: a deletion's reason,
    a note)."""
    shown = []
    for text in texts:
        values = {
            name: reason_text(ctx.t, value) if name == "reason" else (
                ctx.t(value) if isinstance(value, str) else value
            )
            for name, value in text.values.items()
        }
        shown.append(ctx.t(text.text, **values))
    return shown


def verify(ctx: Ctx, row: RecordingRow) -> dict:
    """The recording checked against the index, its sidecar and the hash chain, and the
    chain itself, its links and signatures (``firmware.store.integrity``)."""
    recording, store = row.recording, ctx.deps.store
    try:
        chain.chain_pending(store)  # one that finished a moment ago is checked chained
    except (sqlite3.Error, StoreError) as error:  # a full or read-only disk: check all the same
        log.warning("recording %d: the chain could not be brought up to date before the "
                    "check: %s", recording.id, error)
    report = integrity.verify(
        ctx.deps.folder, store, [recording.id],
        when=lambda at: ctx.t.datetime(at, seconds=True) if at is not None else "-",
    )
    check, checked = report.recordings[0], report.chain
    result = {
        "verdict": _VERDICT_OF.get(check.verdict, check.verdict),
        "finding": check.verdict,
        "problem": check.problem,
        "texts": _texts(ctx, check.texts),
        "file": check.file_sha256,
        "index": recording.sha256,
        "sidecar": check.sidecar_sha256,
        "chain_sha256": check.expected_sha256,
        "stored_format": check.stored_format,
        "entry": check.entry_seq,
        "signed": check.signed,
        "state": recording.state,
        "chain": {
            "intact": checked.intact,
            "entries": checked.walk.length,
            "signed_through": checked.signed_seq,
            "key": checked.key.fingerprint,
            "key_shown": grouped(checked.key.fingerprint),
            "problems": _texts(ctx, checked.problems),
            "notes": _texts(ctx, checked.notes),
        },
    }
    if recording.state == "deleted":
        result.update(deleted_at=recording.deleted_at, reason=recording.delete_reason)
    if recording.stored_encrypted and recording.state != "deleted":
        result.update(encrypted=True, plaintext=_plaintext_check(ctx, recording))
    return result


def _plaintext_check(ctx: Ctx, recording) -> str:
    """An encrypted recording's plaintext against the SHA-256 the index keeps for it:
    intact, changed, locked (no key here) or undecryptable."""
    key = ctx.deps.recordings_key()
    if key is None:
        return "locked"
    try:
        path = recording_file(ctx.deps.folder.recordings, recording.path)
        found = decrypt_sha256(path, key)
    except (CryptError, PlaybackError) as error:
        log.warning("recording %d: its plaintext cannot be checked: %s", recording.id, error)
        return "undecryptable"
    return "intact" if found == recording.stored_plain_sha256 else "changed"


def recording_verify(ctx: Ctx, recording_id: int) -> str:
    row = visible_recording(ctx, recording_id)
    result = verify(ctx, row)
    ctx.audit("verify", f"recording {row.recording.id}", result["verdict"])
    if ctx.wants_json:
        return ctx.json(result)
    return recording_page(ctx, recording_id, verification=result)


def recordings_export(ctx: Ctx):
    """The recordings of the search in the form, as a zip with a manifest (auditors)."""
    _, form = read_line_search(ctx, RECORDING_SORTS)
    refuse_mistaken_search(ctx, form)
    search = CallSearch(ctx.deps.store)
    scope, owners = ctx.principal.line_scope(), customer_scope(ctx)
    count, _ = search.recording_totals(form.recordings, scope, owners)
    export_format = ctx.form("format", "stored")
    if export_format not in recording_export.EXPORT_FORMATS:
        ctx.fail(400, "Unknown export format.")
    key = ctx.deps.recordings_key()
    now = ctx.deps.clock()
    about = {
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "exported_by": ctx.user.username,
        "search": form.query(),
        "hash": "SHA-256 of each file as stored; check with: sha256sum -c SHA256SUMS; "
                "the whole export, without the box: see VERIFY.txt",
    }
    try:
        recording_export.check_count(count)
        rows = [
            row
            for batch in search.iter_recordings(
                form.recordings, scope, owners, limit=recording_export.MAX_FILES
            )
            for row in batch
        ]
        if key is None and any(row.recording.stored_encrypted for row in rows):
            ctx.fail(423, LOCKED)
        recording_export.check_size(rows, ctx.deps.folder, export_format)
        # The search's recordings that retention deleted: named in the manifest, no file.
        deleted = [
            row
            for batch in search.iter_recordings(
                dataclasses.replace(form.recordings, deleted=True), scope, owners,
                limit=recording_export.MAX_FILES,
            )
            for row in batch
        ]
        # The chain up to a head signed now, with the facts of these recordings only.
        proof = chain_proof.proof_files(
            ctx.deps.folder, ctx.deps.store,
            [row.recording.id for row in rows] + [row.recording.id for row in deleted],
        )
        about["chain"] = chain_proof.describe(proof.signature)
        if proof.problem:
            about["chain"]["problem"] = proof.problem
        summary, size, chunks = recording_export.build_and_stream(
            ctx.deps.folder, [rows], ctx.t, about, deleted=deleted, proof=proof.files,
            export_format=export_format, key=key,
        )
    except recording_export.ExportError as error:
        ctx.fail(error.status, error.message, **error.values)
    ctx.audit(
        "export",
        "recordings",
        structured_detail(
            files=summary.files,
            bytes=summary.bytes,
            deleted=summary.deleted or None,
            format=export_format if export_format != "stored" else None,
            search=form.query() or "-",
        ),
    )
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(now + ctx.t.utc_offset_s))
    ctx.response.content_type = "application/zip"
    ctx.response.set_header("Content-Length", str(size))
    ctx.response.set_header(
        "Content-Disposition", f'attachment; filename="recordings-{stamp}.zip"'
    )
    ctx.response.set_header("Cache-Control", "no-store")
    return chunks
