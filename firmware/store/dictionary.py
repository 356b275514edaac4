"""The data dictionary: the parameter lists forms choose from instead of free text.

Each list (``LISTS``) holds entries in the admin's order. An entry's ``value`` is what a
record keeps and English readers see; ``label_zh`` is what Chinese readers see (empty:
the value). A retired entry is no longer offered, and records keeping it stay as they
are. Renaming an entry's value rewrites the records of this box that keep it
(``STORED_IN``: a list's table and column; a module adding a table that keeps a list's
values adds it there), so that a group renamed keeps its customers.

Contact types are the contact records' kinds, a fixed set the contacts table checks:
their entries can be relabelled, reordered and retired, not added to or renamed. Order
states are the steps the orders take (stock taken, given back, counted as sales): they
can be relabelled and reordered only.

Others read a list with ``Dictionary(store).values(list_name)`` (the values offered, in
order) or ``entries(list_name)``.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.db import RefusedChangeError, Store, move_position

# The lists, by name, with their English title.
LISTS = {
    "contact_types": "Contact types",
    "customer_levels": "Customer levels",
    "customer_groups": "Customer groups",
    "phone_types": "Phone types",
    "payment_methods": "Payment methods",
    "order_states": "Order states",
}
# Values fixed by a CHECK of their table or by the steps of the box's own code.
FIXED_LISTS = frozenset({"contact_types", "order_states"})
KEPT_LISTS = frozenset({"order_states"})  # every entry used: none retired
VALUE_LIMIT = 60
ENTRIES_PER_LIST = 200
# Where records keep a list's values: (table, column); renaming an entry rewrites them.
STORED_IN: dict[str, list[tuple[str, str]]] = {
    "customer_levels": [("customers", "grade")],
    "customer_groups": [("customers", "category")],
    "phone_types": [("customer_numbers", "label")],
    "payment_methods": [("orders", "payment")],
}


class DictionaryError(RefusedChangeError):
    """A change of a list the store refuses."""


@dataclass(frozen=True)
class Entry:
    id: int
    list_name: str
    value: str
    label_zh: str
    position: int
    retired: bool

    def label(self, language: str) -> str:
        """The entry as a reader of ``language`` sees it."""
        return self.label_zh if language == "zh-CN" and self.label_zh else self.value

    def names(self, text: str) -> bool:
        """Whether a stored ``text`` is this entry (its value, or its Chinese)."""
        return text in (self.value, self.label_zh) if text else False


def _check_list(list_name: str) -> None:
    if list_name not in LISTS:
        raise ValueError(f"list must be one of {', '.join(LISTS)}, got {list_name!r}")


_COLUMNS = "id, list_name, value, label_zh, position, retired"


def _entry(row) -> Entry:
    return Entry(row[0], row[1], row[2], row[3], row[4], bool(row[5]))


def _clean(text: str, what: str) -> str:
    text = " ".join(str(text or "").split())
    if len(text) > VALUE_LIMIT:
        raise DictionaryError("{what}: at most {n} characters.", what=what, n=VALUE_LIMIT)
    return text


class Dictionary:
    """The parameter lists of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def entries(self, list_name: str, *, retired: bool = True) -> list[Entry]:
        """The list's entries in order; ``retired`` False: only those offered."""
        _check_list(list_name)
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM dictionary_entries WHERE list_name = ? "
            f"{'' if retired else 'AND retired = 0 '}ORDER BY position, id", (list_name,))
        return [_entry(row) for row in rows]

    def values(self, list_name: str) -> list[str]:
        """The values offered (not retired), in the admin's order."""
        return [entry.value for entry in self.entries(list_name, retired=False)]

    def entry(self, entry_id: int) -> Entry | None:
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM dictionary_entries WHERE id = ?", (entry_id,)).fetchone()
        return _entry(row) if row else None

    def label(self, list_name: str, stored: str, language: str) -> str:
        """A stored value as a reader of ``language`` sees it (itself when not listed)."""
        for entry in self.entries(list_name):
            if entry.names(stored):
                return entry.label(language)
        return stored

    def _taken(self, list_name: str, value: str, entry_id: int | None) -> None:
        row = self.store.connection().execute(
            "SELECT id FROM dictionary_entries WHERE list_name = ? AND value = ? COLLATE NOCASE",
            (list_name, value)).fetchone()
        if row and row[0] != entry_id:
            raise DictionaryError("{value} is in the list already.", value=value)

    def add(self, list_name: str, value: str, label_zh: str = "") -> int:
        _check_list(list_name)
        if list_name in KEPT_LISTS:
            raise DictionaryError("The order states are fixed: change their Chinese or order.")
        if list_name in FIXED_LISTS:
            raise DictionaryError("The contact types are fixed: rename, reorder or retire them.")
        value, label_zh = _clean(value, "Value"), _clean(label_zh, "Chinese")
        if not value:
            raise DictionaryError("Write the entry's value.")
        self._taken(list_name, value, None)
        with self.store.transaction() as connection:
            count, last = connection.execute(
                "SELECT count(*), coalesce(max(position), 0) FROM dictionary_entries "
                "WHERE list_name = ?", (list_name,)).fetchone()
            if count >= ENTRIES_PER_LIST:
                raise DictionaryError("At most {n} entries per list.", n=ENTRIES_PER_LIST)
            cursor = connection.execute(
                "INSERT INTO dictionary_entries (list_name, value, label_zh, position) "
                "VALUES (?, ?, ?, ?)", (list_name, value, label_zh, last + 1))
        return int(cursor.lastrowid)

    def rename(self, entry_id: int, value: str, label_zh: str) -> int:
        """A new value and Chinese; the records keeping the old value get the new one.
        How many records were rewritten."""
        entry = self.entry(entry_id)
        if entry is None:
            raise DictionaryError("There is no entry {id}.", id=entry_id)
        value, label_zh = _clean(value, "Value"), _clean(label_zh, "Chinese")
        if entry.list_name in KEPT_LISTS and value != entry.value:
            raise DictionaryError("An order state's value is fixed: change its Chinese only.")
        if entry.list_name in FIXED_LISTS and value != entry.value:
            raise DictionaryError("A contact type's value is fixed: change its Chinese only.")
        if not value:
            raise DictionaryError("Write the entry's value.")
        self._taken(entry.list_name, value, entry_id)
        rewritten = 0
        with self.store.transaction() as connection:
            connection.execute(
                "UPDATE dictionary_entries SET value = ?, label_zh = ? WHERE id = ?",
                (value, label_zh, entry_id))
            if value != entry.value:
                for table, column in STORED_IN.get(entry.list_name, []):
                    exists = connection.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                        (table,)).fetchone()
                    if exists:
                        rewritten += connection.execute(
                            f"UPDATE {table} SET {column} = ? WHERE {column} = ?",
                            (value, entry.value)).rowcount
        return rewritten

    def move(self, entry_id: int, step: int) -> None:
        """One place up (-1) or down (+1)."""
        entry = self.entry(entry_id)
        if entry is None:
            raise DictionaryError("There is no entry {id}.", id=entry_id)
        order = [one.id for one in self.entries(entry.list_name)]
        with self.store.transaction() as connection:
            move_position(connection, "dictionary_entries", order, entry_id, step)

    def retire(self, entry_id: int, retired: bool = True) -> None:
        """No longer offer the entry (``retired`` False: offer it again)."""
        entry = self.entry(entry_id)
        if entry is None:
            raise DictionaryError("There is no entry {id}.", id=entry_id)
        if retired and entry.list_name in KEPT_LISTS:
            raise DictionaryError("Every order state is used by the orders: none is retired.")
        if retired and entry.list_name in FIXED_LISTS and len(
                self.entries(entry.list_name, retired=False)) <= 1:
            raise DictionaryError("Keep at least one contact type.")
        with self.store.transaction() as connection:
            connection.execute("UPDATE dictionary_entries SET retired = ? WHERE id = ?",
                               (int(retired), entry_id))


@dataclass(frozen=True)
class Choice:
    """One option of a form's select: the value sent, what is shown, whether the record
    has it, and whether it is a value the list does not offer (shown as such)."""

    value: str
    label: str
    selected: bool = False
    unlisted: bool = False


def choices(entries: list[Entry], current: str, language: str) -> list[Choice]:
    """The options of a select: the entries offered, the record's current value selected.
    A value the list names by its Chinese keeps its text (the record is not rewritten by
    opening its form); a retired entry's value or one no entry has is added, unlisted."""
    named = next((entry for entry in entries if entry.names(current)), None)
    offered = [
        Choice(current if entry is named else entry.value, entry.label(language),
               selected=entry is named)
        for entry in entries if not entry.retired
    ]
    if current and (named is None or named.retired):
        label = named.label(language) if named else current
        offered.append(Choice(current, label, selected=True, unlisted=True))
    return offered
