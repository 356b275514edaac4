"""Sales: the words every sales table shares, money in whole cents, and the scope rule.

Products and their stock are ``firmware.store.products``, orders
``firmware.store.orders`` (with the sales figures in ``firmware.store.
sales_figures``), opportunities ``firmware.store.opportunities``.

Order states are a fixed set kept here alone (``ORDER_STATES``: the steps the
orders take; the data dictionary holds their Chinese and order); an order's payment
method is a value of the dictionary's list of payment methods. Money is always an ``int`` of
cents: parsed from text by ``parse_cents`` and written by ``cents_text``,
never through a float.

Whose orders and opportunities a user sees follows whose customers they see
(``OwnerScope`` on ``customers.added_by``); an order whose customer was deleted
is seen only by those who see every customer.
"""

from __future__ import annotations

import re
from datetime import date

from firmware.store.db import RefusedChangeError, Store
from firmware.store.scopes import OwnerScope

# (key, English label): the order's life. Stock leaves with a placed order of any state
# but cancelled, and comes back when it is cancelled.
ORDER_STATES: tuple[tuple[str, str], ...] = (
    ("new", "New"),
    ("confirmed", "Confirmed"),
    ("shipped", "Shipped"),
    ("done", "Done"),
    ("cancelled", "Cancelled"),
)
# The states whose orders count as sales in the figures.
SOLD_STATES = frozenset({"confirmed", "shipped", "done"})
STAGES: tuple[tuple[str, str], ...] = (
    ("lead", "Lead"),
    ("qualified", "Qualified"),
    ("proposal", "Proposal"),
    ("negotiation", "Negotiation"),
    ("won", "Won"),
    ("lost", "Lost"),
)
STATE_KEYS = tuple(key for key, _ in ORDER_STATES)
STAGE_KEYS = tuple(key for key, _ in STAGES)

MOST_CENTS = 10**13  # a hundred billion in money: more is a typing mistake
_MONEY = re.compile(r"^([0-9]{1,11})(?:\.([0-9]{1,2}))?$")
_ISO_DAY = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


class SalesError(RefusedChangeError):
    """A sales change the store refuses (one sentence, with the product or value named)."""


def parse_cents(text: str) -> int | None:
    """``"1,234.5"`` -> 123450; None when it is not an amount of money (negative, three
    decimals, letters, too big)."""
    cleaned = text.strip().replace(",", "").replace(" ", "").lstrip("¥￥$")
    match = _MONEY.fullmatch(cleaned)
    if match is None:
        return None
    cents = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    return cents if cents < MOST_CENTS else None


def cents_text(cents: int, grouped: bool = True) -> str:
    """123450 -> ``"1,234.50"`` (``grouped`` False: ``"1234.50"``)."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(int(cents)), 100)
    return f"{sign}{whole:,}.{part:02d}" if grouped else f"{sign}{whole}.{part:02d}"


def parse_day(text: str) -> str | None:
    """A day written YYYY-MM-DD that exists (``1985.5.6`` and ``2026-02-30`` do not)."""
    if not _ISO_DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return None


def customer_condition(scope: OwnerScope, column: str) -> tuple[str, list[object]]:
    """A SQL condition: ``column`` (a trusted customer id column) is a customer ``scope``
    sees; a missing customer (deleted) only for those who see every customer."""
    if scope.everyone:
        return "1", []
    condition, values = scope.condition("added_by")
    return f"{column} IN (SELECT id FROM customers WHERE {condition})", values


def customer_products(store: Store, customer_id: int) -> list[str]:
    """The names of the products the customer ordered (orders not cancelled), those
    ordered most first."""
    rows = store.connection().execute(
        "SELECT p.name FROM order_lines l JOIN orders o ON o.id = l.order_id "
        "JOIN products p ON p.id = l.product_id "
        "WHERE o.customer_id = ? AND o.state != 'cancelled' "
        "GROUP BY p.id ORDER BY sum(l.quantity) DESC, p.name",
        (customer_id,),
    )
    return [row[0] for row in rows]
