"""Custom fields: fields the admin adds to customers, contact records and knowledge-base
entries, and their values.

A field has a kind of record (``KINDS``), a name, a type (``TYPES``), whether it is
required, its place among the kind's fields, and whether the kind's list shows it.
Values are kept as text in one canonical form per type, so that nothing is lost on the
way: a number as a plain decimal (``12.5``), a date as YYYY-MM-DD, money as whole cents
(``123450`` for 1,234.50; never a float), yes/no as ``yes`` or ``no``. An empty value is
no row.

The API is the same for every kind: ``fields_for(kind)``, ``values_of(kind, record_id)``,
``set_values(kind, record_id, values, actor)``. A typed value is checked by ``parse``;
a refused one raises ``CustomFieldError``, a one-line message naming the field whose
English ``template`` and ``values`` a page translates.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from firmware.store.audit import AuditLog, structured_detail
from firmware.store.db import RefusedChangeError, Store, move_position

KINDS = ("customer", "contact", "knowledge")
TYPES = ("text", "number", "date", "link", "memo", "money", "yesno")
NAME_LIMIT = 60
TEXT_LIMIT = 200
LINK_LIMIT = 2000
MEMO_LIMIT = 4000
FIELDS_PER_KIND = 50
MONEY_LIMIT = Decimal("1e13")  # ten thousand billion: a typing slip beyond it
NUMBER_DIGITS = 30
YES_WORDS = {"yes", "y", "true", "1", "on", "是", "有", "√", "✓"}
NO_WORDS = {"no", "n", "false", "0", "off", "否", "无", "×"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONEY = re.compile(r"^-?\d+(\.\d{1,2})?$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_MONEY_SIGNS = re.compile(r"^[¥￥$€£]|^(rmb|cny)\s*", re.IGNORECASE)


class CustomFieldError(RefusedChangeError):
    """A custom field or value the store refuses; ``field_id`` names the field whose value
    it is, when it is one."""

    def __init__(self, template: str, **values: object) -> None:
        self.field_id = values.pop("field_id", None)
        super().__init__(template, **values)


@dataclass(frozen=True)
class Field:
    id: int
    kind: str
    name: str
    type: str
    required: bool
    position: int
    in_list: bool

    @property
    def key(self) -> str:
        """The field's name in forms and list columns: ``cf<id>``."""
        return f"cf{self.id}"


def _refuse(field: Field, template: str, **values: object) -> CustomFieldError:
    return CustomFieldError("{field}: " + template, field=field.name, field_id=field.id, **values)


def parse(field: Field, typed: object) -> str | None:
    """The value as the store keeps it (None: empty), or CustomFieldError naming the field."""
    text = "" if typed is None else str(typed).strip()
    if field.type == "memo":
        text = str(typed or "").replace("\r\n", "\n").strip()
    if not text:
        if field.required:
            raise _refuse(field, "a value is required.")
        return None
    return _CHECKS[field.type](field, text)


def _text(field: Field, text: str) -> str:
    if "\n" in text or "\r" in text:
        raise _refuse(field, "one line only.")
    if len(text) > TEXT_LIMIT:
        raise _refuse(field, "at most {n} characters.", n=TEXT_LIMIT)
    return text


def _memo(field: Field, text: str) -> str:
    if len(text) > MEMO_LIMIT:
        raise _refuse(field, "at most {n} characters.", n=MEMO_LIMIT)
    return text


def _number(field: Field, text: str) -> str:
    plain = text.replace(",", "").replace(" ", "")
    if not _NUMBER.match(plain) or len(plain) > NUMBER_DIGITS:
        raise _refuse(field, "{value} is not a number.", value=text[:40])
    return _plain_decimal(Decimal(plain))


def _date(field: Field, text: str) -> str:
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise _refuse(field, "{value} is not a date: write YYYY-MM-DD, e.g. 2024-05-06.",
                      value=text[:40]) from None


