"""Each user's columns of the customer list and the call log: which show, in which order.

The customer list offers its standard columns and the custom fields of customers that
the admin marked "shown in list" (``cf<id>``); the call log its own. A user's choice is
kept in the store (``firmware.store.list_columns``) and applies to them alone; without
one, or after a reset, the default columns show. The column leading to the record (the
customer's name, the call's time) always shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.audit import structured_detail
from firmware.store.custom_fields import CustomFields, Field
from firmware.store.list_columns import ListColumns
from webui.context import Ctx


@dataclass(frozen=True)
class ListSpec:
    """A list whose columns users choose: its own columns (key, English heading), the
    default choice, the column always shown, and whose custom fields it offers."""

    standard: tuple[tuple[str, str], ...]
    default: tuple[str, ...]
    fixed: str
    back: str  # the list's page
    custom_kind: str | None = None


LISTS = {
    "customers": ListSpec(
        standard=(
            ("name", "Name"),
            ("company", "Company"),
            ("numbers", "Numbers"),
            ("category", "Group"),
            ("grade", "Level"),
            ("email", "Email"),
            ("birthday", "Birthday"),
            ("gender", "Gender"),
            ("added_by", "Added by"),
            ("created", "Created"),
            ("updated", "Latest change"),
        ),
        default=("name", "company", "numbers", "category", "grade", "updated"),
        fixed="name", back="/customers", custom_kind="customer"),
    "calls": ListSpec(
        standard=(
            ("start", "Time"),
            ("line", "Line"),
            ("call", "Call"),
            ("number", "Number"),
            ("customer", "Customer"),
            ("duration", "Duration"),
            ("recording", "Recording"),
            ("note", "Note"),
        ),
        default=("start", "line", "call", "number", "customer", "duration", "recording", "note"),
        fixed="start", back="/calls"),
}


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # in the reader's language (a custom field: its name)
    field: Field | None = None  # a custom field's column
    shown: bool = True


def _available(ctx: Ctx, list_name: str) -> tuple[dict[str, Column], list[str]]:
    """Every column the list offers by key, and the default keys in order."""
    spec = LISTS[list_name]
    columns = {key: Column(key, ctx.t(english)) for key, english in spec.standard}
    listed = []
    if spec.custom_kind:
        listed = [one for one in CustomFields(ctx.deps.store).fields_for(spec.custom_kind)
                  if one.in_list]
    for one in listed:
        columns[one.key] = Column(one.key, one.name, one)
    return columns, [*spec.default, *(one.key for one in listed)]


def list_columns(ctx: Ctx, list_name: str = "customers") -> list[Column]:
    """The columns this user sees, in their order."""
    available, default = _available(ctx, list_name)
    chosen = ListColumns(ctx.deps.store).chosen(ctx.user.id, list_name)
    keys = [key for key in (chosen or default) if key in available]
    fixed = LISTS[list_name].fixed
    if fixed not in keys:
        keys.insert(0, fixed)
    return [available[key] for key in dict.fromkeys(keys)]


def column_choices(ctx: Ctx, list_name: str = "customers") -> list[Column]:
    """Every column for the "Columns" form: those shown first in their order, then the rest."""
    available, _ = _available(ctx, list_name)
    shown = [column.key for column in list_columns(ctx, list_name)]
    rest = [key for key in available if key not in shown]
    return [*(available[key] for key in shown),
            *(Column(key, available[key].heading, available[key].field, False) for key in rest)]


def _submit(ctx: Ctx, list_name: str) -> None:
    """Save the user's columns: those ticked (``show``), ordered by their ``order_<key>``
    number (then as listed), or go back to the default (``reset``)."""
    spec = LISTS[list_name]
    store = ListColumns(ctx.deps.store)
    subject = {"customers": "customer list", "calls": "call log"}[list_name]
    if ctx.form("reset") == "yes":
        store.reset(ctx.user.id, list_name)
        ctx.audit("list_columns_changed", subject, structured_detail(what="reset"))
        ctx.redirect(f"{spec.back}?done=columns")
    available, _ = _available(ctx, list_name)
    ticked = [key for key in dict.fromkeys(ctx.form_list("show")) if key in available]
    unknown = [key for key in ctx.form_list("show") if key not in available]
    if unknown:
        ctx.fail(400, "There is no column {name}.", name=unknown[0][:40])
    places = {}
    for index, key in enumerate(ticked):
        place = ctx.form(f"order_{key}")[:4]
        if place and not place.isdigit():
            ctx.fail(400, "{value} is not a position: write a whole number.", value=place)
        places[key] = (int(place) if place else 9999, index)
    keys = sorted(ticked, key=lambda key: places[key])
    if spec.fixed not in keys:
        keys.insert(0, spec.fixed)
    store.save(ctx.user.id, list_name, keys)
    ctx.audit("list_columns_changed", subject,
              structured_detail(columns=[available[key].heading for key in keys]))
    ctx.redirect(f"{spec.back}?done=columns")


def columns_submit(ctx: Ctx) -> None:
    """The customer list's columns."""
    _submit(ctx, "customers")


def call_columns_submit(ctx: Ctx) -> None:
    """The call log's columns."""
    _submit(ctx, "calls")
