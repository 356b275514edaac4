"""Sales on the web: who reaches which page, scope by direct URL, the forms' CSRF, audit and
bad input, orders taking and giving back stock, the pipeline, the report and its export."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from firmware.store.opportunities import Opportunities
from firmware.store.orders import LineDraft, Orders
from firmware.store.products import Products
from firmware.store.sales import customer_products
from firmware.store.scopes import EVERYTHING
from tests.web_client import web_box

pytestmark = pytest.mark.usefixtures("quick_passwords")
SALES = frozenset({"sales", "customers_view"})


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Two groups: Sales (leader lea, operators ana and ben) and Support (cai); boss is super;
    pam edits products only; nof has no sales flag; adm is an admin."""
    made = web_box(tmp_path_factory.mktemp("shop"))
    made.deps.config()
    accounts = made.deps.accounts
    group = accounts.create_group("Sales").id
    other = accounts.create_group("Support").id
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "lea": made.add_user("lea", "leader", permissions=SALES, group_id=group, language="en"),
        "ana": made.add_user("ana", permissions=SALES, group_id=group, language="en"),
        "ben": made.add_user("ben", permissions=SALES, group_id=group, language="en"),
        "cai": made.add_user("cai", permissions=SALES, group_id=other, language="en"),
        "pam": made.add_user("pam", permissions={"products"}, language="en"),
        "nof": made.add_user("nof", permissions={"customers_view"}, group_id=group,
                             language="en"),
        "adm": made.add_user("adm", permissions={"admin"}, language="en"),
    }
    customers = made.deps.customers
    made.customer = {name: customers.create({"name": f"{name.title()} Buyer"}, [],
                                            added_by=made.ids[name])
                     for name in ("ana", "ben", "cai")}
    products = Products(made.deps.store)
    made.product = {
        "pen": products.create({"code": "PEN", "name": "Pen", "unit": "pc",
                                "price_cents": 199, "low_stock": 5}, stock=100),
        "ink": products.create({"code": "INK", "name": "Ink", "price_cents": 1050,
                                "low_stock": 2}, stock=2),
    }
    orders = Orders(made.deps.store)
    made.order = {name: orders.place(
        customer_id=made.customer[name], customer_name=f"{name.title()} Buyer",
        operator_id=made.ids[name], ordered_on="2026-01-05", payment="cash", state="done",
        lines=[LineDraft(made.product["pen"], 1)]) for name in ("ana", "ben", "cai")}
    opportunities = Opportunities(made.deps.store)
    made.opportunity = {name: opportunities.create(
        made.customer[name], {"title": f"Deal of {name}", "amount_cents": 123456,
                              "owner_id": made.ids[name]}) for name in ("ana", "ben", "cai")}
    made.clients = {name: made.signed_in(name) for name in made.ids}
    yield made
    made.close()


SEES = {"boss": {"ana", "ben", "cai"}, "lea": {"ana", "ben"}, "ana": {"ana"}, "ben": {"ben"},
        "cai": {"cai"}}


@pytest.mark.parametrize("viewer", sorted(SEES))
def test_orders_and_opportunities_follow_the_customers_one_sees(shop, viewer):
    client = shop.clients[viewer]
    pipeline = client.get("/sales").text
    listed = client.get("/orders").text
    for owner in ("ana", "ben", "cai"):
        visible = owner in SEES[viewer]
        assert (f"Deal of {owner}" in pipeline) == visible, (viewer, owner)
        assert (f"{owner.title()} Buyer" in listed) == visible, (viewer, owner)
        order = client.get(f"/orders/{shop.order[owner]}")
        opportunity = client.get(f"/sales/{shop.opportunity[owner]}")
        assert order.status == opportunity.status == (200 if visible else 404), (viewer, owner)
        if not visible:
            assert f"{owner.title()} Buyer" not in order.text + opportunity.text
            for path, form in ((f"/orders/{shop.order[owner]}/state", {"state": "shipped"}),
                               (f"/sales/{shop.opportunity[owner]}/stage", {"stage": "won"}),
                               (f"/sales/{shop.opportunity[owner]}/followups",
                                {"text": "sneaky"})):
                assert client.post(path, form).status == 404, path
            new = client.post("/orders/new", {"customer": shop.customer[owner],
                                              "ordered_on": "2026-01-06", "payment": "cash",
                                              "state": "new", "operator": shop.ids[viewer],
                                              "product": shop.product["pen"], "quantity": "1"})
            assert new.status == 400 and "Choose a customer you see" in new.text


