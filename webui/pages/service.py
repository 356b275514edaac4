"""After-sales service: the ticket queues, a ticket with its timeline, opening a ticket
(from a call's page or the caller's card too), adding a step, reassigning, changing its
state, and the list's Excel export.

Who: the ``service`` flag opens and works tickets of the customers one sees, and those
assigned to one; a leader also their group's queue; admins (and super users) every
ticket. Without the flag an operator sees nothing of tickets. A ticket outside one's
scope is "not found", whatever its id. Every change is audited.
"""

from __future__ import annotations

import io
import re
import time
from urllib.parse import urlencode

from openpyxl import Workbook

from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from firmware.store.service import (
    EVERY_TICKET,
    FINISHED,
    KINDS,
    MAX_RESULT,
    MAX_STEP,
    MAX_SUBJECT,
    MAX_TEXT,
    PRIORITIES,
    STATES,
    VIEWS,
    ServiceError,
    ServiceTickets,
    Ticket,
    TicketFilter,
    TicketScope,
)
from webui.call_csv import safe_cell
from webui.context import Ctx

PAGE_SIZE = 100
MAX_EXPORT = 10_000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
KIND_NAMES = {"feedback": "Feedback", "complaint": "Complaint", "repair": "Repair",
              "question": "Question"}
PRIORITY_NAMES = {"low": "Low", "normal": "Normal", "high": "High", "urgent": "Urgent"}
STATE_NAMES = {"open": "Waiting to be handled", "in_progress": "In progress",
               "waiting": "Waiting for the customer", "resolved": "Resolved",
               "closed": "Closed"}
VIEW_NAMES = {"mine": "My tickets", "group": "My group's queue", "all": "All I see"}
NOTICES = {
    "opened": "The ticket is open.",
    "step": "The step is on the timeline.",
    "state": "The state is changed.",
    "assigned": "Saved.",
    "unchanged": "Nothing changed: it was already so.",
}
# A due time as a browser's datetime-local field sends it, or as typed.
_DUE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::\d{2})?$")
_DAY_ONLY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def tickets_of(ctx: Ctx) -> ServiceTickets:
    return ServiceTickets(ctx.deps.store, ctx.deps.clock)


def may_use(ctx: Ctx) -> bool:
    return ctx.can("service") or ctx.can("admin")


def need_service(ctx: Ctx) -> None:
    if not may_use(ctx):
        ctx.fail(403, "You do not have permission for this.")


def sees_all(ctx: Ctx) -> bool:
    return ctx.principal.is_super or ctx.can("admin")


def ticket_scope(ctx: Ctx) -> TicketScope:
    """The tickets this user sees (see the module's text)."""
    if sees_all(ctx):
        return EVERY_TICKET
    user = ctx.user
    return TicketScope(owners=ctx.principal.owner_scope(), user_id=user.id,
                       queue_group=user.group_id if user.level == "leader" else None)


def overdue_count(ctx: Ctx) -> int:
    """The menu's badge: overdue tickets of one's own and one's group's queue (an admin:
    all of them); 0 when the store cannot say (the badge never breaks a page)."""
    if not may_use(ctx):
        return 0
    try:
        if sees_all(ctx):
            return tickets_of(ctx).overdue_count(EVERY_TICKET)
        return tickets_of(ctx).overdue_count(ticket_scope(ctx), assignee_id=ctx.user.id,
                                             group_id=ctx.user.group_id)
    except Exception:
        return 0


def tickets_of_customer(ctx: Ctx, customer_id: int) -> list[Ticket]:
    """The customer's tickets this user sees (the customer card), none without the flag."""
    if not may_use(ctx):
        return []
    return tickets_of(ctx).search(ticket_scope(ctx), TicketFilter(customer_id=customer_id),
                                  limit=50)


def visible_ticket(ctx: Ctx, ticket_id: int) -> Ticket:
    need_service(ctx)
    ticket = tickets_of(ctx).get(ticket_id, ticket_scope(ctx))
    if ticket is None:
        ctx.fail(404, "Not found.")
    return ticket


