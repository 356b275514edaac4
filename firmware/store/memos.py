"""Memos and reminders, staff birthdays, and each user's presence, in the SQLite store.

A memo belongs to its author: only they change it, and only they are reminded of it.
It may be shared with the author's group, whose members then read it too. It has a
subject, a time (the box's local date and time, kept as written and as a moment), a
place, an importance, how long before its time the author is reminded, optionally a
customer, and whether it is done. A reminder fires once: ``claim_due`` marks the
reminders it hands out as notified in the same statement, so two open tabs, or a page
after a restart, never show the same one again.

``staff_birthdays`` holds the users' birthdays (the customers' are the customers'), and
``memo_settings`` how many days ahead a user is shown birthdays and memos.

Standard library only, like the rest of the store.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from firmware.store.db import NoSuchRowError, RefusedChangeError, Store
from firmware.store.scopes import OwnerScope

IMPORTANCES = ("low", "normal", "high")
# How long before its time a memo reminds its author, in minutes.
REMIND_BEFORE = (0, 5, 15, 30, 60, 120, 1440, 2880, 10080)
SUBJECT_LIMIT = 200
PLACE_LIMIT = 200
DAYS_AHEAD_DEFAULT = 7
DAYS_AHEAD_MOST = 60
OLDEST_YEAR = 1900
NEWEST_YEAR = 2200
_LOCAL_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class MemoError(RefusedChangeError):
    """A memo the store refuses; the message names the field."""


@dataclass(frozen=True)
class Memo:
    id: int
    user_id: int
    author_name: str
    shared: bool
    subject: str
    at: str  # the local date and time as written: YYYY-MM-DD HH:MM
    due_at: float  # the same moment, Unix time
    place: str
    importance: str
    remind_before_min: int
    customer_id: int | None
    customer_name: str | None  # None when the reader may not see the customer
    done: bool
    notified_at: float | None
    created_at: float
    updated_at: float

    @property
    def remind_at(self) -> float:
        return self.due_at - self.remind_before_min * 60


@dataclass(frozen=True)
class Birthday:
    kind: str  # "customer" or "staff"
    id: int  # the customer's or the user's
    name: str
    born: str  # YYYY-MM-DD
    day: date  # the next birthday, this year or the next
    days: int  # days until it (0: today)


def parse_local_time(text: str) -> str:
    """``YYYY-MM-DD HH:MM`` (or with a T) as the store keeps it; MemoError otherwise."""
    match = _LOCAL_TIME.match(text.strip())
    if not match:
        raise MemoError("Time: write it as YYYY-MM-DD HH:MM, e.g. 2026-05-06 14:30.")
    year, month, day, hour, minute = (int(part) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute)
    except ValueError:
        raise MemoError("Time: {value} is not a real date and time.", value=text.strip()) from None
    if not OLDEST_YEAR <= year <= NEWEST_YEAR:
        raise MemoError("Time: the year must be {low} to {high}.", low=OLDEST_YEAR,
                        high=NEWEST_YEAR)
    return moment.strftime("%Y-%m-%d %H:%M")


def moment_of(local: str, utc_offset_s: int) -> float:
    """The Unix time of a local ``YYYY-MM-DD HH:MM`` at ``utc_offset_s``."""
    moment = datetime.strptime(local, "%Y-%m-%d %H:%M")
    return (moment - datetime(1970, 1, 1)).total_seconds() - utc_offset_s


def parse_birthday(text: str, today: date) -> str | None:
    """A birthday as the store keeps it (None: none given); MemoError when it is no date."""
    text = text.strip()
    if not text:
        return None
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        born = date.fromisoformat(text)
    except ValueError:
        raise MemoError("Birthday: write it as YYYY-MM-DD, e.g. 1985-04-23.") from None
    if born > today:
        raise MemoError("Birthday: it is in the future.")
    if born.year < OLDEST_YEAR:
        raise MemoError("Birthday: it is before 1900.")
    return born.isoformat()


def next_birthday(born: date, today: date) -> date:
    """The next birthday on or after ``today`` (29 February: the 28th in other years)."""
    for year in (today.year, today.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("a birthday comes within a year")


def birthdays_within(rows: list[tuple[str, int, str, str | None]], today: date,
                     days: int) -> list[Birthday]:
    """The birthdays of ``rows`` (kind, id, name, YYYY-MM-DD) from today to ``days`` ahead,
    the soonest first; dates that do not parse are left out."""
    found = []
    for kind, row_id, name, born_text in rows:
        try:
            born = date.fromisoformat(born_text or "")
        except ValueError:
            continue
        day = next_birthday(born, today)
        if (day - today).days <= days:
            found.append(Birthday(kind, row_id, name, born.isoformat(), day, (day - today).days))
    return sorted(found, key=lambda found: (found.day, found.name.lower(), found.id))


_MEMO_COLUMNS = (
    "m.id, m.user_id, coalesce(nullif(u.display_name, ''), u.username), m.shared, m.subject, "
    "m.at, m.due_at, m.place, m.importance, m.remind_before_min, m.customer_id, c.name, "
    "m.done, m.notified_at, m.created_at, m.updated_at"
)


def _memo(row: tuple) -> Memo:
    values = list(row)
    values[3] = bool(values[3])
    values[12] = bool(values[12])
    return Memo(*values)


@dataclass(frozen=True)
class Reader:
    """Who reads memos: their id, their group (its shared memos), whose customers they see
    (a memo's customer is named only to those who see it)."""

    user_id: int
    group_id: int | None
    customers: OwnerScope


class Memos:
    """The memos of one store."""

    def __init__(self, store: Store, clock=time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- reading --------------------------------------------------------------------

    def _select(self, reader: Reader, where: str, parameters: list, tail: str = "") -> list[Memo]:
        seen, seen_values = reader.customers.condition("c.added_by")
        visible = "(m.user_id = ? OR (m.shared = 1 AND ? IS NOT NULL AND u.group_id = ?))"
        rows = self.store.connection().execute(
            f"SELECT {_MEMO_COLUMNS} FROM memos m JOIN users u ON u.id = m.user_id "
            f"LEFT JOIN customers c ON c.id = m.customer_id AND {seen} "
            f"WHERE {visible} AND {where} {tail}",
            [*seen_values, reader.user_id, reader.group_id, reader.group_id, *parameters],
        ).fetchall()
        return [_memo(row) for row in rows]

    def get(self, memo_id: int, reader: Reader) -> Memo | None:
        """The memo, if the reader may read it (their own, or shared with their group)."""
        found = self._select(reader, "m.id = ?", [memo_id])
        return found[0] if found else None

    def upcoming(self, reader: Reader, now: float, limit: int = 200) -> list[Memo]:
        """Memos not done, or whose time is still to come: the soonest first."""
        return self._select(reader, "(m.done = 0 OR m.due_at >= ?)", [now],
                            f"ORDER BY m.due_at, m.id LIMIT {int(limit)}")

    def past(self, reader: Reader, now: float, limit: int = 100) -> list[Memo]:
        """Memos done whose time has passed: the latest first."""
        return self._select(reader, "m.done = 1 AND m.due_at < ?", [now],
                            f"ORDER BY m.due_at DESC, m.id DESC LIMIT {int(limit)}")

    def until(self, reader: Reader, until: float, limit: int = 50) -> list[Memo]:
        """Memos not done whose time is before ``until`` (overdue ones included)."""
        return self._select(reader, "m.done = 0 AND m.due_at < ?", [until],
                            f"ORDER BY m.due_at, m.id LIMIT {int(limit)}")

    def of_customer(self, reader: Reader, customer_id: int, limit: int = 20) -> list[Memo]:
        """The reader's own memos about a customer: not done first, then the latest."""
        return self._select(reader, "m.user_id = ? AND m.customer_id = ?",
                            [reader.user_id, customer_id],
                            f"ORDER BY m.done, m.due_at DESC LIMIT {int(limit)}")

    def claim_due(self, user_id: int, now: float) -> list[Memo]:
        """The author's reminders that came due and were not yet shown, marked shown in
        the same step: each is handed out once, whichever tab asks first."""
        with self.store.transaction() as connection:
            ids = [row[0] for row in connection.execute(
                "UPDATE memos SET notified_at = ? WHERE user_id = ? AND done = 0 "
                "AND notified_at IS NULL AND due_at - remind_before_min * 60 <= ? "
                "RETURNING id", (now, user_id, now))]
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        rows = self.store.connection().execute(
            f"SELECT {_MEMO_COLUMNS} FROM memos m JOIN users u ON u.id = m.user_id "
            f"LEFT JOIN customers c ON c.id = m.customer_id WHERE m.id IN ({marks}) "
            "ORDER BY m.due_at, m.id", ids).fetchall()
        return [_memo(row) for row in rows]

    # ---- changing -------------------------------------------------------------------

    @staticmethod
    def check(fields: dict) -> dict:
        """The fields as kept: subject, at (local), place, importance, remind_before_min,
        customer_id, shared, done. MemoError names the first field that is wrong."""
        subject = str(fields.get("subject", "")).strip()
        if not subject:
            raise MemoError("Topic: write what the memo is about.")
        if len(subject) > SUBJECT_LIMIT:
            raise MemoError("Topic: at most {n} characters.", n=SUBJECT_LIMIT)
        place = str(fields.get("place", "")).strip()
        if len(place) > PLACE_LIMIT:
            raise MemoError("Place: at most {n} characters.", n=PLACE_LIMIT)
        if not subject.isprintable() or not place.isprintable():
            raise MemoError("Topic and place: one line of text each.")
        importance = fields.get("importance", "normal")
        if importance not in IMPORTANCES:
            raise MemoError("Importance: choose low, normal or high.")
        remind = fields.get("remind_before_min", 0)
        if remind not in REMIND_BEFORE:
            raise MemoError("Remind me: choose one of the times offered.")
        return {
            "subject": subject,
            "at": parse_local_time(str(fields.get("at", ""))),
            "place": place,
            "importance": importance,
            "remind_before_min": remind,
            "customer_id": fields.get("customer_id"),
            "shared": bool(fields.get("shared")),
            "done": bool(fields.get("done")),
        }

    def add(self, user_id: int, fields: dict, utc_offset_s: int) -> Memo:
        """A new memo of ``user_id``. One whose reminder time has passed already is not
        reminded of (it is written after the fact)."""
        kept = self.check(fields)
        now = self.clock()
        due_at = moment_of(kept["at"], utc_offset_s)
        notified = now if due_at - kept["remind_before_min"] * 60 <= now else None
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO memos (user_id, shared, subject, at, due_at, place, importance, "
                "remind_before_min, customer_id, done, notified_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (user_id, int(kept["shared"]), kept["subject"], kept["at"], due_at,
                 kept["place"], kept["importance"], kept["remind_before_min"],
                 kept["customer_id"], int(kept["done"]), notified, now, now),
            )
            memo_id = int(cursor.lastrowid)
        return self._own(memo_id, user_id)

    def _own(self, memo_id: int, user_id: int) -> Memo:
        found = self._select(Reader(user_id, None, OwnerScope(everyone=True)),
                             "m.id = ? AND m.user_id = ?", [memo_id, user_id])
        if not found:
            raise NoSuchRowError(f"memo {memo_id}")
        return found[0]

    def change(self, memo_id: int, user_id: int, fields: dict, utc_offset_s: int) -> Memo:
        """Change the author's memo. A new time or a new reminder reminds again, unless its
        time has passed."""
        before = self._own(memo_id, user_id)
        kept = self.check(fields)
        now = self.clock()
        due_at = moment_of(kept["at"], utc_offset_s)
        notified = before.notified_at
        if (due_at, kept["remind_before_min"]) != (before.due_at, before.remind_before_min):
            notified = now if due_at - kept["remind_before_min"] * 60 <= now else None
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE memos SET shared = ?, subject = ?, at = ?, due_at = ?, place = ?, "
                "importance = ?, remind_before_min = ?, customer_id = ?, done = ?, "
                "notified_at = ?, updated_at = ? WHERE id = ? AND user_id = ?",
                (int(kept["shared"]), kept["subject"], kept["at"], due_at, kept["place"],
                 kept["importance"], kept["remind_before_min"], kept["customer_id"],
                 int(kept["done"]), notified, now, memo_id, user_id),
            )
        return self._own(memo_id, user_id)

    def set_done(self, memo_id: int, user_id: int, done: bool) -> Memo:
        self._own(memo_id, user_id)
        with self.store.transaction() as connection:
            connection.execute("UPDATE memos SET done = ?, updated_at = ? WHERE id = ? "
                               "AND user_id = ?", (int(done), self.clock(), memo_id, user_id))
        return self._own(memo_id, user_id)

    def delete(self, memo_id: int, user_id: int) -> Memo:
        before = self._own(memo_id, user_id)
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM memos WHERE id = ? AND user_id = ?",
                               (memo_id, user_id))
        return before

    # ---- birthdays and settings -----------------------------------------------------

    def days_ahead(self, user_id: int) -> int:
        row = self.store.connection().execute(
            "SELECT days_ahead FROM memo_settings WHERE user_id = ?", (user_id,)).fetchone()
        return DAYS_AHEAD_DEFAULT if row is None else int(row[0])

    def set_days_ahead(self, user_id: int, days: int) -> None:
        if not 0 <= days <= DAYS_AHEAD_MOST:
            raise MemoError("Days ahead: 0 to {n}.", n=DAYS_AHEAD_MOST)
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO memo_settings (user_id, days_ahead) VALUES (?, ?) "
                "ON CONFLICT (user_id) DO UPDATE SET days_ahead = excluded.days_ahead",
                (user_id, days))

    def staff_birthday(self, user_id: int) -> str | None:
        row = self.store.connection().execute(
            "SELECT birthday FROM staff_birthdays WHERE user_id = ?", (user_id,)).fetchone()
        return None if row is None else row[0]

    def set_staff_birthday(self, user_id: int, birthday: str | None) -> None:
        with self.store.transaction() as connection:
            if birthday is None:
                connection.execute("DELETE FROM staff_birthdays WHERE user_id = ?", (user_id,))
            else:
                connection.execute(
                    "INSERT INTO staff_birthdays (user_id, birthday) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO UPDATE SET birthday = excluded.birthday",
                    (user_id, birthday))

    def birthdays(self, today: date, days: int, customers: OwnerScope | None,
                  staff: frozenset[int] | None) -> list[Birthday]:
        """Birthdays from ``today`` to ``days`` ahead: of the customers ``customers`` sees
        (None: none) and of the active users in ``staff`` (None: every user)."""
        connection = self.store.connection()
        rows: list[tuple[str, int, str, str | None]] = []
        if customers is not None:
            condition, values = customers.condition("added_by")
            rows += [("customer", *row) for row in connection.execute(
                "SELECT id, name, birthday FROM customers WHERE birthday IS NOT NULL "
                f"AND birthday != '' AND {condition}", values)]
        user_rows = connection.execute(
            "SELECT u.id, coalesce(nullif(u.display_name, ''), u.username), b.birthday "
            "FROM staff_birthdays b JOIN users u ON u.id = b.user_id WHERE u.active = 1")
        rows += [("staff", *row) for row in user_rows if staff is None or row[0] in staff]
        return birthdays_within(rows, today, days)

    def today(self, utc_offset_s: int) -> date:
        return (datetime(1970, 1, 1) + timedelta(seconds=self.clock() + utc_offset_s)).date()
