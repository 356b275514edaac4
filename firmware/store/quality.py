"""Quality inspection: scoring templates, inspection tasks with their sampled calls,
results and appeals, in the SQLite store.

``Quality(store)``:

- a template is a name and its items, each a text, a weight and a highest score; a
  result's total is the items' scores, each as a share of its highest, weighted, on
  100. A template no task uses yet is changed in place; a change to one in use makes
  the next version (a copy with the change) and retires the one in use, whose tasks
  and results keep it as it was. Retired templates take no new task.
- a task names its template, its inspectors and its rule: operators (or a group's
  members, as they are when it is made), days from and to, a share of the calls in
  percent, a minimum talk time, and whether only calls with a recording count. Its
  calls are sampled when it is made and written with it, so its results never move:
  each operator's calls on their lines that fit the rule, ordered by a hash of the
  task's seed and the call, the first ``ceil(share)`` of them (``sample``).
- a result per sampled call: each item's score (0 to its highest), a comment, who
  scored and when, the total computed.
- an appeal by the operator whose call it is, with a reason; an inspector or leader
  accepts it (with new scores) or rejects it, with a reason. One appeal per result.

Errors a person can cause are ``QualityError``: one sentence (English template and
values, shown translated by the web).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from firmware.store.db import RefusedChangeError, Store

NAME_LIMIT = 80
ITEM_TEXT_LIMIT = 200
MOST_ITEMS = 30
MOST_WEIGHT = 1000
MOST_MAX_SCORE = 100
COMMENT_LIMIT = 2000
REASON_LIMIT = 2000
MOST_DAYS = 366
MOST_MIN_DURATION_S = 24 * 3600
MOST_SAMPLES = 5000  # calls one task samples, at most
DAY_S = 86400
USABLE_RECORDING_STATES = ("complete", "repaired")


class QualityError(RefusedChangeError):
    """A template, task, score or appeal the store refuses (see ``RefusedChangeError``)."""


@dataclass(frozen=True)
class Item:
    id: int
    position: int
    text: str
    weight: float
    max_score: int


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    version: int
    replaces_id: int | None
    retired_at: float | None
    created_at: float
    items: tuple[Item, ...]
    tasks: int  # tasks that use it

    @property
    def total_weight(self) -> float:
        return sum(item.weight for item in self.items)

    def share(self, item: Item) -> float:
        """The item's part of the total of 100."""
        return 100 * item.weight / self.total_weight if self.total_weight else 0.0


@dataclass(frozen=True)
class ItemDraft:
    """An item as a person typed it, checked by ``checked_items``."""

    text: str
    weight: float
    max_score: int


@dataclass(frozen=True)
class Rule:
    """Which calls a task samples."""

    operator_ids: frozenset[int]
    since: float  # Unix seconds, first day's local midnight
    until: float  # the day after the last day's local midnight
    share: int  # percent, 1..100
    min_duration_s: int = 0
    recorded_only: bool = True


@dataclass(frozen=True)
class Picked:
    """A call a rule samples for one operator."""

    call_id: int
    recording_id: int | None
    operator_id: int
    line: int
    started_at: float
    duration_s: float | None


@dataclass(frozen=True)
class Task:
    id: int
    name: str
    template_id: int
    template_name: str
    template_version: int
    group_id: int | None
    day_from: str
    day_to: str
    share: int
    min_duration_s: int
    recorded_only: bool
    seed: str
    created_by: int | None
    created_at: float
    operator_ids: tuple[int, ...]
    inspector_ids: tuple[int, ...]
    samples: int
    scored: int


@dataclass(frozen=True)
class Appeal:
    id: int
    sample_id: int
    operator_id: int | None
    reason: str
    made_at: float
    state: str  # open, accepted, rejected
    decided_by_name: str
    decided_at: float | None
    decision: str
    total_before: float | None
    total_after: float | None


@dataclass(frozen=True)
class Result:
    inspector_id: int | None
    inspector_name: str
    scored_at: float
    total: float
    comment: str
    scores: dict[int, int]  # item id -> score


