"""Sales in the store: stock arithmetic under orders, cancellations and adjustments, the last
item taken once by two orders at the same time, money exact in cents, the figures' scope."""

from __future__ import annotations

import threading

import pytest

from firmware.store.accounts import Accounts
from firmware.store.crm import Customers
from firmware.store.db import Store
from firmware.store.opportunities import Opportunities
from firmware.store.orders import LineDraft, Orders
from firmware.store.products import Products
from firmware.store.sales import SalesError, cents_text, customer_products, parse_cents, parse_day
from firmware.store.sales_figures import SalesReport
from firmware.store.scopes import EVERYTHING, OwnerScope


@pytest.fixture()
def store(tmp_path):
    made = Store(tmp_path / "linerec.sqlite")
    for name in ("one", "two"):  # users 1 and 2, whose customers the scopes name
        Accounts(made).create_user(name, "not-a-hash", "operator")
    yield made
    made.close()


def _customer(store, name="Buyer", added_by=None) -> int:
    return Customers(store).create({"name": name}, [], added_by)


def _place(store, customer, lines, state="new", *, day="2026-03-01", operator=None) -> int:
    return Orders(store).place(customer_id=customer, customer_name="Buyer",
                               operator_id=operator, ordered_on=day, payment="cash",
                               lines=lines, state=state)


@pytest.mark.parametrize("typed, cents", [
    ("0", 0), ("1", 100), ("1.5", 150), ("1.05", 105), ("0.10", 10), ("1,234.56", 123456),
    ("¥ 12.30", 1230), ("99999999999.99", 9999999999999), (" 7 ", 700),
])
def test_money_is_read_as_whole_cents(typed, cents):
    assert parse_cents(typed) == cents
    assert parse_cents(cents_text(cents)) == cents


@pytest.mark.parametrize("typed", ["", "-1", "1.005", "1e3", "abc", "1.2.3", "NaN", "inf",
                                   "1" * 40, "0x10", "١٢", "1_000"])
def test_what_is_not_money_is_refused(typed):
    assert parse_cents(typed) is None


def test_cents_are_written_with_two_decimals():
    assert cents_text(0) == "0.00" and cents_text(5) == "0.05"
    assert cents_text(123456789) == "1,234,567.89" and cents_text(-150) == "-1.50"
    assert cents_text(123456789, grouped=False) == "1234567.89"


@pytest.mark.parametrize("typed, day", [("2026-02-28", "2026-02-28"), ("1985.5.6", None),
                                        ("2026-02-30", None), ("2026-2-3", None),
                                        ("", None), ("2026-02-28T00:00", None)])
def test_days_are_iso_dates_that_exist(typed, day):
    assert parse_day(typed) == day


def test_stock_follows_orders_cancellations_and_adjustments(store):
    products = Products(store)
    pen = products.create({"code": "PEN", "name": "Pen", "price_cents": 199, "low_stock": 3},
                          stock=10)
    customer = _customer(store)
    first = _place(store, customer, [LineDraft(pen, 4)])
    second = _place(store, customer, [LineDraft(pen, 3), LineDraft(pen, 1)])
    assert products.get(pen).stock == 2 and products.get(pen).is_low
    assert products.low_count() == 1
    Orders(store).set_state(first, "cancelled", None)
    assert products.get(pen).stock == 6
    products.adjust(pen, 5, "received", "delivery", None)
    products.adjust(pen, -1, "correction", "broken", None)
    assert products.get(pen).stock == 10
    with pytest.raises(SalesError, match=r"Pen \(PEN\): only 10 in stock, 11 wanted"):
        products.adjust(pen, -11, "correction", "lost", None)
    with pytest.raises(SalesError):
        products.adjust(pen, -1, "received", "x", None)
    with pytest.raises(SalesError):
        products.adjust(pen, 0, "correction", "x", None)
    Orders(store).set_state(second, "shipped", None)
    assert products.get(pen).stock == 10  # only cancelling gives stock back
    with pytest.raises(SalesError, match="stays cancelled"):
        Orders(store).set_state(first, "new", None)
    # Every change is a move; the moves add up to the stock.
    moves = products.moves(pen)
    assert sum(move.change for move in moves) == products.get(pen).stock
    assert moves[0].stock_after == 10


def test_a_refused_order_keeps_nothing(store):
    products = Products(store)
    pen = products.create({"code": "PEN", "name": "Pen", "price_cents": 1}, stock=5)
    ink = products.create({"code": "INK", "name": "Ink", "price_cents": 1}, stock=1)
    customer = _customer(store)
    with pytest.raises(SalesError, match=r"Ink \(INK\): only 1 in stock, 2 wanted"):
        _place(store, customer, [LineDraft(pen, 5), LineDraft(ink, 2)])
    assert products.get(pen).stock == 5 and products.get(ink).stock == 1
    count = store.connection().execute("SELECT count(*) FROM orders").fetchone()[0]
    assert count == 0
    with pytest.raises(SalesError, match="from 1 to"):
        _place(store, customer, [LineDraft(pen, -1)])
    with pytest.raises(SalesError, match="from 1 to"):
        _place(store, customer, [LineDraft(pen, 0)])
    dear = products.create({"code": "GOLD", "name": "Gold", "price_cents": 10**12 - 1},
                           stock=10**6)
    with pytest.raises(SalesError, match="total is at most"):
        _place(store, customer, [LineDraft(dear, 10**6)])  # 10^18 cents would not fit
    assert products.get(dear).stock == 10**6
    products.update(pen, {"retired": True})
    with pytest.raises(SalesError, match="no longer sold"):
        _place(store, customer, [LineDraft(pen, 1)])


