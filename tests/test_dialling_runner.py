"""The dialling tasks' runner against lines that answer from a seeded table of truths: a
thousand numbers on four lines end with a result each, tried again by the task's rules,
only inside its calling windows, never twice at once, never a number the call firewall
refuses, and a restart half-way loses no attempt and places none twice."""

from __future__ import annotations

import calendar
import itertools
import os
import secrets
import time
from collections import Counter, defaultdict

import numpy as np
import pytest

from firmware.country.numbers import describe, dial_digits
from firmware.engine.dialling_tasks import INTERRUPTED, TaskRunner
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.dialling import DiallingTasks, NewNumber
from firmware.store.dialling_rules import (
    RetryRule,
    TaskSettings,
    attempt_id,
    next_step,
    parse_attempt_id,
)
from firmware.store.firewall import Actor, Firewall, ListEntry, Rule, TimeWindow, snapshot
from tests.dialling_fakes import REGION, Clock, FakeLines

OFFSET_S = 8 * 3600  # China
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
WINDOWS = (TimeWindow(WEEKDAYS, "09:00", "12:00"), TimeWindow(WEEKDAYS, "14:00", "17:30"))
# Monday 2 March 2026, 07:30 in Beijing
MONDAY_0730 = calendar.timegm((2026, 3, 2, 7, 30, 0)) - OFFSET_S
BOSS = Actor("boss")
# What a number does at its 1st, 2nd, ... attempt (the last repeats), and how often.
KINDS = (
    (("handed_over",), 30),
    (("human",), 4),
    (("human", "handed_over"), 5),
    (("machine",), 14),
    (("busy", "busy", "handed_over"), 8),
    (("busy",), 5),
    (("no_answer",), 7),
    (("no_answer", "handed_over"), 6),
    (("sit",), 5),
    (("fax",), 2),
    (("notsure", "machine"), 3),
    (("failed", "handed_over"), 3),
    (("no_dial_tone", "busy", "no_answer", "busy", "busy", "busy"), 4),
    (("busy", "no_answer", "busy", "no_answer", "busy", "handed_over"), 4),
)
STEP_S = 10.0
PREFIX = "1390000"  # a firewall rule blocks the numbers starting so
LAST_DAY = MONDAY_0730 + 9 * 86400


@pytest.fixture
def seed() -> int:
    chosen = int(os.environ.get("LINEREC_SEED", secrets.randbits(32)))
    print(f"\nrandom seed {chosen} (replay with LINEREC_SEED={chosen})")
    return chosen


def local(at: float) -> tuple[int, int]:
    moment = time.gmtime(at + OFFSET_S)
    return moment.tm_wday, moment.tm_hour * 60 + moment.tm_min


def numbers_of(rng: np.random.Generator, count: int) -> list[str]:
    """Mobile numbers, a few of them (from the 31st) under the firewall's prefix rule."""
    found: dict[str, None] = {}
    while len(found) < count:
        found[f"139{int(rng.integers(0, 10**8)):08d}"] = None
    numbers = [n for n in found if not n.startswith(PREFIX)]
    ruled = [f"{PREFIX}{index:04d}" for index in range(5)]
    return numbers[:30] + ruled + numbers[30:count - 5]


def new_number(screen, number: str, name: str, at: float) -> NewNumber:
    info = describe(number, REGION)
    verdict = screen.dial_verdict(number, at, region=REGION)
    return NewNumber(number, info.e164, dial_digits(number, REGION), name=name,
                     blocked_by=verdict.rule if verdict.blocked else None)


class Box:
    """The database, the firewall, the lines and the runner, as one engine would have."""

    def __init__(self, tmp_path, rng, truth) -> None:
        self.path = tmp_path / "linerec.db"
        self.store = Store(self.path)
        self.clock = Clock(MONDAY_0730)
        self.firewall = Firewall(self.store, self.clock)
        self.screen = snapshot(self.store, describe=describe, region=REGION)
        self.lines = FakeLines(self.store, truth, self.clock, screen=lambda: self.screen,
                               refuse_every=97)
        self.runner = self.new_runner()

    def new_runner(self) -> TaskRunner:
        runner = TaskRunner(self.store, self.lines.dial, line_free=self.lines.line_free,
                            screen=lambda: self.screen, region=REGION,
                            local_offset=lambda at: OFFSET_S, clock=self.clock)
        runner.start()
        return runner

    def firewall_changed(self) -> None:
        self.screen = snapshot(self.store, describe=describe, region=REGION)

    def restart(self) -> list:
        """The engine stops and starts again: a new store connection, a new runner."""
        cut = self.lines.crash()
        self.store.close()
        self.store = Store(self.path)
        self.lines.store = self.store
        self.firewall = Firewall(self.store, self.clock)
        self.runner = TaskRunner(self.store, self.lines.dial, line_free=self.lines.line_free,
                                 screen=lambda: self.screen, region=REGION,
                                 local_offset=lambda at: OFFSET_S, clock=self.clock)
        self.closed_at_restart = self.runner.start()
        return cut

    def run_until(self, done, most: float) -> None:
        tasks = DiallingTasks(self.store)
        while self.clock.now < most:
            self.lines.deliver(self.runner.told)
            self.runner.tick()
            if done(tasks):
                return
            upcoming = self.lines.next_at()
            step = STEP_S if upcoming is None else min(STEP_S, max(upcoming - self.clock.now,
                                                                   0.5))
            self.clock.now += step
        raise AssertionError("the tasks did not finish in time")


