"""The SQLite database: connections, migrations, and the call log and recordings index.

One ``Store`` per process; each thread gets its own connection (sqlite3
connections must not cross threads). The database runs in WAL mode with
``synchronous=NORMAL``: a power cut can lose the last transactions, never
corrupt the file, and readers (the web process) never block the writer.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from firmware.errors import LinerecError
from firmware.store.schema import MIGRATIONS

BUSY_TIMEOUT_MS = 5000


class StoreError(LinerecError):
    """The database cannot be used as it is (newer schema, unreadable file)."""


class RefusedChangeError(StoreError, ValueError):
    """A change the store refuses, in one sentence: ``template`` (English, with ``{name}``
    fields) filled from ``values``; the web shows it in the reader's language."""

    def __init__(self, template: str, **values: object) -> None:
        super().__init__(template.format(**values))
        self.template = template
        self.values = values


class NoSuchRowError(StoreError, LookupError):
    """A change names a row that is not there."""


@dataclass(frozen=True)
class CallRecord:
    id: int
    line: int
    direction: str
    outcome: str
    number: str | None
    number_e164: str | None
    name: str | None
    reason_absent: str | None
    cid_format: str | None
    cid_date: str | None
    location_zh: str | None
    location_en: str | None
    carrier_zh: str | None
    carrier_en: str | None
    started_at: float
    answered_at: float | None
    ended_at: float | None
    duration_s: float | None
    notes: str
    survey: int | None = None  # the caller's rating, 1-5, from the satisfaction survey
    # The key of the firewall's rule that blocked the call (outcome "blocked"):
    # black_list, prefix:0898, withheld:P, location:广东, time:<rule id>; None otherwise.
    blocked_by: str | None = None
    # A voice menu's walk through the call (firmware.acts.ivr.Walk.document), as JSON;
    # None when no menu answered it.
    ivr_path: str | None = None


@dataclass(frozen=True)
class RecordingRecord:
    id: int
    call_id: int | None
    line: int
    path: str
    encoding: str
    started_at: float
    ended_at: float | None
    samples: int
    sha256: str | None
    state: str  # recording, complete, repaired, missing, or deleted (by retention)
    protected: bool = False  # under legal hold itself (its call or customer may hold it too)
    deleted_at: float | None = None  # when retention deleted its file
    delete_reason: str | None = None  # why, e.g. "older than 90 days (line 2)"
    backed_up_at: float | None = None  # when a backup last copied its file; None: never
    # The file at ``path`` once it is no longer the original WAV (firmware.store.stored_files):
    # "opus" after compression; sha256, samples and encoding stay the original's.
    stored_format: str = "wav"
    stored_tier: str | None = None  # "standard" or "archive"; None while it is the WAV
    stored_sha256: str | None = None  # of the stored file; None: it is the original (sha256)
    stored_bytes: int | None = None
    stored_bitrate_kbps: float | None = None
    stored_at: float | None = None  # when it was made
    # Encrypted at rest (firmware.archive.crypt): the key's fingerprint, and the SHA-256 of
    # the plaintext (the original WAV's or the Opus file's); stored_sha256 is the encrypted
    # file's. None while the stored file is plain.
    stored_encrypted: str | None = None
    stored_plain_sha256: str | None = None

    @property
    def file_sha256(self) -> str | None:
        """The SHA-256 the file at ``path`` must have: the stored file's, or the original's."""
        if self.stored_format != "wav" or self.stored_encrypted:
            return self.stored_sha256
        return self.sha256


@dataclass(frozen=True)
class RecordingMark:
    """Where in a recording something the box did sounds (the announcement), in seconds
    from its first sample."""

    recording_id: int
    kind: str  # 'announcement'
    start_s: float
    end_s: float


MARK_KINDS = ("announcement",)
CALL_FIELDS = tuple(field.name for field in fields(CallRecord))
RECORDING_FIELDS = tuple(field.name for field in fields(RecordingRecord))
# What the engine may set on a call after it started (id, line, direction never change).
UPDATABLE_CALL_FIELDS = frozenset(CALL_FIELDS) - {"id", "line", "direction"}


