"""Received text messages in the SQLite store, and what the send queue shares with them.

``SmsInbox(store)``: ``receive`` keeps a message (whole), linked to the customer whose
number matches; ``receive_part`` keeps a part of a long one and, with the last part in,
the whole message; ``expire_parts`` keeps what came of a long message whose other parts
never did (``MISSING_PART`` where each one is missing). A message or part read twice
(the box stopped between keeping it and the modem freeing its place) is kept once: a
message by its fingerprint (sender, the service centre's time stamp, text), a part by
its place in its message. The web lists them (``received``), counts the unread
(``unread_count``) and marks them read (``mark_read``).

Every change is one transaction written with ``synchronous=FULL``
(``durable_transaction``), as the send queue's (``firmware.store.sms``).
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from firmware.store.db import Store, StoreError
from firmware.store.scopes import EVERY_MESSAGE, MessageScope
from firmware.store.sql_terms import date_range, like_pattern

MISSING_PART = "[…]"  # where a part of a long received message never came


def message_terms(
    alias: str,
    time_column: str,
    *,
    since: float | None,
    until: float | None,
    scope: MessageScope,
    sent: bool,
    number: str,
    text: str,
    equal: tuple[tuple[str, object | None], ...] = (),
) -> tuple[list[str], list[object]]:
    """The WHERE terms a list of messages (sent: ``sms_outbox``, else ``sms_inbox``, as
    ``alias``) shares: ``time_column`` between ``since`` and ``until``, what ``scope``
    sees, a number containing ``number``, a text containing ``text``, and each of
    ``equal``'s columns equal to its value where that is not None."""
    conditions, parameters = date_range(f"{alias}.{time_column}", since, until)
    seen, seen_values = scope.condition(alias, sent=sent)
    conditions.append(seen)
    parameters += seen_values
    for column, value in equal:
        if value is not None:
            conditions.append(f"{alias}.{column} = ?")
            parameters.append(value)
    if number:
        conditions.append(
            f"({alias}.number LIKE ? ESCAPE '\\' OR {alias}.number_e164 LIKE ? ESCAPE '\\')")
        parameters += [like_pattern(number)] * 2
    if text:
        conditions.append(f"{alias}.text LIKE ? ESCAPE '\\'")
        parameters.append(like_pattern(text))
    return conditions, parameters


class SmsError(StoreError, ValueError):
    """A text message the store refuses (no number, no text, an unknown source)."""


@dataclass(frozen=True)
class ReceivedMessage:
    id: int
    number: str
    number_e164: str | None
    customer_id: int | None
    customer_name: str | None
    text: str
    sent_at: float | None  # the service centre's time stamp
    received_at: float
    parts: int
    complete: bool  # False: some parts of it never came (MISSING_PART marks where)
    read_at: float | None
    read_by: str | None


_IN_COLUMNS = (
    "i.id, i.number, i.number_e164, i.customer_id, c.name, i.text, i.sent_at, i.received_at, "
    "i.parts, i.complete, i.read_at, i.read_by"
)
_IN_FROM = "sms_inbox i LEFT JOIN customers c ON c.id = i.customer_id"


def number_keys(number: str | None, number_e164: str | None) -> list[str]:
    """The forms a number is matched by: E.164 first, then as written."""
    return [key for key in dict.fromkeys((number_e164, number)) if key]


def fingerprint(*values: object) -> str:
    return hashlib.sha256("\x00".join(map(str, values)).encode()).hexdigest()


@contextmanager
def durable_transaction(store: Store) -> Iterator[sqlite3.Connection]:
    """One write transaction, fsynced at its commit (``synchronous=FULL``): a queue that
    must not send twice cannot lose a commit to a power cut. (The pragma cannot change
    inside a transaction, so it is set around it.)"""
    connection = store.connection()
    connection.execute("PRAGMA synchronous = FULL")
    try:
        with store.transaction() as writing:
            yield writing
    finally:
        if not connection.in_transaction:
            connection.execute("PRAGMA synchronous = NORMAL")


def customer_of(connection: sqlite3.Connection, keys: list[str]) -> int | None:
    """The customer with one of these numbers (the latest changed, if several)."""
    if not keys:
        return None
    marks = ", ".join("?" for _ in keys)
    row = connection.execute(
        "SELECT n.customer_id FROM customer_numbers n JOIN customers c "
        f"ON c.id = n.customer_id WHERE n.number_e164 IN ({marks}) OR n.number IN ({marks}) "
        "ORDER BY c.updated_at DESC, c.id DESC LIMIT 1",
        [*keys, *keys],
    ).fetchone()
    return row[0] if row else None


