"""Making the recording files and the recordings index agree, both ways.

After a crash, a power cut or a restore of the database from a backup, the
files under ``recordings/`` and the rows of the index can disagree: a file
still marked "recording" whose header never caught up, a file the index
does not know, a row whose file is gone. ``reconcile`` settles each of
them; the files are the truth for the audio, the index for what was
deleted on purpose (a row is marked "missing", never removed).

What a kill at a recording's very start leaves is cleaned up: temporary
sidecars of an atomic write that never finished are removed, and so is an
empty recording (no audio at all) that no index row knows, with its
sidecar. A compression after the call that a crash cut short is finished or
undone (``recovery.transcodes``), and the Ogg Opus files that replaced
recordings' WAVs are indexed from their sidecars like the WAVs. A sidecar
that is missing is written again from the index row; one that cannot be read
is set aside first. A recordings disk that did not mount
must not look like every recording gone: when more than ``MISSING_SHARE``
of the index (and more than ``MISSING_HANDFUL`` rows) would be marked
missing at once, none is, and the report says so (``missing_held_back``)
until the disk is back or a person accepts it (``accept_missing``).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.db import RecordingRecord, Store
from firmware.store.files import make_folders
from firmware.store.recordings import (
    RecordingError,
    RepairResult,
    SidecarError,
    file_sha256,
    inspect_wav,
    load_sidecar,
    recording_files,
    repair,
    sidecar_path,
    write_json_atomically,
)
from firmware.store.stored_files import (
    StoredFacts,
    StoredFileError,
    is_encrypted,
    ogg_opus_info,
    record_stored,
    sidecar_from_row,
    stored_facts_of,
)
from firmware.store.wavformat import ENCODINGS
from recovery.sidecars import (
    CallRebuilder,
    SidecarFacts,
    line_from_name,
    read_facts,
    restore_marks,
    start_from_name,
)
from recovery.transcodes import adopt, deleted_sibling, settle_pairs, sibling_row

MISSING_SHARE = 0.2  # more of the index than this gone at once: a disk, not files
MISSING_HANDFUL = 5  # ... and more rows than this
# What write_atomically leaves when killed: ".<name>.json.<random>" beside the sidecar.
TEMPORARY_SIDECAR = re.compile(r"^\..+\.json\.[A-Za-z0-9_]+$")
FINISHED = ("complete", "repaired")


@dataclass(frozen=True)
class MissingHeldBack:
    """Too many index rows at once have no file: none was marked missing."""

    gone: int  # rows whose file is not on the disk
    of: int  # rows that should have one

    @property
    def percent(self) -> int:
        return round(100 * self.gone / self.of) if self.of else 100


@dataclass
class ReconcileReport:
    """What ``reconcile`` found; paths are relative to the recordings folder."""

    repaired: list[str] = field(default_factory=list)  # unfinished files made valid again
    indexed: list[str] = field(default_factory=list)  # files the index did not know
    missing: list[str] = field(default_factory=list)  # index rows whose file is gone
    damaged: list[str] = field(default_factory=list)  # files beyond repair, with why
    found: list[str] = field(default_factory=list)  # rows marked missing whose file is back
    orphans_removed: list[str] = field(default_factory=list)  # empty, unindexed recordings
    temporary_removed: list[str] = field(default_factory=list)  # temporary sidecars left
    # Files of recordings retention had marked deleted when a kill stopped it.
    deletions_finished: list[str] = field(default_factory=list)
    sidecars_recreated: list[str] = field(default_factory=list)  # written again from the index
    # Unreadable sidecars: "<sidecar>: <why>; kept at <where>", each written again.
    sidecars_replaced: list[str] = field(default_factory=list)
    calls_rebuilt: int = 0  # calls the index lacked, brought back from sidecars
    # Compressions after the call a crash cut short (recovery.transcodes): temporary files
    # removed; recordings whose compression was finished (the file kept); new files that
    # were never recorded in the index, removed (the worker does them again).
    partials_removed: list[str] = field(default_factory=list)
    transcodes_finished: list[str] = field(default_factory=list)
    transcodes_undone: list[str] = field(default_factory=list)
    missing_held_back: MissingHeldBack | None = None

    @property
    def cleaned(self) -> bool:
        """Leftovers of a crash were removed or written again."""
        return bool(
            self.orphans_removed
            or self.temporary_removed
            or self.deletions_finished
            or self.sidecars_recreated
            or self.sidecars_replaced
            or self.partials_removed
            or self.transcodes_finished
            or self.transcodes_undone
        )

    @property
    def fixed(self) -> bool:
        """Something was wrong and has been put right."""
        return bool(
            self.repaired or self.indexed or self.missing or self.found or self.calls_rebuilt
        ) or self.cleaned

    @property
    def clean(self) -> bool:
        """Nothing needed doing, and nothing is left for a person."""
        return not (self.fixed or self.damaged or self.missing_held_back)


def reconcile(
    store: Store,
    root: Path,
    *,
    set_aside: Path | None = None,
    accept_missing: bool = False,
    report: ReconcileReport | None = None,
) -> ReconcileReport:
    """Make the files and the index agree, both ways, after a crash or a restore.

    Files still marked "recording" are repaired; files the index lacks are
    added from their sidecars (with their call, if the database lost it), or
    from their WAV header when they have none; missing sidecars are written
    again from the index (an unreadable one is first moved to ``set_aside``,
    under its path in ``root``, or renamed ``<name>.json.unreadable`` beside
    itself); index rows whose file is gone are marked "missing", never
    deleted, unless so many are gone that a disk must be missing
    (``accept_missing`` marks them all the same). A file that cannot be
    repaired or read is reported as damaged and left as it is, for a person
    to look at.
    """
    report = report if report is not None else ReconcileReport()
    report.temporary_removed += remove_temporary_sidecars(root)
    pairs = settle_pairs(store, root)
    report.partials_removed += pairs.partials_removed
    report.transcodes_finished += pairs.finished
    report.transcodes_undone += pairs.undone
    work = _Pass(store, root, set_aside, report, CallRebuilder(store))
    on_disk = set()
    for wav_path in recording_files(root):
        relative = wav_path.relative_to(root).as_posix()
        try:
            if _reconcile_file(work, relative, wav_path):
                on_disk.add(relative)
        except RecordingError as error:
            on_disk.add(relative)
            report.damaged.append(str(error))
        except OSError as error:  # unreadable (permissions, a failing card): no traceback
            on_disk.add(relative)
            report.damaged.append(f"{wav_path}: cannot read: {error.strerror or error}")
    report.calls_rebuilt += work.calls.rebuilt
    expected = [row for row in store.recordings() if row.state not in ("missing", "deleted")]
    gone = [row for row in expected if row.path not in on_disk]
    if not accept_missing and len(gone) > MISSING_HANDFUL and len(gone) > MISSING_SHARE * len(
        expected
    ):
        report.missing_held_back = MissingHeldBack(len(gone), len(expected))
        return report
    for row in gone:
        store.set_recording_state(row.id, "missing")
        report.missing.append(row.path)
    return report


def remove_temporary_sidecars(root: Path) -> list[str]:
    """Remove the temporary files of sidecar writes a crash cut short; return them."""
    removed = []
    if not root.is_dir():
        return removed
    for path in sorted(root.glob("*/*/*/.*")):
        if TEMPORARY_SIDECAR.match(path.name) and path.is_file():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed.append(path.relative_to(root).as_posix())
    return removed


@dataclass
class _Pass:
    """What one reconcile pass works with."""

    store: Store
    root: Path
    set_aside: Path | None
    report: ReconcileReport
    calls: CallRebuilder


def _reconcile_file(work: _Pass, relative: str, wav_path: Path) -> bool:
    """Settle one file; False if it was an empty leftover and is gone now."""
    store, report = work.store, work.report
    row = store.recording_by_path(relative)
    if row is not None and row.state == "deleted":
        # Retention wrote the tombstone, then was stopped before the file went: finish it.
        sidecar_path(wav_path).unlink(missing_ok=True)
        wav_path.unlink()
        report.deletions_finished.append(relative)
        return False
    if row is None and deleted_sibling(store, work.root, wav_path):
        # The other file of a recording retention deleted while it was being compressed.
        sidecar_path(wav_path).unlink(missing_ok=True)
        wav_path.unlink()
        report.deletions_finished.append(relative)
        return False
    if wav_path.suffix != ".wav":
        return _reconcile_stored_file(work, relative, wav_path, row)
    facts, unreadable = _sidecar_facts(work, relative, wav_path)
    if row is None and _holds_no_audio(wav_path):
        # A kill between creating the file and indexing it: nothing was recorded.
        sidecar_path(wav_path).unlink(missing_ok=True)  # first, so no sidecar is left alone
        wav_path.unlink()
        report.orphans_removed.append(relative)
        return False
    unfinished = (facts is not None and facts.state not in FINISHED) or (
        row is not None and row.state == "recording"
    )
    result = None
    if unfinished or (facts is None and row is None) or wav_path.stat().st_size == 0:
        result = repair(wav_path, encoding=row.encoding if row is not None else None)
        if unfinished or result.changed:
            report.repaired.append(relative)
        if facts is not None:
            facts, _ = _sidecar_facts(work, relative, wav_path)  # repair brought it up to date
    if row is None:
        row = _index(work, relative, wav_path, facts, result)
        report.indexed.append(relative)
    else:
        row = _settle_row(work, row, facts, result)
    if facts is None:
        _write_sidecar_from_row(store, wav_path, row)
        if unreadable is None:
            report.sidecars_recreated.append(relative)
        else:
            report.sidecars_replaced.append(unreadable)
    return True


def _sidecar_facts(
    work: _Pass, relative: str, wav_path: Path
) -> tuple[SidecarFacts | None, str | None]:
    """The sidecar's facts, or None; an unreadable sidecar is set aside and said why."""
    try:
        document = load_sidecar(wav_path)
        return (read_facts(document, sidecar_path(wav_path)) if document else None), None
    except SidecarError as error:
        kept = _set_sidecar_aside(work, relative, wav_path)
        return None, f"{error}; kept at {kept}"