def move_position(connection: sqlite3.Connection, table: str, ids: list[int], row_id: int,
                  step: int) -> None:
    """Move ``row_id`` one place up (``step`` < 0) or down among ``ids`` (the rows of
    ``table`` in their order) and number them again in its ``position`` column; at either
    end nothing moves. ``table`` is the caller's own name, never a user's."""
    index = ids.index(row_id)
    other = index + (1 if step > 0 else -1)
    if not 0 <= other < len(ids):
        return
    ids = list(ids)
    ids[index], ids[other] = ids[other], ids[index]
    connection.executemany(f"UPDATE {table} SET position = ? WHERE id = ?",
                           [(place, one) for place, one in enumerate(ids, start=1)])


def schema_version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def migrate(connection: sqlite3.Connection) -> int:
    """Bring the schema up to date, one migration per transaction; return the version."""
    version = schema_version(connection)
    if version > len(MIGRATIONS):
        raise StoreError(
            f"the database schema is version {version}, newer than this software knows "
            f"({len(MIGRATIONS)}); update linerec or restore a backup"
        )
    if version == len(MIGRATIONS):
        return version
    # Foreign keys are off while the schema changes, as SQLite's ALTER TABLE page asks:
    # rebuilding a table drops the old one, which with them on would first delete its
    # rows and so cascade into the tables that refer to it. Before each migration
    # commits they are checked (no more broken references than before it), and at the
    # end set back as they were. (The pragma does nothing inside a transaction, so it
    # is set here, between them.)
    foreign_keys = connection.execute("PRAGMA foreign_keys").fetchone()[0]
    connection.execute("PRAGMA foreign_keys = OFF")
    try:
        for number in range(version + 1, len(MIGRATIONS) + 1):
            _run_migration(connection, number)
    finally:
        connection.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
    return len(MIGRATIONS)


def _run_migration(connection: sqlite3.Connection, number: int) -> None:
    """Migration ``number`` in one transaction: all of it, or nothing on any error."""
    broken_before = len(connection.execute("PRAGMA foreign_key_check").fetchall())
    try:
        # executescript commits a transaction left open before it, never its own.
        connection.executescript(f"BEGIN;\n{MIGRATIONS[number - 1]}")
        broken = connection.execute("PRAGMA foreign_key_check").fetchall()
        if len(broken) > broken_before:
            raise StoreError(
                f"migration {number} would leave rows pointing at rows that are not "
                f"there (table, row, refers to): {[tuple(row[:3]) for row in broken[:5]]}; "
                "the database is left as it was: restore a backup, or report this"
            )
        connection.execute(f"PRAGMA user_version = {number}")
        connection.execute("COMMIT")
    except (sqlite3.Error, StoreError):
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise


