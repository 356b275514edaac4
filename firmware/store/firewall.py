"""The call firewall: its lists, its rules, the changes waiting for approval, and the decision.

What is kept (tables of the migration "call firewall"):

- **the lists** (``firewall_numbers``): the *black* list (a caller on it is
  blocked: the box seizes the line and hangs up, ``reject``, or answers with a
  message, ``message`` and the prompt's id) and the *red* list (a caller on it
  always rings, whatever any rule says). Each entry has its number, a note, who
  added it and when, and an optional expiry (after it the entry no longer
  counts);
- **the rules** (``firewall_rules``), tried in their order (``position``), each
  with its action: by **prefix** of the number (``0898``, ``+1``), by
  **withheld** caller ID (``P`` private, ``O`` unavailable, ``none``: no caller
  ID at all; any of the three), by **location** of the number (province and/or
  city as the number-location data names them, Chinese or English), by **time**
  of day (weekly windows in local time: a time rule blocks every caller, but the
  red-listed, inside its windows). A rule can be switched off;
- **changes waiting for approval** (``firewall_pending``): an operator's change
  of a list while the admin's switch ``device.firewall.approval`` is on, with
  who asked, what and when, until a leader of their group or a super user
  approves it (it is then made) or refuses it.

The decision (``snapshot``, ``Screen.verdict``) is pure and standard library
only: the engine builds a ``Screen`` from the tables when it starts and when it
is told the firewall changed (``reload_firewall``), and asks it about each
incoming call. The red list wins over everything, the black list over the
rules, the rules in their order; the first that matches decides. Numbers are
matched in every form they may arrive in (as written, national digits, E.164),
for which the screen is given the country layer's ``describe`` (this module
may not import it); without it numbers match as written only and location
rules never match.

Every change made here writes its audit entry in the same transaction.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from firmware.store.audit import AuditLog, structured_detail
from firmware.store.db import RefusedChangeError, Store

LISTS = ("black", "red")
RULE_KINDS = ("prefix", "withheld", "location", "time")
ACTIONS = ("reject", "message")
VERDICT_ACTIONS = ("allow", *ACTIONS)
WITHHELD_REASONS = ("P", "O", "none")  # private, unavailable, no caller ID at all
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHANGES = ("add", "edit", "remove")
STATES = ("pending", "approved", "refused")

MAX_NOTE = 200
MAX_PLACE = 40  # a province's or a city's name
MAX_PROMPT = 64
MAX_WINDOWS = 14
MAX_ENTRIES = 20_000  # numbers on both lists together
MAX_RULES = 200
_SEPARATORS = re.compile(r"[\s\-().]")
_NUMBER = re.compile(r"^\+?[0-9*#]{3,32}$")
_PREFIX = re.compile(r"^\+?[0-9]{1,16}$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_PROMPT = re.compile(r"^[A-Za-z0-9_.\-]+$")
# What a place name in the number-location data ends with, left out when names are compared
# (广东省 and 广东 are the same province; 深圳市 and 深圳 the same city).
_PLACE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


class FirewallError(RefusedChangeError):
    """A list entry, rule or change the firewall refuses; the message says which and why
    (``ERRORS`` lists every sentence)."""


# Every FirewallError's sentence, for the pages' translations (a test keeps this complete).
ERRORS = (
    "{number} is not a phone number (3 to 32 digits, optional leading +).",
    "A note is at most {n} characters.",
    "Choose reject or answer with a message.",
    "Answering with a message needs the message's prompt.",
    "{prompt} is not a prompt's id (letters, digits, _ . -, at most {n}).",
    "Choose the black or the red list.",
    "A time window is days, a start and an end.",
    "A time window needs days of the week.",
    "{value} is not a time HH:MM (00:00 to 23:59).",
    "A time window's start and end must differ.",
    "At most {n} time windows in a rule.",
    "Choose the kind of rule.",
    "{prefix} is not a prefix (1 to 16 digits, optional leading +).",
    "A withheld rule needs one or more of: private, unavailable, no caller ID.",
    "A location rule needs a province or a city.",
    "A province or city is at most {n} characters, without /.",
    "A time rule needs at least one time window.",
    "{number} is on the black list already.",
    "{number} is on the red list already.",
    "The lists hold at most {n} numbers.",
    "That list entry is not there any more.",
    "That rule is not there any more.",
    "The firewall holds at most {n} rules.",
    "A change of {number} is waiting for approval already.",
    "That change is not waiting for approval.",
    "That change was approved already.",
    "That change was refused already.",
    "{value} is not a date (YYYY-MM-DD).",
    "This call has no number to block.",
)


def clean_number(text: str) -> str:
    """A number as typed, without the spaces, dashes, dots and brackets people write in it."""
    return _SEPARATORS.sub("", text.strip())


def _place(name: str) -> str:
    name = name.strip()
    for suffix in _PLACE_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


# ---- what is kept ------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """Who makes a change, for the audit log and the entry's "added by"."""

    username: str
    user_id: int | None = None
    address: str = ""


