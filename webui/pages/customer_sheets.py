"""Customers to and from spreadsheets: the Excel export, the import template, the import.

Export (``customers_export``): the customers of the current search, one row
each, as an .xlsx workbook; written to the audit log. A cell that a
spreadsheet could take for a formula (starting with = + - @, a tab or a
carriage return) is written with a leading apostrophe, which the import
takes off again.

Import (``customers_add``, or an admin): an .xlsx workbook or a CSV file
(UTF-8, or GB18030 as Chinese Excel saves it) with a header row naming the
columns in English or Chinese; only Name is required. The upload is
capped, the file's type is told by its content, not its name, and a broken
file is refused with the reason. Every row is checked as the form checks a
customer; a bad row is reported with its row number and why, the good
rows are added, all in one transaction, so a failure half-way adds none.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from firmware.store.audit import structured_detail
from firmware.store.crm import Customer, CustomerNumber
from firmware.store.custom_fields import CustomFields, Field, shown
from firmware.store.dictionary import Dictionary
from webui.context import Ctx
from webui.messages_zh import ZH
from webui.pages.custom_inputs import error_text, listed
from webui.pages.customer_form import read_customer
from webui.pages.customers import list_filters

MAX_UPLOAD_BYTES = 4 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # a workbook is a zip: refuse zip bombs before opening
MAX_ROWS = 5000
MAX_COLUMNS = 50
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_SPLIT = re.compile(r"[;；\n]+")
_LABEL_SPLIT = re.compile(r"[:：]")

# The columns, keyed by the customer field; their header is the English text or its Chinese.
COLUMNS = (
    ("name", "Name"),
    ("company", "Company"),
    ("category", "Group"),
    ("grade", "Level"),
    ("birthday", "Birthday"),
    ("gender", "Gender"),
    ("email", "Email"),
    ("address", "Address"),
    ("notes", "Notes"),
    ("numbers", "Numbers"),
)
EXPORT_ONLY = (("added_by", "Added by"), ("created", "Created"), ("updated", "Latest change"))
_HEADERS = {
    **{english.casefold(): key for key, english in (*COLUMNS, *EXPORT_ONLY)},
    **{ZH[english]: key for key, english in (*COLUMNS, *EXPORT_ONLY)},
    "phone numbers": "numbers",
    ZH["Phone numbers"]: "numbers",
}


class SheetError(ValueError):
    """The uploaded file as a whole cannot be imported; the message is in the user's language."""

    status = 400


class UploadTooBigError(SheetError):
    status = 413