@dataclass(frozen=True)
class Sample:
    id: int
    task_id: int
    position: int
    call_id: int | None
    recording_id: int | None
    operator_id: int | None
    operator_name: str
    line: int
    started_at: float
    duration_s: float | None
    result: Result | None
    appeal: Appeal | None


@dataclass(frozen=True)
class ResultRow:
    """One scored call as the results pages list it."""

    sample_id: int
    task_id: int
    task_name: str
    operator_id: int | None
    operator_name: str
    line: int
    started_at: float
    scored_at: float
    total: float
    inspector_name: str
    comment: str
    appeal_state: str | None


def total_of(items: Iterable[Item], scores: dict[int, int]) -> float:
    """The total on 100: each item's score as a share of its highest, by its weight."""
    items = list(items)
    weight = sum(item.weight for item in items)
    if not weight:
        return 0.0
    got = sum(item.weight * scores.get(item.id, 0) / item.max_score for item in items)
    return round(100 * got / weight, 1)


def checked_items(drafts: Iterable[ItemDraft]) -> list[ItemDraft]:
    kept = []
    for position, draft in enumerate(drafts, 1):
        text = draft.text.strip()
        if not text:
            raise QualityError("Item {n}: write what is checked.", n=position)
        if len(text) > ITEM_TEXT_LIMIT:
            raise QualityError("Item {n}: at most {limit} characters.", n=position,
                               limit=ITEM_TEXT_LIMIT)
        if not (isinstance(draft.weight, int | float) and math.isfinite(draft.weight)
                and 0 < draft.weight <= MOST_WEIGHT):
            raise QualityError("Item {n}: the weight is a number above 0, at most {most}.",
                               n=position, most=MOST_WEIGHT)
        if not (isinstance(draft.max_score, int) and 1 <= draft.max_score <= MOST_MAX_SCORE):
            raise QualityError("Item {n}: the highest score is a whole number from 1 to {most}.",
                               n=position, most=MOST_MAX_SCORE)
        kept.append(ItemDraft(text, float(draft.weight), draft.max_score))
    if not kept:
        raise QualityError("A template needs at least one item.")
    if len(kept) > MOST_ITEMS:
        raise QualityError("A template has at most {most} items.", most=MOST_ITEMS)
    return kept


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise QualityError("Name: write a name.")
    if len(name) > NAME_LIMIT:
        raise QualityError("Name: at most {limit} characters.", limit=NAME_LIMIT)
    return name


def _order_key(seed: str, operator_id: int, call_id: int) -> str:
    return hashlib.sha256(f"{seed}:{operator_id}:{call_id}".encode()).hexdigest()


def sample_size(candidates: int, share: int) -> int:
    """How many of ``candidates`` calls a share of ``share`` percent samples (rounded up)."""
    return math.ceil(candidates * share / 100)


