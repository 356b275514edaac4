"""The sales figures: orders that count as sales (``SOLD_STATES``) over whole days, by day,
operator, customer or product, in cents.

Days are the orders' own local days (``ordered_on``, YYYY-MM-DD), so a range
is a comparison of texts on an index, with no time zone to apply. The
figures by day, operator and customer read the orders' report index alone;
by product, the lines' (which keep their order's day and whether it counts).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.sales import SOLD_STATES, customer_condition
from firmware.store.scopes import OwnerScope

BREAKDOWNS = ("day", "operator", "customer", "product")
MOST_ROWS = 500  # customers or products listed; the rest are summed as one row


@dataclass(frozen=True)
class Figure:
    key: object  # the day, the user's id, the customer's id, the product's id (None: unknown)
    label: str
    orders: int  # for a product: its lines
    cents: int
    quantity: int | None = None  # products only


@dataclass(frozen=True)
class SalesFigures:
    since: str
    until: str  # the last day, included
    orders: int
    cents: int
    rows: dict[str, list[Figure]]  # by breakdown asked
    more: dict[str, int]  # rows left out of a breakdown (past MOST_ROWS)


_SOLD = ", ".join(f"'{state}'" for state in sorted(SOLD_STATES))


def _orders_where(scope: OwnerScope, since: str, until: str) -> tuple[str, list]:
    condition, values = customer_condition(scope, "o.customer_id")
    return (f"o.ordered_on BETWEEN ? AND ? AND o.state IN ({_SOLD}) AND {condition}",
            [since, until, *values])


class SalesReport:
    def __init__(self, store: Store) -> None:
        self.store = store

    def figures(self, scope: OwnerScope, since: str, until: str,
                breakdowns: tuple[str, ...] = BREAKDOWNS) -> SalesFigures:
        unknown = set(breakdowns) - set(BREAKDOWNS)
        if unknown:
            raise ValueError(f"breakdowns are {BREAKDOWNS}, not {sorted(unknown)}")
        where, values = _orders_where(scope, since, until)
        connection = self.store.connection()
        orders, cents = connection.execute(
            f"SELECT count(*), coalesce(sum(o.total_cents), 0) FROM orders o WHERE {where}",
            values).fetchone()
        rows: dict[str, list[Figure]] = {}
        more: dict[str, int] = {}
        for breakdown in breakdowns:
            if breakdown == "product":
                found = self._by_product(where, values, scope)
            else:
                found = getattr(self, f"_by_{breakdown}")(where, values)
            rows[breakdown] = found[:MOST_ROWS]
            more[breakdown] = max(0, len(found) - MOST_ROWS)
        return SalesFigures(since, until, orders, cents, rows, more)

    def _by_day(self, where: str, values: list) -> list[Figure]:
        return [Figure(day, day, count, total) for day, count, total in
                self.store.connection().execute(
                    f"SELECT o.ordered_on, count(*), sum(o.total_cents) FROM orders o "
                    f"WHERE {where} GROUP BY o.ordered_on ORDER BY o.ordered_on", values)]

    def _by_operator(self, where: str, values: list) -> list[Figure]:
        sums = self.store.connection().execute(
            f"SELECT o.operator_id, count(*), sum(o.total_cents) FROM orders o "
            f"WHERE {where} GROUP BY o.operator_id", values).fetchall()
        names = dict(self.store.connection().execute(
            "SELECT id, coalesce(nullif(display_name, ''), username) FROM users"))
        figures = [Figure(user_id, names.get(user_id, "") if user_id else "", count, total)
                   for user_id, count, total in sums]
        return sorted(figures, key=lambda figure: (-figure.cents, figure.label))

    def _by_customer(self, where: str, values: list) -> list[Figure]:
        # Grouped by id over the index; the names are read for the rows kept only.
        sums = self.store.connection().execute(
            f"SELECT o.customer_id, count(*), sum(o.total_cents) AS cents FROM orders o "
            f"WHERE {where} GROUP BY o.customer_id ORDER BY cents DESC",
            values).fetchall()
        kept = [customer_id for customer_id, _, _ in sums[:MOST_ROWS] if customer_id]
        names: dict[int, str] = {}
        for start in range(0, len(kept), 500):
            chunk = kept[start:start + 500]
            names.update(self.store.connection().execute(
                f"SELECT id, name FROM customers WHERE id IN ({', '.join('?' for _ in chunk)})",
                chunk))
        return [Figure(customer_id, names.get(customer_id, "") if customer_id else "",
                       count, total) for customer_id, count, total in sums]

    def _by_product(self, where: str, values: list, scope: OwnerScope) -> list[Figure]:
        """Each product's lines (not orders: one order may have a product twice), money
        and quantity."""
        if scope.everyone:
            sums = self.store.connection().execute(
                "SELECT l.product_id, count(*), sum(l.total_cents) AS cents, sum(l.quantity) "
                "FROM order_lines l INDEXED BY order_lines_for_report "
                "WHERE l.counted = 1 AND l.ordered_on BETWEEN ? AND ? "
                "GROUP BY l.product_id ORDER BY cents DESC", values[:2]).fetchall()
        else:
            # Someone who sees some customers only: from their customers' orders to the lines.
            sums = self.store.connection().execute(
                "SELECT l.product_id, count(*), sum(l.total_cents) AS cents, sum(l.quantity) "
                "FROM orders o JOIN order_lines l INDEXED BY order_lines_by_order "
                f"ON l.order_id = o.id AND l.counted = 1 WHERE {where} "
                "GROUP BY l.product_id ORDER BY cents DESC", values).fetchall()
        names = {product_id: f"{code} {name}" for product_id, code, name in
                 self.store.connection().execute("SELECT id, code, name FROM products")}
        return [Figure(product_id, names.get(product_id, ""), count, total, quantity)
                for product_id, count, total, quantity in sums]
