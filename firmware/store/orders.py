"""Orders and their lines: placed with the stock taken in the same transaction, moved through
their states, cancelled with the stock given back.

An order's lines are fixed once it is placed (to change them, cancel it and
place another): each keeps its unit price at the time and its total, in
cents. Every read takes the reader's ``OwnerScope`` through the order's
customer (``firmware.store.sales.customer_condition``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from firmware.store.db import Store
from firmware.store.dictionary import VALUE_LIMIT
from firmware.store.products import Products
from firmware.store.sales import (
    SOLD_STATES,
    STATE_KEYS,
    SalesError,
    cents_text,
    customer_condition,
)
from firmware.store.scopes import OwnerScope
from firmware.store.sql_terms import like_pattern

NOTE_LIMIT = 2000
MOST_LINES = 100
MOST_QUANTITY = 1_000_000
MOST_TOTAL_CENTS = 10**15  # ten trillion in money: far inside SQLite's 64-bit integers


@dataclass(frozen=True)
class LineDraft:
    product_id: int
    quantity: int
    unit_cents: int | None = None  # None: the product's price now


@dataclass(frozen=True)
class OrderLine:
    id: int
    product_id: int
    product_code: str
    product_name: str
    unit: str
    quantity: int
    unit_cents: int
    total_cents: int


@dataclass(frozen=True)
class Order:
    id: int
    customer_id: int | None
    customer_name: str
    operator_id: int | None
    operator_name: str | None
    ordered_on: str
    state: str
    payment: str
    total_cents: int
    note: str
    opportunity_id: int | None
    campaign_id: int | None
    created_at: float
    updated_at: float
    lines: tuple[OrderLine, ...] = field(default=())


@dataclass(frozen=True)
class OrderFilter:
    since: str | None = None  # YYYY-MM-DD, first day
    until: str | None = None  # last day
    state: str = ""
    customer_id: int | None = None
    operator_id: int | None = None
    text: str = ""  # in the customer's name
    campaign_id: int | None = None


_COLUMNS = (
    "o.id, o.customer_id, o.customer_name, o.operator_id, "
    "coalesce(nullif(u.display_name, ''), u.username), o.ordered_on, o.state, o.payment, "
    "o.total_cents, o.note, o.opportunity_id, o.campaign_id, o.created_at, o.updated_at"
)
_FROM = "orders o LEFT JOIN users u ON u.id = o.operator_id"


class Orders:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.products = Products(store)

    # ---- reading ----------------------------------------------------------------

    def _where(self, scope: OwnerScope, chosen: OrderFilter) -> tuple[str, list]:
        condition, values = customer_condition(scope, "o.customer_id")
        conditions = [condition]
        for column, operator, given in (
            ("o.ordered_on", ">=", chosen.since), ("o.ordered_on", "<=", chosen.until),
            ("o.state", "=", chosen.state or None), ("o.customer_id", "=", chosen.customer_id),
            ("o.operator_id", "=", chosen.operator_id), ("o.campaign_id", "=", chosen.campaign_id),
        ):
            if given is not None:
                conditions.append(f"{column} {operator} ?")
                values.append(given)
        if chosen.text:
            conditions.append("o.customer_name LIKE ? ESCAPE '\\'")
            values.append(like_pattern(chosen.text))
        return " AND ".join(conditions), values

    def search(self, scope: OwnerScope, chosen: OrderFilter = OrderFilter(), *,
               limit: int = 50, offset: int = 0) -> list[Order]:
        where, values = self._where(scope, chosen)
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} "
            "ORDER BY o.ordered_on DESC, o.id DESC LIMIT ? OFFSET ?", (*values, limit, offset))
        return [Order(*row) for row in rows]

    def count(self, scope: OwnerScope, chosen: OrderFilter = OrderFilter()) -> tuple[int, int]:
        """How many orders match, and their total in cents (cancelled ones not summed)."""
        where, values = self._where(scope, chosen)
        count, total = self.store.connection().execute(
            f"SELECT count(*), coalesce(sum(CASE WHEN o.state != 'cancelled' "
            f"THEN o.total_cents END), 0) FROM orders o WHERE {where}", values).fetchone()
        return count, total

    def get(self, order_id: int, scope: OwnerScope) -> Order | None:
        condition, values = customer_condition(scope, "o.customer_id")
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE o.id = ? AND {condition}",
            (order_id, *values)).fetchone()
        if row is None:
            return None
        lines = self.store.connection().execute(
            "SELECT l.id, l.product_id, p.code, p.name, p.unit, l.quantity, l.unit_cents, "
            "l.total_cents FROM order_lines l JOIN products p ON p.id = l.product_id "
            "WHERE l.order_id = ? ORDER BY l.id", (order_id,))
        return Order(*row, lines=tuple(OrderLine(*line) for line in lines))

    # ---- changing ---------------------------------------------------------------

    def place(
        self,
        *,
        customer_id: int,
        customer_name: str,
        operator_id: int | None,
        ordered_on: str,
        payment: str,
        lines: list[LineDraft],
        state: str = "new",
        note: str = "",
        opportunity_id: int | None = None,
        campaign_id: int | None = None,
        created_by: int | None = None,
    ) -> int:
        """A new order; each line's quantity leaves the stock in the same transaction, or
        nothing is kept (``SalesError`` naming the product short of stock)."""
        if state not in STATE_KEYS or state == "cancelled":
            raise SalesError("An order is placed as new, confirmed, shipped or done.")
        if not payment or len(payment) > VALUE_LIMIT:
            raise SalesError("Choose how the customer pays.")
        if not lines:
            raise SalesError("An order needs at least one line.")
        if len(lines) > MOST_LINES:
            raise SalesError("An order has at most {n} lines.", n=MOST_LINES)
        now = time.time()
        counted = int(state in SOLD_STATES)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO orders (customer_id, customer_name, operator_id, ordered_on, "
                "state, payment, total_cents, note, opportunity_id, campaign_id, created_by, "
                "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)",
                (customer_id, customer_name, operator_id, ordered_on, state, payment,
                 note[:NOTE_LIMIT], opportunity_id, campaign_id, created_by, now, now))
            order_id = int(cursor.lastrowid)
            total = 0
            for line in lines:
                if not 0 < line.quantity <= MOST_QUANTITY:
                    raise SalesError("A quantity is a whole number from 1 to {most}.",
                                     most=MOST_QUANTITY)
                found = connection.execute(
                    "SELECT price_cents, retired, name FROM products WHERE id = ?",
                    (line.product_id,)).fetchone()
                if found is None:
                    raise SalesError("There is no product {id}.", id=line.product_id)
                if found[1]:
                    raise SalesError("{name} is no longer sold.", name=found[2])
                unit = found[0] if line.unit_cents is None else line.unit_cents
                if unit < 0:
                    raise SalesError("A price is 0 or more.")
                line_total = unit * line.quantity
                total += line_total
                if total > MOST_TOTAL_CENTS:
                    raise SalesError("An order's total is at most {most}.",
                                     most=cents_text(MOST_TOTAL_CENTS))
                connection.execute(
                    "INSERT INTO order_lines (order_id, product_id, quantity, unit_cents, "
                    "total_cents, ordered_on, counted) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (order_id, line.product_id, line.quantity, unit, line_total, ordered_on,
                     counted))
                self.products.take(connection, line.product_id, line.quantity, order_id,
                                   created_by)
            connection.execute("UPDATE orders SET total_cents = ? WHERE id = ?",
                               (total, order_id))
        return order_id

    def set_state(self, order_id: int, state: str, user_id: int | None) -> str:
        """Move the order to ``state``; cancelling gives its stock back, in the same
        transaction. The state it had before."""
        if state not in STATE_KEYS:
            raise SalesError("{state} is not an order state.", state=state)
        with self.store.transaction() as connection:
            row = connection.execute("SELECT state FROM orders WHERE id = ?",
                                     (order_id,)).fetchone()
            if row is None:
                raise SalesError("There is no order {id}.", id=order_id)
            before = row[0]
            if before == "cancelled":
                raise SalesError("A cancelled order stays cancelled; place a new one.")
            if before == state:
                return before
            connection.execute("UPDATE orders SET state = ?, updated_at = ? WHERE id = ?",
                               (state, time.time(), order_id))
            connection.execute("UPDATE order_lines SET counted = ? WHERE order_id = ?",
                               (int(state in SOLD_STATES), order_id))
            if state == "cancelled":
                for product_id, quantity in connection.execute(
                        "SELECT product_id, quantity FROM order_lines WHERE order_id = ?",
                        (order_id,)).fetchall():
                    self.products.give_back(connection, product_id, quantity, order_id, user_id)
        return before
