"""Marketing campaigns: the list, a campaign with its targets, the dialling tasks and text
messages made for it and its results, its form, the comparison of campaigns side by side
(a table, a bar chart, an Excel export), and marking a call of a campaign interested.

Who: the ``campaigns`` flag or admin manages campaigns; making a dialling task for one
also takes ``dial_tasks``, texting its targets ``sms`` (the compose page). The target
list is built from the customers the saving user sees; a page lists only the targets
its reader sees. Marking a call: whoever sees the call, for a campaign the call is part
of (``firmware.store.campaigns.Campaigns.of_call``). Every change is audited.
"""

from __future__ import annotations

import io
import json
from decimal import Decimal

from openpyxl import Workbook

from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from firmware.store.campaigns import (
    MAX_NAME,
    MAX_NOTES,
    OUTCOMES,
    Campaign,
    CampaignError,
    Campaigns,
    Results,
)
from firmware.store.dialling import DiallingTasks
from firmware.store.dialling_rules import DiallingError, TaskSettings
from firmware.store.sales import cents_text
from webui.call_csv import safe_cell
from webui.context import Ctx, row_id
from webui.pages.calls import customer_scope, visible_call
from webui.pages.dial_numbers import Checker

MOST_SHOWN_TARGETS = 200
MOST_COMPARED = 12
MOST_CHOSEN = 5000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OUTCOME_NAMES = {"interested": "Interested", "not_interested": "Not interested"}
# The figures compared, in the table's and the export's order: (key, English label).
FIGURES = (
    ("targets", "Target customers"),
    ("reached_calls", "Answered calls"),
    ("reached_messages", "Messages delivered"),
    ("reached", "Reached"),
    ("interested", "Interested"),
    ("orders", "Orders"),
)
CHARTED = ("targets", "reached", "interested", "orders")
NOTICES = {
    "created": "The campaign is made.",
    "saved": "Saved.",
    "marked": "Saved.",
}


def campaigns_of(ctx: Ctx) -> Campaigns:
    return Campaigns(ctx.deps.store, ctx.deps.clock)


def may_use(ctx: Ctx) -> bool:
    return ctx.can("campaigns") or ctx.can("admin")


def need_campaigns(ctx: Ctx) -> None:
    if not may_use(ctx):
        ctx.fail(403, "You do not have permission for this.")


def visible_campaign(ctx: Ctx, campaign_id: int) -> Campaign:
    need_campaigns(ctx)
    campaign = campaigns_of(ctx).get(campaign_id)
    if campaign is None:
        ctx.fail(404, "Not found.")
    return campaign


def _problem(ctx: Ctx, error: CampaignError | DiallingError) -> str:
    return ctx.t(error.template, **error.values)


def _facts(campaign: Campaign) -> dict:
    return {"name": campaign.name, "from": campaign.starts_on, "to": campaign.ends_on,
            "groups": list(campaign.groups), "levels": list(campaign.levels),
            "notes": campaign.notes}


# ---- the list -----------------------------------------------------------------------------


def campaigns_page(ctx: Ctx) -> str:
    need_campaigns(ctx)
    store = campaigns_of(ctx)
    listed = store.all()
    return ctx.render("campaigns.tpl", campaigns=listed,
                      results={c.id: store.results(c.id) for c in listed},
                      today=ctx.t.iso_date(ctx.deps.clock()))


# ---- the form -----------------------------------------------------------------------------


def _typed(ctx: Ctx, campaign: Campaign | None = None) -> dict:
    if ctx.request.method != "POST":
        today = ctx.t.iso_date(ctx.deps.clock())
        return {"name": campaign.name if campaign else "",
                "starts_on": campaign.starts_on if campaign else today,
                "ends_on": campaign.ends_on if campaign else today,
                "groups": list(campaign.groups) if campaign else [],
                "levels": list(campaign.levels) if campaign else [],
                "notes": campaign.notes if campaign else ""}
    return {"name": ctx.form("name")[: MAX_NAME * 2], "starts_on": ctx.form("starts_on")[:20],
            "ends_on": ctx.form("ends_on")[:20],
            "groups": [g[:60] for g in ctx.form_list("groups")[:200]],
            "levels": [g[:60] for g in ctx.form_list("levels")[:200]],
            "notes": ctx.form("notes")[: MAX_NOTES * 2]}


