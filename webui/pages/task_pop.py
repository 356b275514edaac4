"""A dialling task's call on the operator's screen: the task's card in the caller's card.

A task's call is not the office's: its card does not pop as an outgoing call's does
(``is_task_call``) while the box dials and tells a person from a machine. When a person
answers, the line holds them (``DialProgress`` ``holding``) and the task's operators for
that line (``alerted``: those of the task whose lines include it, else every operator of
the task) get the caller's card with the task's part on top (``TaskCard``,
``task_card.tpl``): pick up the line's phone now, the customer, the name and note the
task has for the number, and the call script. The card follows the call as any card does
(handed over, then the call itself), and says so when nobody picked up in time.

The task's part shows to its operators and to whoever manages tasks; the rest of the card
is the caller's card with its usual visibility (the line, the customers one sees).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from firmware.link import contract
from firmware.store.dialling import Attempt, DiallingTasks, Task, TaskNumber
from firmware.store.dialling_rules import parse_attempt_id
from webui.context import Ctx


@dataclass(frozen=True)
class TaskCard:
    """The task's part of a caller's card."""

    task: Task
    number: TaskNumber
    attempt: Attempt
    holding: bool  # the line holds a person for the operator now


def _tasks(ctx: Ctx) -> DiallingTasks:
    return DiallingTasks(ctx.deps.store, ctx.deps.clock)


def may_see(ctx: Ctx, task: Task) -> bool:
    return ctx.can("dial_tasks") or ctx.user.id in task.operators


def alerted(ctx: Ctx, task: Task, line: int) -> bool:
    """Whether this user is one the task's card pops for when a person answers on
    ``line``: the task's operators who handle the line, or all of them if none does."""
    if ctx.user.id not in task.operators:
        return False
    handling = [user for user in task.operators
                if (found := ctx.deps.accounts.user(user)) is not None and line in found.lines]
    return ctx.user.id in handling if handling else True


def card_of(ctx: Ctx, attempt: Attempt | None, status: contract.LineStatus | None = None,
            result: str | None = None) -> TaskCard | None:
    """``result``: the attempt's as the line told it, when the runner may not have
    written it yet."""
    if attempt is None:
        return None
    if result is not None and attempt.result is None:
        attempt = replace(attempt, result=result)
    tasks = _tasks(ctx)
    task = tasks.task(attempt.task_id)
    number = tasks.number(attempt.number_id)
    if task is None or number is None or not may_see(ctx, task):
        return None
    holding = attempt.result is None and (attempt.held_at is not None or (
        status is not None and status.office_wanted))
    return TaskCard(task, number, attempt, holding)


def card_of_call(ctx: Ctx, call_id: int, line: int,
                 status: contract.LineStatus | None = None,
                 result: str | None = None) -> TaskCard | None:
    """The task's part of a call's card, if the call is a task's: its attempt by the
    call, or the attempt under way on its line (the call not noted with it yet)."""
    tasks = _tasks(ctx)
    attempt = tasks.attempt_of_call(call_id)
    if attempt is None:
        attempt = tasks.open_on_line(line)
        if attempt is not None and attempt.call_id not in (None, call_id):
            attempt = None
    return card_of(ctx, attempt, status, result)


def is_task_call(ctx: Ctx, status: contract.LineStatus, call_id: int | None) -> bool:
    """Whether an outgoing call on a line is a task's call (its card pops for the task's
    operators when a person is held, not as an outgoing call's)."""
    if status.direction != "out":
        return False
    tasks = _tasks(ctx)
    if call_id is not None and tasks.attempt_of_call(call_id) is not None:
        return True
    attempt = tasks.open_on_line(status.line)
    return attempt is not None and attempt.call_id in (None, call_id)


def held_for(ctx: Ctx, status: contract.LineStatus) -> bool:
    """Whether the line holds a person of a task for this user now (a page opened then)."""
    attempt = _tasks(ctx).open_on_line(status.line)
    if attempt is None or attempt.held_at is None:
        return False
    task = _tasks(ctx).task(attempt.task_id)
    return task is not None and alerted(ctx, task, status.line)


def to_show(ctx: Ctx, event: contract.Event, popped: set[int]
            ) -> tuple[contract.LineStatus, str, str | None] | None:
    """What a line's news of a task's call shows this user: the card, popped for the
    alerted operators when a person is held and brought up to date at each later stage
    and at the end once shown; as the line's status with its call, the news's kind and
    the attempt's result if it is the end. None: nothing."""
    if not isinstance(event, contract.DialProgress | contract.DialEnded):
        return None
    found = parse_attempt_id(event.attempt)
    if found is None:
        return None
    tasks = _tasks(ctx)
    attempt = tasks.attempt(found[1])
    task = tasks.task(attempt.task_id) if attempt is not None else None
    call_id = event.call_id if event.call_id is not None else (
        attempt.call_id if attempt is not None else None)
    if task is None or call_id is None:
        return None
    held = isinstance(event, contract.DialProgress) and event.stage == "holding"
    if call_id in popped or (held and alerted(ctx, task, event.line)):
        result = event.result if isinstance(event, contract.DialEnded) else None
        return (replace(event.status, call_id=call_id),
                "task_held" if held else event.kind.value, result)
    return None
