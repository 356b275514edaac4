"""Settings → Parameter lists (admins): the data dictionary's lists that forms choose from.

Each list's entries are added, renamed (the value and its Chinese; records keeping the old
value get the new one), moved up and down, retired (no longer offered; records keep it)
and brought back. Contact types are the contact records' fixed kinds: relabelled,
reordered and retired only. Every change is audited.
"""

from __future__ import annotations

from firmware.store.audit import structured_detail
from firmware.store.dictionary import (
    FIXED_LISTS,
    LISTS,
    VALUE_LIMIT,
    Dictionary,
    DictionaryError,
    Entry,
)
from webui.context import Ctx
from webui.pages.custom_inputs import error_text


def _page(ctx: Ctx, problems: dict[str, str] | None = None, typed: dict | None = None,
          status: int = 200) -> str:
    ctx.response.status = status
    dictionary = Dictionary(ctx.deps.store)
    return ctx.render(
        "admin_dictionary.tpl", lists=LISTS, fixed=FIXED_LISTS,
        entries={name: dictionary.entries(name) for name in LISTS},
        problems=problems or {}, typed=typed or {}, value_limit=VALUE_LIMIT,
        notice=ctx.query("done"))


def dictionary_page(ctx: Ctx) -> str:
    return _page(ctx)


def _audit(ctx: Ctx, entry: Entry, **facts: object) -> None:
    ctx.audit("dictionary_changed", f"list {entry.list_name}",
              structured_detail(list_name=LISTS[entry.list_name], **facts))


def entry_add(ctx: Ctx, list_name: str) -> str:
    if list_name not in LISTS:
        ctx.fail(404, "Not found.")
    typed = {"value": ctx.form("value")[: VALUE_LIMIT * 2],
             "label_zh": ctx.form("label_zh")[: VALUE_LIMIT * 2]}
    dictionary = Dictionary(ctx.deps.store)
    try:
        entry_id = dictionary.add(list_name, typed["value"], typed["label_zh"])
    except DictionaryError as error:
        return _page(ctx, {list_name: error_text(ctx.t, error)}, {list_name: typed}, 400)
    entry = dictionary.entry(entry_id)
    _audit(ctx, entry, what="created", value=entry.value, label_zh=entry.label_zh or None)
    ctx.redirect(f"/admin/dictionary?done=added#{list_name}")


def _entry_of(ctx: Ctx, entry_id: int) -> Entry:
    entry = Dictionary(ctx.deps.store).entry(entry_id)
    if entry is None:
        ctx.fail(404, "Not found.")
    return entry


def entry_rename(ctx: Ctx, entry_id: int) -> str:
    entry = _entry_of(ctx, entry_id)
    value = ctx.form("value")[: VALUE_LIMIT * 2]
    label_zh = ctx.form("label_zh")[: VALUE_LIMIT * 2]
    try:
        rewritten = Dictionary(ctx.deps.store).rename(entry.id, value, label_zh)
    except DictionaryError as error:
        return _page(ctx, {entry.list_name: error_text(ctx.t, error)}, status=400)
    after = _entry_of(ctx, entry.id)
    changes = [(key, getattr(entry, key), getattr(after, key))
               for key in ("value", "label_zh") if getattr(entry, key) != getattr(after, key)]
    if changes:
        _audit(ctx, entry, changes=changes, records=rewritten or None)
    ctx.redirect(f"/admin/dictionary?done=saved#{entry.list_name}")


def entry_move(ctx: Ctx, entry_id: int) -> None:
    entry = _entry_of(ctx, entry_id)
    step = {"up": -1, "down": 1}.get(ctx.form("to"))
    if step is None:
        ctx.fail(400, "Move an entry up or down.")
    dictionary = Dictionary(ctx.deps.store)
    dictionary.move(entry.id, step)
    position = [one.id for one in dictionary.entries(entry.list_name)].index(entry.id) + 1
    _audit(ctx, entry, value=entry.value, changes=[("position", entry.position, position)])
    ctx.redirect(f"/admin/dictionary#{entry.list_name}")


def entry_retire(ctx: Ctx, entry_id: int) -> str:
    entry = _entry_of(ctx, entry_id)
    retired = ctx.form("retired") == "yes"
    try:
        Dictionary(ctx.deps.store).retire(entry.id, retired)
    except DictionaryError as error:
        return _page(ctx, {entry.list_name: error_text(ctx.t, error)}, status=400)
    if retired != entry.retired:
        _audit(ctx, entry, value=entry.value, changes=[("retired", entry.retired, retired)])
    ctx.redirect(f"/admin/dictionary?done={'retired' if retired else 'restored'}"
                 f"#{entry.list_name}")
