"""After-sales service tickets in the store: a customer's feedback, complaint, repair or
question, who handles it, the steps taken, its result, and when it is due.

A ticket belongs to a customer (and, if it was opened from one, a call); it sits in a
group's queue (``group_id``) and may have an assignee. Its state goes ``open`` →
``in_progress`` → ``waiting`` (for the customer) → ``resolved`` → ``closed``, any way
round: reopening is a change of state like another. A ticket is overdue while it is
neither resolved nor closed after its ``due_at``.

Its timeline (``service_steps``) has a dated entry per step a user took and one per
change of state, queue or assignee, written in the same transaction as the change.

Reads take a ``TicketScope``: every ticket, or those of the customers the reader sees
(``webui.permissions``' owner scope), those assigned to them, and, for a leader, those
in their group's queue.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.db import RefusedChangeError, Store
from firmware.store.scopes import EVERYTHING, OwnerScope
from firmware.store.sql_terms import like_pattern

KINDS = ("feedback", "complaint", "repair", "question")
PRIORITIES = ("low", "normal", "high", "urgent")
STATES = ("open", "in_progress", "waiting", "resolved", "closed")
FINISHED = ("resolved", "closed")  # not overdue whatever the time
STEP_KINDS = ("step", "state", "assigned", "opened")
MAX_SUBJECT = 200
MAX_TEXT = 4000
MAX_RESULT = 4000
MAX_STEP = 4000
# The lists a reader chooses between: theirs, their group's queue, every one they see.
VIEWS = ("mine", "group", "all")


class ServiceError(RefusedChangeError):
    """A ticket change the store refuses (one line naming the field)."""


NO_OWNERS = OwnerScope()


@dataclass(frozen=True)
class TicketScope:
    """Which tickets a reader sees: all, or those of the customers ``owners`` allows, those
    assigned to ``user_id``, and those in ``queue_group``'s queue (a leader's group)."""

    everything: bool = False
    owners: OwnerScope = NO_OWNERS
    user_id: int | None = None
    queue_group: int | None = None

    def condition(self, alias: str = "t") -> tuple[str, list[object]]:
        if self.everything:
            return "1", []
        owners, parameters = self.owners.condition("added_by")
        parts = [f"{alias}.customer_id IN (SELECT id FROM customers WHERE {owners})"]
        if self.user_id is not None:
            parts.append(f"{alias}.assignee_id = ?")
            parameters.append(self.user_id)
        if self.queue_group is not None:
            parts.append(f"{alias}.group_id = ?")
            parameters.append(self.queue_group)
        return "(" + " OR ".join(parts) + ")", parameters


EVERY_TICKET = TicketScope(everything=True, owners=EVERYTHING)


@dataclass(frozen=True)
class Ticket:
    id: int
    customer_id: int
    customer_name: str
    call_id: int | None
    kind: str
    subject: str
    text: str
    priority: str
    group_id: int | None
    group_name: str | None
    assignee_id: int | None
    assignee_name: str | None
    due_at: float | None
    state: str
    result: str
    opened_by: int | None
    opened_by_name: str
    created_at: float
    updated_at: float
    resolved_at: float | None

    def overdue(self, now: float) -> bool:
        return self.state not in FINISHED and self.due_at is not None and self.due_at < now


@dataclass(frozen=True)
class Step:
    id: int
    ticket_id: int
    at: float
    user_id: int | None
    user_name: str
    kind: str
    text: str


@dataclass(frozen=True)
class TicketFilter:
    """What a list shows: a view of VIEWS, and the narrowing choices ("" for any)."""

    view: str = "all"
    state: str = ""  # a state, "active" (not resolved nor closed) or ""
    kind: str = ""
    priority: str = ""
    overdue: bool = False
    text: str = ""
    customer_id: int | None = None


_COLUMNS = (
    "t.id, t.customer_id, c.name, t.call_id, t.kind, t.subject, t.text, t.priority, "
    "t.group_id, g.name, t.assignee_id, coalesce(nullif(u.display_name, ''), u.username), "
    "t.due_at, t.state, t.result, t.opened_by, t.opened_by_name, t.created_at, t.updated_at, "
    "t.resolved_at"
)
_FROM = (
    "service_tickets t JOIN customers c ON c.id = t.customer_id "
    "LEFT JOIN groups g ON g.id = t.group_id LEFT JOIN users u ON u.id = t.assignee_id"
)
_PRIORITY_RANK = "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 " \
                 "WHEN 'normal' THEN 2 ELSE 3 END"


# A field's messages: when it is missing (if it must be given), when it is too long.
_FIELD_PROBLEMS = {
    "subject": ("Write the title.", "The title is at most {n} characters."),
    "description": ("", "The description is at most {n} characters."),
    "step": ("Write the step taken.", "A step is at most {n} characters."),
    "result": ("", "The result is at most {n} characters."),
}


def _text(value: str, limit: int, field: str, *, required: bool = False) -> str:
    value = value.strip()
    missing, too_long = _FIELD_PROBLEMS[field]
    if required and not value:
        raise ServiceError(missing)
    if len(value) > limit:
        raise ServiceError(too_long, n=limit)
    return value


class ServiceTickets:
    """The service tickets of one store."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- reading ------------------------------------------------------------------------

    def get(self, ticket_id: int, scope: TicketScope) -> Ticket | None:
        condition, parameters = scope.condition()
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE t.id = ? AND {condition}",
            (ticket_id, *parameters)).fetchone()
        return Ticket(*row) if row else None

    def _where(self, scope: TicketScope, found: TicketFilter, *, user_id: int | None,
               group_id: int | None, now: float) -> tuple[str, list[object]]:
        condition, parameters = scope.condition()
        conditions = [condition]
        if found.view == "mine":
            conditions.append("t.assignee_id = ?")
            parameters.append(user_id)
        elif found.view == "group":
            conditions.append("t.group_id = ?")
            parameters.append(group_id)
        if found.state == "active":
            conditions.append("t.state NOT IN ('resolved', 'closed')")
        elif found.state:
            conditions.append("t.state = ?")
            parameters.append(found.state)
        for column in ("kind", "priority"):
            if getattr(found, column):
                conditions.append(f"t.{column} = ?")
                parameters.append(getattr(found, column))
        if found.overdue:
            conditions.append("t.state NOT IN ('resolved', 'closed') AND t.due_at < ?")
            parameters.append(now)
        if found.customer_id is not None:
            conditions.append("t.customer_id = ?")
            parameters.append(found.customer_id)
        if found.text:
            pattern = like_pattern(found.text)
            conditions.append("(t.subject LIKE ? ESCAPE '\\' OR t.text LIKE ? ESCAPE '\\' "
                              "OR c.name LIKE ? ESCAPE '\\')")
            parameters += [pattern] * 3
        return " AND ".join(conditions), parameters

    def search(self, scope: TicketScope, found: TicketFilter = TicketFilter(), *,
               user_id: int | None = None, group_id: int | None = None,
               limit: int | None = 100, offset: int = 0) -> list[Ticket]:
        """The tickets ``found`` picks of those ``scope`` sees: the overdue first, then by
        priority and due time. ``user_id`` and ``group_id``: whose "mine" and "group"."""
        now = self.clock()
        where, parameters = self._where(scope, found, user_id=user_id, group_id=group_id,
                                        now=now)
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} ORDER BY "
            "t.state IN ('resolved', 'closed'), "
            "(t.state NOT IN ('resolved', 'closed') AND t.due_at < ?) DESC, "
            f"{_PRIORITY_RANK}, t.due_at IS NULL, t.due_at, t.id DESC LIMIT ? OFFSET ?",
            (*parameters, now, -1 if limit is None else limit, offset)).fetchall()
        return [Ticket(*row) for row in rows]

    def count(self, scope: TicketScope, found: TicketFilter = TicketFilter(), *,
              user_id: int | None = None, group_id: int | None = None) -> int:
        where, parameters = self._where(scope, found, user_id=user_id, group_id=group_id,
                                        now=self.clock())
        return self.store.connection().execute(
            f"SELECT count(*) FROM {_FROM} WHERE {where}", parameters).fetchone()[0]

    def overdue_count(self, scope: TicketScope, *, assignee_id: int | None = None,
                      group_id: int | None = None) -> int:
        """Overdue tickets ``scope`` sees; with ``assignee_id`` and/or ``group_id``, only
        those assigned to the user or in the group's queue."""
        condition, parameters = scope.condition()
        mine = []
        if assignee_id is not None:
            mine.append("t.assignee_id = ?")
            parameters.append(assignee_id)
        if group_id is not None:
            mine.append("t.group_id = ?")
            parameters.append(group_id)
        if mine:
            condition += " AND (" + " OR ".join(mine) + ")"
        return self.store.connection().execute(
            "SELECT count(*) FROM service_tickets t WHERE t.state NOT IN ('resolved', 'closed') "
            f"AND t.due_at < ? AND {condition}", (self.clock(), *parameters)).fetchone()[0]

    def steps(self, ticket_id: int) -> list[Step]:
        rows = self.store.connection().execute(
            "SELECT id, ticket_id, at, user_id, user_name, kind, text FROM service_steps "
            "WHERE ticket_id = ? ORDER BY at, id", (ticket_id,))
        return [Step(*row) for row in rows]

    # ---- changing -----------------------------------------------------------------------

    def _check_people(self, connection, group_id: int | None, assignee_id: int | None) -> None:
        if group_id is not None and connection.execute(
                "SELECT 1 FROM groups WHERE id = ?", (group_id,)).fetchone() is None:
            raise ServiceError("Choose a group of the list.")
        if assignee_id is not None and connection.execute(
                "SELECT 1 FROM users WHERE id = ? AND active = 1",
                (assignee_id,)).fetchone() is None:
            raise ServiceError("Choose who handles it from the list.")

    def open(self, customer_id: int, *, kind: str, subject: str, text: str = "",
             priority: str = "normal", group_id: int | None = None,
             assignee_id: int | None = None, due_at: float | None = None,
             call_id: int | None = None, by_id: int | None = None, by_name: str = "") -> int:
        """A new ticket (the caller checked the customer and call are the user's to see)."""
        if kind not in KINDS:
            raise ServiceError("Choose what kind of ticket it is.")
        if priority not in PRIORITIES:
            raise ServiceError("Choose a priority of the list.")
        subject = " ".join(_text(subject, MAX_SUBJECT, "subject", required=True).split())
        text = _text(text, MAX_TEXT, "description")
        now = self.clock()
        with self.store.transaction() as connection:
            if connection.execute("SELECT 1 FROM customers WHERE id = ?",
                                  (customer_id,)).fetchone() is None:
                raise ServiceError("Choose the customer the ticket is about.")
            self._check_people(connection, group_id, assignee_id)
            cursor = connection.execute(
                "INSERT INTO service_tickets (customer_id, call_id, kind, subject, text, "
                "priority, group_id, assignee_id, due_at, opened_by, opened_by_name, "
                "created_at, updated_at) VALUES (?, (SELECT id FROM calls WHERE id = ?), "
                "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (customer_id, call_id, kind, subject, text, priority, group_id, assignee_id,
                 due_at, by_id, by_name, now, now))
            ticket_id = int(cursor.lastrowid)
            self._step(connection, ticket_id, "opened", "", by_id=by_id, by_name=by_name,
                       at=now)
        return ticket_id

    @staticmethod
    def _step(connection, ticket_id: int, kind: str, text: str, *, by_id: int | None,
              by_name: str, at: float) -> None:
        connection.execute(
            "INSERT INTO service_steps (ticket_id, at, user_id, user_name, kind, text) "
            "VALUES (?, ?, ?, ?, ?, ?)", (ticket_id, at, by_id, by_name, kind, text))
        connection.execute("UPDATE service_tickets SET updated_at = ? WHERE id = ?",
                           (at, ticket_id))

    def add_step(self, ticket_id: int, text: str, *, by_id: int | None, by_name: str) -> int:
        """A step a user took, on the ticket's timeline."""
        text = _text(text, MAX_STEP, "step", required=True)
        with self.store.transaction() as connection:
            self._exists(connection, ticket_id)
            self._step(connection, ticket_id, "step", text, by_id=by_id, by_name=by_name,
                       at=self.clock())
            return int(connection.execute("SELECT max(id) FROM service_steps "
                                          "WHERE ticket_id = ?", (ticket_id,)).fetchone()[0])

    @staticmethod
    def _exists(connection, ticket_id: int) -> tuple:
        row = connection.execute(
            "SELECT state, group_id, assignee_id, result FROM service_tickets WHERE id = ?",
            (ticket_id,)).fetchone()
        if row is None:
            raise ServiceError("No ticket {id}.", id=ticket_id)
        return row

    def set_state(self, ticket_id: int, state: str, *, result: str | None = None,
                  by_id: int | None, by_name: str) -> tuple[str, str]:
        """Change the state (and the result, if given); the state before and after. A
        ticket resolved or closed keeps when it was resolved; reopened, it loses it."""
        if state not in STATES:
            raise ServiceError("Choose a state of the list.")
        if result is not None:
            result = _text(result, MAX_RESULT, "result")
        now = self.clock()
        with self.store.transaction() as connection:
            before, _, _, old_result = self._exists(connection, ticket_id)
            if state in FINISHED and not (result if result is not None else old_result):
                raise ServiceError("Write the result before resolving or closing the ticket.")
            connection.execute(
                "UPDATE service_tickets SET state = ?, result = coalesce(?, result), "
                "resolved_at = CASE WHEN ? IN ('resolved', 'closed') "
                "THEN coalesce(resolved_at, ?) ELSE NULL END WHERE id = ?",
                (state, result, state, now, ticket_id))
            if before != state:
                self._step(connection, ticket_id, "state", f"{before}>{state}", by_id=by_id,
                           by_name=by_name, at=now)
            elif result is not None and result != old_result:
                self._step(connection, ticket_id, "state", f"{state}>{state}", by_id=by_id,
                           by_name=by_name, at=now)
        return before, state

    def assign(self, ticket_id: int, *, group_id: int | None, assignee_id: int | None,
               due_at: float | None, by_id: int | None, by_name: str
               ) -> list[tuple[str, object, object]]:
        """Put the ticket in a queue, give it to someone, set its due time; the changes as
        (field, before, after)."""
        now = self.clock()
        with self.store.transaction() as connection:
            self._exists(connection, ticket_id)
            self._check_people(connection, group_id, assignee_id)
            old = connection.execute(
                "SELECT group_id, assignee_id, due_at FROM service_tickets WHERE id = ?",
                (ticket_id,)).fetchone()
            new = (group_id, assignee_id, due_at)
            changes = [(name, before, after) for name, before, after in
                       zip(("group", "assignee", "due_at"), old, new, strict=True)
                       if before != after]
            if not changes:
                return []
            connection.execute(
                "UPDATE service_tickets SET group_id = ?, assignee_id = ?, due_at = ? "
                "WHERE id = ?", (*new, ticket_id))
            self._step(connection, ticket_id, "assigned",
                       ";".join(f"{name}={'' if after is None else after}"
                                for name, _, after in changes), by_id=by_id,
                       by_name=by_name, at=now)
        return changes


__all__ = [
    "EVERY_TICKET", "FINISHED", "KINDS", "MAX_RESULT", "MAX_STEP", "MAX_SUBJECT", "MAX_TEXT",
    "PRIORITIES", "STATES", "VIEWS", "ServiceError", "ServiceTickets", "Step", "Ticket",
    "TicketFilter", "TicketScope",
]
