"""The knowledge base: answers to customers' questions in a tree of categories, searched in
Chinese and English, shown beside the caller's card.

Everyone signed in reads it (the tree, the entries, the search); users with the
``knowledge`` flag and admins add, change and delete entries and categories, and import
and export them as Excel (title, category path, keywords, text). Every change is
audited. The store is ``firmware.store.knowledge``; the page's search is its
``Knowledge.search``, and the caller's card shows ``answers_for`` a customer: up to
three entries about the customer's topics (``customer_topics``), for a customer the
user may see.

The entry form reads its fields in ``_typed_entry`` and checks them in
``_entry_problems``; the template ``knowledge_form.tpl`` draws them: a further kind of
field goes in those three places.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from firmware.store.audit import structured_detail
from firmware.store.custom_fields import CustomFields, Field
from firmware.store.knowledge import (
    BODY_LIMIT,
    CATEGORY_NAME_LIMIT,
    DEPTH_LIMIT,
    KEYWORDS_LIMIT,
    QUERY_LIMIT,
    TITLE_LIMIT,
    Entry,
    Hit,
    Knowledge,
    KnowledgeError,
    customer_topics,
    marked,
    query_words,
)
from webui.context import Ctx
from webui.messages_zh import ZH
from webui.pages import customer_sheets as sheets
from webui.pages.custom_inputs import (
    check_typed,
    error_text,
    fields_of,
    stored_as_typed,
    typed_values,
)

PAGE_SIZE = 50
HITS_SHOWN = 50
ANSWERS_SHOWN = 3
COLUMNS = (("title", "Title"), ("category", "Category"), ("keywords", "Keywords"),
           ("body", "Answer"))
_HEADERS = {
    **{english.casefold(): key for key, english in COLUMNS},
    **{ZH[english]: key for key, english in COLUMNS},
    "category path": "category",
    "text": "body",
    "body": "body",
}
# The store's refusals a user can cause, in words of the page (the rest: as they are).
_STORE_PROBLEMS = {
    "a category cannot go below itself": "A category cannot go below itself.",
    "the category is not empty: move or delete what is in it":
        "The category is not empty: move or delete what is in it first.",
    "a category's name has no /": "A category's name has no /.",
}


def knowledge_of(ctx: Ctx) -> Knowledge:
    return Knowledge(ctx.deps.store)


def may_edit(ctx: Ctx) -> bool:
    return ctx.can("knowledge") or ctx.can("admin")


def _need_edit(ctx: Ctx) -> None:
    if not may_edit(ctx):
        ctx.fail(403, "You do not have permission for this.")


def _problem_text(ctx: Ctx, error: KnowledgeError) -> str:
    text = str(error)
    if text in _STORE_PROBLEMS:
        return ctx.t(_STORE_PROBLEMS[text])
    if text.startswith("there is a category named"):
        return ctx.t("There is a category of that name there already.")
    if "levels deep" in text:
        return ctx.t("Categories go at most {n} levels deep.", n=DEPTH_LIMIT)
    return text


def _id_or_none(ctx: Ctx, text: str) -> int | None:
    """An id typed in a query or a form: None when empty, 404 when it is no id."""
    if not text:
        return None
    if not text.isdigit() or len(text) > 18:
        ctx.fail(404, "Not found.")
    return int(text)


def _known_category(ctx: Ctx, category_id: int | None) -> int | None:
    if category_id is not None and knowledge_of(ctx).category(category_id) is None:
        ctx.fail(404, "Not found.")
    return category_id


# ---- the caller's card ----------------------------------------------------------------------


def answers_for(ctx: Ctx, customer) -> list[Hit]:
    """Up to three entries about the customer's topics; none for a customer the user may
    not see."""
    if customer is None:
        return []
    topics = customer_topics(ctx.deps.store, customer.id, ctx.principal.owner_scope())
    return knowledge_of(ctx).answers(topics, ANSWERS_SHOWN) if topics else []


# ---- reading ------------------------------------------------------------------------------


def knowledge_page(ctx: Ctx) -> str:
    kb = knowledge_of(ctx)
    query = ctx.query("q")[:QUERY_LIMIT]
    category_id = _known_category(ctx, _id_or_none(ctx, ctx.query("category")))
    page_text = ctx.query("page", "1")
    page = int(page_text) if page_text.isdigit() and 0 < len(page_text) < 6 else 1
    page = max(page, 1)
    hits: list[Hit] = []
    entries: list[Entry] = []
    total = 0
    if query:
        hits = kb.search(query, limit=HITS_SHOWN, category_id=category_id)
    else:
        total = kb.count(category_id)
        entries = kb.entries(category_id, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    paths = kb.paths()
    return ctx.render(
        "knowledge.tpl", tree=kb.tree(), paths=paths, query=query, category_id=category_id,
        hits=hits, entries=entries, total=total, page=page,
        has_next=page * PAGE_SIZE < total, editor=may_edit(ctx), notice=ctx.query("done"),
        query_limit=QUERY_LIMIT,
    )


def _entry_of(ctx: Ctx, entry_id: int) -> Entry:
    entry = knowledge_of(ctx).entry(entry_id)
    if entry is None:
        ctx.fail(404, "Not found.")
    return entry


def entry_page(ctx: Ctx, entry_id: int) -> str:
    """An entry; opened from a search (``q``), with the words searched for highlighted."""
    entry = _entry_of(ctx, entry_id)
    paths = knowledge_of(ctx).paths()
    words = query_words(ctx.query("q")[:QUERY_LIMIT])
    return ctx.render("knowledge_entry.tpl", entry=entry, path=paths.get(entry.category_id, ""),
                      body=marked(entry.body, words), editor=may_edit(ctx),
                      notice=ctx.query("done"), custom_fields=fields_of(ctx, "knowledge"),
                      custom_values=CustomFields(ctx.deps.store).values_of("knowledge",
                                                                           entry.id))


# ---- the entry form ---------------------------------------------------------------------------


def _typed_entry(ctx: Ctx) -> dict:
    return {
        "title": ctx.form("title")[: TITLE_LIMIT * 2],
        "category": ctx.form("category")[:20],
        "keywords": ctx.form("keywords")[: KEYWORDS_LIMIT * 2],
        "body": (ctx.request.forms.getunicode("body") or "")[: BODY_LIMIT + 100]
        .replace("\r\n", "\n").strip(),
        "custom": typed_values(ctx, fields_of(ctx, "knowledge")),
    }


def _entry_problems(ctx: Ctx, typed: dict) -> tuple[dict[str, str], int | None, dict]:
    """The problems of each field, the category chosen and the custom values to keep."""
    t = ctx.t
    kept, problems = check_typed(ctx, "knowledge", typed["custom"])
    if not typed["title"]:
        problems["title"] = t("An entry needs a title.")
    elif len(typed["title"]) > TITLE_LIMIT:
        problems["title"] = t("At most {n} characters.", n=TITLE_LIMIT)
    if len(typed["keywords"]) > KEYWORDS_LIMIT:
        problems["keywords"] = t("At most {n} characters.", n=KEYWORDS_LIMIT)
    if len(typed["body"]) > BODY_LIMIT:
        problems["body"] = t("At most {n} characters.", n=BODY_LIMIT)
    category_id = None
    if typed["category"]:
        if typed["category"].isdigit() and len(typed["category"]) < 19:
            category_id = int(typed["category"])
        if category_id is None or knowledge_of(ctx).category(category_id) is None:
            problems["category"] = t("Choose a category from the list.")
    return problems, category_id, kept


def _form(ctx: Ctx, saved: Entry | None, typed: dict, problems: dict, status: int = 200
          ) -> str:
    ctx.response.status = status
    kb = knowledge_of(ctx)
    return ctx.render("knowledge_form.tpl", saved=saved, typed=typed, problems=problems,
                      tree=kb.tree(), paths=kb.paths(), title_limit=TITLE_LIMIT,
                      keywords_limit=KEYWORDS_LIMIT, body_limit=BODY_LIMIT,
                      custom_fields=fields_of(ctx, "knowledge"))


def new_entry_page(ctx: Ctx) -> str:
    _need_edit(ctx)
    category_id = _known_category(ctx, _id_or_none(ctx, ctx.query("category")))
    typed = {"title": "", "category": str(category_id or ""), "keywords": "", "body": "",
             "custom": stored_as_typed(fields_of(ctx, "knowledge"), {})}
    return _form(ctx, None, typed, {})


def new_entry_submit(ctx: Ctx) -> str:
    _need_edit(ctx)
    typed = _typed_entry(ctx)
    problems, category_id, kept = _entry_problems(ctx, typed)
    if problems:
        return _form(ctx, None, typed, problems, 400)
    try:
        with ctx.deps.store.transaction():  # the entry with its custom values, or nothing
            entry_id = knowledge_of(ctx).add(typed["title"], typed["keywords"], typed["body"],
                                             category_id, by=ctx.user.shown_name,
                                             now=ctx.deps.clock())
            entry = knowledge_of(ctx).entry(entry_id)
            custom = CustomFields(ctx.deps.store).write("knowledge", entry_id, kept)
            ctx.audit("knowledge_entry_added", f"knowledge entry {entry_id}", structured_detail(
                title=entry.title, knowledge_category=knowledge_of(ctx).paths().get(category_id),
                keywords=entry.keywords or None, answer=entry.body or None,
                custom={name: after for name, _, after in custom} or None))
    except KnowledgeError as error:  # the category was deleted meanwhile
        return _form(ctx, None, typed, {"category": _problem_text(ctx, error)}, 409)
    ctx.redirect(f"/knowledge/{entry_id}?done=added")


def edit_entry_page(ctx: Ctx, entry_id: int) -> str:
    _need_edit(ctx)
    entry = _entry_of(ctx, entry_id)
    typed = {"title": entry.title, "category": str(entry.category_id or ""),
             "keywords": entry.keywords, "body": entry.body,
             "custom": stored_as_typed(fields_of(ctx, "knowledge"), CustomFields(
                 ctx.deps.store).values_of("knowledge", entry.id))}
    return _form(ctx, entry, typed, {})


def _record_entry_change(ctx: Ctx, entry, after, custom: list[tuple]) -> None:
    """The audit entry of an edit: each changed field's before and after."""
    paths = knowledge_of(ctx).paths()
    changes = [(label, old, new) for label, old, new in (
        ("title", entry.title, after.title),
        ("knowledge_category", paths.get(entry.category_id, ""), paths.get(after.category_id, "")),
        ("keywords", entry.keywords, after.keywords),
        ("answer", entry.body, after.body),
    ) if old != new] + custom
    if changes:
        ctx.audit("knowledge_entry_changed", f"knowledge entry {entry.id}",
                  structured_detail(changes=changes))


