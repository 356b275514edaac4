"""The call log's figures: searches over a million calls, and the CSV export's speed.

``python -m bench.calllog`` generates ``--calls`` calls (1 000 000 by
default) into a temporary store: a few thousand callers, some of them
customers, 8 lines, two years, about 70 % answered and recorded. Then it
times the queries the call-log page runs (the whole page: the rows, the
capped count, their recordings and customers), several varied queries of
each kind, and prints median and 95th percentile against the target
(number part and date range: median under 100 ms), the recordings list,
and the CSV export's rows per second.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.harness import Bench
from firmware.store.call_filter import CallFilter, RecordingFilter
from firmware.store.call_search import CallSearch
from firmware.store.db import Store
from firmware.store.scopes import EVERY_LINE, EVERYTHING, LineScope, OwnerScope
from webui.call_csv import MAX_ROWS, csv_chunks
from webui.i18n import Translator

DAY = 86400.0
YEARS = 2
LINES = 8
CALLERS = 4000
CUSTOMERS = 1500
USERS = 6
ANSWERED = 0.7
BATCH = 100_000
TARGET_MS = 100.0
QUERIES_PER_KIND = 20
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"


@dataclass(frozen=True)
class Callers:
    numbers: list[str]  # as the line gives them
    e164: list[str]
    weights: np.ndarray  # how often each calls (a few call a lot)


def make_callers(rng: np.random.Generator, count: int = CALLERS) -> Callers:
    numbers, e164 = [], []
    seen: set[str] = set()
    while len(numbers) < count:
        if rng.random() < 0.7:
            number = f"1{rng.choice(['38', '39', '37', '86', '59', '88'])}{rng.integers(10**8):08d}"
            international = "+86" + number
        else:
            area = str(rng.choice(["010", "021", "020", "0755", "028", "0571"]))
            local = f"{rng.integers(2 * 10**7, 9 * 10**7):08d}"
            number, international = area + local, "+86" + area[1:] + local
        if number not in seen:
            seen.add(number)
            numbers.append(number)
            e164.append(international)
    weights = 1.0 / np.arange(1, count + 1) ** 0.8
    return Callers(numbers, e164, weights / weights.sum())


def fill(store: Store, calls: int, rng: np.random.Generator, now: float) -> Callers:
    """``calls`` calls over the two years before ``now``, inserted in time order in batches."""
    callers = make_callers(rng)
    connection = store.connection()
    # A bulk load: no per-row trigger into the number index (it is built once at
    # the end, then the trigger put back as it was), and no waiting for the disk.
    trigger = connection.execute(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'calls_search_insert'"
    ).fetchone()[0]
    connection.execute("DROP TRIGGER calls_search_insert")
    connection.execute("PRAGMA synchronous = OFF")
    connection.execute("PRAGMA cache_size = -262144")
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO users (id, username, password_hash, level, created_at, password_changed_at) "
        "VALUES (?, ?, 'x', 'operator', 0, 0)",
        [(user, f"user{user}") for user in range(1, USERS + 1)],
    )
    for index in range(CUSTOMERS):
        name = (
            str(rng.choice(list(SURNAMES)))
            + "".join(rng.choice(list(GIVEN), int(rng.integers(1, 3))))
        )
        cursor = connection.execute(
            "INSERT INTO customers (name, company, added_by, created_at, updated_at) "
            "VALUES (?, '', ?, ?, ?)",
            (name, 1 + index % USERS, now, now),
        )
        connection.execute(
            "INSERT INTO customer_numbers (customer_id, number, number_e164) VALUES (?, ?, ?)",
            (cursor.lastrowid, callers.numbers[index], callers.e164[index]),
        )
    connection.execute("COMMIT")
    span = YEARS * 365 * DAY
    starts = np.sort(now - span + rng.uniform(0, span, calls))
    next_id = 1
    for first in range(0, calls, BATCH):
        count = min(BATCH, calls - first)
        started = starts[first : first + count]
        who = rng.choice(len(callers.numbers), count, p=callers.weights)
        lines = rng.integers(1, LINES + 1, count)
        outgoing = rng.random(count) < 0.35
        answered = rng.random(count) < ANSWERED
        ring = rng.uniform(3, 20, count)
        talk = np.minimum(rng.lognormal(4.2, 1.0, count), 3 * 3600)
        call_rows, recording_rows = [], []
        for i in range(count):
            call_id = next_id + i
            number, international = callers.numbers[who[i]], callers.e164[who[i]]
            begin = float(started[i])
            if answered[i]:
                answered_at, ended = begin + ring[i], begin + ring[i] + talk[i]
                outcome, duration = "answered", float(talk[i])
            else:
                answered_at, ended = None, begin + ring[i]
                outcome, duration = ("unanswered" if outgoing[i] else "missed"), 0.0
            call_rows.append(
                (call_id, int(lines[i]), "out" if outgoing[i] else "in", outcome, number,
                 international, "北京市", "Beijing", begin, answered_at, ended, duration)
            )
            if answered[i]:
                stamp = time.strftime("%Y/%m/%d", time.gmtime(answered_at))
                recording_rows.append(
                    (call_id, int(lines[i]), f"{stamp}/L{lines[i]}-{call_id}.wav", "alaw",
                     answered_at, ended, int(duration * 8000), "0" * 64, "complete")
                )
        next_id += count
        connection.execute("BEGIN")
        connection.executemany(
            "INSERT INTO calls (id, line, direction, outcome, number, number_e164, location_zh, "
            "location_en, started_at, answered_at, ended_at, duration_s) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            call_rows,
        )
        connection.executemany(
            "INSERT INTO recordings (call_id, line, path, encoding, started_at, ended_at, samples, "
            "sha256, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            recording_rows,
        )
        connection.execute("COMMIT")
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO calls_number_search (rowid, number, number_e164) "
        "SELECT id, number, number_e164 FROM calls WHERE number IS NOT NULL"
    )
    connection.execute(trigger)
    connection.execute("COMMIT")
    connection.execute("PRAGMA synchronous = NORMAL")
    return callers


def _timed(function: Callable[[], object]) -> float:
    started = time.perf_counter()
    function()
    return (time.perf_counter() - started) * 1000


def _customer_names(store: Store) -> list[str]:
    return [name for (name,) in store.connection().execute("SELECT name FROM customers")]


def query_kinds(
    store: Store, callers: Callers, rng: np.random.Generator, now: float
) -> dict[str, list[CallFilter]]:
    """Varied searches of each kind the call-log page runs."""
    span = YEARS * 365 * DAY

    def some_day() -> float:
        return now - float(rng.uniform(DAY, span - 31 * DAY))

    def caller() -> str:
        return callers.numbers[int(rng.integers(len(callers.numbers)))]

    names = _customer_names(store)
    kinds: dict[str, list[CallFilter]] = {
        "latest page (no filter)": [CallFilter()],
        "number part, 4 digits": [
            CallFilter(number=caller()[-4:]) for _ in range(QUERIES_PER_KIND)
        ],
        "number part, 6-8 digits": [
            CallFilter(number=caller()[3 : 3 + int(rng.integers(6, 9))])
            for _ in range(QUERIES_PER_KIND)
        ],
        "number part, 3 digits": [
            CallFilter(number=caller()[-3:]) for _ in range(QUERIES_PER_KIND)
        ],
        "number prefix": [
            CallFilter(number=caller()[: int(rng.integers(3, 9))], number_match="prefix")
            for _ in range(QUERIES_PER_KIND)
        ],
    }
    for label, days in (("day", 1), ("week", 7), ("month", 30)):
        ranges = []
        for _ in range(QUERIES_PER_KIND):
            since = some_day()
            ranges.append(CallFilter(since=since, until=since + days * DAY))
        kinds[f"date range, a {label}"] = ranges
    kinds["line + a week"] = [
        CallFilter(lines=frozenset({int(rng.integers(1, LINES + 1))}), since=(s := some_day()),
                   until=s + 7 * DAY)
        for _ in range(QUERIES_PER_KIND)
    ]
    kinds["customer name"] = [
        CallFilter(customer=str(rng.choice(names))[:2]) for _ in range(QUERIES_PER_KIND)
    ]
    kinds["missed, a month"] = [
        CallFilter(outcomes=frozenset({"missed"}), since=(s := some_day()), until=s + 30 * DAY)
        for _ in range(QUERIES_PER_KIND)
    ]
    return kinds


def time_queries(bench: Bench, store: Store, callers: Callers, rng, now: float) -> None:
    search = CallSearch(store)
    operator = (LineScope(lines=frozenset({1, 2})), OwnerScope(added_by=frozenset({1})))
    for kind, filters in query_kinds(store, callers, rng, now).items():
        for scope_name, (lines, owners) in (
            ("", (EVERY_LINE, EVERYTHING)),
            (" (operator, 2 lines)", operator),
        ):
            if scope_name and not kind.startswith(("latest", "number part, 4", "date range, a w")):
                continue
            times = []
            rounds = max(1, QUERIES_PER_KIND // len(filters))
            for _ in range(rounds):
                for search_filter in filters:
                    scoped = (search_filter, lines, owners)
                    times.append(_timed(lambda s=scoped: search.search_calls(*s)))
            median = statistics.median(times)
            p95 = float(np.percentile(times, 95))
            target = ""
            if kind.startswith(("number part", "date range")):
                target = f"  (target: median < {TARGET_MS:.0f} ms)"
            bench.fact(
                f"call log: {kind}{scope_name}",
                f"median {median:6.1f} ms, p95 {p95:6.1f} ms over {len(times)} queries{target}",
            )


def time_csv(bench: Bench, store: Store, now: float) -> None:
    """The CSV export: rows per second, for a month of calls and for a full export."""
    search = CallSearch(store)
    line_names = {line: f"Line {line}" for line in range(1, LINES + 1)}
    month = CallFilter(since=now - 60 * DAY, until=now - 30 * DAY)
    for label, search_filter in (("a month", month), ("everything, up to the cap", CallFilter())):
        started = time.perf_counter()
        rows = size = 0
        for chunk in csv_chunks(
            Translator("zh-CN"),
            search.iter_calls(search_filter, EVERY_LINE, EVERYTHING, limit=MAX_ROWS + 1),
            line_names,
        ):
            size += len(chunk)
            rows += chunk.count(b"\n")
        took = time.perf_counter() - started
        bench.fact(
            f"call log CSV export: {label}",
            f"{rows - 1:,} lines, {size / 2**20:.1f} MB in {took:.2f} s: "
            f"{(rows - 1) / took:,.0f} lines/s",
        )


def time_recordings(bench: Bench, store: Store, rng, now: float) -> None:
    """The recordings list: the latest page, and a week."""
    search = CallSearch(store)
    weeks = []
    for _ in range(QUERIES_PER_KIND):
        since = now - float(rng.uniform(DAY, 700 * DAY))
        weeks.append(RecordingFilter(CallFilter(since=since, until=since + 7 * DAY)))
    for label, filters in (("latest page", [RecordingFilter()] * QUERIES_PER_KIND),
                           ("a week", weeks)):
        times = [
            _timed(lambda f=search_filter: search.search_recordings(f, EVERY_LINE, EVERYTHING))
            for search_filter in filters
        ]
        bench.fact(
            f"recordings list: {label}",
            f"median {statistics.median(times):6.1f} ms, "
            f"p95 {float(np.percentile(times, 95)):6.1f} ms over {len(times)} queries",
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.calllog", description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls to generate")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    bench = Bench()
    now = time.time()
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "linerec.db")
        started = time.perf_counter()
        callers = fill(store, args.calls, rng, now)
        took = time.perf_counter() - started
        size = (Path(folder) / "linerec.db").stat().st_size
        bench.fact(
            "call log: generated",
            f"{args.calls:,} calls ({len(callers.numbers):,} callers, {LINES} lines, "
            f"{YEARS} years) in {took:.0f} s; database {size / 2**20:.0f} MB",
        )
        time_queries(bench, store, callers, rng, now)
        time_recordings(bench, store, rng, now)
        time_csv(bench, store, now)
        store.close()
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
