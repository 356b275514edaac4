"""The call firewall to and from Excel: the lists exported as a workbook, the import's
template, and the import of a workbook or a CSV file.

Who may: whoever sees the firewall (``firewall.may_see``); an operator's import waits for
a leader's approval while the admin's switch is on, as their other changes of the lists
(``firewall.needs_approval``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl import Workbook

from firmware.store.audit import structured_detail
from firmware.store.firewall import (
    ACTIONS,
    LISTS,
    FirewallError,
    ListEntry,
    PendingChange,
    check_entry,
)
from webui.context import Ctx
from webui.messages_zh import ZH
from webui.pages import customer_sheets as sheets
from webui.pages.firewall import (
    ACTION_NAMES,
    LIST_NAMES,
    actor_of,
    expiry_of,
    firewall_of,
    kept_number,
    need_see,
    needs_approval,
    problem_text,
    tell_engine,
)

# The spreadsheet's columns, keyed by field; their header is the English text or its Chinese.
COLUMNS = (("list", "List"), ("number", "Number"), ("note", "Note"), ("action", "Action"),
           ("prompt", "Message prompt"), ("expires", "Expires"))
EXPORT_ONLY = (("added_by", "Added by"), ("added", "Added"))
_HEADERS = {
    **{english.casefold(): key for key, english in (*COLUMNS, *EXPORT_ONLY)},
    **{ZH[english]: key for key, english in (*COLUMNS, *EXPORT_ONLY)},
}
_LIST_WORDS = {
    **{name: name for name in LISTS},
    **{english.casefold(): name for name, english in LIST_NAMES.items()},
    **{ZH[english]: name for name, english in LIST_NAMES.items()},
    "": "black",
}
_ACTION_WORDS = {
    **{name: name for name in ACTIONS},
    **{english.casefold(): name for name, english in ACTION_NAMES.items()},
    **{ZH[english]: name for name, english in ACTION_NAMES.items()},
    "": "reject",
}


def export_lists(ctx: Ctx) -> bytes:
    """Both lists (or the one chosen, with the page's search) as an Excel workbook."""
    need_see(ctx)
    chosen = ctx.query("list")
    chosen = chosen if chosen in LISTS else None
    text = ctx.query("q")[:60]
    entries = firewall_of(ctx).entries(chosen, text, limit=None)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ctx.t("Call firewall")[:31]
    sheet.append([ctx.t(english) for _, english in (*COLUMNS, *EXPORT_ONLY)])
    for entry in entries:
        sheet.append([sheets.safe_cell(value) for value in (
            ctx.t(LIST_NAMES[entry.list]), entry.number, entry.note,
            ctx.t(ACTION_NAMES[entry.action]) if entry.list == "black" else "",
            entry.message_prompt or "",
            ctx.t.iso_date(entry.expires_at - 1) if entry.expires_at else "",
            entry.added_by_name, ctx.t.datetime(entry.added_at))])
    for letter, width in zip("ABCDEFGH", (14, 20, 40, 28, 18, 12, 14, 20), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    ctx.audit("firewall_exported", target="firewall", detail=structured_detail(
        rows=len(entries), list=chosen, search=text or None))
    stamp = ctx.t.iso_date(ctx.deps.clock())
    return sheets._workbook_response(ctx, workbook, f"firewall-{stamp}.xlsx")


def import_template_download(ctx: Ctx) -> bytes:
    need_see(ctx)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ctx.t("Call firewall")[:31]
    sheet.append([ctx.t(english) for _, english in COLUMNS])
    sheet.append([ctx.t("Black list"), "13800138000", ctx.t("Sales calls"),
                  ctx.t(ACTION_NAMES["reject"]), "", ""])
    notes = workbook.create_sheet(ctx.t("How to fill in")[:31])
    notes.column_dimensions["A"].width = 100
    for line in (
        ctx.t("One number per row, below the header row. Only Number is required."),
        ctx.t("List: Black list or Red list (empty: black). Action, for the black list: Reject: answer and hang up, or Answer with a message (then the message's prompt)."),  # noqa: E501
        ctx.t("Expires: YYYY-MM-DD, the last day the entry counts; empty: never."),
    ):
        notes.append([line])
    return sheets._workbook_response(ctx, workbook, "firewall-template.xlsx")


@dataclass
class ImportResult:
    added: int = 0
    filed: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)  # row number, why


def _header_keys(header: list[str]) -> list[str | None]:
    return [_HEADERS.get(cell.strip().casefold()) or _HEADERS.get(cell.strip())
            for cell in header]


def _entry_of_row(ctx: Ctx, cells: dict[str, str]) -> ListEntry:
    list_name = _LIST_WORDS.get(cells.get("list", "").strip().casefold())
    if list_name is None:
        raise FirewallError("Choose the black or the red list.")
    action = _ACTION_WORDS.get(cells.get("action", "").strip().casefold())
    if action is None:
        raise FirewallError("Choose reject or answer with a message.")
    return ListEntry(0, list_name, kept_number(ctx, cells.get("number", "")),
                     cells.get("note", ""), action if list_name == "black" else "reject",
                     (cells.get("prompt") or None) if list_name == "black" else None,
                     expires_at=expiry_of(ctx, cells.get("expires", "")))


def import_rows(ctx: Ctx, rows: list[list[str]]) -> ImportResult:
    """Check every row; the good ones are added (or filed for approval) in one go."""
    keys = _header_keys(rows[0])
    if "number" not in keys:
        raise sheets.SheetError(
            ctx.t("The header row has no Number column; start from the template."))
    result = ImportResult()
    firewall = firewall_of(ctx)
    good: list[ListEntry] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows[1:]):
        row_number = offset + 2
        cells = {key: value for key, value in zip(keys, row, strict=False) if key}
        if not any(cells.values()):
            continue
        try:
            entry = _entry_of_row(ctx, cells)
            listed = firewall.listed(entry.number)
            if listed is not None or entry.number in seen:
                raise FirewallError(
                    "{number} is on the red list already." if listed and listed.list == "red"
                    else "{number} is on the black list already.", number=entry.number)
            check_entry(entry)
        except FirewallError as error:
            result.skipped.append((row_number, problem_text(ctx, error)))
            continue
        seen.add(entry.number)
        good.append(entry)
    if good:
        if needs_approval(ctx):
            firewall.file_many([PendingChange(0, "add", e.list, e.number, e.note, e.action,
                                              e.message_prompt, e.expires_at,
                                              group_id=ctx.user.group_id) for e in good],
                               actor_of(ctx))
            result.filed = True
        else:
            firewall.add_many(good, actor_of(ctx))
            tell_engine(ctx)
    result.added = len(good)
    return result


