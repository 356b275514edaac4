"""Quality inspection's results: each operator's scores over days chosen, with a chart of
their weekly averages and an Excel export; and an operator's own ("My inspections").

Whose results: everyone's with ``quality`` or ``admin`` (a super user); a leader their
group's; anyone else their own (``webui.pages.quality.result_operators``). Days are
whole local days of the calls scored, at most a year; a field that cannot be read is
answered with one line naming it, and no figures.
"""

from __future__ import annotations

import io
import json
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from firmware.store.audit import structured_detail
from firmware.store.quality import MOST_DAYS, REASON_LIMIT, ResultRow
from webui.call_csv import safe_cell
from webui.context import Ctx
from webui.pages.quality import quality, reads_others, result_operators, user_names
from webui.pages.quality_samples import may_decide

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DAY_S = 86400
DEFAULT_DAYS = 90
MOST_SERIES = 8  # operators drawn in the chart (the table lists them all)
LISTED = 500  # results listed on the page (the export has them all)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class OperatorFigures:
    operator_id: int | None
    name: str
    totals: list[float] = field(default_factory=list)
    appeals: int = 0

    @property
    def average(self) -> float:
        return round(sum(self.totals) / len(self.totals), 1)


@dataclass(frozen=True)
class Asked:
    typed: dict[str, str]
    since: float | None
    until: float | None
    operator: int | None
    problem: str = ""


def _refuse_unless_reads_others(ctx: Ctx) -> None:
    if not reads_others(ctx):
        ctx.fail(403, "You do not have permission for this.")


def read_asked(ctx: Ctx) -> Asked:
    t = ctx.t
    today = t.iso_date(ctx.deps.clock())
    typed = {"from": ctx.query("from")[:40] or t.iso_date(
        ctx.deps.clock() - (DEFAULT_DAYS - 1) * DAY_S),
        "to": ctx.query("to")[:40] or today, "operator": ctx.query("operator")[:20]}
    since = t.local_midnight(typed["from"]) if ISO_DAY.fullmatch(typed["from"]) else None
    last = t.local_midnight(typed["to"]) if ISO_DAY.fullmatch(typed["to"]) else None
    operator = int(typed["operator"]) if typed["operator"].isdigit() and len(
        typed["operator"]) < 19 else None
    problem = ""
    if since is None:
        problem = t("From: {value} is not a date; write it as YYYY-MM-DD.", value=typed["from"])
    elif last is None:
        problem = t("To: {value} is not a date; write it as YYYY-MM-DD.", value=typed["to"])
    elif last < since:
        problem = t("To: the last day comes before the first.")
    elif (last - since) / DAY_S + 1 > MOST_DAYS:
        problem = t("To: a task covers at most {n} days.", n=MOST_DAYS)
    elif typed["operator"] and operator is None:
        problem = t("Operator: choose one from the list.")
    if problem:
        return Asked(typed, None, None, None, problem)
    return Asked(typed, since, last + DAY_S, operator)


def _rows(ctx: Ctx, asked: Asked) -> list[ResultRow]:
    operators = result_operators(ctx)
    if asked.operator is not None:
        operators = frozenset({asked.operator}) if operators is None or \
            asked.operator in operators else frozenset()
    return quality(ctx).results(operator_ids=operators, since=asked.since, until=asked.until)


def figures(rows: list[ResultRow]) -> list[OperatorFigures]:
    found: dict[int | None, OperatorFigures] = {}
    for row in rows:
        figures_of = found.setdefault(row.operator_id,
                                      OperatorFigures(row.operator_id, row.operator_name))
        figures_of.totals.append(row.total)
        figures_of.appeals += row.appeal_state is not None
    return sorted(found.values(), key=lambda f: (f.name.lower(), f.operator_id or 0))


