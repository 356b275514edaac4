"""How a search reads one page of a million-call log quickly, whatever it matches.

A page is the first rows of the result in the order asked for. Two ways
find them, each fast where the other is slow:

1. **A window in order.** Read the first ``window`` rows of the table in the
   page's order through the index that gives that order (within the date
   range, when sorting by time), and test each against the filter. A search
   that matches many calls ("outgoing", "138", "longer than a minute")
   fills its page within the window at once.
2. **The filter's own indexes.** Find the matching rows through the number,
   customer and date indexes and sort them. A search that matches few calls
   ("...8000", one customer) costs what it matches.

The window runs first, and its answer stands when it is certain: the page
(with one more row to know there is a next one) was filled inside the
window, or the window held every row of the range. Otherwise the search
matched too few rows for a window, which is exactly when the second way is
cheap. Either way the rows are the same: both apply the whole filter, in
the same order. Counts stop at ``cap`` ("1,000+").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.sql_terms import date_range

WINDOW = 5000

# The filter as SQL conditions with their parameters, scope included: with
# ``indexed`` True in the form that leads through indexes, otherwise in the
# form that only tests rows read in another order.
Conditions = Callable[[bool], tuple[list[str], list[object]]]


@dataclass(frozen=True)
class Source:
    """A table searched, how it is joined, and the index behind each order it offers."""

    table: str
    alias: str
    joined: str  # the FROM clause; {indexed} is where an INDEXED BY goes
    sorts: dict[str, tuple[tuple[str, ...], str]]  # sort key -> (columns, index in that order)
    start: str = "started_at"  # the column date ranges apply to
    nullable: frozenset[str] = frozenset()  # sort keys whose column may be NULL

    def columns(self, sort: str) -> tuple[str, ...]:
        if sort not in self.sorts:
            raise ValueError(f"cannot sort by {sort!r}; sort by one of {sorted(self.sorts)}")
        return tuple(f"{self.alias}.{column}" for column in (*self.sorts[sort][0], "id"))

    def order(self, sort: str, descending: bool) -> str:
        way = " DESC" if descending else ""
        return ", ".join(f"{column}{way}" for column in self.columns(sort))

    def from_clause(self, index: str | None = None) -> str:
        return self.joined.format(indexed=f" INDEXED BY {index}" if index else "")


CALLS = Source(
    "calls",
    "c",
    "calls c{indexed}",
    {
        "start": (("started_at",), "calls_by_start"),
        "duration": (("duration_s",), "calls_by_duration"),
        "line": (("line", "started_at"), "calls_by_line"),
        "number": (("number",), "calls_by_raw_number"),
    },
    nullable=frozenset({"duration", "number"}),
)
RECORDINGS = Source(
    "recordings",
    "r",
    "recordings r{indexed} LEFT JOIN calls c ON c.id = r.call_id",
    {"start": (("started_at",), "recordings_by_start")},
)


@dataclass(frozen=True)
class PageResult:
    rows: list[tuple]
    has_next: bool
    total: int  # up to the cap
    more_than_total: bool


@dataclass
class PlannedSearch:
    source: Source
    columns: str  # what to select
    conditions: Conditions
    sort: str = "start"
    descending: bool = True
    since: float | None = None  # the date range, which also bounds the window
    until: float | None = None

    def _order(self) -> str:
        return self.source.order(self.sort, self.descending)

    def _range(self) -> tuple[list[str], list[object]]:
        """The date range as conditions on the ordering index (sorting by time only)."""
        if self.sort != "start":
            return [], []
        return date_range(f"{self.source.alias}.{self.source.start}", self.since, self.until)

    def _window_edge(self, connection: sqlite3.Connection, size: int) -> tuple | None:
        """The sort key of the row just past the window, None if the range ends inside it."""
        ranges, parameters = self._range()
        columns = ", ".join(self.source.columns(self.sort))
        index = self.source.sorts[self.sort][1]
        return connection.execute(
            f"SELECT {columns} FROM {self.source.table} {self.source.alias} INDEXED BY {index} "
            f"WHERE {' AND '.join(ranges) or '1'} ORDER BY {self._order()} LIMIT 1 OFFSET ?",
            (*parameters, size),
        ).fetchone()

    def _count(self, connection: sqlite3.Connection, where: str, parameters: list, cap: int
               ) -> int:
        return connection.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.source.from_clause()} WHERE {where} "
            "LIMIT ?)",
            (*parameters, cap + 1),
        ).fetchone()[0]

    def page(
        self,
        connection: sqlite3.Connection,
        offset: int,
        limit: int,
        *,
        cap: int,
        window: int = WINDOW,
    ) -> PageResult:
        size = max(window, 4 * (offset + limit + 1))
        edge = self._window_edge(connection, size)
        whole_range = edge is None
        rows: list[tuple] = []
        found = 0
        page_known = count_known = whole_range
        if whole_range or None not in edge:
            # The window: rows in order from the start of the range up to the edge,
            # read through the ordering index and tested one by one.
            conditions, parameters = self._range()
            if not whole_range:
                columns = self.source.columns(self.sort)
                marks = ", ".join("?" for _ in edge)
                before_edge = f"({', '.join(columns)}) {'>' if self.descending else '<'} ({marks})"
                if not self.descending and self.sort in self.source.nullable:
                    before_edge = f"({before_edge} OR {columns[0]} IS NULL)"  # NULLs sort first
                conditions.append(before_edge)
                parameters.extend(edge)
            checks, check_parameters = self.conditions(False)
            index = self.source.sorts[self.sort][1]
            where = " AND ".join([*conditions, *checks]) or "1"
            parameters = [*parameters, *check_parameters]
            rows = connection.execute(
                f"SELECT {self.columns} FROM {self.source.from_clause(index)} WHERE {where} "
                f"ORDER BY {self._order()} LIMIT ? OFFSET ?",
                (*parameters, limit + 1, offset),
            ).fetchall()
            page_known = page_known or len(rows) > limit
            if page_known:
                found = connection.execute(
                    f"SELECT count(*) FROM (SELECT 1 FROM {self.source.from_clause(index)} "
                    f"WHERE {where} LIMIT ?)",
                    (*parameters, cap + 1),
                ).fetchone()[0]
                count_known = count_known or found > cap
        if not (page_known and count_known):
            # Too few matches in the window for it to answer: the filter's indexes lead.
            conditions, parameters = self.conditions(True)
            where = " AND ".join(conditions) or "1"
            if not page_known:
                rows = connection.execute(
                    f"SELECT {self.columns} FROM {self.source.from_clause()} WHERE {where} "
                    f"ORDER BY {self._order()} LIMIT ? OFFSET ?",
                    (*parameters, limit + 1, offset),
                ).fetchall()
            if not count_known:
                found = self._count(connection, where, parameters, cap)
        return PageResult(rows[:limit], len(rows) > limit, min(found, cap), found > cap)

    def cursor(self, connection: sqlite3.Connection, limit: int | None) -> sqlite3.Cursor:
        """Every matching row in order (up to ``limit``), for exports."""
        conditions, parameters = self.conditions(True)
        where = " AND ".join(conditions) or "1"
        return connection.execute(
            f"SELECT {self.columns} FROM {self.source.from_clause()} WHERE {where} "
            f"ORDER BY {self._order()} LIMIT ?",
            (*parameters, -1 if limit is None else limit),
        )