class Quality:
    """The quality inspection of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, sql: str, parameters: tuple = ()) -> list[tuple]:
        return self.store.connection().execute(sql, parameters).fetchall()

    # ---- templates ----------------------------------------------------------------

    def _items(self, template_ids: list[int]) -> dict[int, list[Item]]:
        found: dict[int, list[Item]] = {template_id: [] for template_id in template_ids}
        if not template_ids:
            return found
        marks = ", ".join("?" for _ in template_ids)
        for row in self._read(
                "SELECT template_id, id, position, text, weight, max_score FROM quality_items "
                f"WHERE template_id IN ({marks}) ORDER BY template_id, position",
                tuple(template_ids)):
            found[row[0]].append(Item(*row[1:]))
        return found

    def _templates(self, where: str = "1", parameters: tuple = ()) -> list[Template]:
        rows = self._read(
            "SELECT t.id, t.name, t.version, t.replaces_id, t.retired_at, t.created_at, "
            "(SELECT count(*) FROM quality_tasks k WHERE k.template_id = t.id) "
            f"FROM quality_templates t WHERE {where} "
            "ORDER BY t.retired_at IS NOT NULL, t.name COLLATE NOCASE, t.version DESC, t.id",
            parameters)
        items = self._items([row[0] for row in rows])
        return [Template(*row[:6], tuple(items[row[0]]), row[6]) for row in rows]

    def templates(self, *, include_retired: bool = True) -> list[Template]:
        return self._templates("1" if include_retired else "t.retired_at IS NULL")

    def template(self, template_id: int) -> Template | None:
        found = self._templates("t.id = ?", (template_id,))
        return found[0] if found else None

    def add_template(self, name: str, drafts: Iterable[ItemDraft], *, by: int | None,
                     now: float) -> int:
        name = _checked_name(name)
        items = checked_items(drafts)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO quality_templates (name, created_by, created_at) VALUES (?, ?, ?)",
                (name, by, now))
            template_id = int(cursor.lastrowid)
            self._write_items(connection, template_id, items)
        return template_id

    @staticmethod
    def _write_items(connection, template_id: int, items: list[ItemDraft]) -> None:
        connection.execute("DELETE FROM quality_items WHERE template_id = ?", (template_id,))
        connection.executemany(
            "INSERT INTO quality_items (template_id, position, text, weight, max_score) "
            "VALUES (?, ?, ?, ?, ?)",
            [(template_id, position, item.text, item.weight, item.max_score)
             for position, item in enumerate(items, 1)])

    def change_template(self, template_id: int, name: str, drafts: Iterable[ItemDraft], *,
                        by: int | None, now: float) -> int:
        """Change a template: in place while no task uses it; else the change is the next
        version and the one in use is retired. Returns the id of the template changed."""
        name = _checked_name(name)
        items = checked_items(drafts)
        with self.store.transaction() as connection:
            row = connection.execute(
                "SELECT version, retired_at, (SELECT count(*) FROM quality_tasks "
                "WHERE template_id = quality_templates.id) FROM quality_templates WHERE id = ?",
                (template_id,)).fetchone()
            if row is None:
                raise QualityError("There is no such template.")
            version, retired_at, used = row
            if retired_at is not None:
                raise QualityError("This template is retired: change its newest version.")
            if not used:
                connection.execute("UPDATE quality_templates SET name = ? WHERE id = ?",
                                   (name, template_id))
                self._write_items(connection, template_id, items)
                return template_id
            cursor = connection.execute(
                "INSERT INTO quality_templates (name, version, replaces_id, created_by, "
                "created_at) VALUES (?, ?, ?, ?, ?)", (name, version + 1, template_id, by, now))
            new_id = int(cursor.lastrowid)
            self._write_items(connection, new_id, items)
            connection.execute("UPDATE quality_templates SET retired_at = ? WHERE id = ?",
                               (now, template_id))
        return new_id

    def retire_template(self, template_id: int, *, now: float) -> bool:
        """Retire it (no new task uses it); False if it was retired already."""
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE quality_templates SET retired_at = ? WHERE id = ? AND retired_at IS NULL",
                (now, template_id))
        return bool(cursor.rowcount)

    # ---- sampling -----------------------------------------------------------------

    def operator_lines(self, operator_ids: Iterable[int]) -> dict[int, frozenset[int]]:
        ids = sorted(set(operator_ids))
        found: dict[int, set[int]] = {user_id: set() for user_id in ids}
        if ids:
            marks = ", ".join("?" for _ in ids)
            for user_id, line in self._read(
                    f"SELECT user_id, line FROM user_lines WHERE user_id IN ({marks})",
                    tuple(ids)):
                found[user_id].add(line)
        return {user_id: frozenset(lines) for user_id, lines in found.items()}

    def candidates(self, rule: Rule) -> dict[int, list[Picked]]:
        """Each operator's calls that fit the rule (before the share is taken)."""
        found: dict[int, list[Picked]] = {}
        recording = ("(SELECT min(r.id) FROM recordings r WHERE r.call_id = c.id AND r.state IN "
                     f"({', '.join(repr(state) for state in USABLE_RECORDING_STATES)}))")
        for operator_id, lines in self.operator_lines(rule.operator_ids).items():
            if not lines:
                found[operator_id] = []
                continue
            marks = ", ".join("?" for _ in lines)
            rows = self._read(
                f"SELECT * FROM (SELECT c.id, {recording} AS recording_id, c.line, c.started_at, "
                f"c.duration_s FROM calls c WHERE c.line IN ({marks}) AND c.started_at >= ? "
                "AND c.started_at < ? AND c.outcome != 'in_progress' "
                "AND coalesce(c.duration_s, 0) >= ?) "
                f"WHERE {'recording_id IS NOT NULL' if rule.recorded_only else '1'} "
                "ORDER BY started_at, id",
                (*sorted(lines), rule.since, rule.until, rule.min_duration_s))
            found[operator_id] = [Picked(row[0], row[1], operator_id, *row[2:]) for row in rows]
        return found

    def sample(self, rule: Rule, seed: str) -> list[Picked]:
        """The calls the rule samples with ``seed``: of each operator's candidates, the
        share (rounded up), ordered by a hash of the seed, operator and call; then by time.
        The same rule, seed and calls always give the same sample."""
        picked = []
        for operator_id, calls in sorted(self.candidates(rule).items()):
            ordered = sorted(calls, key=lambda p: _order_key(seed, operator_id, p.call_id))
            picked.extend(ordered[:sample_size(len(calls), rule.share)])
        return sorted(picked, key=lambda p: (p.started_at, p.call_id, p.operator_id))

    def preview(self, rule: Rule) -> dict[int, tuple[int, int]]:
        """For each operator: (calls that fit the rule, calls a task would sample)."""
        return {operator_id: (len(calls), sample_size(len(calls), rule.share))
                for operator_id, calls in self.candidates(rule).items()}

    # ---- tasks --------------------------------------------------------------------

    def create_task(self, name: str, template_id: int, rule: Rule, *, day_from: str,
                    day_to: str, inspector_ids: Iterable[int], group_id: int | None,
                    by: int | None, now: float, seed: str | None = None) -> int:
        """Make the task and write the calls it samples; returns its id."""
        name = _checked_name(name)
        self.check_rule(rule)
        inspectors = sorted(set(inspector_ids))
        if not inspectors:
            raise QualityError("Inspectors: choose at least one.")
        seed = seed or secrets.token_hex(8)
        template = self.template(template_id)
        if template is None:
            raise QualityError("Template: choose one from the list.")
        if template.retired_at is not None:
            raise QualityError("Template: this template is retired; choose a current one.")
        picked = self.sample(rule, seed)
        if len(picked) > MOST_SAMPLES:
            raise QualityError("The rule samples {n} calls: at most {most}. Choose a smaller "
                               "share or fewer days.", n=len(picked), most=MOST_SAMPLES)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO quality_tasks (name, template_id, group_id, day_from, day_to, since, "
                "until, share, min_duration_s, recorded_only, seed, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, template_id, group_id, day_from, day_to, rule.since, rule.until,
                 rule.share, rule.min_duration_s, int(rule.recorded_only), seed, by, now))
            task_id = int(cursor.lastrowid)
            connection.executemany(
                "INSERT INTO quality_task_operators (task_id, user_id) VALUES (?, ?)",
                [(task_id, user_id) for user_id in sorted(rule.operator_ids)])
            connection.executemany(
                "INSERT INTO quality_task_inspectors (task_id, user_id) VALUES (?, ?)",
                [(task_id, user_id) for user_id in inspectors])
            connection.executemany(
                "INSERT INTO quality_samples (task_id, position, call_id, recording_id, "
                "operator_id, line, started_at, duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(task_id, position, p.call_id, p.recording_id, p.operator_id, p.line,
                  p.started_at, p.duration_s) for position, p in enumerate(picked, 1)])
        return task_id

    @staticmethod
    def check_rule(rule: Rule) -> None:
        if not rule.operator_ids:
            raise QualityError("Operators: choose operators or a group with members.")
        if not isinstance(rule.share, int) or not 1 <= rule.share <= 100:
            raise QualityError("Share: a whole number from 1 to 100.")
        if not 0 <= rule.min_duration_s <= MOST_MIN_DURATION_S:
            raise QualityError("Minimum talk time: 0 to {most} seconds.",
                               most=MOST_MIN_DURATION_S)
        days = round((rule.until - rule.since) / DAY_S)
        if days < 1:
            raise QualityError("To: the last day comes before the first.")
        if days > MOST_DAYS:
            raise QualityError("To: a task covers at most {n} days.", n=MOST_DAYS)

    def _tasks(self, where: str, parameters: tuple) -> list[Task]:
        rows = self._read(
            "SELECT k.id, k.name, k.template_id, t.name, t.version, k.group_id, k.day_from, "
            "k.day_to, k.share, k.min_duration_s, k.recorded_only, k.seed, k.created_by, "
            "k.created_at, "
            "(SELECT group_concat(user_id) FROM quality_task_operators WHERE task_id = k.id), "
            "(SELECT group_concat(user_id) FROM quality_task_inspectors WHERE task_id = k.id), "
            "(SELECT count(*) FROM quality_samples s WHERE s.task_id = k.id), "
            "(SELECT count(*) FROM quality_samples s JOIN quality_results r "
            " ON r.sample_id = s.id WHERE s.task_id = k.id) "
            "FROM quality_tasks k JOIN quality_templates t ON t.id = k.template_id "
            f"WHERE {where} ORDER BY k.created_at DESC, k.id DESC", parameters)

        def ids(text: str | None) -> tuple[int, ...]:
            return tuple(sorted(int(part) for part in text.split(","))) if text else ()

        return [Task(*row[:10], bool(row[10]), *row[11:14], ids(row[14]), ids(row[15]),
                     *row[16:]) for row in rows]

    def tasks(self, *, inspector_id: int | None = None) -> list[Task]:
        """Every task, newest first; only those ``inspector_id`` inspects when given."""
        if inspector_id is None:
            return self._tasks("1", ())
        return self._tasks("k.id IN (SELECT task_id FROM quality_task_inspectors "
                           "WHERE user_id = ?)", (inspector_id,))

    def task(self, task_id: int) -> Task | None:
        found = self._tasks("k.id = ?", (task_id,))
        return found[0] if found else None

    # ---- samples and results --------------------------------------------------------

    def _samples(self, where: str, parameters: tuple) -> list[Sample]:
        rows = self._read(
            "SELECT s.id, s.task_id, s.position, s.call_id, s.recording_id, s.operator_id, "
            "coalesce(nullif(u.display_name, ''), u.username, ''), s.line, s.started_at, "
            "s.duration_s, r.inspector_id, r.inspector_name, r.scored_at, r.total, r.comment "
            "FROM quality_samples s LEFT JOIN users u ON u.id = s.operator_id "
            "LEFT JOIN quality_results r ON r.sample_id = s.id "
            f"WHERE {where} ORDER BY s.task_id, s.position", parameters)
        ids = [row[0] for row in rows]
        scores: dict[int, dict[int, int]] = {sample_id: {} for sample_id in ids}
        appeals: dict[int, Appeal] = {}
        for chunk in range(0, len(ids), 500):
            part = ids[chunk:chunk + 500]
            marks = ", ".join("?" for _ in part)
            for sample_id, item_id, score in self._read(
                    f"SELECT sample_id, item_id, score FROM quality_scores "
                    f"WHERE sample_id IN ({marks})", tuple(part)):
                scores[sample_id][item_id] = score
            for row in self._read(
                    f"SELECT {_APPEAL_COLUMNS} FROM quality_appeals WHERE sample_id IN ({marks}) "
                    "ORDER BY id", tuple(part)):
                appeals[row[1]] = Appeal(*row)
        found = []
        for row in rows:
            result = None if row[12] is None else Result(row[10], row[11], row[12], row[13],
                                                         row[14], scores[row[0]])
            found.append(Sample(*row[:10], result, appeals.get(row[0])))
        return found

    def samples(self, task_id: int) -> list[Sample]:
        return self._samples("s.task_id = ?", (task_id,))

    def sample_by_id(self, sample_id: int) -> Sample | None:
        found = self._samples("s.id = ?", (sample_id,))
        return found[0] if found else None

    def checked_scores(self, template: Template, scores: dict[int, object]) -> dict[int, int]:
        """Every item's score, a whole number from 0 to its highest."""
        kept = {}
        for position, item in enumerate(template.items, 1):
            given = scores.get(item.id)
            text = str(given).strip() if given is not None else ""
            if not text:
                raise QualityError("Item {n}: give a score.", n=position)
            if not text.isdigit() or len(text) > 4:
                raise QualityError("Item {n}: {value} is not a whole number.", n=position,
                                   value=text[:20])
            if int(text) > item.max_score:
                raise QualityError("Item {n}: {value} is above the highest score, {most}.",
                                   n=position, value=int(text), most=item.max_score)
            kept[item.id] = int(text)
        return kept

    def score(self, sample_id: int, scores: dict[int, object], comment: str, *,
              inspector_id: int | None, inspector_name: str, now: float,
              through_appeal: bool = False) -> tuple[float | None, float]:
        """Score a sampled call (or score it again); returns (the total before, after).
        While an appeal is open the scores change only through its decision."""
        sample = self.sample_by_id(sample_id)
        if sample is None:
            raise QualityError("There is no such sampled call.")
        if len(comment) > COMMENT_LIMIT:
            raise QualityError("Comment: at most {limit} characters.", limit=COMMENT_LIMIT)
        if (not through_appeal and sample.appeal is not None
                and sample.appeal.state == "open"):
            raise QualityError("An appeal is open: decide it to change the scores.")
        task = self.task(sample.task_id)
        template = self.template(task.template_id)
        kept = self.checked_scores(template, scores)
        total = total_of(template.items, kept)
        before = sample.result.total if sample.result else None
        with self.store.transaction() as connection:
            connection.execute(
                "INSERT INTO quality_results (sample_id, inspector_id, inspector_name, "
                "scored_at, total, comment) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (sample_id) DO UPDATE SET inspector_id = excluded.inspector_id, "
                "inspector_name = excluded.inspector_name, scored_at = excluded.scored_at, "
                "total = excluded.total, comment = excluded.comment",
                (sample_id, inspector_id, inspector_name, now, total, comment.strip()))
            connection.execute("DELETE FROM quality_scores WHERE sample_id = ?", (sample_id,))
            connection.executemany(
                "INSERT INTO quality_scores (sample_id, item_id, score) VALUES (?, ?, ?)",
                [(sample_id, item_id, score) for item_id, score in kept.items()])
        return before, total

    # ---- appeals ------------------------------------------------------------------

    def appeal(self, sample_id: int, operator_id: int, reason: str, *, now: float) -> int:
        """The operator whose call it is appeals its result; one appeal per result."""
        reason = reason.strip()
        if not reason:
            raise QualityError("Reason: say why the score is wrong.")
        if len(reason) > REASON_LIMIT:
            raise QualityError("Reason: at most {limit} characters.", limit=REASON_LIMIT)
        sample = self.sample_by_id(sample_id)
        if sample is None or sample.operator_id != operator_id:
            raise QualityError("There is no such sampled call.")
        if sample.result is None:
            raise QualityError("This call is not scored yet.")
        if sample.appeal is not None:
            raise QualityError("This result was appealed already.")
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "INSERT INTO quality_appeals (sample_id, operator_id, reason, made_at, "
                "total_before) VALUES (?, ?, ?, ?, ?)",
                (sample_id, operator_id, reason, now, sample.result.total))
        return int(cursor.lastrowid)

    def appeal_by_id(self, appeal_id: int) -> Appeal | None:
        rows = self._read(f"SELECT {_APPEAL_COLUMNS} FROM quality_appeals WHERE id = ?",
                          (appeal_id,))
        return Appeal(*rows[0]) if rows else None

    def decide(self, appeal_id: int, accept: bool, decision: str, *, by: int | None,
               by_name: str, now: float, scores: dict[int, object] | None = None
               ) -> tuple[float | None, float | None]:
        """Accept (score again with ``scores``) or reject an open appeal, with a reason;
        returns the total before and after."""
        decision = decision.strip()
        if not decision:
            raise QualityError("Reason: say why.")
        if len(decision) > REASON_LIMIT:
            raise QualityError("Reason: at most {limit} characters.", limit=REASON_LIMIT)
        appeal = self.appeal_by_id(appeal_id)
        if appeal is None:
            raise QualityError("There is no such appeal.")
        if appeal.state != "open":
            raise QualityError("This appeal was decided already.")
        before = after = appeal.total_before
        if accept:
            sample = self.sample_by_id(appeal.sample_id)
            comment = sample.result.comment if sample and sample.result else ""
            before, after = self.score(appeal.sample_id, scores or {}, comment,
                                       inspector_id=by, inspector_name=by_name, now=now,
                                       through_appeal=True)
        with self.store.transaction() as connection:
            cursor = connection.execute(
                "UPDATE quality_appeals SET state = ?, decided_by = ?, decided_by_name = ?, "
                "decided_at = ?, decision = ?, total_after = ? WHERE id = ? AND state = 'open'",
                ("accepted" if accept else "rejected", by, by_name, now, decision, after,
                 appeal_id))
            if not cursor.rowcount:
                raise QualityError("This appeal was decided already.")
        return before, after

    # ---- results ------------------------------------------------------------------

    def results(self, *, operator_ids: frozenset[int] | None = None,
                since: float | None = None, until: float | None = None) -> list[ResultRow]:
        """Scored calls, oldest call first: of ``operator_ids`` (None: everyone's), of
        calls started from ``since`` to before ``until``."""
        where, parameters = ["1"], []
        if operator_ids is not None:
            if not operator_ids:
                return []
            where.append(f"s.operator_id IN ({', '.join('?' for _ in operator_ids)})")
            parameters.extend(sorted(operator_ids))
        if since is not None:
            where.append("s.started_at >= ?")
            parameters.append(since)
        if until is not None:
            where.append("s.started_at < ?")
            parameters.append(until)
        rows = self._read(
            "SELECT s.id, s.task_id, k.name, s.operator_id, "
            "coalesce(nullif(u.display_name, ''), u.username, ''), s.line, s.started_at, "
            "r.scored_at, r.total, r.inspector_name, r.comment, "
            "(SELECT state FROM quality_appeals a WHERE a.sample_id = s.id ORDER BY id DESC "
            " LIMIT 1) "
            "FROM quality_samples s JOIN quality_results r ON r.sample_id = s.id "
            "JOIN quality_tasks k ON k.id = s.task_id "
            "LEFT JOIN users u ON u.id = s.operator_id "
            f"WHERE {' AND '.join(where)} ORDER BY s.started_at, s.id", tuple(parameters))
        return [ResultRow(*row) for row in rows]

    def samples_of_operator(self, operator_id: int) -> list[Sample]:
        """The operator's scored calls, newest first."""
        found = self._samples("s.operator_id = ? AND r.sample_id IS NOT NULL", (operator_id,))
        return sorted(found, key=lambda sample: (-sample.started_at, -sample.id))

    def open_appeals(self) -> list[tuple[Appeal, Sample]]:
        rows = self._read(f"SELECT {_APPEAL_COLUMNS} FROM quality_appeals WHERE state = 'open' "
                          "ORDER BY made_at, id")
        found = []
        for row in rows:
            appeal = Appeal(*row)
            sample = self.sample_by_id(appeal.sample_id)
            if sample is not None:
                found.append((appeal, sample))
        return found


_APPEAL_COLUMNS = ("id, sample_id, operator_id, reason, made_at, state, decided_by_name, "
                   "decided_at, decision, total_before, total_after")


__all__ = [
    "Appeal",
    "Item",
    "ItemDraft",
    "Picked",
    "Quality",
    "QualityError",
    "Result",
    "ResultRow",
    "Rule",
    "Sample",
    "Task",
    "Template",
    "checked_items",
    "sample_size",
    "total_of",
]