def uploaded_sheet(ctx: Ctx) -> tuple[str, bytes]:
    """The file a sheet import sent (form field ``file``): its name and bytes, read up to
    the limit; ``SheetError`` when there is none or ``UploadTooBigError`` when it is too
    big (told by the request's length before the body is read, when it can be)."""
    too_big = ctx.t("The file is too big: at most {n} MB.", n=MAX_UPLOAD_BYTES // (1024 * 1024))
    if ctx.request.content_length > MAX_UPLOAD_BYTES + 64 * 1024:
        raise UploadTooBigError(too_big)
    upload = ctx.request.files.get("file")
    if upload is None:
        raise SheetError(ctx.t("Choose a file to import."))
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooBigError(too_big)
    return upload.raw_filename or "", data


def safe_cell(value: object) -> object:
    """A value a spreadsheet will show as written, never run as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _unquoted(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def numbers_cell(numbers: tuple[CustomerNumber, ...]) -> str:
    """Numbers as one cell: ``mobile: 13800138000; 01012345678``."""
    return "; ".join(f"{n.label}: {n.number}" if n.label else n.number for n in numbers)


def parse_numbers_cell(text: str) -> list[tuple[str, str]]:
    """The (number, label) pairs of a Numbers cell."""
    pairs = []
    for written in _NUMBER_SPLIT.split(text):
        part = written.strip()
        if not part:
            continue
        pieces = _LABEL_SPLIT.split(part, maxsplit=1)
        label, number = (pieces[0], pieces[1]) if len(pieces) == 2 else ("", pieces[0])
        pairs.append((number.strip(), label.strip()))
    return pairs


def _workbook_response(ctx: Ctx, workbook: Workbook, filename: str) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    ctx.response.content_type = XLSX_TYPE
    ctx.response.set_header("Content-Disposition", f'attachment; filename="{filename}"')
    ctx.response.set_header("Cache-Control", "no-store")
    return buffer.getvalue()


def _header_sheet(workbook: Workbook, ctx: Ctx, columns, custom: list[Field] = ()) -> object:
    """The sheet with its header row: the ``columns``, then a column per custom field
    (headed by its name, as written: safe_cell keeps a name like =x from running)."""
    sheet = workbook.active
    sheet.title = ctx.t("Customers")[:31]
    sheet.append([ctx.t(english) for _, english in columns]
                 + [safe_cell(one.name) for one in custom])
    for index, (key, _) in enumerate(columns, start=1):
        wide = key in ("address", "notes", "numbers")
        sheet.column_dimensions[get_column_letter(index)].width = 40 if wide else 18
    for index, one in enumerate(custom, start=len(columns) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 40 if one.type == "memo" \
            else 18
    sheet.freeze_panes = "A2"
    return sheet


# ---- export ---------------------------------------------------------------------------


def custom_cells(fields: list[Field], values: dict[int, str], t) -> list[object]:
    """A record's custom values as cells, in the fields' order (yes/no in words)."""
    cells: list[object] = []
    for one in fields:
        value = values.get(one.id)
        if value is not None and one.type == "yesno":
            cells.append(t("Yes") if value == "yes" else t("No"))
        else:
            cells.append(safe_cell(shown(one, value)))
    return cells


def export_row(customer: Customer, t) -> list[object]:
    values = {
        "name": customer.name,
        "company": customer.company,
        "category": customer.category,
        "grade": customer.grade,
        "birthday": customer.birthday or "",
        "gender": {"male": t("Male"), "female": t("Female")}.get(customer.gender, ""),
        "email": customer.email,
        "address": customer.address,
        "notes": customer.notes,
        "numbers": numbers_cell(customer.numbers),
        "added_by": customer.added_by_name or "",
        "created": t.datetime(customer.created_at),
        "updated": t.datetime(customer.updated_at),
    }
    return [safe_cell(values[key]) for key, _ in (*COLUMNS, *EXPORT_ONLY)]


def export_customers(ctx: Ctx) -> bytes:
    """The customers of the list's current search (every page of it) as an Excel workbook."""
    filters = list_filters(ctx)
    customers = ctx.deps.customers.search(
        ctx.principal.owner_scope(),
        text=filters.text,
        category=filters.category,
        grade=filters.grade,
        order=filters.order,
        limit=None,
    )
    workbook = Workbook()
    custom = CustomFields(ctx.deps.store)
    fields = custom.fields_for("customer")
    sheet = _header_sheet(workbook, ctx, (*COLUMNS, *EXPORT_ONLY), fields)
    values = custom.values_for("customer", [customer.id for customer in customers]) \
        if fields else {}
    for customer in customers:
        sheet.append(export_row(customer, ctx.t)
                     + custom_cells(fields, values.get(customer.id, {}), ctx.t))
    ctx.audit("customers_exported", target=f"{len(customers)} customers",
              detail=structured_detail(rows=len(customers), search=filters.query() or "-"))
    stamp = ctx.t.iso_date(ctx.deps.clock())
    return _workbook_response(ctx, workbook, f"customers-{stamp}.xlsx")


def import_template(ctx: Ctx) -> bytes:
    workbook = Workbook()
    fields = CustomFields(ctx.deps.store).fields_for("customer")
    _header_sheet(workbook, ctx, COLUMNS, fields)
    notes = workbook.create_sheet(ctx.t("How to fill in")[:31])
    notes.column_dimensions["A"].width = 100
    for line in (
        ctx.t("One customer per row, below the header row. Only Name is required."),
        ctx.t("Birthday: YYYY-MM-DD, e.g. 1985-04-23."),
        ctx.t("Gender: male or female (男 or 女), or empty; text messages greet by it (Mr/Ms, 先生/女士)."),  # noqa: E501
        ctx.t("Numbers: several in one cell, separated by ; with an optional label first, e.g. mobile: 13800138000; office: 010 6512 3456"),  # noqa: E501
        ctx.t("A number may belong to several customers. A row that repeats a customer already in the list (the same name and the same numbers) is not imported again."),  # noqa: E501
        ctx.t("Group and Level: a value of the parameter lists (Settings → Parameter lists), in English or Chinese."),  # noqa: E501
    ):
        notes.append([line])
    if fields:
        notes.append([ctx.t("Custom fields: dates YYYY-MM-DD, links http:// or https://, money like 1234.50, yes/no as yes or no (是 or 否).")])  # noqa: E501
    return _workbook_response(ctx, workbook, "customers-template.xlsx")


# ---- import: reading the file ---------------------------------------------------------


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone number typed into Excel becomes a number
    return _unquoted(str(value).strip())


def _open_workbook(data: bytes, t):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = archive.namelist()
        unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SheetError(t("The file is not an Excel workbook (.xlsx).")) from error
    if "xl/workbook.xml" not in names:
        raise SheetError(t("The file is not an Excel workbook (.xlsx)."))
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(t("The workbook is too big: import at most {n} rows at a time.",
                           n=MAX_ROWS))
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        raise SheetError(t("The workbook is damaged and cannot be read.")) from error


def _sheet_rows(sheet, t) -> list[list[str]]:
    rows: list[list[str]] = []
    try:
        for row in sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True):
            if len(rows) > MAX_ROWS + 1:
                raise SheetError(t("Too many rows: import at most {n} rows at a time.",
                                   n=MAX_ROWS))
            rows.append([_cell_text(value) for value in row])
    except SheetError:
        raise
    except Exception as error:
        raise SheetError(t("The sheet {sheet} is damaged and cannot be read.",
                           sheet=sheet.title)) from error
    return rows