def edit_entry_submit(ctx: Ctx, entry_id: int) -> str:
    _need_edit(ctx)
    entry = _entry_of(ctx, entry_id)
    typed = _typed_entry(ctx)
    problems, category_id, kept = _entry_problems(ctx, typed)
    if problems:
        return _form(ctx, entry, typed, problems, 400)
    kb = knowledge_of(ctx)
    try:
        with ctx.deps.store.transaction():  # the whole form, or nothing of it
            kb.update(entry.id, typed["title"], typed["keywords"], typed["body"], category_id,
                      by=ctx.user.shown_name, now=ctx.deps.clock())
            _record_entry_change(ctx, entry, kb.entry(entry.id),
                                 CustomFields(ctx.deps.store).write("knowledge", entry.id, kept))
    except KnowledgeError as error:
        return _form(ctx, entry, typed, {"category": _problem_text(ctx, error)}, 409)
    ctx.redirect(f"/knowledge/{entry.id}?done=saved")


def entry_delete(ctx: Ctx, entry_id: int) -> str:
    _need_edit(ctx)
    entry = _entry_of(ctx, entry_id)
    knowledge_of(ctx).delete(entry.id)
    CustomFields(ctx.deps.store).forget("knowledge", entry.id)
    ctx.audit("knowledge_entry_deleted", f"knowledge entry {entry.id}",
              structured_detail(title=entry.title, answer=entry.body or None))
    ctx.redirect("/knowledge?done=deleted")


