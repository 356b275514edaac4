"""Reports (the ``reports`` flag, or ``admin``): the calls of the lines one sees over days
chosen, per hour, day or week, as charts and tables, and as an Excel workbook.

Charts: the calls split by direction, line or operator; answered and missed
with the share answered; the average wait before an answer and talk; the
survey's average rating; and the busiest hours, weekday by hour, as a heat
map. Tables: each line's and each operator's figures. The range is whole
local days, at most a year (hours: a month); a field the page cannot read is
answered with one line naming it, and no figures.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from firmware.store.audit import structured_detail
from firmware.store.call_figures import PERIODS
from webui.context import Ctx
from webui.pages.live import given_line_names
from webui.report_model import (
    SPLITS,
    ReportRange,
    build,
    charts_json,
    heat_level,
    line_label,
    period_text,
)

DEFAULT_DAYS = 30
MOST_DAYS = 366
MOST_HOURLY_DAYS = 31
DAY_S = 86400
TYPED_LIMIT = 40  # characters of a field kept to be shown back
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Asked:
    typed: dict[str, str]  # the fields as the form shows them
    chosen: ReportRange | None  # None: a field could not be read
    problem: str = ""  # that field's one line


def may_see_reports(ctx: Ctx) -> bool:
    return ctx.can("reports") or ctx.can("admin")


def _refuse_without_permission(ctx: Ctx) -> None:
    if not may_see_reports(ctx):
        ctx.fail(403, "You do not have permission for this.")


def _first_problem(typed: dict[str, str], since: float | None, last: float | None
                   ) -> tuple[str, str, dict] | None:
    """The first field that cannot be read: (its label, what is wrong, the values)."""
    if since is None:
        return "From", "{value} is not a date; write it as YYYY-MM-DD.", {"value": typed["from"]}
    if last is None:
        return "To", "{value} is not a date; write it as YYYY-MM-DD.", {"value": typed["to"]}
    days = round((last - since) / DAY_S) + 1
    checks = (
        (days < 1, "To", "the last day comes before the first.", {}),
        (days > MOST_DAYS, "To", "a report covers at most {n} days.", {"n": MOST_DAYS}),
        (typed["per"] not in PERIODS, "Period", "choose hour, day or week.", {}),
        (typed["per"] == "hour" and days > MOST_HOURLY_DAYS, "Period",
         "hours are shown for at most {n} days; choose days or weeks.",
         {"n": MOST_HOURLY_DAYS}),
        (typed["by"] not in SPLITS, "Split by", "choose direction, line or operator.", {}),
    )
    return next(((field, message, values) for wrong, field, message, values in checks
                 if wrong), None)


def read_range(ctx: Ctx) -> Asked:
    """The range, period and split asked for; the first field that cannot be read, named."""
    t = ctx.t
    today = t.iso_date(ctx.deps.clock())
    first_default = t.iso_date(t.local_midnight(today) - (DEFAULT_DAYS - 1) * DAY_S)
    typed = {
        "from": ctx.query("from")[:TYPED_LIMIT] or first_default,
        "to": ctx.query("to")[:TYPED_LIMIT] or today,
        "per": ctx.query("per")[:TYPED_LIMIT] or "day",
        "by": ctx.query("by")[:TYPED_LIMIT] or "direction",
    }
    since, last = t.local_midnight(typed["from"]), t.local_midnight(typed["to"])
    problem = _first_problem(typed, since, last)
    if problem is not None:
        field, message, values = problem
        return Asked(typed, None, t("{field}: {problem}", field=t(field),
                                    problem=t(message, **values)))
    return Asked(typed, ReportRange(since, last + DAY_S, typed["per"], typed["by"]))


def date_value(typed: str) -> str:
    """What a date field shows: the day as typed when it is one, else nothing (the line
    above the figures says what was wrong with it)."""
    return typed if ISO_DAY.fullmatch(typed) else ""


def reports_page(ctx: Ctx) -> str:
    _refuse_without_permission(ctx)
    asked = read_range(ctx)
    report = build(ctx, asked.chosen) if asked.chosen else None
    line_names = given_line_names(ctx)
    ctx.response.status = 400 if asked.problem else 200
    busiest_most = max(map(max, report.busiest)) if report else 0
    return ctx.render(
        "reports.tpl",
        asked=asked,
        report=report,
        line_names=line_names,
        line_label=lambda line: line_label(ctx.t, line, line_names),
        charts=charts_json(ctx.t, report, line_names) if report else "",
        export_query=urlencode(asked.typed),
        weekdays=[ctx.t(day) for day in WEEKDAYS],
        heat=lambda calls: heat_level(calls, busiest_most),
        date_value=date_value,
        period_text=lambda start: period_text(ctx.t, start, asked.chosen.per),
    )


def reports_xlsx(ctx: Ctx) -> bytes:
    """The same report as an Excel workbook; a field that cannot be read is a 400."""
    from webui.report_sheet import XLSX_TYPE, workbook_bytes  # noqa: PLC0415 - openpyxl

    _refuse_without_permission(ctx)
    asked = read_range(ctx)
    if asked.chosen is None:
        ctx.fail(400, asked.problem)
    report = build(ctx, asked.chosen)
    body = workbook_bytes(ctx.t, report, given_line_names(ctx), ctx.deps.clock())
    ctx.audit("export", "reports.xlsx", structured_detail(
        format="xlsx", search=urlencode(asked.typed)))
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(ctx.deps.clock() + ctx.t.utc_offset_s))
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition",
                            f'attachment; filename="reports-{stamp}.xlsx"')
    return body
