"""Opportunities (the ``sales`` flag): the pipeline, an opportunity's page, follow-ups, and
what the customer card shows of a customer's sales.

The pipeline is a column per stage with its count and expected total; a card
moves to another stage by a small form (no script needed). Opportunities are
those of the customers the user sees (404 otherwise). A won opportunity
offers to make an order for its customer. Every change is audited.
"""

from __future__ import annotations

from firmware.store.audit import structured_detail
from firmware.store.opportunities import (
    NEXT_STEP_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Opportunities,
    Opportunity,
)
from firmware.store.sales import STAGE_KEYS, STAGES, SalesError, cents_text
from webui.context import Ctx
from webui.pages.orders import customer_orders, operators_for
from webui.sales_words import (
    first_problem,
    read_day,
    read_money,
    stage_label,
    state_label,
)

FIELD_LABELS = {"customer": "Customer", "title": "Title", "stage": "Stage",
                "amount": "Expected amount", "close_on": "Expected close", "owner": "Owner",
                "on_day": "Date", "text": "What happened", "next_step": "Next step"}


def visible_opportunity(ctx: Ctx, opportunity_id: int) -> Opportunity:
    found = Opportunities(ctx.deps.store).get(opportunity_id, ctx.principal.owner_scope())
    if found is None:
        ctx.fail(404, "Not found.")
    return found


def pipeline_page(ctx: Ctx) -> str:
    opportunities = Opportunities(ctx.deps.store)
    scope = ctx.principal.owner_scope()
    mine = ctx.query("mine") == "1"
    owner = ctx.user.id if mine else None
    return ctx.render(
        "sales_pipeline.tpl", stages=STAGES,
        staged=opportunities.pipeline(scope, owner_id=owner),
        totals=opportunities.stage_totals(scope, owner_id=owner), mine=mine,
        money=cents_text, notice=ctx.query("done"))


# ---- add and edit ----------------------------------------------------------------------


def _typed(ctx: Ctx, opportunity: Opportunity | None) -> dict[str, str]:
    if ctx.request.method == "POST":
        return {"customer": ctx.form("customer")[:20],
                "title": ctx.form("title")[: TITLE_LIMIT * 2],
                "stage": ctx.form("stage")[:20], "amount": ctx.form("amount")[:40],
                "close_on": ctx.form("close_on")[:40], "owner": ctx.form("owner")[:20]}
    if opportunity is None:
        return {"customer": ctx.query("customer")[:20], "title": "", "stage": "lead",
                "amount": "", "close_on": "", "owner": str(ctx.user.id)}
    return {"customer": str(opportunity.customer_id), "title": opportunity.title,
            "stage": opportunity.stage,
            "amount": cents_text(opportunity.amount_cents, grouped=False),
            "close_on": opportunity.close_on or "", "owner": str(opportunity.owner_id or "")}


def _read(ctx: Ctx, typed: dict[str, str], owners: dict[int, str],
          opportunity: Opportunity | None) -> tuple[dict, dict[str, str]]:
    t = ctx.t
    problems: dict[str, str] = {}
    if not typed["title"]:
        problems["title"] = t("Fill this in.")
    elif len(typed["title"]) > TITLE_LIMIT:
        problems["title"] = t("At most {n} characters.", n=TITLE_LIMIT)
    if typed["stage"] not in STAGE_KEYS:
        problems["stage"] = t("Choose a stage from the list.")
    amount = read_money(t, typed["amount"] or "0", "amount", problems)
    close_on = read_day(t, typed["close_on"], "close_on", problems, needed=False)
    owner = int(typed["owner"]) if typed["owner"].isdigit() and len(typed["owner"]) < 19 \
        else None
    keeps_owner = opportunity is not None and owner == opportunity.owner_id
    if owner not in owners and not keeps_owner:
        problems["owner"] = t("Choose an owner from the list.")
    return {"title": typed["title"], "stage": typed["stage"], "amount_cents": amount,
            "close_on": close_on, "owner_id": owner}, problems


def _form(ctx: Ctx, opportunity: Opportunity | None, typed: dict, problems: dict,
          status: int = 200) -> str:
    ctx.response.status = status
    customer = None
    if typed["customer"].isdigit() and len(typed["customer"]) < 19:
        customer = ctx.deps.customers.get(int(typed["customer"]), ctx.principal.owner_scope())
    found = []
    search = ctx.query("q")[:100]
    if customer is None and search:
        found = ctx.deps.customers.search(ctx.principal.owner_scope(), text=search, limit=20)
    owners = operators_for(ctx)
    if opportunity is not None and opportunity.owner_id and \
            opportunity.owner_id not in owners:
        owners = {opportunity.owner_id: opportunity.owner_name or "", **owners}
    follow_ups = Opportunities(ctx.deps.store).follow_ups(opportunity.id) \
        if opportunity else []
    return ctx.render(
        "sales_opportunity.tpl", opportunity=opportunity, typed=typed, problems=problems,
        problem=first_problem(ctx.t, problems, FIELD_LABELS) if problems else "",
        customer=customer, found=found, search=search, owners=owners, stages=STAGES,
        follow_ups=follow_ups, money=cents_text, today=ctx.t.iso_date(ctx.deps.clock()),
        limits={"title": TITLE_LIMIT, "text": TEXT_LIMIT, "next_step": NEXT_STEP_LIMIT},
        stage_label=lambda stage: stage_label(ctx.t, stage), notice=ctx.query("done"))


def new_opportunity_page(ctx: Ctx) -> str:
    return _form(ctx, None, _typed(ctx, None), {})


