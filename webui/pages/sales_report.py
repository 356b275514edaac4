"""The sales report (the ``sales`` flag): the sales of the customers one sees over whole days,
by day, operator, customer or product, with a chart of each day's sales, and an Excel
workbook of all four.

Orders count as sales when confirmed, shipped or done. A range is at most a
year; a field the page cannot read is answered with one line naming it, and
no figures. Money stays in cents to the page; the workbook writes it as
exact decimals (never a float), and every name through ``safe_cell``.
"""

from __future__ import annotations

import calendar
import io
import json
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from firmware.store.audit import structured_detail
from firmware.store.sales import cents_text, parse_day
from firmware.store.sales_figures import BREAKDOWNS, SalesFigures, SalesReport
from webui.context import Ctx

DEFAULT_DAYS = 30
MOST_DAYS = 366
TYPED_LIMIT = 40
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BREAKDOWN_LABELS = {"day": "Day", "operator": "Operator", "customer": "Customer",
                    "product": "Product"}


def _asked(ctx: Ctx) -> tuple[dict[str, str], tuple[str, str] | None, str]:
    """The fields as typed, the range (first and last day) or None, and the problem."""
    t = ctx.t
    today = date.fromisoformat(t.iso_date(ctx.deps.clock()))
    typed = {"from": ctx.query("from")[:TYPED_LIMIT] or
             (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
             "to": ctx.query("to")[:TYPED_LIMIT] or today.isoformat(),
             "by": ctx.query("by")[:TYPED_LIMIT] or "day"}
    since, until = parse_day(typed["from"]), parse_day(typed["to"])
    problem = ""
    if since is None:
        problem = t("{field}: {problem}", field=t("From"), problem=t(
            "{value} is not a date; write it as YYYY-MM-DD.", value=typed["from"]))
    elif until is None:
        problem = t("{field}: {problem}", field=t("To"), problem=t(
            "{value} is not a date; write it as YYYY-MM-DD.", value=typed["to"]))
    elif until < since:
        problem = t("{field}: {problem}", field=t("To"),
                    problem=t("the last day comes before the first."))
    elif (date.fromisoformat(until) - date.fromisoformat(since)).days + 1 > MOST_DAYS:
        problem = t("{field}: {problem}", field=t("To"),
                    problem=t("a report covers at most {n} days.", n=MOST_DAYS))
    elif typed["by"] not in BREAKDOWNS:
        problem = t("{field}: {problem}", field=t("Split by"),
                    problem=t("choose day, operator, customer or product."))
    return typed, None if problem else (since, until), problem


def _chart(ctx: Ctx, figures: SalesFigures) -> str:
    """Each day of the range with its sales (0 on days without), as the script draws it:
    days as the UTC midnight of their date, money in whole units with cents."""
    by_day = {figure.key: figure for figure in figures.rows["day"]}
    first, last = date.fromisoformat(figures.since), date.fromisoformat(figures.until)
    days, amounts, orders = [], [], []
    day = first
    while day <= last:
        key = day.isoformat()
        found = by_day.get(key)
        days.append(calendar.timegm(day.timetuple()))
        amounts.append(found.cents / 100 if found else 0)  # drawn only, never summed
        orders.append(found.orders if found else 0)
        day += timedelta(days=1)
    return json.dumps({"x": days, "amounts": amounts, "orders": orders,
                       "labels": {"amount": ctx.t("Sales"), "orders": ctx.t("Orders"),
                                  "day": ctx.t("Day")},
                       "language": ctx.t.language}).replace("</", "<\\/")


def report_page(ctx: Ctx) -> str:
    typed, chosen, problem = _asked(ctx)
    figures = None
    if chosen:
        breakdowns = ("day",) if typed["by"] == "day" else ("day", typed["by"])
        figures = SalesReport(ctx.deps.store).figures(ctx.principal.owner_scope(), *chosen,
                                                      breakdowns)
    ctx.response.status = 400 if problem else 200
    return ctx.render(
        "sales_report.tpl", typed=typed, problem=problem, figures=figures,
        chart=_chart(ctx, figures) if figures else "", breakdowns=BREAKDOWN_LABELS,
        money=cents_text, export_query=urlencode(typed))


def _amount(cents: int) -> Decimal:
    return Decimal(cents) / 100


def workbook(ctx: Ctx, figures: SalesFigures) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl only for an export
    from openpyxl.styles import Font  # noqa: PLC0415

    from webui.call_csv import safe_cell  # noqa: PLC0415

    t = ctx.t
    book = Workbook()
    summary = book.active
    summary.title = t("Summary")[:31]
    for row in ((t("Sales report"),), (t("From"), figures.since), (t("To"), figures.until),
                (t("Orders"), figures.orders), (t("Sales"), _amount(figures.cents))):
        summary.append(list(row))
    summary["A1"].font = Font(bold=True, size=14)
    summary["B5"].number_format = "#,##0.00"
    for breakdown in BREAKDOWNS:
        sheet = book.create_sheet(t(BREAKDOWN_LABELS[breakdown])[:31])
        heading = [t(BREAKDOWN_LABELS[breakdown]),
                   t("Order lines") if breakdown == "product" else t("Orders"), t("Sales")]
        if breakdown == "product":
            heading.append(t("Quantity"))
        sheet.append(heading)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for figure in figures.rows[breakdown]:
            label = figure.label or t("(none)")
            row = [safe_cell(label), figure.orders, _amount(figure.cents)]
            if breakdown == "product":
                row.append(figure.quantity)
            sheet.append(row)
            sheet.cell(sheet.max_row, 3).number_format = "#,##0.00"
        sheet.column_dimensions["A"].width = 28
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def report_xlsx(ctx: Ctx) -> bytes:
    typed, chosen, problem = _asked(ctx)
    if chosen is None:
        ctx.fail(400, problem)
    figures = SalesReport(ctx.deps.store).figures(ctx.principal.owner_scope(), *chosen)
    body = workbook(ctx, figures)
    ctx.audit("sales_exported", "sales report", structured_detail(
        format="xlsx", search=urlencode(typed)))
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition",
                            f'attachment; filename="sales-{chosen[0]}-{chosen[1]}.xlsx"')
    return body