@pytest.mark.parametrize("path", ["/sales", "/orders", "/orders/new", "/sales/new",
                                  "/sales/report", "/sales/report.xlsx"])
def test_without_the_sales_flag_the_sales_pages_are_refused(shop, path):
    for name in ("nof", "pam"):
        assert shop.clients[name].get(path).status == 403, (name, path)


def test_products_are_read_with_sales_and_edited_with_products_or_admin(shop):
    pen = shop.product["pen"]
    for name in ("ana", "pam", "adm", "boss"):
        assert shop.clients[name].get("/products").status == 200
        assert shop.clients[name].get(f"/products/{pen}").status == 200
    assert shop.clients["nof"].get("/products").status == 403
    ana = shop.clients["ana"]
    assert 'action="/products/new"' not in ana.get("/products/new").text
    assert ana.get("/products/new").status == 403
    assert ana.post(f"/products/{pen}/stock", {"kind": "received", "change": "5",
                                               "reason": "x"}).status == 403
    assert ana.post(f"/products/{pen}", {"code": "PEN", "name": "Hacked", "price": "1",
                                         "low_stock": "1"}).status == 403
    assert ana.post("/products/settings", {"allow_negative": "yes"}).status == 403
    assert shop.clients["pam"].post("/products/settings",
                                    {"allow_negative": "yes"}).status == 403


def test_the_menu_shows_the_sales_group_and_the_low_stock_badge(shop):
    page = shop.clients["ana"].get("/orders").text
    for href in ("/sales", "/orders", "/products", "/sales/report"):
        assert f'href="{href}"' in page
    badge = re.search(r'href="/products"[^>]*>Products<span class="count-badge"[^>]*>(\d+)<',
                      page)
    assert badge and int(badge.group(1)) == Products(shop.deps.store).low_count() >= 1
    assert 'href="/sales"' not in shop.clients["nof"].get("/account").text


@pytest.mark.parametrize("path, form", [
    ("/orders/new", {"customer": "1", "ordered_on": "2026-01-06", "payment": "cash",
                     "state": "new", "product": "1", "quantity": "1"}),
    ("/sales/new", {"customer": "1", "title": "x", "stage": "lead"}),
    ("/sales/1/stage", {"stage": "won"}),
    ("/sales/1/followups", {"text": "x"}),
    ("/orders/1/state", {"state": "cancelled"}),
    ("/products/new", {"code": "NEW", "name": "n", "price": "1", "low_stock": "0"}),
    ("/products/1", {"code": "PEN", "name": "n", "price": "1", "low_stock": "0"}),
    ("/products/1/stock", {"kind": "received", "change": "1", "reason": "x"}),
    ("/products/settings", {"allow_negative": "yes"}),
])
def test_every_form_refuses_a_request_without_its_csrf_token(shop, path, form):
    boss = shop.clients["boss"]
    count = "SELECT count(*) FROM audit_log"
    before = shop.deps.store.connection().execute(count).fetchone()[0]
    answer = boss.post(path, form, csrf="")
    assert answer.status == 403 and "expired" in answer.text
    answer = boss.post(path, form, csrf="wrong-token")
    assert answer.status == 403
    assert shop.deps.store.connection().execute(count).fetchone()[0] == before


def _audit(shop, action):
    rows = shop.deps.store.connection().execute(
        "SELECT target, detail, username FROM audit_log WHERE action = ? ORDER BY id",
        (action,)).fetchall()
    return rows