def local_input(ctx: Ctx, at: float | None) -> str:
    """A moment as a datetime-local field shows it, in the box's time."""
    if at is None:
        return ""
    return time.strftime("%Y-%m-%dT%H:%M", time.gmtime(at + ctx.t.utc_offset_s))


def parse_due(ctx: Ctx, text: str) -> float | None:
    """A due time typed or picked; raises ServiceError naming the field when it is not one
    (``1985.5.6``, a day that does not exist, a year out of 2000–2099)."""
    text = text.strip()
    day_only = _DAY_ONLY.match(text)
    found = _DUE.match(text) or (day_only and _DUE.match(text + " 18:00"))
    problem = "Write the due time as YYYY-MM-DD HH:MM."
    if not found:
        raise ServiceError(problem)
    year, hours, minutes = int(found.group(1)), int(found.group(4)), int(found.group(5))
    midnight = ctx.t.local_midnight(f"{found.group(1)}-{found.group(2)}-{found.group(3)}")
    if midnight is None or not 2000 <= year <= 2099 or hours > 23 or minutes > 59:
        raise ServiceError(problem)
    return midnight + hours * 3600 + minutes * 60


def _choices(ctx: Ctx) -> dict:
    """The groups and the people a ticket may be given to: active users who work tickets."""
    users = [user for user in ctx.deps.accounts.users() if user.active and (
        user.level == "super" or {"service", "admin"} & user.permissions)]
    return {"groups": ctx.deps.accounts.groups(), "users": users}


def _names(ctx: Ctx) -> dict:
    return {"kind_names": KIND_NAMES, "priority_names": PRIORITY_NAMES,
            "state_names": STATE_NAMES, "view_names": VIEW_NAMES}


def _problem(ctx: Ctx, error: ServiceError) -> str:
    return ctx.t(error.template, **error.values)


# ---- the queues ---------------------------------------------------------------------------


def read_filter(ctx: Ctx) -> TicketFilter:
    user = ctx.user
    default = "all" if sees_all(ctx) else "group" if user.level == "leader" and \
        user.group_id is not None else "mine"
    view = ctx.query("view", default)
    if view not in VIEWS or (view == "group" and user.group_id is None):
        view = default
    state = ctx.query("state", "active")
    state = state if state in ("", "active", *STATES) else "active"
    kind, priority = ctx.query("kind"), ctx.query("priority")
    return TicketFilter(
        view=view, state=state, kind=kind if kind in KINDS else "",
        priority=priority if priority in PRIORITIES else "",
        overdue=ctx.query("overdue") == "1", text=ctx.query("q")[:100])


def _filter_query(found: TicketFilter, **changes: object) -> str:
    values = {"view": found.view, "state": found.state, "kind": found.kind,
              "priority": found.priority, "overdue": "1" if found.overdue else "",
              "q": found.text, **changes}
    return urlencode({k: v for k, v in values.items() if v != "" or k == "state"})


def _listed(ctx: Ctx, found: TicketFilter, limit: int, offset: int = 0) -> list[Ticket]:
    return tickets_of(ctx).search(ticket_scope(ctx), found, user_id=ctx.user.id,
                                  group_id=ctx.user.group_id, limit=limit, offset=offset)


def service_page(ctx: Ctx) -> str:
    need_service(ctx)
    found = read_filter(ctx)
    page = int(ctx.query("page")) if ctx.query("page").isdigit() and \
        len(ctx.query("page")) < 6 else 1
    page = max(page, 1)
    listed = _listed(ctx, found, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE)
    more = len(listed) > PAGE_SIZE
    store = tickets_of(ctx)
    scope = ticket_scope(ctx)
    counts = {view: store.count(scope, TicketFilter(view=view, state="active"),
                                user_id=ctx.user.id, group_id=ctx.user.group_id)
              for view in VIEWS if view != "group" or ctx.user.group_id is not None}
    return ctx.render(
        "service.tpl", tickets=listed[:PAGE_SIZE], found=found, page=page, more=more,
        counts=counts, now=ctx.deps.clock(), query=lambda **c: _filter_query(found, **c),
        kinds=KINDS, priorities=PRIORITIES, states=STATES, **_names(ctx))


