"""Each user's columns of the customer list: which show, in which order.

The customer list offers its standard columns and the custom fields of customers that
the admin marked "shown in list" (``cf<id>``). A user's choice is kept in the store
(``firmware.store.list_columns``) and applies to them alone; without one, or after a
reset, the default columns show. The name always shows (it leads to the card).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.audit import structured_detail
from firmware.store.custom_fields import CustomFields, Field
from firmware.store.list_columns import ListColumns
from webui.context import Ctx

LIST = "customers"
# The customer list's own columns: key, English heading; and the default choice.
STANDARD = (
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
)
DEFAULT = ("name", "company", "numbers", "category", "grade", "updated")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # in the reader's language (a custom field: its name)
    field: Field | None = None  # a custom field's column
    shown: bool = True


def _available(ctx: Ctx) -> tuple[dict[str, Column], list[str]]:
    """Every column the list offers by key, and the default keys in order."""
    columns = {key: Column(key, ctx.t(english)) for key, english in STANDARD}
    listed = [one for one in CustomFields(ctx.deps.store).fields_for("customer") if one.in_list]
    for one in listed:
        columns[one.key] = Column(one.key, one.name, one)
    return columns, [*DEFAULT, *(one.key for one in listed)]


def list_columns(ctx: Ctx) -> list[Column]:
    """The columns this user sees, in their order."""
    available, default = _available(ctx)
    chosen = ListColumns(ctx.deps.store).chosen(ctx.user.id, LIST)
    keys = [key for key in (chosen or default) if key in available]
    if "name" not in keys:
        keys.insert(0, "name")
    return [available[key] for key in dict.fromkeys(keys)]


def column_choices(ctx: Ctx) -> list[Column]:
    """Every column for the "Columns" form: those shown first in their order, then the rest."""
    available, _ = _available(ctx)
    shown = [column.key for column in list_columns(ctx)]
    rest = [key for key in available if key not in shown]
    return [*(available[key] for key in shown),
            *(Column(key, available[key].heading, available[key].field, False) for key in rest)]


def columns_submit(ctx: Ctx) -> None:
    """Save the user's columns: those ticked (``show``), ordered by their ``order_<key>``
    number (then as listed), or go back to the default (``reset``)."""
    store = ListColumns(ctx.deps.store)
    if ctx.form("reset") == "yes":
        store.reset(ctx.user.id, LIST)
        ctx.audit("list_columns_changed", "customer list", structured_detail(what="reset"))
        ctx.redirect("/customers?done=columns")
    available, _ = _available(ctx)
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
    if "name" not in keys:
        keys.insert(0, "name")
    store.save(ctx.user.id, LIST, keys)
    ctx.audit("list_columns_changed", "customer list",
              structured_detail(columns=[available[key].heading for key in keys]))
    ctx.redirect("/customers?done=columns")