def test_an_order_takes_its_stock_and_cancelling_gives_it_back(shop):
    ana = shop.clients["ana"]
    ana.get("/orders/new")
    pen = shop.product["pen"]
    products = Products(shop.deps.store)
    before = products.get(pen).stock
    answer = ana.post("/orders/new", [
        ("customer", shop.customer["ana"]), ("ordered_on", "2026-02-01"), ("payment", "alipay"),
        ("state", "confirmed"), ("operator", shop.ids["ana"]),
        ("product", pen), ("quantity", "3"), ("unit_price", "1.10"),
        ("product", pen), ("quantity", "2"), ("unit_price", ""),
        ("product", ""), ("quantity", ""), ("unit_price", ""),
    ])
    assert answer.status == 303, answer.text[:800]
    order_id = int(answer.location.rsplit("/", 1)[1].split("?")[0])
    assert products.get(pen).stock == before - 5
    order = Orders(shop.deps.store).get(order_id, EVERYTHING)
    assert order.total_cents == 3 * 110 + 2 * 199 == 728
    page = ana.get(f"/orders/{order_id}").text
    assert "7.28" in page and "Alipay" in page
    assert any(target == f"order {order_id}" for target, _, _ in _audit(shop, "order_placed"))
    assert ana.post(f"/orders/{order_id}/state", {"state": "cancelled"}).status == 303
    assert products.get(pen).stock == before
    assert ana.post(f"/orders/{order_id}/state", {"state": "done"}).status == 409
    assert products.get(pen).stock == before
    changed = _audit(shop, "order_state_changed")
    assert changed and changed[-1][0] == f"order {order_id}" and "cancelled" in changed[-1][1]
    moves = [(move.kind, move.change) for move in products.moves(pen, 4)]
    assert sorted(moves) == [("cancel", 2), ("cancel", 3), ("order", -3), ("order", -2)]


def test_an_order_for_more_than_is_in_stock_is_refused_naming_the_product(shop):
    lea = shop.clients["lea"]
    lea.get("/orders/new")
    ink = shop.product["ink"]
    stock = Products(shop.deps.store).get(ink).stock
    answer = lea.post("/orders/new", {
        "customer": shop.customer["ben"], "ordered_on": "2026-02-02", "payment": "cash",
        "state": "new", "operator": shop.ids["ben"], "product": ink,
        "quantity": str(stock + 1)})
    assert answer.status == 409
    assert f"Ink (INK): only {stock} in stock, {stock + 1} wanted." in answer.text
    assert Products(shop.deps.store).get(ink).stock == stock
    # A leader may place an order for a group member; not for someone outside the group.
    outside = lea.post("/orders/new", {
        "customer": shop.customer["ben"], "ordered_on": "2026-02-02", "payment": "cash",
        "state": "new", "operator": shop.ids["cai"], "product": ink, "quantity": "1"})
    assert outside.status == 400 and "Operator: Choose an operator" in outside.text


@pytest.mark.parametrize("field, value, named", [
    ("ordered_on", "1985.5.6", "Date: 1985.5.6 is not a date"),
    ("ordered_on", "2026-02-30", "Date: 2026-02-30 is not a date"),
    ("quantity", "-2", "Order lines: line 1: -2 is not a whole number"),
    ("quantity", "0", "Order lines: line 1: 0 is not a whole number"),
    ("quantity", "1.5", "Order lines: line 1: 1.5 is not a whole number"),
    ("unit_price", "-1", "Order lines: line 1: -1 is not an amount of money"),
    ("unit_price", "1.005", "Order lines: line 1: 1.005 is not an amount of money"),
    ("product", "999999", "Order lines: line 1: choose a product"),
    ("payment", "bitcoin", "Payment: Choose how the customer pays"),
    ("state", "cancelled", "State: Choose a state"),
    ("note", "x" * 5000, "Note: At most 2000 characters"),
    ("campaign", "abc", "Campaign: abc is not a whole number"),
])
def test_a_bad_order_field_is_named_in_one_line(shop, field, value, named):
    ana = shop.clients["ana"]
    ana.get("/orders/new")
    form = {"customer": shop.customer["ana"], "ordered_on": "2026-02-03", "payment": "cash",
            "state": "new", "operator": shop.ids["ana"], "product": shop.product["pen"],
            "quantity": "1", "unit_price": "", field: value}
    stock = Products(shop.deps.store).get(shop.product["pen"]).stock
    answer = ana.post("/orders/new", form)
    assert answer.status == 400
    problem = re.search(r'<p class="problem" role="alert">([^<]*)</p>', answer.text).group(1)
    assert problem.startswith(named), problem
    assert Products(shop.deps.store).get(shop.product["pen"]).stock == stock