def _form(ctx: Ctx, campaign: Campaign | None, typed: dict, *, problem: str = "",
          status: int = 200) -> str:
    scope = ctx.principal.owner_scope()
    ctx.response.status = status
    return ctx.render("campaign_form.tpl", campaign=campaign, typed=typed, problem=problem,
                      groups=sorted(set(ctx.deps.customers.categories(scope)) |
                                    set(typed["groups"])),
                      levels=sorted(set(ctx.deps.customers.grades(scope)) |
                                    set(typed["levels"])),
                      limits={"name": MAX_NAME, "notes": MAX_NOTES})


def new_campaign_page(ctx: Ctx) -> str:
    need_campaigns(ctx)
    return _form(ctx, None, _typed(ctx))


def new_campaign_submit(ctx: Ctx) -> str:
    need_campaigns(ctx)
    typed = _typed(ctx)
    store = campaigns_of(ctx)
    try:
        campaign_id = store.create(
            typed["name"], typed["starts_on"], typed["ends_on"], groups=typed["groups"],
            levels=typed["levels"], notes=typed["notes"], by_id=ctx.user.id,
            by_name=ctx.user.shown_name)
    except CampaignError as error:
        return _form(ctx, None, typed, problem=_problem(ctx, error), status=400)
    targets = store.refresh_targets(campaign_id, ctx.principal.owner_scope())
    ctx.audit("campaign_added", f"campaign {campaign_id}",
              structured_detail(**_facts(store.get(campaign_id)), targets=targets))
    ctx.redirect(f"/campaigns/{campaign_id}?done=created")
    return ""


def edit_campaign_page(ctx: Ctx, campaign_id: int) -> str:
    campaign = visible_campaign(ctx, campaign_id)
    return _form(ctx, campaign, _typed(ctx, campaign))


def edit_campaign_submit(ctx: Ctx, campaign_id: int) -> str:
    before = visible_campaign(ctx, campaign_id)
    typed = _typed(ctx)
    store = campaigns_of(ctx)
    try:
        store.update(campaign_id, typed["name"], typed["starts_on"], typed["ends_on"],
                     groups=typed["groups"], levels=typed["levels"], notes=typed["notes"])
    except CampaignError as error:
        return _form(ctx, before, typed, problem=_problem(ctx, error), status=400)
    targets = store.refresh_targets(campaign_id, ctx.principal.owner_scope())
    old, new = _facts(before), _facts(store.get(campaign_id))
    ctx.audit("campaign_changed", f"campaign {campaign_id}", structured_detail(
        changes=[(key, old[key], new[key]) for key in new if old[key] != new[key]],
        name=new["name"], targets=targets))
    ctx.redirect(f"/campaigns/{campaign_id}?done=saved")
    return ""


def delete_campaign(ctx: Ctx, campaign_id: int) -> str:
    campaign = visible_campaign(ctx, campaign_id)
    campaigns_of(ctx).delete(campaign_id)
    ctx.audit("campaign_deleted", f"campaign {campaign_id}",
              structured_detail(**_facts(campaign)))
    ctx.redirect("/campaigns")
    return ""


# ---- one campaign -------------------------------------------------------------------------


def campaign_page(ctx: Ctx, campaign_id: int, *, notice: str = "", problem: str = "",
                  status: int = 200) -> str:
    campaign = visible_campaign(ctx, campaign_id)
    store = campaigns_of(ctx)
    scope = ctx.principal.owner_scope()
    seen = store.target_ids(campaign_id, scope)
    customers = [ctx.deps.customers.get(customer_id, scope)
                 for customer_id in seen[:MOST_SHOWN_TARGETS]]
    tasks = DiallingTasks(ctx.deps.store, ctx.deps.clock)
    made = [task for task in (tasks.task(task_id) for task_id in store.task_ids(campaign_id))
            if task is not None]
    if not notice and ctx.query("done") in NOTICES:
        notice = ctx.t(NOTICES[ctx.query("done")])
    ctx.response.status = status
    return ctx.render(
        "campaign.tpl", campaign=campaign, results=store.results(campaign_id),
        targets=[c for c in customers if c is not None], targets_seen=len(seen),
        tasks=made, progress={task.id: tasks.progress(task.id) for task in made},
        message_states=store.message_states(campaign_id), notice=notice, problem=problem,
        figures=FIGURES, groups=ctx.deps.customers.categories(scope),
        shown_most=MOST_SHOWN_TARGETS, money=cents_text)


