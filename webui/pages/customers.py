"""Customers: the list with search and filters, the card, add, edit, delete, contact records.

Every customer and contact record is read through the user's ``OwnerScope``
(``webui.permissions``): one the user may not see is "not found" (404),
by list, by card or by direct URL alike.

Contact records: anyone with the ``contacts`` flag reads and adds them on
the customers they see; a record may be deleted by the user who added it,
or by a user with ``customers_edit`` who sees it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

import phonenumbers

from firmware.country.numbers import describe
from firmware.store.audit import structured_detail
from firmware.store.call_search import CallSearch
from firmware.store.crm import (
    CONTACT_KINDS,
    CUSTOMER_FIELDS,
    CUSTOMER_ORDERS,
    Customer,
    CustomerNumber,
)
from firmware.store.custom_fields import CustomFields, shown
from firmware.store.dictionary import Dictionary
from firmware.store.legal_hold import LegalHold
from webui.context import Ctx
from webui.pages.calls import may_hold
from webui.pages.custom_inputs import (
    check_typed,
    fields_of,
    list_choices,
    listed,
    stored_as_typed,
    typed_values,
)
from webui.pages.customer_form import (
    FIELD_LIMITS,
    LABEL_LIMIT,
    MAX_NUMBERS,
    NUMBER_LIMIT,
    CustomerDraft,
    read_customer,
)
from webui.pages.list_columns import column_choices, list_columns
from webui.pages.messages import customer_messages, error_text, hold_text
from webui.pages.sales import customer_sales
from webui.pages.service import KIND_NAMES, STATE_NAMES, tickets_of_customer
from webui.pages.service import may_use as service_may_use

PAGE_SIZE = 50
BLANK_NUMBER_ROWS = 3  # empty number rows on the form, for browsers without the script
RECENT_CALLS = 10
CONTACTS_SHOWN = 200
CONTACT_TEXT_LIMIT = 4000
SEARCH_LIMIT = 100
_LOCAL_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::\d{2})?$")


@dataclass(frozen=True)
class ListFilters:
    text: str
    category: str
    grade: str
    order: str
    page: int

    def query(self, **changes: object) -> str:
        """The list's query string with ``changes`` (for links to other pages and sorts)."""
        values = {
            "q": self.text,
            "group": self.category,
            "level": self.grade,
            "sort": self.order,
            "page": self.page,
            **changes,
        }
        defaults = {"sort": "name", "page": 1}
        return urlencode(
            {key: value for key, value in values.items() if value and value != defaults.get(key)}
        )


def list_filters(ctx: Ctx) -> ListFilters:
    order = ctx.query("sort", "name")
    page = ctx.query("page", "1")
    return ListFilters(
        text=ctx.query("q")[:SEARCH_LIMIT],
        category=ctx.query("group")[: FIELD_LIMITS["category"]],
        grade=ctx.query("level")[: FIELD_LIMITS["grade"]],
        order=order if order in CUSTOMER_ORDERS else "name",
        page=max(1, int(page)) if page.isdigit() and len(page) < 7 else 1,
    )


def visible_customer(ctx: Ctx, customer_id: int) -> Customer:
    """The customer if this user may see it; otherwise the request ends with 404."""
    customer = ctx.deps.customers.get(customer_id, ctx.principal.owner_scope())
    if customer is None:
        ctx.fail(404, "Not found.")
    return customer


# ---- the list -----------------------------------------------------------------------


