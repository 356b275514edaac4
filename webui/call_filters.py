"""The search form of the call log and the recordings: from the query string to a filter.

Both pages share the fields, so a search made on one reads the same on the
other and in their exports. Every value is bounded and checked: a bad one
is dropped with a message the page shows, never passed on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from firmware.store.call_filter import (
    BLOCKED_RULE,
    DIRECTIONS,
    MAX_TEXT,
    NUMBER_CHARACTERS,
    OUTCOMES,
    CallFilter,
    RecordingFilter,
    clean_number,
)
from firmware.store.recording_notes import MAX_TAG, parse_tags
from webui.context import Ctx

PAGE_SIZE = 50
MAX_PAGE_NUMBER = 2000
MAX_DURATION_S = 24 * 3600
DAY_S = 86400
# The fields of the form, in the order they go back into links.
FIELDS = ("from", "to", "line", "direction", "outcome", "blocked", "number", "match",
          "customer", "note", "min_s", "max_s", "recorded", "tags", "notes", "sort", "order")
OUTCOME_LABELS = {
    "answered": "Answered",
    "missed": "Missed",
    "unanswered": "Not answered",
    "blocked": "Blocked",
    "busy": "Busy",
    "failed": "Failed",
    "in_progress": "In progress",
}


@dataclass
class SearchForm:
    """What the person asked for, as typed (to show again) and as a filter."""

    values: dict[str, str] = field(default_factory=dict)
    lines: list[int] = field(default_factory=list)  # chosen lines
    search: CallFilter = field(default_factory=CallFilter)
    tags: frozenset[str] = frozenset()
    notes: str = ""
    sort: str = "start"
    descending: bool = True
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    @property
    def recordings(self) -> RecordingFilter:
        return RecordingFilter(self.search, self.tags, self.notes)

    def query(self, **changes: object) -> str:
        """The query string of this search, with ``changes`` (a page, a sort)."""
        pairs = []
        values = {**self.values, **{key: str(value) for key, value in changes.items()}}
        for name in FIELDS:
            if name == "line":
                pairs += [("line", str(line)) for line in self.lines]
            elif values.get(name):
                pairs.append((name, values[name]))
        if values.get("page", "1") != "1":
            pairs.append(("page", values["page"]))
        return urlencode(pairs)

    @property
    def active(self) -> bool:
        """Whether anything narrows the search (the form opens when it does)."""
        return any(self.values.get(name) for name in FIELDS if name not in ("sort", "order")) \
            or bool(self.lines)


def _seconds(text: str) -> tuple[float | None, bool]:
    """A duration typed in seconds, and whether it was one."""
    if not text:
        return None, True
    try:
        value = float(text)
    except ValueError:
        return None, False
    return (value, True) if 0 <= value <= MAX_DURATION_S else (None, False)


def read_search(ctx: Ctx, sorts: tuple[str, ...], visible_lines: list[int]) -> SearchForm:
    """The search in the query string, with the problems found in it (translated)."""
    form = SearchForm()
    text = {name: ctx.query(name)[: MAX_TEXT * 4] for name in FIELDS if name != "line"}
    form.values = {name: value for name, value in text.items() if value}
    options: dict = {}
    since = ctx.t.local_midnight(text["from"]) if text["from"] else None
    until = ctx.t.local_midnight(text["to"]) if text["to"] else None
    if text["from"] and since is None:
        form.problems.append(ctx.t("The first day is not a date."))
    if text["to"] and until is None:
        form.problems.append(ctx.t("The last day is not a date."))
    options["since"] = since
    options["until"] = until + DAY_S if until is not None else None  # the whole last day
    chosen = []
    for value in ctx.request.query.getall("line")[:16]:
        if value.isdigit() and int(value) in visible_lines:
            chosen.append(int(value))
    form.lines = sorted(set(chosen))
    options["lines"] = frozenset(form.lines)
    if text["direction"] in DIRECTIONS:
        options["direction"] = text["direction"]
    if text["outcome"] in OUTCOMES:
        options["outcomes"] = frozenset({text["outcome"]})
    blocked = text["blocked"]
    if blocked and (len(blocked) > MAX_TEXT or not BLOCKED_RULE.match(blocked)):
        form.problems.append(ctx.t("Choose a rule of the call firewall from the list."))
    elif blocked:
        options["blocked_by"] = blocked
    number = clean_number(text["number"])
    if number and (len(number) > MAX_TEXT or not NUMBER_CHARACTERS.match(number)):
        form.problems.append(ctx.t("A number to search for has only digits, +, * and #."))
    elif number:
        options["number"] = number
        options["number_match"] = "prefix" if text["match"] == "prefix" else "part"
    options["customer"] = text["customer"][:MAX_TEXT]
    options["note"] = text["note"][:MAX_TEXT]
    options["min_duration"], shortest_ok = _seconds(text["min_s"])
    options["max_duration"], longest_ok = _seconds(text["max_s"])
    if not (shortest_ok and longest_ok):
        form.problems.append(ctx.t("A duration is a number of seconds."))
    options["has_recording"] = {"yes": True, "no": False}.get(text["recorded"])
    form.search = CallFilter(**options)
    form.tags = frozenset(tag[:MAX_TAG] for tag in parse_tags(text["tags"])[:10])
    form.notes = text["notes"][: MAX_TEXT * 4]
    form.sort = text["sort"] if text["sort"] in sorts else "start"
    form.descending = text["order"] != "asc"
    page = ctx.query("page")
    form.page = min(int(page), MAX_PAGE_NUMBER) if page.isdigit() and int(page) > 0 else 1
    return form


def read_line_search(ctx: Ctx, sorts: tuple[str, ...]) -> tuple[list[tuple[int, str]], SearchForm]:
    """The lines this user may see (``line_choices``) and the search in the query
    string over them (``read_search``)."""
    lines = line_choices(ctx)
    return lines, read_search(ctx, sorts, [number for number, _ in lines])


def refuse_mistaken_search(ctx: Ctx, form: SearchForm) -> None:
    """An export runs only a search without mistakes: 400 with the first one."""
    if form.problems:
        ctx.fail(400, "The search has a mistake: {problem}", problem=form.problems[0])


def line_choices(ctx: Ctx) -> list[tuple[int, str]]:
    """The lines this user may see, with their names (none where the name only repeats
    the number, as a new box's "Line 1" does)."""
    return [
        (line.number, line.given_name)
        for line in ctx.deps.config().lines
        if ctx.principal.sees_line(line.number)
    ]
