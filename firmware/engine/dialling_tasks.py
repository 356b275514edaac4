"""Dialling tasks on the lines: the runner (``TaskRunner``) and its thread (``DiallingService``).

The runner is the one place that decides which number a line calls next. At
each ``tick`` it takes in what the lines told of its calls, closes attempts
the lines never told the end of (``ATTEMPT_MOST_S``), marks tasks done, and
then, for each line that is free, places the next due number of a running task
the line is assigned to: inside the task's calling windows (local time), under
its lines-at-once, after its gap on that line, never a number being dialled
on another line, and never one the call firewall refuses now (checked again
just before: its lists change; such a number ends ``blocked``).

Placing a call is written first (``DiallingTasks.open_attempt``) and asked for
after (``dial``, a ``contract.DialCommand`` without ``hand_over``, with the
task's ``hold_s`` and, for a task that leaves a message, its prompt): the
attempt's id goes with it and comes back in the line's ``DialProgress`` and
``DialEnded``. The result, and what comes next by the task's rules, is written
in one transaction when ``DialEnded`` comes. So each call is placed once: a
box that stops between the two finds the attempt open when it starts again
(``start``), closes it ``failed`` (with its call, if the log has one) and the
number is tried again by the rule for ``failed``.

A person who answers is held by the line for the task's operator
(``DialProgress`` ``holding``: the web pops the task's card with its call
script for them; ``firmware.store.dialling``'s ``held_at``); their phone
picked up, the line hands the call over and ends the attempt ``handed_over``.

The seam with the engine: the engine makes one ``TaskRunner`` with
``dial=Engine.handle_command`` (a refusal raises ValueError with the text of
``contract.DIAL_REFUSALS``), ``line_free`` (the line's worker idle:
``free_line_of``), ``screen`` (the engine's call firewall), the region and the
local offset; hands it every event it publishes (``told``, which only queues);
and runs it in a ``DiallingService``. Nothing here touches a line itself.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from firmware.errors import LinerecError
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.dialling import Attempt, Closed, DiallingTasks, Task, TaskNumber
from firmware.store.dialling_rules import DIAL_RESULTS, parse_attempt_id
from firmware.store.firewall import Screen

log = logging.getLogger(__name__)

ATTEMPT_MOST_S = 600.0  # an attempt the line told no end of this long after: failed
LINE_REST_S = 30.0  # a line that refused a call (busy with the office's own): left alone
TICK_S = 1.0
DUE_LOOKAHEAD = 8  # numbers looked at per line and task each tick (some may be blocked)
INTERRUPTED = "the box stopped during the call"
NO_END = "the line told no result"
_RULE_REFUSAL = re.compile(
    "^" + re.escape(contract.DIAL_REFUSALS["do_not_call"])
    .replace(re.escape("{rule}"), "(?P<rule>.+)").replace(re.escape("{number}"), ".+") + "$")


def free_line_of(engine: object) -> Callable[[int], bool]:
    """``line_free`` for the runner inside the engine: the line's worker runs and is idle
    (no call, no ring, nothing of the box's own on it)."""

    def free(number: int) -> bool:
        worker = getattr(engine, "workers", {}).get(number)
        if worker is None or not worker.is_alive() or worker.retired:
            return False
        state = worker.state
        return (state.phase.value == "idle" and state.call is None and not state.ringing
                and not worker.actor.running)

    return free


@dataclass(frozen=True)
class Told:
    """A line's news of a task's call, as the runner keeps it until its next tick."""

    event: contract.Event
    at: float


class TaskRunner:
    """Places the calls of the running tasks and keeps their results (see the module)."""

    def __init__(
        self,
        store: Store,
        dial: Callable[[contract.DialCommand], object],
        *,
        line_free: Callable[[int], bool],
        screen: Callable[[], Screen] = lambda: Screen.empty,
        region: str = "CN",
        local_offset: Callable[[float], int] = lambda at: 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.tasks = DiallingTasks(store, clock)
        self.dial = dial
        self.line_free = line_free
        self.screen = screen
        self.region = region
        self.local_offset = local_offset
        self.clock = clock
        self._told: queue.SimpleQueue[Told] = queue.SimpleQueue()
        self._rest_until: dict[int, float] = {}  # lines that refused a call
        self._last_placed: dict[int, float] = {}  # task: when it last placed a call
        self.on_closed: Callable[[Closed], None] | None = None  # told each attempt closed

    # ---- from any thread ---------------------------------------------------------------

    def told(self, event: contract.Event) -> bool:
        """A line's event; kept for the next tick if it is about a task's call (True)."""
        if not isinstance(event, contract.DialProgress | contract.DialEnded):
            return False
        if parse_attempt_id(event.attempt) is None:
            return False
        self._told.put(Told(event, self.clock()))
        return True

    # ---- the runner's thread ---------------------------------------------------------------

    def start(self) -> list[Closed]:
        """Close the attempts a stopped box left open (``failed``, with their call if the log
        has one): the number is tried again by its task's rule. Call before the first tick."""
        closed = []
        now = self.clock()
        for attempt in self.tasks.open_attempts():
            call_id = self.tasks.call_of_attempt(attempt)
            done = self._close(attempt.id, "failed", now, call_id=call_id, detail=INTERRUPTED)
            if done is not None:
                log.warning("dialling task %d: the call to %s on line %d was cut short by a "
                            "restart; %s", attempt.task_id, attempt.dial, attempt.line,
                            "done" if done.done else "it will be tried again")
                closed.append(done)
        return closed

    def tick(self) -> list[contract.DialCommand]:
        """Take in the lines' news, then place the calls due now; the commands sent."""
        now = self.clock()
        self._take_told()
        open_attempts = self._close_stale(self.tasks.open_attempts(), now)
        for task_id in self.tasks.finish_done(now):
            log.info("dialling task %d is done: every number has its result", task_id)
        running = self.tasks.tasks(states=("running",))
        if not running:
            return []
        return self._place(running, open_attempts, now)

    def _take_told(self) -> None:
        while True:
            try:
                told = self._told.get_nowait()
            except queue.Empty:
                return
            event = told.event
            attempt = parse_attempt_id(event.attempt)[1]
            if isinstance(event, contract.DialProgress):
                if event.call_id is not None:
                    self.tasks.note_call(attempt, event.call_id)
                if event.stage == "holding":
                    self.tasks.note_held(attempt, told.at)
                continue
            result = event.result if event.result in DIAL_RESULTS else "failed"
            self._close(attempt, result, told.at, decided_s=event.decided_s,
                        call_id=event.call_id, message_left=event.message_left)

    def _close(self, attempt: int, result: str, at: float, **facts) -> Closed | None:
        closed = self.tasks.close_attempt(attempt, result, at, **facts)
        if closed is not None and self.on_closed is not None:
            self.on_closed(closed)
        return closed

    def _close_stale(self, open_attempts: list[Attempt], now: float) -> list[Attempt]:
        kept = []
        for attempt in open_attempts:
            if now - attempt.started_at < ATTEMPT_MOST_S:
                kept.append(attempt)
                continue
            log.error("dialling task %d: line %d told no result of the call to %s",
                      attempt.task_id, attempt.line, attempt.dial)
            self._close(attempt.id, "failed", now, call_id=self.tasks.call_of_attempt(attempt),
                        detail=NO_END)
        return kept

    def _local(self, at: float) -> tuple[int, int]:
        local = time.gmtime(at + self.local_offset(at))
        return local.tm_wday, local.tm_hour * 60 + local.tm_min

    def _place(self, running: list[Task], open_attempts: list[Attempt], now: float
               ) -> list[contract.DialCommand]:
        sent: list[contract.DialCommand] = []
        busy_lines = {attempt.line for attempt in open_attempts}
        dialling = {attempt.dial for attempt in open_attempts}
        per_task = Counter(attempt.task_id for attempt in open_attempts)
        weekday, minute = self._local(now)
        callable_now = [task for task in running if task.settings.in_window(weekday, minute)]
        screen = self.screen()
        for line in sorted({line for task in callable_now for line in task.lines}):
            if line in busy_lines or self._rest_until.get(line, 0.0) > now:
                continue
            if not self.line_free(line):
                continue
            last_end = self.tasks.last_ended_on(line)
            # The task that placed a call longest ago goes first: tasks sharing a line take turns.
            for task in sorted(callable_now, key=lambda t: (self._last_placed.get(t.id, 0.0),
                                                             t.id)):
                settings = task.settings
                if line not in task.lines or per_task[task.id] >= settings.max_lines:
                    continue
                if last_end is not None and now < last_end + settings.gap_s:
                    continue
                command = self._place_one(task, line, screen, dialling, now)
                if command is None:
                    if self._rest_until.get(line, 0.0) > now:
                        break  # the line refused: it rests, whichever task would call
                    continue
                sent.append(command)
                busy_lines.add(line)
                dialling.add(command.number)
                per_task[task.id] += 1
                self._last_placed[task.id] = now
                break
        return sent

    def _blocked_by(self, screen: Screen, number: TaskNumber, at: float) -> str | None:
        for form in dict.fromkeys(f for f in (number.number_e164, number.dial, number.number)
                                  if f):
            verdict = screen.dial_verdict(form, at, region=self.region)
            if verdict.blocked:
                return verdict.rule
        return None

    def _place_one(self, task: Task, line: int, screen: Screen, dialling: set[str],
                   now: float) -> contract.DialCommand | None:
        """Place the task's next due number on ``line``: the command sent, or None."""
        for number in self.tasks.due(task.id, now, limit=DUE_LOOKAHEAD, skip=dialling):
            rule = self._blocked_by(screen, number, now)
            if rule is not None:
                if self.tasks.mark_blocked(number.id, rule, now):
                    log.info("dialling task %d: %s is blocked by the call firewall (%s)",
                             task.id, number.dial, rule)
                continue
            attempt = self.tasks.open_attempt(number.id, line, now)
            if attempt is None:
                continue  # paused meanwhile, or taken: nothing was written
            settings = task.settings
            command = contract.DialCommand(
                line, number.dial, user=f"task {task.id}", attempt=attempt.sent_as,
                hand_over=False, hold_s=float(settings.hold_s),
                machine_message=settings.machine_prompt if settings.machine == "message"
                else None,
            )
            try:
                self.dial(command)
            except (ValueError, LookupError, LinerecError) as refusal:
                self._refused(attempt, str(refusal), now)
                return None
            return command
        return None

    def _refused(self, attempt: Attempt, reason: str, now: float) -> None:
        """The engine refused the attempt's call: the firewall's refusals end the number
        ``blocked``; a line that cannot place it now rests, the number waits for another."""
        found = _RULE_REFUSAL.match(reason)
        black = contract.DIAL_REFUSALS["black_list"].format(number=attempt.dial)
        if reason == black or found is not None:
            rule = "black_list" if reason == black else found.group("rule")
            self._close(attempt.id, "blocked", now, detail=rule)
            return
        log.warning("dialling task %d: line %d did not place the call to %s: %s",
                    attempt.task_id, attempt.line, attempt.dial, reason)
        self._rest_until[attempt.line] = now + LINE_REST_S
        self._close(attempt.id, "not_placed", now, detail=reason[:300])


class DiallingService:
    """The engine's thread ``dialling``: the runner's ticks, every ``TICK_S`` and at once
    when a line tells it something."""

    def __init__(self, runner: TaskRunner, interval_s: float = TICK_S) -> None:
        self.runner = runner
        self.interval_s = interval_s
        self._stopping = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def told(self, event: contract.Event) -> None:
        """Every event the engine publishes (any thread; never blocks)."""
        if self.runner.told(event):
            self._wake.set()

    def start(self) -> None:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="dialling", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        started = False
        while not self._stopping.is_set():
            try:
                if not started:
                    self.runner.start()
                    started = True
                self.runner.tick()
            except Exception:  # a store error: logged, the next tick tries again
                log.exception("dialling tasks: a round failed")
            self._wake.wait(self.interval_s)
            self._wake.clear()