def _set_sidecar_aside(work: _Pass, relative: str, wav_path: Path) -> Path:
    sidecar = sidecar_path(wav_path)
    if work.set_aside is None:
        target = sidecar.with_name(sidecar.name + ".unreadable")
    else:
        target = work.set_aside / Path(relative).with_suffix(".json")
    if target.exists():
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = target.with_name(f"{target.name}.{stamp}")
    make_folders(target.parent)
    shutil.move(sidecar, target)  # the recordings may be on another disk than the data folder
    return target


def _holds_no_audio(wav_path: Path) -> bool:
    """An empty file, or a header with not one sample after it."""
    if wav_path.stat().st_size == 0:
        return True
    try:
        return inspect_wav(wav_path).samples == 0
    except RecordingError:
        return False  # no header we know: reported as damaged, not removed


def _index(
    work: _Pass,
    relative: str,
    wav_path: Path,
    facts: SidecarFacts | None,
    result: RepairResult | None,
) -> RecordingRecord:
    """A file the index lacks, added from its sidecar, or from its header alone."""
    info = inspect_wav(wav_path)  # the header is the truth for the encoding
    samples = result.samples if result is not None else info.samples
    if result is not None:
        sha256 = result.sha256
    elif facts is not None and facts.sha256 and facts.samples == samples:
        sha256 = facts.sha256
    else:
        sha256 = file_sha256(wav_path)
    line = (facts.line if facts is not None else None) or line_from_name(wav_path.name)
    started_at = _recording_start(facts, wav_path, samples)
    ended_at = started_at + samples / SAMPLE_RATE
    if result is not None and result.changed:
        state = "repaired"
    elif facts is None:
        state = "complete"
    else:
        state = facts.state if facts.state in FINISHED else "repaired"
    call_id = None
    if facts is not None:
        call_id = work.calls.link(facts.call, line, started_at, ended_at)
    recording_id = work.store.add_recording(
        line=line,
        path=relative,
        encoding=info.encoding,
        started_at=started_at,
        call_id=call_id,
        state=state,
        ended_at=ended_at,
        samples=samples,
        sha256=sha256,
    )
    restore_marks(work.store, recording_id, facts)
    return work.store.recording(recording_id)


