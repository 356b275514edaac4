"""Making the recording files and the recordings index agree, both ways.

After a crash, a power cut or a restore of the database from a backup, the
files under ``recordings/`` and the rows of the index can disagree: a file
still marked "recording" whose header never caught up, a file the index
does not know, a row whose file is gone. ``reconcile`` settles each of
them; the files are the truth for the audio, the index for what was
deleted on purpose (a row is marked "missing", never removed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from audio_format import SAMPLE_RATE
from firmware.store.db import CALL_FIELDS, Store
from firmware.store.recordings import (
    RecordingError,
    RepairResult,
    file_sha256,
    read_sidecar,
    recording_files,
    repair,
)


@dataclass
class ReconcileReport:
    """What ``reconcile`` found; paths are relative to the recordings folder."""

    repaired: list[str] = field(default_factory=list)  # unfinished files made valid again
    indexed: list[str] = field(default_factory=list)  # files the index did not know
    missing: list[str] = field(default_factory=list)  # index rows whose file is gone
    damaged: list[str] = field(default_factory=list)  # files beyond repair, with why

    @property
    def clean(self) -> bool:
        return not (self.repaired or self.indexed or self.missing or self.damaged)


def reconcile(store: Store, root: Path) -> ReconcileReport:
    """Make the files and the index agree, both ways, after a crash or a restore.

    Files still marked "recording" are repaired; files the index lacks are
    added from their sidecars (with their call, if the database lost it);
    index rows whose file is gone are marked "missing", never deleted.
    A file that cannot be repaired or read is reported as damaged and left
    as it is, for a person to look at.
    """
    report = ReconcileReport()
    on_disk = set()
    for wav_path in recording_files(root):
        relative = wav_path.relative_to(root).as_posix()
        on_disk.add(relative)
        try:
            _reconcile_file(store, relative, wav_path, report)
        except RecordingError as error:
            report.damaged.append(str(error))
        except OSError as error:  # unreadable (permissions, a failing card): no traceback
            report.damaged.append(f"{wav_path}: cannot read: {error.strerror or error}")
    for row in store.recordings():
        if row.path not in on_disk and row.state != "missing":
            store.set_recording_state(row.id, "missing")
            report.missing.append(row.path)
    return report


def _reconcile_file(store: Store, relative: str, wav_path: Path, report: ReconcileReport) -> None:
    sidecar = read_sidecar(wav_path) or {}
    row = store.recording_by_path(relative)
    needs_repair = sidecar.get("state") not in ("complete", "repaired") or (
        row is not None and row.state == "recording"
    )
    result = None
    if needs_repair:
        result = repair(wav_path)
        report.repaired.append(relative)
        sidecar = read_sidecar(wav_path) or sidecar
    if row is None:
        _index_from_sidecar(store, relative, wav_path, sidecar, result)
        report.indexed.append(relative)
    elif result is not None:
        store.finish_recording(
            row.id,
            ended_at=row.started_at + result.samples / SAMPLE_RATE,
            samples=result.samples,
            sha256=result.sha256,
            state="repaired",
        )


def _index_from_sidecar(
    store: Store, relative: str, wav_path: Path, sidecar: dict, result: RepairResult | None
) -> None:
    line = int(sidecar.get("line") or 0) or _line_from_name(wav_path.name)
    started_at = float(sidecar.get("started_at") or wav_path.stat().st_mtime)
    call_id = sidecar.get("call_id")
    if call_id is not None and store.call(int(call_id)) is None:
        call = {key: sidecar[key] for key in CALL_FIELDS if key in sidecar and key != "id"}
        call.setdefault("direction", "in")
        call.setdefault("started_at", started_at)
        call.pop("line", None)
        direction = call.pop("direction")
        call_started = call.pop("started_at")
        call_id = store.start_call(line, direction, call_started, **call)
    samples = result.samples if result else int(sidecar.get("samples") or 0)
    sha256 = result.sha256 if result else sidecar.get("sha256") or file_sha256(wav_path)
    state = "repaired" if result else sidecar.get("state", "complete")
    store.add_recording(
        line=line,
        path=relative,
        encoding=str(sidecar.get("encoding", "pcm16")),
        started_at=started_at,
        call_id=int(call_id) if call_id is not None else None,
        state=state if state in ("complete", "repaired") else "repaired",
        ended_at=started_at + samples / SAMPLE_RATE,
        samples=samples,
        sha256=sha256,
    )


def _line_from_name(name: str) -> int:
    """The line number from a file name such as L3-20261123-101500-42.wav (1 if unreadable)."""
    head = name.split("-", 1)[0]
    return int(head[1:]) if head.startswith("L") and head[1:].isdigit() else 1