def export_tickets(ctx: Ctx) -> bytes:
    """The list as the filter shows it, as an Excel workbook (formula-like text quoted)."""
    need_service(ctx)
    found = read_filter(ctx)
    listed = _listed(ctx, found, MAX_EXPORT)
    t, now = ctx.t, ctx.deps.clock()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t("Service tickets")[:31]
    sheet.append([t(name) for name in (
        "Ticket", "Customer", "Kind", "Title", "Priority", "State", "Queue",
        "Handled by", "Due", "Overdue", "Opened", "Opened by", "Result")])
    for ticket in listed:
        sheet.append([
            ticket.id, safe_cell(ticket.customer_name), t(KIND_NAMES[ticket.kind]),
            safe_cell(ticket.subject), t(PRIORITY_NAMES[ticket.priority]),
            t(STATE_NAMES[ticket.state]), safe_cell(ticket.group_name or ""),
            safe_cell(ticket.assignee_name or ""),
            t.datetime(ticket.due_at) if ticket.due_at else "",
            t("Yes") if ticket.overdue(now) else "", t.datetime(ticket.created_at),
            safe_cell(ticket.opened_by_name), safe_cell(ticket.result)])
    sheet.freeze_panes = "A2"
    ctx.audit("tickets_exported", "service tickets",
              structured_detail(rows=len(listed), search=_filter_query(found)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition", 'attachment; filename="service-tickets.xlsx"')
    return buffer.getvalue()


# ---- opening a ticket -----------------------------------------------------------------------


def _id_of(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) < 19 else None


def _customer_and_call(ctx: Ctx, typed: dict):
    """The customer (one the user sees) and call (one on a line they see) the form names;
    a customer or call outside the user's scope is "not found"."""
    customer = call = None
    if typed["customer"]:
        customer_id = _id_of(typed["customer"])
        customer = ctx.deps.customers.get(customer_id, ctx.principal.owner_scope()) \
            if customer_id is not None else None
        if customer is None:
            ctx.fail(404, "Not found.")
    if typed["call"]:
        call_id = _id_of(typed["call"])
        call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope()) \
            if call_id is not None else None
        if call is None:
            ctx.fail(404, "Not found.")
    return customer, call


def _typed(ctx: Ctx) -> dict:
    read = ctx.form if ctx.request.method == "POST" else ctx.query
    return {
        "customer": read("customer")[:20], "call": read("call")[:20],
        "kind": read("kind")[:20] or "feedback", "subject": read("subject")[: MAX_SUBJECT * 2],
        "text": read("text")[: MAX_TEXT * 2], "priority": read("priority")[:20] or "normal",
        "group": read("group")[:20], "assignee": read("assignee")[:20],
        "due": read("due")[:40], "q": ctx.query("q")[:100],
    }


def _new_page(ctx: Ctx, typed: dict, *, problem: str = "", status: int = 200) -> str:
    customer, call = _customer_and_call(ctx, typed)
    found = []
    if customer is None and typed["q"]:
        found = ctx.deps.customers.search(ctx.principal.owner_scope(), text=typed["q"], limit=20)
    if call is not None and customer is None and not typed["q"]:
        found = ctx.deps.customers.by_number(call.number_e164, call.number,
                                             ctx.principal.owner_scope())
    ctx.response.status = status
    return ctx.render("service_new.tpl", typed=typed, customer=customer, call=call,
                      found=found, problem=problem, kinds=KINDS, priorities=PRIORITIES,
                      limits={"subject": MAX_SUBJECT, "text": MAX_TEXT},
                      **_choices(ctx), **_names(ctx))


def new_ticket_page(ctx: Ctx) -> str:
    need_service(ctx)
    typed = _typed(ctx)
    if not typed["group"] and ctx.user.group_id is not None:
        typed["group"] = str(ctx.user.group_id)
    if not typed["due"]:
        typed["due"] = local_input(ctx, ctx.deps.clock() + 86400)
    return _new_page(ctx, typed)


def _people(ctx: Ctx, typed: dict) -> tuple[int | None, int | None]:
    group_id = _id_of(typed["group"]) if typed["group"] else None
    assignee_id = _id_of(typed["assignee"]) if typed["assignee"] else None
    if typed["group"] and group_id is None:
        raise ServiceError("Choose a group of the list.")
    if typed["assignee"] and assignee_id is None:
        raise ServiceError("Choose who handles it from the list.")
    if assignee_id is not None and assignee_id not in {u.id for u in _choices(ctx)["users"]}:
        raise ServiceError("Choose who handles it from the list.")
    return group_id, assignee_id


def new_ticket_submit(ctx: Ctx) -> str:
    need_service(ctx)
    typed = _typed(ctx)
    customer, call = _customer_and_call(ctx, typed)
    if customer is None:
        return _new_page(ctx, typed, problem=ctx.t("Choose the customer the ticket is about."),
                         status=400)
    try:
        group_id, assignee_id = _people(ctx, typed)
        due_at = parse_due(ctx, typed["due"]) if typed["due"] else None
        ticket_id = tickets_of(ctx).open(
            customer.id, kind=typed["kind"], subject=typed["subject"], text=typed["text"],
            priority=typed["priority"], group_id=group_id, assignee_id=assignee_id,
            due_at=due_at, call_id=call.id if call else None, by_id=ctx.user.id,
            by_name=ctx.user.shown_name)
    except ServiceError as error:
        return _new_page(ctx, typed, problem=_problem(ctx, error), status=400)
    ticket = tickets_of(ctx).get(ticket_id, EVERY_TICKET)
    ctx.audit("ticket_opened", f"ticket {ticket_id}", structured_detail(
        customer=f"{customer.name} ({customer.id})", call=call.id if call else None,
        kind=ticket.kind, subject=ticket.subject, text=ticket.text or None,
        priority=ticket.priority, group=ticket.group_name, assignee=ticket.assignee_name,
        due=ctx.t.datetime(due_at) if due_at else None))
    ctx.redirect(f"/service/{ticket_id}?done=opened")
    return ""


# ---- one ticket -----------------------------------------------------------------------------


def ticket_page(ctx: Ctx, ticket_id: int, *, problem: str = "", status: int = 200,
                typed: dict | None = None) -> str:
    ticket = visible_ticket(ctx, ticket_id)
    call_seen = ticket.call_id is not None and CallSearch(ctx.deps.store).call(
        ticket.call_id, ctx.principal.line_scope()) is not None
    ctx.response.status = status
    notice = NOTICES.get(ctx.query("done"), "")
    return ctx.render(
        "service_ticket.tpl", ticket=ticket, steps=tickets_of(ctx).steps(ticket_id),
        now=ctx.deps.clock(), call_seen=call_seen, problem=problem,
        notice=ctx.t(notice) if notice else "", typed=typed or {},
        due_value=local_input(ctx, ticket.due_at), states=STATES, finished=FINISHED,
        limits={"step": MAX_STEP, "result": MAX_RESULT}, step_text=step_text,
        group_names={str(g.id): g.name for g in ctx.deps.accounts.groups()},
        user_names={str(u.id): u.shown_name for u in ctx.deps.accounts.users()},
        **_choices(ctx), **_names(ctx))


def step_add(ctx: Ctx, ticket_id: int) -> str:
    ticket = visible_ticket(ctx, ticket_id)
    text = ctx.form("text")[: MAX_STEP * 2]
    try:
        tickets_of(ctx).add_step(ticket.id, text, by_id=ctx.user.id,
                                 by_name=ctx.user.shown_name)
    except ServiceError as error:
        return ticket_page(ctx, ticket.id, problem=_problem(ctx, error), status=400,
                           typed={"step": text})
    ctx.audit("ticket_step_added", f"ticket {ticket.id}",
              structured_detail(subject=ticket.subject, text=text))
    ctx.redirect(f"/service/{ticket.id}?done=step#timeline")
    return ""


def state_change(ctx: Ctx, ticket_id: int) -> str:
    ticket = visible_ticket(ctx, ticket_id)
    state = ctx.form("state")[:20]
    result = ctx.form("result")[: MAX_RESULT * 2]
    try:
        before, after = tickets_of(ctx).set_state(ticket.id, state, result=result,
                                                  by_id=ctx.user.id,
                                                  by_name=ctx.user.shown_name)
    except ServiceError as error:
        return ticket_page(ctx, ticket.id, problem=_problem(ctx, error), status=400,
                           typed={"result": result, "state": state})
    changes = [("state", before, after)] if before != after else []
    if result != ticket.result:
        changes.append(("result", ticket.result, result))
    if not changes:
        ctx.redirect(f"/service/{ticket.id}?done=unchanged")
    ctx.audit("ticket_state_changed", f"ticket {ticket.id}",
              structured_detail(changes=changes, subject=ticket.subject))
    ctx.redirect(f"/service/{ticket.id}?done=state")
    return ""


def assign_submit(ctx: Ctx, ticket_id: int) -> str:
    ticket = visible_ticket(ctx, ticket_id)
    typed = {"group": ctx.form("group")[:20], "assignee": ctx.form("assignee")[:20],
             "due": ctx.form("due")[:40]}
    try:
        group_id, assignee_id = _people(ctx, typed)
        due_at = parse_due(ctx, typed["due"]) if typed["due"] else None
        changes = tickets_of(ctx).assign(ticket.id, group_id=group_id, assignee_id=assignee_id,
                                         due_at=due_at, by_id=ctx.user.id,
                                         by_name=ctx.user.shown_name)
    except ServiceError as error:
        return ticket_page(ctx, ticket.id, problem=_problem(ctx, error), status=400)
    if not changes:
        ctx.redirect(f"/service/{ticket.id}?done=unchanged")
    after = tickets_of(ctx).get(ticket.id, EVERY_TICKET)
    shown = {"group": (ticket.group_name, after.group_name),
             "assignee": (ticket.assignee_name, after.assignee_name),
             "due_at": tuple(ctx.t.datetime(at) if at else None
                             for at in (ticket.due_at, after.due_at))}
    ctx.audit("ticket_assigned", f"ticket {ticket.id}", structured_detail(
        changes=[(name, *shown[name]) for name, _, _ in changes], subject=ticket.subject))
    ctx.redirect(f"/service/{ticket.id}?done=assigned")
    return ""


def step_text(t, kind: str, text: str, *, groups: dict, users: dict) -> str:
    """A timeline entry's text in the reader's language (``groups`` and ``users``: names by
    id, for a reassignment)."""
    if kind == "opened":
        return t("Opened the ticket.")
    if kind == "state":
        before, _, after = text.partition(">")
        if before == after:
            return t("Changed the result.")
        return t("State: {before} → {after}", before=t(STATE_NAMES.get(before, before)),
                 after=t(STATE_NAMES.get(after, after)))
    if kind == "assigned":
        parts = []
        for part in text.split(";"):
            name, _, value = part.partition("=")
            if name == "group":
                parts.append(t("Queue: {name}", name=groups.get(value, "—") if value else "—"))
            elif name == "assignee":
                parts.append(t("Handled by: {name}",
                               name=users.get(value, "—") if value else "—"))
            elif name == "due_at":
                parts.append(t("Due: {time}", time=t.datetime(float(value)) if value else "—"))
        return "; ".join(parts)
    return text