# ---- categories -----------------------------------------------------------------------------


def _categories_form(ctx: Ctx, problem: str = "", status: int = 200, typed: dict | None = None
                     ) -> str:
    ctx.response.status = status
    kb = knowledge_of(ctx)
    uses = {category.id: kb.category_use(category.id) for category, _ in kb.tree()}
    return ctx.render("knowledge_categories.tpl", tree=kb.tree(), paths=kb.paths(), uses=uses,
                      problem=problem, notice=ctx.query("done"), name_limit=CATEGORY_NAME_LIMIT,
                      typed=typed or {"name": "", "parent": "", "position": ""})


def categories_page(ctx: Ctx) -> str:
    _need_edit(ctx)
    return _categories_form(ctx)


def _typed_category(ctx: Ctx) -> tuple[dict, str, int | None, int | None]:
    """The category form as typed, its problem, the parent and the order chosen."""
    typed = {"name": ctx.form("name")[: CATEGORY_NAME_LIMIT * 2],
             "parent": ctx.form("parent")[:20], "position": ctx.form("position")[:10]}
    t = ctx.t
    parent = None
    if typed["parent"]:
        if typed["parent"].isdigit() and len(typed["parent"]) < 19:
            parent = int(typed["parent"])
        if parent is None or knowledge_of(ctx).category(parent) is None:
            return typed, t("Parent category: choose a category from the list."), None, None
    position = None
    if typed["position"]:
        text = typed["position"].lstrip("-")
        if not text.isdigit() or len(text) > 6:
            return typed, t("Order: {value} is not a whole number.", value=typed["position"]), \
                parent, None
        position = int(typed["position"])
    if not typed["name"]:
        return typed, t("Name: a category needs a name."), parent, position
    if len(typed["name"]) > CATEGORY_NAME_LIMIT:
        return typed, t("Name: at most {n} characters.", n=CATEGORY_NAME_LIMIT), parent, position
    return typed, "", parent, position


