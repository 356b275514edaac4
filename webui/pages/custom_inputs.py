"""Custom fields and parameter lists on the record pages: reading what a form typed into a
record's custom fields, their problems in the user's language, and a list's choices.

The inputs are named by the field's key (``cf<id>``); the templates draw them with
``custom_inputs.tpl``. A record's values are checked all together
(``CustomFields.check_values``) before the record is saved, so a refused value leaves
the record as it was.
"""

from __future__ import annotations

from firmware.store.custom_fields import (
    LINK_LIMIT,
    MEMO_LIMIT,
    TEXT_LIMIT,
    CustomFieldError,
    CustomFields,
    Field,
    shown,
)
from firmware.store.dictionary import Dictionary, DictionaryError, Entry, choices
from webui.context import Ctx

INPUT_LIMITS = {"text": TEXT_LIMIT, "memo": MEMO_LIMIT, "link": LINK_LIMIT, "number": 40,
                "money": 40, "date": 10, "yesno": 10}
TYPE_NAMES = {"text": "Text", "number": "Numeric", "date": "Date", "link": "Link",
              "memo": "Memo (long text)", "money": "Money", "yesno": "Yes/no"}
KIND_NAMES = {"customer": "Customers", "contact": "Contact records",
              "knowledge": "Knowledge base"}


def error_text(t, error: CustomFieldError | DictionaryError) -> str:
    """A store's refusal in the reader's language."""
    values = dict(error.values)
    if "what" in values:
        values["what"] = t(str(values["what"]))
    return t(error.template, **values)


def fields_of(ctx: Ctx, kind: str) -> list[Field]:
    return CustomFields(ctx.deps.store).fields_for(kind)


def typed_values(ctx: Ctx, fields: list[Field]) -> dict[str, str]:
    """What the form typed into each field, by key (bounded: twice the longest kept)."""
    typed = {}
    for one in fields:
        limit = INPUT_LIMITS[one.type] * 2
        if one.type == "memo":
            typed[one.key] = (ctx.request.forms.getunicode(one.key) or "")[:limit]
        else:
            typed[one.key] = ctx.form(one.key)[:limit]
    return typed


def stored_as_typed(fields: list[Field], values: dict[int, str]) -> dict[str, str]:
    """A record's values as its form shows them."""
    return {one.key: shown(one, values.get(one.id)) for one in fields}


def check_typed(ctx: Ctx, kind: str, typed: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """The values to keep, and the problems by key in the reader's language."""
    kept, problems = CustomFields(ctx.deps.store).check_values(kind, typed)
    keys = {one.id: one.key for one in fields_of(ctx, kind)}
    return kept, {keys[field_id]: error_text(ctx.t, error)
                  for field_id, error in problems.items()}


def list_choices(ctx: Ctx, list_name: str, current: str) -> list:
    """A select's options from a parameter list, the record's current value kept."""
    entries = Dictionary(ctx.deps.store).entries(list_name)
    return choices(entries, current, ctx.t.language)


def listed(entries: list[Entry], typed: str, kept: tuple[str, ...] = ()) -> str | None:
    """A typed value as the list keeps it (an entry offered, named by its value or its
    Chinese, in any case), a value the record kept already, or None when it is neither."""
    if not typed or typed in kept:
        return typed
    folded = typed.casefold()
    for entry in entries:
        if not entry.retired and folded in (entry.value.casefold(), entry.label_zh.casefold()):
            return entry.value
    return None
