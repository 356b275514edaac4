"""Dialling tasks in the store: settings checked and read back, numbers merged, the states a
task goes through, an attempt opened only for a waiting number and closed once, and the
digits the box dials for a number."""

from __future__ import annotations

import json

import pytest

from firmware.country.numbers import dial_digits
from firmware.store.db import Store
from firmware.store.dialling import DiallingTasks, NewNumber
from firmware.store.dialling_rules import (
    ERRORS,
    DiallingError,
    RetryRule,
    TaskSettings,
    check_settings,
    settings_of,
)
from firmware.store.firewall import TimeWindow


@pytest.fixture
def tasks(tmp_path):
    with Store(tmp_path / "linerec.db") as store:
        yield DiallingTasks(store, clock=lambda: 1_000_000.0)


def number(digits: str, **facts) -> NewNumber:
    return NewNumber(digits, "+86" + digits, digits, **facts)


@pytest.mark.parametrize(("changes", "error"), [
    ({"windows": ()}, ERRORS[10]),
    ({"max_lines": 0}, ERRORS[2]),
    ({"gap_s": -1}, ERRORS[3]),
    ({"max_attempts": 21}, ERRORS[4]),
    ({"hold_s": 2}, ERRORS[5]),
    ({"machine": "hang up"}, ERRORS[6]),
    ({"machine": "message"}, ERRORS[7]),
    ({"rules": {"busy": RetryRule(11, 5)}}, ERRORS[8]),
    ({"rules": {"busy": RetryRule(1, "soon")}}, ERRORS[9]),
    ({"windows": (TimeWindow(("mon",), "09:00", "09:00"),)},
     "A time window's start and end must differ."),
])
def test_settings_are_refused_by_name(changes, error):
    with pytest.raises(DiallingError) as refused:
        check_settings(TaskSettings(**{**TaskSettings().__dict__, **changes}))
    assert refused.value.template == error


def test_settings_go_to_json_and_back_and_a_damaged_document_falls_back():
    kept = check_settings(TaskSettings(machine="message", machine_prompt=" 12 ", gap_s=45))
    again = settings_of(json.dumps(kept.document()))
    assert again == kept and again.machine_prompt == "12"
    assert check_settings(TaskSettings(machine_prompt="12")).machine_prompt is None  # mark
    damaged = settings_of('{"windows": "always", "gap_s": "x", "rules": {"busy": {}}}')
    assert damaged.windows == () and damaged.gap_s == 30 and damaged.rule("busy").retries == 0
    assert settings_of("not json").windows == ()


def test_numbers_given_twice_are_merged_and_the_blocked_are_done(tasks):
    task = tasks.create("Calls", TaskSettings(), lines=(1,))
    report = tasks.add_numbers(task, [
        number("13800138000", name="Wang", note="first"),
        number("13800138001", blocked_by="black_list"),
        number("13800138000", name="Wang", note="second"),
        number("13800138000", name="Li"),
    ])
    assert (report.added, report.merged, report.blocked) == (2, 2, 1)
    first, second = tasks.numbers(task)
    assert (first.name, first.note, first.state) == ("Wang; Li", "first; second", "waiting")
    assert (second.state, second.result, second.blocked_by) == ("done", "blocked", "black_list")
    assert tasks.progress(task).results == (("blocked", 1),)


def test_a_task_starts_pauses_and_is_done_when_every_number_is(tasks):
    task = tasks.create("Calls", TaskSettings())
    with pytest.raises(DiallingError, match="at least one line"):
        tasks.start(task)
    tasks.update(task, "Calls", TaskSettings(), script="Hello", lines=(2,), operators=())
    with pytest.raises(DiallingError, match="numbers to call"):
        tasks.start(task)
    tasks.add_numbers(task, [number("13800138000")])
    with pytest.raises(DiallingError, match="Only a running task pauses"):
        tasks.pause(task)
    assert tasks.start(task) == "draft"
    tasks.pause(task)
    assert tasks.open_attempt(tasks.numbers(task)[0].id, 2, 1.0) is None  # paused: no call
    assert tasks.start(task) == "paused"
    attempt = tasks.open_attempt(tasks.numbers(task)[0].id, 2, 1.0)
    assert attempt.sent_as == f"task:{task}:{attempt.id}"
    assert tasks.open_attempt(attempt.number_id, 3, 1.0) is None  # dialling already
    assert tasks.open_on_line(2) == attempt
    assert tasks.finish_done(2.0) == []
    closed = tasks.close_attempt(attempt.id, "sit", 3.0)
    assert closed.done and closed.result == "sit"
    assert tasks.close_attempt(attempt.id, "human", 4.0) is None  # told twice: once
    assert tasks.finish_done(5.0) == [task]
    assert tasks.task(task).state == "done"
    with pytest.raises(DiallingError, match="done does not change"):
        tasks.add_numbers(task, [number("13800138002")])


def test_a_prompt_left_on_machines_is_in_use_while_the_task_is_not_done(tasks):
    task = tasks.create("Calls", TaskSettings(machine="message", machine_prompt="7"))
    assert tasks.use_of_prompt(7) == "the message of the dialling task Calls"
    assert tasks.use_of_prompt(8) is None
    tasks.update(task, "Calls", TaskSettings(), script="", lines=(), operators=())
    assert tasks.use_of_prompt(7) is None


@pytest.mark.parametrize(("number", "region", "dialled"), [
    ("+8613800138000", "CN", "13800138000"),
    ("010 6512 3456", "CN", "01065123456"),
    ("+861065123456", "CN", "01065123456"),
    ("+44 20 7946 0018", "CN", "00442079460018"),
    ("95588", "CN", "95588"),
    ("+14155550123", "US", "14155550123"),
    ("1234567", "CN", None),
    ("call me", "CN", None),
])
def test_the_digits_the_box_dials(number, region, dialled):
    assert dial_digits(number, region) == dialled