def category_add(ctx: Ctx) -> str:
    _need_edit(ctx)
    typed, problem, parent, position = _typed_category(ctx)
    if problem:
        return _categories_form(ctx, problem, 400, typed)
    kb = knowledge_of(ctx)
    try:
        category_id = kb.add_category(typed["name"], parent, position)
    except KnowledgeError as error:
        return _categories_form(ctx, _problem_text(ctx, error), 400, typed)
    ctx.audit("knowledge_category_added", f"knowledge category {category_id}",
              structured_detail(knowledge_category=kb.paths()[category_id]))
    ctx.redirect("/knowledge/categories?done=added")


def category_submit(ctx: Ctx, category_id: int) -> str:
    _need_edit(ctx)
    kb = knowledge_of(ctx)
    before = kb.category(category_id)
    if before is None:
        ctx.fail(404, "Not found.")
    paths_before = kb.paths()
    typed, problem, parent, position = _typed_category(ctx)
    if problem:
        return _categories_form(ctx, problem, 400)
    try:
        kb.update_category(before.id, typed["name"], parent,
                           before.position if position is None else position)
    except KnowledgeError as error:
        return _categories_form(ctx, _problem_text(ctx, error), 400)
    after = kb.category(before.id)
    paths = kb.paths()
    changes = [(label, old, new) for label, old, new in (
        ("name", before.name, after.name),
        ("parent", paths_before.get(before.parent_id, ""), paths.get(after.parent_id, "")),
        ("position", before.position, after.position),
    ) if old != new]
    if changes:
        ctx.audit("knowledge_category_changed", f"knowledge category {before.id}",
                  structured_detail(changes=changes))
    ctx.redirect("/knowledge/categories?done=saved")


