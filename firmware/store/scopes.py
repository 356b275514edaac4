"""What a query may return: whose customers and contact records, which lines' calls.

The web UI decides a user's scopes from their level, group and permission
flags (``webui.permissions``); the store turns a scope into a SQL condition,
so rows a user may not see are never read, and counting and paging stay
correct.
"""

from __future__ import annotations

from dataclasses import dataclass


def _one_of(column: str, anything: bool, values: frozenset[int]) -> tuple[str, list[object]]:
    """``column`` is any value (``anything``), else one of ``values``: none when empty."""
    if anything:
        return "1", []
    if not values:
        return "0", []
    marks = ", ".join("?" for _ in values)
    return f"{column} IN ({marks})", sorted(values)


@dataclass(frozen=True)
class OwnerScope:
    """Customers and contact records of everyone, or only those the listed users added."""

    everyone: bool = False
    added_by: frozenset[int] = frozenset()

    def condition(self, column: str) -> tuple[str, list[object]]:
        """A SQL condition on ``column`` (a trusted column name) and its parameters."""
        return _one_of(column, self.everyone, self.added_by)

    def allows(self, added_by: int | None) -> bool:
        return self.everyone or (added_by is not None and added_by in self.added_by)


@dataclass(frozen=True)
class LineScope:
    """Calls and recordings of every line, or only of the listed lines."""

    every_line: bool = False
    lines: frozenset[int] = frozenset()

    def condition(self, column: str) -> tuple[str, list[object]]:
        """A SQL condition on ``column`` (a trusted column name) and its parameters."""
        return _one_of(column, self.every_line, self.lines)

    def allows(self, line: int) -> bool:
        return self.every_line or line in self.lines


EVERYTHING = OwnerScope(everyone=True)
EVERY_LINE = LineScope(every_line=True)
