"""Dialling tasks in the store: the tasks, their numbers, and every attempt at a number.

A task (``dial_tasks``) has its settings (``firmware.store.dialling_rules``),
its lines and its operators. Its numbers (``dial_numbers``) come from
customers, a customer group or an imported file, one row per number the box
dials (``dial``: the digits; a number given twice is merged into one row, its
names and notes joined); each is ``waiting`` (for ``due_at``), ``dialling``
(an attempt is open) or ``done`` with its result. A number the call firewall
refuses is done as ``blocked``, with the rule (``blocked_by``).

The attempts (``dial_attempts``) are the bookkeeping that makes each call
happen once: ``open_attempt`` writes the attempt and takes the number from
``waiting`` to ``dialling`` in one transaction, before the runner sends its
``DialCommand`` (the attempt's id, ``attempt_id``, goes with it);
``close_attempt`` writes the result and what comes next by the task's rules
(``next_step``) in one transaction, and only for an attempt still open, so a
result told twice counts once. An attempt left open by a box that stopped is
closed by the runner when it starts again (``open_attempts``,
``call_of_attempt``).

The numbers are normalised by the caller (the country layer: E.164 and the
digits to dial); this module keeps them as given.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.dialling_rules import (
    ERRORS,
    MAX_NAME,
    MAX_SCRIPT,
    DiallingError,
    TaskSettings,
    attempt_id,
    check_settings,
    next_step,
    settings_of,
)

MAX_NUMBER_NAME = 200
MAX_NUMBER_NOTE = 1000
MATCH_CALL_S = 120.0  # an attempt's call starts within this of the attempt (it seizes first)


@dataclass(frozen=True)
class Task:
    id: int
    name: str
    owner_id: int | None
    owner_name: str
    state: str  # draft, running, paused, done
    settings: TaskSettings
    script: str
    created_at: float
    updated_at: float
    started_at: float | None = None
    done_at: float | None = None
    lines: tuple[int, ...] = ()
    operators: tuple[int, ...] = ()  # user ids


@dataclass(frozen=True)
class Progress:
    """A task's numbers: how many, how many done, and the results of those done."""

    total: int = 0
    done: int = 0
    waiting: int = 0
    dialling: int = 0
    results: tuple[tuple[str, int], ...] = ()  # (result, count), most first


@dataclass(frozen=True)
class NewNumber:
    """A number to add to a task, normalised: as given, E.164, the digits the box dials."""

    number: str
    number_e164: str | None
    dial: str
    name: str = ""
    note: str = ""
    customer_id: int | None = None
    blocked_by: str | None = None  # the firewall's rule that refuses it now, if one does


@dataclass(frozen=True)
class TaskNumber:
    id: int
    task_id: int
    number: str
    number_e164: str | None
    dial: str
    name: str
    note: str
    customer_id: int | None
    state: str  # waiting, dialling, done
    result: str | None  # once done
    blocked_by: str | None
    attempts: int  # placed
    due_at: float
    last_result: str | None
    added_at: float
    done_at: float | None


@dataclass(frozen=True)
class Attempt:
    id: int
    task_id: int
    number_id: int
    line: int
    dial: str
    started_at: float
    decided_at: float | None = None
    result: str | None = None  # None while open
    decided_s: float | None = None
    call_id: int | None = None
    message_left: bool = False
    held_at: float | None = None  # a person was held for the operator
    detail: str = ""

    @property
    def sent_as(self) -> str:
        """The id its ``DialCommand`` carries."""
        return attempt_id(self.task_id, self.id)


@dataclass(frozen=True)
class AddReport:
    added: int = 0
    merged: int = 0  # given twice, or in the task already: joined into the number there
    blocked: int = 0  # of those added, refused by the call firewall


@dataclass(frozen=True)
class Closed:
    """An attempt closed: its number done with ``result``, or waiting until ``due_at``."""

    attempt: Attempt
    done: bool
    result: str
    due_at: float | None = None


