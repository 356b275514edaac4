"""Orders (the ``sales`` flag): the list with filters, the new order form with its lines, an
order's page and its state.

Orders are those of the customers the user sees (``OwnerScope`` through the
order's customer); any other is "not found" (404), by list or by URL. An
order is placed for a customer the user sees, by an operator they may speak
for (themselves; a leader their group; a super user anyone). Placing takes
the stock; cancelling gives it back; a line short of stock refuses the
whole order with one line naming the product.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

from firmware.store.audit import structured_detail
from firmware.store.campaigns import Campaigns
from firmware.store.crm import Customer
from firmware.store.dictionary import Dictionary
from firmware.store.opportunities import Opportunities
from firmware.store.orders import MOST_QUANTITY, NOTE_LIMIT, LineDraft, OrderFilter, Orders
from firmware.store.products import Products
from firmware.store.sales import (
    ORDER_STATES,
    STATE_KEYS,
    SalesError,
    cents_text,
)
from webui.context import Ctx
from webui.pages.custom_inputs import list_choices, listed
from webui.sales_words import (
    first_problem,
    payment_label,
    read_day,
    read_money,
    read_whole,
    state_label,
)

PAGE_SIZE = 50
LINE_ROWS = 6  # blank line rows on the form (it works without a script)
CUSTOMER_SEARCH_LIMIT = 20
FIELD_LABELS = {"customer": "Customer", "ordered_on": "Date", "payment": "Payment",
                "state": "State", "operator": "Operator", "lines": "Order lines", "note": "Note",
                "campaign": "Campaign", "from": "From", "to": "To"}


def operators_for(ctx: Ctx) -> dict[int, str]:
    """Whom the user may place an order for: themselves; a leader their group; super all."""
    principal = ctx.principal
    users = ctx.deps.accounts.users() if principal.is_super else [
        user for user in ctx.deps.accounts.users()
        if user.id == principal.user.id
        or (principal.user.level == "leader" and user.id in principal.group_member_ids)]
    return {user.id: user.shown_name for user in users if user.active or user.id == ctx.user.id}


def visible_order(ctx: Ctx, order_id: int):
    order = Orders(ctx.deps.store).get(order_id, ctx.principal.owner_scope())
    if order is None:
        ctx.fail(404, "Not found.")
    return order


# ---- the list ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    typed: dict[str, str]
    chosen: OrderFilter
    problem: str
    page: int

    def query(self, **changes: object) -> str:
        values = {**self.typed, "page": self.page, **changes}
        return urlencode({key: value for key, value in values.items()
                          if value and value != 1})


def _list_filter(ctx: Ctx) -> Listed:
    typed = {key: ctx.query(key)[:100]
             for key in ("from", "to", "state", "q", "customer", "campaign")}
    problems: dict[str, str] = {}
    since = read_day(ctx.t, typed["from"], "from", problems, needed=False)
    until = read_day(ctx.t, typed["to"], "to", problems, needed=False)
    if typed["state"] and typed["state"] not in STATE_KEYS:
        problems["state"] = ctx.t("Choose a state from the list.")
    customer, campaign = (int(typed[key]) if typed[key].isdigit() and len(typed[key]) < 19
                          else None for key in ("customer", "campaign"))
    page = ctx.query("page", "1")
    return Listed(
        typed,
        OrderFilter(since=since, until=until, state=typed["state"] if "state" not in problems
                    else "", customer_id=customer, text=typed["q"], campaign_id=campaign),
        first_problem(ctx.t, problems, FIELD_LABELS) if problems else "",
        max(1, int(page)) if page.isdigit() and len(page) < 7 else 1)


def orders_page(ctx: Ctx) -> str:
    listed = _list_filter(ctx)
    orders = Orders(ctx.deps.store)
    scope = ctx.principal.owner_scope()
    count, total = orders.count(scope, listed.chosen)
    pages = max(1, math.ceil(count / PAGE_SIZE))
    page = min(listed.page, pages)
    ctx.response.status = 400 if listed.problem else 200
    return ctx.render(
        "orders.tpl", listed=listed, rows=orders.search(
            scope, listed.chosen, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE),
        count=count, total=total, page=page, pages=pages, states=ORDER_STATES,
        money=cents_text, state_label=lambda state: state_label(ctx.t, state),
        notice=ctx.query("done"))


# ---- a new order ------------------------------------------------------------------------


def _customer_of(ctx: Ctx, typed: str) -> Customer | None:
    if not typed.isdigit() or len(typed) > 18:
        return None
    return ctx.deps.customers.get(int(typed), ctx.principal.owner_scope())


def _blank(ctx: Ctx) -> dict:
    return {"customer": ctx.query("customer")[:20], "ordered_on": ctx.t.iso_date(
        ctx.deps.clock()), "payment": "cash", "state": "new", "operator": str(ctx.user.id),
        "note": "", "campaign": ctx.query("campaign")[:20],
        "opportunity": ctx.query("opportunity")[:20],
        "lines": [("", "", "")] * LINE_ROWS}


def _campaign_choices(ctx: Ctx, typed: str) -> list[tuple[int, str]]:
    """The campaigns an order may name: those running today, and the one already chosen."""
    today = ctx.t.iso_date(ctx.deps.clock())
    return [(campaign.id, campaign.name) for campaign in Campaigns(ctx.deps.store).all()
            if campaign.runs_on(today) or str(campaign.id) == typed]


def _order_form(ctx: Ctx, typed: dict, problems: dict, status: int = 200) -> str:
    ctx.response.status = status
    lines = [line for line in typed["lines"] if any(line)]
    typed = {**typed, "lines": lines + [("", "", "")] * max(1, LINE_ROWS - len(lines))}
    customer = _customer_of(ctx, typed["customer"])
    found = []
    search = ctx.query("q")[:100]
    if customer is None and search:
        found = ctx.deps.customers.search(ctx.principal.owner_scope(), text=search,
                                          limit=CUSTOMER_SEARCH_LIMIT)
    return ctx.render(
        "order_form.tpl", typed=typed, problems=problems, customer=customer, found=found,
        search=search, problem=first_problem(ctx.t, problems, FIELD_LABELS) if problems
        else "", products=Products(ctx.deps.store).search(), operators=operators_for(ctx),
        payments=list_choices(ctx, "payment_methods", typed["payment"]),
        states=[state for state in ORDER_STATES if state[0] != "cancelled"],
        money=cents_text, note_limit=NOTE_LIMIT,
        campaigns=_campaign_choices(ctx, typed["campaign"]))


def new_order_page(ctx: Ctx) -> str:
    return _order_form(ctx, _blank(ctx), {})


def _typed_lines(ctx: Ctx) -> list[tuple[str, str, str]]:
    products = ctx.form_list("product")[:200]
    quantities = ctx.form_list("quantity")[:200]
    prices = ctx.form_list("unit_price")[:200]
    size = max(len(products), len(quantities), len(prices))
    padded = [(values + [""] * size)[:size] for values in (products, quantities, prices)]
    return [(p[:20], q[:20], u[:40]) for p, q, u in zip(*padded, strict=True)]


def _read_lines(ctx: Ctx, typed_lines, problems: dict) -> list[LineDraft]:
    t = ctx.t
    products = Products(ctx.deps.store)
    drafts = []
    for number, (product, quantity, price) in enumerate(typed_lines, 1):
        if not product and not quantity and not price:
            continue
        found = products.get(int(product)) if product.isdigit() and len(product) < 19 \
            else None
        if found is None or found.retired:
            problems.setdefault("lines", t("line {n}: choose a product from the list.",
                                           n=number))
            continue
        line_problems: dict[str, str] = {}
        count = read_whole(t, quantity, "quantity", line_problems, least=1, most=MOST_QUANTITY)
        unit = read_money(t, price, "unit_price", line_problems) if price else None
        if line_problems:
            problems.setdefault("lines", t("line {n}: {problem}", n=number,
                                           problem=next(iter(line_problems.values()))))
            continue
        drafts.append(LineDraft(found.id, count, unit))
    if not drafts and "lines" not in problems:
        problems["lines"] = t("An order needs at least one line.")
    return drafts


def new_order_submit(ctx: Ctx) -> str:
    t = ctx.t
    typed = {key: ctx.form(key)[:40] for key in ("customer", "ordered_on", "payment", "state",
                                                  "operator", "campaign", "opportunity")}
    typed["note"] = ctx.form("note")[: NOTE_LIMIT * 2]
    typed["lines"] = _typed_lines(ctx)
    problems: dict[str, str] = {}
    customer = _customer_of(ctx, typed["customer"])
    if customer is None:
        problems["customer"] = t("Choose a customer you see.")
    day = read_day(t, typed["ordered_on"], "ordered_on", problems)
    payment = listed(Dictionary(ctx.deps.store).entries("payment_methods"), typed["payment"])
    if not payment:
        problems["payment"] = t("Choose how the customer pays.")
    if typed["state"] not in STATE_KEYS or typed["state"] == "cancelled":
        problems["state"] = t("Choose a state from the list.")
    operators = operators_for(ctx)
    operator = int(typed["operator"]) if typed["operator"].isdigit() and \
        len(typed["operator"]) < 19 else None
    if operator not in operators:
        problems["operator"] = t("Choose an operator from the list.")
    campaign = None
    if typed["campaign"]:
        campaign = read_whole(t, typed["campaign"], "campaign", problems, least=1,
                              most=2**63 - 1)
        if campaign is not None and Campaigns(ctx.deps.store).get(campaign) is None:
            problems["campaign"] = t("Choose a campaign from the list.")
    opportunity = None
    if typed["opportunity"] and customer is not None:
        found = Opportunities(ctx.deps.store).get(int(typed["opportunity"]),
                                                  ctx.principal.owner_scope()) \
            if typed["opportunity"].isdigit() and len(typed["opportunity"]) < 19 else None
        if found is None or found.customer_id != customer.id:
            problems["customer"] = t("The opportunity is not one of this customer's.")
        else:
            opportunity = found.id
    if len(typed["note"]) > NOTE_LIMIT:
        problems["note"] = t("At most {n} characters.", n=NOTE_LIMIT)
    lines = _read_lines(ctx, typed["lines"], problems)
    if problems:
        return _order_form(ctx, typed, problems, 400)
    try:
        order_id = Orders(ctx.deps.store).place(
            customer_id=customer.id, customer_name=customer.name, operator_id=operator,
            ordered_on=day, payment=payment, lines=lines, state=typed["state"],
            note=typed["note"], opportunity_id=opportunity, campaign_id=campaign,
            created_by=ctx.user.id)
    except SalesError as error:
        return _order_form(ctx, typed, {"lines": t(error.template, **error.values)}, 409)
    order = Orders(ctx.deps.store).get(order_id, ctx.principal.owner_scope())
    ctx.audit("order_placed", f"order {order_id}", structured_detail(
        customer=customer.id, day=day, state=typed["state"], payment=payment,
        total=cents_text(order.total_cents), campaign=campaign, opportunity=opportunity,
        order_lines=[f"{line.product_code} × {line.quantity} @ {cents_text(line.unit_cents)}"
               for line in order.lines]))
    ctx.redirect(f"/orders/{order_id}?done=placed")


# ---- one order --------------------------------------------------------------------------


def order_page(ctx: Ctx, order_id: int) -> str:
    order = visible_order(ctx, order_id)
    campaign = Campaigns(ctx.deps.store).get(order.campaign_id) if order.campaign_id else None
    return ctx.render("order.tpl", order=order, states=ORDER_STATES, money=cents_text,
                      campaign=campaign,
                      sees_campaigns=ctx.can("campaigns") or ctx.can("admin"),
                      state_label=lambda state: state_label(ctx.t, state),
                      payment_label=lambda payment: payment_label(ctx.deps.store, ctx.t,
                                                                  payment),
                      notice=ctx.query("done"))


def order_state_submit(ctx: Ctx, order_id: int) -> str:
    order = visible_order(ctx, order_id)
    state = ctx.form("state")[:40]
    if state not in STATE_KEYS:
        ctx.fail(400, "State: choose a state from the list.")
    try:
        before = Orders(ctx.deps.store).set_state(order.id, state, ctx.user.id)
    except SalesError as error:
        ctx.fail(409, error.template, **error.values)
    if before != state:
        ctx.audit("order_state_changed", f"order {order.id}",
                  structured_detail(changes=[("state", before, state)]))
    ctx.redirect(f"/orders/{order.id}?done=state")


def customer_orders(ctx: Ctx, customer_id: int, limit: int = 20):
    """A customer's latest orders, for their card."""
    return Orders(ctx.deps.store).search(ctx.principal.owner_scope(),
                                         OrderFilter(customer_id=customer_id), limit=limit)