def customers_page(ctx: Ctx) -> str:
    filters = list_filters(ctx)
    scope = ctx.principal.owner_scope()
    found = {"text": filters.text, "category": filters.category, "grade": filters.grade}
    total = ctx.deps.customers.count(scope, **found)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(filters.page, pages)
    rows = ctx.deps.customers.search(
        scope, **found, order=filters.order, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    columns = list_columns(ctx)
    return ctx.render(
        "customers.tpl",
        rows=rows,
        columns=columns,
        column_choices=column_choices(ctx),
        custom=CustomFields(ctx.deps.store).values_for("customer", [row.id for row in rows]),
        shown_value=shown,
        labels=_list_labels(ctx),
        total=total,
        page=page,
        pages=pages,
        filters=filters,
        categories=ctx.deps.customers.categories(scope),
        grades=ctx.deps.customers.grades(scope),
        notice=ctx.query("done"),
    )


def _list_labels(ctx: Ctx):
    """A stored level, group or phone type as the reader sees it: (list, text) -> label."""
    dictionary = Dictionary(ctx.deps.store)
    entries = {name: dictionary.entries(name)
               for name in ("customer_levels", "customer_groups", "phone_types",
                            "contact_types")}

    def label(list_name: str, text: str) -> str:
        for entry in entries[list_name]:
            if entry.names(text):
                return entry.label(ctx.t.language)
        return text

    return label


def contact_kinds(ctx: Ctx) -> list[str]:
    """The contact kinds offered on a form, in the data dictionary's order (the kinds are
    fixed by the contacts table; the dictionary relabels, orders and retires them)."""
    offered = [value for value in Dictionary(ctx.deps.store).values("contact_types")
               if value in CONTACT_KINDS]
    return offered or list(CONTACT_KINDS)


# ---- the card -------------------------------------------------------------------------


@dataclass(frozen=True)
class ShownNumber:
    number: str
    label: str
    display: str
    location: str
    carrier: str
    # Other customers with this number that the reader may see (a switchboard, a
    # family): numbers may be shared, and the caller's card shows them all.
    shared_with: tuple[Customer, ...] = ()


def shown_numbers(ctx: Ctx, customer: Customer) -> list[ShownNumber]:
    """Each number formatted for the box's country, with where it is in the user's language."""
    region = ctx.deps.region()
    calling_code = f"+{phonenumbers.country_code_for_region(region)}"
    chinese = ctx.t.language == "zh-CN"
    shown = []
    scope = ctx.principal.owner_scope()
    for number in customer.numbers:
        info = describe(number.number_e164 or number.number, region)
        others = tuple(
            other
            for other in ctx.deps.customers.by_number(number.number_e164, number.number, scope)
            if other.id != customer.id
        )
        if info.e164 and not info.e164.startswith(calling_code):
            display = info.e164  # a foreign number keeps its country code
        else:
            display = info.display
        shown.append(
            ShownNumber(
                number.number,
                number.label,
                display,
                (info.location_zh if chinese else info.location_en) or "",
                (info.carrier_zh if chinese else info.carrier_en) or "",
                others,
            )
        )
    return shown


def recent_calls(ctx: Ctx, customer: Customer) -> list:
    """The customer's latest calls on the lines this user may see, newest first."""
    search = CallSearch(ctx.deps.store)
    scope = ctx.principal.line_scope()
    calls = {}
    for number in customer.numbers:
        for call in search.of_number(number.number_e164, number.number, scope,
                                     limit=RECENT_CALLS):
            calls[call.id] = call
    return sorted(calls.values(), key=lambda call: (call.started_at, call.id),
                  reverse=True)[:RECENT_CALLS]


def _card(ctx: Ctx, customer: Customer, *, contact_form: dict | None = None,
          problems: dict | None = None, status: int = 200) -> str:
    calls = recent_calls(ctx, customer)
    recordings = CallSearch(ctx.deps.store).recordings_of_calls([call.id for call in calls])
    contacts = []
    if ctx.can("contacts"):
        contacts = ctx.deps.customers.contacts(
            ctx.principal.owner_scope(), customer_id=customer.id, limit=CONTACTS_SHOWN
        )
    # A contact record links to its call only for those who may see the call.
    calls_seen = CallSearch(ctx.deps.store).visible_call_ids(
        [contact.call_id for contact in contacts], ctx.principal.line_scope()
    )
    custom = CustomFields(ctx.deps.store)
    contact_fields = custom.fields_for("contact")
    ctx.response.status = status
    return ctx.render(
        "customer.tpl",
        customer=customer,
        numbers=shown_numbers(ctx, customer),
        calls=calls,
        recordings=recordings,
        contacts=contacts,
        calls_seen=calls_seen,
        kinds=contact_kinds(ctx),
        contact_form=contact_form or {"kind": contact_kinds(ctx)[0],
                                      "at": _local_input(ctx, ctx.deps.clock())},
        customer_fields=custom.fields_for("customer"),
        customer_values=custom.values_of("customer", customer.id),
        contact_fields=contact_fields,
        contact_values=custom.values_for("contact", [contact.id for contact in contacts]),
        labels=_list_labels(ctx),
        problems=problems or {},
        notice=ctx.query("done"),
        line_names={line.number: line.given_name for line in ctx.deps.config().lines},
        protected=LegalHold(ctx.deps.store).customer_protected(customer.id),
        may_hold=may_hold(ctx),
        messages=customer_messages(ctx, customer.id) if ctx.can("sms") else [],
        sms_error=error_text, sms_hold=hold_text,
        tickets=tickets_of_customer(ctx, customer.id), may_service=service_may_use(ctx),
        ticket_names={"state": STATE_NAMES, "kind": KIND_NAMES}, now=ctx.deps.clock(),
        sales=customer_sales(ctx, customer.id),
    )


def customer_page(ctx: Ctx, customer_id: int) -> str:
    return _card(ctx, visible_customer(ctx, customer_id))


# ---- the audit log's account of a change -----------------------------------------------


def numbers_shown(numbers) -> list[str]:
    """A customer's numbers as the audit log keeps them: "mobile: 13800138000"."""
    return [f"{n.label}: {n.number}" if n.label else n.number for n in numbers if n.number]


def customer_facts(fields: dict[str, object], numbers: list[CustomerNumber]) -> dict:
    """A customer's fields that are filled, and their numbers (for an add or a delete)."""
    facts = {key: fields.get(key) for key in CUSTOMER_FIELDS if fields.get(key)}
    return {**facts, "numbers": numbers_shown(numbers)}


def customer_changes(before: Customer, fields: dict[str, object],
                     numbers: list[CustomerNumber]) -> list[tuple]:
    """Each field changed, with its value before and after."""
    changes: list[tuple] = [
        (key, getattr(before, key) or "", fields[key] or "")
        for key in CUSTOMER_FIELDS
        if key in fields and (getattr(before, key) or "") != (fields[key] or "")
    ]
    old_numbers, new_numbers = numbers_shown(before.numbers), numbers_shown(numbers)
    if old_numbers != new_numbers:
        changes.append(("numbers", old_numbers, new_numbers))
    return changes


def audit_contact(ctx: Ctx, action: str, customer_id: int, contact_id: int, **facts) -> None:
    """A contact record added or deleted: its kind, text and call (``facts``)."""
    ctx.audit(action, f"customer {customer_id}", structured_detail(contact=contact_id, **facts))


# ---- add, edit, delete ---------------------------------------------------------------


def _today(ctx: Ctx) -> date:
    return date.fromisoformat(ctx.t.iso_date(ctx.deps.clock()))


def _draft_from_form(ctx: Ctx) -> CustomerDraft:
    typed = {key: ctx.form(key)[: limit * 2] for key, limit in FIELD_LIMITS.items()}
    numbers = ctx.form_list("number")[: MAX_NUMBERS * 3]
    labels = ctx.form_list("label")[: MAX_NUMBERS * 3]
    labels += [""] * (len(numbers) - len(labels))
    rows = [(n[: NUMBER_LIMIT * 2], lab[: LABEL_LIMIT * 2]) for n, lab in zip(numbers, labels)]  # noqa: B905 - padded above
    return read_customer(typed, rows, country=ctx.deps.country(), today=_today(ctx), t=ctx.t)


def _check_lists(ctx: Ctx, draft: CustomerDraft, customer: Customer | None) -> None:
    """The level, the group and the numbers' types from the data dictionary's lists (or
    what the customer kept already); a typed value is kept as the list has it."""
    dictionary = Dictionary(ctx.deps.store)
    for key, list_name in (("category", "customer_groups"), ("grade", "customer_levels")):
        kept = (getattr(customer, key),) if customer else ()
        value = listed(dictionary.entries(list_name), str(draft.fields.get(key) or ""), kept)
        if value is None and key not in draft.problems:
            draft.problems[key] = ctx.t("Choose from the list.")
        elif value is not None:
            draft.fields[key] = value
    phone_types = dictionary.entries("phone_types")
    kept_labels = tuple(number.label for number in customer.numbers) if customer else ()
    labels = []
    for index, (_, label) in enumerate(draft.typed_numbers):
        value = listed(phone_types, label, kept_labels)
        if value is None:
            draft.problems.setdefault(f"number-{index}",
                                      ctx.t("{value} is not a phone type of the list.",
                                            value=label))
        labels.append(value or "")
    if not draft.problems and len(labels) == len(draft.numbers):
        draft.numbers = [CustomerNumber(number.number, number.number_e164, label)
                         for number, label in zip(draft.numbers, labels, strict=True)]


def _read_form(ctx: Ctx, customer: Customer | None) -> tuple[CustomerDraft, dict, dict]:
    """The customer typed, with its custom values typed and checked."""
    draft = _draft_from_form(ctx)
    _check_lists(ctx, draft, customer)
    custom_typed = typed_values(ctx, fields_of(ctx, "customer"))
    kept, problems = check_typed(ctx, "customer", custom_typed)
    draft.problems.update(problems)
    return draft, custom_typed, kept


def _form(ctx: Ctx, draft: CustomerDraft | None, customer: Customer | None,
          status: int = 200, custom_typed: dict | None = None) -> str:
    fields = fields_of(ctx, "customer")
    if draft is None:
        typed = {key: "" for key in FIELD_LIMITS}
        rows: list[tuple[str, str]] = []
        custom_typed = stored_as_typed(fields, {})
        if customer is not None:
            typed = {key: getattr(customer, key) or "" for key in FIELD_LIMITS}
            rows = [(number.number, number.label) for number in customer.numbers]
            custom_typed = stored_as_typed(
                fields, CustomFields(ctx.deps.store).values_of("customer", customer.id))
        problems: dict[str, str] = {}
    else:
        typed, rows, problems = draft.typed, draft.typed_numbers, draft.problems
    ctx.response.status = status
    return ctx.render(
        "customer_form.tpl",
        customer=customer,
        typed=typed,
        rows=rows + [("", "")] * BLANK_NUMBER_ROWS,
        problems=problems,
        limits=FIELD_LIMITS,
        number_limit=NUMBER_LIMIT,
        label_limit=LABEL_LIMIT,
        group_choices=list_choices(ctx, "customer_groups", typed.get("category", "")),
        level_choices=list_choices(ctx, "customer_levels", typed.get("grade", "")),
        label_choices=lambda current: list_choices(ctx, "phone_types", current),
        custom_fields=fields,
        custom_typed=custom_typed or {},
        today=_today(ctx).isoformat(),
    )


def new_customer_page(ctx: Ctx) -> str:
    return _form(ctx, None, None)


def new_customer_submit(ctx: Ctx) -> str:
    draft, custom_typed, kept = _read_form(ctx, None)
    if not draft.ok:
        return _form(ctx, draft, None, status=400, custom_typed=custom_typed)
    with ctx.deps.store.transaction():  # the customer with its custom values, or nothing
        customer_id = ctx.deps.customers.create(draft.fields, draft.numbers,
                                                added_by=ctx.user.id)
        custom = CustomFields(ctx.deps.store).write("customer", customer_id, kept)
        ctx.audit("customer_added", f"customer {customer_id}",
                  structured_detail(**customer_facts(draft.fields, draft.numbers),
                                    custom={name: after for name, _, after in custom} or None))
    ctx.redirect(f"/customers/{customer_id}?done=added")


def edit_customer_page(ctx: Ctx, customer_id: int) -> str:
    return _form(ctx, None, visible_customer(ctx, customer_id))


def edit_customer_submit(ctx: Ctx, customer_id: int) -> str:
    customer = visible_customer(ctx, customer_id)
    draft, custom_typed, kept = _read_form(ctx, customer)
    if not draft.ok:
        return _form(ctx, draft, customer, status=400, custom_typed=custom_typed)
    with ctx.deps.store.transaction():  # the whole form, or nothing of it
        ctx.deps.customers.update(customer.id, draft.fields, draft.numbers)
        changes = customer_changes(customer, draft.fields, draft.numbers)
        changes += CustomFields(ctx.deps.store).write("customer", customer.id, kept)
        if changes:
            ctx.audit("customer_changed", f"customer {customer.id}",
                      structured_detail(changes=changes))
    ctx.redirect(f"/customers/{customer.id}?done=saved")


def delete_customer_page(ctx: Ctx, customer_id: int) -> str:
    """The confirmation step: what goes with the customer (works without a script)."""
    customer = visible_customer(ctx, customer_id)
    return ctx.render(
        "customer_delete.tpl",
        customer=customer,
        contact_count=ctx.deps.customers.contact_count(customer.id),
    )


def delete_customer_submit(ctx: Ctx, customer_id: int) -> None:
    customer = visible_customer(ctx, customer_id)
    contacts = ctx.deps.customers.contact_count(customer.id)
    custom_fields = fields_of(ctx, "customer")
    values = CustomFields(ctx.deps.store).values_of("customer", customer.id)
    ctx.deps.customers.delete(customer.id)
    fields = {key: getattr(customer, key) for key in CUSTOMER_FIELDS}
    custom = {one.name: shown(one, values[one.id]) for one in custom_fields
              if one.id in values}
    ctx.audit("customer_deleted", f"customer {customer.id}",
              structured_detail(**customer_facts(fields, list(customer.numbers)),
                                custom=custom or None, contacts=contacts))
    ctx.redirect("/customers?done=deleted")


# ---- contact records ------------------------------------------------------------------


def _local_input(ctx: Ctx, at: float) -> str:
    """A moment as a datetime-local input wants it, in the box's local time."""
    return f"{ctx.t.iso_date(at)}T{ctx.t.time_of_day(at)[:5]}"


def _parse_local(ctx: Ctx, text: str) -> float | None:
    match = _LOCAL_MOMENT.match(text)
    if not match:
        return None
    midnight = ctx.t.local_midnight(match.group(1))
    hours, minutes = int(match.group(2)), int(match.group(3))
    if midnight is None or hours > 23 or minutes > 59:
        return None
    return midnight + hours * 3600 + minutes * 60


def contact_add(ctx: Ctx, customer_id: int) -> str:
    customer = visible_customer(ctx, customer_id)
    typed = {
        "kind": ctx.form("kind"),
        "at": ctx.form("at")[:40],
        "text": ctx.form("text")[: CONTACT_TEXT_LIMIT * 2],
        "call_id": ctx.form("call_id")[:20],
    }
    custom_typed = typed_values(ctx, fields_of(ctx, "contact"))
    kept, problems = check_typed(ctx, "contact", custom_typed)
    typed.update(custom_typed)
    if typed["kind"] not in CONTACT_KINDS:
        problems["kind"] = ctx.t("Choose what kind of contact it was.")
    at = ctx.deps.clock() if not typed["at"] else _parse_local(ctx, typed["at"])
    if at is None:
        problems["at"] = ctx.t("Write the time as YYYY-MM-DD HH:MM.")
    if not typed["text"]:
        problems["text"] = ctx.t("Write what was said or done.")
    elif len(typed["text"]) > CONTACT_TEXT_LIMIT:
        problems["text"] = ctx.t("At most {n} characters.", n=CONTACT_TEXT_LIMIT)
    call = None
    if typed["call_id"]:
        search = CallSearch(ctx.deps.store)
        if typed["call_id"].isdigit():
            call = search.call(int(typed["call_id"]), ctx.principal.line_scope())
        if call is None:
            problems["call_id"] = ctx.t("There is no call {id} that you may see.",
                                        id=typed["call_id"])
    if problems:
        return _card(ctx, customer, contact_form=typed, problems=problems, status=400)
    recording_id = None
    if call is not None:
        recordings = CallSearch(ctx.deps.store).recordings_of_calls([call.id])[call.id]
        recording_id = recordings[0].id if recordings else None
    with ctx.deps.store.transaction():  # the record with its custom values, or nothing
        contact_id = ctx.deps.customers.add_contact(
            customer.id,
            typed["kind"],
            typed["text"],
            added_by=ctx.user.id,
            at=at,
            call_id=call.id if call else None,
            recording_id=recording_id,
        )
        custom = CustomFields(ctx.deps.store).write("contact", contact_id, kept)
        audit_contact(ctx, "contact_added", customer.id, contact_id, kind=typed["kind"],
                      text=typed["text"], call=call.id if call else None,
                      custom={name: after for name, _, after in custom} or None)
    if call is not None and ctx.form("from") == "call":  # added on the call's page
        ctx.redirect(f"/calls/{call.id}?done=contact#contacts")
    ctx.redirect(f"/customers/{customer.id}?done=contact#contacts")


def contact_delete(ctx: Ctx, customer_id: int, contact_id: int) -> None:
    customer = visible_customer(ctx, customer_id)
    contact = ctx.deps.customers.contact(contact_id, ctx.principal.owner_scope())
    if contact is None or contact.customer_id != customer.id:
        ctx.fail(404, "Not found.")
    if contact.added_by != ctx.user.id and not ctx.can("customers_edit"):
        ctx.fail(403, "Only who added a contact record, or a user who may edit customers, may delete it.")  # noqa: E501
    if ctx.form("confirm") != "yes":
        ctx.fail(400, "Tick the box to confirm.")
    ctx.deps.customers.delete_contact(contact.id)
    audit_contact(ctx, "contact_deleted", customer.id, contact.id, kind=contact.kind,
                  text=contact.text, call=contact.call_id)
    ctx.redirect(f"/customers/{customer.id}?done=contact_deleted#contacts")
