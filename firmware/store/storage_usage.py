"""How the recordings use the disk, for people: totals, the recent daily amount, and when
retention will start deleting (or the disk fill, with retention off).

Sizes come from the index (samples times the encoding's bytes per sample,
or, once a recording is compressed after the call, its ``stored_bytes``),
not from reading every file: a page that shows them stays fast on a card
with tens of thousands of recordings. Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.db import RECORDING_FIELDS, RecordingRecord, Store
from firmware.store.legal_hold import held_sql
from firmware.store.scopes import LineScope

DAY_S = 86400
RATE_DAYS = 7  # the recent past the daily amount is taken over
_AUDIO_BYTES = (
    "coalesce(r.stored_bytes, r.samples * (CASE r.encoding WHEN 'pcm16' THEN 2 ELSE 1 END))"
)
_ON_DISK = "r.state NOT IN ('deleted', 'missing')"


@dataclass(frozen=True)
class DayRecorded:
    day_start: float  # the local midnight that starts the day (Unix time)
    bytes: int


@dataclass(frozen=True)
class RecordingsUsage:
    count: int  # recordings whose files are on the disk
    bytes: int  # their audio
    oldest_started_at: float | None  # the oldest of them
    held: int  # of them, under legal hold
    days: tuple[DayRecorded, ...]  # recorded each of the last RATE_DAYS local days, today last
    per_day: float  # bytes recorded a day, over the last RATE_DAYS days


@dataclass(frozen=True)
class Forecast:
    """When, at the recent daily amount, free space reaches the retention target (retention
    on) or runs out (retention off). Days from now; None: nothing recorded lately, so no
    telling."""

    deleting_now: bool = False  # free space is below the target already
    days_until_retention: float | None = None
    days_until_full: float | None = None  # retention off only


def recordings_usage(store: Store, now: float, utc_offset_s: int) -> RecordingsUsage:
    connection = store.connection()
    count, total, oldest = connection.execute(
        f"SELECT count(*), coalesce(sum({_AUDIO_BYTES}), 0), min(r.started_at) "
        f"FROM recordings r WHERE {_ON_DISK}"
    ).fetchone()
    held = connection.execute(
        "SELECT count(*) FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
        f"WHERE {_ON_DISK} AND {held_sql()}"
    ).fetchone()[0]
    today = int((now + utc_offset_s) // DAY_S)
    first_day = today - RATE_DAYS + 1
    by_day = dict(
        connection.execute(
            f"SELECT CAST((r.started_at + ?) / {DAY_S} AS INTEGER) AS day, sum({_AUDIO_BYTES}) "
            "FROM recordings r WHERE r.started_at >= ? GROUP BY day",
            (utc_offset_s, first_day * DAY_S - utc_offset_s),
        ).fetchall()
    )
    days = tuple(
        DayRecorded(day * DAY_S - utc_offset_s, int(by_day.get(day) or 0))
        for day in range(first_day, today + 1)
    )
    return RecordingsUsage(count, int(total), oldest, held, days, recorded_per_day(store, now))


def recorded_per_day(store: Store, now: float) -> float:
    """Bytes recorded a day, over the last RATE_DAYS days (retention's deletions too: what
    was recorded, not what is left)."""
    recent = store.connection().execute(
        f"SELECT coalesce(sum({_AUDIO_BYTES}), 0) FROM recordings r WHERE r.started_at >= ?",
        (now - RATE_DAYS * DAY_S,),
    ).fetchone()[0]
    return recent / RATE_DAYS


def kept_count(store: Store, scope: LineScope) -> int:
    """How many recordings of the lines of ``scope`` have their files on the disk."""
    condition, parameters = scope.condition("line")
    return store.connection().execute(
        "SELECT count(*) FROM recordings WHERE state NOT IN ('deleted', 'missing') "
        f"AND {condition}",
        parameters,
    ).fetchone()[0]


def forecast(free: int, target: int, per_day: float, retention_on: bool) -> Forecast:
    if retention_on:
        if free < target:
            return Forecast(deleting_now=True, days_until_retention=0.0)
        days = (free - target) / per_day if per_day > 0 else None
        return Forecast(days_until_retention=days)
    return Forecast(days_until_full=free / per_day if per_day > 0 else None)


def recent_deletions(store: Store, limit: int = 20) -> list[RecordingRecord]:
    """The recordings retention deleted last, newest first (their tombstones)."""
    columns = ", ".join(RECORDING_FIELDS)
    rows = store.connection().execute(
        f"SELECT {columns} FROM recordings WHERE state = 'deleted' "
        "ORDER BY deleted_at DESC, id DESC LIMIT ?",
        (limit,),
    )
    return [RecordingRecord(*row) for row in rows]


def size_text(size: float | None) -> str:
    """Bytes as people read them: 1.5 GB, 230 MB, 12 kB (GB of 2**30 bytes, as df -h)."""
    if size is None:
        return "—"
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if abs(size) >= scale:
            value = size / scale
            return f"{value:,.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return f"{int(size)} B"
