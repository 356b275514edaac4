"""Settings → Custom fields (admins): the fields of customers, contact records and
knowledge-base entries.

A field is added with its kind of record, name, type, whether it is required and whether
the kind's list shows it; its name, required and shown-in-list change later, its type
does not (the values kept were checked for it). Fields are moved up and down. Deleting
one asks first, saying how many values go with it. Every change is audited.
"""

from __future__ import annotations

from firmware.store.audit import structured_detail
from firmware.store.custom_fields import (
    KINDS,
    NAME_LIMIT,
    TYPES,
    CustomFieldError,
    CustomFields,
    Field,
)
from webui.context import Ctx
from webui.pages.custom_inputs import KIND_NAMES, TYPE_NAMES, error_text


def _fields(ctx: Ctx) -> CustomFields:
    return CustomFields(ctx.deps.store)


def _page(ctx: Ctx, typed: dict | None = None, problem: str = "", status: int = 200) -> str:
    ctx.response.status = status
    fields = _fields(ctx)
    by_kind = {kind: fields.fields_for(kind) for kind in KINDS}
    counts = {one.id: fields.value_count(one.id) for kinds in by_kind.values() for one in kinds}
    return ctx.render(
        "admin_fields.tpl", by_kind=by_kind, counts=counts, kinds=KIND_NAMES,
        types=TYPE_NAMES, name_limit=NAME_LIMIT, problem=problem, notice=ctx.query("done"),
        typed=typed or {"kind": "customer", "name": "", "type": "text", "required": False,
                        "in_list": False},
    )


def fields_page(ctx: Ctx) -> str:
    return _page(ctx)


def _typed(ctx: Ctx) -> dict:
    return {"kind": ctx.form("kind")[:20], "name": ctx.form("name")[: NAME_LIMIT * 2],
            "type": ctx.form("type")[:20], "required": ctx.form("required") == "yes",
            "in_list": ctx.form("in_list") == "yes"}


def field_add(ctx: Ctx) -> str:
    typed = _typed(ctx)
    if typed["kind"] not in KINDS:
        return _page(ctx, typed, ctx.t("Choose the kind of record."), 400)
    if typed["type"] not in TYPES:
        return _page(ctx, typed, ctx.t("Choose the field's type."), 400)
    try:
        field_id = _fields(ctx).add(typed["kind"], typed["name"], typed["type"],
                                    required=typed["required"], in_list=typed["in_list"])
    except CustomFieldError as error:
        return _page(ctx, typed, error_text(ctx.t, error), 400)
    added = _fields(ctx).field(field_id)
    ctx.audit("custom_field_added", f"field {field_id}", structured_detail(
        record=added.kind, name=added.name, type=added.type, required=added.required,
        in_list=added.in_list))
    ctx.redirect(f"/admin/fields?done=added#{added.kind}")


def _field_of(ctx: Ctx, field_id: int) -> Field:
    found = _fields(ctx).field(field_id)
    if found is None:
        ctx.fail(404, "Not found.")
    return found


def _edit(ctx: Ctx, field: Field, typed: dict, problem: str = "", status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render("admin_field.tpl", field=field, typed=typed, problem=problem,
                      kinds=KIND_NAMES, types=TYPE_NAMES, name_limit=NAME_LIMIT,
                      count=_fields(ctx).value_count(field.id))


def field_page(ctx: Ctx, field_id: int) -> str:
    field = _field_of(ctx, field_id)
    return _edit(ctx, field, {"name": field.name, "required": field.required,
                              "in_list": field.in_list})


def field_submit(ctx: Ctx, field_id: int) -> str:
    field = _field_of(ctx, field_id)
    typed = _typed(ctx)
    try:
        _fields(ctx).update(field.id, name=typed["name"], required=typed["required"],
                            in_list=typed["in_list"])
    except CustomFieldError as error:
        return _edit(ctx, field, typed, error_text(ctx.t, error), 400)
    after = _fields(ctx).field(field.id)
    changes = [(key, getattr(field, key), getattr(after, key))
               for key in ("name", "required", "in_list") if getattr(field, key) !=
               getattr(after, key)]
    if changes:
        ctx.audit("custom_field_changed", f"field {field.id}",
                  structured_detail(changes=changes, record=field.kind))
    ctx.redirect(f"/admin/fields?done=saved#{field.kind}")


def field_move(ctx: Ctx, field_id: int) -> None:
    field = _field_of(ctx, field_id)
    step = {"up": -1, "down": 1}.get(ctx.form("to"))
    if step is None:
        ctx.fail(400, "Move a field up or down.")
    _fields(ctx).move(field.id, step)
    position = [one.id for one in _fields(ctx).fields_for(field.kind)].index(field.id) + 1
    ctx.audit("custom_field_changed", f"field {field.id}",
              structured_detail(changes=[("position", field.position, position)],
                                record=field.kind, name=field.name))
    ctx.redirect(f"/admin/fields#{field.kind}")


def delete_page(ctx: Ctx, field_id: int) -> str:
    field = _field_of(ctx, field_id)
    return ctx.render("admin_field_delete.tpl", field=field, kinds=KIND_NAMES,
                      count=_fields(ctx).value_count(field.id))


def delete_submit(ctx: Ctx, field_id: int) -> None:
    field = _field_of(ctx, field_id)
    if ctx.form("confirm") != "yes":
        ctx.fail(400, "Tick the box to confirm.")
    count = _fields(ctx).delete(field.id)
    ctx.audit("custom_field_deleted", f"field {field.id}",
              structured_detail(record=field.kind, name=field.name, type=field.type,
                                values=count))
    ctx.redirect(f"/admin/fields?done=deleted#{field.kind}")
