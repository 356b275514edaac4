"""Call figures for the dashboard and the reports: calls in and out, answered and missed,
waits, talk and the callers' ratings, per hour, day or week of the box's local time and per
line, on the lines a reader may see.

The figures are sums, so a day is its hours' sums and an operator their lines'. They come
from ``call_hours`` (the migration "call figures" in ``firmware.store.schema``): every call
counted in the UTC hour it started in and its line, kept in step with the call log by
triggers. The table's hours start where the box's local hours do: its phase is the box's
offset from UTC modulo an hour (0 in most of the world, 30 minutes at +5:30 or -3:30, 45 at
+5:45), so a local hour is one row and a year of a busy office some 70,000 rows summed in
SQL. When the box's time zone moves to another phase, ``rephase`` counts the table again
from the calls, once (the first report after the change does it if nothing did before).

What is counted:

- ``calls_in``, ``calls_out``: every call, ringing or in progress too;
- ``answered_in``, ``answered_out``, ``missed`` (incoming calls nobody answered),
  ``blocked`` (by the call firewall);
- waits: an incoming answered call's ring before the answer (``wait_ms`` over ``waited``
  calls); talk: an answered call's length (``talk_ms`` over ``talked``);
- ratings: the satisfaction survey's key, 1 (very satisfied) to 5.

Standard library only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.scopes import LineScope

log = logging.getLogger(__name__)

HOUR_S = 3600
DAY_S = 86400
PERIODS = ("hour", "day", "week")
WEEKDAYS = 7
HOURS = 24

FIGURES = (
    "calls_in", "calls_out", "answered_in", "answered_out", "missed", "blocked",
    "wait_ms", "waited", "talk_ms", "talked", "rating_sum", "ratings",
)

# One call's figures, from the calls themselves (the triggers of ``call_hours`` count the
# same; tests/test_call_figures.py holds the two to each other).
_PER_CALL = {
    "calls_in": "c.direction = 'in'",
    "calls_out": "c.direction = 'out'",
    "answered_in": "c.direction = 'in' AND c.outcome = 'answered'",
    "answered_out": "c.direction = 'out' AND c.outcome = 'answered'",
    "missed": "c.direction = 'in' AND c.outcome = 'missed'",
    "blocked": "c.outcome = 'blocked'",
    "wait_ms": "CASE WHEN c.direction = 'in' AND c.outcome = 'answered' "
               "AND c.answered_at IS NOT NULL "
               "THEN CAST(round(max(c.answered_at - c.started_at, 0) * 1000) AS INTEGER) "
               "ELSE 0 END",
    "waited": "c.direction = 'in' AND c.outcome = 'answered' AND c.answered_at IS NOT NULL",
    "talk_ms": "CASE WHEN c.outcome = 'answered' AND c.duration_s IS NOT NULL "
               "THEN CAST(round(max(c.duration_s, 0) * 1000) AS INTEGER) ELSE 0 END",
    "talked": "c.outcome = 'answered' AND c.duration_s IS NOT NULL",
    "rating_sum": "coalesce(c.survey, 0)",
    "ratings": "c.survey IS NOT NULL",
}
# The first local hour of a period, from ``h``, the local hour (hours since 1970-01-01
# 00:00 local): days start at midnight, weeks on Monday (1970-01-01 was a Thursday).
_PERIOD_START = {
    "hour": "h",
    "day": "(h / 24) * 24",
    "week": "(h / 24 - (h / 24 + 3) % 7) * 24",
}
_SUMS = ", ".join(f"sum({name})" for name in FIGURES)


@dataclass
class Tally:
    """The figures of a group of calls (sums: tallies add up)."""

    calls_in: int = 0
    calls_out: int = 0
    answered_in: int = 0
    answered_out: int = 0
    missed: int = 0
    blocked: int = 0
    wait_ms: int = 0
    waited: int = 0
    talk_ms: int = 0
    talked: int = 0
    rating_sum: int = 0
    ratings: int = 0

    @classmethod
    def of(cls, values: tuple) -> Tally:
        return cls(*(int(value or 0) for value in values))

    def add(self, other: Tally) -> Tally:
        # Written out: a report adds some thousands of tallies, and a loop over the
        # fields by name costs several times as much.
        self.calls_in += other.calls_in
        self.calls_out += other.calls_out
        self.answered_in += other.answered_in
        self.answered_out += other.answered_out
        self.missed += other.missed
        self.blocked += other.blocked
        self.wait_ms += other.wait_ms
        self.waited += other.waited
        self.talk_ms += other.talk_ms
        self.talked += other.talked
        self.rating_sum += other.rating_sum
        self.ratings += other.ratings
        return self

    @property
    def calls(self) -> int:
        return self.calls_in + self.calls_out

    @property
    def answered(self) -> int:
        return self.answered_in + self.answered_out

    @property
    def answered_share(self) -> float | None:
        """Of the incoming calls that ended answered or missed, the share answered."""
        rung = self.answered_in + self.missed
        return self.answered_in / rung if rung else None

    @property
    def average_wait_s(self) -> float | None:
        return self.wait_ms / 1000 / self.waited if self.waited else None

    @property
    def average_talk_s(self) -> float | None:
        return self.talk_ms / 1000 / self.talked if self.talked else None

    @property
    def average_rating(self) -> float | None:
        return self.rating_sum / self.ratings if self.ratings else None


@dataclass(frozen=True)
class PeriodTally:
    """One line's figures in one period: ``start`` is the period's first moment (Unix)."""

    start: float
    line: int
    tally: Tally


class CallFigures:
    def __init__(self, store: Store) -> None:
        self.store = store

    def phase(self) -> int:
        """Seconds past each whole UTC hour at which ``call_hours``' hours start."""
        return int(self.store.connection().execute(
            "SELECT phase_s FROM call_hours_phase").fetchone()[0])

    def rephase(self, utc_offset_s: int) -> bool:
        """Makes ``call_hours`` count in the local hours of ``utc_offset_s``: when their
        phase differs from the table's, the table is counted again from the calls, in one
        transaction (the engine's new calls wait for it: a few seconds for a million calls,
        once per change of time zone). Says whether it counted."""
        phase = utc_offset_s % HOUR_S
        if phase == self.phase():
            return False
        sums = ", ".join(f"sum({_PER_CALL[name]})" for name in FIGURES)
        with self.store.transaction() as connection:
            if phase == connection.execute("SELECT phase_s FROM call_hours_phase").fetchone()[0]:
                return False  # another request counted it meanwhile
            connection.execute("DELETE FROM call_hours")
            connection.execute("UPDATE call_hours_phase SET phase_s = ?", (phase,))
            connection.execute(
                f"INSERT INTO call_hours (hour, line, {', '.join(FIGURES)}) "
                f"SELECT CAST((c.started_at + ?) / 3600 AS INTEGER), c.line, {sums} "
                "FROM calls c GROUP BY 1, 2",
                (phase,),
            )
        log.info("call figures counted again in hours %d min past UTC hours", phase // 60)
        return True

    def _hours(
        self, scope: LineScope, since: float, until: float, utc_offset_s: int
    ) -> tuple[str, list[object]]:
        """The SQL of the figures per local hour and line in [since, until): columns ``h``
        (the local hour), ``line`` and ``FIGURES``; and its parameters."""
        self.rephase(utc_offset_s)
        phase = utc_offset_s % HOUR_S
        if (since + phase) % HOUR_S or (until + phase) % HOUR_S:
            # A range that does not start and end on local hours: counted from the calls.
            return self._from_calls(scope, since, until, utc_offset_s)
        condition, parameters = scope.condition("line")
        return (
            f"SELECT hour + ? AS h, line, {', '.join(FIGURES)} FROM call_hours "
            f"WHERE hour >= ? AND hour < ? AND {condition}",
            [(utc_offset_s - phase) // HOUR_S, int((since + phase) // HOUR_S),
             int((until + phase) // HOUR_S), *parameters],
        )

    @staticmethod
    def _from_calls(
        scope: LineScope, since: float, until: float, utc_offset_s: int
    ) -> tuple[str, list[object]]:
        """``_hours``' SQL counted from the calls themselves."""
        condition, parameters = scope.condition("c.line")
        sums = ", ".join(f"sum({_PER_CALL[name]}) AS {name}" for name in FIGURES)
        # floor, not CAST's truncation: a negative offset's first hours are before 1970
        return (
            "SELECT CAST((c.started_at + ?) / 3600 AS INTEGER) "
            "- ((c.started_at + ?) < 0) AS h, "
            f"c.line AS line, {sums} FROM calls c "
            f"WHERE c.started_at >= ? AND c.started_at < ? AND {condition} GROUP BY 1, 2",
            [utc_offset_s, utc_offset_s, float(since), float(until), *parameters],
        )

    def by_period(
        self, scope: LineScope, since: float, until: float, utc_offset_s: int, period: str
    ) -> list[PeriodTally]:
        """Each line's figures per ``period`` (hour, day or week), in time order; periods
        and lines without calls left out."""
        if period not in PERIODS:
            raise ValueError(f"a period is one of {PERIODS}, not {period!r}")
        hours, parameters = self._hours(scope, since, until, utc_offset_s)
        rows = self.store.connection().execute(
            f"SELECT {_PERIOD_START[period]} AS first_hour, line, {_SUMS} "
            f"FROM ({hours}) GROUP BY 1, 2 ORDER BY 1, 2",
            parameters,
        )
        return [
            PeriodTally(first_hour * HOUR_S - utc_offset_s, line, Tally.of(values))
            for first_hour, line, *values in rows
        ]

    def by_line(
        self, scope: LineScope, since: float, until: float, utc_offset_s: int
    ) -> dict[int, Tally]:
        """Each line's figures over [since, until)."""
        hours, parameters = self._hours(scope, since, until, utc_offset_s)
        rows = self.store.connection().execute(
            f"SELECT line, {_SUMS} FROM ({hours}) GROUP BY line ORDER BY line", parameters
        )
        return {line: Tally.of(values) for line, *values in rows}

    def busiest_hours(
        self, scope: LineScope, since: float, until: float, utc_offset_s: int
    ) -> list[list[int]]:
        """Calls (in and out) by weekday (Monday first) and local hour of the day:
        ``counts[weekday][hour]``."""
        hours, parameters = self._hours(scope, since, until, utc_offset_s)
        counts = [[0] * HOURS for _ in range(WEEKDAYS)]
        rows = self.store.connection().execute(
            f"SELECT (h / 24 + 3) % 7, h % 24, sum(calls_in + calls_out) FROM ({hours}) "
            "GROUP BY 1, 2",
            parameters,
        )
        for weekday, hour, calls in rows:
            counts[weekday][hour] = int(calls)
        return counts