def category_delete(ctx: Ctx, category_id: int) -> str:
    _need_edit(ctx)
    kb = knowledge_of(ctx)
    category = kb.category(category_id)
    if category is None:
        ctx.fail(404, "Not found.")
    path = kb.paths().get(category.id, category.name)
    try:
        kb.delete_category(category.id)
    except KnowledgeError as error:
        return _categories_form(ctx, _problem_text(ctx, error), 409)
    ctx.audit("knowledge_category_deleted", f"knowledge category {category.id}",
              structured_detail(knowledge_category=path))
    ctx.redirect("/knowledge/categories?done=deleted")


# ---- Excel ------------------------------------------------------------------------------------


def _sheet(workbook: Workbook, ctx: Ctx, custom: list[Field]):
    """The sheet with its header row: the standard columns, then one per custom field of
    the entries (headed by its name, as the customers' sheet does)."""
    sheet = workbook.active
    sheet.title = ctx.t("Knowledge base")[:31]
    sheet.append([ctx.t(english) for _, english in COLUMNS]
                 + [sheets.safe_cell(one.name) for one in custom])
    widths = [40, 30, 30, 80] + [40 if one.type == "memo" else 18 for one in custom]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def export_entries(ctx: Ctx) -> bytes:
    _need_edit(ctx)
    kb = knowledge_of(ctx)
    paths = kb.paths()
    workbook = Workbook()
    custom = CustomFields(ctx.deps.store)
    fields = custom.fields_for("knowledge")
    sheet = _sheet(workbook, ctx, fields)
    entries = kb.entries(None, limit=None)
    values = custom.values_for("knowledge", [entry.id for entry in entries]) if fields else {}
    for entry in entries:
        sheet.append([sheets.safe_cell(value) for value in (
            entry.title, paths.get(entry.category_id, ""), entry.keywords, entry.body)]
            + sheets.custom_cells(fields, values.get(entry.id, {}), ctx.t))
    ctx.audit("knowledge_exported", f"{len(entries)} knowledge entries",
              structured_detail(entries=len(entries)))
    stamp = ctx.t.iso_date(ctx.deps.clock())
    return sheets._workbook_response(ctx, workbook, f"knowledge-{stamp}.xlsx")


def import_template(ctx: Ctx) -> bytes:
    _need_edit(ctx)
    workbook = Workbook()
    fields = fields_of(ctx, "knowledge")
    _sheet(workbook, ctx, fields)
    notes = workbook.create_sheet(ctx.t("How to fill in")[:31])
    notes.column_dimensions["A"].width = 100
    for line in (
        ctx.t("One entry per row, below the header row. Only Title is required."),
        ctx.t("Category: the path from the top, names separated by /, e.g. Network / Router; categories not there yet are made."),  # noqa: E501
        ctx.t("Keywords: words the entry is found by, separated by commas."),
    ):
        notes.append([line])
    if fields:
        notes.append([ctx.t("The columns after Answer are the entries' own fields: {names}.",
                            names=", ".join(one.name for one in fields))])
    return sheets._workbook_response(ctx, workbook, "knowledge-template.xlsx")


@dataclass
class ImportResult:
    added: int = 0


def _row_problem(ctx: Ctx, sheet: str, row: int, problem: str) -> sheets.SheetError:
    if sheet:
        return sheets.SheetError(
            ctx.t("{sheet} sheet, row {row}: {problem}", sheet=sheet, row=row, problem=problem))
    return sheets.SheetError(ctx.t("Row {row}: {problem}", row=row, problem=problem))


def _keys(header: list[str], fields: list[Field] = ()) -> list[str | None]:
    """Each header cell's column: a standard one, else a custom field's key (by its name)."""
    headers = {**{one.name.strip().casefold(): one.key for one in fields}, **_HEADERS}
    return [headers.get(cell.strip().casefold()) for cell in header]


