"""The dashboard and the reports over a million calls: each report's median time against the
target (300 ms).

``python -m bench.reports`` generates ``--calls`` calls (1 000 000 by default) with
``bench.calllog``'s generator (two years, 8 lines, a few thousand callers, about 70 %
answered), gives its six operators lines, and asks the web app itself (WSGI, no server,
signed in as a super user who sees every line, or as an operator with one line) for each
page as a browser would: the dashboard's figures, the reports page over a week, a month
and a year per hour, day or week, split by direction, line or operator, and the Excel
export. Each kind is asked ``--queries`` times over ranges ending on random days; it
prints the median and the 95th percentile and whether the median is under the target.
A box whose offset from UTC is not a whole number of hours (+5:30) counts its hourly sums
again once when it moves there (timed on its own), then answers from them as any box does;
its figures are printed apart, against the same target.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import numpy as np

from bench.calllog import LINES, fill
from bench.harness import Bench
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.call_figures import CallFigures
from firmware.store.db import Store
from webui import auth
from webui.app import make_app
from webui.deps import WebDeps
from webui.engine_link import EngineLink

TARGET_MS = 300.0
DAY = 86400
OPERATOR_LINES = {1: {1}, 2: {2}, 3: {3, 4}, 4: {5}, 5: {6, 7}, 6: {8}}  # bench.calllog's users
# (label, days, per, by): the reports asked for
REPORTS = (
    ("report: a week per hour, by line", 7, "hour", "line"),
    ("report: a month per hour, by operator", 31, "hour", "operator"),
    ("report: a month per day, by direction", 30, "day", "direction"),
    ("report: a year per day, by line", 366, "day", "line"),
    ("report: a year per week, by operator", 366, "week", "operator"),
)
EXPORTS = (
    ("Excel export: a month per day", 30, "day", "direction"),
    ("Excel export: a year per week", 366, "week", "line"),
)


class Reader:
    """A signed-in browser, as the WSGI app sees it."""

    def __init__(self, app, deps: WebDeps, username: str) -> None:
        self.app = app
        user = deps.accounts.user_by_name(username)
        self.token, _ = deps.sessions.start(user, "127.0.0.1", "bench")

    def get(self, path: str) -> tuple[int, int]:
        """Status and body size of ``path``."""
        route, _, query = path.partition("?")
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update(REQUEST_METHOD="GET", PATH_INFO=route, QUERY_STRING=query,
                       HTTP_COOKIE=f"{auth.SESSION_COOKIE}={self.token}",
                       HTTP_HOST="box.bench", REMOTE_ADDR="127.0.0.1")
        environ["wsgi.input"] = io.BytesIO(b"")
        answer: dict = {}

        def start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split()[0])

        body = b"".join(part if isinstance(part, bytes) else part.encode()
                        for part in self.app(environ, start_response))
        return answer["status"], len(body)


def timed(reader: Reader, path: str) -> float:
    """One page asked of the app, in ms; a page that is not a 200 stops the bench."""
    started = time.perf_counter()
    status, _ = reader.get(path)
    took = (time.perf_counter() - started) * 1000
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    return took


def _ranges(rng: np.random.Generator, now: float, days: int, count: int,
            offset_s: int) -> list[tuple[str, str]]:
    """``count`` ranges of ``days`` whole local days ending on random days of the log."""
    ranges = []
    for _ in range(count):
        last = now - float(rng.uniform(0, 2 * 365 - days)) * DAY
        first = last - (days - 1) * DAY
        ranges.append(tuple(time.strftime("%Y-%m-%d", time.gmtime(moment + offset_s))
                            for moment in (first, last)))
    return ranges


def _verdict(median: float) -> str:
    return "under the target" if median < TARGET_MS else "OVER the target"


def measure(bench: Bench, label: str, times: list[float]) -> float:
    median = statistics.median(times)
    p95 = float(np.percentile(times, 95))
    bench.fact(label, f"median {median:6.1f} ms, p95 {p95:6.1f} ms over {len(times)} "
                      f"(target: median < {TARGET_MS:.0f} ms: {_verdict(median)})")
    return median


def time_pages(bench: Bench, app, deps: WebDeps, rng, now: float, *, queries: int,
               note: str = "") -> list[float]:
    offset = deps.utc_offset_s()
    boss, operator = Reader(app, deps, "boss"), Reader(app, deps, "user1")
    medians = []
    runs: list[tuple[str, Reader, Callable[[], list[str]]]] = [
        ("dashboard: today's figures (/api/dashboard)", boss,
         lambda: ["/api/dashboard"] * queries),
        ("dashboard: the whole page", boss, lambda: ["/"] * queries),
    ]
    for label, days, per, by in (*REPORTS, *EXPORTS):
        route = "/reports.xlsx" if label.startswith("Excel") else "/reports"
        runs.append((label, boss, lambda days=days, per=per, by=by, route=route: [
            f"{route}?from={first}&to={last}&per={per}&by={by}"
            for first, last in _ranges(rng, now, days, queries, offset)]))
    runs.append(("report: a year per day, an operator with 1 line", operator, lambda: [
        f"/reports?from={first}&to={last}&per=day&by=line"
        for first, last in _ranges(rng, now, 366, queries, offset)]))
    for label, reader, paths in runs:
        asked = paths()
        timed(reader, asked[0])  # the first read of a range warms SQLite's cache
        medians.append(measure(bench, label + note, [timed(reader, path) for path in asked]))
    return medians


def prepare(folder: Path, calls: int, rng, now: float, bench: Bench) -> tuple[WebDeps, object]:
    data = DataFolder(folder)
    data.create()
    ConfigStore(folder).save(default_config(LINES))
    store = Store(data.database)
    started = time.perf_counter()
    fill(store, calls, rng, now)
    took = time.perf_counter() - started
    accounts = Accounts(store)
    for user_id, lines in OPERATOR_LINES.items():
        accounts.update_user(user_id, permissions=frozenset({"reports"}))
        with store.transaction() as connection:
            connection.executemany("INSERT INTO user_lines (user_id, line) VALUES (?, ?)",
                                   [(user_id, line) for line in lines])
    accounts.create_user("boss", auth.hash_password("bench-password"), "super", language="en")
    hours = store.connection().execute("SELECT count(*) FROM call_hours").fetchone()[0]
    size = data.database.stat().st_size
    bench.fact("reports: generated", f"{calls:,} calls ({LINES} lines, 2 years) in {took:.0f} s "
                                     f"with their hourly sums ({hours:,} rows); "
                                     f"database {size / 2**20:.0f} MB")
    deps = WebDeps(data, store, EngineLink(data.bus_socket), secure_cookies=False,
                   clock=lambda: now)
    return deps, make_app(deps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.reports", description=__doc__)
    parser.add_argument("--calls", type=int, default=1_000_000, help="calls to generate")
    parser.add_argument("--queries", type=int, default=15, help="ranges asked per kind")
    parser.add_argument("--seed", type=int, default=20260101)
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    bench = Bench()
    now = time.time()
    with tempfile.TemporaryDirectory() as folder:
        deps, app = prepare(Path(folder), args.calls, rng, now, bench)
        medians = time_pages(bench, app, deps, rng, now, queries=args.queries)
        worst = max(medians)
        bench.fact("reports: verdict", f"the slowest median is {worst:.1f} ms: every report "
                   f"{'is' if worst < TARGET_MS else 'is NOT'} under {TARGET_MS:.0f} ms")
        india = 5 * 3600 + 1800  # a box in India: local hours straddle UTC's
        started = time.perf_counter()
        CallFigures(deps.store).rephase(india)
        bench.fact("reports: moved to +5:30", f"hourly sums counted again in "
                   f"{time.perf_counter() - started:.1f} s (once per change of time zone)")
        deps.utc_offset_s = lambda: india
        apart = time_pages(bench, app, deps, rng, now, queries=max(3, args.queries // 3),
                           note=" (+5:30)")
        bench.fact("reports at +5:30: verdict",
                   f"the slowest median is {max(apart):.1f} ms "
                   f"({sum(m < TARGET_MS for m in apart)} of {len(apart)} under "
                   f"{TARGET_MS:.0f} ms)")
        deps.store.close()
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
