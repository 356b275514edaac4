"""A dialling task's settings and the rules the runner follows: when, how fast, what next.

``TaskSettings`` is what a task keeps as JSON (``document``, ``settings_of``):
its calling windows (weekly, in local time, the firewall's ``TimeWindow``),
its pacing (lines at once, the gap on a line between two calls), its retry
rules by result, what an answering machine gets (``mark``: the number is done;
``message``: the box leaves a prompt of the library, then the number is done;
``retry``: tried again by the machine's rule), how long a person who answers
is held for the operator, and the most attempts a number gets.

``next_step`` is the one decision after an attempt: done, or tried again after
so many seconds. What the call firewall says of a number the box would call is
its own ``Screen.dial_verdict``. Standard library only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from typing import Any

from firmware.store.db import RefusedChangeError
from firmware.store.firewall import (
    WEEKDAYS,
    FirewallError,
    TimeWindow,
    check_windows,
)

STATES = ("draft", "running", "paused", "done")
MACHINE_ACTIONS = ("mark", "message", "retry")
# The results an attempt can end with: the line's (``contract.DialResult``), ``blocked``
# (the call firewall refused the number just before), ``not_placed`` (the line refused the
# call: busy with a call of the office, stopped; it does not count as an attempt).
DIAL_RESULTS = ("human", "machine", "fax", "busy", "no_answer", "sit", "notsure",
                "no_dial_tone", "failed", "handed_over")
ATTEMPT_RESULTS = (*DIAL_RESULTS, "blocked", "not_placed")
# The results a rule says what to do after; ``human``: a person answered and no operator
# picked up in time (the box hung up).
RULE_RESULTS = ("busy", "no_answer", "machine", "human", "notsure", "no_dial_tone", "failed",
                "fax", "sit")
# A number's results once it is done: an attempt's last, or ``blocked``.
FINAL_RESULTS = (*DIAL_RESULTS, "blocked")

MAX_NAME = 100
MAX_SCRIPT = 4000
MAX_LINES = 16
MAX_GAP_S = 3600
MAX_ATTEMPTS = 20
MAX_RETRIES = 10
MAX_AFTER_MIN = 7 * 24 * 60
HOLD_RANGE_S = (5, 120)


class DiallingError(RefusedChangeError):
    """A task, a setting or a change the store refuses; the message says which and why
    (``ERRORS`` lists every sentence)."""


ERRORS = (
    "A task needs a name of at most {n} characters.",
    "The call script is at most {n} characters.",
    "Lines at once is a whole number from 1 to {n}.",
    "The gap between calls is a whole number of seconds from 0 to {n}.",
    "Attempts per number is a whole number from 1 to {n}.",
    "Holding a person for the operator is {low} to {high} seconds.",
    "Choose what an answering machine gets: mark it, leave a message, or try again.",
    "Leaving a message needs the message's prompt.",
    "{value} is not a number of tries again (0 to {n}).",
    "{value} is not a number of minutes (0 to {n}).",
    "A task needs at least one calling window.",
    "That task is not there any more.",
    "A task needs at least one line before it starts.",
    "A task needs numbers to call before it starts.",
    "Only a draft or paused task starts.",
    "Only a running task pauses.",
    "A task that is done does not change.",
    "{number} is not a number the box can dial.",
)


@dataclass(frozen=True)
class RetryRule:
    """After a result: ``retries`` more tries at most (0: the number is done), each
    ``after_min`` minutes after the attempt was decided."""

    retries: int = 0
    after_min: int = 0

    def document(self) -> dict[str, int]:
        return {"retries": self.retries, "after_min": self.after_min}


DEFAULT_RULES: dict[str, RetryRule] = {
    "busy": RetryRule(3, 5),
    "no_answer": RetryRule(2, 30),
    "machine": RetryRule(1, 120),  # used when the machine action is "retry"
    "human": RetryRule(1, 10),  # nobody picked up for the person: call them back soon
    "notsure": RetryRule(1, 30),
    "no_dial_tone": RetryRule(3, 2),  # the line's trouble, not the number's
    "failed": RetryRule(3, 5),
    "fax": RetryRule(0, 0),
    "sit": RetryRule(0, 0),  # not in service
}
WORKING_HOURS = (
    TimeWindow(("mon", "tue", "wed", "thu", "fri"), "09:00", "12:00"),
    TimeWindow(("mon", "tue", "wed", "thu", "fri"), "14:00", "18:00"),
)


@dataclass(frozen=True)
class TaskSettings:
    windows: tuple[TimeWindow, ...] = WORKING_HOURS
    max_lines: int = 2  # lines calling for the task at once
    gap_s: int = 30  # on a line, from one call's end to the task's next call
    max_attempts: int = 5  # per number, the attempts the line placed
    hold_s: int = 20  # a person who answered, held for the operator's phone
    machine: str = "mark"  # MACHINE_ACTIONS
    machine_prompt: str | None = None  # the message left (machine "message"): key or id
    rules: dict[str, RetryRule] = field(default_factory=lambda: dict(DEFAULT_RULES))

    def rule(self, result: str) -> RetryRule:
        return self.rules.get(result, RetryRule())

    def document(self) -> dict[str, Any]:
        return {
            "windows": [window.document() for window in self.windows],
            "max_lines": self.max_lines,
            "gap_s": self.gap_s,
            "max_attempts": self.max_attempts,
            "hold_s": self.hold_s,
            "machine": self.machine,
            "machine_prompt": self.machine_prompt,
            "rules": {result: rule.document() for result, rule in self.rules.items()},
        }

    def in_window(self, weekday: int, minute: int) -> bool:
        """Whether a call may start at ``weekday`` (0 Monday), ``minute`` of the day, local."""
        return any(window.contains(weekday, minute) for window in self.windows)


def _whole(value: object, bounds: tuple[int, int], error: str, **values: object) -> int:
    """``value`` as a whole number within ``bounds``, or DiallingError ``error``."""
    try:
        number = int(str(value).strip()) if not isinstance(value, int) else value
    except ValueError:
        raise DiallingError(error, value=str(value)[:10], **values) from None
    if not bounds[0] <= number <= bounds[1]:
        raise DiallingError(error, value=str(value)[:10], **values)
    return number


def check_settings(settings: TaskSettings) -> TaskSettings:
    """The settings as kept, or DiallingError naming what is wrong."""
    try:
        windows = check_windows(settings.windows)
    except FirewallError as error:
        raise DiallingError(error.template, **error.values) from None
    if not windows:
        raise DiallingError(ERRORS[10])
    max_lines = _whole(settings.max_lines, (1, MAX_LINES), ERRORS[2], n=MAX_LINES)
    gap_s = _whole(settings.gap_s, (0, MAX_GAP_S), ERRORS[3], n=MAX_GAP_S)
    max_attempts = _whole(settings.max_attempts, (1, MAX_ATTEMPTS), ERRORS[4], n=MAX_ATTEMPTS)
    low, high = HOLD_RANGE_S
    hold_s = _whole(settings.hold_s, HOLD_RANGE_S, ERRORS[5], low=low, high=high)
    if settings.machine not in MACHINE_ACTIONS:
        raise DiallingError(ERRORS[6])
    prompt = (settings.machine_prompt or "").strip() or None
    if settings.machine == "message" and prompt is None:
        raise DiallingError(ERRORS[7])
    rules = {}
    for result in RULE_RESULTS:
        given = settings.rules.get(result, DEFAULT_RULES[result])
        rules[result] = RetryRule(
            _whole(given.retries, (0, MAX_RETRIES), ERRORS[8], n=MAX_RETRIES),
            _whole(given.after_min, (0, MAX_AFTER_MIN), ERRORS[9], n=MAX_AFTER_MIN),
        )
    return replace(settings, windows=windows, max_lines=max_lines, gap_s=gap_s,
                   max_attempts=max_attempts, hold_s=hold_s,
                   machine_prompt=prompt if settings.machine == "message" else None,
                   rules=rules)


def settings_of(text: str) -> TaskSettings:
    """A task's kept settings; a value missing or unreadable (edited by hand) falls back to
    its default, windows to none (the task then calls at no time)."""
    try:
        document = json.loads(text or "{}")
    except ValueError:
        document = {}
    if not isinstance(document, dict):
        document = {}
    default = TaskSettings()
    try:
        windows = check_windows(document.get("windows", []))
    except FirewallError:
        windows = ()
    rules = dict(DEFAULT_RULES)
    for result, rule in (document.get("rules") or {}).items():
        if result in rules and isinstance(rule, dict):
            rules[result] = RetryRule(_int(rule.get("retries"), 0), _int(rule.get("after_min"), 0))
    machine = document.get("machine")
    prompt = document.get("machine_prompt")
    return TaskSettings(
        windows=windows,
        max_lines=max(1, _int(document.get("max_lines"), default.max_lines)),
        gap_s=max(0, _int(document.get("gap_s"), default.gap_s)),
        max_attempts=max(1, _int(document.get("max_attempts"), default.max_attempts)),
        hold_s=max(1, _int(document.get("hold_s"), default.hold_s)),
        machine=machine if machine in MACHINE_ACTIONS else default.machine,
        machine_prompt=str(prompt) if prompt else None,
        rules=rules,
    )


def _int(value: object, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


@dataclass(frozen=True)
class Step:
    """What comes after an attempt: the number is ``done`` with its result, or tried again
    ``retry_in_s`` seconds after the attempt was decided."""

    done: bool
    retry_in_s: float = 0.0


def next_step(settings: TaskSettings, result: str, *, with_result: int, placed: int) -> Step:
    """After an attempt ended with ``result``: ``with_result`` attempts of the number have
    ended so (this one counted), ``placed`` attempts were placed in all."""
    if result == "not_placed":  # the line refused the call: the number waits for another
        return Step(False, 0.0)
    if result in ("handed_over", "blocked"):
        return Step(True)
    if result == "machine" and settings.machine != "retry":
        return Step(True)
    rule = settings.rule(result)
    if with_result > rule.retries or placed >= settings.max_attempts:
        return Step(True)
    return Step(False, rule.after_min * 60.0)


# ---- attempt ids -------------------------------------------------------------------------------

ATTEMPT_PREFIX = "task:"


def attempt_id(task_id: int, attempt: int) -> str:
    """The id a task's attempt is sent with (``DialCommand.attempt``), echoed in its events."""
    return f"{ATTEMPT_PREFIX}{task_id}:{attempt}"


def parse_attempt_id(text: str | None) -> tuple[int, int] | None:
    """The task and attempt of an id ``attempt_id`` made; None for any other."""
    if not text or not text.startswith(ATTEMPT_PREFIX):
        return None
    task, _, attempt = text[len(ATTEMPT_PREFIX):].partition(":")
    if not (task.isdigit() and attempt.isdigit()):
        return None
    return int(task), int(attempt)


__all__ = [
    "ATTEMPT_RESULTS", "DEFAULT_RULES", "ERRORS", "FINAL_RESULTS", "MACHINE_ACTIONS",
    "RULE_RESULTS", "STATES", "WEEKDAYS", "DiallingError", "RetryRule", "Step", "TaskSettings",
    "attempt_id", "check_settings", "next_step", "parse_attempt_id",
    "settings_of",
]