def import_rows(ctx: Ctx, found: list[tuple[str, list[list[str]]]]) -> ImportResult:
    """The entries of the first sheet with a Title column, every row checked first; a bad
    row stops the import with its sheet and row, and nothing is added."""
    chosen = next(((sheet, rows) for sheet, rows in found
                   if rows and "title" in _keys(rows[0])), None)
    if chosen is None:
        if not any(rows for _, rows in found):
            raise sheets.SheetError(ctx.t("The file is empty."))
        raise sheets.SheetError(
            ctx.t("No sheet has a header row with a Title column; start from the template."))
    name, rows = chosen
    custom = CustomFields(ctx.deps.store)
    fields = custom.fields_for("knowledge")
    keys = _keys(rows[0], fields)
    custom_keys = {one.key for one in fields}
    labels = {key: ctx.t(english) for key, english in COLUMNS}
    checked, kept_values = [], []
    for offset, row in enumerate(rows[1:]):
        number = offset + 2
        cells = {key: value for key, value in zip(keys, row, strict=False) if key}
        if not any(cells.values()):
            continue
        title, path = cells.get("title", "").strip(), cells.get("category", "")
        keywords, body = cells.get("keywords", ""), cells.get("body", "")
        for key, value, limit in (("title", title, TITLE_LIMIT),
                                  ("keywords", keywords, KEYWORDS_LIMIT),
                                  ("body", body, BODY_LIMIT)):
            if len(value) > limit:
                raise _row_problem(ctx, name, number, f"{labels[key]}: " + ctx.t(
                    "At most {n} characters.", n=limit))
        if not title:
            raise _row_problem(ctx, name, number, f"{labels['title']}: " + ctx.t(
                "An entry needs a title."))
        names = [part.strip() for part in path.replace("\\", "/").split("/") if part.strip()]
        if len(names) > DEPTH_LIMIT or any(len(part) > CATEGORY_NAME_LIMIT for part in names):
            raise _row_problem(ctx, name, number, f"{labels['category']}: " + ctx.t(
                "Categories go at most {n} levels deep, each name at most {most} characters.",
                n=DEPTH_LIMIT, most=CATEGORY_NAME_LIMIT))
        kept, problems = custom.check_values(
            "knowledge", {key: value for key, value in cells.items() if key in custom_keys},
            fields=fields)
        if problems:  # a custom field's problem names its column already
            raise _row_problem(ctx, name, number, "; ".join(
                error_text(ctx.t, error) for error in problems.values()))
        checked.append((title, "/".join(names), keywords, body))
        kept_values.append(kept)
    if not checked:
        raise sheets.SheetError(ctx.t("The file has no entries below its header row."))
    try:
        with ctx.deps.store.transaction():  # every new entry with its values, or none
            ids = knowledge_of(ctx).add_many(checked, by=ctx.user.shown_name,
                                             now=ctx.deps.clock())
            custom.write_new("knowledge", dict(zip(ids, kept_values, strict=True)))
    except KnowledgeError as error:
        raise sheets.SheetError(str(error)) from error
    return ImportResult(len(ids))


def _limits() -> dict:
    return {"max_mb": sheets.MAX_UPLOAD_BYTES // (1024 * 1024), "max_rows": sheets.MAX_ROWS}


def import_page(ctx: Ctx) -> str:
    _need_edit(ctx)
    return ctx.render("knowledge_import.tpl", problem="", result=None, **_limits())


def import_submit(ctx: Ctx) -> str:
    _need_edit(ctx)
    limits = _limits()
    problem, result = "", None
    try:
        result = import_rows(ctx, sheets.read_sheets(*sheets.uploaded_sheet(ctx), ctx.t))
    except sheets.SheetError as error:
        problem = str(error)
        ctx.response.status = error.status
    if result is not None:
        ctx.audit("knowledge_imported", f"{result.added} knowledge entries",
                  structured_detail(entries=result.added))
    return ctx.render("knowledge_import.tpl", problem=problem, result=result, **limits)

