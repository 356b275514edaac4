"""Reading the call log for people: a number's recent calls, and the recordings of calls.

Every query takes a ``LineScope``: calls of lines the reader may not see are
never read.
"""

from __future__ import annotations

from firmware.store.db import CALL_FIELDS, RECORDING_FIELDS, CallRecord, RecordingRecord, Store
from firmware.store.scopes import LineScope

_CALL_COLUMNS = ", ".join(f"c.{name}" for name in CALL_FIELDS)
_RECORDING_COLUMNS = ", ".join(f"r.{name}" for name in RECORDING_FIELDS)


class CallSearch:
    def __init__(self, store: Store) -> None:
        self.store = store

    def call(self, call_id: int, scope: LineScope) -> CallRecord | None:
        condition, parameters = scope.condition("c.line")
        row = self.store.connection().execute(
            f"SELECT {_CALL_COLUMNS} FROM calls c WHERE c.id = ? AND {condition}",
            (call_id, *parameters),
        ).fetchone()
        return CallRecord(*row) if row else None

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
        """The recordings of each call, oldest first."""
        if not call_ids:
            return {}
        marks = ", ".join("?" for _ in call_ids)
        rows = self.store.connection().execute(
            f"SELECT {_RECORDING_COLUMNS} FROM recordings r WHERE r.call_id IN ({marks}) "
            "ORDER BY r.started_at, r.id",
            call_ids,
        )
        found: dict[int, list[RecordingRecord]] = {call_id: [] for call_id in call_ids}
        for row in rows:
            record = RecordingRecord(*row)
            found[record.call_id].append(record)
        return found