@pytest.fixture
def box(tmp_path, seed):
    rng = np.random.default_rng(seed)
    numbers = numbers_of(rng, 1050)
    weights = np.array([weight for _, weight in KINDS], dtype=float)
    picks = rng.choice(len(KINDS), size=len(numbers), p=weights / weights.sum())
    truth = {number: list(KINDS[pick][0]) for number, pick in zip(numbers, picks, strict=True)}
    made = Box(tmp_path, rng, truth)
    made.numbers = numbers
    made.rng = rng
    yield made
    made.store.close()


def settings(**changes) -> TaskSettings:
    base = TaskSettings(windows=WINDOWS, max_lines=4, gap_s=20, max_attempts=5, hold_s=20,
                        machine="message", machine_prompt="task_message")
    return TaskSettings(**{**base.__dict__, **changes})


def make_tasks(box) -> tuple[int, int, set[str]]:
    """The main task (1,000 numbers on lines 1-4, some refused by the firewall from the
    start) and a second one sharing lines 3 and 4; the numbers never to be called."""
    tasks = DiallingTasks(box.store, box.clock)
    main_numbers, other_numbers = box.numbers[:1000], box.numbers[1000:]
    listed_first = main_numbers[:12]
    for number in listed_first:
        box.firewall.add(ListEntry(0, "black", number), BOSS)
    box.firewall.add_rule(Rule(0, "prefix", prefix=PREFIX), BOSS)
    box.firewall_changed()
    main = tasks.create("Spring offer", settings(), lines=(1, 2, 3, 4), owner_name="boss")
    given = [new_number(box.screen, n, f"Customer {i}", box.clock.now)
             for i, n in enumerate(main_numbers)]
    given += given[:25]  # the same numbers in the file twice: merged
    report = tasks.add_numbers(main, given)
    never = set(listed_first) | {n for n in main_numbers if n.startswith(PREFIX)}
    assert (report.added, report.merged, report.blocked) == (1000, 25, len(never))
    # Its machines are tried again, not left a message.
    other = tasks.create("Follow-up", settings(max_lines=2, machine="retry"), lines=(3, 4))
    tasks.add_numbers(other, [new_number(box.screen, n, "", box.clock.now)
                              for n in other_numbers])
    tasks.start(main)
    tasks.start(other)
    return main, other, never