def test_two_orders_for_the_last_item_at_once_take_it_once(tmp_path):
    path = tmp_path / "linerec.sqlite"
    setup = Store(path)
    pen = Products(setup).create({"code": "PEN", "name": "Pen", "price_cents": 1}, stock=1)
    customer = _customer(setup)
    setup.close()
    stores = [Store(path), Store(path)]  # two processes' own connections
    start = threading.Barrier(2)
    outcomes: list[object] = []

    def order(store):
        start.wait()
        try:
            outcomes.append(_place(store, customer, [LineDraft(pen, 1)]))
        except SalesError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=order, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [outcome for outcome in outcomes if isinstance(outcome, SalesError)]
    assert len(refused) == 1 and "only 0 in stock, 1 wanted" in str(refused[0])
    assert Products(stores[0]).get(pen).stock == 0
    for store in stores:
        store.close()


def test_the_negative_stock_switch(store):
    products = Products(store)
    pen = products.create({"code": "PEN", "name": "Pen", "price_cents": 1}, stock=0)
    products.set_allow_negative_stock(True)
    _place(store, _customer(store), [LineDraft(pen, 3)])
    assert products.get(pen).stock == -3 and products.allow_negative_stock()


def test_money_sums_are_exact_in_cents(store):
    products = Products(store)
    cheap = products.create({"code": "C", "name": "Cheap", "price_cents": 10}, stock=10**6)
    customer = _customer(store)
    for _ in range(3):  # 0.1 + 0.2 as floats is 0.30000000000000004
        _place(store, customer, [LineDraft(cheap, 1), LineDraft(cheap, 2)], state="done")
    figures = SalesReport(store).figures(EVERYTHING, "2026-03-01", "2026-03-01")
    assert figures.cents == 90 and cents_text(figures.cents) == "0.90"
    assert figures.rows["product"][0].cents == 90 and figures.rows["product"][0].quantity == 9
    big = products.create({"code": "B", "name": "Big", "price_cents": 99_999_999_99},
                          stock=10**6)
    _place(store, customer, [LineDraft(big, 1000)], state="done", day="2026-03-02")
    figures = SalesReport(store).figures(EVERYTHING, "2026-03-01", "2026-03-31")
    assert figures.cents == 90 + 99_999_999_99 * 1000


def test_the_figures_follow_the_scope_and_count_only_sales(store):
    products = Products(store)
    pen = products.create({"code": "PEN", "name": "Pen", "price_cents": 100}, stock=100)
    mine, theirs = _customer(store, "Mine", 1), _customer(store, "Theirs", 2)
    _place(store, mine, [LineDraft(pen, 1)], state="done", operator=None)
    _place(store, theirs, [LineDraft(pen, 2)], state="confirmed")
    _place(store, mine, [LineDraft(pen, 4)], state="new")  # not a sale yet
    cancelled = _place(store, mine, [LineDraft(pen, 8)], state="done")
    Orders(store).set_state(cancelled, "cancelled", None)
    everyone = SalesReport(store).figures(EVERYTHING, "2026-03-01", "2026-03-01")
    assert (everyone.orders, everyone.cents) == (2, 300)
    own = SalesReport(store).figures(OwnerScope(added_by=frozenset({1})), "2026-03-01",
                                     "2026-03-01")
    assert (own.orders, own.cents) == (1, 100)
    assert [figure.label for figure in own.rows["customer"]] == ["Mine"]
    assert own.rows["product"][0].quantity == 1
    assert SalesReport(store).figures(EVERYTHING, "2026-03-02", "2026-03-31").orders == 0
    assert customer_products(store, mine) == ["Pen"]


def test_an_order_outlives_its_customer_for_those_who_see_everything(store):
    products = Products(store)
    pen = products.create({"code": "PEN", "name": "Pen", "price_cents": 100}, stock=100)
    customer = _customer(store, "Gone", 1)
    order = _place(store, customer, [LineDraft(pen, 1)], state="done")
    Opportunities(store).create(customer, {"title": "Deal"})
    Customers(store).delete(customer)
    assert Orders(store).get(order, EVERYTHING).customer_name == "Buyer"
    assert Orders(store).get(order, OwnerScope(added_by=frozenset({1}))) is None
    assert SalesReport(store).figures(EVERYTHING, "2026-03-01", "2026-03-01").cents == 100
    assert store.connection().execute("SELECT count(*) FROM opportunities").fetchone()[0] == 0


def test_the_pipeline_totals_each_stage(store):
    customer = _customer(store, "C", 1)
    opportunities = Opportunities(store)
    for stage, cents in (("lead", 100), ("lead", 250), ("won", 1000)):
        opportunities.create(customer, {"title": stage, "stage": stage, "amount_cents": cents})
    totals = opportunities.stage_totals(EVERYTHING)
    assert totals["lead"] == (2, 350) and totals["won"] == (1, 1000)
    assert totals["lost"] == (0, 0)
    assert opportunities.stage_totals(OwnerScope(added_by=frozenset({2})))["lead"] == (0, 0)
    with pytest.raises(SalesError):
        opportunities.create(customer, {"title": "x", "stage": "dreaming"})
