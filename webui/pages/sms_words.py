"""Settings → Messages → Sensitive words: the list every outgoing message is checked
against (``firmware.store.sms_words``, ``firmware.sms.outbox``), for admins.

The list is edited as text, one word a line, or imported from a plain text file (UTF-8
or GB18030, one word a line) or an Excel workbook (the first column of every sheet, a
header of Word or 词 left out), added to the list or replacing it; it is exported the
same two ways. A file that cannot be read is one line saying why, and the list stays as
it was. A box of text tries the list on a message. Each change and export is audited.
"""

from __future__ import annotations

import io
from contextlib import closing

from openpyxl import Workbook

from firmware.store.audit import structured_detail
from firmware.store.sms_words import MAX_WORDS, WORD_LIMIT, WordListError, clean
from webui.context import Ctx
from webui.pages import customer_sheets as sheets

MAX_BODY = 5 * 1024 * 1024
HEADERS = {"word", "words", "词", "敏感词", "词语"}
TRY_LIMIT = 2000


def _page(ctx: Ctx, *, problem: str = "", typed: str | None = None, status: int = 200) -> str:
    ctx.response.status = status
    current = ctx.deps.outbox.word_list.current()
    tried = ctx.query("try")[:TRY_LIMIT] if ctx.request.method == "GET" else ""
    return ctx.render(
        "admin_sms_words.tpl", words=current, typed="\n".join(current.words) if typed is None
        else typed, problem=problem, notice=ctx.query("done"), count=ctx.query("n")[:6],
        tried=tried, found=ctx.deps.outbox.words_in(tried) if tried else [],
        word_filter=ctx.deps.config().device.sms.word_filter, max_words=MAX_WORDS,
        max_mb=MAX_BODY // (1024 * 1024))


def words_page(ctx: Ctx) -> str:
    return _page(ctx)


def _save(ctx: Ctx, words: list[str], how: str) -> int:
    """Keep ``words`` as the list; the number kept. WordListError when refused."""
    before = set(ctx.deps.outbox.word_list.current().words)
    saved = ctx.deps.outbox.word_list.save(words, by=ctx.user.shown_name, now=ctx.deps.clock())
    after = set(saved.words)
    ctx.audit("sms_words_changed", "sensitive words", structured_detail(
        how=how, words_added=sorted(after - before) or None,
        words_removed=sorted(before - after) or None, count=len(saved.words)))
    return len(saved.words)


def _refused(ctx: Ctx, error: WordListError) -> str:
    text = str(error)
    if "at most" in text:
        return ctx.t("Too many words: at most {n}.", n=MAX_WORDS)
    return ctx.t("A word is longer than {n} characters: {word}", n=WORD_LIMIT,
                 word=text.split("…", maxsplit=1)[0])


def words_submit(ctx: Ctx) -> str:
    typed = (ctx.request.forms.getunicode("words") or "")[: MAX_BODY]
    try:
        count = _save(ctx, typed.splitlines(), "typed")
    except WordListError as error:
        return _page(ctx, problem=_refused(ctx, error), typed=typed, status=400)
    ctx.redirect(f"/admin/messages/words?done=saved&n={count}")


def _text_words(data: bytes, t) -> list[str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise sheets.SheetError(t("The file is neither an Excel workbook nor a text file of one word a line."))  # noqa: E501
    if "\0" in text:
        raise sheets.SheetError(t("The file is neither an Excel workbook nor a text file of one word a line."))  # noqa: E501
    return text.splitlines()


def _workbook_words(data: bytes, t) -> list[str]:
    words = []
    with closing(sheets.workbook_sheets(data, t)) as found:
        for _, rows in found:
            cells = [row[0].strip() for row in rows if row and row[0].strip()]
            if cells and cells[0].casefold() in HEADERS:
                cells = cells[1:]
            words += cells
    return words


def read_words(filename: str, data: bytes, t) -> list[str]:
    """The words of an uploaded file (see the module's text); SheetError when it cannot
    be read, in the reader's language."""
    if not data:
        raise sheets.SheetError(t("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        return _workbook_words(data, t)
    if filename.lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise sheets.SheetError(t("The file is not an Excel workbook (.xlsx)."))
    return _text_words(data, t)


def words_import(ctx: Ctx) -> str:
    upload = ctx.request.files.get("file")
    try:
        if upload is None:
            raise sheets.SheetError(ctx.t("Choose a file to import."))
        data = upload.file.read(MAX_BODY + 1)
        if len(data) > MAX_BODY:
            raise sheets.UploadTooBigError(ctx.t("The file is too big: at most {n} MB.",
                                                 n=MAX_BODY // (1024 * 1024)))
        words = clean(read_words(upload.raw_filename or "", data, ctx.t))
        if not words:
            raise sheets.SheetError(ctx.t("The file holds no words."))
        replace = ctx.form("how") == "replace"
        kept = words if replace else [*ctx.deps.outbox.word_list.current().words, *words]
        count = _save(ctx, kept, "replaced" if replace else "added")
    except sheets.SheetError as error:
        return _page(ctx, problem=str(error), status=error.status)
    except WordListError as error:
        return _page(ctx, problem=_refused(ctx, error), status=400)
    ctx.redirect(f"/admin/messages/words?done=imported&n={count}")


def _exported(ctx: Ctx, what: str) -> None:
    ctx.audit("sms_words_exported", "sensitive words", structured_detail(
        format=what, count=len(ctx.deps.outbox.word_list.current().words)))
    ctx.response.set_header("Cache-Control", "no-store")


def words_text(ctx: Ctx) -> str:
    words = ctx.deps.outbox.word_list.current().words
    _exported(ctx, "text")
    ctx.response.content_type = "text/plain; charset=utf-8"
    ctx.response.set_header("Content-Disposition", 'attachment; filename="sensitive-words.txt"')
    return "".join(f"{word}\n" for word in words)


def words_xlsx(ctx: Ctx) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = ctx.t("Sensitive words")[:31]
    sheet.append([ctx.t("Word")])
    sheet.column_dimensions["A"].width = 30
    for word in ctx.deps.outbox.word_list.current().words:
        sheet.append([sheets.safe_cell(word)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _exported(ctx, "Excel")
    ctx.response.content_type = sheets.XLSX_TYPE
    ctx.response.set_header("Content-Disposition",
                            'attachment; filename="sensitive-words.xlsx"')
    return buffer.getvalue()
