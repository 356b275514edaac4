"""Legal hold: the recordings retention must never delete, and who put them on hold.

A recording is held (``protected``) when any of these is:

- the recording itself;
- its call (every recording of the call);
- a customer whose numbers include the call's number, matched in E.164
  (every recording of every call from or to that customer, those to come
  included).

A voicemail message is held when its call is, by the last two
(``call_held_sql``): what holds a call's recordings holds its message too.

Who may place or lift a hold is the web UI's decision; this module keeps the
flags and writes each change to the audit log and the archive's hash chain
(``firmware.store.chain``) in the same transaction, so the log and the chain
hold exactly the changes that were made. Standard library only,
like the rest of the store, so that retention can use it wherever it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from firmware.store.audit import AuditLog
from firmware.store.chain import append_hold
from firmware.store.db import Store, StoreError


class LegalHoldError(StoreError, ValueError):
    """A hold that cannot be placed or lifted; the message says why."""


def protected_numbers_sql() -> str:
    """The E.164 numbers of protected customers, as a sub-query."""
    return (
        "SELECT n.number_e164 FROM customer_numbers n JOIN customers cu ON cu.id = n.customer_id "
        "WHERE cu.protected = 1 AND n.number_e164 IS NOT NULL"
    )


def held_sql(recording: str = "r", call: str = "c") -> str:
    """A SQL expression, 1 when the recording (alias ``recording``) is held, else 0.

    ``call`` is its call, LEFT JOINed (NULL columns when the index lost it).
    """
    return f"({recording}.protected = 1 OR {call_held_sql(call)})"


def call_held_sql(call: str = "c") -> str:
    """A SQL expression, 1 when the call (alias ``call``, LEFT JOINed: NULL columns when
    there is none) holds what belongs to it: the call itself, or one of its customers."""
    return (
        f"(coalesce({call}.protected, 0) = 1 OR "
        f"({call}.number_e164 IS NOT NULL AND {call}.number_e164 IN ({protected_numbers_sql()})))"
    )


@dataclass(frozen=True)
class Hold:
    """Why a recording is held: itself, its call, its customers (id, name); none: not held."""

    recording: bool = False
    call: bool = False
    customers: tuple[tuple[int, str], ...] = ()

    @property
    def held(self) -> bool:
        return self.recording or self.call or bool(self.customers)


@dataclass(frozen=True)
class Actor:
    """Who changes a hold, for the audit log."""

    username: str
    user_id: int | None = None
    address: str = ""


class LegalHold:
    """The legal-hold flags of one store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # ---- reading ----------------------------------------------------------------------

    def of_recording(self, recording_id: int) -> Hold:
        connection = self.store.connection()
        row = connection.execute(
            "SELECT r.protected, coalesce(c.protected, 0), c.number_e164 FROM recordings r "
            "LEFT JOIN calls c ON c.id = r.call_id WHERE r.id = ?",
            (recording_id,),
        ).fetchone()
        if row is None:
            return Hold()
        itself, call, number = row
        customers: tuple[tuple[int, str], ...] = ()
        if number:
            customers = tuple(
                connection.execute(
                    "SELECT DISTINCT cu.id, cu.name FROM customers cu JOIN customer_numbers n "
                    "ON n.customer_id = cu.id WHERE cu.protected = 1 AND n.number_e164 = ? "
                    "ORDER BY cu.id",
                    (number,),
                ).fetchall()
            )
        return Hold(bool(itself), bool(call), customers)

    def call_protected(self, call_id: int) -> bool:
        row = self.store.connection().execute(
            "SELECT protected FROM calls WHERE id = ?", (call_id,)
        ).fetchone()
        return bool(row and row[0])

    def customer_protected(self, customer_id: int) -> bool:
        row = self.store.connection().execute(
            "SELECT protected FROM customers WHERE id = ?", (customer_id,)
        ).fetchone()
        return bool(row and row[0])

    def held_among(self, recording_ids: list[int]) -> set[int]:
        """Which of ``recording_ids`` are held (for marks on a list)."""
        if not recording_ids:
            return set()
        marks = ", ".join("?" for _ in recording_ids)
        rows = self.store.connection().execute(
            f"SELECT r.id FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
            f"WHERE r.id IN ({marks}) AND {held_sql()}",
            recording_ids,
        )
        return {recording_id for (recording_id,) in rows}

    def count_held(self) -> int:
        """Recordings kept on the disk (not deleted, not missing) that are held."""
        return self.store.connection().execute(
            "SELECT count(*) FROM recordings r LEFT JOIN calls c ON c.id = r.call_id "
            f"WHERE r.state NOT IN ('deleted', 'missing') AND {held_sql()}"
        ).fetchone()[0]

    # ---- placing and lifting -----------------------------------------------------------

    def set_recording(self, recording_id: int, on: bool, actor: Actor) -> bool:
        """Hold or release one recording; True if that changed anything."""

        def refuse_deleted(state: str, reason: str | None) -> None:
            if on and state == "deleted":
                raise LegalHoldError(
                    f"recording {recording_id} was deleted by retention ({reason}): "
                    "there is nothing left to protect"
                )

        return self._set("recordings", recording_id, on, actor,
                         describe="path, state, delete_reason", check=refuse_deleted)

    def set_call(self, call_id: int, on: bool, actor: Actor) -> bool:
        """Hold or release every recording of a call; True if that changed anything."""
        return self._set("calls", call_id, on, actor,
                         describe="'line ' || line || ', ' || coalesce(number, '-')")

    def set_customer(self, customer_id: int, on: bool, actor: Actor) -> bool:
        """Hold or release every recording of the customer's calls; True if that changed
        anything. The flag is not a change of the customer (its latest change stays)."""
        return self._set("customers", customer_id, on, actor, describe="name")

    def _set(
        self,
        table: str,
        row_id: int,
        on: bool,
        actor: Actor,
        *,
        describe: str,
        check: Callable[..., None] | None = None,
    ) -> bool:
        """Set ``table``'s (a trusted name) protected flag of ``row_id`` and log the change,
        the row described for the log by the SQL columns ``describe`` (the first is the
        detail; all of them go to ``check``, which may refuse)."""
        noun = {"recordings": "recording", "calls": "call", "customers": "customer"}[table]
        with self.store.transaction() as connection:
            row = connection.execute(
                f"SELECT protected, {describe} FROM {table} WHERE id = ?", (row_id,)
            ).fetchone()
            if row is None:
                raise LegalHoldError(f"no {noun} with id {row_id}")
            if check is not None:
                check(*row[2:])
            if bool(row[0]) == on:
                return False
            connection.execute(f"UPDATE {table} SET protected = ? WHERE id = ?", (int(on), row_id))
            append_hold(connection, target=noun, target_id=row_id, on=on, by=actor.username)
            AuditLog(self.store).record(
                "protected" if on else "unprotected",
                username=actor.username,
                user_id=actor.user_id,
                target=f"{noun} {row_id}",
                detail=str(row[1]),
                address=actor.address,
                within=connection,
            )
        return True
