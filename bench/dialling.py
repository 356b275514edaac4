"""A dialling task through the engine on the simulated office: results against the truth.

``python -m bench.dialling`` makes a task of 1,000 numbers on 4 simulated lines
and runs it to its end through the real engine (the runner, the dial act, the
answering-machine detector) with the office played at x20: each number reaches a
callee of the scenario drawn from a seeded mix of people, answering machines,
busy numbers and numbers nobody answers (the exchange keeps each call's truth,
``Office.dialled``). A person is held for the task's operator (5 s, nobody
picks up: ``human``); a machine is marked. It prints the numbers done, the
results by class, the confusion matrix (truth x result) and the agreement,
against the target of issue 19: every number ends with a result, and the
result is the truth in at least 95 % of the attempts.

``--short`` runs 100 numbers; ``--numbers``, ``--lines``, ``--speed`` and
``--seed`` change the run. ``run_task`` is the run itself, for the tests.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from firmware.config import ConfigStore, default_config
from firmware.country.numbers import describe, dial_digits
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.dialling import DiallingTasks, NewNumber
from firmware.store.dialling_rules import RetryRule, TaskSettings
from firmware.store.firewall import WEEKDAYS, TimeWindow

TARGET_AGREEMENT = 0.95
REGION = "CN"
MIX = (("human", 40), ("machine", 30), ("busy", 15), ("no_answer", 15))
ALWAYS = (TimeWindow(WEEKDAYS, "00:00", "12:00"), TimeWindow(WEEKDAYS, "12:00", "00:00"))
FINAL = ("human", "machine", "fax", "busy", "no_answer", "sit", "notsure", "no_dial_tone",
         "failed", "handed_over", "not_placed", "blocked")


@dataclass
class TaskRun:
    """What a task's run gave: each number's result, each attempt against its truth."""

    numbers: int
    results: dict[str, str | None]  # number -> its task's final result (None: not done)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (truth, result) per call
    unmatched: int = 0  # results told with no call the exchange saw, or the other way
    seconds: float = 0.0  # wall time
    line_s: float = 0.0  # line time the office played

    @property
    def agreement(self) -> float:
        return sum(t == r for t, r in self.pairs) / len(self.pairs) if self.pairs else 0.0

    @property
    def done(self) -> int:
        return sum(result is not None for result in self.results.values())


def task_numbers(count: int, seed: int, mix=MIX) -> list[tuple[str, str]]:
    """``count`` mobile numbers, each with what its callee does, drawn from ``mix``."""
    rng = np.random.default_rng(seed)
    kinds, weights = zip(*mix, strict=True)
    found: dict[str, str] = {}
    while len(found) < count:
        number = f"139{int(rng.integers(0, 10**8)):08d}"
        found.setdefault(number, str(rng.choice(kinds, p=np.array(weights) / sum(weights))))
    return list(found.items())


def run_task(data: Path, numbers: list[tuple[str, str]], *, lines: int, speed: float,
             seed: int, hold_s: int = 5, wait_s: float = 3600.0) -> TaskRun:
    """Run a task calling ``numbers`` (number, what its callee does) on ``lines`` simulated
    lines to its end through the engine, the office at ``speed`` (0: as fast as the engine
    goes, in step with it)."""
    from firmware.cli.processes import open_configured_line  # noqa: PLC0415
    from firmware.engine import Engine  # noqa: PLC0415
    from firmware.simulation.office import Office  # noqa: PLC0415
    from firmware.simulation.prompts import prompt_audio  # noqa: PLC0415
    from firmware.simulation.scenario import from_document  # noqa: PLC0415
    from firmware.simulation.sounds import box_sounds  # noqa: PLC0415

    ConfigStore(data).save(default_config(lines))
    longest = 60.0 * len(numbers) / lines + 600.0
    scenario = from_document({
        "seed": seed, "lines": lines, "length_s": min(longest, 10 * 86400.0),
        "callee": [{"number": number, "answers": answers, "after_rings": 1 + index % 3}
                   for index, (number, answers) in enumerate(numbers)],
    })
    prefix = f"dialtask{seed}-"
    events: list[contract.Event] = []
    engine = Engine(data, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=prompt_audio)
    office = Office(scenario, box_sounds(), speed=speed, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    # The runner's round, in line time as on the box: a second of the office's.
    engine.dialling.interval_s = 1.0 / speed if speed > 0 else 0.05
    tasks = DiallingTasks(engine.store)
    settings = TaskSettings(
        windows=ALWAYS, max_lines=lines, gap_s=0, max_attempts=1, hold_s=hold_s,
        rules={result: RetryRule(0, 0) for result in ("busy", "no_answer", "human", "sit",
                                                       "fax", "notsure", "failed",
                                                       "no_dial_tone")})
    task = tasks.create("Bench", settings, lines=range(1, lines + 1))
    tasks.add_numbers(task, [
        NewNumber(number, describe(number, REGION).e164, dial_digits(number, REGION))
        for number, _ in numbers])
    started = time.monotonic()
    office.start()
    tasks.start(task)
    try:
        deadline = started + wait_s
        while time.monotonic() < deadline:
            if tasks.count_numbers(task, show="done") == len(numbers) and all(
                    call.ended_at is not None for call in office.dialled):
                break
            time.sleep(0.5)
    finally:
        spent = time.monotonic() - started
        office.stop()
        engine.stop()
    with Store(data / "linerec.db") as store:
        done = DiallingTasks(store).numbers(task, limit=None)
    run = TaskRun(len(numbers), {n.dial: n.result if n.state == "done" else None for n in done},
                  seconds=spent, line_s=office.frames_played * 0.02)
    _match(run, events, office.dialled)
    return run


def _match(run: TaskRun, events: list[contract.Event], dialled) -> None:
    """Each result told against the exchange's truth of the same call (by line, in turn)."""
    ended = [e for e in events if isinstance(e, contract.DialEnded) and e.call_id is not None]
    for line in sorted({e.line for e in ended} | {call.line for call in dialled}):
        told = [e for e in ended if e.line == line]
        truths = [call for call in dialled if call.line == line]
        for event, truth in zip(told, truths, strict=False):
            if truth.dialled != event.number:
                run.unmatched += 1
                continue
            run.pairs.append((truth.expected, event.result))
        run.unmatched += abs(len(told) - len(truths))


