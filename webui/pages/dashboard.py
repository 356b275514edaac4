"""The home page: today at a glance; and the wallboard, the same for a big screen.

Today is the box's local day. The figures are the calls of the lines the user
sees (``webui.office_figures``): calls in and out, missed, the share answered,
the average wait before an answer and talk, the satisfaction survey's average,
and the recordings kept; leaders and admins also see each operator's, with their
presence (online, away, offline: ``webui.presence``). The Reminders panel lists the
user's memos of the next days and the birthdays coming (``webui.pages.memos``). Who
sees every line also sees how long the recordings' disk lasts (the storage
page's forecast): a figure of the whole box. Lines busy now come from the
live event stream the page already has; the rest is asked again from
``/api/dashboard`` when a call starts, is answered or ends, and every minute
(the wallboard: every 20 s).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.link.contract import LineStatus
from firmware.store.call_figures import CallFigures, Tally
from firmware.store.storage_usage import Forecast, kept_count
from webui.context import Ctx
from webui.office_figures import (
    BUSY_STATES,
    Operator,
    lists_operators,
    of_operators,
    operators_seen,
    overall,
    percent,
    rating,
    seconds,
)
from webui.pages.live import given_line_names, visible_lines
from webui.pages.memos import panel
from webui.pages.storage_settings import storage_outlook
from webui.presence import states

DAY_S = 86400
LONG_TIME_DAYS = 3650
DASHBOARD_REFRESH_S = 60
WALLBOARD_REFRESH_S = 20


@dataclass
class Glance:
    day: str
    today: Tally
    operators: list[tuple[Operator, Tally]] | None  # None: not shown to this user
    lines: list[LineStatus]
    recordings: int
    storage: tuple[bool, Forecast | None] | None  # None: not shown to this user

    @property
    def busy(self) -> int:
        return sum(status.state in BUSY_STATES for status in self.lines)


def today_range(ctx: Ctx) -> tuple[float, float]:
    """The box's local day now: its first moment and the next day's."""
    since = ctx.t.local_midnight(ctx.t.iso_date(ctx.deps.clock()))
    return since, since + DAY_S


def glance(ctx: Ctx) -> Glance:
    scope = ctx.principal.line_scope()
    since, until = today_range(ctx)
    by_line = CallFigures(ctx.deps.store).by_line(scope, since, until, ctx.t.utc_offset_s)
    operators = None
    if lists_operators(ctx):
        seen = operators_seen(ctx)
        operators = list(zip(seen, of_operators(by_line, seen), strict=True))
    return Glance(
        day=ctx.t.date(since),
        today=overall(by_line),
        operators=operators,
        lines=visible_lines(ctx),
        recordings=kept_count(ctx.deps.store, scope),
        storage=storage_outlook(ctx) if scope.every_line else None,
    )


def storage_text(ctx: Ctx, storage: tuple[bool, Forecast | None]) -> tuple[str, str]:
    """The storage tile: its figure and what it means."""
    t = ctx.t
    retention_on, found = storage
    if found is None:
        return "—", t("The recordings' disk cannot be read.")
    if found.deleting_now:
        return t("now"), t("Retention is deleting the oldest recordings to make room.")
    days = found.days_until_retention if retention_on else found.days_until_full
    caption = (t("days until retention deletes the oldest recordings") if retention_on
               else t("days until the disk is full (retention is off)"))
    if days is None:
        return "—", t("No estimate: nothing was recorded in the last 7 days.")
    if days > LONG_TIME_DAYS:
        return t("10 years+"), caption
    return t.number(days), caption


def figure_texts(ctx: Ctx, seen: Glance) -> dict[str, str]:
    """Every figure of the page as text, by the name its element carries."""
    t = ctx.t
    today = seen.today
    texts = {
        "day": seen.day,
        "calls_in": t.number(today.calls_in),
        "calls_out": t.number(today.calls_out),
        "missed": t.number(today.missed),
        "answered_share": percent(today.answered_share),
        "average_wait": seconds(today.average_wait_s),
        "average_talk": seconds(today.average_talk_s),
        "rating": rating(today.average_rating),
        "ratings": t.count(today.ratings, "{count} rating", "{count} ratings"),
        "recordings": t.number(seen.recordings),
    }
    if seen.storage is not None:
        texts["storage"], texts["storage_caption"] = storage_text(ctx, seen.storage)
    return texts


def _operators_html(ctx: Ctx, seen: Glance) -> str:
    operators = seen.operators or []
    presence = states(ctx, [operator.user_id for operator, _ in operators])
    return ctx.render("dashboard_operators.tpl", operators=operators, presence=presence)


def _values(ctx: Ctx, seen: Glance) -> dict:
    return {
        "glance": seen,
        "texts": figure_texts(ctx, seen),
        "line_names": given_line_names(ctx),
        "operators_html": _operators_html(ctx, seen) if seen.operators is not None else "",
    }


def dashboard_page(ctx: Ctx) -> str:
    return ctx.render("dashboard.tpl", refresh_s=DASHBOARD_REFRESH_S, reminders=panel(ctx),
                      **_values(ctx, glance(ctx)))


def wallboard_page(ctx: Ctx) -> str:
    return ctx.render("wallboard.tpl", refresh_s=WALLBOARD_REFRESH_S, **_values(ctx, glance(ctx)))


def dashboard_json(ctx: Ctx) -> str:
    seen = glance(ctx)
    answer: dict = {"figures": figure_texts(ctx, seen)}
    if seen.operators is not None:
        answer["operators_html"] = _operators_html(ctx, seen)
    return ctx.json(answer)