def test_an_order_may_carry_a_campaign(shop):
    from firmware.store.campaigns import Campaigns  # noqa: PLC0415

    campaign = Campaigns(shop.deps.store).create("February", "2026-02-01", "2026-02-28")
    ana = shop.clients["ana"]
    ana.get("/orders/new")
    form = {"customer": shop.customer["ana"], "ordered_on": "2026-02-04", "payment": "other",
            "state": "new", "operator": shop.ids["ana"], "campaign": "42",
            "product": shop.product["pen"], "quantity": "1"}
    unknown = ana.post("/orders/new", form)
    assert unknown.status == 400 and "Campaign: Choose a campaign from the list." in unknown.text
    answer = ana.post("/orders/new", {**form, "campaign": str(campaign)})
    assert answer.status == 303
    row = shop.deps.store.connection().execute(
        "SELECT campaign_id FROM orders ORDER BY id DESC LIMIT 1").fetchone()
    assert row[0] == campaign
    order_id = int(answer.location.rsplit("/", 1)[1].split("?")[0])
    page = ana.get(f"/orders/{order_id}").text
    assert "February" in page and f'href="/campaigns/{campaign}"' not in page  # no campaigns flag
    assert ana.get(f"/orders?campaign={campaign}").text.count(f'href="/orders/{order_id}"') == 1


def test_the_pipeline_moves_a_card_and_a_won_opportunity_offers_an_order(shop):
    ben = shop.clients["ben"]
    ben.get("/sales")
    created = ben.post("/sales/new", {"customer": shop.customer["ben"], "title": "Big one",
                                      "stage": "proposal", "amount": "1,000.05",
                                      "close_on": "2026-03-01", "owner": shop.ids["ben"]})
    assert created.status == 303
    opportunity_id = int(created.location.split("/")[2].split("?")[0])
    pipeline = ben.get("/sales").text
    assert "Big one" in pipeline and "1,000.05" in pipeline
    moved = ben.post(f"/sales/{opportunity_id}/stage", {"stage": "negotiation",
                                                        "back": "pipeline"})
    assert moved.status == 303 and moved.location.startswith("/sales?")
    won = ben.post(f"/sales/{opportunity_id}/stage", {"stage": "won"})
    assert won.location == f"/sales/{opportunity_id}?done=won"
    page = ben.get(won.location).text
    assert (f'/orders/new?customer={shop.customer["ben"]}&amp;opportunity={opportunity_id}'
            in page)
    changed = [detail for target, detail, _ in _audit(shop, "opportunity_changed")
               if target == f"opportunity {opportunity_id}"]
    assert len(changed) == 2 and "won" in changed[-1]
    order = ben.post("/orders/new", {
        "customer": shop.customer["ben"], "opportunity": opportunity_id,
        "ordered_on": "2026-02-05", "payment": "WeChat Pay", "state": "confirmed",
        "operator": shop.ids["ben"], "product": shop.product["pen"], "quantity": "1"})
    assert order.status == 303
    assert f'href="/sales/{opportunity_id}"' in ben.get(order.location).text
    # An opportunity of another customer cannot be tied to the order.
    wrong = ben.post("/orders/new", {
        "customer": shop.customer["ben"], "opportunity": shop.opportunity["ana"],
        "ordered_on": "2026-02-05", "payment": "cash", "state": "new",
        "operator": shop.ids["ben"], "product": shop.product["pen"], "quantity": "1"})
    assert wrong.status == 400