def _limits(ctx: Ctx) -> dict:
        return {"max_mb": sheets.MAX_UPLOAD_BYTES // (1024 * 1024), "max_rows": sheets.MAX_ROWS,
            "needs_approval": needs_approval(ctx)}


def import_page(ctx: Ctx) -> str:
    need_see(ctx)
    return ctx.render("firewall_import.tpl", problem="", result=None, **_limits(ctx))


def import_submit(ctx: Ctx) -> str:
    need_see(ctx)
    limits = _limits(ctx)
    biggest = sheets.MAX_UPLOAD_BYTES
    problem, result = "", None
    upload = ctx.request.files.get("file") \
        if ctx.request.content_length <= biggest + 64 * 1024 else None
    try:
        if ctx.request.content_length > biggest + 64 * 1024:
            raise sheets.UploadTooBigError(ctx.t("The file is too big: at most {n} MB.",
                                          n=limits["max_mb"]))
        if upload is None:
            raise sheets.SheetError(ctx.t("Choose a file to import."))
        data = upload.file.read(biggest + 1)
        if len(data) > biggest:
            raise sheets.UploadTooBigError(ctx.t("The file is too big: at most {n} MB.",
                                          n=limits["max_mb"]))
        no_header = ctx.t("No sheet has a header row with a Number column; start from the template.")  # noqa: E501
        rows = sheets.read_rows(upload.raw_filename or "", data, ctx.t, header_key="number",
                         no_header=no_header, headers=_HEADERS)
        if not rows:
            raise sheets.SheetError(ctx.t("The file is empty."))
        result = import_rows(ctx, rows)
    except sheets.SheetError as error:
        problem = str(error)
        ctx.response.status = error.status
    except FirewallError as error:  # the lists changed while the file was read
        problem = problem_text(ctx, error)
        ctx.response.status = 409
    return ctx.render("firewall_import.tpl", problem=problem, result=result, **limits)
