"""A dialling task runs to its end through the engine on the simulated office: every
number gets its final result, and each call's result is what the exchange's callee did."""

from __future__ import annotations

from collections import Counter

from bench.dialling import run_task, task_numbers

MIX = (("human", 30), ("machine", 25), ("busy", 15), ("no_answer", 15), ("sit", 15))
COUNT, LINES, SEED = 20, 2, 23


def test_a_small_task_ends_with_every_number_as_its_callee_answered(tmp_path):
    numbers = task_numbers(COUNT, SEED, MIX)
    assert {answers for _, answers in numbers} == {kind for kind, _ in MIX}
    run = run_task(tmp_path, numbers, lines=LINES, speed=0, seed=SEED, wait_s=600)
    # Every number is done, once, with what its callee does (no retries in this task).
    assert run.done == COUNT
    assert run.results == dict(numbers)
    assert len(run.pairs) == COUNT and run.unmatched == 0
    assert all(truth == result for truth, result in run.pairs), Counter(run.pairs)
