"""The call firewall to and from Excel: the export, the import's template, and the import.

The workbook has two sheets, with their column headers in the reader's language: the
black and red lists, one number per row, and the rules, one per row in their order.

The import takes an .xlsx workbook (or a CSV file: one sheet) and finds each sheet by its
header row, in English or Chinese: the lists' by a Number column, the rules' by a Kind
column; a workbook with only the lists, as exported before the rules were, imports as
it did. Each row is checked as the page's forms check an entry or a rule:

- a list row with a problem is listed with its row number and left out (so is a number
  on a list already); the others are added together;
- every rule row must be right: the first with a problem stops the import with one line
  naming its sheet, its row and what is wrong, and nothing is imported. A rule the box
  has already (the same ``Rule.identity``) is left as it is; the others are added after
  the rules kept, in the sheet's order. Only an admin adds rules (as on the page).

The numbers and the rules are added in one transaction, all or none, each rule with its
audit entry and the import with one entry. An operator's numbers wait for a leader's
approval while the admin's switch is on, as their other changes of the lists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from firmware.store.audit import structured_detail
from firmware.store.firewall import (
    ACTIONS,
    ERRORS,
    LISTS,
    RULE_KINDS,
    WEEKDAYS,
    WITHHELD_REASONS,
    FirewallError,
    ListEntry,
    PendingChange,
    Rule,
    check_entry,
    check_rule,
)
from webui.audit_text import DAY_NAMES, schedule
from webui.context import Ctx
from webui.messages_zh import ZH
from webui.pages import customer_sheets as sheets
from webui.pages.firewall import (
    ACTION_NAMES,
    KIND_NAMES,
    LIST_NAMES,
    REASON_NAMES,
    WINDOW_ROWS,
    actor_of,
    expiry_of,
    firewall_of,
    kept_number,
    known_prompts,
    need_see,
    needs_approval,
    problem_text,
    tell_engine,
)

# The lists sheet's columns, keyed by field; their header is the English text or its Chinese.
COLUMNS = (
    ("list", "List"),
    ("number", "Number"),
    ("note", "Note"),
    ("action", "Action"),
    ("prompt", "Message prompt"),
    ("expires", "Expires"),
)
EXPORT_ONLY = (("added_by", "Added by"), ("added", "Added"))
# The rules sheet's columns; a row fills in those of its kind.
RULE_COLUMNS = (
    ("kind", "Kind"),
    ("prefix", "Prefix"),
    ("reasons", "Withheld caller ID"),
    ("province", "Province"),
    ("city", "City"),
    ("windows", "Time windows"),
    ("action", "Action"),
    ("prompt", "Message prompt"),
    ("enabled", "Enabled"),
    ("note", "Note"),
)
RULE_EXPORT_ONLY = (("added_by", "Added by"), ("added", "Added"))
# Every sentence of a rule row's problems written here (the store's are its ERRORS).
ROW_ERRORS = (
    "{value} is not a kind of rule: write By prefix, Withheld number, By location or By time of day.",  # noqa: E501
    "{value} is not a reason a caller ID is withheld: write private, unavailable or no caller ID.",
    "{value} is not a time window: write the days, then the start and the end, e.g. Mon–Fri 18:00–08:00.",  # noqa: E501
    "{value} is not a day of the week.",
    "{value} is neither yes nor no.",
    "{prompt} is not a prompt of the box (Settings → Prompts).",
    "Only an admin adds or changes rules, and this rule is not on the box.",
)


def _words(names: dict[str, str], *, empty: str | None = None) -> dict[str, str]:
    """What a cell may say for each of ``names``: the name itself, its English, its Chinese."""
    words = {name.casefold(): name for name in names}
    words |= {english.casefold(): name for name, english in names.items()}
    words |= {ZH[english]: name for name, english in names.items()}
    if empty is not None:
        words[""] = empty
    return words


def _headers(columns) -> dict[str, str]:
    return {english.casefold(): key for key, english in columns} | {
        ZH[english]: key for key, english in columns
    }


_HEADERS = _headers((*COLUMNS, *EXPORT_ONLY))
_RULE_HEADERS = _headers((*RULE_COLUMNS, *RULE_EXPORT_ONLY))
_LIST_WORDS = _words({name: LIST_NAMES[name] for name in LISTS}, empty="black")
_ACTION_WORDS = _words({name: ACTION_NAMES[name] for name in ACTIONS}, empty="reject")
_KIND_WORDS = _words({kind: KIND_NAMES[kind] for kind in RULE_KINDS})
_REASON_WORDS = _words({reason: REASON_NAMES[reason] for reason in WITHHELD_REASONS})
_YES_NO = {
    "yes": True,
    "no": False,
    ZH["yes"]: True,
    ZH["no"]: False,
    "": True,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
    "on": True,
    "off": False,
}
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_CHINESE_DAYS = "一二三四五六日"
_DAY_WORDS = {
    word: index
    for index, (day, short, full, chinese) in enumerate(
        zip(WEEKDAYS, DAY_NAMES, _FULL_DAYS, _CHINESE_DAYS, strict=True)
    )
    for word in (
        day,
        short.casefold(),
        full,
        ZH[short],
        f"周{chinese}",
        f"星期{chinese}",
        f"礼拜{chinese}",
    )
} | {"周天": 6, "星期天": 6, "礼拜天": 6}
_LIST_SPLIT = re.compile(r"[,，、;；\n]+")
_WINDOW = re.compile(
    r"^(?P<days>.*?)\s*(?P<start>\d{1,2}[:：]\d{2})\s*[-–—~～至到]\s*(?P<end>\d{1,2}[:：]\d{2})$"
)
_DAY_SPLIT = re.compile(r"[/／\s]+")
_DAY_RUN = re.compile(r"[-–—~～至到]")


# ---- export ---------------------------------------------------------------------------------


def _sheet_of(sheet, t, columns, widths) -> None:
    sheet.append([t(english) for _, english in columns])
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def _entry_row(t, entry: ListEntry) -> list[object]:
    return [
        t(LIST_NAMES[entry.list]),
        entry.number,
        entry.note,
        t(ACTION_NAMES[entry.action]) if entry.list == "black" else "",
        entry.message_prompt or "",
        t.iso_date(entry.expires_at - 1) if entry.expires_at else "",
        entry.added_by_name,
        t.datetime(entry.added_at),
    ]


def _rule_row(t, rule: Rule) -> list[object]:
    return [
        t(KIND_NAMES[rule.kind]),
        rule.prefix,
        ", ".join(t(REASON_NAMES[r]) for r in WITHHELD_REASONS if r in rule.reasons),
        rule.province,
        rule.city,
        schedule(t, [window.document() for window in rule.windows]) if rule.windows else "",
        t(ACTION_NAMES[rule.action]),
        rule.message_prompt or "",
        t("yes") if rule.enabled else t("no"),
        rule.note,
        rule.added_by_name,
        t.datetime(rule.added_at),
    ]


def _workbook(t) -> tuple[Workbook, object, object]:
    """A workbook with the lists sheet and the rules sheet, their header rows written."""
    workbook = Workbook()
    lists = workbook.active
    lists.title = t("Black and red lists")[:31]
    rules = workbook.create_sheet(t("Rules")[:31])
    return workbook, lists, rules


def export_firewall(ctx: Ctx) -> bytes:
    """The lists (both, or the one chosen, with the page's search) and every rule, as an
    Excel workbook."""
    need_see(ctx)
    chosen = ctx.query("list")
    chosen = chosen if chosen in LISTS else None
    text = ctx.query("q")[:60]
    firewall = firewall_of(ctx)
    entries = firewall.entries(chosen, text, limit=None)
    rules = firewall.rules()
    workbook, lists, rules_sheet = _workbook(ctx.t)
    _sheet_of(lists, ctx.t, (*COLUMNS, *EXPORT_ONLY), (14, 20, 40, 28, 18, 12, 14, 20))
    for entry in entries:
        lists.append([sheets.safe_cell(value) for value in _entry_row(ctx.t, entry)])
    _sheet_of(
        rules_sheet,
        ctx.t,
        (*RULE_COLUMNS, *RULE_EXPORT_ONLY),
        (18, 12, 24, 12, 12, 36, 28, 18, 10, 40, 14, 20),
    )
    for rule in rules:
        rules_sheet.append([sheets.safe_cell(value) for value in _rule_row(ctx.t, rule)])
    ctx.audit(
        "firewall_exported",
        target="firewall",
        detail=structured_detail(
            rows=len(entries), rules=len(rules), list=chosen, search=text or None
        ),
    )
    stamp = ctx.t.iso_date(ctx.deps.clock())
    return sheets._workbook_response(ctx, workbook, f"firewall-{stamp}.xlsx")


def import_template_download(ctx: Ctx) -> bytes:
    need_see(ctx)
    t = ctx.t
    workbook, lists, rules = _workbook(t)
    _sheet_of(lists, t, COLUMNS, (14, 20, 40, 28, 18, 12))
    lists.append(
        [t("Black list"), "13800138000", t("Sales calls"), t(ACTION_NAMES["reject"]), "", ""]
    )
    _sheet_of(rules, t, RULE_COLUMNS, (18, 12, 24, 12, 12, 36, 28, 18, 10, 40))
    notes = workbook.create_sheet(t("How to fill in")[:31])
    notes.column_dimensions["A"].width = 100
    for line in (
        t("One number per row, below the header row. Only Number is required."),
        t(
            "List: Black list or Red list (empty: black). Action, for the black list: Reject: answer and hang up, or Answer with a message (then the message's prompt)."  # noqa: E501
        ),
        t("Expires: YYYY-MM-DD, the last day the entry counts; empty: never."),
        t(
            "Rules (admins only): one rule per row, in the order they are tried; they are added after the rules the box has."  # noqa: E501
        ),
        t(
            "Kind: By prefix (fill in Prefix, e.g. 0898), Withheld number (Withheld caller ID: private, unavailable, no caller ID, one or more), By location (Province and/or City) or By time of day (Time windows, e.g. Mon–Fri 18:00–08:00, Sat/Sun 00:00–23:59)."  # noqa: E501
        ),
        t("Action and Message prompt as for the lists; Enabled: yes or no (empty: yes)."),
        t(
            "Every row of the rules must be right: the first with a problem stops the import, and nothing is imported. A rule the box has already is left as it is."  # noqa: E501
        ),
    ):
        notes.append([line])
    return sheets._workbook_response(ctx, workbook, "firewall-template.xlsx")


# ---- import: the rows -------------------------------------------------------------------------


@dataclass
class ImportResult:
    added: int = 0  # numbers added, or filed for approval
    filed: bool = False
    skipped: list[tuple[int, str]] = field(default_factory=list)  # list row number, why
    lists_read: bool = False
    rules_read: bool = False
    rules_added: int = 0
    rules_there: int = 0  # rules of the file the box has already


def _header_keys(header: list[str], known: dict[str, str]) -> list[str | None]:
    return [known.get(cell.strip().casefold()) or known.get(cell.strip()) for cell in header]


def _cells(keys: list[str | None], row: list[str]) -> dict[str, str]:
    return {key: value for key, value in zip(keys, row, strict=False) if key}


def _entry_of_row(ctx: Ctx, cells: dict[str, str]) -> ListEntry:
    list_name = _LIST_WORDS.get(cells.get("list", "").strip().casefold())
    if list_name is None:
        raise FirewallError("Choose the black or the red list.")
    action = _ACTION_WORDS.get(cells.get("action", "").strip().casefold())
    if action is None:
        raise FirewallError("Choose reject or answer with a message.")
    return ListEntry(
        0,
        list_name,
        kept_number(ctx, cells.get("number", "")),
        cells.get("note", ""),
        action if list_name == "black" else "reject",
        (cells.get("prompt") or None) if list_name == "black" else None,
        expires_at=expiry_of(ctx, cells.get("expires", "")),
    )


def _entries(ctx: Ctx, rows: list[list[str]], result: ImportResult) -> list[ListEntry]:
    """The good rows of the lists sheet; the others in ``result.skipped``."""
    keys = _header_keys(rows[0], _HEADERS)
    firewall = firewall_of(ctx)
    good: list[ListEntry] = []
    seen: set[str] = set()
    for offset, row in enumerate(rows[1:]):
        cells = _cells(keys, row)
        if not any(cells.values()):
            continue
        try:
            entry = _entry_of_row(ctx, cells)
            listed = firewall.listed(entry.number)
            if listed is not None or entry.number in seen:
                raise FirewallError(
                    "{number} is on the red list already."
                    if listed and listed.list == "red"
                    else "{number} is on the black list already.",
                    number=entry.number,
                )
            check_entry(entry)
        except FirewallError as error:
            result.skipped.append((offset + 2, problem_text(ctx, error)))
            continue
        seen.add(entry.number)
        good.append(entry)
    return good


def _clock(text: str) -> str:
    hours, minutes = text.replace("：", ":").split(":")
    return f"{int(hours):02d}:{minutes}"


def _days(text: str) -> list[str]:
    """Days as written in a time window: ``Mon/Wed``, ``Mon–Fri``, ``周一、周三``."""
    days: list[str] = []
    for token in _DAY_SPLIT.split(text.strip()):
        if not token:
            continue
        ends = [_DAY_WORDS.get(end.strip().casefold()) for end in _DAY_RUN.split(token)]
        if len(ends) > 2 or None in ends:
            raise FirewallError(ROW_ERRORS[3], value=token[:20])
        first, last = ends[0], ends[-1]
        run = range(first, last + 1) if first <= last else [*range(first, 7), *range(last + 1)]
        days += [WEEKDAYS[index] for index in run]
    return days


def _windows(text: str) -> list[dict]:
    """Time windows as the export writes them: ``Mon–Fri 18:00–08:00, Sat/Sun 00:00–23:59``."""
    windows = []
    for written in _LIST_SPLIT.split(text):
        part = written.strip()
        if not part:
            continue
        found = _WINDOW.match(part)
        if found is None:
            raise FirewallError(ROW_ERRORS[2], value=part[:40])
        windows.append(
            {
                "days": _days(found["days"]),
                "start": _clock(found["start"]),
                "end": _clock(found["end"]),
            }
        )
    if len(windows) > WINDOW_ROWS:  # as many as the rule's form holds
        raise FirewallError(ERRORS[10], n=WINDOW_ROWS)
    return windows


def _reasons(text: str) -> frozenset[str]:
    reasons = set()
    for word in _LIST_SPLIT.split(text):
        if word.strip():
            reason = _REASON_WORDS.get(word.strip().casefold())
            if reason is None:
                raise FirewallError(ROW_ERRORS[1], value=word.strip()[:40])
            reasons.add(reason)
    return frozenset(reasons)


def _rule_of_row(cells: dict[str, str], prompts: set[str]) -> Rule:
    """The rule a row of the rules sheet writes, checked as the rule's form checks it."""
    written = cells.get("kind", "").strip()
    kind = _KIND_WORDS.get(written.casefold())
    if kind is None:
        raise (
            FirewallError(ROW_ERRORS[0], value=written[:40])
            if written
            else FirewallError(ERRORS[11])
        )
    action = _ACTION_WORDS.get(cells.get("action", "").strip().casefold())
    if action is None:
        raise FirewallError(ERRORS[2])
    prompt = cells.get("prompt", "").strip() if action == "message" else ""
    if prompt and prompt not in prompts:
        raise FirewallError(ROW_ERRORS[5], prompt=prompt[:40])
    enabled = _YES_NO.get(cells.get("enabled", "").strip().casefold())
    if enabled is None:
        raise FirewallError(ROW_ERRORS[4], value=cells["enabled"][:20])
    return check_rule(
        Rule(
            0,
            kind,
            action,
            prompt or None,
            enabled,
            note=cells.get("note", ""),
            prefix=cells.get("prefix", ""),
            reasons=_reasons(cells.get("reasons", "")) if kind == "withheld" else frozenset(),
            province=cells.get("province", ""),
            city=cells.get("city", ""),
            windows=tuple(_windows(cells.get("windows", ""))) if kind == "time" else (),
        )
    )


def _row_problem(ctx: Ctx, sheet: str, row: int, problem: str) -> sheets.SheetError:
    if sheet:
        return sheets.SheetError(
            ctx.t("{sheet} sheet, row {row}: {problem}", sheet=sheet, row=row, problem=problem)
        )
    return sheets.SheetError(ctx.t("Row {row}: {problem}", row=row, problem=problem))


def _rules(ctx: Ctx, sheet: str, rows: list[list[str]]) -> list[tuple[int, Rule]]:
    """Every rule of the rules sheet with its row number; SheetError at the first bad row."""
    keys = _header_keys(rows[0], _RULE_HEADERS)
    prompts = known_prompts(ctx)
    rules = []
    for offset, row in enumerate(rows[1:]):
        cells = _cells(keys, row)
        if not any(cells.values()):
            continue
        try:
            rules.append((offset + 2, _rule_of_row(cells, prompts)))
        except FirewallError as error:
            raise _row_problem(ctx, sheet, offset + 2, problem_text(ctx, error)) from error
    return rules


def _find(found: list[tuple[str, list[list[str]]]], known: dict[str, str], key: str):
    for name, rows in found:
        if rows and key in _header_keys(rows[0], known):
            return name, rows
    return None


def import_sheets(ctx: Ctx, found: list[tuple[str, list[list[str]]]]) -> ImportResult:
    """Check every row of the lists and rules sheets in ``found``; add what is good (or file
    the numbers for approval), all or none; SheetError when nothing can be imported."""
    if not any(rows for _, rows in found):
        raise sheets.SheetError(ctx.t("The file is empty."))
    lists, rules_sheet = _find(found, _HEADERS, "number"), _find(found, _RULE_HEADERS, "kind")
    if lists is None and rules_sheet is None:
        if len(found) == 1 and not found[0][0]:  # a CSV file
            raise sheets.SheetError(
                ctx.t("The header row has no Number column; start from the template.")
            )
        raise sheets.SheetError(
            ctx.t(
                "No sheet has a header row with a Number column (the lists) or a Kind column (the rules); start from the template."  # noqa: E501
            )
        )
    result = ImportResult(lists_read=lists is not None, rules_read=rules_sheet is not None)
    rules = _rules(ctx, *rules_sheet) if rules_sheet else []
    good = _entries(ctx, lists[1], result) if lists else []
    firewall = firewall_of(ctx)
    there = {rule.identity for rule in firewall.rules()}
    new: list[Rule] = []
    for row_number, rule in rules:
        if rule.identity in there:
            continue
        if not ctx.can("admin"):
            raise _row_problem(ctx, rules_sheet[0], row_number, ctx.t(ROW_ERRORS[6]))
        there.add(rule.identity)
        new.append(rule)
    result.added = len(good)
    if needs_approval(ctx):  # an operator's: never a rule
        if good:
            firewall.file_many(
                [
                    PendingChange(
                        0,
                        "add",
                        e.list,
                        e.number,
                        e.note,
                        e.action,
                        e.message_prompt,
                        e.expires_at,
                        group_id=ctx.user.group_id,
                    )
                    for e in good
                ],
                actor_of(ctx),
            )
            result.filed = True
    elif good or new:
        result.rules_added = firewall.import_all(good, new, actor_of(ctx))[1]
        tell_engine(ctx)
    result.rules_there = len(rules) - result.rules_added
    return result


# ---- the page -------------------------------------------------------------------------------


def _limits(ctx: Ctx) -> dict:
    return {
        "max_mb": sheets.MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_rows": sheets.MAX_ROWS,
        "needs_approval": needs_approval(ctx),
        "admin": ctx.can("admin"),
    }


def import_page(ctx: Ctx) -> str:
    need_see(ctx)
    return ctx.render("firewall_import.tpl", problem="", result=None, **_limits(ctx))


def import_submit(ctx: Ctx) -> str:
    need_see(ctx)
    limits = _limits(ctx)
    problem, result = "", None
    try:
        result = import_sheets(ctx, sheets.read_sheets(*sheets.uploaded_sheet(ctx), ctx.t))
    except sheets.SheetError as error:
        problem = str(error)
        ctx.response.status = error.status
    except FirewallError as error:  # the firewall changed while the file was read
        problem = problem_text(ctx, error)
        ctx.response.status = 409
    return ctx.render("firewall_import.tpl", problem=problem, result=result, **limits)
