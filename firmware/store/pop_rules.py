"""Each user's own rules for the caller's card: which calls pop it, and when it closes.

The *pop* permission says whether a user may have cards at all and the lines
they see say which calls they could be about; these rules are the user's
choice within that, as a receptionist's desk phone would offer it:

- ``lines``: ``"all"`` the lines they see, or ``"mine"`` only the lines given to
  them (a super user or a group leader sees every line of the office, and most
  of them want cards only for the calls they take themselves);
- ``grades`` and ``categories``: only callers who are customers of these levels
  or in these groups (empty: any);
- ``unknown``: whether a caller who is no customer (or whom they may not see)
  pops a card at all;
- ``close_after_s``: a card closes by itself this long after its call ended
  (0: it stays until closed), unless the user is typing in it.

Standard library only, like the rest of the store.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from firmware.store.db import Store

LINE_CHOICES = ("all", "mine")
CLOSE_AFTER_MAX_S = 3600
MAX_VALUES = 50  # levels or groups in one rule
VALUE_LIMIT = 100


class PopRulesError(ValueError):
    """Rules that cannot be kept; the message says which part is wrong."""


@dataclass(frozen=True)
class PopRules:
    lines: str = "all"
    grades: frozenset[str] = field(default_factory=frozenset)
    categories: frozenset[str] = field(default_factory=frozenset)
    unknown: bool = True
    close_after_s: int = 30

    def __post_init__(self) -> None:
        if self.lines not in LINE_CHOICES:
            raise PopRulesError(f"lines must be one of {', '.join(LINE_CHOICES)}")
        if not 0 <= self.close_after_s <= CLOSE_AFTER_MAX_S:
            raise PopRulesError(f"close_after_s must be 0 to {CLOSE_AFTER_MAX_S}")
        for name in ("grades", "categories"):
            values = getattr(self, name)
            if len(values) > MAX_VALUES or any(len(value) > VALUE_LIMIT for value in values):
                raise PopRulesError(f"{name}: at most {MAX_VALUES} of {VALUE_LIMIT} characters")

    def wants(self, line: int, my_lines: frozenset[int], customers: list) -> bool:
        """Whether a call on ``line`` from ``customers`` (those of the caller's number the
        user may see; none for an unknown caller) pops a card."""
        if self.lines == "mine" and line not in my_lines:
            return False
        if not customers:
            return self.unknown
        return any(
            (not self.grades or customer.grade in self.grades)
            and (not self.categories or customer.category in self.categories)
            for customer in customers
        )


def default_rules(level: str, has_lines: bool) -> PopRules:
    """A user's rules until they choose: a super user, who sees every line, gets cards
    only for the lines given to them, if any are (the admin of a small office who
    answers every line gets them all)."""
    return PopRules(lines="mine" if level == "super" and has_lines else "all")


class PopRulesStore:
    """The rules of every user, in the ``pop_rules`` table (a user without a row has the
    defaults of their level)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def of(self, user_id: int, level: str, has_lines: bool = False) -> PopRules:
        row = self.store.connection().execute(
            "SELECT lines, grades, categories, unknown, close_after_s FROM pop_rules "
            "WHERE user_id = ?",
            (user_id,),
        ).fetchone()
        if row is None:
            return default_rules(level, has_lines)
        try:
            return PopRules(
                lines=row[0],
                grades=frozenset(json.loads(row[1])),
                categories=frozenset(json.loads(row[2])),
                unknown=bool(row[3]),
                close_after_s=int(row[4]),
            )
        except (ValueError, TypeError):  # a row edited by hand: the defaults, not a failure
            return default_rules(level, has_lines)

    def save(self, user_id: int, rules: PopRules) -> None:
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO pop_rules (user_id, lines, grades, categories, unknown, "
                "close_after_s) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
                "lines = excluded.lines, grades = excluded.grades, "
                "categories = excluded.categories, unknown = excluded.unknown, "
                "close_after_s = excluded.close_after_s",
                (
                    user_id,
                    rules.lines,
                    json.dumps(sorted(rules.grades), ensure_ascii=False),
                    json.dumps(sorted(rules.categories), ensure_ascii=False),
                    int(rules.unknown),
                    rules.close_after_s,
                ),
            )
