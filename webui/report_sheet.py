"""A report as an Excel workbook (openpyxl): the summary, every period, each line, each
operator and the busiest hours, a sheet each, in the reader's language.

Figures are numbers (shares as percentages, waits and talk in seconds), so
they can be summed and charted in Excel; every text a person wrote (line
and user names) goes through ``safe_cell``, so none is ever taken for a
formula.
"""

from __future__ import annotations

import io
import time

from openpyxl import Workbook
from openpyxl.styles import Font

from firmware.store.call_figures import Tally
from webui.call_csv import safe_cell
from webui.i18n import Translator
from webui.report_model import Report, line_label, period_text

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
FIGURE_COLUMNS = (
    "Calls", "Incoming", "Outgoing", "Answered", "Missed", "Blocked", "Answered share",
    "Average wait (s)", "Average talk (s)", "Ratings", "Average rating",
)
PERCENT = "0.0%"
# The figures' number formats, by their column (the others are counts).
NUMBER_FORMATS = {
    FIGURE_COLUMNS.index("Answered share"): PERCENT,
    FIGURE_COLUMNS.index("Average wait (s)"): "0.0",
    FIGURE_COLUMNS.index("Average talk (s)"): "0.0",
    FIGURE_COLUMNS.index("Average rating"): "0.00",
}


def _figures(tally: Tally) -> list:
    return [
        tally.calls, tally.calls_in, tally.calls_out, tally.answered_in, tally.missed,
        tally.blocked, tally.answered_share,
        None if tally.average_wait_s is None else round(tally.average_wait_s, 1),
        None if tally.average_talk_s is None else round(tally.average_talk_s, 1),
        tally.ratings,
        None if tally.average_rating is None else round(tally.average_rating, 2),
    ]


def _formats(sheet, first_figure_column: int) -> None:
    """Shares as percentages, times and ratings with their decimals."""
    for row in sheet.iter_rows(min_row=2):
        for offset, number_format in NUMBER_FORMATS.items():
            row[first_figure_column + offset].number_format = number_format


def _header(sheet, cells: list[str]) -> None:
    sheet.append(cells)
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)


def workbook_bytes(t: Translator, report: Report, line_names: dict[int, str],
                   now: float) -> bytes:
    chosen = report.range
    book = Workbook()
    summary = book.active
    summary.title = t("Summary")[:31]
    summary.append([t("Report")])
    summary["A1"].font = Font(bold=True, size=14)
    per_names = {"hour": t("Hour"), "day": t("Day"), "week": t("Week (from Monday)")}
    for label, value in (
        (t("From"), t.iso_date(chosen.since)),
        (t("To"), t.iso_date(chosen.until - 1)),
        (t("Period"), per_names[chosen.per]),
        (t("Made"), time.strftime("%Y-%m-%d %H:%M", time.gmtime(now + t.utc_offset_s))),
    ):
        summary.append([label, value])
    summary.append([])
    figure_names = [t(name) for name in FIGURE_COLUMNS]
    for position, (name, value) in enumerate(
            zip(figure_names, _figures(report.overall), strict=True)):
        summary.append([name, value])
        if position in NUMBER_FORMATS:
            summary.cell(summary.max_row, 2).number_format = NUMBER_FORMATS[position]
    summary.column_dimensions["A"].width = 24

    periods = book.create_sheet(t("Periods")[:31])
    _header(periods, [per_names[chosen.per], *figure_names])
    for start, tally in zip(report.starts, report.totals, strict=True):
        periods.append([period_text(t, start, chosen.per), *_figures(tally)])
    _formats(periods, 1)
    periods.column_dimensions["A"].width = 18

    lines = book.create_sheet(t("By line")[:31])
    _header(lines, [t("Line"), *figure_names])
    for line, tally in report.line_totals.items():
        lines.append([safe_cell(line_label(t, line, line_names)), *_figures(tally)])
    _formats(lines, 1)
    lines.column_dimensions["A"].width = 24

    operators = book.create_sheet(t("By operator")[:31])
    _header(operators, [t("Operator"), t("Lines"), *figure_names])
    for operator, tally in zip(report.operators, report.operator_totals, strict=True):
        operators.append([
            safe_cell(operator.name),
            ", ".join(str(line) for line in sorted(operator.lines)),
            *_figures(tally),
        ])
    _formats(operators, 2)
    operators.column_dimensions["A"].width = 24

    calls_by = book.create_sheet(t("Calls per line")[:31])
    _header(calls_by, [per_names[chosen.per],
                       *(safe_cell(line_label(t, line, line_names)) for line in report.lines)])
    for position, start in enumerate(report.starts):
        calls_by.append([period_text(t, start, chosen.per),
                         *(periods_of[position].calls for periods_of in report.lines.values())])

    busiest = book.create_sheet(t("Busiest hours")[:31])
    _header(busiest, [t("Weekday"), *(f"{hour:02d}" for hour in range(24))])
    for weekday, counts in zip(WEEKDAYS, report.busiest, strict=True):
        busiest.append([t(weekday), *counts])

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