_TASK_COLUMNS = ("id, name, owner_id, owner_name, state, settings, script, created_at, "
                 "updated_at, started_at, done_at")
_NUMBER_COLUMNS = ("id, task_id, number, number_e164, dial, name, note, customer_id, state, "
                   "result, blocked_by, attempts, due_at, last_result, added_at, done_at")
_ATTEMPT_COLUMNS = ("a.id, a.task_id, a.number_id, a.line, n.dial, a.started_at, a.decided_at, "
                    "a.result, a.decided_s, a.call_id, a.message_left, a.held_at, a.detail")
_ATTEMPT_FROM = "dial_attempts a JOIN dial_numbers n ON n.id = a.number_id"
# A call id as the line told it, if the call log has the call (a log that could not be
# written yet has not: the attempt is kept without it).
_LOGGED_CALL = "(SELECT id FROM calls WHERE id = ?)"
_NUMBER_FILTERS = {
    "": ("1", ()),
    "waiting": ("state = 'waiting'", ()),
    "dialling": ("state = 'dialling'", ()),
    "done": ("state = 'done'", ()),
}


def _attempt(row: tuple) -> Attempt:
    values = list(row)
    values[10] = bool(values[10])
    return Attempt(*values)


def _joined(old: str, new: str, limit: int) -> str:
    """``old`` with ``new`` added (a number merged), unless it says so already."""
    new = new.strip()
    if not new or new in old:
        return old
    return (f"{old}; {new}" if old else new)[:limit]