def _link(field: Field, text: str) -> str:
    if len(text) > LINK_LIMIT:
        raise _refuse(field, "at most {n} characters.", n=LINK_LIMIT)
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or any(
        character.isspace() for character in text
    ):
        raise _refuse(field, "{value} is not a web address (http:// or https://).",
                      value=text[:80])
    return text


def _yes_no(field: Field, text: str) -> str:
    word = text.casefold()
    if word in YES_WORDS:
        return "yes"
    if word in NO_WORDS:
        return "no"
    raise _refuse(field, "{value} is not yes or no.", value=text[:40])


def _plain_decimal(number: Decimal) -> str:
    shown = format(number.normalize(), "f")
    return "0" if shown in ("-0", "") else shown


def money_cents(field: Field, text: str) -> int:
    """An amount of money as whole cents: ``1,234.5``, ``¥12``, ``-3.05``."""
    plain = _MONEY_SIGNS.sub("", text.strip()).replace(",", "").replace(" ", "")
    if not _MONEY.match(plain):
        raise _refuse(field, "{value} is not an amount of money (e.g. 1234.50).",
                      value=text[:40])
    try:
        amount = Decimal(plain)
    except InvalidOperation:
        raise _refuse(field, "{value} is not an amount of money (e.g. 1234.50).",
                      value=text[:40]) from None
    if abs(amount) >= MONEY_LIMIT:
        raise _refuse(field, "{value} is too large an amount.", value=text[:40])
    return int(amount * 100)


def shown(field: Field, stored: str | None) -> str:
    """A stored value as a form or a sheet writes it (money with two decimals)."""
    if stored is None or stored == "":
        return ""
    if field.type == "money":
        cents = int(stored)
        sign = "-" if cents < 0 else ""
        return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"
    return stored


_CHECKS = {
    "text": _text,
    "memo": _memo,
    "number": _number,
    "date": _date,
    "link": _link,
    "money": lambda field, text: str(money_cents(field, text)),
    "yesno": _yes_no,
}
_FIELD_COLUMNS = "id, kind, name, type, required, position, in_list"


def _field(row) -> Field:
    return Field(row[0], row[1], row[2], row[3], bool(row[4]), row[5], bool(row[6]))


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, got {kind!r}")


