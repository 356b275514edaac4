"""A dialling task's numbers from a spreadsheet, and its results to Excel.

Import (``dial_tasks``): an .xlsx workbook or a CSV file with a Number column
and, if wanted, Name and Note (headers in English or Chinese; a CSV file
without a header row is read as number, name, note). It goes in two steps:
the upload is checked and shown (``preview``): each bad row in one line naming
the row and what is wrong, the numbers given twice that are merged, those the
call firewall refuses (added as ``blocked``), and the first rows to add. Its
button posts the rows back, which are checked again as a new upload would be,
then added in one transaction, with one audit entry.

Export: the task's numbers with their results, and every attempt, as an .xlsx
workbook in the reader's language; written to the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from firmware.store.audit import structured_detail
from firmware.store.dialling import NewNumber
from firmware.store.dialling_rules import DiallingError
from webui.context import Ctx
from webui.messages_zh import ZH
from webui.pages import customer_sheets as sheets
from webui.pages.dial_numbers import Checker
from webui.pages.dial_tasks import (
    RESULT_NAMES,
    need_manage,
    problem_text,
    task_seen,
    tasks_of,
)
from webui.pages.firewall import blocked_text

COLUMNS = (("number", "Number"), ("name", "Name"), ("note", "Note"))
_HEADERS = {english.casefold(): key for key, english in COLUMNS} | {
    ZH[english]: key for key, english in COLUMNS
} | {"phone number": "number", "phone": "number", "电话": "number", "手机": "number",
     "电话号码": "number", "手机号": "number", "姓名": "name", "名称": "name", "notes": "note",
     "备注信息": "note"}
SHOWN_ROWS = 20  # rows to add shown in the preview
MAX_ROWS_FIELD = 2 * 1024 * 1024  # the preview's rows posted back


@dataclass
class Preview:
    """What an upload would add: the rows kept (row number, number, name, note), the
    problems by row, the rows merged into an earlier one, the blocked ones."""

    rows: list[tuple[int, str, str, str]] = field(default_factory=list)
    numbers: list[NewNumber] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)
    merged: list[tuple[int, int]] = field(default_factory=list)  # (row, the row it joins)
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> list[tuple[int, NewNumber]]:
        return [(row[0], number) for row, number in zip(self.rows, self.numbers, strict=True)
                if number.blocked_by]


def _keys(header: list[str]) -> list[str | None]:
    return [_HEADERS.get(cell.strip().casefold()) for cell in header]


def read_upload(ctx: Ctx, rows: list[list[str]]) -> Preview:
    """Check every row of an upload (header first, or none); SheetError if it has no
    Number column."""
    keys = _keys(rows[0]) if rows else []
    preview = Preview()
    if "number" in keys:
        header, body, first = rows[0], rows[1:], 2
        preview.ignored_columns = [cell for cell, key in zip(header, keys, strict=True)
                                   if cell and not key]
    elif rows and any(ch.isdigit() for ch in (rows[0][0] if rows[0] else "")):
        keys, body, first = ["number", "name", "note"], rows, 1  # a CSV file without header
    else:
        raise sheets.SheetError(ctx.t(
            "The file has no Number column: name the columns Number, Name and Note, or give the numbers in the first column."))  # noqa: E501
    return check_rows(ctx, [(first + offset, dict(zip(keys, row, strict=False)))
                            for offset, row in enumerate(body)], preview)


def check_rows(ctx: Ctx, rows: list[tuple[int, dict]], preview: Preview | None = None
               ) -> Preview:
    preview = preview or Preview()
    checker = Checker.of(ctx)
    first_of: dict[str, int] = {}  # digits dialled -> the row that has them
    for row_number, cells in rows:
        cells.pop(None, None)
        number, name, note = (str(cells.get(key) or "").strip()
                              for key in ("number", "name", "note"))
        if not (number or name or note):
            continue
        made, problem = checker.typed(number, name, note)
        if made is None:
            preview.problems.append((row_number, problem))
            continue
        if made.dial in first_of:
            preview.merged.append((row_number, first_of[made.dial]))
        else:
            first_of[made.dial] = row_number
        preview.rows.append((row_number, number, made.name, made.note))
        preview.numbers.append(made)
    return preview


def import_page(ctx: Ctx, task_id: int) -> str:
    need_manage(ctx)
    return _render(ctx, task_seen(ctx, task_id))


def _render(ctx: Ctx, task, *, preview: Preview | None = None, problem: str = "",
            status: int = 200) -> str:
    ctx.response.status = status
    rows_field = ""
    if preview is not None and preview.rows:
        rows_field = json.dumps(preview.rows, ensure_ascii=False, separators=(",", ":"))
    return ctx.render("task_import.tpl", task=task, preview=preview, problem=problem,
                      rows_field=rows_field, shown_rows=SHOWN_ROWS, blocked_text=blocked_text,
                      max_mb=sheets.MAX_UPLOAD_BYTES // (1024 * 1024), max_rows=sheets.MAX_ROWS)


def import_submit(ctx: Ctx, task_id: int) -> str:
    """``step=preview`` with a file: the preview; ``step=add`` with the preview's rows:
    they are checked again and added."""
    need_manage(ctx)
    task = task_seen(ctx, task_id)
    if ctx.form("step") == "add":
        return _add(ctx, task)
    try:
        rows = sheets.read_rows(*sheets.uploaded_sheet(ctx), ctx.t, header_key="number",
                                headers=_HEADERS, no_header=ctx.t(
                                    "No sheet has a header row with a Number column."))
        if not rows:
            raise sheets.SheetError(ctx.t("The file is empty."))
        preview = read_upload(ctx, rows)
    except sheets.SheetError as error:
        return _render(ctx, task, status=error.status, problem=str(error))
    return _render(ctx, task, preview=preview)


def _posted_rows(ctx: Ctx) -> str:
    """The preview's rows as posted: a field of a multipart form, which the server keeps
    in a file of its own when it is large."""
    posted = ctx.request.POST.get("rows")
    if posted is None:
        return ""
    if isinstance(posted, str):
        return posted
    data = posted.file.read(MAX_ROWS_FIELD + 1)
    if len(data) > MAX_ROWS_FIELD:
        ctx.fail(413, "The preview is out of date: upload the file again.")
    return data.decode("utf-8", "replace")


def _add(ctx: Ctx, task) -> str:
    text = _posted_rows(ctx)
    try:
        if len(text) > MAX_ROWS_FIELD:
            raise ValueError("too long")
        given = json.loads(text)
        rows = [(int(row), {"number": str(number), "name": str(name), "note": str(note)})
                for row, number, name, note in given[: sheets.MAX_ROWS]]
    except (ValueError, TypeError):
        ctx.fail(400, "The preview is out of date: upload the file again.")
    preview = check_rows(ctx, rows)
    try:
        report = tasks_of(ctx).add_numbers(task.id, preview.numbers)
    except DiallingError as error:
        return _render(ctx, task, problem=problem_text(ctx, error), status=409)
    ctx.audit("dial_task_imported", f"dialling task {task.id}", structured_detail(
        rows=len(rows), added=report.added, merged=report.merged, blocked=report.blocked,
        skipped=len(preview.problems)))
    ctx.redirect(f"/tasks/{task.id}?done=imported&added={report.added}")
    return ""


# ---- export ---------------------------------------------------------------------------------


def _sheet(workbook: Workbook, title: str, header: list[str], widths: list[int], *,
           first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title[:31]
    sheet.append(header)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def export_task(ctx: Ctx, task_id: int) -> bytes:
    """The task's numbers with their results, and every attempt, as a workbook."""
    task = task_seen(ctx, task_id)
    t = ctx.t
    store = tasks_of(ctx)
    numbers = store.numbers(task_id, limit=None)
    attempts = store.attempts_of(n.id for n in numbers)
    workbook = Workbook()
    safe = sheets.safe_cell
    numbers_sheet = _sheet(workbook, t("Numbers"), [
        t("Number"), t("Name"), t("Note"), t("State"), t("Result"), t("Blocked by"),
        t("Attempts"), t("Last attempt"), t("Customer")], [18, 24, 30, 12, 30, 24, 10, 20, 10],
        first=True)
    attempts_sheet = _sheet(workbook, t("Attempts"), [
        t("Number"), t("Name"), t("Attempt"), t("Line"), t("Started"), t("Decided"),
        t("Result"), t("Seconds to decide"), t("Message left"), t("Call"), t("Why")],
        [18, 24, 10, 8, 20, 20, 30, 12, 12, 10, 30])
    for number in numbers:
        tried = attempts[number.id]
        result = number.result if number.state == "done" else None
        numbers_sheet.append([
            safe(number.number), safe(number.name), safe(number.note),
            t({"waiting": "Waiting", "dialling": "Calling now", "done": "Done"}[number.state]),
            t(RESULT_NAMES[result]) if result in RESULT_NAMES else "",
            blocked_text(t, number.blocked_by) if number.blocked_by else "",
            number.attempts, t.datetime(tried[-1].started_at) if tried else "",
            number.customer_id or "",
        ])
        for index, attempt in enumerate(tried, start=1):
            attempts_sheet.append([
                safe(number.number), safe(number.name), index, attempt.line,
                t.datetime(attempt.started_at, seconds=True),
                t.datetime(attempt.decided_at, seconds=True) if attempt.decided_at else "",
                t(RESULT_NAMES[attempt.result]) if attempt.result in RESULT_NAMES else "",
                attempt.decided_s if attempt.decided_s is not None else "",
                t("yes") if attempt.message_left else "",
                attempt.call_id or "", safe(attempt.detail),
            ])
    ctx.audit("dial_task_exported", f"dialling task {task_id}",
              structured_detail(name=task.name, rows=len(numbers)))
    return sheets._workbook_response(ctx, workbook, f"task-{task_id}-results.xlsx")