class Store:
    """The database file ``path``, migrated on open."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        migrate(self.connection())

    def connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use."""
        connection = getattr(self._local, "connection", None)
        if connection is None:
            try:
                # Used by this thread only; check_same_thread is off so that
                # close() can close every thread's connection at shutdown.
                connection = sqlite3.connect(
                    self.path,
                    timeout=BUSY_TIMEOUT_MS / 1000,
                    isolation_level=None,
                    check_same_thread=False,
                )
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
                connection.execute("PRAGMA foreign_keys = ON")
            except sqlite3.DatabaseError as error:
                raise StoreError(f"{self.path}: cannot open the database: {error}") from error
            self._local.connection = connection
            with self._lock:
                self._connections.append(connection)
        return connection

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error.

        Inside another of this thread's, it is a part of that one (a savepoint): an
        error rolls back the part alone, and what it wrote is kept only when the
        outer one commits. So a record and what belongs to it (a new customer and
        its custom values) are written by their own stores, yet all or nothing."""
        connection = self.connection()
        depth = getattr(self._local, "depth", 0)
        if depth:
            with self._part(connection, f"part_{depth}"):
                self._local.depth = depth + 1
                try:
                    yield connection
                finally:
                    self._local.depth = depth
            return
        connection.execute("BEGIN IMMEDIATE")
        self._local.depth = 1
        try:
            yield connection
        except BaseException:
            # SQLite rolls a transaction back by itself after some errors (a full disk,
            # an I/O error): a second ROLLBACK would hide the error with its own.
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        finally:
            self._local.depth = 0
        try:
            connection.execute("COMMIT")
        except sqlite3.Error:
            if connection.in_transaction:  # the commit could not be written: nothing is kept
                connection.execute("ROLLBACK")
            raise

    @staticmethod
    @contextmanager
    def _part(connection: sqlite3.Connection, name: str) -> Iterator[None]:
        connection.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            if connection.in_transaction:  # not if SQLite rolled the whole back already
                connection.execute(f"ROLLBACK TO {name}")
                connection.execute(f"RELEASE {name}")
            raise
        connection.execute(f"RELEASE {name}")

    def close(self) -> None:
        with self._lock:
            for connection in self._connections:
                connection.close()
            self._connections.clear()
        self._local = threading.local()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _insert(self, table: str, values: dict[str, object]) -> int:
        """One row; the column names come from this module, never from a caller's data."""
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.transaction() as connection:
            cursor = connection.execute(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})", tuple(values.values())
            )
        return int(cursor.lastrowid)

    # ---- calls --------------------------------------------------------------

    def start_call(
        self, line: int, direction: str, started_at: float | None = None, **details: object
    ) -> int:
        """Log a call as it begins (first ring, or off-hook to dial); return its id."""
        values = {"line": line, "direction": direction, "started_at": started_at or time.time()}
        values.update(self._checked_call_fields(details))
        return self._insert("calls", values)

    def update_call(self, call_id: int, **changes: object) -> None:
        """Set fields of a call as they become known (caller ID, answer, digits, end)."""
        values = self._checked_call_fields(changes)
        if not values:
            return
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.transaction() as connection:
            cursor = connection.execute(
                f"UPDATE calls SET {assignments} WHERE id = ?", (*values.values(), call_id)
            )
        if cursor.rowcount != 1:
            raise NoSuchRowError(f"no call with id {call_id}")

    def end_call(self, call_id: int, outcome: str, ended_at: float | None = None) -> None:
        """Close a call: its outcome, end time and duration (from the answer, if any)."""
        ended_at = ended_at or time.time()
        with self.transaction() as connection:
            cursor = connection.execute(
                "UPDATE calls SET outcome = ?, ended_at = ?, "
                "duration_s = CASE WHEN answered_at IS NULL THEN 0 "
                "ELSE max(0, ? - answered_at) END WHERE id = ?",
                (outcome, ended_at, ended_at, call_id),
            )
        if cursor.rowcount != 1:
            raise NoSuchRowError(f"no call with id {call_id}")

    def call(self, call_id: int) -> CallRecord | None:
        row = (
            self.connection()
            .execute(f"SELECT {', '.join(CALL_FIELDS)} FROM calls WHERE id = ?", (call_id,))
            .fetchone()
        )
        return CallRecord(*row) if row else None

    def calls(self, limit: int = 100) -> list[CallRecord]:
        """The latest calls, newest first."""
        rows = self.connection().execute(
            f"SELECT {', '.join(CALL_FIELDS)} FROM calls ORDER BY started_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [CallRecord(*row) for row in rows]

    def close_unfinished_calls(self, ended_at: float) -> int:
        """After a crash: calls left in progress end now, as answered or missed."""
        with self.transaction() as connection:
            cursor = connection.execute(
                "UPDATE calls SET ended_at = ?, "
                "outcome = CASE WHEN answered_at IS NULL THEN "
                "  CASE direction WHEN 'in' THEN 'missed' ELSE 'unanswered' END "
                "  ELSE 'answered' END, "
                "duration_s = CASE WHEN answered_at IS NULL THEN 0 "
                "  ELSE max(0, ? - answered_at) END "
                "WHERE outcome = 'in_progress'",
                (ended_at, ended_at),
            )
        return cursor.rowcount

    def restore_call(
        self, call_id: int | None, line: int, direction: str, started_at: float, **details: object
    ) -> int:
        """A call rebuilt from its recordings' sidecars (the database lost it): under its
        own id ``call_id`` when that is free, so the sidecars stay true; return its id."""
        values = {"line": line, "direction": direction, "started_at": started_at}
        values.update(self._checked_call_fields(details))
        if call_id is not None and self.call(call_id) is None:
            values = {"id": call_id, **values}
        return self._insert("calls", values)

    @staticmethod
    def _checked_call_fields(values: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(values) - UPDATABLE_CALL_FIELDS)
        if unknown:
            raise ValueError(f"not call fields: {unknown}; known: {sorted(UPDATABLE_CALL_FIELDS)}")
        return dict(values)

    # ---- recordings -----------------------------------------------------------

    def add_recording(
        self,
        line: int,
        path: str,
        encoding: str,
        started_at: float,
        *,
        call_id: int | None = None,
        state: str = "recording",
        **details: object,
    ) -> int:
        values = {
            "line": line,
            "path": path,
            "encoding": encoding,
            "started_at": started_at,
            "call_id": call_id,
            "state": state,
        }
        unknown = sorted(set(details) - {"ended_at", "samples", "sha256"})
        if unknown:
            raise ValueError(f"not recording fields: {unknown}")
        values.update(details)
        return self._insert("recordings", values)

    def finish_recording(
        self,
        recording_id: int,
        *,
        ended_at: float,
        samples: int,
        sha256: str,
        state: str = "complete",
    ) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE recordings SET ended_at = ?, samples = ?, sha256 = ?, state = ? "
                "WHERE id = ?",
                (ended_at, samples, sha256, state, recording_id),
            )

    def set_recording_state(self, recording_id: int, state: str) -> None:
        with self.transaction() as connection:
            connection.execute(
                "UPDATE recordings SET state = ? WHERE id = ?", (state, recording_id)
            )

    def add_recording_mark(
        self, recording_id: int, kind: str, start_s: float, end_s: float
    ) -> int:
        """Mark ``start_s``..``end_s`` (seconds into the recording) as ``kind``."""
        if kind not in MARK_KINDS:
            raise ValueError(f"not a mark: {kind!r}; marks: {MARK_KINDS}")
        return self._insert(
            "recording_marks",
            {"recording_id": recording_id, "kind": kind, "start_s": round(start_s, 3),
             "end_s": round(end_s, 3)},
        )

    def recording_marks(self, recording_ids: list[int]) -> list[RecordingMark]:
        """The marks of these recordings, each recording's in the order they sound."""
        if not recording_ids:
            return []
        marks = ", ".join("?" for _ in recording_ids)
        rows = self.connection().execute(
            "SELECT recording_id, kind, start_s, end_s FROM recording_marks "
            f"WHERE recording_id IN ({marks}) ORDER BY recording_id, start_s, id",
            tuple(recording_ids),
        )
        return [RecordingMark(*row) for row in rows]

    def recording(self, recording_id: int) -> RecordingRecord | None:
        row = (
            self.connection()
            .execute(
                f"SELECT {', '.join(RECORDING_FIELDS)} FROM recordings WHERE id = ?",
                (recording_id,),
            )
            .fetchone()
        )
        return RecordingRecord(*row) if row else None

    def recording_by_path(self, path: str) -> RecordingRecord | None:
        row = (
            self.connection()
            .execute(
                f"SELECT {', '.join(RECORDING_FIELDS)} FROM recordings WHERE path = ?", (path,)
            )
            .fetchone()
        )
        return RecordingRecord(*row) if row else None

    def recordings(self, *, include_deleted: bool = False) -> list[RecordingRecord]:
        """The index, oldest first; the rows of recordings that retention deleted (whose
        files are gone on purpose) only with ``include_deleted``."""
        kept = "" if include_deleted else "WHERE state != 'deleted' "
        rows = self.connection().execute(
            f"SELECT {', '.join(RECORDING_FIELDS)} FROM recordings {kept}ORDER BY started_at, id"
        )
        return [RecordingRecord(*row) for row in rows]
