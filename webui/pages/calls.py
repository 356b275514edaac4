"""The call log: search, sort and page through the calls of one's lines; export them as CSV.

Only calls on lines the user may see are ever read (their ``LineScope`` is
part of every query), and customer names only of customers they may see.
"""

from __future__ import annotations

import time

from firmware.store.call_search import CALL_SORTS, CallSearch
from firmware.store.scopes import OwnerScope
from webui.call_csv import MAX_ROWS, csv_chunks
from webui.call_filters import (
    OUTCOME_LABELS,
    PAGE_SIZE,
    read_line_search,
    refuse_mistaken_search,
)
from webui.context import Ctx

NO_CUSTOMERS = OwnerScope()  # for users who may not see customers at all


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
    ctx.audit("export", "calls.csv", form.query())
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(ctx.deps.clock() + ctx.t.utc_offset_s))
    ctx.response.content_type = "text/csv; charset=utf-8"
    ctx.response.set_header("Content-Disposition", f'attachment; filename="calls-{stamp}.csv"')
    ctx.response.set_header("Cache-Control", "no-store")
    return csv_chunks(ctx.t, batches, dict(lines), max_rows=MAX_ROWS)
