"""The satisfaction survey's figures: ratings counted per day, per line and per operator.

A call's rating is ``calls.survey`` (1 very satisfied ... 5 very dissatisfied,
as the survey's prompt says), kept by the engine. Its operator is who handed
the caller to the survey from the web (``calls.survey_by``, set by
``handed_over``); for a survey started with the key code on the phone, the
one user the line is associated with, when there is exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from firmware.store.db import Store
from firmware.store.scopes import LineScope

RATINGS = (1, 2, 3, 4, 5)


@dataclass
class Tally:
    """Ratings of one group of calls."""

    key: object  # the day (YYYY-MM-DD), the line, or the operator's id (None: unknown)
    label: str = ""
    counts: dict[int, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def average(self) -> float | None:
        total = self.total
        return sum(k * n for k, n in self.counts.items()) / total if total else None

    @property
    def satisfied_share(self) -> float | None:
        """Ratings of 1 or 2 (satisfied or very satisfied), as a share of all."""
        total = self.total
        return (self.counts[1] + self.counts[2]) / total if total else None


@dataclass
class SurveyFigures:
    overall: Tally
    by_day: list[Tally]
    by_line: list[Tally]
    by_operator: list[Tally]


# A call's operator: who handed it over, else the line's one associated user.
_OPERATOR = """
    COALESCE(calls.survey_by, (
        SELECT min(user_id) FROM user_lines WHERE user_lines.line = calls.line
        HAVING count(*) = 1))
"""


class Surveys:
    def __init__(self, store: Store) -> None:
        self.store = store

    def handed_over(self, call_id: int, user_id: int) -> None:
        """``user_id`` handed the caller of ``call_id`` to the survey (from the web)."""
        with self.store.transaction() as connection:
            connection.execute("UPDATE calls SET survey_by = ? WHERE id = ?", (user_id, call_id))

    def figures(
        self, scope: LineScope, since: float, until: float, utc_offset_s: int
    ) -> SurveyFigures:
        """Ratings of the calls started in [since, until) on the lines of ``scope``; days
        are the box's local days (``utc_offset_s`` east of UTC)."""
        condition, parameters = scope.condition("calls.line")
        rows = self.store.connection().execute(
            f"""
            SELECT date(calls.started_at + ?, 'unixepoch'), calls.line, {_OPERATOR},
                   users.display_name, users.username, calls.survey, count(*)
            FROM calls
            LEFT JOIN users ON users.id = {_OPERATOR}
            WHERE calls.survey IS NOT NULL AND calls.started_at >= ? AND calls.started_at < ?
              AND {condition}
            GROUP BY 1, 2, 3, 6
            """,
            (utc_offset_s, since, until, *parameters),
        ).fetchall()
        overall = Tally("all")
        days: dict[str, Tally] = {}
        lines: dict[int, Tally] = {}
        operators: dict[int | None, Tally] = {}
        for day, line, operator, display_name, username, rating, count in rows:
            for tally in (
                overall,
                days.setdefault(day, Tally(day, day)),
                lines.setdefault(line, Tally(line)),
                operators.setdefault(operator, Tally(operator, display_name or username or "")),
            ):
                tally.counts[rating] += count
        return SurveyFigures(
            overall,
            sorted(days.values(), key=lambda t: t.key, reverse=True),
            sorted(lines.values(), key=lambda t: t.key),
            sorted(operators.values(), key=lambda t: (t.key is None, t.label.lower())),
        )