@pytest.mark.parametrize("form, named", [
    ({"title": ""}, "Title: Fill this in"),
    ({"title": "t" * 500}, "Title: At most 200 characters"),
    ({"amount": "12,34.567"}, "Expected amount: 12,34.567 is not an amount"),
    ({"amount": "-5"}, "Expected amount: -5 is not an amount"),
    ({"close_on": "1985.5.6"}, "Expected close: 1985.5.6 is not a date"),
    ({"stage": "dreaming"}, "Stage: Choose a stage"),
    ({"customer": "999999"}, "Customer: Choose a customer you see"),
])
def test_a_bad_opportunity_field_is_named_in_one_line(shop, form, named):
    ana = shop.clients["ana"]
    ana.get("/sales/new")
    answer = ana.post("/sales/new", {"customer": shop.customer["ana"], "title": "A deal",
                                     "stage": "lead", "amount": "10", "close_on": "",
                                     "owner": shop.ids["ana"], **form})
    assert answer.status == 400
    assert re.search(r'<p class="problem" role="alert">([^<]*)</p>',
                     answer.text).group(1).startswith(named)


def test_follow_ups_from_the_opportunity_and_from_the_customer_card(shop):
    ana = shop.clients["ana"]
    opportunity = shop.opportunity["ana"]
    card = ana.get(f"/customers/{shop.customer['ana']}").text
    assert "Deal of ana" in card and f'action="/sales/{opportunity}/followups"' in card
    assert f'href="/orders/{shop.order["ana"]}"' in card
    from_card = ana.post(f"/sales/{opportunity}/followups", {
        "on_day": "2026-01-07", "text": "Called, likes it", "next_step": "Send a quote",
        "back": "customer"})
    assert from_card.location == f"/customers/{shop.customer['ana']}?done=follow_up#sales"
    page = ana.post(f"/sales/{opportunity}/followups", {"on_day": "2026-01-08",
                                                        "text": "Quote sent"})
    assert page.location.startswith(f"/sales/{opportunity}")
    shown = ana.get(f"/sales/{opportunity}").text
    assert "Called, likes it" in shown and "Send a quote" in shown and "Quote sent" in shown
    assert len([row for row in _audit(shop, "follow_up_added")
                if row[0] == f"opportunity {opportunity}"]) >= 2
    for bad, named in ((({"on_day": "1985.5.6", "text": "x"}), "Date: 1985.5.6"),
                       (({"text": ""}), "What happened"),
                       (({"text": "x" * 9000}), "What happened: At most")):
        answer = ana.post(f"/sales/{opportunity}/followups", bad)
        assert answer.status == 400 and named in answer.text, bad


def test_products_added_edited_and_their_stock_adjusted_are_audited(shop):
    pam = shop.clients["pam"]
    pam.get("/products")
    added = pam.post("/products/new", {"code": "CUP", "name": "Cup", "unit": "pc",
                                       "price": "12.30", "low_stock": "3", "stock": "4"})
    assert added.status == 303
    cup = int(added.location.split("/")[2].split("?")[0])
    products = Products(shop.deps.store)
    assert products.get(cup).price_cents == 1230 and products.get(cup).stock == 4
    taken = pam.post("/products/new", {"code": "CUP", "name": "Other", "price": "1",
                                       "low_stock": "0"})
    assert taken.status == 409 and "There is a product with the code CUP already." in taken.text
    assert pam.post(f"/products/{cup}", {"code": "CUP", "name": "Mug", "unit": "pc",
                                         "price": "13", "low_stock": "3"}).status == 303
    assert products.get(cup).name == "Mug" and products.get(cup).price_cents == 1300
    assert pam.post(f"/products/{cup}/stock", {"kind": "received", "change": "10",
                                               "reason": "delivery 17"}).status == 303
    assert pam.post(f"/products/{cup}/stock", {"kind": "correction", "change": "-13",
                                               "reason": "broken"}).status == 303
    assert products.get(cup).stock == 1 and products.get(cup).is_low
    refused = pam.post(f"/products/{cup}/stock", {"kind": "correction", "change": "-2",
                                                  "reason": "lost"})
    assert refused.status == 400 and "Mug (CUP): only 1 in stock, 2 wanted." in refused.text
    for form, named in (({"kind": "received", "change": "-1", "reason": "x"},
                         "Goods received add"),
                        ({"kind": "received", "change": "abc", "reason": "x"},
                         "Change in stock: abc is not a whole number"),
                        ({"kind": "received", "change": "1", "reason": ""}, "Reason:"),
                        ({"kind": "stolen", "change": "1", "reason": "x"}, "Kind:")):
        answer = pam.post(f"/products/{cup}/stock", form)
        assert answer.status == 400 and named in answer.text, form
    assert products.get(cup).stock == 1
    targets = {action: [row[0] for row in _audit(shop, action)]
               for action in ("product_added", "product_changed", "stock_adjusted")}
    assert f"product {cup}" in targets["product_added"]
    assert f"product {cup}" in targets["product_changed"]
    assert targets["stock_adjusted"].count(f"product {cup}") == 2
    listed = pam.get("/products?low=1").text
    assert "Mug" in listed and "Low stock" in listed
    for form, named in (({"price": "1.234"}, "Price: 1.234"), ({"low_stock": "-1"},
                                                                 "Low-stock level: -1"),
                        ({"code": "C" * 100}, "Code: At most 40"),
                        ({"name": ""}, "Product name: Fill this in")):
        answer = pam.post(f"/products/{cup}", {"code": "CUP", "name": "Mug", "price": "1",
                                               "low_stock": "0", **form})
        assert answer.status == 400 and named in answer.text, form