def test_a_thousand_numbers_on_four_lines_end_by_the_rules(box):
    main, other, never = make_tasks(box)
    # Half-way through the first morning the black list grows, and the box restarts.
    listed_later = box.numbers[500:520]
    box.run_until(lambda found: found.progress(main).done >= 300, LAST_DAY)
    for number in listed_later:
        box.firewall.add(ListEntry(0, "black", number), BOSS)
    box.firewall_changed()
    # The restart cuts calls under way.
    box.run_until(lambda found: found.progress(main).done >= 400 and box.lines.undecided(),
                  LAST_DAY)
    cut = box.restart()
    box.run_until(lambda found: all(found.task(task).state == "done"
                                    for task in (main, other)), LAST_DAY)
    assert box.lines.problems == []

    tasks = DiallingTasks(box.store, box.clock)
    placed = box.lines.placed
    by_attempt = {p.attempt: p for p in placed}
    attempts = tasks.attempts(main) + tasks.attempts(other)
    # Loses nothing: every call asked for is an attempt, and every attempt was asked for.
    assert sorted(a.sent_as for a in attempts) == sorted(by_attempt)
    assert all(a.result is not None for a in attempts)
    # The calls the restart cut are closed failed with their calls, and tried again.
    assert {c.attempt.sent_as for c in box.closed_at_restart} == {p.attempt for p in cut} != set()
    for closed in box.closed_at_restart:
        assert closed.attempt.result == "failed" and closed.attempt.detail == INTERRUPTED
        assert closed.attempt.call_id == by_attempt[closed.attempt.sent_as].call_id
    # Each attempt's result is what its number did (refused by the line: not placed).
    for attempt in attempts:
        truth = by_attempt[attempt.sent_as]
        expected = {"refused": "not_placed", "cut": "failed"}.get(truth.outcome, truth.outcome)
        assert attempt.result == expected, attempt
    # Inside the windows only, weekdays, local time.
    for call in placed:
        weekday, minute = local(call.at)
        assert any(window.contains(weekday, minute) for window in WINDOWS), call
    # Never more lines at once than a task may use; each line's gap kept.
    check_pacing(attempts, {main: 4, other: 2}, gap_s=20)
    # Every number done by its task's rules; nothing blocked dialled: blocked from the
    # start, never tried; blocked half-way, never tried after the firewall changed.
    blocked_later = check_numbers(tasks, (main, other))
    assert not any(call.number in never for call in placed)
    assert blocked_later <= set(listed_later)
    progress = tasks.progress(main)
    assert progress.total == progress.done == 1000
    results = dict(progress.results)
    assert {"handed_over", "machine", "busy", "no_answer", "sit", "blocked", "human"} <= set(
        results)
    # The main task's machines were left the message; the other task's tried again.
    machine_attempts = [a for a in attempts if a.result == "machine"]
    assert all(a.message_left == (a.task_id == main) for a in machine_attempts)
    # Tasks took turns on the lines they share.
    shared = Counter(a.task_id for a in attempts if a.line in (3, 4))
    assert shared[main] > 0 and shared[other] > 0
    print(f"{len(placed)} calls asked for, results {results}")


def check_numbers(tasks: DiallingTasks, task_ids) -> set[str]:
    """Every number of the tasks done by its rules; the blocked numbers that were tried
    before they were blocked."""
    blocked_later = set()
    for task_id in task_ids:
        task = tasks.task(task_id)
        numbers = tasks.numbers(task_id, limit=None)
        attempts_of = tasks.attempts_of(n.id for n in numbers)
        for number in numbers:
            assert number.state == "done" and number.result is not None, number
            tried = [a for a in attempts_of[number.id] if a.result != "not_placed"]
            check_rules(task.settings, number, tried)
            if number.result == "blocked":
                assert number.blocked_by in ("black_list", f"prefix:{PREFIX}"), number
                if tried:
                    blocked_later.add(number.dial)
    return blocked_later


def check_rules(settings: TaskSettings, number, tried) -> None:
    """The attempts at one number followed the task's rules, and it ended by them."""
    if number.result == "blocked":
        return
    assert tried, number
    assert len(tried) <= settings.max_attempts, number
    assert number.result == tried[-1].result, number
    seen: Counter = Counter()
    for index, attempt in enumerate(tried):
        seen[attempt.result] += 1
        step = next_step(settings, attempt.result, with_result=seen[attempt.result],
                         placed=index + 1)
        last = index == len(tried) - 1
        assert step.done == last, (number, tried)  # tried again exactly while the rule says
        if not last:
            assert tried[index + 1].started_at >= attempt.decided_at + step.retry_in_s, number


def check_pacing(attempts, most_at_once: dict[int, int], gap_s: float) -> None:
    placed = [a for a in attempts if a.result != "not_placed"]
    events = sorted([(a.started_at, 1, a.task_id) for a in placed]
                    + [(a.decided_at, -1, a.task_id) for a in placed])
    open_now: Counter = Counter()
    for _, change, task_id in events:
        open_now[task_id] += change
        assert open_now[task_id] <= most_at_once[task_id]
    by_line = defaultdict(list)
    for attempt in sorted(attempts, key=lambda a: a.started_at):
        by_line[attempt.line].append(attempt)
    for line, on_line in by_line.items():
        for before, after in itertools.pairwise(on_line):
            assert after.started_at >= before.decided_at + gap_s, (line, before, after)


