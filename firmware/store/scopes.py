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


@dataclass(frozen=True)
class MessageScope:
    """Text messages of every number, or those of the customers the reader sees
    (``owners``), of the numbers of the calls they see (``lines``), and those the listed
    users queued (``senders``)."""

    everything: bool = False
    owners: OwnerScope = OwnerScope()
    lines: LineScope = LineScope()
    senders: frozenset[int] = frozenset()

    def condition(self, alias: str, *, sent: bool = True) -> tuple[str, list[object]]:
        """A SQL condition on a message table's row ``alias`` (a trusted alias of
        sms_outbox, or sms_inbox with ``sent`` False) and its parameters."""
        if self.everything:
            return "1", []
        owners, owner_values = self.owners.condition("added_by")
        lines, line_values = self.lines.condition("line")
        parts = [
            f"{alias}.customer_id IN (SELECT id FROM customers WHERE {owners})",
            f"{alias}.number_e164 IN (SELECT number_e164 FROM calls WHERE {lines})",
            f"{alias}.number IN (SELECT number FROM calls WHERE {lines})",
        ]
        values: list[object] = [*owner_values, *line_values, *line_values]
        if sent:
            senders, sender_values = _one_of(f"{alias}.queued_by", False, self.senders)
            parts.append(senders)
            values += sender_values
        return "(" + " OR ".join(parts) + ")", values


EVERY_MESSAGE = MessageScope(everything=True)
