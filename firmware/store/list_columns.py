"""Each user's choice and order of a list's columns (the customer list), kept in the store.

A choice is a list of column keys; which keys a list has is the page's business, so a
saved choice is read back filtered by the keys that still exist (a custom field deleted
since leaves its column out). No row: the list's default columns.
"""

from __future__ import annotations

import json

from firmware.store.db import Store

MAX_COLUMNS = 60
KEY_LIMIT = 40


class ListColumns:
    def __init__(self, store: Store) -> None:
        self.store = store

    def chosen(self, user_id: int, list_name: str) -> list[str] | None:
        """The user's columns in their order, or None when they kept the default."""
        row = self.store.connection().execute(
            "SELECT columns FROM list_columns WHERE user_id = ? AND list_name = ?",
            (user_id, list_name)).fetchone()
        if row is None:
            return None
        try:
            keys = json.loads(row[0])
        except ValueError:
            return None
        return [key for key in keys if isinstance(key, str)] if isinstance(keys, list) else None

    def save(self, user_id: int, list_name: str, columns: list[str]) -> None:
        kept = [key[:KEY_LIMIT] for key in columns[:MAX_COLUMNS]]
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO list_columns (user_id, list_name, columns) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, list_name) DO UPDATE SET columns = excluded.columns",
                (user_id, list_name, json.dumps(kept)))

    def reset(self, user_id: int, list_name: str) -> None:
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM list_columns WHERE user_id = ? AND list_name = ?",
                               (user_id, list_name))
