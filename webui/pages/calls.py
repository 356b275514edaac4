"""The call log: search, sort and page through the calls of one's lines; export them as CSV;
a call's page with its note and its contact records.

Only calls on lines the user may see are ever read (their ``LineScope`` is
part of every query), and customer names only of customers they may see. A
call's note may be changed by whoever may see the call (checked on the
server at each request: another line's call is "not found"), and each
change is in the audit log with the note before and after.
"""

from __future__ import annotations

import time

from firmware.store.audit import structured_detail
from firmware.store.call_notes import MAX_CALL_NOTES, CallNotes, CallNotesError, Editor
from firmware.store.call_search import CALL_SORTS, CallSearch
from firmware.store.campaigns import Campaigns
from firmware.store.crm import CONTACT_KINDS
from firmware.store.custom_fields import CustomFields
from firmware.store.db import CallRecord
from firmware.store.firewall import Firewall, FirewallError
from firmware.store.scopes import OwnerScope
from webui.call_csv import MAX_ROWS, csv_chunks
from webui.call_filters import (
    OUTCOME_LABELS,
    PAGE_SIZE,
    read_line_search,
    refuse_mistaken_search,
)
from webui.context import Ctx
from webui.pages import ivr
from webui.pages.firewall import block_caller, blocked_text, problem_text
from webui.pages.list_columns import column_choices, list_columns

NO_CUSTOMERS = OwnerScope()  # for users who may not see customers at all
CALL_CONTACTS_SHOWN = 100


def customer_scope(ctx: Ctx) -> OwnerScope:
    """Whose customers' names this user may see beside calls."""
    return ctx.principal.owner_scope() if ctx.can("customers_view") else NO_CUSTOMERS


def may_open_recordings(ctx: Ctx) -> bool:
    return any(ctx.can(flag) for flag in ("recordings_listen", "recordings_download", "audit"))


def may_hold(ctx: Ctx) -> bool:
    """Whether this user may place and lift legal holds (``webui.pages.legal_hold``)."""
    return ctx.can("audit") or ctx.can("admin")


def calls_page(ctx: Ctx) -> str:
    lines, form = read_line_search(ctx, CALL_SORTS)
    page = CallSearch(ctx.deps.store).search_calls(
        form.search,
        ctx.principal.line_scope(),
        customer_scope(ctx),
        sort=form.sort,
        descending=form.descending,
        offset=form.offset,
        limit=PAGE_SIZE,
    )
    return ctx.render(
        "calls.tpl",
        form=form,
        page=page,
        lines=lines,
        line_names=dict(lines),
        outcomes=OUTCOME_LABELS,
        show_recordings=may_open_recordings(ctx),
        max_csv_rows=MAX_ROWS,
        blocked_text=blocked_text,
        blocked_rules=[(key, blocked_text(ctx.t, key))
                       for key in Firewall(ctx.deps.store).blocked_rules()],
        voicemail_calls=ctx.deps.voicemails.voicemail_calls([row.call.id for row in page.rows]),
        columns=list_columns(ctx, "calls"),
        column_choices=column_choices(ctx, "calls"),
    )


def calls_csv(ctx: Ctx):
    """The same search as a CSV file (see ``webui.call_csv``), streamed as it is read."""
    lines, form = read_line_search(ctx, CALL_SORTS)
    refuse_mistaken_search(ctx, form)
    batches = CallSearch(ctx.deps.store).iter_calls(
        form.search,
        ctx.principal.line_scope(),
        customer_scope(ctx),
        sort=form.sort,
        descending=form.descending,
        limit=MAX_ROWS + 1,
    )
    ctx.audit("export", "calls.csv", structured_detail(format="csv", search=form.query() or "-"))
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(ctx.deps.clock() + ctx.t.utc_offset_s))
    ctx.response.content_type = "text/csv; charset=utf-8"
    ctx.response.set_header("Content-Disposition", f'attachment; filename="calls-{stamp}.csv"')
    ctx.response.set_header("Cache-Control", "no-store")
    return csv_chunks(ctx.t, batches, dict(lines), max_rows=MAX_ROWS)


