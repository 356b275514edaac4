"""What a person searches the call log and the recordings by, and its SQL.

A ``CallFilter`` holds the call-log page's fields; ``call_conditions``
turns it into one SQL condition over the ``calls`` table (alias ``c``) and
the recordings (``r``), so the search reads only the rows it returns.

Numbers are matched as typed, on the number as the line gave it and on its
E.164 form:

- a *prefix* through the two number indexes (a range ``>= text`` and
  ``< text`` with its last character raised by one);
- a *part* of three or more characters through the trigram index
  ``calls_number_search`` (FTS5), so "8000" finds ...138 0013 8000 without
  reading every call; shorter parts fall back to ``LIKE``.

A call's note is matched the same way, on a part of it (a word), through
its own trigram index ``calls_notes_search``.

Each condition also has a form that uses no index, for reading the latest
calls in order and testing each (``firmware.store.search_plan`` picks).

Customers are matched by name, through their numbers, and only among the
customers the reader may see (an ``OwnerScope``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from firmware.store.scopes import OwnerScope
from firmware.store.sql_terms import date_range, like_pattern

DIRECTIONS = ("in", "out")
OUTCOMES = ("answered", "missed", "unanswered", "blocked", "busy", "failed", "in_progress")
NUMBER_MATCHES = ("part", "prefix")
NUMBER_CHARACTERS = re.compile(r"^[0-9+*#]*$")
MIN_TRIGRAM = 3  # the trigram index finds parts of at least this many characters
MAX_TEXT = 64  # longest number or name part searched for
# A call firewall rule's key (calls.blocked_by): black_list, prefix:0898, withheld:P,none,
# location:广东/深圳, time:3.
BLOCKED_RULE = re.compile(r"^[a-z_]+(:[^\x00-\x1f]*)?$")


class FilterError(ValueError):
    """A filter value the search cannot take; the message says which and why."""


def clean_number(text: str) -> str:
    """A number as typed, without the spaces, dashes, dots and brackets people write in it."""
    return re.sub(r"[\s\-().]", "", text)


def _next_text(text: str) -> str:
    """The smallest text after every text that starts with ``text``."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _marks(values: object) -> str:
    return ", ".join("?" for _ in values)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class CallFilter:
    """One search of the call log; empty fields do not filter."""

    since: float | None = None  # calls started at or after (Unix time)
    until: float | None = None  # and before
    lines: frozenset[int] = frozenset()  # these lines only (the reader's scope applies too)
    direction: str | None = None  # "in" or "out"
    outcomes: frozenset[str] = frozenset()
    number: str = ""  # digits, +, * and # as typed
    number_match: str = "part"  # "part": anywhere in the number; "prefix": at its start
    customer: str = ""  # part of a visible customer's name
    min_duration: float | None = None  # seconds of talk
    max_duration: float | None = None
    has_recording: bool | None = None
    note: str = ""  # part of the call's note
    blocked_by: str = ""  # the firewall rule that blocked the call (its key), exactly

    def __post_init__(self) -> None:
        problems = []
        if self.direction not in (None, *DIRECTIONS):
            problems.append(f"direction {self.direction!r} is not one of {DIRECTIONS}")
        unknown = sorted(set(self.outcomes) - set(OUTCOMES))
        if unknown:
            problems.append(f"outcomes {unknown} are not among {OUTCOMES}")
        if self.number_match not in NUMBER_MATCHES:
            problems.append(f"number match {self.number_match!r} is not one of {NUMBER_MATCHES}")
        if not NUMBER_CHARACTERS.match(self.number):
            problems.append(f"number {self.number!r} may hold only digits, +, * and #")
        if len(self.number) > MAX_TEXT or len(self.customer) > MAX_TEXT \
                or len(self.note) > MAX_TEXT:
            problems.append(
                f"a number, name or note to search for is at most {MAX_TEXT} characters"
            )
        if self.blocked_by and (len(self.blocked_by) > MAX_TEXT
                                or not BLOCKED_RULE.match(self.blocked_by)):
            problems.append(f"blocked_by {self.blocked_by[:20]!r} is not a firewall rule's key")
        if any(not isinstance(line, int) or line < 1 for line in self.lines):
            problems.append(f"lines {sorted(self.lines)} must be numbers from 1")
        if problems:
            raise FilterError("; ".join(problems))

    @property
    def is_empty(self) -> bool:
        return self == CallFilter()


@dataclass(frozen=True)
class RecordingFilter:
    """A search of the recordings: the call's fields, and the recording's tags and notes."""

    calls: CallFilter = field(default_factory=CallFilter)
    tags: frozenset[str] = frozenset()  # every one of these tags
    notes: str = ""  # part of the notes
    # False: the recordings kept (what every list shows); True: only those retention
    # deleted (their tombstones, for an export's manifest).
    deleted: bool = False

    def __post_init__(self) -> None:
        if len(self.notes) > MAX_TEXT * 4:
            raise FilterError(f"notes to search for are at most {MAX_TEXT * 4} characters")