def report(run: TaskRun) -> list[str]:
    by_result = Counter(result or "(not done)" for result in run.results.values())
    truths = sorted({t for t, _ in run.pairs})
    results = sorted({r for _, r in run.pairs})
    matrix = Counter(run.pairs)
    width = max([len(k) for k in truths + results] + [10])
    lines = [
        f"numbers done: {run.done} of {run.numbers} "
        f"(target all: {'met' if run.done == run.numbers else 'NOT MET'})",
        "results: " + ", ".join(f"{k} {v}" for k, v in sorted(by_result.items())),
        f"attempts compared with the truth: {len(run.pairs)} ({run.unmatched} unmatched)",
        "truth \\ result " + " ".join(f"{r:>{width}}" for r in results),
    ]
    for truth in truths:
        lines.append(f"{truth:<15}" + " ".join(f"{matrix[(truth, r)]:>{width}}"
                                                for r in results))
    verdict = "met" if run.agreement >= TARGET_AGREEMENT and run.done == run.numbers \
        else "NOT MET"
    lines.append(f"agreement with the truth: {100 * run.agreement:.1f} % "
                 f"(target {100 * TARGET_AGREEMENT:.0f} %: {verdict})")
    lines.append(f"played {run.line_s / 60:.0f} min of line time in {run.seconds / 60:.1f} min "
                 f"(x{run.line_s / max(run.seconds, 1e-9):.1f})")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dialling", description=__doc__)
    parser.add_argument("--short", action="store_true", help="100 numbers")
    parser.add_argument("--numbers", type=int)
    parser.add_argument("--lines", type=int, default=4)
    parser.add_argument("--speed", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args(argv)
    count = args.numbers or (100 if args.short else 1000)
    print(f"linerec bench.dialling: a task of {count} numbers on {args.lines} simulated "
          f"lines at x{args.speed:g}, seed {args.seed}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-dialling-") as folder:
        run = run_task(Path(folder), task_numbers(count, args.seed), lines=args.lines,
                       speed=args.speed, seed=args.seed, wait_s=6 * 3600)
    for line in report(run):
        print(line)
    met = run.done == run.numbers and run.agreement >= TARGET_AGREEMENT
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
