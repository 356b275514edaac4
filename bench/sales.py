"""The sales report over a year of a busy shop: each breakdown's median time against the
target (300 ms).

``python -m bench.sales`` generates ``--orders`` orders (200 000 by default) with three
lines each on average over the last year, for a few thousand customers of six operators
and two hundred products, straight into the store (as ``Orders.place`` leaves them), and
asks the web app itself (WSGI, no server, signed in as a super user who sees every
customer, or as an operator who sees their own) for the sales report over a month and a
year by day, operator, customer and product, and its Excel export. Each kind is asked
``--queries`` times over ranges ending on random days; it prints the median and the 95th
percentile and whether the median is under the target. ``--no-timing`` asks each page
once and only checks that it answers (the tests' short form).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from bench.harness import Bench
from bench.reports import TARGET_MS, Reader, measure, timed
from firmware.config import ConfigStore, default_config
from firmware.datafolder import DataFolder
from firmware.store.accounts import Accounts
from firmware.store.db import Store
from firmware.store.sales import SOLD_STATES
from webui import auth
from webui.app import make_app
from webui.deps import WebDeps
from webui.engine_link import EngineLink

DAY = 86400
OPERATORS = 6
CUSTOMERS = 3000
PRODUCTS = 200
STATES = ("new", "confirmed", "shipped", "done", "done", "done", "done", "cancelled")
PAYMENTS = ("cash", "bank transfer", "WeChat Pay", "Alipay", "other")
# (label, days, by, route)
PAGES = (
    ("sales report: a month by day", 31, "day", "/sales/report"),
    ("sales report: a year by day", 366, "day", "/sales/report"),
    ("sales report: a year by operator", 366, "operator", "/sales/report"),
    ("sales report: a year by customer", 366, "customer", "/sales/report"),
    ("sales report: a year by product", 366, "product", "/sales/report"),
    ("sales report: Excel export, a month", 31, "day", "/sales/report.xlsx"),
)


def fill(store: Store, orders: int, rng: np.random.Generator, today: date,
         operator_ids: list[int]) -> int:
    """``orders`` orders over the 365 days up to ``today``; the lines written."""
    now = time.time()
    connection = store.connection()
    with store.transaction():
        connection.executemany(
            "INSERT INTO products (id, code, name, unit, price_cents, stock, low_stock, "
            "retired, created_at, updated_at) VALUES (?, ?, ?, 'pc', ?, ?, 10, 0, ?, ?)",
            [(n, f"P{n:04d}", f"Product {n}", int(rng.integers(100, 100_000)),
              int(rng.integers(0, 5000)), now, now) for n in range(1, PRODUCTS + 1)])
        owners = rng.choice(operator_ids, CUSTOMERS)
        connection.executemany(
            "INSERT INTO customers (id, name, added_by, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            [(n, f"Customer {n}", int(owners[n - 1]), now, now)
             for n in range(1, CUSTOMERS + 1)])
    prices = dict(connection.execute("SELECT id, price_cents FROM products"))
    days = [(today - timedelta(days=int(n))).isoformat() for n in range(365)]
    lines_written = 0
    batch = 20_000
    for first in range(1, orders + 1, batch):
        count = min(batch, orders + 1 - first)
        customers = rng.integers(1, CUSTOMERS + 1, count)
        order_rows, line_rows = [], []
        for offset in range(count):
            order_id = first + offset
            customer = int(customers[offset])
            day = days[int(rng.integers(0, 365))]
            state = STATES[int(rng.integers(0, len(STATES)))]
            counted = int(state in SOLD_STATES)
            total = 0
            for product in rng.choice(PRODUCTS, int(rng.integers(1, 6)), replace=False):
                product_id = int(product) + 1
                quantity = int(rng.integers(1, 10))
                unit = prices[product_id]
                total += unit * quantity
                line_rows.append((order_id, product_id, quantity, unit, unit * quantity, day,
                                  counted))
            order_rows.append((order_id, customer, f"Customer {customer}",
                               int(owners[customer - 1]), day, state,
                               PAYMENTS[order_id % len(PAYMENTS)], total, now, now))
        with store.transaction():
            connection.executemany(
                "INSERT INTO orders (id, customer_id, customer_name, operator_id, ordered_on, "
                "state, payment, total_cents, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", order_rows)
            connection.executemany(
                "INSERT INTO order_lines (order_id, product_id, quantity, unit_cents, "
                "total_cents, ordered_on, counted) VALUES (?, ?, ?, ?, ?, ?, ?)", line_rows)
        lines_written += len(line_rows)
    connection.execute("ANALYZE")
    return lines_written


def prepare(folder: Path, orders: int, rng, bench: Bench) -> tuple[WebDeps, object, date]:
    data = DataFolder(folder)
    data.create()
    ConfigStore(folder).save(default_config(4))
    store = Store(data.database)
    accounts = Accounts(store)
    hashed = auth.hash_password("bench-password")
    accounts.create_user("boss", hashed, "super", language="en")
    operator_ids = [accounts.create_user(f"seller{n}", hashed, "operator", language="en",
                                         permissions=frozenset({"sales"})).id
                    for n in range(1, OPERATORS + 1)]
    now = time.time()
    deps = WebDeps(data, store, EngineLink(data.bus_socket), secure_cookies=False,
                   clock=lambda: now)
    today = date.fromisoformat(time.strftime(
        "%Y-%m-%d", time.gmtime(now + deps.utc_offset_s())))
    started = time.perf_counter()
    lines = fill(store, orders, rng, today, operator_ids)
    size = data.database.stat().st_size
    bench.fact("sales: generated", f"{orders:,} orders, {lines:,} lines over a year in "
                                   f"{time.perf_counter() - started:.0f} s; "
                                   f"database {size / 2**20:.0f} MB")
    return deps, make_app(deps), today


def time_pages(bench: Bench, app, deps: WebDeps, rng, today: date, *, queries: int,
               timing: bool = True) -> list[float]:
    medians = []
    readers = (("", Reader(app, deps, "boss")), (", an operator", Reader(app, deps, "seller1")))
    for label, days, by, route in PAGES:
        for note, reader in readers:
            paths = []
            for _ in range(queries if timing else 1):
                last = today - timedelta(days=int(rng.integers(0, 365 - min(days, 300))))
                first = last - timedelta(days=days - 1)
                paths.append(f"{route}?from={first}&to={last}&by={by}")
            if not timing:
                timed(reader, paths[0])
                continue
            timed(reader, paths[0])  # the first read warms SQLite's cache
            medians.append(measure(bench, label + note, [timed(reader, path) for path in paths]))
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sales", description=__doc__)
    parser.add_argument("--orders", type=int, default=200_000, help="orders to generate")
    parser.add_argument("--queries", type=int, default=15, help="ranges asked per kind")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--no-timing", action="store_true",
                        help="ask each page once, time nothing (a quick check)")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    bench = Bench()
    with tempfile.TemporaryDirectory() as folder:
        deps, app, today = prepare(Path(folder), args.orders, rng, bench)
        medians = time_pages(bench, app, deps, rng, today, queries=args.queries,
                             timing=not args.no_timing)
        if medians:
            worst = max(medians)
            bench.fact("sales: verdict", f"the slowest median is {worst:.1f} ms: every sales "
                       f"report {'is' if worst < TARGET_MS else 'is NOT'} under "
                       f"{TARGET_MS:.0f} ms")
        deps.store.close()
    sys.stdout.write(bench.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
