"""The Archive (the ``audit`` flag): the backups of every box in a backup target, read-only.

Several boxes may back up into one bucket or NAS folder. This page lists the
boxes in a target of this box's configuration (their names, when each was
last backed up, how much it holds) and searches recordings across them by
day, line, number and box, from each box's index in the target
(``firmware.backup.archive``): nothing is downloaded but the small index
files, nothing is changed there. Each search is written to the audit log.
"""

from __future__ import annotations

import re

from firmware.backup import archive
from firmware.backup.source import SourceError, open_source
from firmware.errors import LinerecError
from firmware.store.audit import structured_detail
from firmware.store.storage_usage import size_text
from webui.context import Ctx

RESULTS_LIMIT = 200
_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")


def archive_page(ctx: Ctx) -> str:
    config = ctx.deps.config()
    targets = [target.name for target in config.device.backup.targets]
    values = {name: ctx.query(name)[:64] for name in ("target", "day", "line", "number", "box")}
    chosen = values["target"] if values["target"] in targets else (targets[0] if targets else "")
    problems: list[str] = []
    if values["day"] and not _DAY.match(values["day"]):
        problems.append(ctx.t("Write the day as YYYY-MM-DD."))
    line = None
    if values["line"]:
        try:
            line = int(values["line"])
        except ValueError:
            problems.append(ctx.t("The line is a number."))
    boxes, foreign, results, unread = [], [], None, []
    if chosen:
        try:
            source = open_source(chosen, ctx.deps.folder)
            boxes, foreign = archive.list_boxes(source)
            searched = any(values[name] for name in ("day", "line", "number", "box")) or (
                ctx.query("search") == "1")
            if searched and not problems:
                query = archive.Query(values["day"] or None, line, values["number"] or None,
                                      values["box"] or None)
                results, unread = archive.search(source, query, limit=RESULTS_LIMIT)
                ctx.audit("archive_searched", target=f"backup target {chosen}",
                          detail=structured_detail(**{
                              name: str(value)[:100] for name, value in values.items()
                              if value and name != "target"}))
        except (SourceError, LinerecError) as error:
            problems.append(str(error))
    return ctx.render(
        "archive.tpl",
        page="archive",
        targets=targets,
        chosen=chosen,
        values=values,
        boxes=boxes,
        foreign=foreign,
        results=results,
        unread=unread,
        problems=problems,
        limit=RESULTS_LIMIT,
        size=size_text,
    )


__all__ = ["archive_page"]