class CustomFields:
    """The custom fields and their values, of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- the fields -----------------------------------------------------------------

    def fields_for(self, kind: str) -> list[Field]:
        """The kind's fields in their order."""
        _check_kind(kind)
        rows = self.store.connection().execute(
            f"SELECT {_FIELD_COLUMNS} FROM custom_fields WHERE kind = ? ORDER BY position, id",
            (kind,))
        return [_field(row) for row in rows]

    def field(self, field_id: int) -> Field | None:
        row = self.store.connection().execute(
            f"SELECT {_FIELD_COLUMNS} FROM custom_fields WHERE id = ?", (field_id,)).fetchone()
        return _field(row) if row else None

    def _check_name(self, kind: str, name: str, field_id: int | None) -> str:
        name = " ".join(name.split())
        if not name:
            raise CustomFieldError("A field needs a name.")
        if len(name) > NAME_LIMIT:
            raise CustomFieldError("A field's name has at most {n} characters.", n=NAME_LIMIT)
        taken = self.store.connection().execute(
            "SELECT id FROM custom_fields WHERE kind = ? AND name = ? COLLATE NOCASE",
            (kind, name)).fetchone()
        if taken and taken[0] != field_id:
            raise CustomFieldError("There is a field named {name} already.", name=name)
        return name

    def add(self, kind: str, name: str, type_: str, *, required: bool = False,
            in_list: bool = False) -> int:
        _check_kind(kind)
        if type_ not in TYPES:
            raise CustomFieldError("Choose the field's type.")
        name = self._check_name(kind, name, None)
        with self.store.transaction() as connection:
            count, last = connection.execute(
                "SELECT count(*), coalesce(max(position), 0) FROM custom_fields WHERE kind = ?",
                (kind,)).fetchone()
            if count >= FIELDS_PER_KIND:
                raise CustomFieldError("At most {n} fields per kind of record.",
                                       n=FIELDS_PER_KIND)
            cursor = connection.execute(
                "INSERT INTO custom_fields (kind, name, type, required, position, in_list, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (kind, name, type_, int(required), last + 1, int(in_list), time.time()))
        return int(cursor.lastrowid)

    def update(self, field_id: int, *, name: str, required: bool, in_list: bool) -> None:
        """A field's name, whether it is required, and whether the list shows it (its type
        stays: the values kept were checked for it)."""
        found = self.field(field_id)
        if found is None:
            raise CustomFieldError("There is no field {id}.", id=field_id)
        name = self._check_name(found.kind, name, field_id)
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE custom_fields SET name = ?, required = ?, in_list = ? WHERE id = ?",
                (name, int(required), int(in_list), field_id))

    def move(self, field_id: int, step: int) -> None:
        """One place up (-1) or down (+1) among its kind's fields."""
        found = self.field(field_id)
        if found is None:
            raise CustomFieldError("There is no field {id}.", id=field_id)
        order = [one.id for one in self.fields_for(found.kind)]
        with self.store.transaction() as connection:
            move_position(connection, "custom_fields", order, field_id, step)

    def value_count(self, field_id: int) -> int:
        """How many records have a value of the field (what a delete takes with it)."""
        return self.store.connection().execute(
            "SELECT count(*) FROM custom_values WHERE field_id = ?", (field_id,)).fetchone()[0]

    def delete(self, field_id: int) -> int:
        """Remove a field with its values; how many values went."""
        with self.store.transaction() as connection:
            count = connection.execute(
                "SELECT count(*) FROM custom_values WHERE field_id = ?", (field_id,)).fetchone()[0]
            connection.execute("DELETE FROM custom_values WHERE field_id = ?", (field_id,))
            connection.execute("DELETE FROM custom_fields WHERE id = ?", (field_id,))
        return count

    # ---- the values -----------------------------------------------------------------

    def values_of(self, kind: str, record_id: int) -> dict[int, str]:
        """The record's values by field id, as kept (see the module docstring)."""
        return self.values_for(kind, [record_id]).get(record_id, {})

    def values_for(self, kind: str, record_ids: list[int]) -> dict[int, dict[int, str]]:
        """Several records' values: record id -> field id -> value."""
        _check_kind(kind)
        found: dict[int, dict[int, str]] = {record_id: {} for record_id in record_ids}
        for start in range(0, len(record_ids), 500):
            chunk = record_ids[start:start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.store.connection().execute(
                "SELECT v.record_id, v.field_id, v.value FROM custom_values v "
                "JOIN custom_fields f ON f.id = v.field_id "
                f"WHERE f.kind = ? AND v.record_id IN ({marks})", (kind, *chunk))
            for record_id, field_id, value in rows:
                found[record_id][field_id] = value
        return found

    def check_values(self, kind: str, values: Mapping[object, object], *,
                     complete: bool = True, fields: list[Field] | None = None,
                     ) -> tuple[dict[int, str | None], dict[int, CustomFieldError]]:
        """Typed values (keyed by field id, ``cf<id>`` or name) checked: the values to keep
        by field id (None: empty) and the problems by field id. ``complete``: a field
        not given counts as empty (a form); otherwise it is left as it is (an import
        without its column, a caller setting some). ``fields``: the kind's, when the
        caller read them already (an import checks thousands of rows)."""
        fields = self.fields_for(kind) if fields is None else fields
        # By name, then by id and key (which win: a field named "3" is not field 3).
        by_key: dict[object, Field] = {one.name: one for one in fields}
        for one in fields:
            by_key.update({one.id: one, one.key: one, str(one.id): one})
        unknown = [key for key in values if key not in by_key]
        if unknown:
            raise CustomFieldError("There is no field {name}.", name=str(unknown[0])[:60])
        given = {by_key[key].id: typed for key, typed in values.items()}
        kept: dict[int, str | None] = {}
        problems: dict[int, CustomFieldError] = {}
        for one in fields:
            if one.id not in given and not complete:
                continue
            try:
                kept[one.id] = parse(one, given.get(one.id))
            except CustomFieldError as error:
                problems[one.id] = error
        return kept, problems

    def write(self, kind: str, record_id: int, kept: Mapping[int, str | None]) -> list[tuple]:
        """Keep checked values (``check_values``); the changes as (name, before, after)."""
        fields = {one.id: one for one in self.fields_for(kind)}
        before = self.values_of(kind, record_id)
        changes = []
        with self.store.transaction() as connection:
            for field_id, value in kept.items():
                one = fields.get(field_id)
                if one is None:
                    continue
                if before.get(field_id) == value:
                    continue
                if value is None:
                    connection.execute(
                        "DELETE FROM custom_values WHERE field_id = ? AND record_id = ?",
                        (field_id, record_id))
                else:
                    connection.execute(
                        "INSERT INTO custom_values (field_id, record_id, value) VALUES (?, ?, ?) "
                        "ON CONFLICT (field_id, record_id) DO UPDATE SET value = excluded.value",
                        (field_id, record_id, value))
                changes.append((one.name, shown(one, before.get(field_id)), shown(one, value)))
        return changes

    def write_new(self, kind: str, kept_by_record: Mapping[int, Mapping[int, str | None]]
                  ) -> None:
        """The checked values of records that have none yet (an import's new customers),
        all in one transaction."""
        fields = {one.id for one in self.fields_for(kind)}
        rows = [(field_id, record_id, value)
                for record_id, kept in kept_by_record.items()
                for field_id, value in kept.items() if value is not None and field_id in fields]
        if not rows:
            return
        with self.store.transaction() as connection:
            connection.executemany(
                "INSERT OR REPLACE INTO custom_values (field_id, record_id, value) "
                "VALUES (?, ?, ?)", rows)

    def set_values(self, kind: str, record_id: int, values: Mapping[object, object],
                   actor=None, *, complete: bool = False) -> list[tuple]:
        """Check and keep a record's values (keyed by field id, ``cf<id>`` or name); the
        first problem raises CustomFieldError naming its field. ``actor`` (a user, with
        ``id`` and ``username``): the change is written to the audit log as
        ``custom_values_changed`` of ``<kind> <record_id>``. The changes are returned."""
        kept, problems = self.check_values(kind, values, complete=complete)
        if problems:
            raise next(iter(problems.values()))
        changes = self.write(kind, record_id, kept)
        if changes and actor is not None:
            AuditLog(self.store).record(
                "custom_values_changed", username=getattr(actor, "username", ""),
                user_id=getattr(actor, "id", None), target=f"{kind} {record_id}",
                detail=structured_detail(changes=changes))
        return changes

    def forget(self, kind: str, record_id: int) -> None:
        """A removed record's values (customers' and contact records' go by themselves)."""
        _check_kind(kind)
        with self.store.transaction() as connection:
            connection.execute(
                "DELETE FROM custom_values WHERE record_id = ? AND field_id IN "
                "(SELECT id FROM custom_fields WHERE kind = ?)", (record_id, kind))

    def search_condition(self, kind: str, column: str) -> str:
        """SQL: ``column`` (a record id) has a text or memo value LIKE the one parameter
        (escaped with a backslash)."""
        _check_kind(kind)
        return (f"{column} IN (SELECT v.record_id FROM custom_values v JOIN custom_fields f "
                f"ON f.id = v.field_id WHERE f.kind = '{kind}' AND f.type IN ('text', 'memo') "
                "AND v.value LIKE ? ESCAPE '\\')")