@dataclass(frozen=True)
class ListEntry:
    id: int
    list: str  # black or red
    number: str  # as kept: E.164 when it parses, else the digits as given
    note: str = ""
    action: str = "reject"  # black list: reject or message
    message_prompt: str | None = None  # the prompt answered with (action "message")
    added_by: int | None = None
    added_by_name: str = ""
    added_at: float = 0.0
    expires_at: float | None = None

    def counts_at(self, at: float) -> bool:
        return self.expires_at is None or at < self.expires_at


@dataclass(frozen=True)
class TimeWindow:
    """A weekly window in local time, as the recording schedule's: an end before the start
    runs past midnight (the part after midnight belongs to the day it started)."""

    days: tuple[str, ...]
    start: str  # HH:MM
    end: str

    def contains(self, weekday: int, minute: int) -> bool:
        days = {WEEKDAYS.index(day) for day in self.days}
        start, end = _minutes(self.start), _minutes(self.end)
        if start <= end:
            return weekday in days and start <= minute < end
        if minute >= start:
            return weekday in days
        return minute < end and (weekday - 1) % 7 in days

    def document(self) -> dict:
        return {"days": list(self.days), "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str  # prefix, withheld, location, time
    action: str = "reject"  # reject or message
    message_prompt: str | None = None
    enabled: bool = True
    position: int = 0
    note: str = ""
    prefix: str = ""  # kind prefix
    reasons: frozenset[str] = frozenset()  # kind withheld: of P, O, none
    province: str = ""  # kind location: either or both
    city: str = ""
    windows: tuple[TimeWindow, ...] = ()  # kind time
    added_by_name: str = ""
    added_at: float = 0.0

    @property
    def identity(self) -> tuple:
        """What the rule matches and what it does, without its note, its switch, its place
        and who added it: two rules alike in it are one rule written twice (an import
        leaves a rule that is there already as it is)."""
        return (self.kind, self.action, self.message_prompt, self.prefix,
                tuple(r for r in WITHHELD_REASONS if r in self.reasons),
                _place(self.province).casefold(), _place(self.city).casefold(), self.windows)

    @property
    def key(self) -> str:
        """The rule as the call log names it (``calls.blocked_by``); a withheld rule's is
        ``withheld:`` with the reason that matched."""
        if self.kind == "prefix":
            return f"prefix:{self.prefix}"
        if self.kind == "withheld":
            return "withheld:" + ",".join(r for r in WITHHELD_REASONS if r in self.reasons)
        if self.kind == "location":
            return "location:" + "/".join(part for part in (self.province, self.city) if part)
        return f"time:{self.id}"


@dataclass(frozen=True)
class PendingChange:
    """A change of a list filed by an operator, waiting for a leader's approval."""

    id: int
    change: str  # add, edit, remove
    list: str
    number: str
    note: str = ""
    action: str = "reject"
    message_prompt: str | None = None
    expires_at: float | None = None
    entry_id: int | None = None  # the entry edited or removed
    asked_by: int | None = None
    asked_by_name: str = ""
    group_id: int | None = None  # the asker's group: its leaders decide
    asked_at: float = 0.0
    state: str = "pending"
    decided_by_name: str = ""
    decided_at: float | None = None


# ---- the decision -----------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the firewall says about one call: ``allow``, ``reject`` (seize and hang up) or
    ``message`` (answer with ``message_prompt``); ``rule``: the key of what decided
    (``black_list``, ``red_list``, ``prefix:0898``, ``withheld:P``, ``location:广东``,
    ``time:<rule id>``; "" when nothing did), ``rule_id`` the rule's id (None for the
    lists), ``red``: the caller is on the red list."""

    action: str
    rule: str = ""
    rule_id: int | None = None
    message_prompt: str | None = None
    red: bool = False

    @property
    def blocked(self) -> bool:
        return self.action != "allow"


ALLOW = Verdict("allow")
Describe = Callable[[str, str], Any]  # firmware.country.numbers.describe(raw, region)


def _national_digits(display: str) -> str:
    return "".join(ch for ch in display if ch.isdigit())


@dataclass(frozen=True)
class Screen:
    """The firewall as it was when read (``snapshot``): falsy when it has nothing to do."""

    red: tuple[ListEntry, ...] = ()
    black: tuple[ListEntry, ...] = ()
    rules: tuple[Rule, ...] = ()  # enabled ones, in their order
    describe: Describe | None = field(default=None, compare=False, repr=False)
    _forms: dict = field(default_factory=dict, compare=False, repr=False)  # by region

    empty: ClassVar[Screen]

    def __bool__(self) -> bool:
        return bool(self.red or self.black or self.rules)

    def _info(self, digits: str, region: str) -> Any:
        if self.describe is None or not digits:
            return None
        try:
            return self.describe(digits, region)
        except Exception:  # a number the data cannot read: matched as written
            return None

    def forms(self, number: str, region: str) -> frozenset[str]:
        """Every form ``number`` may arrive in: as written, its digits, E.164, national."""
        written = number.strip()
        digits = clean_number(written)
        forms = {form for form in (written, digits) if form}
        info = self._info(digits, region)
        if info is not None and getattr(info, "e164", None):
            forms.add(info.e164)
            national = _national_digits(info.display)
            if national:
                forms.add(national)
        return frozenset(forms)

    def _listed(self, region: str) -> tuple[dict, dict]:
        """The lists' entries by every form of their numbers, for ``region`` (kept)."""
        known = self._forms.get(region)
        if known is None:
            found: list[dict[str, list[ListEntry]]] = []
            for entries in (self.red, self.black):
                by_form: dict[str, list[ListEntry]] = {}
                for entry in entries:
                    for form in self.forms(entry.number, region):
                        by_form.setdefault(form, []).append(entry)
                found.append(by_form)
            known = (found[0], found[1])
            self._forms[region] = known
        return known

    def prepared(self, region: str) -> Screen:
        """This screen with the lists' numbers read for ``region`` now, so that the first
        call does not wait for them; itself."""
        self._listed(region)
        return self

    def verdict(
        self,
        number: str | None,
        reason_absent: str | None,
        at: float,
        *,
        region: str,
        utc_offset_s: int,
        time_zone: str,
    ) -> Verdict:
        """What to do with an incoming call from ``number`` (None or "": no number, with
        ``reason_absent`` "P" or "O" when the caller ID said why, None when no caller ID
        came at all) at Unix time ``at``, local time by ``time_zone`` (an IANA name, or
        "" for the fixed ``utc_offset_s``)."""
        if not self:
            return ALLOW
        number = (number or "").strip()
        forms = self.forms(number, region) if number else frozenset()
        red, black = self._listed(region)
        for form in forms:
            if any(entry.counts_at(at) for entry in red.get(form, ())):
                return Verdict("allow", "red_list", red=True)
        for form in sorted(forms):
            for entry in black.get(form, ()):
                if entry.counts_at(at):
                    prompt = entry.message_prompt if entry.action == "message" else None
                    return Verdict(entry.action, "black_list", None, prompt)
        facts = _Call(self, number, forms, reason_absent=reason_absent, at=at, region=region,
                      utc_offset_s=utc_offset_s, time_zone=time_zone)
        for rule in self.rules:
            key = facts.matches(rule)
            if key is not None:
                prompt = rule.message_prompt if rule.action == "message" else None
                return Verdict(rule.action, key, rule.id, prompt)
        return ALLOW


    def dial_verdict(self, number: str, at: float, *, region: str) -> Verdict:
        """Whether the box may call ``number`` at ``at``: what the firewall says of the
        number itself (the red list, the black list, the prefix and location rules), not
        of the hour or of a withheld caller ID, which are about calls coming in."""
        about_numbers = tuple(rule for rule in self.rules if rule.kind in ("prefix", "location"))
        # The same lists: their numbers' forms, worked out once per region, are shared.
        screen = replace(self, rules=about_numbers, _forms=self._forms)
        return screen.verdict(number, None, at, region=region, utc_offset_s=0, time_zone="")


