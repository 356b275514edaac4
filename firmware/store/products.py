"""Products and their stock: the catalogue, every stock change as a move, the low-stock count.

A product's stock changes only through ``take`` and ``give_back`` (orders,
within the order's own transaction) and ``adjust`` (goods received, a
correction, with a reason). Each writes a ``stock_moves`` row with the stock
after it, so the stock of a product can always be explained. Stock never
goes below zero unless the admin allows it (``allow_negative_stock``):
the check and the change are one UPDATE, so two orders for the last item
cannot both take it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.sales import SalesError
from firmware.store.sql_terms import like_pattern

CODE_LIMIT = 40
NAME_LIMIT = 120
UNIT_LIMIT = 20
REASON_LIMIT = 300
MOST_STOCK = 10**9
MOVE_KINDS = ("order", "cancel", "received", "correction")


@dataclass(frozen=True)
class Product:
    id: int
    code: str
    name: str
    unit: str
    price_cents: int
    stock: int
    low_stock: int
    retired: bool
    created_at: float
    updated_at: float

    @property
    def is_low(self) -> bool:
        return not self.retired and self.stock <= self.low_stock


@dataclass(frozen=True)
class StockMove:
    id: int
    product_id: int
    at: float
    change: int
    stock_after: int
    kind: str
    reason: str
    order_id: int | None
    user_name: str | None


_COLUMNS = ("id, code, name, unit, price_cents, stock, low_stock, retired, created_at, "
            "updated_at")
PRODUCT_FIELDS = ("code", "name", "unit", "price_cents", "low_stock", "retired")


def _product(row) -> Product:
    values = list(row)
    values[7] = bool(values[7])
    return Product(*values)


class Products:
    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- reading ----------------------------------------------------------------

    def get(self, product_id: int) -> Product | None:
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM products WHERE id = ?", (product_id,)).fetchone()
        return _product(row) if row else None

    def by_code(self, code: str) -> Product | None:
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM products WHERE code = ?", (code,)).fetchone()
        return _product(row) if row else None

    def search(self, text: str = "", *, low_only: bool = False, retired: bool = False
               ) -> list[Product]:
        """Products by code, those whose code or name contains ``text``; retired ones only
        with ``retired``; only those at or below their low-stock level with ``low_only``."""
        conditions, values = ["1"], []
        if text:
            conditions.append("(code LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')")
            values += [like_pattern(text)] * 2
        if not retired:
            conditions.append("retired = 0")
        if low_only:
            conditions.append("retired = 0 AND stock <= low_stock")
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM products WHERE {' AND '.join(conditions)} "
            "ORDER BY code", values)
        return [_product(row) for row in rows]

    def low_count(self) -> int:
        """Products on sale at or below their low-stock level (the menu's badge)."""
        return self.store.connection().execute(
            "SELECT count(*) FROM products WHERE retired = 0 AND stock <= low_stock"
        ).fetchone()[0]

    def moves(self, product_id: int, limit: int = 100) -> list[StockMove]:
        rows = self.store.connection().execute(
            "SELECT m.id, m.product_id, m.at, m.change, m.stock_after, m.kind, m.reason, "
            "m.order_id, coalesce(nullif(u.display_name, ''), u.username) "
            "FROM stock_moves m LEFT JOIN users u ON u.id = m.user_id "
            "WHERE m.product_id = ? ORDER BY m.at DESC, m.id DESC LIMIT ?",
            (product_id, limit))
        return [StockMove(*row) for row in rows]

    def allow_negative_stock(self) -> bool:
        return bool(self.store.connection().execute(
            "SELECT allow_negative_stock FROM sales_settings WHERE id = 1").fetchone()[0])

    def set_allow_negative_stock(self, allowed: bool) -> None:
        with self.store.transaction() as connection:
            connection.execute("UPDATE sales_settings SET allow_negative_stock = ? WHERE id = 1",
                               (int(allowed),))

    # ---- the catalogue ----------------------------------------------------------

    def create(self, fields: dict[str, object], *, stock: int = 0,
               user_id: int | None = None) -> int:
        values = self._checked(fields)
        for needed in ("code", "name", "price_cents"):
            if needed not in values:
                raise ValueError(f"a product needs {needed}")
        now = time.time()
        with self.store.transaction() as connection:
            self._unique_code(connection, str(values["code"]), None)
            values.update(stock=0, created_at=now, updated_at=now)
            cursor = connection.execute(
                f"INSERT INTO products ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})", tuple(values.values()))
            product_id = int(cursor.lastrowid)
            if stock:
                self._move(connection, product_id, stock, "received", "opening stock",
                           user_id=user_id)
        return product_id

    def update(self, product_id: int, fields: dict[str, object]) -> None:
        values = self._checked(fields)
        values["updated_at"] = time.time()
        with self.store.transaction() as connection:
            if "code" in values:
                self._unique_code(connection, str(values["code"]), product_id)
            cursor = connection.execute(
                f"UPDATE products SET {', '.join(f'{name} = ?' for name in values)} "
                "WHERE id = ?", (*values.values(), product_id))
            if cursor.rowcount != 1:
                raise SalesError("There is no product {id}.", id=product_id)

    @staticmethod
    def _unique_code(connection: sqlite3.Connection, code: str, product_id: int | None) -> None:
        row = connection.execute("SELECT id FROM products WHERE code = ?", (code,)).fetchone()
        if row is not None and row[0] != product_id:
            raise SalesError("There is a product with the code {code} already.", code=code)

    @staticmethod
    def _checked(fields: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(fields) - set(PRODUCT_FIELDS))
        if unknown:
            raise ValueError(f"not product fields: {unknown}; known: {list(PRODUCT_FIELDS)}")
        values = dict(fields)
        if "retired" in values:
            values["retired"] = int(bool(values["retired"]))
        for name in ("price_cents", "low_stock"):
            if name in values and (not isinstance(values[name], int) or values[name] < 0):
                raise ValueError(f"{name} must be a whole number, 0 or more")
        return values

    # ---- stock ------------------------------------------------------------------

    def adjust(self, product_id: int, change: int, kind: str, reason: str,
               user_id: int | None) -> int:
        """Goods received (``change`` > 0) or a correction (either way), with its reason;
        the stock after it."""
        if kind not in ("received", "correction"):
            raise ValueError(f"an adjustment is received or correction, not {kind!r}")
        if change == 0:
            raise SalesError("A stock change of 0 changes nothing.")
        if kind == "received" and change < 0:
            raise SalesError("Goods received add to the stock; write a correction to take "
                             "some away.")
        with self.store.transaction() as connection:
            return self._move(connection, product_id, change, kind, reason, user_id=user_id)

    def take(self, connection: sqlite3.Connection, product_id: int, quantity: int,
             order_id: int, user_id: int | None) -> int:
        """``quantity`` leaves the stock for an order, inside the order's transaction."""
        return self._move(connection, product_id, -quantity, "order", "", order_id=order_id,
                          user_id=user_id)

    def give_back(self, connection: sqlite3.Connection, product_id: int, quantity: int,
                  order_id: int, user_id: int | None) -> int:
        return self._move(connection, product_id, quantity, "cancel", "", order_id=order_id,
                          user_id=user_id)

    def _move(self, connection: sqlite3.Connection, product_id: int, change: int, kind: str,
              reason: str, *, order_id: int | None = None, user_id: int | None = None) -> int:
        allowed = connection.execute(
            "SELECT allow_negative_stock FROM sales_settings WHERE id = 1").fetchone()[0]
        # The check and the change in one statement: the last item is taken once.
        row = connection.execute(
            "UPDATE products SET stock = stock + ?, updated_at = ? "
            "WHERE id = ? AND (? OR stock + ? >= 0) AND abs(stock + ?) <= ? "
            "RETURNING stock",
            (change, time.time(), product_id, int(allowed), change, change, MOST_STOCK),
        ).fetchone()
        if row is None:
            found = connection.execute("SELECT code, name, stock FROM products WHERE id = ?",
                                       (product_id,)).fetchone()
            if found is None:
                raise SalesError("There is no product {id}.", id=product_id)
            code, name, stock = found
            if abs(stock + change) > MOST_STOCK:
                raise SalesError("{name} ({code}): the stock would be more than {most}.",
                                 name=name, code=code, most=MOST_STOCK)
            raise SalesError("{name} ({code}): only {stock} in stock, {wanted} wanted.",
                             name=name, code=code, stock=stock, wanted=-change)
        connection.execute(
            "INSERT INTO stock_moves (product_id, at, change, stock_after, kind, reason, "
            "order_id, user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (product_id, time.time(), change, row[0], kind, reason, order_id, user_id))
        return int(row[0])