class DiallingTasks:
    """The dialling tasks of one store."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    # ---- tasks ---------------------------------------------------------------------------

    def _task(self, connection: sqlite3.Connection, row: tuple) -> Task:
        (task_id, name, owner_id, owner_name, state, settings, script, created_at, updated_at,
         started_at, done_at) = row
        lines = tuple(r[0] for r in connection.execute(
            "SELECT line FROM dial_task_lines WHERE task_id = ? ORDER BY line", (task_id,)))
        operators = tuple(r[0] for r in connection.execute(
            "SELECT user_id FROM dial_task_operators WHERE task_id = ? ORDER BY user_id",
            (task_id,)))
        return Task(task_id, name, owner_id, owner_name, state, settings_of(settings), script,
                    created_at, updated_at, started_at, done_at, lines, operators)

    def task(self, task_id: int) -> Task | None:
        connection = self.store.connection()
        row = connection.execute(
            f"SELECT {_TASK_COLUMNS} FROM dial_tasks WHERE id = ?", (task_id,)).fetchone()
        return self._task(connection, row) if row else None

    def tasks(self, *, operator: int | None = None, states: Iterable[str] = ()) -> list[Task]:
        """Every task, newest first; ``operator``: only those a user is assigned to."""
        conditions, parameters = ["1"], []
        if operator is not None:
            conditions.append(
                "id IN (SELECT task_id FROM dial_task_operators WHERE user_id = ?)")
            parameters.append(operator)
        states = tuple(states)
        if states:
            conditions.append(f"state IN ({', '.join('?' for _ in states)})")
            parameters.extend(states)
        connection = self.store.connection()
        rows = connection.execute(
            f"SELECT {_TASK_COLUMNS} FROM dial_tasks WHERE {' AND '.join(conditions)} "
            "ORDER BY id DESC", parameters).fetchall()
        return [self._task(connection, row) for row in rows]

    @staticmethod
    def _checked(name: str, script: str, settings: TaskSettings) -> tuple[str, str, str]:
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise DiallingError(ERRORS[0], n=MAX_NAME)
        script = script.strip()
        if len(script) > MAX_SCRIPT:
            raise DiallingError(ERRORS[1], n=MAX_SCRIPT)
        document = json.dumps(check_settings(settings).document(), ensure_ascii=False)
        return name, script, document

    @staticmethod
    def _assign(connection: sqlite3.Connection, task_id: int, lines: Iterable[int],
                operators: Iterable[int]) -> None:
        connection.execute("DELETE FROM dial_task_lines WHERE task_id = ?", (task_id,))
        connection.execute("DELETE FROM dial_task_operators WHERE task_id = ?", (task_id,))
        connection.executemany("INSERT INTO dial_task_lines (task_id, line) VALUES (?, ?)",
                               [(task_id, line) for line in sorted(set(lines))])
        connection.executemany(
            "INSERT INTO dial_task_operators (task_id, user_id) VALUES (?, ?)",
            [(task_id, user) for user in sorted(set(operators))])

    def create(self, name: str, settings: TaskSettings, *, script: str = "",
               lines: Iterable[int] = (), operators: Iterable[int] = (),
               owner_id: int | None = None, owner_name: str = "") -> int:
        """A new task, a draft; its id."""
        name, script, document = self._checked(name, script, settings)
        now = self.clock()
        with self.store.transaction() as connection:
            task_id = int(connection.execute(
                "INSERT INTO dial_tasks (name, owner_id, owner_name, settings, script, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (name, owner_id, owner_name, document, script, now, now)).lastrowid)
            self._assign(connection, task_id, lines, operators)
        return task_id

    def update(self, task_id: int, name: str, settings: TaskSettings, *, script: str,
               lines: Iterable[int], operators: Iterable[int]) -> None:
        """New settings, lines and operators; a running task calls by them from its next
        call on."""
        name, script, document = self._checked(name, script, settings)
        with self.store.transaction() as connection:
            state = self._state(connection, task_id)
            if state == "done":
                raise DiallingError(ERRORS[16])
            connection.execute(
                "UPDATE dial_tasks SET name = ?, settings = ?, script = ?, updated_at = ? "
                "WHERE id = ?", (name, document, script, self.clock(), task_id))
            self._assign(connection, task_id, lines, operators)

    @staticmethod
    def _state(connection: sqlite3.Connection, task_id: int) -> str:
        row = connection.execute("SELECT state FROM dial_tasks WHERE id = ?",
                                 (task_id,)).fetchone()
        if row is None:
            raise DiallingError(ERRORS[11])
        return row[0]

    def start(self, task_id: int) -> str:
        """A draft or paused task runs; the state it was in."""
        with self.store.transaction() as connection:
            state = self._state(connection, task_id)
            if state not in ("draft", "paused"):
                raise DiallingError(ERRORS[14])
            if not connection.execute("SELECT 1 FROM dial_task_lines WHERE task_id = ?",
                                      (task_id,)).fetchone():
                raise DiallingError(ERRORS[12])
            if not connection.execute(
                    "SELECT 1 FROM dial_numbers WHERE task_id = ? AND state != 'done'",
                    (task_id,)).fetchone():
                raise DiallingError(ERRORS[13])
            now = self.clock()
            connection.execute(
                "UPDATE dial_tasks SET state = 'running', updated_at = ?, "
                "started_at = coalesce(started_at, ?) WHERE id = ?", (now, now, task_id))
        return state

    def pause(self, task_id: int) -> None:
        """A running task places no more calls; those under way end as they will."""
        with self.store.transaction() as connection:
            if self._state(connection, task_id) != "running":
                raise DiallingError(ERRORS[15])
            connection.execute("UPDATE dial_tasks SET state = 'paused', updated_at = ? "
                               "WHERE id = ?", (self.clock(), task_id))

    def finish_done(self, at: float) -> list[int]:
        """Running tasks whose every number is done are done; their ids."""
        with self.store.transaction() as connection:
            done = [row[0] for row in connection.execute(
                "SELECT id FROM dial_tasks t WHERE state = 'running' AND NOT EXISTS "
                "(SELECT 1 FROM dial_numbers WHERE task_id = t.id AND state != 'done')")]
            connection.executemany(
                "UPDATE dial_tasks SET state = 'done', done_at = ?, updated_at = ? WHERE id = ?",
                [(at, at, task_id) for task_id in done])
        return done

    def progress(self, task_id: int) -> Progress:
        rows = self.store.connection().execute(
            "SELECT state, result, count(*) FROM dial_numbers WHERE task_id = ? "
            "GROUP BY state, result", (task_id,)).fetchall()
        counts = {"waiting": 0, "dialling": 0, "done": 0}
        results: dict[str, int] = {}
        for state, result, count in rows:
            counts[state] += count
            if state == "done" and result:
                results[result] = results.get(result, 0) + count
        ordered = tuple(sorted(results.items(), key=lambda item: (-item[1], item[0])))
        return Progress(sum(counts.values()), counts["done"], counts["waiting"],
                        counts["dialling"], ordered)

    def use_of_prompt(self, prompt_id: int) -> str | None:
        """The task that leaves the prompt on answering machines, if one not done does
        (``PromptLibrary.register_use``)."""
        row = self.store.connection().execute(
            "SELECT name FROM dial_tasks WHERE state != 'done' "
            "AND json_extract(settings, '$.machine') = 'message' "
            "AND json_extract(settings, '$.machine_prompt') = ? ORDER BY id LIMIT 1",
            (str(prompt_id),)).fetchone()
        return None if row is None else f"the message of the dialling task {row[0]}"

    # ---- numbers -------------------------------------------------------------------------

    def add_numbers(self, task_id: int, numbers: Iterable[NewNumber]) -> AddReport:
        """Add numbers to a task that is not done: each new one waiting, or done as
        ``blocked`` when the firewall refuses it; one given twice, or there already,
        merged into the number there. All in one transaction."""
        added = merged = blocked = 0
        now = self.clock()
        with self.store.transaction() as connection:
            if self._state(connection, task_id) == "done":
                raise DiallingError(ERRORS[16])
            for new in numbers:
                name = new.name.strip()[:MAX_NUMBER_NAME]
                note = new.note.strip()[:MAX_NUMBER_NOTE]
                there = connection.execute(
                    "SELECT id, name, note, customer_id FROM dial_numbers "
                    "WHERE task_id = ? AND dial = ?", (task_id, new.dial)).fetchone()
                if there is not None:
                    number_id, old_name, old_note, customer_id = there
                    connection.execute(
                        "UPDATE dial_numbers SET name = ?, note = ?, customer_id = ? "
                        "WHERE id = ?",
                        (_joined(old_name, name, MAX_NUMBER_NAME),
                         _joined(old_note, note, MAX_NUMBER_NOTE),
                         customer_id if customer_id is not None else new.customer_id,
                         number_id))
                    merged += 1
                    continue
                is_blocked = new.blocked_by is not None
                connection.execute(
                    "INSERT INTO dial_numbers (task_id, number, number_e164, dial, name, note, "
                    "customer_id, state, result, blocked_by, added_at, done_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (task_id, new.number, new.number_e164, new.dial, name, note,
                     new.customer_id, "done" if is_blocked else "waiting",
                     "blocked" if is_blocked else None, new.blocked_by, now,
                     now if is_blocked else None))
                added += 1
                blocked += is_blocked
            connection.execute("UPDATE dial_tasks SET updated_at = ? WHERE id = ?",
                               (now, task_id))
        return AddReport(added, merged, blocked)

    def numbers(self, task_id: int, *, show: str = "", limit: int | None = 100,
                offset: int = 0) -> list[TaskNumber]:
        """A task's numbers in the order added; ``show``: waiting, dialling, done, or a
        result."""
        condition, parameters = _NUMBER_FILTERS.get(show, ("result = ?", (show,)))
        rows = self.store.connection().execute(
            f"SELECT {_NUMBER_COLUMNS} FROM dial_numbers WHERE task_id = ? AND {condition} "
            "ORDER BY id LIMIT ? OFFSET ?",
            (task_id, *parameters, -1 if limit is None else limit, offset))
        return [TaskNumber(*row) for row in rows]

    def count_numbers(self, task_id: int, *, show: str = "") -> int:
        condition, parameters = _NUMBER_FILTERS.get(show, ("result = ?", (show,)))
        return self.store.connection().execute(
            f"SELECT count(*) FROM dial_numbers WHERE task_id = ? AND {condition}",
            (task_id, *parameters)).fetchone()[0]

    def number(self, number_id: int) -> TaskNumber | None:
        row = self.store.connection().execute(
            f"SELECT {_NUMBER_COLUMNS} FROM dial_numbers WHERE id = ?", (number_id,)).fetchone()
        return TaskNumber(*row) if row else None

    def attempts_of(self, number_ids: Iterable[int]) -> dict[int, list[Attempt]]:
        """The attempts at each number, first first."""
        ids = list(number_ids)
        found: dict[int, list[Attempt]] = {number_id: [] for number_id in ids}
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            rows = self.store.connection().execute(
                f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} "
                f"WHERE a.number_id IN ({', '.join('?' for _ in chunk)}) ORDER BY a.id", chunk)
            for row in rows:
                attempt = _attempt(row)
                found[attempt.number_id].append(attempt)
        return found

    def attempts(self, task_id: int) -> list[Attempt]:
        rows = self.store.connection().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} WHERE a.task_id = ? ORDER BY a.id",
            (task_id,))
        return [_attempt(row) for row in rows]

    def attempt(self, attempt: int) -> Attempt | None:
        row = self.store.connection().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} WHERE a.id = ?",
            (attempt,)).fetchone()
        return _attempt(row) if row else None

    def attempt_of_call(self, call_id: int) -> Attempt | None:
        row = self.store.connection().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} WHERE a.call_id = ? "
            "ORDER BY a.id DESC LIMIT 1", (call_id,)).fetchone()
        return _attempt(row) if row else None

    def open_on_line(self, line: int) -> Attempt | None:
        """The attempt under way on ``line``, if a task's call is."""
        row = self.store.connection().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} WHERE a.line = ? "
            "AND a.result IS NULL ORDER BY a.id DESC LIMIT 1", (line,)).fetchone()
        return _attempt(row) if row else None

    # ---- the runner's bookkeeping ------------------------------------------------------

    def due(self, task_id: int, at: float, *, limit: int, skip: Iterable[str] = ()
            ) -> list[TaskNumber]:
        """Numbers of a task waiting and due at ``at``: tries again first (they waited),
        then the rest in the order added; ``skip``: digits being dialled now."""
        skipped = tuple(skip)
        condition = (f" AND dial NOT IN ({', '.join('?' for _ in skipped)})" if skipped else "")
        rows = self.store.connection().execute(
            f"SELECT {_NUMBER_COLUMNS} FROM dial_numbers WHERE task_id = ? AND state = 'waiting' "
            f"AND due_at <= ?{condition} ORDER BY attempts = 0, due_at, id LIMIT ?",
            (task_id, at, *skipped, limit))
        return [TaskNumber(*row) for row in rows]

    def mark_blocked(self, number_id: int, rule: str, at: float) -> bool:
        """A waiting number the firewall now refuses: done, ``blocked`` by ``rule``."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE dial_numbers SET state = 'done', result = 'blocked', blocked_by = ?, "
                "done_at = ? WHERE id = ? AND state = 'waiting'", (rule, at, number_id))
        return cursor.rowcount == 1

    def open_attempt(self, number_id: int, line: int, at: float) -> Attempt | None:
        """Write an attempt at a waiting number of a running task on ``line`` and take the
        number to ``dialling``; None (nothing written) if it is not waiting any more."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE dial_numbers SET state = 'dialling' WHERE id = ? AND state = 'waiting' "
                "AND task_id IN (SELECT id FROM dial_tasks WHERE state = 'running')",
                (number_id,))
            if cursor.rowcount != 1:
                return None
            task_id = connection.execute("SELECT task_id FROM dial_numbers WHERE id = ?",
                                         (number_id,)).fetchone()[0]
            attempt = int(connection.execute(
                "INSERT INTO dial_attempts (task_id, number_id, line, started_at) "
                "VALUES (?, ?, ?, ?)", (task_id, number_id, line, at)).lastrowid)
        return self.attempt(attempt)

    def close_attempt(self, attempt: int, result: str, at: float, *,
                      decided_s: float | None = None, call_id: int | None = None,
                      message_left: bool = False, detail: str = "") -> Closed | None:
        """Write an open attempt's result and what comes next for its number, by its task's
        rules; None if the attempt is closed already (a result told twice counts once).
        ``detail``: for ``blocked`` the firewall's rule, else why, if it says more."""
        with self.store.transaction() as connection:
            row = connection.execute(
                "SELECT a.number_id, t.settings FROM dial_attempts a "
                "JOIN dial_tasks t ON t.id = a.task_id WHERE a.id = ? AND a.result IS NULL",
                (attempt,)).fetchone()
            if row is None:
                return None
            number_id, settings = row
            connection.execute(
                "UPDATE dial_attempts SET result = ?, decided_at = ?, decided_s = ?, "
                f"call_id = coalesce({_LOGGED_CALL}, call_id), message_left = ?, detail = ? "
                "WHERE id = ?",
                (result, at, decided_s, call_id, int(message_left), detail, attempt))
            placed, with_result = connection.execute(
                "SELECT count(*) FILTER (WHERE result NOT IN ('not_placed', 'blocked')), "
                "count(*) FILTER (WHERE result = ?) FROM dial_attempts WHERE number_id = ?",
                (result, number_id)).fetchone()
            step = next_step(settings_of(settings), result, with_result=with_result,
                             placed=placed)
            if step.done:
                connection.execute(
                    "UPDATE dial_numbers SET state = 'done', result = ?, blocked_by = ?, "
                    "attempts = ?, last_result = ?, done_at = ? WHERE id = ?",
                    (result, detail if result == "blocked" else None, placed, result, at,
                     number_id))
                due_at = None
            else:
                due_at = at + step.retry_in_s
                connection.execute(
                    "UPDATE dial_numbers SET state = 'waiting', attempts = ?, last_result = ?, "
                    "due_at = ? WHERE id = ?", (placed, result, due_at, number_id))
        closed = self.attempt(attempt)
        return Closed(closed, step.done, result, due_at)

    def note_call(self, attempt: int, call_id: int) -> None:
        """The call-log row of an open attempt's call, once the line tells it."""
        with self.store.transaction() as connection:
            connection.execute(f"UPDATE dial_attempts SET call_id = {_LOGGED_CALL} "
                               "WHERE id = ? AND call_id IS NULL", (call_id, attempt))

    def note_held(self, attempt: int, at: float) -> None:
        """A person answered the attempt and is held for the operator."""
        with self.store.transaction() as connection:
            connection.execute("UPDATE dial_attempts SET held_at = ? WHERE id = ? "
                               "AND held_at IS NULL", (at, attempt))

    def open_attempts(self) -> list[Attempt]:
        rows = self.store.connection().execute(
            f"SELECT {_ATTEMPT_COLUMNS} FROM {_ATTEMPT_FROM} WHERE a.result IS NULL "
            "ORDER BY a.id")
        return [_attempt(row) for row in rows]

    def call_of_attempt(self, attempt: Attempt) -> int | None:
        """The call-log row of an attempt the line never told the end of: its own, or the
        first outbound call to its digits on its line that started with it."""
        if attempt.call_id is not None:
            return attempt.call_id
        row = self.store.connection().execute(
            "SELECT id FROM calls WHERE line = ? AND direction = 'out' AND number = ? "
            "AND started_at BETWEEN ? AND ? ORDER BY started_at LIMIT 1",
            (attempt.line, attempt.dial, attempt.started_at - 5.0,
             attempt.started_at + MATCH_CALL_S)).fetchone()
        return row[0] if row else None

    def last_ended_on(self, line: int) -> float | None:
        """When the last attempt on ``line`` was decided (the gap runs from there)."""
        row = self.store.connection().execute(
            "SELECT max(decided_at) FROM dial_attempts WHERE line = ?", (line,)).fetchone()
        return row[0]