def workbook_sheets(data: bytes, t) -> Iterator[tuple[str, list[list[str]]]]:
    """Each sheet of an uploaded workbook as its name and its rows as text, in the
    workbook's order, each read when asked for; SheetError when the file is no workbook,
    is too big or damaged, or a sheet has too many rows."""
    workbook = _open_workbook(data, t)
    try:
        for sheet in workbook.worksheets:
            yield sheet.title, _sheet_rows(sheet, t)
    finally:
        workbook.close()


def _rows_of_workbook(data: bytes, t, header_key: str = "name", no_header: str = "", *,
                      headers: dict[str, str] | None = None,
                      found: dict | None = None) -> list[list[str]]:
    with closing(workbook_sheets(data, t)) as sheets:
        for name, rows in sheets:
            if rows and header_key in _header_keys(rows[0], headers):
                if found is not None:
                    found["sheet"] = name
                return rows
    raise SheetError(no_header or t(
        "No sheet has a header row with a Name column; start from the template."))


def _rows_of_csv(data: bytes, t) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise SheetError(t("The file is neither an Excel workbook nor a CSV text file."))
    if "\0" in text:
        raise SheetError(t("The file is neither an Excel workbook nor a CSV text file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = []
    try:
        for row in csv.reader(io.StringIO(text), dialect):
            if len(rows) > MAX_ROWS + 1:
                raise SheetError(t("Too many rows: import at most {n} rows at a time.",
                                   n=MAX_ROWS))
            rows.append([_unquoted(cell.strip()) for cell in row[:MAX_COLUMNS]])
    except csv.Error as error:
        raise SheetError(t("The CSV file cannot be read: {problem}", problem=str(error))) from error
    return rows


def read_rows(filename: str, data: bytes, t, *, header_key: str = "name", no_header: str = "",
              headers: dict[str, str] | None = None,
              found: dict | None = None) -> list[list[str]]:
    """The rows of an uploaded file, header first; SheetError if it is not a usable sheet.
    In a workbook, the first sheet whose header row (by ``headers``: the customers' by
    default) has a ``header_key`` column is read (its name put in ``found["sheet"]``);
    ``no_header``: what to say when none has."""
    if _is_workbook(filename, data, t):
        return _rows_of_workbook(data, t, header_key, no_header, headers=headers, found=found)
    return _rows_of_csv(data, t)


def read_sheets(filename: str, data: bytes, t) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of an uploaded file as its name and its rows: a workbook's sheets in
    their order, a CSV file as one sheet named ""; SheetError if it is not a usable file."""
    if _is_workbook(filename, data, t):
        return list(workbook_sheets(data, t))
    return [("", _rows_of_csv(data, t))]


def _is_workbook(filename: str, data: bytes, t) -> bool:
    """Whether ``data`` is to be read as a workbook (else as CSV); SheetError when it is
    empty, or named as a workbook and none."""
    if not data:
        raise SheetError(t("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return True
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise SheetError(t("The file is not an Excel workbook (.xlsx)."))
    return False


def _header_keys(header: list[str], headers: dict[str, str] | None = None) -> list[str | None]:
    known = _HEADERS if headers is None else headers
    return [known.get(cell.strip().casefold()) for cell in header]


# ---- import: checking and adding the rows ---------------------------------------------


@dataclass
class ImportResult:
    added: int = 0
    skipped: list[tuple[int, list[str]]] = field(default_factory=list)  # row number, reasons
    ignored_columns: list[str] = field(default_factory=list)
    sheet: str = ""  # the workbook's sheet read ("" for a CSV file)


_ROW_LISTS = (("category", "customer_groups", "Customer groups"),
              ("grade", "customer_levels", "Customer levels"))


def _check_row_lists(ctx: Ctx, draft, entries: dict[str, list]) -> None:
    """A row's group and level must be values of the parameter lists (or their Chinese)."""
    for key, list_name, title in _ROW_LISTS:
        typed = str(draft.fields.get(key) or "")
        value = listed(entries[list_name], typed)
        if value is None:
            draft.problems.setdefault(key, ctx.t("{value} is not in the list of {list}.",
                                                 value=typed, list=ctx.t(title)))
        else:
            draft.fields[key] = value


def import_rows(ctx: Ctx, rows: list[list[str]], sheet: str = "") -> ImportResult:
    """Check every row, then add the good ones in one transaction."""
    t = ctx.t
    header, body = rows[0], rows[1:]
    custom = CustomFields(ctx.deps.store)
    fields = custom.fields_for("customer")
    # A custom field's column is headed by its name; a standard column keeps its own.
    headers = {**{one.name.strip().casefold(): one.key for one in fields}, **_HEADERS}
    keys = _header_keys(header, headers)
    if "name" not in keys:
        raise SheetError(t("The header row has no Name column; start from the template."))
    result = ImportResult(
        ignored_columns=[cell for cell, key in zip(header, keys, strict=True) if cell and not key],
        sheet=sheet,
    )
    custom_keys = {one.key for one in fields}
    kept_values: dict[int, dict] = {}
    dictionary = Dictionary(ctx.deps.store)
    entries = {list_name: dictionary.entries(list_name) for _, list_name, _ in _ROW_LISTS}
    today = date.fromisoformat(t.iso_date(ctx.deps.clock()))
    country = ctx.deps.country()
    labels = {key: t(english) for key, english in COLUMNS}
    drafts = []
    for offset, row in enumerate(body):
        row_number = offset + 2  # as the spreadsheet numbers it, after the header
        cells = dict(zip(keys, row, strict=False))
        cells.pop(None, None)
        if not any(value for value in cells.values()):
            continue
        draft = read_customer(
            cells, parse_numbers_cell(cells.get("numbers", "")), country=country, today=today, t=t
        )
        _check_row_lists(ctx, draft, entries)
        kept, custom_problems = custom.check_values(
            "customer", {key: value for key, value in cells.items() if key in custom_keys},
            fields=fields)
        if not draft.ok or custom_problems:
            reasons = []
            for place, problem in draft.problems.items():
                column = labels["numbers"] if place.startswith("number") else labels.get(place)
                reasons.append(f"{column}: {problem}")
            # A custom field's problem names its column already: "Budget: ten is not ...".
            reasons += [error_text(t, error) for error in custom_problems.values()]
            result.skipped.append((row_number, reasons))
            continue
        drafts.append((row_number, draft))
        kept_values[row_number] = kept
    _skip_repeated_customers(ctx, drafts, result)
    with ctx.deps.store.transaction():  # every new customer with its values, or none
        ids = ctx.deps.customers.create_many(
            [(draft.fields, draft.numbers) for _, draft in drafts], added_by=ctx.user.id
        )
        custom.write_new("customer", {customer_id: kept_values[row_number]
                                      for customer_id, (row_number, _) in zip(ids, drafts,
                                                                              strict=True)})
    result.added = len(drafts)
    result.skipped.sort()
    return result


def _skip_repeated_customers(ctx: Ctx, drafts: list, result: ImportResult) -> None:
    """The rule of the customer form: a number may belong to several customers (a
    switchboard, a family), so a known number is no reason to refuse a row. A row
    that repeats a customer already there (the same name and the same numbers,
    among the customers this user may see, or an earlier row) is left out, so
    that importing a workbook twice does not double the list. Customers the
    user may not see are never looked at: the answer tells nothing about them."""
    scope = ctx.principal.owner_scope()
    seen: set[tuple[str, frozenset[str]]] = set()
    kept = []
    for row_number, draft in drafts:
        numbers = [number.number_e164 or number.number for number in draft.numbers]
        identity = (draft.fields["name"].strip().casefold(), frozenset(numbers))
        repeated = identity in seen or any(
            (existing.name.strip().casefold(), frozenset(
                number.number_e164 or number.number for number in existing.numbers
            )) == identity
            for key in numbers[:1]
            for existing in ctx.deps.customers.by_number(key, key, scope)
        )
        if repeated:
            result.skipped.append(
                (row_number, [ctx.t("{name} is already in the list with the same numbers.",
                                    name=draft.fields["name"])])
            )
            continue
        seen.add(identity)
        kept.append((row_number, draft))
    drafts[:] = kept


# ---- the pages ---------------------------------------------------------------------------


def _import_headers(ctx: Ctx) -> dict[str, str]:
    fields = CustomFields(ctx.deps.store).fields_for("customer")
    return {**{one.name.strip().casefold(): one.key for one in fields}, **_HEADERS}


def _may_import(ctx: Ctx) -> None:
    if not (ctx.can("customers_add") or ctx.can("admin")):
        ctx.fail(403, "You do not have permission for this.")


def import_page(ctx: Ctx) -> str:
    _may_import(ctx)
    return ctx.render("customer_import.tpl", problem="", result=None,
                      max_mb=MAX_UPLOAD_BYTES // (1024 * 1024), max_rows=MAX_ROWS)


def import_template_download(ctx: Ctx) -> bytes:
    _may_import(ctx)
    return import_template(ctx)


def import_submit(ctx: Ctx) -> str:
    _may_import(ctx)
    limits = {"max_mb": MAX_UPLOAD_BYTES // (1024 * 1024), "max_rows": MAX_ROWS}
    problem = ""
    result = None
    try:
        name, data = uploaded_sheet(ctx)
        found: dict = {}
        rows = read_rows(name, data, ctx.t, found=found, headers=_import_headers(ctx))
        if not rows:
            raise SheetError(ctx.t("The file is empty."))
        result = import_rows(ctx, rows, found.get("sheet", ""))
    except SheetError as error:
        problem = str(error)
        ctx.response.status = error.status
    if problem:
        ctx.response.status = max(ctx.response.status_code, 400)
    elif result.added:
        ctx.audit("customers_imported", target=f"{result.added} customers",
                  detail=structured_detail(rows=result.added, skipped=len(result.skipped)))
    return ctx.render("customer_import.tpl", problem=problem, result=result, **limits)