def test_the_admin_may_let_stock_go_below_zero(shop):
    adm = shop.clients["adm"]
    adm.get("/products")
    ink = Products(shop.deps.store).create({"code": "NEG", "name": "Neg", "price_cents": 1},
                                          stock=0)
    assert adm.post("/products/settings", {"allow_negative": "yes"}).status == 303
    try:
        boss = shop.clients["boss"]
        boss.get("/orders/new")
        answer = boss.post("/orders/new", {
            "customer": shop.customer["cai"], "ordered_on": "2026-02-06", "payment": "cash",
            "state": "new", "operator": shop.ids["boss"], "product": ink, "quantity": "2"})
        assert answer.status == 303
        assert Products(shop.deps.store).get(ink).stock == -2
    finally:
        assert adm.post("/products/settings", {}).status == 303
    assert [row[0] for row in _audit(shop, "sales_settings_changed")] == ["products"] * 2


def test_the_sales_report_sums_money_exactly_and_follows_the_scope(shop):
    boss, ana = shop.clients["boss"], shop.clients["ana"]
    query = "from=2026-01-01&to=2026-01-31"
    for by in ("day", "operator", "customer", "product"):
        assert boss.get(f"/sales/report?{query}&by={by}").status == 200
    everything = boss.get(f"/sales/report?{query}&by=customer").text
    assert "Ana Buyer" in everything and "Cai Buyer" in everything
    own = ana.get(f"/sales/report?{query}&by=customer").text
    assert "Ana Buyer" in own and "Cai Buyer" not in own
    assert 'id="sales-data"' in own and "sales_report.js" in own
    for bad, named in (("from=1985.5.6", "From: 1985.5.6 is not a date"),
                       ("from=2026-02-01&to=2026-01-01", "To: the last day comes before"),
                       ("from=2024-01-01&to=2026-01-01", "To: a report covers at most"),
                       ("by=weather", "Split by:")):
        answer = boss.get(f"/sales/report?{bad}")
        assert answer.status == 400 and named in answer.text, bad
        assert boss.get(f"/sales/report.xlsx?{bad}").status == 400


def test_the_excel_export_is_exact_neutralised_and_audited(shop):
    store = shop.deps.store
    products = Products(store)
    evil = products.create({"code": "=1+1", "name": "=HYPERLINK(\"x\")",
                            "price_cents": 10}, stock=10)
    customer = shop.deps.customers.create({"name": "=cmd|' /C calc'!A0"}, [],
                                          added_by=shop.ids["cai"])
    Orders(store).place(customer_id=customer, customer_name="=cmd|' /C calc'!A0",
                        operator_id=shop.ids["cai"], ordered_on="2026-01-20", payment="cash",
                        state="done", lines=[LineDraft(evil, 3, 1)])  # 0.01 each
    answer = shop.clients["boss"].get("/sales/report.xlsx?from=2026-01-01&to=2026-01-31")
    assert answer.status == 200
    book = load_workbook(io.BytesIO(answer.body))
    values = [cell.value for sheet in book for row in sheet.iter_rows() for cell in row]
    texts = [value for value in values if isinstance(value, str)]
    assert not any(text.startswith(("=", "+", "-", "@")) for text in texts), texts
    assert any("HYPERLINK" in text for text in texts)
    product_rows = {row[0].value: row for row in book["Product"].iter_rows(min_row=2)}
    evil_row = next(row for label, row in product_rows.items() if "HYPERLINK" in label)
    assert str(evil_row[2].value) in ("0.03", "0.030")  # exact cents, not 0.030000000000000002
    assert _audit(shop, "sales_exported")[-1][0] == "sales report"