Screen.empty = Screen()


class _Call:
    """One call's facts as the rules read them, each worked out once and only if asked."""

    def __init__(self, screen: Screen, number: str, forms: frozenset[str], *,
                 reason_absent: str | None, at: float, region: str, utc_offset_s: int,
                 time_zone: str) -> None:
        self.screen, self.number, self.forms = screen, number, forms
        self.reason_absent, self.at, self.region = reason_absent, at, region
        self.utc_offset_s, self.time_zone = utc_offset_s, time_zone
        self._where: tuple[str, list[str]] | None = None
        self._local: tuple[int, int] | None = None

    def matches(self, rule: Rule) -> str | None:
        """The rule's key if it matches the call, else None."""
        if rule.kind == "prefix":
            hit = any(form.startswith(rule.prefix) for form in self.forms)
            return rule.key if hit and rule.prefix else None
        if rule.kind == "withheld":
            if self.number:
                return None
            reason = self.reason_absent if self.reason_absent in ("P", "O") else "none"
            return f"withheld:{reason}" if reason in rule.reasons else None
        if rule.kind == "location":
            return rule.key if self._in_place(rule) else None
        if rule.kind == "time":
            weekday, minute = self.local()
            hit = any(window.contains(weekday, minute) for window in rule.windows)
            return rule.key if hit else None
        return None

    def _in_place(self, rule: Rule) -> bool:
        if not self.number or not (rule.province or rule.city):
            return False
        if self._where is None:
            info = self.screen._info(clean_number(self.number), self.region)
            chinese = (getattr(info, "location_zh", None) or "") if info else ""
            english = (getattr(info, "location_en", None) or "") if info else ""
            parts = [part.strip().casefold() for part in english.split(",") if part.strip()]
            self._where = (chinese, parts)
        chinese, parts = self._where
        if not chinese and not parts:
            return False
        return all(
            _place(name) in chinese or name.strip().casefold() in parts
            for name in (rule.province, rule.city) if name
        )

    def local(self) -> tuple[int, int]:
        """The weekday (0 Monday) and minute of the day of the call, in local time."""
        if self._local is None:
            offset = self.utc_offset_s
            if self.time_zone:
                try:
                    moment = datetime.fromtimestamp(self.at, UTC).astimezone(
                        ZoneInfo(self.time_zone))
                    found = moment.utcoffset()
                    if found is not None:
                        offset = int(found.total_seconds())
                except (ZoneInfoNotFoundError, ValueError, OSError):
                    pass
            local = time.gmtime(self.at + offset)
            self._local = (local.tm_wday, local.tm_hour * 60 + local.tm_min)
        return self._local


