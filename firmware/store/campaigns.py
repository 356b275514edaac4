"""Marketing campaigns in the store: a target list of customers, the dialling tasks and
text messages made for it, and what came of it.

A campaign has a name, a period (two local days, ``YYYY-MM-DD``), the customer groups
and levels its targets come from, and the target list itself (``campaign_targets``):
the customers of those groups and levels, as the user who saved the campaign sees them
(``refresh_targets``), and customers chosen by hand (``chosen``), kept when the groups
change. A dialling task or a text message made for the campaign carries its id
(``dial_tasks.campaign_id``, ``sms_outbox.campaign_id``).

Its results (``results``): the targets; the numbers a person answered among its tasks'
attempts and the messages delivered ("reached"); the calls an operator marked
"interested" (``campaign_outcomes``: a call of one of its tasks, or a call with one of
its targets during its period); and the orders that name it (not cancelled), with
their value.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from firmware.store.db import RefusedChangeError, Store
from firmware.store.scopes import OwnerScope

MAX_NAME = 100
MAX_NOTES = 2000
MAX_CHOICES = 100  # groups, levels
MAX_TARGETS = 20_000
OUTCOMES = ("interested", "not_interested")
# An attempt a person answered: talked with an operator, hung up on, not sure who.
REACHED_RESULTS = ("handed_over", "human", "notsure")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class CampaignError(RefusedChangeError):
    """A campaign change the store refuses (one line naming the field)."""


@dataclass(frozen=True)
class Campaign:
    id: int
    name: str
    starts_on: str
    ends_on: str
    groups: tuple[str, ...]
    levels: tuple[str, ...]
    notes: str
    created_by: int | None
    created_by_name: str
    created_at: float
    updated_at: float

    def runs_on(self, day: str) -> bool:
        return self.starts_on <= day <= self.ends_on


@dataclass(frozen=True)
class Results:
    campaign_id: int
    targets: int = 0
    tasks: int = 0
    calls: int = 0  # attempts placed
    reached_calls: int = 0  # numbers a person answered
    messages: int = 0  # text messages queued for it
    reached_messages: int = 0  # delivered
    reached: int = 0  # customers (or numbers) reached by a call or a message
    interested: int = 0
    not_interested: int = 0
    orders: int = 0  # orders naming the campaign, cancelled ones left out
    order_cents: int = 0  # their value

    def rate(self, part: int, whole: int) -> float | None:
        return part / whole if whole else None


@dataclass(frozen=True)
class Outcome:
    campaign_id: int
    call_id: int
    customer_id: int | None
    outcome: str
    set_by_name: str
    at: float


_COLUMNS = ("id, name, starts_on, ends_on, groups, levels, notes, created_by, "
            "created_by_name, created_at, updated_at")


def _campaign(row: tuple) -> Campaign:
    values = list(row)
    values[4] = tuple(json.loads(values[4]))
    values[5] = tuple(json.loads(values[5]))
    return Campaign(*values)


def check_day(text: str, field: str) -> str:
    """A day as ``YYYY-MM-DD`` (2000–2099); anything else is refused, naming ``field``."""
    found = _DAY.match(text.strip())
    problem = ("Write the first day as YYYY-MM-DD." if field == "starts_on"
               else "Write the last day as YYYY-MM-DD.")
    if not found:
        raise CampaignError(problem)
    try:
        day = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        raise CampaignError(problem) from None
    if not 2000 <= day.year <= 2099:
        raise CampaignError(problem)
    return day.isoformat()


def _choices(values: Iterable[str]) -> list[str]:
    chosen = sorted({value.strip()[:60] for value in values if value.strip()})
    if len(chosen) > MAX_CHOICES:
        raise CampaignError("Choose at most {n} groups and levels.", n=MAX_CHOICES)
    return chosen


class Campaigns:
    """The campaigns of one store."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- campaigns ----------------------------------------------------------------------

    def get(self, campaign_id: int) -> Campaign | None:
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM campaigns WHERE id = ?", (campaign_id,)).fetchone()
        return _campaign(row) if row else None

    def all(self) -> list[Campaign]:
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM campaigns ORDER BY starts_on DESC, id DESC")
        return [_campaign(row) for row in rows]

    @staticmethod
    def _checked(name: str, starts_on: str, ends_on: str, *, groups: Iterable[str],
                 levels: Iterable[str], notes: str) -> tuple:
        name = " ".join(name.split())
        if not name:
            raise CampaignError("Write the campaign's name.")
        if len(name) > MAX_NAME:
            raise CampaignError("A campaign's name is at most {n} characters.", n=MAX_NAME)
        notes = notes.strip()
        if len(notes) > MAX_NOTES:
            raise CampaignError("The notes are at most {n} characters.", n=MAX_NOTES)
        first, last = check_day(starts_on, "starts_on"), check_day(ends_on, "ends_on")
        if last < first:
            raise CampaignError("The last day comes before the first.")
        return (name, first, last, json.dumps(_choices(groups), ensure_ascii=False),
                json.dumps(_choices(levels), ensure_ascii=False), notes)

    def create(self, name: str, starts_on: str, ends_on: str, *, groups: Iterable[str] = (),
               levels: Iterable[str] = (), notes: str = "", by_id: int | None = None,
               by_name: str = "") -> int:
        values = self._checked(name, starts_on, ends_on, groups=groups, levels=levels,
                                    notes=notes)
        now = self.clock()
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO campaigns (name, starts_on, ends_on, groups, levels, notes, "
                "created_by, created_by_name, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, by_id, by_name, now, now))
            return int(cursor.lastrowid)

    def update(self, campaign_id: int, name: str, starts_on: str, ends_on: str, *,
               groups: Iterable[str] = (), levels: Iterable[str] = (), notes: str = "") -> None:
        values = self._checked(name, starts_on, ends_on, groups=groups, levels=levels,
                                    notes=notes)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE campaigns SET name = ?, starts_on = ?, ends_on = ?, groups = ?, "
                "levels = ?, notes = ?, updated_at = ? WHERE id = ?",
                (*values, self.clock(), campaign_id))
            if cursor.rowcount != 1:
                raise CampaignError("No campaign {id}.", id=campaign_id)

    def delete(self, campaign_id: int) -> None:
        """Remove the campaign; its tasks and messages stay, without it."""
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM campaigns WHERE id = ?", (campaign_id,))

    # ---- the target list ----------------------------------------------------------------

    def refresh_targets(self, campaign_id: int, scope: OwnerScope) -> int:
        """The targets from the campaign's groups and levels, as ``scope`` sees the
        customers, in place of those there were; chosen ones stay. How many there are."""
        campaign = self.get(campaign_id)
        if campaign is None:
            raise CampaignError("No campaign {id}.", id=campaign_id)
        condition, parameters = scope.condition("added_by")
        picks, values = [], []
        if campaign.groups:
            picks.append(f"category IN ({', '.join('?' for _ in campaign.groups)})")
            values += campaign.groups
        if campaign.levels:
            picks.append(f"grade IN ({', '.join('?' for _ in campaign.levels)})")
            values += campaign.levels
        with self.store.transaction() as connection:
            connection.execute(
                "DELETE FROM campaign_targets WHERE campaign_id = ? AND chosen = 0",
                (campaign_id,))
            if picks:
                connection.execute(
                    "INSERT OR IGNORE INTO campaign_targets (campaign_id, customer_id, chosen) "
                    f"SELECT ?, id, 0 FROM customers WHERE ({' OR '.join(picks)}) "
                    f"AND {condition} ORDER BY id LIMIT ?",
                    (campaign_id, *values, *parameters, MAX_TARGETS))
            return connection.execute(
                "SELECT count(*) FROM campaign_targets WHERE campaign_id = ?",
                (campaign_id,)).fetchone()[0]

    def choose(self, campaign_id: int, customer_ids: Iterable[int]) -> int:
        """Add customers by hand (the caller checked they are the user's to see); how many
        were not targets yet."""
        ids = sorted(set(customer_ids))
        with self.store.transaction() as connection:
            have = connection.execute(
                "SELECT count(*) FROM campaign_targets WHERE campaign_id = ?",
                (campaign_id,)).fetchone()[0]
            if have + len(ids) > MAX_TARGETS:
                raise CampaignError("A campaign has at most {n} targets.", n=MAX_TARGETS)
            connection.executemany(
                "INSERT INTO campaign_targets (campaign_id, customer_id, chosen) "
                "VALUES (?, ?, 1) ON CONFLICT DO UPDATE SET chosen = 1 WHERE chosen = 0",
                [(campaign_id, customer_id) for customer_id in ids])
            connection.execute("UPDATE campaigns SET updated_at = ? WHERE id = ?",
                               (self.clock(), campaign_id))
            return connection.execute(
                "SELECT count(*) FROM campaign_targets WHERE campaign_id = ?",
                (campaign_id,)).fetchone()[0] - have

    def remove_target(self, campaign_id: int, customer_id: int) -> bool:
        with self.store.transaction() as connection:
            return connection.execute(
                "DELETE FROM campaign_targets WHERE campaign_id = ? AND customer_id = ?",
                (campaign_id, customer_id)).rowcount == 1

    def target_ids(self, campaign_id: int, scope: OwnerScope) -> list[int]:
        """The targets ``scope`` sees, by name."""
        condition, parameters = scope.condition("c.added_by")
        rows = self.store.connection().execute(
            "SELECT c.id FROM campaign_targets x JOIN customers c ON c.id = x.customer_id "
            f"WHERE x.campaign_id = ? AND {condition} ORDER BY c.name COLLATE NOCASE, c.id",
            (campaign_id, *parameters))
        return [row[0] for row in rows]

    def is_target(self, campaign_id: int, customer_id: int) -> bool:
        return self.store.connection().execute(
            "SELECT 1 FROM campaign_targets WHERE campaign_id = ? AND customer_id = ?",
            (campaign_id, customer_id)).fetchone() is not None

    # ---- what was made for it -----------------------------------------------------------

    def link_task(self, campaign_id: int, task_id: int) -> None:
        with self.store.transaction() as connection:
            connection.execute("UPDATE dial_tasks SET campaign_id = ? WHERE id = ?",
                               (campaign_id, task_id))

    def link_messages(self, campaign_id: int, message_ids: Iterable[int]) -> None:
        with self.store.transaction() as connection:
            connection.executemany("UPDATE sms_outbox SET campaign_id = ? WHERE id = ?",
                                   [(campaign_id, message_id) for message_id in message_ids])

    def task_ids(self, campaign_id: int) -> list[int]:
        rows = self.store.connection().execute(
            "SELECT id FROM dial_tasks WHERE campaign_id = ? ORDER BY id", (campaign_id,))
        return [row[0] for row in rows]

    def campaign_of_task(self, task_id: int) -> int | None:
        row = self.store.connection().execute(
            "SELECT campaign_id FROM dial_tasks WHERE id = ?", (task_id,)).fetchone()
        return row[0] if row else None

    def message_states(self, campaign_id: int) -> dict[str, int]:
        rows = self.store.connection().execute(
            "SELECT state, count(*) FROM sms_outbox WHERE campaign_id = ? GROUP BY state",
            (campaign_id,))
        return dict(rows.fetchall())

    # ---- outcomes of calls --------------------------------------------------------------

    def of_call(self, call_id: int, customer_id: int | None, day: str) -> list[Campaign]:
        """The campaigns a call is part of: its dialling attempt's task's, and those with
        the call's customer among their targets that run on the call's ``day``."""
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM campaigns WHERE id IN ("
            "SELECT t.campaign_id FROM dial_attempts a JOIN dial_tasks t ON t.id = a.task_id "
            "WHERE a.call_id = ? "
            "UNION SELECT campaign_id FROM campaign_targets WHERE customer_id = ?) "
            "ORDER BY starts_on DESC, id DESC", (call_id, customer_id))
        attempted = self.store.connection().execute(
            "SELECT t.campaign_id FROM dial_attempts a JOIN dial_tasks t ON t.id = a.task_id "
            "WHERE a.call_id = ?", (call_id,)).fetchall()
        by_task = {row[0] for row in attempted}
        return [campaign for campaign in map(_campaign, rows)
                if campaign.id in by_task or campaign.runs_on(day)]

    def outcomes_of_call(self, call_id: int) -> dict[int, Outcome]:
        rows = self.store.connection().execute(
            "SELECT campaign_id, call_id, customer_id, outcome, set_by_name, at "
            "FROM campaign_outcomes WHERE call_id = ?", (call_id,))
        return {row[0]: Outcome(*row) for row in rows}

    def set_outcome(self, campaign_id: int, call_id: int, customer_id: int | None,
                    outcome: str, *, by_id: int | None, by_name: str) -> str:
        """Mark a call of the campaign interested or not ("" takes the mark away); the mark
        it had before ("" for none)."""
        if outcome not in ("", *OUTCOMES):
            raise CampaignError("Choose interested or not interested.")
        with self.store.transaction() as connection:
            row = connection.execute(
                "SELECT outcome FROM campaign_outcomes WHERE campaign_id = ? AND call_id = ?",
                (campaign_id, call_id)).fetchone()
            if not outcome:
                connection.execute(
                    "DELETE FROM campaign_outcomes WHERE campaign_id = ? AND call_id = ?",
                    (campaign_id, call_id))
            else:
                connection.execute(
                    "INSERT INTO campaign_outcomes (campaign_id, call_id, customer_id, outcome, "
                    "set_by, set_by_name, at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (campaign_id, call_id) DO UPDATE SET outcome = excluded.outcome,"
                    " customer_id = excluded.customer_id, set_by = excluded.set_by, "
                    "set_by_name = excluded.set_by_name, at = excluded.at",
                    (campaign_id, call_id, customer_id, outcome, by_id, by_name, self.clock()))
        return row[0] if row else ""

    # ---- results ------------------------------------------------------------------------

    def results(self, campaign_id: int) -> Results:
        connection = self.store.connection()
        reached = ", ".join(f"'{result}'" for result in REACHED_RESULTS)
        targets = connection.execute(
            "SELECT count(*) FROM campaign_targets WHERE campaign_id = ?",
            (campaign_id,)).fetchone()[0]
        tasks, calls, reached_calls = connection.execute(
            "SELECT count(DISTINCT t.id), count(a.id) FILTER (WHERE a.result IS NOT NULL "
            "AND a.result NOT IN ('not_placed', 'blocked')), "
            f"count(DISTINCT a.number_id) FILTER (WHERE a.result IN ({reached})) "
            "FROM dial_tasks t LEFT JOIN dial_attempts a ON a.task_id = t.id "
            "WHERE t.campaign_id = ?", (campaign_id,)).fetchone()
        messages, delivered = connection.execute(
            "SELECT count(*), count(*) FILTER (WHERE state = 'delivered') FROM sms_outbox "
            "WHERE campaign_id = ?", (campaign_id,)).fetchone()
        who = connection.execute(
            "SELECT count(*) FROM ("
            "SELECT coalesce('c' || n.customer_id, 'n' || coalesce(n.number_e164, n.dial)) "
            "FROM dial_attempts a JOIN dial_tasks t ON t.id = a.task_id "
            "JOIN dial_numbers n ON n.id = a.number_id "
            f"WHERE t.campaign_id = ? AND a.result IN ({reached}) "
            "UNION SELECT coalesce('c' || customer_id, 'n' || coalesce(number_e164, number)) "
            "FROM sms_outbox WHERE campaign_id = ? AND state = 'delivered')",
            (campaign_id, campaign_id)).fetchone()[0]
        interested, not_interested = connection.execute(
            "SELECT count(DISTINCT coalesce('c' || customer_id, 'k' || call_id)) "
            "FILTER (WHERE outcome = 'interested'), "
            "count(DISTINCT coalesce('c' || customer_id, 'k' || call_id)) "
            "FILTER (WHERE outcome = 'not_interested') "
            "FROM campaign_outcomes WHERE campaign_id = ?", (campaign_id,)).fetchone()
        orders, order_cents = connection.execute(
            "SELECT count(*), coalesce(sum(total_cents), 0) FROM orders "
            "WHERE campaign_id = ? AND state != 'cancelled'", (campaign_id,)).fetchone()
        return Results(campaign_id, targets, tasks, calls, reached_calls, messages, delivered,
                       who, interested, not_interested, orders, order_cents)


__all__ = [
    "MAX_NAME", "MAX_NOTES", "MAX_TARGETS", "OUTCOMES", "REACHED_RESULTS", "Campaign",
    "CampaignError", "Campaigns", "Outcome", "Results", "check_day",
]
