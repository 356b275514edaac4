"""What the database keeps of backups off the box: runs, verified files, requests.

``backup_runs`` holds each run to a target, its progress while it runs and its
outcome after; ``backup_files`` every file a target holds that a run verified
there; ``backup_requests`` the "back up now" the web or the command line asked
for, which the engine's ``backup`` thread takes. A recording's
``backed_up_at`` is set in the same transaction that records its file and
sidecar as verified in a target, never before; so is a voicemail message's,
with its file.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from firmware.store.db import Store

RUN_FIELDS = ("id", "target", "started_at", "finished_at", "outcome", "pid", "files_total",
              "bytes_total", "files_done", "bytes_done", "verified_by", "error")


@dataclass(frozen=True)
class Run:
    id: int
    target: str
    started_at: float
    finished_at: float | None
    outcome: str  # running, verified, failed, interrupted
    pid: int | None
    files_total: int
    bytes_total: int
    files_done: int
    bytes_done: int
    verified_by: str
    error: str | None


@dataclass(frozen=True)
class Sent:
    """A file as it was verified in a target."""

    path: str  # relative to the data folder
    size: int
    mtime_ns: int
    sha256: str
    md5: str


@dataclass(frozen=True)
class TargetResult:
    """A target's latest run and its last verified one, for the status and the web."""

    target: str
    latest: Run | None
    last_success_at: float | None
    files_held: int
    bytes_held: int


def _run(row) -> Run:
    return Run(*row)


def start_run(store: Store, target: str, now: float) -> int:
    """A new run to ``target``. The caller holds the target's lock, so a run of it still
    'running' was left so by a process that ended (a kill, a power cut): it is marked
    interrupted first."""
    with store.transaction() as connection:
        connection.execute(
            "UPDATE backup_runs SET outcome = 'interrupted', finished_at = ?, "
            "error = coalesce(error, 'stopped part-way (the process ended); the next run went "
            "on from there') WHERE target = ? AND outcome = 'running'",
            (now, target),
        )
        cursor = connection.execute(
            "INSERT INTO backup_runs (target, started_at, pid) VALUES (?, ?, ?)",
            (target, now, os.getpid()),
        )
        return int(cursor.lastrowid)


def progress(store: Store, run_id: int, **counts: int | str) -> None:
    allowed = {"files_total", "bytes_total", "files_done", "bytes_done", "verified_by"}
    assert set(counts) <= allowed, counts
    if not counts:
        return
    assignments = ", ".join(f"{name} = ?" for name in counts)
    with store.transaction() as connection:
        connection.execute(
            f"UPDATE backup_runs SET {assignments} WHERE id = ?", (*counts.values(), run_id)
        )


def finish_run(
    store: Store, run_id: int, outcome: str, now: float, error: str | None = None
) -> None:
    with store.transaction() as connection:
        connection.execute(
            "UPDATE backup_runs SET outcome = ?, finished_at = ?, error = ? WHERE id = ?",
            (outcome, now, error, run_id),
        )


def run(store: Store, run_id: int) -> Run | None:
    row = store.connection().execute(
        f"SELECT {', '.join(RUN_FIELDS)} FROM backup_runs WHERE id = ?", (run_id,)
    ).fetchone()
    return _run(row) if row else None


def recent_runs(store: Store, target: str | None = None, limit: int = 20) -> list[Run]:
    where, values = ("WHERE target = ?", (target,)) if target else ("", ())
    rows = store.connection().execute(
        f"SELECT {', '.join(RUN_FIELDS)} FROM backup_runs {where} "
        "ORDER BY started_at DESC, id DESC LIMIT ?",
        (*values, limit),
    ).fetchall()
    return [_run(row) for row in rows]


def results(store: Store, targets: Iterable[str]) -> list[TargetResult]:
    """Each target's latest run, when it was last verified whole, and what it holds."""
    found = []
    connection = store.connection()
    for target in targets:
        latest = recent_runs(store, target, 1)
        success = connection.execute(
            "SELECT max(finished_at) FROM backup_runs WHERE target = ? AND outcome = 'verified'",
            (target,),
        ).fetchone()[0]
        files, size = connection.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM backup_files WHERE target = ?",
            (target,),
        ).fetchone()
        found.append(TargetResult(target, latest[0] if latest else None, success, files, size))
    return found


