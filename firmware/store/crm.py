"""Customers, their phone numbers and contact records, in the SQLite store.

Every read takes an ``OwnerScope``: whose records the reader may see. The
numbers are kept as entered and in E.164 (the caller normalises them, so
this module stays free of the phone-number tables); the screen pop finds a
caller by the E.164 form of the number on the line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from firmware.store.custom_fields import CustomFields
from firmware.store.db import Store, StoreError
from firmware.store.scopes import OwnerScope
from firmware.store.sql_terms import like_pattern

CONTACT_KINDS = ("call", "visit", "email", "message", "note")
# How a customer list may be sorted: by name, or the latest change first.
CUSTOMER_ORDERS = {
    "name": "c.name COLLATE NOCASE, c.id",
    "updated": "c.updated_at DESC, c.id DESC",
}
CUSTOMER_FIELDS = (
    "name", "company", "category", "grade", "birthday", "gender", "email", "address", "notes"
)
GENDERS = ("", "male", "female")  # "": not given


class CustomerError(StoreError, ValueError):
    """A customer or contact change the store refuses."""


@dataclass(frozen=True)
class CustomerNumber:
    number: str
    number_e164: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    company: str
    category: str
    grade: str
    birthday: str | None
    email: str
    address: str
    notes: str
    added_by: int | None
    added_by_name: str | None
    created_at: float
    updated_at: float
    gender: str = ""  # one of GENDERS
    numbers: tuple[CustomerNumber, ...] = field(default=())


@dataclass(frozen=True)
class Contact:
    id: int
    customer_id: int
    customer_name: str
    added_by: int | None
    added_by_name: str | None
    kind: str
    at: float
    text: str
    call_id: int | None
    recording_id: int | None


_CUSTOMER_COLUMNS = (
    "c.id, c.name, c.company, c.category, c.grade, c.birthday, c.email, c.address, c.notes, "
    "c.added_by, coalesce(nullif(u.display_name, ''), u.username), c.created_at, c.updated_at, "
    "c.gender"
)
_CUSTOMER_FROM = "customers c LEFT JOIN users u ON u.id = c.added_by"
_CONTACT_COLUMNS = (
    "k.id, k.customer_id, c.name, k.added_by, coalesce(nullif(u.display_name, ''), u.username), "
    "k.kind, k.at, k.text, k.call_id, k.recording_id"
)
_CONTACT_FROM = (
    "contacts k JOIN customers c ON c.id = k.customer_id LEFT JOIN users u ON u.id = k.added_by"
)


class Customers:
    """The customers and contact records of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- reading ----------------------------------------------------------------

    def _numbers_of(self, customer_ids: list[int]) -> dict[int, tuple[CustomerNumber, ...]]:
        if not customer_ids:
            return {}
        marks = ", ".join("?" for _ in customer_ids)
        rows = self.store.connection().execute(
            "SELECT customer_id, number, number_e164, label FROM customer_numbers "
            f"WHERE customer_id IN ({marks}) ORDER BY id",
            customer_ids,
        )
        numbers: dict[int, list[CustomerNumber]] = {cid: [] for cid in customer_ids}
        for customer_id, number, e164, label in rows:
            numbers[customer_id].append(CustomerNumber(number, e164, label))
        return {cid: tuple(found) for cid, found in numbers.items()}

    def _customers(self, where: str, parameters: list, tail: str = "") -> list[Customer]:
        rows = (
            self.store.connection()
            .execute(f"SELECT {_CUSTOMER_COLUMNS} FROM {_CUSTOMER_FROM} WHERE {where} {tail}",
                     parameters)
            .fetchall()
        )
        numbers = self._numbers_of([row[0] for row in rows])
        return [Customer(*row, numbers=numbers[row[0]]) for row in rows]

    def get(self, customer_id: int, scope: OwnerScope) -> Customer | None:
        """The customer, if it exists and ``scope`` may see it."""
        condition, parameters = scope.condition("c.added_by")
        found = self._customers(f"c.id = ? AND {condition}", [customer_id, *parameters])
        return found[0] if found else None

    def exists(self, customer_id: int) -> bool:
        row = self.store.connection().execute(
            "SELECT 1 FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        return row is not None

    def by_number(self, number_e164: str | None, number: str | None, scope: OwnerScope
                  ) -> list[Customer]:
        """The visible customers with this number (matched in E.164, or as written)."""
        keys = [key for key in (number_e164, number) if key]
        if not keys:
            return []
        condition, parameters = scope.condition("c.added_by")
        marks = ", ".join("?" for _ in keys)
        return self._customers(
            f"c.id IN (SELECT customer_id FROM customer_numbers WHERE number_e164 IN ({marks}) "
            f"OR number IN ({marks})) AND {condition}",
            [*keys, *keys, *parameters],
            "ORDER BY c.updated_at DESC",
        )

    def number_is_known(self, number_e164: str | None, number: str | None) -> bool:
        """Whether any customer at all has this number, visible to the reader or not."""
        keys = [key for key in (number_e164, number) if key]
        if not keys:
            return False
        marks = ", ".join("?" for _ in keys)
        row = self.store.connection().execute(
            f"SELECT 1 FROM customer_numbers WHERE number_e164 IN ({marks}) OR number IN ({marks})",
            [*keys, *keys],
        ).fetchone()
        return row is not None

    def _search_where(
        self, scope: OwnerScope, text: str, category: str, grade: str
    ) -> tuple[str, list]:
        condition, parameters = scope.condition("c.added_by")
        conditions = [condition]
        if text:
            pattern = like_pattern(text)
            conditions.append(
                "(c.name LIKE ? ESCAPE '\\' OR c.company LIKE ? ESCAPE '\\' "
                "OR c.email LIKE ? ESCAPE '\\' OR c.id IN (SELECT customer_id FROM "
                "customer_numbers WHERE number LIKE ? ESCAPE '\\' "
                "OR number_e164 LIKE ? ESCAPE '\\') OR "
                + CustomFields(self.store).search_condition("customer", "c.id")
                + ")"
            )
            parameters += [pattern] * 6
        if category:
            conditions.append("c.category = ?")
            parameters.append(category)
        if grade:
            conditions.append("c.grade = ?")
            parameters.append(grade)
        return " AND ".join(conditions), parameters

    def search(
        self,
        scope: OwnerScope,
        *,
        text: str = "",
        category: str = "",
        grade: str = "",
        order: str = "name",
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[Customer]:
        """Visible customers whose name, company, email or a number contains ``text``.

        ``order`` is a key of CUSTOMER_ORDERS; ``limit`` None means all of them.
        """
        if order not in CUSTOMER_ORDERS:
            raise ValueError(f"order must be one of {', '.join(CUSTOMER_ORDERS)}, got {order!r}")
        where, parameters = self._search_where(scope, text, category, grade)
        return self._customers(
            where,
            [*parameters, -1 if limit is None else limit, offset],
            f"ORDER BY {CUSTOMER_ORDERS[order]} LIMIT ? OFFSET ?",
        )

    def count(self, scope: OwnerScope, *, text: str = "", category: str = "", grade: str = ""
              ) -> int:
        where, parameters = self._search_where(scope, text, category, grade)
        return self.store.connection().execute(
            f"SELECT count(*) FROM customers c WHERE {where}", parameters
        ).fetchone()[0]

    def of_groups(self, scope: OwnerScope, groups: list[str] | None) -> list[Customer]:
        """Visible customers of these groups (None: every visible customer), by name."""
        condition, parameters = scope.condition("c.added_by")
        if groups is not None:
            if not groups:
                return []
            condition += f" AND c.category IN ({', '.join('?' for _ in groups)})"
            parameters = [*parameters, *groups]
        return self._customers(condition, parameters, "ORDER BY c.name COLLATE NOCASE, c.id")

    def with_birthdays(self) -> list[Customer]:
        """Every customer whose birthday is known (for the birthday greetings)."""
        return self._customers("c.birthday IS NOT NULL AND c.birthday != ''", [], "ORDER BY c.id")

    def categories(self, scope: OwnerScope) -> list[str]:
        return self._distinct("category", scope)

    def grades(self, scope: OwnerScope) -> list[str]:
        return self._distinct("grade", scope)

    def _distinct(self, column: str, scope: OwnerScope) -> list[str]:
        """The values of ``column`` (a trusted column name) among the visible customers."""
        condition, parameters = scope.condition("added_by")
        rows = self.store.connection().execute(
            f"SELECT DISTINCT {column} FROM customers WHERE {column} != '' AND {condition} "
            f"ORDER BY {column}",
            parameters,
        )
        return [row[0] for row in rows]

    def contact_count(self, customer_id: int) -> int:
        """All of a customer's contact records, whoever added them (what a delete removes)."""
        return self.store.connection().execute(
            "SELECT count(*) FROM contacts WHERE customer_id = ?", (customer_id,)
        ).fetchone()[0]

    def create(
        self, fields: dict[str, object], numbers: list[CustomerNumber], added_by: int | None
    ) -> int:
        values = self._checked(fields)
        if not values.get("name"):
            raise CustomerError("a customer needs a name")
        now = time.time()
        values.update(added_by=added_by, created_at=now, updated_at=now)
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                f"INSERT INTO customers ({columns}) VALUES ({marks})", tuple(values.values())
            )
            customer_id = int(cursor.lastrowid)
            self._write_numbers(connection, customer_id, numbers)
        return customer_id

    def create_many(
        self,
        customers: list[tuple[dict[str, object], list[CustomerNumber]]],
        added_by: int | None,
    ) -> list[int]:
        """Add several customers in one transaction: all of them, or none on any error."""
        checked = []
        for fields, numbers in customers:
            values = self._checked(fields)
            if not values.get("name"):
                raise CustomerError("a customer needs a name")
            checked.append((values, numbers))
        now = time.time()
        ids = []
        with self.store.transaction() as connection:
            for values, numbers in checked:
                row = {**values, "added_by": added_by, "created_at": now, "updated_at": now}
                cursor = connection.execute(
                    f"INSERT INTO customers ({', '.join(row)}) "
                    f"VALUES ({', '.join('?' for _ in row)})",
                    tuple(row.values()),
                )
                ids.append(int(cursor.lastrowid))
                self._write_numbers(connection, ids[-1], numbers)
        return ids

    def update(
        self,
        customer_id: int,
        fields: dict[str, object],
        numbers: list[CustomerNumber] | None = None,
    ) -> None:
        values = self._checked(fields)
        if "name" in values and not values["name"]:
            raise CustomerError("a customer needs a name")
        values["updated_at"] = time.time()
        assignments = ", ".join(f"{column} = ?" for column in values)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                f"UPDATE customers SET {assignments} WHERE id = ?", (*values.values(), customer_id)
            )
            if cursor.rowcount != 1:
                raise CustomerError(f"no customer with id {customer_id}")
            if numbers is not None:
                connection.execute(
                    "DELETE FROM customer_numbers WHERE customer_id = ?", (customer_id,)
                )
                self._write_numbers(connection, customer_id, numbers)

    def delete(self, customer_id: int) -> None:
        """Remove a customer with its numbers and contact records."""
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM customers WHERE id = ?", (customer_id,))

    @staticmethod
    def _write_numbers(connection, customer_id: int, numbers: list[CustomerNumber]) -> None:
        connection.executemany(
            "INSERT INTO customer_numbers (customer_id, number, number_e164, label) "
            "VALUES (?, ?, ?, ?)",
            [(customer_id, n.number, n.number_e164, n.label) for n in numbers if n.number],
        )

    @staticmethod
    def _checked(fields: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(fields) - set(CUSTOMER_FIELDS))
        if unknown:
            raise ValueError(f"not customer fields: {unknown}; known: {list(CUSTOMER_FIELDS)}")
        values = dict(fields)
        if values.get("gender") is None and "gender" in values:
            values["gender"] = ""
        if values.get("gender", "") not in GENDERS:
            raise CustomerError(f"gender {values['gender']!r} is not one of male, female or ''")
        return values

    # ---- contact records --------------------------------------------------------

    def contacts(
        self,
        scope: OwnerScope,
        *,
        customer_id: int | None = None,
        call_id: int | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[Contact]:
        """Visible contact records, newest first, of one customer or one call if given: those
        ``scope`` may see, of customers ``scope`` may see."""
        condition, parameters = scope.condition("k.added_by")
        customer_condition, customer_parameters = scope.condition("c.added_by")
        conditions = [condition, customer_condition]
        parameters = [*parameters, *customer_parameters]
        if customer_id is not None:
            conditions.append("k.customer_id = ?")
            parameters.append(customer_id)
        if call_id is not None:
            conditions.append("k.call_id = ?")
            parameters.append(call_id)
        rows = self.store.connection().execute(
            f"SELECT {_CONTACT_COLUMNS} FROM {_CONTACT_FROM} WHERE {' AND '.join(conditions)} "
            "ORDER BY k.at DESC, k.id DESC LIMIT ? OFFSET ?",
            (*parameters, limit, offset),
        )
        return [Contact(*row) for row in rows]

    def contact(self, contact_id: int, scope: OwnerScope) -> Contact | None:
        condition, parameters = scope.condition("k.added_by")
        row = self.store.connection().execute(
            f"SELECT {_CONTACT_COLUMNS} FROM {_CONTACT_FROM} WHERE k.id = ? AND {condition}",
            (contact_id, *parameters),
        ).fetchone()
        return Contact(*row) if row else None

    def add_contact(
        self,
        customer_id: int,
        kind: str,
        text: str,
        *,
        added_by: int | None,
        at: float | None = None,
        call_id: int | None = None,
        recording_id: int | None = None,
    ) -> int:
        if kind not in CONTACT_KINDS:
            raise CustomerError(f"contact kind must be one of {', '.join(CONTACT_KINDS)}")
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO contacts (customer_id, added_by, kind, at, text, call_id, "
                "recording_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (customer_id, added_by, kind, at or time.time(), text, call_id, recording_id),
            )
            connection.execute(
                "UPDATE customers SET updated_at = ? WHERE id = ?", (time.time(), customer_id)
            )
        return int(cursor.lastrowid)

    def delete_contact(self, contact_id: int) -> None:
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
