"""What the reports show, worked out once for the page, its charts and its Excel export.

A report covers whole local days, ``since`` to ``until``, per hour, day or
week, on the lines the reader sees (``webui.office_figures``). Every period
of the range is there, those without calls as zeros, so charts and sheets
line up. The figures come from ``firmware.store.call_figures`` in two
queries: per period and line (each line's totals are their sums), and per
weekday and hour.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from firmware.store.call_figures import CallFigures, Tally
from webui.context import Ctx
from webui.i18n import Translator
from webui.office_figures import Operator, of_operators, operators_seen, overall

HOUR_S = 3600
DAY_S = 86400
PERIOD_S = {"hour": HOUR_S, "day": DAY_S, "week": 7 * DAY_S}
SPLITS = ("direction", "line", "operator")
HEAT_LEVELS = 6  # shades of the busiest hours, besides none


@dataclass(frozen=True)
class ReportRange:
    since: float  # the first day's local midnight
    until: float  # the local midnight after the last day
    per: str  # hour, day or week
    by: str  # how the calls chart splits the calls: direction, line or operator


@dataclass
class Report:
    range: ReportRange
    starts: list[float]  # each period's first moment (Unix time)
    totals: list[Tally]  # each period's figures, every line together
    lines: dict[int, list[Tally]]  # each line's, period by period
    line_totals: dict[int, Tally]
    operators: list[Operator]
    operator_totals: list[Tally]
    busiest: list[list[int]]  # calls by weekday (Monday first) and local hour
    overall: Tally = field(default_factory=Tally)

    def operator_periods(self, index: int) -> list[Tally]:
        """One operator's figures period by period: their lines' sums."""
        found = [Tally() for _ in self.starts]
        for line in self.operators[index].lines:
            for tally, line_tally in zip(found, self.lines.get(line, ()), strict=False):
                tally.add(line_tally)
        return found


def period_starts(since: float, until: float, per: str, utc_offset_s: int) -> list[float]:
    """The first moment of each period in [since, until); weeks start on Monday, so the
    first may start before ``since``."""
    first = since
    if per == "week":
        day = int((since + utc_offset_s) // DAY_S)
        first = since - ((day + 3) % 7) * DAY_S  # 1970-01-01 was a Thursday
    step = PERIOD_S[per]
    count = max(0, int((until - first + step - 1) // step))
    return [first + index * step for index in range(count)]


def build(ctx: Ctx, chosen: ReportRange) -> Report:
    scope = ctx.principal.line_scope()
    offset = ctx.t.utc_offset_s
    figures = CallFigures(ctx.deps.store)
    starts = period_starts(chosen.since, chosen.until, chosen.per, offset)
    index = {round(start): position for position, start in enumerate(starts)}
    totals = [Tally() for _ in starts]
    lines: dict[int, list[Tally]] = {}
    for period in figures.by_period(scope, chosen.since, chosen.until, offset, chosen.per):
        position = index[round(period.start)]
        totals[position].add(period.tally)
        if period.line not in lines:
            lines[period.line] = [Tally() for _ in starts]
        lines[period.line][position].add(period.tally)
    line_totals = {line: overall(dict(enumerate(periods))) for line, periods in lines.items()}
    operators = operators_seen(ctx)
    return Report(
        range=chosen,
        starts=starts,
        totals=totals,
        lines=dict(sorted(lines.items())),
        line_totals=dict(sorted(line_totals.items())),
        operators=operators,
        operator_totals=of_operators(line_totals, operators),
        busiest=figures.busiest_hours(scope, chosen.since, chosen.until, offset),
        overall=overall(line_totals),
    )


def period_text(t: Translator, start: float, per: str) -> str:
    """A period as its table row and the Excel sheet name it: its first day, and hour."""
    local = time.gmtime(start + t.utc_offset_s)
    day = time.strftime("%Y-%m-%d", local)
    return f"{day} {local.tm_hour:02d}:00" if per == "hour" else day


def heat_level(calls: int, most: int) -> int:
    """A cell's shade: 0 for no calls, else 1 to HEAT_LEVELS by its share of the busiest."""
    if calls <= 0 or most <= 0:
        return 0
    return max(1, -(-calls * HEAT_LEVELS // most))


def line_label(t: Translator, line: int, names: dict[int, str]) -> str:
    name = names.get(line, "")
    return t("Line {n}", n=line) + (f" · {name}" if name else "")


def _series(label: str, values: list, scale: str) -> dict:
    return {"label": label, "values": values, "scale": scale}


def _rounded(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _percent(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def charts(t: Translator, report: Report, line_names: dict[int, str]) -> dict:
    """The charts' data for the page's script (``static/reports.js``): the periods' starts
    as local time written as UTC (the script shows them so, whatever the browser's own
    time zone), and each chart's series with the scale each is read on."""
    totals = report.totals
    by = report.range.by
    if by == "line":
        split = [_series(line_label(t, line, line_names), [p.calls for p in periods], "calls")
                 for line, periods in report.lines.items()]
    elif by == "operator":
        split = [_series(operator.name, [p.calls for p in report.operator_periods(index)],
                         "calls")
                 for index, operator in enumerate(report.operators)]
    else:
        split = [_series(t("Incoming"), [p.calls_in for p in totals], "calls"),
                 _series(t("Outgoing"), [p.calls_out for p in totals], "calls")]
    return {
        "per": report.range.per,
        "x": [start + t.utc_offset_s for start in report.starts],
        "charts": [
            {"id": "calls", "series": split},
            {"id": "answered", "series": [
                _series(t("Answered"), [p.answered_in for p in totals], "calls"),
                _series(t("Missed"), [p.missed for p in totals], "calls"),
                _series(t("Answered share"), [_percent(p.answered_share) for p in totals],
                        "percent"),
            ]},
            {"id": "times", "series": [
                _series(t("Average wait"), [_rounded(p.average_wait_s) for p in totals],
                        "seconds"),
                _series(t("Average talk"), [_rounded(p.average_talk_s) for p in totals],
                        "seconds_talk"),
            ]},
            {"id": "survey", "series": [
                _series(t("Average rating"), [_rounded(p.average_rating, 2) for p in totals],
                        "rating"),
                _series(t("Ratings"), [p.ratings for p in totals], "ratings"),
            ]},
        ],
        "scales": {
            "calls": t("Calls"),
            "percent": t("Answered share (%)"),
            "seconds": t("Wait (m:ss)"),
            "seconds_talk": t("Talk (m:ss)"),
            "rating": t("Average rating (1 best)"),
            "ratings": t("Ratings"),
        },
        "language": t.language,
        "period_label": t("Period"),
        "week_of": t("week of {date}"),
    }


def charts_json(t: Translator, report: Report, line_names: dict[int, str]) -> str:
    """The charts' data as JSON that is safe inside the page's <script> element."""
    return json.dumps(charts(t, report, line_names), ensure_ascii=False).replace("<", "\\u003c")