def verified_files(store: Store, target: str) -> dict[str, Sent]:
    rows = store.connection().execute(
        "SELECT path, size, mtime_ns, sha256, md5 FROM backup_files WHERE target = ?", (target,)
    ).fetchall()
    return {row[0]: Sent(*row) for row in rows}


def mark_verified(
    store: Store,
    target: str,
    files: Iterable[Sent],
    recordings: dict[str, tuple[int, str]],
    now: float,
    *,
    messages: dict[str, tuple[int, str]] | None = None,
) -> tuple[int, int]:
    """Record ``files`` as verified in ``target``, and set ``backed_up_at`` of every
    recording whose file and sidecar are both verified there (``recordings``: the path
    sent, under the data folder -> the recording's id and its path in the index when the
    run read it), and of every voicemail message whose file is (``messages``: the path
    sent -> the message's id and path); one transaction. Returns the numbers of
    recordings and of messages newly marked."""
    files = list(files)
    messages = messages or {}
    marked = messages_marked = 0
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO backup_files (target, path, size, mtime_ns, sha256, md5, verified_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (target, path) DO UPDATE SET "
            "size = excluded.size, mtime_ns = excluded.mtime_ns, sha256 = excluded.sha256, "
            "md5 = excluded.md5, verified_at = excluded.verified_at",
            [(target, f.path, f.size, f.mtime_ns, f.sha256, f.md5, now) for f in files],
        )
        for sent in files:
            if sent.path in messages:
                message_id, path = messages[sent.path]
                messages_marked += connection.execute(
                    "UPDATE voicemails SET backed_up_at = ? WHERE id = ? AND path = ? "
                    "AND backed_up_at IS NULL",
                    (now, message_id, path),
                ).rowcount
            if sent.path not in recordings:
                continue
            recording_id, index_path = recordings[sent.path]
            sidecar = sent.path.rsplit(".", 1)[0] + ".json"
            held = connection.execute(
                "SELECT 1 FROM backup_files WHERE target = ? AND path = ?", (target, sidecar)
            ).fetchone()
            if held is None:
                continue
            # Only while the index still names this very file (the archive worker may have
            # replaced it meanwhile): a file that was never verified is never marked.
            cursor = connection.execute(
                "UPDATE recordings SET backed_up_at = ? WHERE id = ? AND path = ? "
                "AND backed_up_at IS NULL",
                (now, recording_id, index_path),
            )
            marked += cursor.rowcount
    return marked, messages_marked


def forget(store: Store, target: str, paths: Iterable[str]) -> None:
    """The target no longer holds these (or holds them changed): send them again."""
    with store.transaction() as connection:
        connection.executemany(
            "DELETE FROM backup_files WHERE target = ? AND path = ?",
            [(target, path) for path in paths],
        )


def request_now(store: Store, target: str, by: str, now: float) -> None:
    with store.transaction() as connection:
        connection.execute(
            "INSERT INTO backup_requests (target, requested_at, requested_by) VALUES (?, ?, ?) "
            "ON CONFLICT (target) DO UPDATE SET requested_at = excluded.requested_at, "
            "requested_by = excluded.requested_by",
            (target, now, by),
        )


def requests(store: Store) -> dict[str, float]:
    rows = store.connection().execute(
        "SELECT target, requested_at FROM backup_requests"
    ).fetchall()
    return dict(rows)


def take_request(store: Store, target: str) -> None:
    with store.transaction() as connection:
        connection.execute("DELETE FROM backup_requests WHERE target = ?", (target,))


def settle_restored(store: Store, now: float) -> int:
    """After a restore: the runs the snapshot caught 'running' were never finished there."""
    with store.transaction() as connection:
        cursor = connection.execute(
            "UPDATE backup_runs SET outcome = 'interrupted', finished_at = ?, error = "
            "'the database snapshot was taken while this run went on' "
            "WHERE outcome = 'running'",
            (now,),
        )
        connection.execute("DELETE FROM backup_requests")
        return cursor.rowcount


__all__ = [
    "Run",
    "Sent",
    "TargetResult",
    "finish_run",
    "forget",
    "mark_verified",
    "progress",
    "recent_runs",
    "request_now",
    "requests",
    "results",
    "run",
    "settle_restored",
    "start_run",
    "take_request",
    "verified_files",
]