def _recording_start(facts: SidecarFacts | None, wav_path: Path, samples: int) -> float:
    """When a recording the index lacks began: its sidecar's own start; for a version 1
    sidecar its end less its length; else the time in its name; else the sidecar's
    start (the call's, in version 1); else the file's last change less its length."""
    if facts is not None and facts.started_at is not None:
        return facts.started_at
    named = start_from_name(wav_path.name)
    if named is not None:
        return named
    if facts is not None and facts.call_started_at is not None:
        return facts.call_started_at
    return wav_path.stat().st_mtime - samples / SAMPLE_RATE


def _settle_row(
    work: _Pass, row: RecordingRecord, facts: SidecarFacts | None, result: RepairResult | None
) -> RecordingRecord:
    """An indexed file: finished after a repair, or found again after being missing."""
    store = work.store
    if result is not None and (row.state == "recording" or result.changed):
        if facts is not None and facts.state == "complete" and not result.changed:
            # The file was closed; only the index's last word was lost.
            state, ended_at = "complete", facts.ended_at
        else:
            state, ended_at = "repaired", None
        store.finish_recording(
            row.id,
            ended_at=ended_at or row.started_at + result.samples / SAMPLE_RATE,
            samples=result.samples,
            sha256=result.sha256,
            state=state,
        )
    elif row.state == "missing":
        state = facts.state if facts is not None and facts.state in FINISHED else "complete"
        store.set_recording_state(row.id, state)
        work.report.found.append(row.path)
    return store.recording(row.id)