def test_a_result_told_twice_counts_once_and_a_late_one_after_a_restart_is_ignored(tmp_path):
    with Store(tmp_path / "linerec.db") as store:
        clock = Clock(MONDAY_0730 + 2 * 3600)  # 09:30
        tasks = DiallingTasks(store, clock)
        task = tasks.create("Once", settings(max_lines=1, gap_s=0), lines=(1,))
        tasks.add_numbers(task, [NewNumber("13912345678", "+8613912345678", "13912345678"),
                                 NewNumber("13912345679", "+8613912345679", "13912345679")])
        tasks.start(task)
        sent = []
        runner = TaskRunner(store, sent.append, line_free=lambda line: True,
                            local_offset=lambda at: OFFSET_S, clock=clock)
        runner.start()
        [command] = runner.tick()
        assert runner.tick() == []  # the line's attempt is open: nothing more
        call_id = store.start_call(1, "out", clock.now, number=command.number)
        status = contract.LineStatus(1)
        ended = contract.DialEnded(1, call_id, status, number=command.number, result="busy",
                                   attempt=command.attempt)
        assert runner.told(ended) and runner.told(ended)
        told_at = clock.now
        clock.now += 30
        [second] = runner.tick()
        first = tasks.attempts(task)[0]
        assert (first.result, first.call_id, first.decided_at) == ("busy", call_id, told_at)
        number = tasks.number(first.number_id)
        assert (number.state, number.attempts, number.due_at) == (
            "waiting", 1, first.decided_at + 5 * 60)
        # The box restarts during the second call; its result, told late, is not taken.
        restarted = TaskRunner(store, sent.append, line_free=lambda line: True,
                               local_offset=lambda at: OFFSET_S, clock=clock)
        [closed] = restarted.start()
        assert (closed.attempt.sent_as, closed.result, closed.done) == (
            second.attempt, "failed", False)
        late = contract.DialEnded(1, None, status, number=second.number, result="human",
                                  attempt=second.attempt)
        restarted.told(late)
        restarted.tick()
        assert tasks.attempt(closed.attempt.id).result == "failed"
        # Not a task's: not taken; a call id the log does not have (yet) is left out.
        other = contract.DialEnded(1, 8, status, number="10086", result="human", attempt="x")
        assert not restarted.told(other)
        clock.now += 5 * 60
        [third] = restarted.tick()  # the first number, busy 5 minutes ago
        restarted.told(contract.DialEnded(1, 999, status, number=third.number,
                                          result="handed_over", attempt=third.attempt))
        restarted.tick()
        last = tasks.attempt(parse_attempt_id(third.attempt)[1])
        assert (last.result, last.call_id) == ("handed_over", None)


def test_the_firewall_s_refusal_at_the_line_ends_the_number_blocked(tmp_path):
    with Store(tmp_path / "linerec.db") as store:
        clock = Clock(MONDAY_0730 + 2 * 3600)
        tasks = DiallingTasks(store, clock)
        task = tasks.create("Refused", settings(), lines=(1, 2))
        tasks.add_numbers(task, [NewNumber("13912345678", None, "13912345678"),
                                 NewNumber("13912345679", None, "13912345679")])
        tasks.start(task)

        def dial(command):
            if command.line == 1:
                raise ValueError(contract.DIAL_REFUSALS["do_not_call"].format(
                    rule="prefix:139", number=command.number))
            raise ValueError(contract.DIAL_REFUSALS["busy"].format(line=command.line))

        runner = TaskRunner(store, dial, line_free=lambda line: True,
                            local_offset=lambda at: OFFSET_S, clock=clock)
        runner.start()
        assert runner.tick() == []
        first, second = tasks.numbers(task)
        assert (first.result, first.blocked_by) == ("blocked", "prefix:139")
        assert (second.state, second.attempts) == ("waiting", 0)  # not placed: not counted
        assert [a.result for a in tasks.attempts(task)] == ["blocked", "not_placed"]


def test_attempt_ids_go_both_ways():
    assert parse_attempt_id(attempt_id(7, 1234)) == (7, 1234)
    for other in (None, "", "task:7", "task:x:1", "try-1"):
        assert parse_attempt_id(other) is None


def test_a_rule_s_tries_and_the_most_attempts():
    rules = settings(rules={**TaskSettings().rules, "busy": RetryRule(2, 5)}, max_attempts=3)
    assert next_step(rules, "busy", with_result=1, placed=1).retry_in_s == 300
    assert next_step(rules, "busy", with_result=3, placed=3).done
    assert next_step(rules, "no_answer", with_result=1, placed=3).done  # the most attempts
    assert next_step(rules, "handed_over", with_result=1, placed=1).done
    assert next_step(rules, "machine", with_result=1, placed=1).done  # a message left
    assert not next_step(settings(machine="retry"), "machine", with_result=1, placed=1).done
    assert not next_step(rules, "not_placed", with_result=9, placed=3).done