def snapshot(source: Store | sqlite3.Connection, *, describe: Describe | None = None,
             region: str | None = None) -> Screen:
    """The firewall as it is in the database now (enabled rules only), to decide with;
    ``describe`` reads numbers for matching (``firmware.country.numbers.describe``), and
    with ``region`` the lists' numbers are read for it at once (``Screen.prepared``)."""
    connection = source.connection() if isinstance(source, Store) else source
    entries = [_entry(row) for row in connection.execute(
        f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers ORDER BY id")]
    rules = tuple(_rule(row) for row in connection.execute(
        f"SELECT {_RULE_COLUMNS} FROM firewall_rules WHERE enabled = 1 ORDER BY position, id"))
    screen = Screen(
        red=tuple(entry for entry in entries if entry.list == "red"),
        black=tuple(entry for entry in entries if entry.list == "black"),
        rules=rules,
        describe=describe,
    )
    return screen.prepared(region) if region else screen


# ---- checks --------------------------------------------------------------------------------


def _listed_already(number: str, list_name: str) -> FirewallError:
    return FirewallError(ERRORS[17] if list_name == "black" else ERRORS[18], number=number)


def check_number(number: str) -> str:
    cleaned = clean_number(number)
    if not _NUMBER.match(cleaned):
        raise FirewallError(ERRORS[0], number=number[:40])
    return cleaned


def _check_note(note: str) -> str:
    note = " ".join(note.split())
    if len(note) > MAX_NOTE:
        raise FirewallError(ERRORS[1], n=MAX_NOTE)
    return note


def _check_action(action: str, prompt: str | None) -> str | None:
    if action not in ACTIONS:
        raise FirewallError(ERRORS[2])
    if action == "reject":
        return None
    prompt = (prompt or "").strip()
    if not prompt:
        raise FirewallError(ERRORS[3])
    if len(prompt) > MAX_PROMPT or not _PROMPT.match(prompt):
        raise FirewallError(ERRORS[4], prompt=prompt[:40], n=MAX_PROMPT)
    return prompt


def _check_list(name: str) -> None:
    if name not in LISTS:
        raise FirewallError(ERRORS[5])


def check_entry(entry: ListEntry) -> ListEntry:
    """The entry as kept (its number's separators gone, a red entry's action reject), or
    FirewallError naming what is wrong with it."""
    _check_list(entry.list)
    number = check_number(entry.number)
    note = _check_note(entry.note)
    if entry.list == "black":
        return replace(entry, number=number, note=note,
                       message_prompt=_check_action(entry.action, entry.message_prompt))
    return replace(entry, number=number, note=note, action="reject", message_prompt=None)


def check_windows(windows: Iterable[Any]) -> tuple[TimeWindow, ...]:
    """Weekly windows from documents ``{"days": [...], "start": "HH:MM", "end": "HH:MM"}``
    or ``TimeWindow``s, checked."""
    checked = []
    for given in windows:
        window = given.document() if isinstance(given, TimeWindow) else given
        if not isinstance(window, dict):
            raise FirewallError(ERRORS[6])
        days = window.get("days", [])
        if not isinstance(days, list | tuple) or not days or any(d not in WEEKDAYS for d in days):
            raise FirewallError(ERRORS[7])
        start, end = window.get("start", ""), window.get("end", "")
        for clock in (start, end):
            if not isinstance(clock, str) or not _CLOCK.match(clock):
                raise FirewallError(ERRORS[8], value=str(clock)[:10])
        if start == end:
            raise FirewallError(ERRORS[9])
        checked.append(TimeWindow(tuple(d for d in WEEKDAYS if d in days), start, end))
    if len(checked) > MAX_WINDOWS:
        raise FirewallError(ERRORS[10], n=MAX_WINDOWS)
    return tuple(checked)


def check_rule(rule: Rule) -> Rule:
    """The rule as kept, or FirewallError naming what is wrong with it."""
    if rule.kind not in RULE_KINDS:
        raise FirewallError(ERRORS[11])
    prompt = _check_action(rule.action, rule.message_prompt)
    note = _check_note(rule.note)
    kept = Rule(rule.id, rule.kind, rule.action, prompt, bool(rule.enabled), rule.position, note,
                added_by_name=rule.added_by_name, added_at=rule.added_at)
    if rule.kind == "prefix":
        prefix = clean_number(rule.prefix)
        if not _PREFIX.match(prefix):
            raise FirewallError(ERRORS[12], prefix=rule.prefix[:20])
        return replace(kept, prefix=prefix)
    if rule.kind == "withheld":
        reasons = frozenset(rule.reasons)
        if not reasons or not reasons <= set(WITHHELD_REASONS):
            raise FirewallError(ERRORS[13])
        return replace(kept, reasons=reasons)
    if rule.kind == "location":
        province, city = rule.province.strip(), rule.city.strip()
        if not (province or city):
            raise FirewallError(ERRORS[14])
        if len(province) > MAX_PLACE or len(city) > MAX_PLACE or "/" in province + city:
            raise FirewallError(ERRORS[15], n=MAX_PLACE)
        return replace(kept, province=province, city=city)
    windows = check_windows(rule.windows)
    if not windows:
        raise FirewallError(ERRORS[16])
    return replace(kept, windows=windows)


# ---- rows ------------------------------------------------------------------------------------

_ENTRY_COLUMNS = ("id, list, number, note, action, message_prompt, added_by, added_by_name, "
                  "added_at, expires_at")
_RULE_COLUMNS = ("id, kind, action, message_prompt, enabled, position, note, prefix, reasons, "
                 "province, city, windows, added_by_name, added_at")
_PENDING_COLUMNS = ("id, change, list, number, note, action, message_prompt, expires_at, "
                    "entry_id, asked_by, asked_by_name, group_id, asked_at, state, "
                    "decided_by_name, decided_at")


def _entry(row: tuple) -> ListEntry:
    return ListEntry(*row)


def _rule(row: tuple) -> Rule:
    (rule_id, kind, action, prompt, enabled, position, note, prefix, reasons, province, city,
     windows, added_by_name, added_at) = row
    try:
        parsed = check_windows(json.loads(windows or "[]"))
    except (ValueError, FirewallError):  # a row edited by hand: a time rule that never matches
        parsed = ()
    return Rule(rule_id, kind, action, prompt, bool(enabled), position, note, prefix or "",
                frozenset(part for part in (reasons or "").split(",") if part),
                province or "", city or "", parsed, added_by_name, added_at)


def _pending(row: tuple) -> PendingChange:
    return PendingChange(*row)


def entry_facts(entry: ListEntry | PendingChange) -> dict[str, object]:
    """An entry's facts for its audit entry."""
    return {
        "list": entry.list,
        "number": entry.number,
        "note": entry.note or None,
        "action": entry.action if entry.list == "black" else None,
        "prompt": entry.message_prompt,
        "expires_at": entry.expires_at,
    }


def rule_facts(rule: Rule) -> dict[str, object]:
    return {
        "rule": rule.key,
        "rule_kind": rule.kind,
        "action": rule.action,
        "prompt": rule.message_prompt,
        "enabled": rule.enabled,
        "windows": [window.document() for window in rule.windows] or None,
        "note": rule.note or None,
    }


# ---- the store --------------------------------------------------------------------------------


class Firewall:
    """The firewall's tables; every change with its audit entry, in one transaction."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def _audit(self, connection: sqlite3.Connection, action: str, actor: Actor, detail: str,
               target: str = "firewall") -> None:
        AuditLog(self.store).record(action, username=actor.username, user_id=actor.user_id,
                                    target=target, detail=detail, address=actor.address,
                                    at=self.clock(), within=connection)

    # ---- the lists ---------------------------------------------------------------------

    def entries(self, list_name: str | None = None, text: str = "", *,
                limit: int | None = 500, offset: int = 0) -> list[ListEntry]:
        """List entries, newest first; ``text`` a part of the number or the note."""
        conditions, values = [], []
        if list_name:
            conditions.append("list = ?")
            values.append(list_name)
        if text:
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            conditions.append("(number LIKE ? ESCAPE '\\' OR note LIKE ? ESCAPE '\\')")
            values += [pattern, pattern]
        where = " AND ".join(conditions) or "1"
        rows = self.store.connection().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers WHERE {where} "
            "ORDER BY added_at DESC, id DESC LIMIT ? OFFSET ?",
            (*values, -1 if limit is None else limit, offset),
        )
        return [_entry(row) for row in rows]

    def count(self) -> dict[str, int]:
        rows = self.store.connection().execute(
            "SELECT list, count(*) FROM firewall_numbers GROUP BY list")
        return {name: 0 for name in LISTS} | dict(rows.fetchall())

    def entry(self, entry_id: int) -> ListEntry | None:
        row = self.store.connection().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers WHERE id = ?", (entry_id,)
        ).fetchone()
        return _entry(row) if row else None

    def listed(self, number: str) -> ListEntry | None:
        """The entry of ``number`` as kept, on either list."""
        row = self.store.connection().execute(
            f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers WHERE number = ?", (number,)
        ).fetchone()
        return _entry(row) if row else None

    def _insert_entry(self, connection: sqlite3.Connection, entry: ListEntry) -> int:
        entry = check_entry(entry)
        number, note, action, prompt = entry.number, entry.note, entry.action, entry.message_prompt
        there = connection.execute(
            "SELECT list FROM firewall_numbers WHERE number = ?", (number,)).fetchone()
        if there is not None:
            raise _listed_already(number, there[0])
        total = connection.execute("SELECT count(*) FROM firewall_numbers").fetchone()[0]
        if total >= MAX_ENTRIES:
            raise FirewallError(ERRORS[19], n=MAX_ENTRIES)
        cursor = connection.execute(
            "INSERT INTO firewall_numbers (list, number, note, action, message_prompt, "
            "added_by, added_by_name, added_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (entry.list, number, note, action, prompt, entry.added_by, entry.added_by_name,
             entry.added_at or self.clock(), entry.expires_at),
        )
        return int(cursor.lastrowid)

    def add(self, entry: ListEntry, actor: Actor, *, target: str = "firewall") -> int:
        """Put ``entry`` on its list (its id is ignored); its id."""
        entry = replace(entry, added_by=actor.user_id, added_by_name=actor.username,
                        added_at=self.clock())
        with self.store.transaction() as connection:
            entry_id = self._insert_entry(connection, entry)
            self._audit(connection, "firewall_entry_added", actor,
                        structured_detail(**entry_facts(entry)), target)
        return entry_id

    def add_many(self, entries: list[ListEntry], actor: Actor) -> int:
        """Put every one of ``entries`` on its list, all or none; how many."""
        return self.import_all(entries, [], actor)[0]

    def import_all(self, entries: list[ListEntry], rules: list[Rule],
                   actor: Actor) -> tuple[int, int]:
        """Put every one of ``entries`` on its list and add ``rules`` after the rules kept, in
        their order, all or none, in one transaction; a rule that is there already (the
        same ``Rule.identity``, or an earlier one of ``rules``) is left as it is. How many
        entries and how many rules were added."""
        with self.store.transaction() as connection:
            for entry in entries:
                self._insert_entry(connection, replace(
                    entry, added_by=actor.user_id, added_by_name=actor.username,
                    added_at=self.clock()))
            kept = {_rule(row).identity for row in connection.execute(
                f"SELECT {_RULE_COLUMNS} FROM firewall_rules")}
            added = 0
            for given in rules:
                rule = check_rule(replace(given, added_by_name=actor.username,
                                          added_at=self.clock()))
                if rule.identity in kept:
                    continue
                kept.add(rule.identity)
                self._insert_rule(connection, rule, actor)
                added += 1
            self._audit(connection, "firewall_imported", actor,
                        structured_detail(rows=len(entries), rules=added if rules else None))
        return len(entries), added

    def _apply_edit(self, connection: sqlite3.Connection, entry_id: int, *, note: str,
                    action: str, prompt: str | None, expires_at: float | None) -> tuple:
        row = connection.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            raise FirewallError(ERRORS[20])
        before = _entry(row)
        note = _check_note(note)
        if before.list == "black":
            prompt = _check_action(action, prompt)
        else:
            action, prompt = "reject", None
        after = replace(before, note=note, action=action, message_prompt=prompt,
                        expires_at=expires_at)
        connection.execute(
            "UPDATE firewall_numbers SET note = ?, action = ?, message_prompt = ?, "
            "expires_at = ? WHERE id = ?", (note, action, prompt, expires_at, entry_id))
        old, new = entry_facts(before), entry_facts(after)
        changes = [(name, old[name], new[name]) for name in old if old[name] != new[name]]
        return before, changes

    def edit(self, entry_id: int, actor: Actor, *, note: str, action: str = "reject",
             message_prompt: str | None = None, expires_at: float | None = None) -> bool:
        """Change an entry's note, action and expiry; False when it was already so."""
        with self.store.transaction() as connection:
            before, changes = self._apply_edit(connection, entry_id, note=note, action=action,
                                               prompt=message_prompt, expires_at=expires_at)
            if changes:
                self._audit(connection, "firewall_entry_changed", actor, structured_detail(
                    changes=changes, list=before.list, number=before.number))
        return bool(changes)

    def remove(self, entry_id: int, actor: Actor) -> ListEntry:
        with self.store.transaction() as connection:
            entry = self._delete_entry(connection, entry_id)
            self._audit(connection, "firewall_entry_removed", actor,
                        structured_detail(**entry_facts(entry)))
        return entry

    @staticmethod
    def _delete_entry(connection: sqlite3.Connection, entry_id: int) -> ListEntry:
        row = connection.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM firewall_numbers WHERE id = ?", (entry_id,)
        ).fetchone()
        if row is None:
            raise FirewallError(ERRORS[20])
        connection.execute("DELETE FROM firewall_numbers WHERE id = ?", (entry_id,))
        return _entry(row)

    # ---- the rules ------------------------------------------------------------------------

    def rules(self) -> list[Rule]:
        rows = self.store.connection().execute(
            f"SELECT {_RULE_COLUMNS} FROM firewall_rules ORDER BY position, id")
        return [_rule(row) for row in rows]

    def rule(self, rule_id: int) -> Rule | None:
        row = self.store.connection().execute(
            f"SELECT {_RULE_COLUMNS} FROM firewall_rules WHERE id = ?", (rule_id,)).fetchone()
        return _rule(row) if row else None

    @staticmethod
    def _rule_values(rule: Rule) -> tuple:
        return (rule.kind, rule.action, rule.message_prompt, int(rule.enabled), rule.note,
                rule.prefix or None,
                ",".join(r for r in WITHHELD_REASONS if r in rule.reasons) or None,
                rule.province or None, rule.city or None,
                json.dumps([w.document() for w in rule.windows]) if rule.windows else None)

    def add_rule(self, rule: Rule, actor: Actor) -> int:
        """A new rule, last in the order; its id."""
        rule = check_rule(replace(rule, added_by_name=actor.username, added_at=self.clock()))
        with self.store.transaction() as connection:
            return self._insert_rule(connection, rule, actor)

    def _insert_rule(self, connection: sqlite3.Connection, rule: Rule, actor: Actor) -> int:
        """Add ``rule`` (checked) last in the order, with its audit entry; its id."""
        total, last = connection.execute(
            "SELECT count(*), coalesce(max(position), 0) FROM firewall_rules").fetchone()
        if total >= MAX_RULES:
            raise FirewallError(ERRORS[22], n=MAX_RULES)
        cursor = connection.execute(
            "INSERT INTO firewall_rules (kind, action, message_prompt, enabled, note, prefix, "
            "reasons, province, city, windows, position, added_by_name, added_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*self._rule_values(rule), last + 1, rule.added_by_name, rule.added_at),
        )
        rule_id = int(cursor.lastrowid)
        self._audit(connection, "firewall_rule_added", actor,
                    structured_detail(**rule_facts(replace(rule, id=rule_id))))
        return rule_id

    def update_rule(self, rule: Rule, actor: Actor) -> bool:
        """Replace rule ``rule.id`` (its kind may change, its place stays); False when it was
        already so."""
        before = self.rule(rule.id)
        if before is None:
            raise FirewallError(ERRORS[21])
        rule = check_rule(replace(rule, position=before.position,
                                  added_by_name=before.added_by_name, added_at=before.added_at))
        old, new = rule_facts(before), rule_facts(rule)
        changes = [(name, old[name], new[name]) for name in old if old[name] != new[name]]
        if not changes:
            return False
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE firewall_rules SET kind = ?, action = ?, message_prompt = ?, enabled = ?, "
                "note = ?, prefix = ?, reasons = ?, province = ?, city = ?, windows = ? "
                "WHERE id = ?", (*self._rule_values(rule), rule.id))
            if cursor.rowcount != 1:
                raise FirewallError(ERRORS[21])
            self._audit(connection, "firewall_rule_changed", actor,
                        structured_detail(changes=changes, rule=before.key))
        return True

    def remove_rule(self, rule_id: int, actor: Actor) -> Rule:
        with self.store.transaction() as connection:
            row = connection.execute(
                f"SELECT {_RULE_COLUMNS} FROM firewall_rules WHERE id = ?", (rule_id,)
            ).fetchone()
            if row is None:
                raise FirewallError(ERRORS[21])
            connection.execute("DELETE FROM firewall_rules WHERE id = ?", (rule_id,))
            rule = _rule(row)
            self._audit(connection, "firewall_rule_removed", actor,
                        structured_detail(**rule_facts(rule)))
        return rule

    def move_rule(self, rule_id: int, up: bool, actor: Actor) -> bool:
        """Swap the rule with the one before it (``up``) or after it; False at an end."""
        with self.store.transaction() as connection:
            rows = connection.execute(
                "SELECT id, position FROM firewall_rules ORDER BY position, id").fetchall()
            ids = [row[0] for row in rows]
            if rule_id not in ids:
                raise FirewallError(ERRORS[21])
            index = ids.index(rule_id)
            other = index - 1 if up else index + 1
            if not 0 <= other < len(ids):
                return False
            ids[index], ids[other] = ids[other], ids[index]
            for position, moved in enumerate(ids, start=1):
                connection.execute("UPDATE firewall_rules SET position = ? WHERE id = ?",
                                   (position, moved))
            rule = _rule(connection.execute(
                f"SELECT {_RULE_COLUMNS} FROM firewall_rules WHERE id = ?", (rule_id,)).fetchone())
            self._audit(connection, "firewall_rule_changed", actor, structured_detail(
                changes=[("position", index + 1, other + 1)], rule=rule.key))
        return True

    # ---- changes waiting for approval -----------------------------------------------------

    def file(self, change: PendingChange, actor: Actor, *, target: str = "firewall") -> int:
        """Keep an operator's change of a list until a leader decides; its id. The change
        is checked as it would be made, so a leader is never asked to approve a mistake."""
        with self.store.transaction() as connection:
            return self._file(connection, change, actor, target)

    def file_many(self, changes: list[PendingChange], actor: Actor) -> int:
        """File every one of ``changes``, all or none; how many."""
        with self.store.transaction() as connection:
            for change in changes:
                self._file(connection, change, actor, "firewall")
        return len(changes)

    def _file(self, connection: sqlite3.Connection, change: PendingChange, actor: Actor,
              target: str) -> int:
        if change.change not in CHANGES:
            raise FirewallError(ERRORS[11])
        _check_list(change.list)
        number = check_number(change.number)
        note = _check_note(change.note)
        prompt = _check_action(change.action, change.message_prompt) \
            if change.list == "black" and change.change != "remove" else None
        action = change.action if change.list == "black" else "reject"
        if change.change == "add":
            there = connection.execute(
                "SELECT list FROM firewall_numbers WHERE number = ?", (number,)).fetchone()
            if there is not None:
                raise _listed_already(number, there[0])
        elif connection.execute("SELECT 1 FROM firewall_numbers WHERE id = ?",
                                (change.entry_id,)).fetchone() is None:
            raise FirewallError(ERRORS[20])
        waiting = connection.execute(
            "SELECT 1 FROM firewall_pending WHERE state = 'pending' AND number = ? "
            "AND change = ?", (number, change.change)).fetchone()
        if waiting is not None:
            raise FirewallError(ERRORS[23], number=number)
        cursor = connection.execute(
            "INSERT INTO firewall_pending (change, list, number, note, action, "
            "message_prompt, expires_at, entry_id, asked_by, asked_by_name, group_id, "
            "asked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (change.change, change.list, number, note, action, prompt, change.expires_at,
             change.entry_id, actor.user_id, actor.username, change.group_id, self.clock()),
        )
        pending_id = int(cursor.lastrowid)
        self._audit(connection, "firewall_change_filed", actor, structured_detail(
            change=change.change, pending=pending_id,
            **entry_facts(replace(change, number=number, note=note))), target)
        return pending_id

    def pending(self, *, state: str = "pending", group_ids: frozenset[int] | None = None,
                limit: int = 200) -> list[PendingChange]:
        """Changes in ``state``, oldest first; of askers in ``group_ids`` only when given."""
        conditions, values = ["state = ?"], [state]
        if group_ids is not None:
            marks = ", ".join("?" for _ in group_ids) or "NULL"
            conditions.append(f"group_id IN ({marks})")
            values += sorted(group_ids)
        rows = self.store.connection().execute(
            f"SELECT {_PENDING_COLUMNS} FROM firewall_pending WHERE {' AND '.join(conditions)} "
            "ORDER BY asked_at, id LIMIT ?", (*values, limit))
        return [_pending(row) for row in rows]

    def pending_change(self, pending_id: int) -> PendingChange | None:
        row = self.store.connection().execute(
            f"SELECT {_PENDING_COLUMNS} FROM firewall_pending WHERE id = ?", (pending_id,)
        ).fetchone()
        return _pending(row) if row else None

    def decide(self, pending_id: int, approve: bool, actor: Actor) -> PendingChange:
        """Approve (the change is made now) or refuse a waiting change; the change as decided.
        Who may decide is the caller's to check."""
        with self.store.transaction() as connection:
            row = connection.execute(
                f"SELECT {_PENDING_COLUMNS} FROM firewall_pending WHERE id = ?", (pending_id,)
            ).fetchone()
            if row is None:
                raise FirewallError(ERRORS[24])
            change = _pending(row)
            if change.state != "pending":
                raise FirewallError(ERRORS[25] if change.state == "approved" else ERRORS[26])
            if approve:
                self._make(connection, change)
            state = "approved" if approve else "refused"
            connection.execute(
                "UPDATE firewall_pending SET state = ?, decided_by_name = ?, decided_at = ? "
                "WHERE id = ?", (state, actor.username, self.clock(), pending_id))
            self._audit(connection, f"firewall_change_{state}", actor, structured_detail(
                change=change.change, pending=pending_id, asked_by=change.asked_by_name,
                **entry_facts(change)))
        return replace(change, state=state, decided_by_name=actor.username,
                       decided_at=self.clock())

    def _make(self, connection: sqlite3.Connection, change: PendingChange) -> None:
        if change.change == "add":
            self._insert_entry(connection, ListEntry(
                0, change.list, change.number, change.note, change.action,
                change.message_prompt, change.asked_by, change.asked_by_name, self.clock(),
                change.expires_at))
        elif change.change == "edit":
            self._apply_edit(connection, change.entry_id or 0, note=change.note,
                             action=change.action, prompt=change.message_prompt,
                             expires_at=change.expires_at)
        else:
            self._delete_entry(connection, change.entry_id or 0)

    # ---- the call log -----------------------------------------------------------------------

    def blocked_rules(self, limit: int = 100) -> list[str]:
        """The rules that blocked calls, as the call log names them (most used first)."""
        rows = self.store.connection().execute(
            "SELECT blocked_by FROM calls WHERE blocked_by IS NOT NULL "
            "GROUP BY blocked_by ORDER BY count(*) DESC, blocked_by LIMIT ?", (limit,))
        return [row[0] for row in rows]