def _write_sidecar_from_row(store: Store, wav_path: Path, row: RecordingRecord) -> None:
    """A version 2 sidecar written from the index row and its call (with its stored file's
    facts once it is compressed)."""
    write_json_atomically(sidecar_path(wav_path), sidecar_from_row(store, row))


def _reconcile_stored_file(
    work: _Pass, relative: str, path: Path, row: RecordingRecord | None
) -> bool:
    """An Ogg Opus file that replaced a recording's WAV after the call: indexed from its
    sidecar when the index lacks it, found again when marked missing, its sidecar written
    again from the index when missing or behind it. True: it stays on the disk."""
    store, report = work.store, work.report
    facts, unreadable = _sidecar_facts(work, relative, path)
    named = StoredFacts.from_document(facts.stored) if facts is not None else None
    if row is None:
        row = _index_stored(work, relative, path, facts, named)
        if row is None:
            return True
    elif row.state == "missing":
        state = facts.state if facts is not None and facts.state in FINISHED else "complete"
        store.set_recording_state(row.id, state)
        report.found.append(row.path)
        row = store.recording(row.id)
    if facts is None or named != stored_facts_of(row):
        _write_sidecar_from_row(store, path, row)
        if unreadable is not None:
            report.sidecars_replaced.append(unreadable)
        else:
            report.sidecars_recreated.append(relative)
    return True


def _index_stored(
    work: _Pass, relative: str, path: Path, facts: SidecarFacts | None,
    named: StoredFacts | None,
) -> RecordingRecord | None:
    """An Ogg Opus file the index lacks: the row a power cut left on its old file pointed
    at it again, or a row added from its sidecar; None (reported damaged) when it is not
    whole or its sidecar does not describe it."""
    store, report = work.store, work.report
    if is_encrypted(path):
        # No key here: whole when its SHA-256 is the sidecar's.
        if named is None or not named.encrypted or file_sha256(path) != named.sha256:
            report.damaged.append(
                f"{path}: an encrypted recording the index lacks, without a sidecar whose "
                "SHA-256 it has; left as it is")
            return None
    else:
        try:
            ogg_opus_info(path)
        except StoredFileError as error:
            report.damaged.append(str(error))
            return None
    if (facts is None or named is None or named.file != path.name
            or facts.encoding not in ENCODINGS or facts.samples is None):
        report.damaged.append(
            f"{path}: a compressed recording the index lacks, without a sidecar that "
            "describes it (its call and its original are unknown); left as it is"
        )
        return None
    sibling = sibling_row(store, work.root, path)
    if sibling is not None:
        adopted = None
        if not (work.root / sibling.path).exists():
            adopted = adopt(store, work.root, sibling, path, named)
        if adopted is None:
            report.damaged.append(
                f"{path}: another file of recording {sibling.id} ({sibling.path}), and neither "
                "is whole as the index and the sidecar say; both are left for a person"
            )
            return None
        report.transcodes_finished.append(relative)
        return adopted
    line = facts.line or line_from_name(path.name)
    started_at = _recording_start(facts, path, facts.samples)
    ended_at = facts.ended_at or started_at + facts.samples / SAMPLE_RATE
    recording_id = store.add_recording(
        line=line,
        path=relative,
        encoding=facts.encoding,
        started_at=started_at,
        call_id=work.calls.link(facts.call, line, started_at, ended_at),
        state=facts.state if facts.state in FINISHED else "repaired",
        ended_at=ended_at,
        samples=facts.samples,
        sha256=facts.sha256,
    )
    with store.transaction() as connection:
        record_stored(connection, recording_id, relative, named)
    restore_marks(store, recording_id, facts)
    report.indexed.append(relative)
    return store.recording(recording_id)
