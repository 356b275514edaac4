"""Recordings: search, play (with seeking), download, notes and tags, verification, export.

Who may do what:

- the list and a recording's page: anyone who may listen, download or
  audit; a recording exists for a user only if its line is one they may
  see (otherwise 404, whether it exists or not);
- play (``/audio``) and change notes and tags: ``recordings_listen``;
- download the original file: ``recordings_download``;
- verify and bulk export: ``audit``;
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
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from firmware.store.call_search import RECORDING_SORTS, CallSearch, RecordingRow
from firmware.store.legal_hold import LegalHold
from firmware.store.recording_notes import RecordingNotes, RecordingNotesError, parse_tags
from firmware.store.recordings import file_sha256, read_sidecar
from webui import recording_export
from webui.call_filters import (
    OUTCOME_LABELS,
    PAGE_SIZE,
    line_choices,
    read_line_search,
    refuse_mistaken_search,
)
from webui.context import Ctx
from webui.http_range import UnsatisfiableRange, requested_range
from webui.pages.calls import customer_scope, may_hold, may_open_recordings
from webui.pages.storage_settings import reason_text
from webui.playback import (
    OutsideRecordingsError,
    PlaybackError,
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
    if ctx.wants_json:
        return ctx.json({"saved": ctx.t("Saved."), "tags": tags})
    ctx.redirect(f"/recordings/{row.recording.id}?saved=1")
    return ""


# ---- audio ----------------------------------------------------------------------------


def _ranged(
    ctx: Ctx, size: int, chunks: Callable[[int, int], Iterator[bytes]], etag: str
) -> Iterator[bytes] | str:
    """The whole body, or the one range the Range header asks for (see ``webui.http_range``)."""
    response = ctx.response
    response.set_header("Accept-Ranges", "bytes")
    response.set_header("ETag", etag)
    header = ctx.request.headers.get("Range")
    if_range = ctx.request.headers.get("If-Range")
    if if_range is not None and if_range != etag:
        header = None  # the file changed since the client's copy: all of it again
    try:
        wanted = requested_range(header, size)
    except UnsatisfiableRange:
        response.status = 416
        response.set_header("Content-Range", f"bytes */{size}")
        return ""
    if wanted is None:
        response.set_header("Content-Length", str(size))
        return chunks(0, size)
    response.status = 206
    response.set_header("Content-Range", wanted.content_range(size))
    response.set_header("Content-Length", str(wanted.length))
    return chunks(wanted.start, wanted.end)


def recording_audio(ctx: Ctx, recording_id: int):
    """The recording as PCM16 WAV for the player, with byte ranges for seeking."""
    row = visible_recording(ctx, recording_id)
    path = _file(ctx, row)
    try:
        view = pcm_view(path, still_recording=row.recording.state == "recording")
    except PlaybackError as error:
        log.error("recording %d cannot be played: %s", row.recording.id, error)
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
    ctx.response.content_type = "audio/wav"
    ctx.response.set_header("Cache-Control", "private, no-store")
    return _ranged(ctx, view.size, view.chunks, f'"{row.recording.id}-{view.samples}"')


def download_name(row: RecordingRow) -> str:
    """A file name that is safe in any browser and file system: the stored name, cleaned."""
    stem = _UNSAFE_NAME.sub("_", Path(row.recording.path).stem)[:80].strip("._") or "recording"
    return f"{stem}.wav"


def recording_download(ctx: Ctx, recording_id: int):
    """The file exactly as stored (its SHA-256 is the one in the index)."""
    row = visible_recording(ctx, recording_id)
    path = _file(ctx, row)
    size = path.stat().st_size
    ctx.audit("download", f"recording {row.recording.id}", row.recording.sha256 or "")
    ctx.response.content_type = "audio/wav"
    ctx.response.set_header("Content-Length", str(size))
    ctx.response.set_header(
        "Content-Disposition", f'attachment; filename="{download_name(row)}"'
    )
    ctx.response.set_header("Cache-Control", "private, no-store")
    return original_chunks(path)


# ---- verification and export --------------------------------------------------------------


def verify(ctx: Ctx, row: RecordingRow) -> dict:
    """The file's SHA-256 now, next to the index's and the sidecar's."""
    recording = row.recording
    result = {"file": None, "index": recording.sha256, "sidecar": None, "state": recording.state}
    if recording.state == "deleted":
        result.update(verdict="deleted", deleted_at=recording.deleted_at,
                      reason=recording.delete_reason)
        return result
    try:
        path = recording_file(ctx.deps.folder.recordings, recording.path)
    except PlaybackError:
        result["verdict"] = "missing"
        return result
    result["file"] = file_sha256(path)
    sidecar = read_sidecar(path)
    result["sidecar"] = sidecar.get("sha256") if sidecar else None
    if recording.state == "recording":
        result["verdict"] = "recording"
    elif result["file"] == recording.sha256 and result["sidecar"] in (None, recording.sha256):
        result["verdict"] = "intact"
    else:
        result["verdict"] = "changed"
    return result


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
    now = ctx.deps.clock()
    about = {
        "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "exported_by": ctx.user.username,
        "search": form.query(),
        "hash": "SHA-256 of each file as stored; check with: sha256sum -c SHA256SUMS",
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
        recording_export.check_size(rows, ctx.deps.folder)
        # The search's recordings that retention deleted: named in the manifest, no file.
        deleted = [
            row
            for batch in search.iter_recordings(
                dataclasses.replace(form.recordings, deleted=True), scope, owners,
                limit=recording_export.MAX_FILES,
            )
            for row in batch
        ]
        summary, size, chunks = recording_export.build_and_stream(
            ctx.deps.folder, [rows], ctx.t, about, deleted=deleted
        )
    except recording_export.ExportError as error:
        ctx.fail(error.status, error.message, **error.values)
    ctx.audit(
        "export",
        "recordings",
        f"{summary.files} recordings, {summary.bytes} bytes"
        + (f", {summary.deleted} deleted by retention listed" if summary.deleted else "")
        + f"; search: {form.query() or '-'}",
    )
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(now + ctx.t.utc_offset_s))
    ctx.response.content_type = "application/zip"
    ctx.response.set_header("Content-Length", str(size))
    ctx.response.set_header(
        "Content-Disposition", f'attachment; filename="recordings-{stamp}.zip"'
    )
    ctx.response.set_header("Cache-Control", "no-store")
    return chunks
