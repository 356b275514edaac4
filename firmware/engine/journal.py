"""A line's writes to the store, kept in order until the store takes them.

A line must never stop because the database cannot be written: a full disk,
an I/O error, a lock held too long, a damaged file. ``LineJournal`` takes
every write a line's actions make (a call begun, its caller ID, its end, a
recording added and finished, a mark on it), tries it at once and, if the store refuses,
keeps it, with every later write of the line queued behind it in order. It
tries again from the line's next frames with back-off (half a second,
doubling, at most ``MAX_BACKOFF_S``), so a store that comes back catches up
by itself, and the line goes on detecting, logging and recording meanwhile.

Rows are named by ``Row`` handles: a row written while the store was away
gets its id when it is finally written, and a later write that names it (a
call's end, the call of a recording) waits behind it. A write the store will
never take (a value it refuses: a fault of ours) is logged and dropped, so it
cannot hold the line's later writes back forever. Every problem, and the
store coming back, is told to ``on_problem`` / ``on_recovered`` (the
engine's storage problems).

While the store is away, what is queued lives only in memory: a crash then
loses those rows, but never a recording, whose sidecar lets recovery index it
again at the next start.
"""

from __future__ import annotations

import collections
import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.db import Store, StoreError

log = logging.getLogger(__name__)

FIRST_BACKOFF_S = 0.5
MAX_BACKOFF_S = 30.0
# Errors a retry may cure (the disk fills and empties, a lock is released, a file system
# comes back); anything else from SQLite means the write itself is wrong.
_PERMANENT = (
    sqlite3.IntegrityError,
    sqlite3.ProgrammingError,
    sqlite3.InterfaceError,
    ValueError,
    LookupError,  # a row named that is not there (NoSuchRowError)
)
_PASSING = (sqlite3.DatabaseError, StoreError)


@dataclass(eq=False)
class Row:
    """A row the journal writes; ``id`` is None until the store has taken it."""

    id: int | None = None


def _id(row: Row) -> int:
    """The id of a row written earlier; one whose own write was dropped is a missing row."""
    if row.id is None:
        raise LookupError("its row was never written")
    return row.id


def store_full(error: BaseException) -> bool:
    """Whether a store error means the disk is full (and space must be made)."""
    return getattr(error, "sqlite_errorname", "") == "SQLITE_FULL"


class LineJournal:
    """The store writes of one line, in order; used by the line's worker thread only."""

    def __init__(
        self,
        store: Store,
        line: int,
        *,
        on_problem: Callable[[str, BaseException], None] = lambda what, error: None,
        on_recovered: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.line = line
        self.on_problem = on_problem
        self.on_recovered = on_recovered
        self.clock = clock
        self._waiting: collections.deque[tuple[str, Callable[[], None]]] = collections.deque()
        self._backoff = FIRST_BACKOFF_S
        self._retry_at = 0.0
        self._failing_since: float | None = None

    @property
    def waiting(self) -> int:
        """Writes the store has not taken yet (read from any thread)."""
        return len(self._waiting)

    # ---- the writes ---------------------------------------------------------------

    def start_call(self, direction: str, started_at: float) -> Row:
        call = Row()

        def write() -> None:
            call.id = self.store.start_call(self.line, direction, started_at=started_at)

        self._write("a new call", write)
        return call

    def update_call(self, call: Row, **changes: object) -> None:
        self._write("a call's details", lambda: self.store.update_call(_id(call), **changes))

    def end_call(self, call: Row, outcome: str, ended_at: float) -> None:
        self._write(
            "a call's end", lambda: self.store.end_call(_id(call), outcome, ended_at=ended_at)
        )

    def add_recording(
        self, path: str, encoding: str, started_at: float, call: Row | None
    ) -> Row:
        recording = Row()

        def write() -> None:
            recording.id = self.store.add_recording(
                self.line, path, encoding, started_at, call_id=call.id if call else None
            )

        self._write("a new recording", write)
        return recording

    def finish_recording(self, recording: Row, ended_at: float, samples: int, sha256: str) -> None:
        self._write(
            "a recording's end",
            lambda: self.store.finish_recording(
                _id(recording), ended_at=ended_at, samples=samples, sha256=sha256
            ),
        )

    def add_recording_mark(
        self, recording: Row, kind: str, start_s: float, end_s: float
    ) -> None:
        self._write(
            "a mark on a recording",
            lambda: self.store.add_recording_mark(_id(recording), kind, start_s, end_s),
        )

    def set_recording_state(self, recording: Row, state: str) -> None:
        self._write(
            "a recording's state",
            lambda: self.store.set_recording_state(_id(recording), state),
        )

    def add_voicemail(self, write: Callable[[], None]) -> None:
        """A voicemail message's row (``firmware.engine.voicemail``), behind the call's."""
        self._write("a voicemail message", write)

    # ---- writing, and catching up -------------------------------------------------

    def catch_up(self) -> None:
        """Try the waiting writes again, if their back-off has passed (every frame)."""
        if self._waiting and self.clock() >= self._retry_at:
            self._drain()

    def flush(self) -> None:
        """The line stops: one last try for every waiting write; what is left is lost."""
        if self._waiting:
            self._drain()
        if self._waiting:
            log.error(
                "line %d: %d writes to the call log are lost: the store did not take them "
                "before the line stopped (recordings are indexed again from their sidecars)",
                self.line,
                len(self._waiting),
            )
            self._waiting.clear()

    def _write(self, what: str, write: Callable[[], None]) -> None:
        self._waiting.append((what, write))
        if len(self._waiting) == 1:  # nothing ahead of it: try at once
            self._drain()

    def _drain(self) -> None:
        while self._waiting:
            what, write = self._waiting[0]
            try:
                write()
            except _PERMANENT as error:
                log.error("line %d: %s was not logged: %s", self.line, what, error)
                self.on_problem(what, error)
            except _PASSING as error:
                self._failed(what, error)
                return
            self._waiting.popleft()
        if self._failing_since is not None:
            log.warning(
                "line %d: the store takes writes again after %.1f s",
                self.line,
                self.clock() - self._failing_since,
            )
            self._failing_since = None
            self._backoff = FIRST_BACKOFF_S
            self.on_recovered()

    def _failed(self, what: str, error: BaseException) -> None:
        now = self.clock()
        if self._failing_since is None:
            self._failing_since = now
            log.error(
                "line %d: cannot write %s to the store (%s); the line goes on and the "
                "write is kept until the store takes it",
                self.line,
                what,
                error,
            )
        else:
            self._backoff = min(self._backoff * 2, MAX_BACKOFF_S)
        self._retry_at = now + self._backoff
        self.on_problem(what, error)
