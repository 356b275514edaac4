"""Reading the call log for people: searches, a number's recent calls, the recordings.

Every query takes a ``LineScope``: calls of lines the reader may not see are
never read. Searches (``CallFilter``, ``RecordingFilter`` in
``firmware.store.call_filter``) come back a page at a time, newest first
unless asked otherwise, with a count that stops at ``COUNT_CAP`` so that a
page of a million-call log costs what the page shows, not what it skips.
Customer names shown beside calls come only from customers the reader may
see (an ``OwnerScope``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from firmware.store.call_filter import (
    CallFilter,
    RecordingFilter,
    call_conditions,
    recording_conditions,
)
from firmware.store.db import CALL_FIELDS, RECORDING_FIELDS, CallRecord, RecordingRecord, Store
from firmware.store.scopes import LineScope, OwnerScope
from firmware.store.search_plan import CALLS, RECORDINGS, WINDOW, PlannedSearch

_CALL_COLUMNS = ", ".join(f"c.{name}" for name in CALL_FIELDS)
_RECORDING_COLUMNS = ", ".join(f"r.{name}" for name in RECORDING_FIELDS)
_RECORDING_ROW_COLUMNS = f"{_RECORDING_COLUMNS}, r.notes, {_CALL_COLUMNS}"

COUNT_CAP = 1000  # a search counts its results up to here ("1,000+")
MAX_PAGE = 500
CALL_SORTS = tuple(CALLS.sorts)
RECORDING_SORTS = tuple(RECORDINGS.sorts)


@dataclass(frozen=True)
class CallRow:
    """A call as the log shows it: its recordings and the customer it belongs to, if visible."""

    call: CallRecord
    recording_ids: tuple[int, ...] = ()
    customer_id: int | None = None
    customer_name: str | None = None


@dataclass(frozen=True)
class RecordingRow:
    """A recording with its call (None if the index lost it), notes, tags and customer."""

    recording: RecordingRecord
    call: CallRecord | None
    notes: str
    tags: tuple[str, ...]
    customer_id: int | None = None
    customer_name: str | None = None


@dataclass(frozen=True)
class Page:
    """One page of a search."""

    rows: list
    offset: int
    limit: int
    has_next: bool
    total: int  # how many matched, counted up to COUNT_CAP
    more_than_total: bool  # more than COUNT_CAP matched

    @property
    def has_previous(self) -> bool:
        return self.offset > 0


def _page_bounds(offset: int, limit: int) -> tuple[int, int]:
    if not 1 <= limit <= MAX_PAGE:
        raise ValueError(f"a page holds 1 to {MAX_PAGE} rows, not {limit}")
    return max(0, int(offset)), int(limit)


def _marks(values: list) -> str:
    return ", ".join("?" for _ in values) or "NULL"


class CallSearch:
    def __init__(self, store: Store, window: int = WINDOW) -> None:
        self.store = store
        self.window = window  # rows a search reads in order before its indexes lead

    def call(self, call_id: int, scope: LineScope) -> CallRecord | None:
        condition, parameters = scope.condition("c.line")
        row = self.store.connection().execute(
            f"SELECT {_CALL_COLUMNS} FROM calls c WHERE c.id = ? AND {condition}",
            (call_id, *parameters),
        ).fetchone()
        return CallRecord(*row) if row else None

    def visible_call_ids(self, call_ids: list[int], scope: LineScope) -> set[int]:
        """Which of ``call_ids`` are calls on lines ``scope`` may see."""
        ids = sorted({call_id for call_id in call_ids if call_id is not None})
        if not ids:
            return set()
        condition, parameters = scope.condition("c.line")
        rows = self.store.connection().execute(
            f"SELECT c.id FROM calls c WHERE c.id IN ({_marks(ids)}) AND {condition}",
            (*ids, *parameters),
        )
        return {call_id for (call_id,) in rows}

    def of_number(
        self,
        number_e164: str | None,
        number: str | None,
        scope: LineScope,
        *,
        limit: int = 5,
        before_id: int | None = None,
    ) -> list[CallRecord]:
        """A number's latest calls (by E.164, or as the line gave it), newest first."""
        condition, parameters = scope.condition("c.line")
        if number_e164:
            match, key = "c.number_e164 = ?", number_e164
        elif number:
            match, key = "c.number = ?", number
        else:
            return []
        extra = ""
        if before_id is not None:
            extra = " AND c.id != ?"
            parameters = [*parameters, before_id]
        rows = self.store.connection().execute(
            f"SELECT {_CALL_COLUMNS} FROM calls c WHERE {match} AND {condition}{extra} "
            "ORDER BY c.started_at DESC, c.id DESC LIMIT ?",
            (key, *parameters, limit),
        )
        return [CallRecord(*row) for row in rows]

    def recordings_of_calls(self, call_ids: list[int]) -> dict[int, list[RecordingRecord]]:
        """The recordings of each call that are kept (not deleted by retention), oldest
        first."""
        if not call_ids:
            return {}
        marks = ", ".join("?" for _ in call_ids)
        rows = self.store.connection().execute(
            f"SELECT {_RECORDING_COLUMNS} FROM recordings r WHERE r.call_id IN ({marks}) "
            "AND r.state != 'deleted' ORDER BY r.started_at, r.id",
            call_ids,
        )
        found: dict[int, list[RecordingRecord]] = {call_id: [] for call_id in call_ids}
        for row in rows:
            record = RecordingRecord(*row)
            found[record.call_id].append(record)
        return found

    # ---- searches ---------------------------------------------------------------------

    def _planned_calls(
        self, search: CallFilter, lines: LineScope, owners: OwnerScope, sort: str,
        descending: bool,
    ) -> PlannedSearch:
        def conditions(indexed: bool) -> tuple[list[str], list[object]]:
            # The line leads only when no number or customer is there to lead.
            plain = indexed and not (search.number or search.customer or search.note)
            scope, parameters = lines.condition("c.line" if plain else "+c.line")
            found, values = call_conditions(search, owners, indexed=indexed)
            return [scope, *found], [*parameters, *values]

        CALLS.columns(sort)  # refuses an unknown sort key
        return PlannedSearch(
            CALLS, _CALL_COLUMNS, conditions, sort, descending, search.since, search.until
        )

    def search_calls(
        self,
        search: CallFilter,
        lines: LineScope,
        owners: OwnerScope,
        *,
        sort: str = "start",
        descending: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """One page of the calls that match ``search`` on lines the reader may see."""
        offset, limit = _page_bounds(offset, limit)
        planned = self._planned_calls(search, lines, owners, sort, descending)
        found = planned.page(
            self.store.connection(), offset, limit, cap=COUNT_CAP, window=self.window
        )
        calls = [CallRecord(*row) for row in found.rows]
        return Page(
            self.call_rows(calls, owners), offset, limit, found.has_next, found.total,
            found.more_than_total,
        )

    def iter_calls(
        self,
        search: CallFilter,
        lines: LineScope,
        owners: OwnerScope,
        *,
        sort: str = "start",
        descending: bool = True,
        limit: int | None = None,
        batch: int = 1000,
    ) -> Iterator[list[CallRow]]:
        """Every matching call (up to ``limit``), in batches: for exports, read as they go."""
        planned = self._planned_calls(search, lines, owners, sort, descending)
        cursor = planned.cursor(self.store.connection(), limit)
        try:
            while rows := cursor.fetchmany(batch):
                yield self.call_rows([CallRecord(*row) for row in rows], owners)
        finally:
            cursor.close()

    def call_rows(self, calls: list[CallRecord], owners: OwnerScope) -> list[CallRow]:
        recordings = self.recording_ids_of_calls([call.id for call in calls])
        customers = self.customers_of_numbers(calls, owners)
        return [
            CallRow(call, recordings.get(call.id, ()), *customers.get(call.id, (None, None)))
            for call in calls
        ]

    def recording_ids_of_calls(self, call_ids: list[int]) -> dict[int, tuple[int, ...]]:
        """The kept recordings of each call (retention's tombstones left out)."""
        if not call_ids:
            return {}
        found: dict[int, list[int]] = {}
        rows = self.store.connection().execute(
            f"SELECT call_id, id FROM recordings WHERE call_id IN ({_marks(call_ids)}) "
            "AND state != 'deleted' ORDER BY started_at, id",
            call_ids,
        )
        for call_id, recording_id in rows:
            found.setdefault(call_id, []).append(recording_id)
        return {call_id: tuple(ids) for call_id, ids in found.items()}

    def customers_of_numbers(
        self, calls: list[CallRecord], owners: OwnerScope
    ) -> dict[int, tuple[int, str]]:
        """For each call, the visible customer with its number: (id, name), by call id.

        A number in E.164 is matched first, then the number as the line gave it;
        among several customers with the number, the one changed last wins.
        """
        e164s = sorted({call.number_e164 for call in calls if call.number_e164})
        raw = sorted({call.number for call in calls if call.number})
        if not e164s and not raw:
            return {}
        visible, parameters = owners.condition("cu.added_by")
        rows = self.store.connection().execute(
            "SELECT n.number_e164, n.number, cu.id, cu.name FROM customer_numbers n "
            "JOIN customers cu ON cu.id = n.customer_id "
            f"WHERE (n.number_e164 IN ({_marks(e164s)}) OR n.number IN ({_marks(raw)})) "
            f"AND {visible} ORDER BY cu.updated_at DESC, cu.id DESC",
            [*e164s, *raw, *parameters],
        )
        by_e164: dict[str, tuple[int, str]] = {}
        by_number: dict[str, tuple[int, str]] = {}
        for e164, number, customer_id, name in rows:
            if e164:
                by_e164.setdefault(e164, (customer_id, name))
            by_number.setdefault(number, (customer_id, name))
        found = {}
        for call in calls:
            match = by_e164.get(call.number_e164 or "") or by_number.get(call.number or "")
            if match:
                found[call.id] = match
        return found

    # ---- recordings ---------------------------------------------------------------------

    def _planned_recordings(
        self, search: RecordingFilter, lines: LineScope, owners: OwnerScope, descending: bool
    ) -> PlannedSearch:
        def conditions(indexed: bool) -> tuple[list[str], list[object]]:
            plain = indexed and not (
                search.calls.number or search.calls.customer or search.calls.note
            )
            scope, parameters = lines.condition("r.line" if plain else "+r.line")
            found, values = recording_conditions(search, owners, indexed=indexed)
            return [scope, *found], [*parameters, *values]

        return PlannedSearch(
            RECORDINGS, _RECORDING_ROW_COLUMNS, conditions, "start", descending,
            search.calls.since, search.calls.until,
        )

    def search_recordings(
        self,
        search: RecordingFilter,
        lines: LineScope,
        owners: OwnerScope,
        *,
        descending: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> Page:
        """One page of the recordings that match ``search`` on lines the reader may see,
        newest first (or oldest)."""
        offset, limit = _page_bounds(offset, limit)
        planned = self._planned_recordings(search, lines, owners, descending)
        found = planned.page(
            self.store.connection(), offset, limit, cap=COUNT_CAP, window=self.window
        )
        return Page(
            self._recording_rows(found.rows, owners), offset, limit, found.has_next,
            found.total, found.more_than_total,
        )

    def iter_recordings(
        self,
        search: RecordingFilter,
        lines: LineScope,
        owners: OwnerScope,
        *,
        limit: int | None = None,
        batch: int = 500,
    ) -> Iterator[list[RecordingRow]]:
        """Every matching recording (up to ``limit``), oldest first, in batches."""
        planned = self._planned_recordings(search, lines, owners, descending=False)
        cursor = planned.cursor(self.store.connection(), limit)
        try:
            while rows := cursor.fetchmany(batch):
                yield self._recording_rows(rows, owners)
        finally:
            cursor.close()

    def recording_totals(
        self, search: RecordingFilter, lines: LineScope, owners: OwnerScope
    ) -> tuple[int, int]:
        """How many recordings match, and their audio in samples (for export limits)."""
        conditions, parameters = self._planned_recordings(search, lines, owners, True).conditions(
            True
        )
        count, samples = self.store.connection().execute(
            f"SELECT count(*), coalesce(sum(r.samples), 0) FROM {RECORDINGS.from_clause()} "
            f"WHERE {' AND '.join(conditions)}",
            parameters,
        ).fetchone()
        return count, samples

    def recording(
        self, recording_id: int, lines: LineScope, owners: OwnerScope
    ) -> RecordingRow | None:
        """The recording, if it exists on a line the reader may see (a tombstone too: its
        page says when and why retention deleted it)."""
        scope, parameters = lines.condition("r.line")
        row = self.store.connection().execute(
            f"SELECT {_RECORDING_ROW_COLUMNS} FROM recordings r "
            f"LEFT JOIN calls c ON c.id = r.call_id WHERE r.id = ? AND {scope}",
            (recording_id, *parameters),
        ).fetchone()
        return self._recording_rows([row], owners)[0] if row else None

    def _recording_rows(self, rows: list[tuple], owners: OwnerScope) -> list[RecordingRow]:
        width = len(RECORDING_FIELDS)
        recordings = [(RecordingRecord(*row[:width]), row[width]) for row in rows]
        calls = [
            CallRecord(*row[width + 1 :]) if row[width + 1] is not None else None for row in rows
        ]
        tags = self.tags_of([recording.id for recording, _ in recordings])
        customers = self.customers_of_numbers([call for call in calls if call], owners)
        found = []
        for (recording, notes), call in zip(recordings, calls, strict=True):
            customer = customers.get(call.id, (None, None)) if call else (None, None)
            found.append(
                RecordingRow(recording, call, notes, tags.get(recording.id, ()), *customer)
            )
        return found

    def tags_of(self, recording_ids: list[int]) -> dict[int, tuple[str, ...]]:
        if not recording_ids:
            return {}
        found: dict[int, list[str]] = {}
        rows = self.store.connection().execute(
            "SELECT recording_id, tag FROM recording_tags "
            f"WHERE recording_id IN ({_marks(recording_ids)}) ORDER BY tag",
            recording_ids,
        )
        for recording_id, tag in rows:
            found.setdefault(recording_id, []).append(tag)
        return {recording_id: tuple(tags) for recording_id, tags in found.items()}
