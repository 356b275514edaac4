"""Opportunities: a possible sale to a customer, moved through its stages, with follow-ups.

Read through the reader's ``OwnerScope`` by the opportunity's customer, as
orders are. The pipeline is the open and closed opportunities by stage,
with each stage's expected total in cents.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from firmware.store.db import Store
from firmware.store.sales import STAGE_KEYS, SalesError, customer_condition
from firmware.store.scopes import OwnerScope

TITLE_LIMIT = 200
TEXT_LIMIT = 4000
NEXT_STEP_LIMIT = 500
OPPORTUNITY_FIELDS = ("title", "stage", "amount_cents", "close_on", "owner_id")


@dataclass(frozen=True)
class Opportunity:
    id: int
    customer_id: int
    customer_name: str
    title: str
    stage: str
    amount_cents: int
    close_on: str | None
    owner_id: int | None
    owner_name: str | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class FollowUp:
    id: int
    opportunity_id: int
    on_day: str
    text: str
    next_step: str
    added_by_name: str | None
    created_at: float


_COLUMNS = (
    "p.id, p.customer_id, c.name, p.title, p.stage, p.amount_cents, p.close_on, p.owner_id, "
    "coalesce(nullif(u.display_name, ''), u.username), p.created_at, p.updated_at"
)
_FROM = ("opportunities p JOIN customers c ON c.id = p.customer_id "
         "LEFT JOIN users u ON u.id = p.owner_id")


class Opportunities:
    def __init__(self, store: Store) -> None:
        self.store = store

    def _select(self, scope: OwnerScope, where: str, values: list, tail: str = ""
                ) -> list[Opportunity]:
        condition, scope_values = customer_condition(scope, "p.customer_id")
        rows = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {condition} AND {where} {tail}",
            (*scope_values, *values))
        return [Opportunity(*row) for row in rows]

    def get(self, opportunity_id: int, scope: OwnerScope) -> Opportunity | None:
        found = self._select(scope, "p.id = ?", [opportunity_id])
        return found[0] if found else None

    def of_customer(self, customer_id: int, scope: OwnerScope) -> list[Opportunity]:
        return self._select(scope, "p.customer_id = ?", [customer_id],
                            "ORDER BY p.updated_at DESC, p.id DESC")

    def pipeline(self, scope: OwnerScope, *, owner_id: int | None = None,
                 limit_per_stage: int = 200) -> dict[str, list[Opportunity]]:
        """Each stage's opportunities, the latest changed first."""
        where, values = ("p.owner_id = ?", [owner_id]) if owner_id is not None else ("1", [])
        staged: dict[str, list[Opportunity]] = {stage: [] for stage in STAGE_KEYS}
        for found in self._select(scope, where, values, "ORDER BY p.updated_at DESC, p.id DESC"):
            if found.stage in staged and len(staged[found.stage]) < limit_per_stage:
                staged[found.stage].append(found)
        return staged

    def stage_totals(self, scope: OwnerScope, *, owner_id: int | None = None
                     ) -> dict[str, tuple[int, int]]:
        """Each stage's (count, expected total in cents), all of them, not only those shown."""
        condition, values = customer_condition(scope, "p.customer_id")
        if owner_id is not None:
            condition += " AND p.owner_id = ?"
            values.append(owner_id)
        totals = {stage: (0, 0) for stage in STAGE_KEYS}
        for stage, count, total in self.store.connection().execute(
                f"SELECT p.stage, count(*), sum(p.amount_cents) FROM opportunities p "
                f"WHERE {condition} GROUP BY p.stage", values):
            totals[stage] = (count, total)
        return totals

    def create(self, customer_id: int, fields: dict[str, object]) -> int:
        values = self._checked(fields)
        if not values.get("title"):
            raise SalesError("An opportunity needs a title.")
        now = time.time()
        values.update(customer_id=customer_id, created_at=now, updated_at=now)
        values.setdefault("stage", "lead")
        with self.store.transaction() as connection:
            cursor = connection.execute(
                f"INSERT INTO opportunities ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})", tuple(values.values()))
        return int(cursor.lastrowid)

    def update(self, opportunity_id: int, fields: dict[str, object]) -> None:
        values = self._checked(fields)
        if "title" in values and not values["title"]:
            raise SalesError("An opportunity needs a title.")
        values["updated_at"] = time.time()
        with self.store.transaction() as connection:
            cursor = connection.execute(
                f"UPDATE opportunities SET {', '.join(f'{name} = ?' for name in values)} "
                "WHERE id = ?", (*values.values(), opportunity_id))
        if cursor.rowcount != 1:
            raise SalesError("There is no opportunity {id}.", id=opportunity_id)

    @staticmethod
    def _checked(fields: dict[str, object]) -> dict[str, object]:
        unknown = sorted(set(fields) - set(OPPORTUNITY_FIELDS))
        if unknown:
            raise ValueError(f"not opportunity fields: {unknown}")
        if "stage" in fields and fields["stage"] not in STAGE_KEYS:
            raise SalesError("{stage} is not a stage.", stage=fields["stage"])
        return dict(fields)

    # ---- follow-ups -------------------------------------------------------------

    def follow_ups(self, opportunity_id: int) -> list[FollowUp]:
        rows = self.store.connection().execute(
            "SELECT f.id, f.opportunity_id, f.on_day, f.text, f.next_step, "
            "coalesce(nullif(u.display_name, ''), u.username), f.created_at "
            "FROM opportunity_followups f LEFT JOIN users u ON u.id = f.added_by "
            "WHERE f.opportunity_id = ? ORDER BY f.on_day DESC, f.id DESC", (opportunity_id,))
        return [FollowUp(*row) for row in rows]

    def add_follow_up(self, opportunity_id: int, on_day: str, text: str, next_step: str,
                      added_by: int | None) -> int:
        if not text:
            raise SalesError("Write what happened.")
        now = time.time()
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO opportunity_followups (opportunity_id, on_day, text, next_step, "
                "added_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (opportunity_id, on_day, text[:TEXT_LIMIT], next_step[:NEXT_STEP_LIMIT],
                 added_by, now))
            connection.execute("UPDATE opportunities SET updated_at = ? WHERE id = ?",
                               (now, opportunity_id))
        return int(cursor.lastrowid)