def week_start(at: float, utc_offset_s: int) -> float:
    """The Monday 00:00 of ``at``'s week, local time written as UTC (as the chart shows)."""
    day = int((at + utc_offset_s) // DAY_S)
    return float((day - (day + 3) % 7) * DAY_S)  # 1 Jan 1970 was a Thursday


def chart(ctx: Ctx, rows: list[ResultRow], shown: list[OperatorFigures], since: float,
          until: float) -> str:
    """Weekly averages of the first operators, as JSON for ``static/quality.js``."""
    offset = ctx.t.utc_offset_s
    weeks = []
    week = week_start(since, offset)
    while week < until + offset:
        weeks.append(week)
        week += 7 * DAY_S
    index = {start: position for position, start in enumerate(weeks)}
    series = []
    for figures_of in shown[:MOST_SERIES]:
        sums = [[0.0, 0] for _ in weeks]
        for row in rows:
            if row.operator_id == figures_of.operator_id:
                at = index.get(week_start(row.started_at, offset))
                if at is not None:
                    sums[at][0] += row.total
                    sums[at][1] += 1
        series.append({"label": figures_of.name,
                       "values": [round(s / n, 1) if n else None for s, n in sums]})
    body = {"x": weeks, "series": series, "language": ctx.t.language,
            "week_of": ctx.t("week of {date}"), "period_label": ctx.t("Week"),
            "scale": ctx.t("Average score")}
    return json.dumps(body, ensure_ascii=False).replace("<", "\\u003c")


def results_page(ctx: Ctx) -> str:
    _refuse_unless_reads_others(ctx)
    asked = read_asked(ctx)
    rows = _rows(ctx, asked) if not asked.problem else []
    shown = figures(rows)
    operators = result_operators(ctx)
    choices = sorted(((user.id, user.shown_name) for user in ctx.deps.accounts.users()
                      if operators is None or user.id in operators),
                     key=lambda pair: (pair[1].lower(), pair[0]))
    tasks = {task.id: task for task in quality(ctx).tasks()}
    appeals = [(appeal, sample) for appeal, sample in quality(ctx).open_appeals()
               if may_decide(ctx, sample, tasks[sample.task_id])]
    ctx.response.status = 400 if asked.problem else 200
    return ctx.render(
        "quality_results.tpl", asked=asked, rows=rows[-LISTED:][::-1], count=len(rows),
        figures=shown, choices=choices, appeals=appeals,
        charts=chart(ctx, rows, shown, asked.since, asked.until) if not asked.problem else "",
        export_query=urlencode(asked.typed),
    )


def results_xlsx(ctx: Ctx) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - openpyxl only for the export
    from openpyxl.styles import Font  # noqa: PLC0415

    _refuse_unless_reads_others(ctx)
    asked = read_asked(ctx)
    if asked.problem:
        ctx.fail(400, asked.problem)
    rows = _rows(ctx, asked)
    t = ctx.t
    book = Workbook()
    summary = book.active
    summary.title = t("By operator")[:31]
    summary.append([t("Operator"), t("Calls scored"), t("Average score"), t("Lowest"),
                    t("Highest"), t("Appeals")])
    for figures_of in figures(rows):
        summary.append([safe_cell(figures_of.name), len(figures_of.totals), figures_of.average,
                        min(figures_of.totals), max(figures_of.totals), figures_of.appeals])
    listed = book.create_sheet(t("Results")[:31])
    listed.append([t("Call started"), t("Operator"), t("Line"), t("Task"), t("Score"),
                   t("Inspector"), t("Scored"), t("Comment"), t("Appeal")])
    states = {"open": t("Open"), "accepted": t("Accepted"), "rejected": t("Rejected")}
    for row in rows:
        listed.append([
            _local(t, row.started_at), safe_cell(row.operator_name), row.line,
            safe_cell(row.task_name), row.total, safe_cell(row.inspector_name),
            _local(t, row.scored_at), safe_cell(row.comment),
            states.get(row.appeal_state, "") if row.appeal_state else "",
        ])
    for sheet in (summary, listed):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 20
    buffer = io.BytesIO()
    book.save(buffer)
    ctx.audit("quality_exported", "quality results", structured_detail(
        format="xlsx", rows=len(rows), search=urlencode(asked.typed)))
    stamp = time.strftime("%Y%m%d-%H%M", time.gmtime(ctx.deps.clock() + t.utc_offset_s))
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition",
                            f'attachment; filename="quality-{stamp}.xlsx"')
    return buffer.getvalue()


def _local(t, at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at + t.utc_offset_s))


def mine_page(ctx: Ctx) -> str:
    """The signed-in user's own scored calls, with their appeals."""
    samples = quality(ctx).samples_of_operator(ctx.user.id)
    names = {task.id: task.name for task in quality(ctx).tasks()}
    return ctx.render("quality_mine.tpl", samples=samples, task_names=names,
                      names=user_names(ctx), reason_limit=REASON_LIMIT,
                      average=round(sum(s.result.total for s in samples) / len(samples), 1)
                      if samples else None)