def test_customer_products_names_what_the_customer_ordered(shop):
    names = customer_products(shop.deps.store, shop.customer["ana"])
    assert "Pen" in names and "Ink" not in names
    assert customer_products(shop.deps.store, 999999) == []


def test_a_huge_search_or_page_number_is_cut_not_a_failure(shop):
    ana = shop.clients["ana"]
    assert ana.get("/orders?q=" + "x" * 10_000 + "&page=99999999999").status == 200
    assert ana.get("/products?q=" + "y" * 10_000).status == 200
    assert ana.get("/orders?from=1985.5.6").status == 400
    assert ana.get("/orders/new?q=" + "z" * 5000).status == 200
    assert ana.get("/orders/99999999999999999999").status == 404


def test_the_admin_grants_the_sales_and_products_flags_on_the_user_form(shop):
    adm = shop.clients["adm"]
    page = adm.get(f"/admin/users/{shop.ids['nof']}").text
    assert 'value="sales"' in page and 'value="products"' in page
    assert "Edit products and their stock" in page
    shop.deps.accounts.update_user(shop.ids["nof"], permissions=frozenset(
        {"customers_view", "sales"}))
    try:
        client = shop.signed_in("nof")
        assert client.get("/sales").status == 200 and client.get("/orders").status == 200
        assert "Deal of ana" not in client.get("/sales").text  # nof added no customers
    finally:
        shop.deps.accounts.update_user(shop.ids["nof"],
                                       permissions=frozenset({"customers_view"}))


def test_payment_methods_are_the_admins_list(shop):
    from firmware.store.dictionary import Dictionary, DictionaryError  # noqa: PLC0415

    dictionary = Dictionary(shop.deps.store)
    union = dictionary.add("payment_methods", "UnionPay", "银联")
    ana = shop.clients["ana"]
    form = ana.get(f"/orders/new?customer={shop.customer['ana']}").text
    choices = re.search(r'<select name="payment">(.*?)</select>', form, re.S).group(1)
    assert '<option value="UnionPay">UnionPay</option>' in choices
    order = {"customer": shop.customer["ana"], "ordered_on": "2026-02-04", "state": "new",
             "operator": shop.ids["ana"], "product": shop.product["pen"], "quantity": "1"}
    assert ana.post("/orders/new", {**order, "payment": "Bitcoin"}).status == 400
    placed = ana.post("/orders/new", {**order, "payment": "银联"})  # its Chinese names it too
    assert placed.status == 303
    order_id = int(placed.location.rsplit("/", 1)[1].split("?")[0])
    assert ">UnionPay<" in ana.get(f"/orders/{order_id}").text
    # Renamed in the list, renamed in the orders; retired, no longer offered.
    assert dictionary.rename(union, "China UnionPay", "银联") == 1
    assert ">China UnionPay<" in ana.get(f"/orders/{order_id}").text
    dictionary.retire(union)
    form = ana.get(f"/orders/new?customer={shop.customer['ana']}").text
    assert "China UnionPay" not in form
    # The order states are the orders' own steps: relabelled and reordered only.
    states = {entry.value: entry for entry in dictionary.entries("order_states")}
    for refused in (lambda: dictionary.add("order_states", "lost"),
                    lambda: dictionary.retire(states["shipped"].id),
                    lambda: dictionary.rename(states["done"].id, "finished", "")):
        with pytest.raises(DictionaryError):
            refused()