def targets_add(ctx: Ctx, campaign_id: int) -> str:
    """Customers chosen by hand: those of a search or a group, of the customers one sees."""
    campaign = visible_campaign(ctx, campaign_id)
    group, text = ctx.form("group")[:60], ctx.form("q")[:100]
    if not group and not text:
        return campaign_page(ctx, campaign_id, status=400, problem=ctx.t(
            "Choose a customer group, or search for customers."))
    found = ctx.deps.customers.search(ctx.principal.owner_scope(), text=text, category=group,
                                      limit=MOST_CHOSEN + 1)
    if len(found) > MOST_CHOSEN:
        return campaign_page(ctx, campaign_id, status=400, problem=ctx.t(
            "More than {n} customers match: narrow the search.", n=MOST_CHOSEN))
    try:
        added = campaigns_of(ctx).choose(campaign_id, [c.id for c in found])
    except CampaignError as error:
        return campaign_page(ctx, campaign_id, status=400, problem=_problem(ctx, error))
    ctx.audit("campaign_targets_added", f"campaign {campaign_id}", structured_detail(
        name=campaign.name, group=group or None, search=text or None, customers=len(found),
        added=added))
    return campaign_page(ctx, campaign_id, notice=ctx.t(
        "{added} customers added to the targets ({found} found).", added=added,
        found=len(found)))


def target_remove(ctx: Ctx, campaign_id: int, customer_id: int) -> str:
    campaign = visible_campaign(ctx, campaign_id)
    customer = ctx.deps.customers.get(customer_id, ctx.principal.owner_scope())
    if customer is None or not campaigns_of(ctx).remove_target(campaign_id, customer_id):
        ctx.fail(404, "Not found.")
    ctx.audit("campaign_target_removed", f"campaign {campaign_id}", structured_detail(
        name=campaign.name, customer=f"{customer.name} ({customer.id})"))
    ctx.redirect(f"/campaigns/{campaign_id}?done=saved#targets")
    return ""


def task_make(ctx: Ctx, campaign_id: int) -> str:
    """A draft dialling task for the campaign, named after it, with the first number of
    each target one sees; its settings are then set on the task's own form."""
    campaign = visible_campaign(ctx, campaign_id)
    scope = ctx.principal.owner_scope()
    customers = [ctx.deps.customers.get(customer_id, scope)
                 for customer_id in campaigns_of(ctx).target_ids(campaign_id, scope)]
    checker = Checker.of(ctx)
    numbers = [checker.of_customer(c) for c in customers if c is not None]
    given = [number for number in numbers if number is not None]
    tasks = DiallingTasks(ctx.deps.store, ctx.deps.clock)
    try:
        task_id = tasks.create(campaign.name[:MAX_NAME], TaskSettings(),
                               owner_id=ctx.user.id, owner_name=ctx.user.shown_name)
    except DiallingError as error:
        return campaign_page(ctx, campaign_id, status=400, problem=_problem(ctx, error))
    campaigns_of(ctx).link_task(campaign_id, task_id)
    report = tasks.add_numbers(task_id, given)
    ctx.audit("campaign_task_made", f"campaign {campaign_id}", structured_detail(
        name=campaign.name, task=task_id, customers=len(customers), added=report.added,
        blocked=report.blocked))
    ctx.redirect(f"/tasks/{task_id}/edit")
    return ""


# ---- comparing ----------------------------------------------------------------------------