def new_opportunity_submit(ctx: Ctx) -> str:
    typed = _typed(ctx, None)
    customer = None
    if typed["customer"].isdigit() and len(typed["customer"]) < 19:
        customer = ctx.deps.customers.get(int(typed["customer"]), ctx.principal.owner_scope())
    fields, problems = _read(ctx, typed, operators_for(ctx), None)
    if customer is None:
        problems = {"customer": ctx.t("Choose a customer you see."), **problems}
    if problems:
        return _form(ctx, None, typed, problems, 400)
    opportunity_id = Opportunities(ctx.deps.store).create(customer.id, fields)
    ctx.audit("opportunity_added", f"opportunity {opportunity_id}", structured_detail(
        customer=customer.id, title=fields["title"], stage=fields["stage"],
        amount=cents_text(fields["amount_cents"]), close_on=fields["close_on"]))
    ctx.redirect(f"/sales/{opportunity_id}?done=added")


def opportunity_page(ctx: Ctx, opportunity_id: int) -> str:
    opportunity = visible_opportunity(ctx, opportunity_id)
    return _form(ctx, opportunity, _typed(ctx, opportunity), {})


def _changes(before: Opportunity, fields: dict) -> list[tuple]:
    changes = []
    for key, value in fields.items():
        old = getattr(before, key)
        if old != value:
            if key == "amount_cents":
                changes.append(("amount", cents_text(old), cents_text(value)))
            else:
                changes.append((key.removesuffix("_id"), old, value))
    return changes


def opportunity_submit(ctx: Ctx, opportunity_id: int) -> str:
    opportunity = visible_opportunity(ctx, opportunity_id)
    typed = {**_typed(ctx, opportunity), "customer": str(opportunity.customer_id)}
    fields, problems = _read(ctx, typed, operators_for(ctx), opportunity)
    if problems:
        return _form(ctx, opportunity, typed, problems, 400)
    Opportunities(ctx.deps.store).update(opportunity.id, fields)
    changes = _changes(opportunity, fields)
    if changes:
        ctx.audit("opportunity_changed", f"opportunity {opportunity.id}",
                  structured_detail(changes=changes))
    ctx.redirect(f"/sales/{opportunity.id}?done=saved")


def stage_submit(ctx: Ctx, opportunity_id: int) -> str:
    """A card moved to another stage on the pipeline."""
    opportunity = visible_opportunity(ctx, opportunity_id)
    stage = ctx.form("stage")[:20]
    if stage not in STAGE_KEYS:
        ctx.fail(400, "Stage: choose a stage from the list.")
    if stage != opportunity.stage:
        Opportunities(ctx.deps.store).update(opportunity.id, {"stage": stage})
        ctx.audit("opportunity_changed", f"opportunity {opportunity.id}",
                  structured_detail(changes=[("stage", opportunity.stage, stage)]))
    if stage == "won" and ctx.form("back") != "pipeline":
        ctx.redirect(f"/sales/{opportunity.id}?done=won")
    ctx.redirect(f"/sales?done=moved#stage-{stage}")


def follow_up_submit(ctx: Ctx, opportunity_id: int) -> str:
    """A follow-up, from the opportunity's page or the customer's card (``back``)."""
    opportunity = visible_opportunity(ctx, opportunity_id)
    t = ctx.t
    typed = {"on_day": ctx.form("on_day")[:40], "text": ctx.form("text")[: TEXT_LIMIT * 2],
             "next_step": ctx.form("next_step")[: NEXT_STEP_LIMIT * 2]}
    problems: dict[str, str] = {}
    day = read_day(t, typed["on_day"] or t.iso_date(ctx.deps.clock()), "on_day", problems)
    if not typed["text"]:
        problems["text"] = t("Write what happened.")
    elif len(typed["text"]) > TEXT_LIMIT:
        problems["text"] = t("At most {n} characters.", n=TEXT_LIMIT)
    if len(typed["next_step"]) > NEXT_STEP_LIMIT:
        problems["next_step"] = t("At most {n} characters.", n=NEXT_STEP_LIMIT)
    if problems:
        ctx.fail(400, first_problem(t, problems, FIELD_LABELS))
    try:
        follow_up = Opportunities(ctx.deps.store).add_follow_up(
            opportunity.id, day, typed["text"], typed["next_step"], ctx.user.id)
    except SalesError as error:
        ctx.fail(400, error.template, **error.values)
    ctx.audit("follow_up_added", f"opportunity {opportunity.id}", structured_detail(
        follow_up=follow_up, day=day, text=typed["text"], next_step=typed["next_step"] or None))
    if ctx.form("back") == "customer":
        ctx.redirect(f"/customers/{opportunity.customer_id}?done=follow_up#sales")
    ctx.redirect(f"/sales/{opportunity.id}?done=follow_up#follow-ups")


# ---- the customer card -----------------------------------------------------------------


def customer_sales(ctx: Ctx, customer_id: int) -> dict | None:
    """What the customer card shows of the customer's sales (None without ``sales``)."""
    if not ctx.can("sales"):
        return None
    return {
        "opportunities": Opportunities(ctx.deps.store).of_customer(
            customer_id, ctx.principal.owner_scope()),
        "orders": customer_orders(ctx, customer_id),
        "money": cents_text,
        "stage_label": lambda stage: stage_label(ctx.t, stage),
        "state_label": lambda state: state_label(ctx.t, state),
        "today": ctx.t.iso_date(ctx.deps.clock()),
        "text_limit": TEXT_LIMIT, "next_step_limit": NEXT_STEP_LIMIT,
    }