# ---- one call: its page, its note -------------------------------------------------------


def visible_call(ctx: Ctx, call_id: int) -> CallRecord:
    """The call if it is on a line this user may see; otherwise the request ends with 404."""
    call = CallSearch(ctx.deps.store).call(call_id, ctx.principal.line_scope())
    if call is None:
        ctx.fail(404, "Not found.")
    return call


def call_page(ctx: Ctx, call_id: int, *, typed_note: str | None = None, problem: str = "",
              status: int = 200) -> str:
    call = visible_call(ctx, call_id)
    search = CallSearch(ctx.deps.store)
    row = search.call_rows([call], customer_scope(ctx))[0]
    contacts = []
    if ctx.can("contacts"):
        contacts = ctx.deps.customers.contacts(
            ctx.principal.owner_scope(), call_id=call.id, limit=CALL_CONTACTS_SHOWN
        )
    lines = {line.number: line.name for line in ctx.deps.config().lines}
    campaigns = Campaigns(ctx.deps.store)
    custom = CustomFields(ctx.deps.store)
    ctx.response.status = status
    return ctx.render(
        "call.tpl",
        # After-sales service and campaigns: a ticket opened from the call, and the
        # campaigns the call is part of, marked interested or not.
        may_open_ticket=(ctx.can("service") or ctx.can("admin")) and bool(row.customer_id),
        call_campaigns=campaigns.of_call(call.id, row.customer_id,
                                         ctx.t.iso_date(call.started_at)),
        campaign_outcomes=campaigns.outcomes_of_call(call.id),
        contact_fields=custom.fields_for("contact"),
        contact_values=custom.values_for("contact", [contact.id for contact in contacts]),
        call=call,
        row=row,
        line_name="" if lines.get(call.line) == f"Line {call.line}" else lines.get(call.line, ""),
        outcomes=OUTCOME_LABELS,
        show_recordings=may_open_recordings(ctx),
        voicemail=ctx.deps.voicemails.by_call(call.id),
        marks=ctx.deps.store.recording_marks(list(row.recording_ids)),
        contacts=contacts,
        kinds=CONTACT_KINDS,
        note=call.notes if typed_note is None else typed_note,
        note_limit=MAX_CALL_NOTES,
        problem=problem,
        notice=ctx.query("done"),
        blocked_text=blocked_text,
        walk_text=ivr.walk_text,
    )


def call_notes(ctx: Ctx, call_id: int):
    """A call's note, changed by someone who may see the call."""
    call = visible_call(ctx, call_id)
    typed = (ctx.request.forms.getunicode("notes") or "")[: MAX_CALL_NOTES * 2]
    editor = Editor(ctx.user.username, ctx.user.id, ctx.address)
    try:
        changed = CallNotes(ctx.deps.store).update(call.id, typed, editor)
    except CallNotesError:
        message = ctx.t("A note is at most {n} characters.", n=MAX_CALL_NOTES)
        if ctx.wants_json:
            ctx.fail(400, "A note is at most {n} characters.", n=MAX_CALL_NOTES)
        return call_page(ctx, call.id, typed_note=typed, problem=message, status=400)
    if ctx.wants_json:
        return ctx.json({"saved": ctx.t("Saved."), "changed": changed})
    ctx.redirect(f"/calls/{call.id}?done={'saved' if changed else 'unchanged'}#note")
    return ""


def call_block(ctx: Ctx, call_id: int) -> str:
    """"Block this caller" (the ``firewall`` flag, a call this user may see): the number goes
    on the black list, or waits for a leader's approval."""
    call = visible_call(ctx, call_id)
    try:
        done = block_caller(ctx, call)
    except FirewallError as error:
        return call_page(ctx, call.id, problem=problem_text(ctx, error), status=409)
    ctx.redirect(f"/calls/{call.id}?done={'blocked' if done == 'added' else 'block_filed'}")
    return ""