def _compared(ctx: Ctx) -> list[tuple[Campaign, Results]]:
    need_campaigns(ctx)
    store = campaigns_of(ctx)
    asked = [int(v) for v in ctx.request.query.getall("id")
             if isinstance(v, str) and v.isdigit() and len(v) < 12][:MOST_COMPARED]
    chosen = [c for c in (store.get(i) for i in dict.fromkeys(asked)) if c is not None] \
        if asked else store.all()[:MOST_COMPARED]
    return [(campaign, store.results(campaign.id)) for campaign in chosen]


def _chart(ctx: Ctx, compared: list[tuple[Campaign, Results]]) -> str:
    labels = dict(FIGURES)
    document = {
        "names": [campaign.name for campaign, _ in compared],
        "series": [{"label": ctx.t(labels[key]),
                    "values": [getattr(results, key) for _, results in compared]}
                   for key in CHARTED],
    }
    return json.dumps(document, ensure_ascii=False).replace("<", "\\u003c")


def compare_page(ctx: Ctx) -> str:
    compared = _compared(ctx)
    chosen = {campaign.id for campaign, _ in compared}
    return ctx.render("campaign_compare.tpl", compared=compared, figures=FIGURES,
                      chart=_chart(ctx, compared), every=campaigns_of(ctx).all(),
                      chosen=chosen, query="&".join(f"id={i}" for i in sorted(chosen)))


def compare_xlsx(ctx: Ctx) -> bytes:
    compared = _compared(ctx)
    t = ctx.t
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("Campaigns")[:31]
    sheet.append([t("Campaign"), t("First day"), t("Last day"),
                  *(t(label) for _, label in FIGURES), t("Interested of reached"),
                  t("Order value")])
    for campaign, results in compared:
        rate = results.rate(results.interested, results.reached)
        sheet.append([safe_cell(campaign.name), campaign.starts_on, campaign.ends_on,
                      *(getattr(results, key) for key, _ in FIGURES),
                      rate if rate is not None else "", Decimal(results.order_cents) / 100])
        sheet.cell(sheet.max_row, 3 + len(FIGURES) + 1).number_format = "0.0%"
        sheet.cell(sheet.max_row, 3 + len(FIGURES) + 2).number_format = "#,##0.00"
    sheet.freeze_panes = "B2"
    ctx.audit("campaigns_exported", "campaigns",
              structured_detail(rows=len(compared),
                                campaigns=[campaign.name for campaign, _ in compared]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition", 'attachment; filename="campaigns.xlsx"')
    return buffer.getvalue()


# ---- a call of a campaign -----------------------------------------------------------------


def campaigns_of_call(ctx: Ctx, call, customer_id: int | None) -> list[Campaign]:
    """The campaigns a call one sees is part of (the call's page and card show them)."""
    return campaigns_of(ctx).of_call(call.id, customer_id, ctx.t.iso_date(call.started_at))


def call_customer(ctx: Ctx, call) -> int | None:
    """The customer of the call, of those one sees (None if none)."""
    row = CallSearch(ctx.deps.store).call_rows([call], customer_scope(ctx))[0]
    return row.customer_id


def call_outcome(ctx: Ctx, call_id: int) -> str:
    """Mark a call of a campaign interested or not interested ("" takes the mark away)."""
    call = visible_call(ctx, call_id)
    campaign_text, outcome = ctx.form("campaign")[:12], ctx.form("outcome")[:20]
    customer_id = call_customer(ctx, call)
    part_of = {c.id: c for c in campaigns_of_call(ctx, call, customer_id)}
    campaign_id = row_id(campaign_text)
    if campaign_id not in part_of:
        ctx.fail(404, "Not found.")
    if outcome not in ("", *OUTCOMES):
        ctx.fail(400, "Choose interested or not interested.")
    before = campaigns_of(ctx).set_outcome(campaign_id, call.id, customer_id, outcome,
                                           by_id=ctx.user.id, by_name=ctx.user.shown_name)
    if before != outcome:
        ctx.audit("campaign_outcome_set", f"call {call.id}", structured_detail(
            changes=[("outcome", before or None, outcome or None)],
            campaign=f"{part_of[campaign_id].name} ({campaign_id})"))
    if ctx.wants_json:
        return ctx.json({"saved": ctx.t("Saved."), "outcome": outcome})
    ctx.redirect(f"/calls/{call.id}?done=marked#campaigns")
    return ""
