"""The satisfaction survey's figures: ratings per day, line and operator, on the user's lines."""

from __future__ import annotations

import time

from firmware.store.surveys import Surveys
from webui.context import Ctx

DEFAULT_DAYS = 30
MOST_DAYS = 366


def surveys_page(ctx: Ctx) -> str:
    t = ctx.t
    today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + t.utc_offset_s))
    typed = {
        "from": ctx.query("from")[:10],
        "to": ctx.query("to")[:10] or today,
    }
    until_day = t.local_midnight(typed["to"])
    problem = ""
    if until_day is None:
        problem = t("{value} is not a date (YYYY-MM-DD).", value=typed["to"])
        until_day = t.local_midnight(today)
    until = until_day + 86400
    since = t.local_midnight(typed["from"]) if typed["from"] else until - DEFAULT_DAYS * 86400
    if since is None:
        problem = t("{value} is not a date (YYYY-MM-DD).", value=typed["from"])
        since = until - DEFAULT_DAYS * 86400
    if since >= until or until - since > MOST_DAYS * 86400:
        problem = problem or t("Choose at most {n} days, the first before the last.", n=MOST_DAYS)
        since = until - DEFAULT_DAYS * 86400
    if not typed["from"]:
        typed["from"] = time.strftime("%Y-%m-%d", time.gmtime(since + t.utc_offset_s))
    figures = Surveys(ctx.deps.store).figures(
        ctx.principal.line_scope(), since, until, t.utc_offset_s
    )
    ctx.response.status = 400 if problem else 200
    line_names = {line.number: line.given_name for line in ctx.deps.config().lines}
    return ctx.render("surveys.tpl", figures=figures, typed=typed, problem=problem,
                      line_names=line_names)