def number_condition(text: str, match: str, *, indexed: bool) -> tuple[str, list[object]]:
    """Calls whose number (as given, or in E.164) has ``text`` at its start or anywhere.

    ``indexed``: through the number indexes (to find few calls among many);
    otherwise a test of each row read in another order (see ``call_conditions``).
    """
    if indexed and match == "prefix":
        upper = _next_text(text)
        return (
            "((c.number >= ? AND c.number < ?) OR (c.number_e164 >= ? AND c.number_e164 < ?))",
            [text, upper, text, upper],
        )
    if indexed and len(text) >= MIN_TRIGRAM:
        phrase = '"' + text.replace('"', '""') + '"'
        return (
            "c.id IN (SELECT rowid FROM calls_number_search WHERE calls_number_search MATCH ?)",
            [phrase],
        )
    pattern = like_pattern(text, prefix_only=match == "prefix")
    return (
        "(+c.number LIKE ? ESCAPE '\\' OR +c.number_e164 LIKE ? ESCAPE '\\')",
        [pattern, pattern],
    )


def note_condition(text: str, *, indexed: bool) -> tuple[str, list[object]]:
    """Calls whose note has ``text`` in it (case aside): through the trigram index
    ``calls_notes_search`` for three characters or more, otherwise by reading the notes."""
    if indexed and len(text) >= MIN_TRIGRAM:
        phrase = '"' + text.replace('"', '""') + '"'
        return (
            "c.id IN (SELECT rowid FROM calls_notes_search WHERE calls_notes_search MATCH ?)",
            [phrase],
        )
    return "c.notes LIKE ? ESCAPE '\\'", [like_pattern(text)]


def customer_condition(name: str, owners: OwnerScope, *, indexed: bool) -> tuple[str, list[object]]:
    """Calls from or to a number of a customer ``owners`` may see whose name has ``name``."""
    visible, owner_parameters = owners.condition("cu.added_by")
    pattern = like_pattern(name)
    plus = "" if indexed else "+"

    def numbers_of_customers(column: str) -> str:
        return (
            f"SELECT n.{column} FROM customer_numbers n JOIN customers cu ON cu.id = n.customer_id "
            f"WHERE cu.name LIKE ? ESCAPE '\\' AND {visible} AND n.{column} IS NOT NULL"
        )

    return (
        f"({plus}c.number_e164 IN ({numbers_of_customers('number_e164')}) "
        f"OR {plus}c.number IN ({numbers_of_customers('number')}))",
        [pattern, *owner_parameters, pattern, *owner_parameters],
    )


def call_conditions(
    search: CallFilter,
    owners: OwnerScope,
    *,
    indexed: bool = True,
    start: str = "c.started_at",
    line: str = "c.line",
) -> tuple[list[str], list[object]]:
    """The SQL conditions (and their parameters) for ``search``.

    With ``indexed``, the number, customer and date conditions can lead the
    query through their indexes (for searches that match few calls); without,
    every column is wrapped in a unary ``+`` so that no index is used and the
    conditions only test the rows another part of the query reads (a window of
    the latest calls, for searches that match many). ``start`` and ``line``
    name the columns the date range and the lines apply to (a recordings
    search dates and places recordings by their own).
    """
    plus = "" if indexed else "+"
    # The line is never what narrows a search most; with a number, a customer or a
    # note to look for, those lead.
    line_plus = "+" if not indexed or search.number or search.customer or search.note else ""
    conditions, parameters = date_range(f"{plus}{start}", search.since, search.until)
    if search.lines:
        conditions.append(f"{line_plus}{line} IN ({_marks(search.lines)})")
        parameters.extend(sorted(search.lines))
    if search.direction:
        conditions.append("c.direction = ?")
        parameters.append(search.direction)
    if search.outcomes:
        conditions.append(f"c.outcome IN ({_marks(search.outcomes)})")
        parameters.extend(sorted(search.outcomes))
    if search.blocked_by:
        conditions.append(f"{plus}c.blocked_by = ?")
        parameters.append(search.blocked_by)
    if search.number:
        condition, values = number_condition(search.number, search.number_match, indexed=indexed)
        conditions.append(condition)
        parameters.extend(values)
    if search.customer:
        condition, values = customer_condition(search.customer, owners, indexed=indexed)
        conditions.append(condition)
        parameters.extend(values)
    if search.note:
        condition, values = note_condition(search.note, indexed=indexed)
        conditions.append(condition)
        parameters.extend(values)
    # Durations never lead: "longer than a minute" is most calls, and sorting
    # most calls by time costs more than reading them in time order.
    if search.min_duration is not None:
        conditions.append("+c.duration_s >= ?")
        parameters.append(float(search.min_duration))
    if search.max_duration is not None:
        conditions.append("+c.duration_s <= ?")
        parameters.append(float(search.max_duration))
    if search.has_recording is not None:
        # Recorded: a recording is kept (one retention deleted no longer counts).
        exists = (
            "EXISTS (SELECT 1 FROM recordings rr WHERE rr.call_id = c.id "
            "AND rr.state != 'deleted')"
        )
        conditions.append(exists if search.has_recording else f"NOT {exists}")
    return conditions, parameters


def recording_conditions(
    search: RecordingFilter, owners: OwnerScope, *, indexed: bool = True
) -> tuple[list[str], list[object]]:
    """The SQL conditions for a recordings search (recordings ``r`` joined to calls ``c``)."""
    conditions, parameters = call_conditions(
        search.calls, owners, indexed=indexed, start="r.started_at", line="r.line"
    )
    conditions.append("r.state = 'deleted'" if search.deleted else "r.state != 'deleted'")
    for tag in sorted(search.tags):
        conditions.append("r.id IN (SELECT recording_id FROM recording_tags WHERE tag = ?)")
        parameters.append(tag)
    if search.notes:
        conditions.append("r.notes LIKE ? ESCAPE '\\'")
        parameters.append(like_pattern(search.notes))
    return conditions, parameters