class SmsInbox:
    """The received text messages of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, sql: str, parameters: list[object]) -> list[tuple]:
        return self.store.connection().execute(sql, parameters).fetchall()

    def receive(
        self,
        number: str,
        text: str,
        *,
        number_e164: str | None = None,
        sent_at: float | None,
        now: float,
    ) -> int | None:
        """Keep a received message, linked to the customer with its number; its id, or None
        when it was kept already (read twice)."""
        with durable_transaction(self.store) as connection:
            return self._keep(
                connection,
                number,
                text,
                number_e164=number_e164,
                sent_at=sent_at,
                now=now,
                key=fingerprint(number, sent_at, text),
            )

    def _keep(
        self,
        connection: sqlite3.Connection,
        number: str,
        text: str,
        *,
        number_e164: str | None,
        sent_at: float | None,
        now: float,
        key: str,
        parts: int = 1,
        complete: bool = True,
    ) -> int | None:
        cursor = connection.execute(
            "INSERT OR IGNORE INTO sms_inbox (number, number_e164, customer_id, text, sent_at, "
            "received_at, parts, complete, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                number,
                number_e164,
                customer_of(connection, number_keys(number, number_e164)),
                text,
                sent_at,
                now,
                parts,
                int(complete),
                key,
            ),
        )
        return int(cursor.lastrowid) if cursor.rowcount else None

    def receive_part(
        self,
        number: str,
        text: str,
        *,
        reference: int,
        total: int,
        sequence: int,
        number_e164: str | None = None,
        sent_at: float | None,
        now: float,
    ) -> int | None:
        """Keep part ``sequence`` of ``total`` of a long message (concatenation
        ``reference``); once every part is in, the whole message is kept and its id
        returned; None until then (and for a part read twice)."""
        if not 1 <= sequence <= total:
            raise SmsError(f"part {sequence} of {total} from {number}")
        with durable_transaction(self.store) as connection:
            connection.execute(
                "INSERT OR IGNORE INTO sms_inbox_parts (number, reference, total, sequence, "
                "number_e164, data, sent_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    number,
                    reference,
                    total,
                    sequence,
                    number_e164,
                    text.encode("utf-16-be", "surrogatepass"),
                    sent_at,
                    now,
                ),
            )
            return self._join_parts(connection, number, reference, total, now, whole=True)

    def _join_parts(
        self,
        connection: sqlite3.Connection,
        number: str,
        reference: int,
        total: int,
        now: float,
        *,
        whole: bool,
    ) -> int | None:
        parts = connection.execute(
            "SELECT sequence, data, sent_at, number_e164 FROM sms_inbox_parts WHERE number = ? "
            "AND reference = ? AND total = ? ORDER BY sequence",
            (number, reference, total),
        ).fetchall()
        if whole and len(parts) < total:
            return None
        found = {sequence: bytes(data) for sequence, data, _, _ in parts}
        missing = MISSING_PART.encode("utf-16-be")
        # A UTF-16 pair split across two parts by the sender's phone joins up again here.
        text = b"".join(found.get(sequence, missing) for sequence in range(1, total + 1)).decode(
            "utf-16-be", "replace"
        )
        sent_at = min((stamp for _, _, stamp, _ in parts if stamp is not None), default=None)
        number_e164 = next((e164 for _, _, _, e164 in parts if e164), None)
        connection.execute(
            "DELETE FROM sms_inbox_parts WHERE number = ? AND reference = ? AND total = ?",
            (number, reference, total),
        )
        return self._keep(
            connection,
            number,
            text,
            number_e164=number_e164,
            sent_at=sent_at,
            now=now,
            key=fingerprint(number, reference, total, sent_at, text),
            parts=total,
            complete=len(parts) == total,
        )

    def expire_parts(self, *, older_than: float, now: float) -> int:
        """Keep the long messages some of whose parts never came (their first part came
        before ``older_than``), with MISSING_PART where each one is missing; how many."""
        groups = self._read(
            "SELECT number, reference, total FROM sms_inbox_parts "
            "GROUP BY number, reference, total HAVING min(received_at) < ?",
            [older_than],
        )
        for number, reference, total in groups:
            with durable_transaction(self.store) as connection:
                self._join_parts(connection, number, reference, total, now, whole=False)
        return len(groups)

    def received_message(self, message_id: int) -> ReceivedMessage | None:
        rows = self._read(f"SELECT {_IN_COLUMNS} FROM {_IN_FROM} WHERE i.id = ?", [message_id])
        return self._received(rows[0]) if rows else None

    @staticmethod
    def _received(row: tuple) -> ReceivedMessage:
        values = list(row)
        values[9] = bool(values[9])
        return ReceivedMessage(*values)

    def received(
        self,
        *,
        number: str = "",
        customer_id: int | None = None,
        unread: bool | None = None,
        text: str = "",
        since: float | None = None,
        until: float | None = None,
        scope: MessageScope = EVERY_MESSAGE,
        message_id: int | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[ReceivedMessage]:
        """Received messages, newest first: from a number containing ``number``, from a
        customer, unread (True) or read (False), whose text contains ``text``, received
        between ``since`` and ``until``, that ``scope`` sees (``message_id``: that one
        only). ``limit`` None: all of them."""
        conditions, parameters = message_terms(
            "i", "received_at", since=since, until=until, scope=scope, sent=False,
            number=number, text=text, equal=(("id", message_id), ("customer_id", customer_id)))
        if unread is not None:
            conditions.append("i.read_at IS NULL" if unread else "i.read_at IS NOT NULL")
        where = " AND ".join(conditions) or "1"
        rows = self._read(
            f"SELECT {_IN_COLUMNS} FROM {_IN_FROM} WHERE {where} "
            "ORDER BY i.received_at DESC, i.id DESC LIMIT ? OFFSET ?",
            [*parameters, -1 if limit is None else limit, offset],
        )
        return [self._received(row) for row in rows]

    def unread_count(self, scope: MessageScope = EVERY_MESSAGE) -> int:
        seen, values = scope.condition("i", sent=False)
        return self._read(
            f"SELECT count(*) FROM sms_inbox i WHERE i.read_at IS NULL AND {seen}", values
        )[0][0]

    def mark_read(self, message_id: int, by: str, *, now: float) -> bool:
        """Mark a received message read by ``by`` (a user's name); False if it already was."""
        with durable_transaction(self.store) as connection:
            cursor = connection.execute(
                "UPDATE sms_inbox SET read_at = ?, read_by = ? WHERE id = ? AND read_at IS NULL",
                (now, by, message_id),
            )
        return bool(cursor.rowcount)
