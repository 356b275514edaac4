"""The call-log search against a brute-force filter over a few thousand generated calls."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, replace

import numpy as np
import pytest

from firmware.store.call_filter import OUTCOMES, CallFilter, FilterError, RecordingFilter
from firmware.store.call_search import CALL_SORTS, COUNT_CAP, CallSearch
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.recording_notes import RecordingNotes, RecordingNotesError, parse_tags
from firmware.store.scopes import EVERY_LINE, EVERYTHING, LineScope, OwnerScope

DAY = 86400.0
T0 = 1_700_000_000.0
CALLS = 2500
LINES = 4
ADDERS = (1, 2)  # customers are added by two users


@dataclass
class Box:
    store: Store
    search: CallSearch
    calls: list  # CallRecord, as stored
    recordings: dict[int, list[int]]  # call id -> recording ids
    customers: list[tuple[int, str, int, set[str]]]  # id, name, added_by, numbers (E.164 or raw)


def _numbers(rng: np.random.Generator) -> list[tuple[str | None, str | None]]:
    """(number as given, E.164) pairs: mobiles, landlines, a short service number, oddities."""
    pairs: list[tuple[str | None, str | None]] = []
    for _ in range(120):
        mobile = f"1{rng.choice(['38', '39', '86', '50'])}{rng.integers(0, 10**8):08d}"
        pairs.append((mobile, "+86" + mobile))
    for _ in range(60):
        area = str(rng.choice(["010", "021", "0755", "028"]))
        local = f"{rng.integers(0, 10**8):08d}"
        pairs.append((area + local, "+86" + area[1:] + local))
    pairs += [("95588", None), ("12", None), ("*8#", None), (None, None)]
    return pairs


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    seed = int(os.environ.get("LINEREC_SEED", secrets.randbits(32)))
    print(f"\n[call search] random seed {seed} (replay with LINEREC_SEED={seed})")
    rng = np.random.default_rng(seed)
    store = Store(tmp_path_factory.mktemp("search") / "linerec.db")
    connection = store.connection()
    for user_id in ADDERS:
        connection.execute(
            "INSERT INTO users (id, username, password_hash, level, created_at, "
            "password_changed_at) VALUES (?, ?, 'x', 'operator', 0, 0)",
            (user_id, f"user{user_id}"),
        )
    numbers = _numbers(rng)
    rows = []
    for index in range(CALLS):
        number, e164 = numbers[int(rng.integers(len(numbers)))]
        started = T0 + float(rng.uniform(0, 60 * DAY))
        outcome = str(rng.choice(OUTCOMES, p=[0.6, 0.15, 0.1, 0.03, 0.04, 0.03, 0.05]))
        duration = None if outcome == "in_progress" else (
            float(rng.integers(1, 900)) if outcome == "answered" else 0.0
        )
        rows.append((index + 1, int(rng.integers(1, LINES + 1)), str(rng.choice(["in", "out"])),
                     outcome, number, e164, started, duration))
    connection.execute("BEGIN")
    connection.executemany(
        "INSERT INTO calls (id, line, direction, outcome, number, number_e164, started_at, "
        "duration_s) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    recordings: dict[int, list[int]] = {}
    for call_id, line, _, outcome, _, _, started, duration in rows:
        if outcome == "answered" and rng.random() < 0.8:
            for part in range(1 + int(rng.random() < 0.1)):
                cursor = connection.execute(
                    "INSERT INTO recordings (call_id, line, path, encoding, started_at, samples, "
                    "state) VALUES (?, ?, ?, 'alaw', ?, ?, 'complete')",
                    (call_id, line, f"x/{call_id}-{part}.wav", started + part,
                     int(duration * 8000)),
                )
                recordings.setdefault(call_id, []).append(cursor.lastrowid)
    connection.execute("COMMIT")
    customers_store = Customers(store)
    customers = []
    names = ["Zhang San", "Li Si", "Wang Wu", "张伟", "Zhao Liu", "Sun Qi", "ZHANG Min"]
    for index, (number, e164) in enumerate(numbers[:40]):
        if number is None:
            continue
        name = names[index % len(names)] + f" {index}"
        adder = ADDERS[index % 2]
        customer_id = customers_store.create(
            {"name": name}, [CustomerNumber(number, e164)], added_by=adder
        )
        customers.append((customer_id, name, adder, {e164 or number}))
    made = Box(store, CallSearch(store), store.calls(limit=CALLS), recordings, customers)
    yield made
    store.close()


# ---- the brute-force twin ---------------------------------------------------------------


def _customer_of(box: Box, call, owners: OwnerScope):
    """(id, name) of the visible customer the search shows beside ``call``."""
    visible = [c for c in box.customers if owners.allows(c[2])]
    for key in (call.number_e164, call.number):
        if not key:
            continue
        for customer_id, name, _, numbers in sorted(visible, key=lambda c: -c[0]):
            if key in numbers:
                return customer_id, name
    return None


def _number_matches(call, search: CallFilter) -> bool:
    forms = [form for form in (call.number, call.number_e164) if form]
    if search.number_match == "prefix":
        return any(form.startswith(search.number) for form in forms)
    return any(search.number in form for form in forms)


def _customer_matches(box: Box, call, search: CallFilter, owners: OwnerScope) -> bool:
    wanted = search.customer.lower()
    keys = {call.number_e164, call.number} - {None}
    return any(
        owners.allows(adder) and wanted in name.lower() and numbers & keys
        for _, name, adder, numbers in box.customers
    )


def _matches(box: Box, call, search: CallFilter, lines: LineScope, owners: OwnerScope) -> bool:
    duration = call.duration_s
    checks = (
        lines.allows(call.line),
        search.since is None or call.started_at >= search.since,
        search.until is None or call.started_at < search.until,
        not search.lines or call.line in search.lines,
        not search.direction or call.direction == search.direction,
        not search.outcomes or call.outcome in search.outcomes,
        not search.number or _number_matches(call, search),
        not search.customer or _customer_matches(box, call, search, owners),
        search.min_duration is None or (duration is not None and duration >= search.min_duration),
        search.max_duration is None or (duration is not None and duration <= search.max_duration),
        search.has_recording is None or search.has_recording == (call.id in box.recordings),
    )
    return all(checks)


def _sorted(calls: list, sort: str, descending: bool) -> list:
    """The search's order: the sort column (None first, as SQLite has it), then id."""
    columns = {"start": ("started_at",), "duration": ("duration_s",),
               "line": ("line", "started_at"), "number": ("number",)}[sort]

    def key(call):
        values = [getattr(call, column) for column in columns]
        return (*((0, 0) if value is None else (1, value) for value in values), call.id)

    return sorted(calls, key=key, reverse=descending)


def _random_filter(box: Box, rng: np.random.Generator) -> CallFilter:
    options: dict = {}
    call = box.calls[int(rng.integers(len(box.calls)))]
    if rng.random() < 0.4:
        start = T0 + float(rng.uniform(-DAY, 60 * DAY))
        options["since"] = start
        if rng.random() < 0.7:
            options["until"] = start + float(rng.choice([DAY, 7 * DAY, 30 * DAY]))
    if rng.random() < 0.3:
        options["lines"] = frozenset(int(n) for n in rng.choice(range(1, LINES + 1), 2))
    if rng.random() < 0.3:
        options["direction"] = str(rng.choice(["in", "out"]))
    if rng.random() < 0.3:
        options["outcomes"] = frozenset(str(o) for o in rng.choice(OUTCOMES, 2))
    if rng.random() < 0.5 and (call.number or call.number_e164):
        text = str(rng.choice([form for form in (call.number, call.number_e164) if form]))
        if rng.random() < 0.5:
            options["number_match"] = "prefix"
            options["number"] = text[: int(rng.integers(1, len(text) + 1))]
        else:
            start = int(rng.integers(0, len(text)))
            options["number"] = text[start : start + int(rng.integers(1, 7))]
    if rng.random() < 0.2:
        customer = box.customers[int(rng.integers(len(box.customers)))]
        name = customer[1]
        start = int(rng.integers(0, len(name) - 1))
        options["customer"] = name[start : start + int(rng.integers(1, 5))].lower()
    if rng.random() < 0.2:
        options["min_duration"] = float(rng.integers(0, 300))
    if rng.random() < 0.2:
        options["max_duration"] = float(rng.integers(0, 900))
    if rng.random() < 0.2:
        options["has_recording"] = bool(rng.random() < 0.5)
    return CallFilter(**options)


SCOPES = [
    (EVERY_LINE, EVERYTHING),
    (LineScope(lines=frozenset({1, 3})), OwnerScope(added_by=frozenset({1}))),
    (LineScope(lines=frozenset({2})), OwnerScope(added_by=frozenset({2}))),
    (LineScope(), EVERYTHING),
]


@pytest.mark.parametrize("window", [16, 300, 5000])
def test_searches_return_exactly_what_a_brute_force_filter_finds(box, rng, window):
    """Whichever way a search reads its page (a window in order, or its indexes)."""
    searcher = CallSearch(box.store, window=window)
    for _ in range(100):
        search = _random_filter(box, rng)
        lines, owners = SCOPES[int(rng.integers(len(SCOPES)))]
        sort = str(rng.choice(CALL_SORTS))
        descending = bool(rng.random() < 0.7)
        expected = _sorted(
            [c for c in box.calls if _matches(box, c, search, lines, owners)], sort, descending
        )
        limit = int(rng.choice([7, 50]))
        offset = int(rng.choice([0, limit, 3 * limit]))
        page = searcher.search_calls(
            search, lines, owners, sort=sort, descending=descending, offset=offset, limit=limit
        )
        context = (search, lines, owners, sort, descending, offset)
        assert [row.call.id for row in page.rows] == [
            c.id for c in expected[offset : offset + limit]
        ], context
        assert page.has_next == (len(expected) > offset + limit), context
        assert page.total == min(len(expected), COUNT_CAP), context
        assert page.more_than_total == (len(expected) > COUNT_CAP), context
        for row in page.rows:
            assert list(row.recording_ids) == box.recordings.get(row.call.id, []), context
            customer = _customer_of(box, row.call, owners)
            assert (row.customer_id, row.customer_name) == (customer or (None, None)), context


@pytest.mark.parametrize("window", [16, 5000])
def test_recording_searches_match_a_brute_force_filter(box, rng, window):
    searcher = CallSearch(box.store, window=window)
    calls = {call.id: call for call in box.calls}
    recordings = [  # (recording id, its call, its start)
        (recording_id, calls[call_id], calls[call_id].started_at + part)
        for call_id, ids in box.recordings.items()
        for part, recording_id in enumerate(ids)
    ]
    for _ in range(60):
        search = _random_filter(box, rng)
        lines, owners = SCOPES[int(rng.integers(len(SCOPES)))]
        undated = replace(search, since=None, until=None)
        expected = sorted(
            (
                (start, recording_id)
                for recording_id, call, start in recordings
                if _matches(box, call, undated, lines, owners)
                and (search.since is None or start >= search.since)
                and (search.until is None or start < search.until)
            ),
            reverse=True,
        )
        page = searcher.search_recordings(RecordingFilter(search), lines, owners, limit=20)
        assert [row.recording.id for row in page.rows] == [r for _, r in expected[:20]], search
        assert page.total == min(len(expected), COUNT_CAP)


def test_every_match_is_reached_by_paging_and_by_the_export_iterator(box):
    search = CallFilter(outcomes=frozenset({"answered"}), since=T0 + 10 * DAY)
    lines, owners = LineScope(lines=frozenset({1, 2})), EVERYTHING
    expected = _sorted(
        [c for c in box.calls if _matches(box, c, search, lines, owners)], "start", True
    )
    paged, offset = [], 0
    while True:
        page = box.search.search_calls(search, lines, owners, offset=offset, limit=100)
        paged += [row.call.id for row in page.rows]
        if not page.has_next:
            break
        offset += 100
    exported = [
        row.call.id
        for batch in box.search.iter_calls(search, lines, owners, batch=64)
        for row in batch
    ]
    assert paged == exported == [c.id for c in expected]
    capped = [r.call.id for b in box.search.iter_calls(search, lines, owners, limit=10) for r in b]
    assert capped == exported[:10]


def test_the_count_stops_at_the_cap(box):
    page = box.search.search_calls(CallFilter(), EVERY_LINE, EVERYTHING, limit=10)
    assert (page.total, page.more_than_total, page.has_next) == (COUNT_CAP, True, True)
    assert len(page.rows) == 10
    assert [row.call.id for row in page.rows] == [c.id for c in _sorted(box.calls, "start", True)][
        :10
    ]


def test_recording_search_by_call_fields_tags_and_notes(box):
    notes = RecordingNotes(box.store)
    some = sorted(r for ids in box.recordings.values() for r in ids)[:6]
    notes.update(some[0], "Customer complained about the invoice", ["complaint", "发票"])
    notes.update(some[1], "", ["complaint"])
    notes.update(some[2], "asked for an INVOICE copy", [])
    found = box.search.search_recordings(
        RecordingFilter(tags=frozenset({"complaint"})), EVERY_LINE, EVERYTHING
    )
    assert sorted(row.recording.id for row in found.rows) == some[:2]
    both = RecordingFilter(tags=frozenset({"complaint", "发票"}))
    assert [r.recording.id for r in box.search.search_recordings(
        both, EVERY_LINE, EVERYTHING).rows] == [some[0]]
    by_notes = box.search.search_recordings(RecordingFilter(notes="invoice"), EVERY_LINE,
                                            EVERYTHING)
    assert sorted(row.recording.id for row in by_notes.rows) == [some[0], some[2]]
    row = box.search.recording(some[0], EVERY_LINE, EVERYTHING)
    assert row.tags == ("complaint", "发票") and row.notes.startswith("Customer")
    assert row.call is not None and row.recording.id in box.recordings[row.call.id]
    other_lines = LineScope(lines=frozenset(set(range(1, LINES + 1)) - {row.recording.line}))
    assert box.search.recording(some[0], other_lines, EVERYTHING) is None
    assert box.search.recording(10**9, EVERY_LINE, EVERYTHING) is None
    # Call fields filter recordings by their own time and line.
    search = RecordingFilter(CallFilter(lines=frozenset({2}), direction="in"))
    page = CallSearch(box.store, window=20).search_recordings(
        search, EVERY_LINE, EVERYTHING, limit=500
    )
    assert page.rows and all(
        r.recording.line == 2 and r.call.direction == "in" for r in page.rows
    )
    expected = sum(
        1 for c in box.calls if c.line == 2 and c.direction == "in"
        for _ in box.recordings.get(c.id, [])
    )
    assert page.total == min(expected, COUNT_CAP)
    assert box.search.recording_totals(search, EVERY_LINE, EVERYTHING)[0] == expected
    assert notes.known_tags(EVERY_LINE)[0] == "complaint"
    assert notes.known_tags(LineScope()) == []


def test_notes_and_tags_are_checked():
    assert parse_tags("complaint, 发票，vip\nvip , ") == ["complaint", "发票", "vip"]
    with pytest.raises(FilterError, match="digits"):
        CallFilter(number="13a")
    with pytest.raises(FilterError, match="direction"):
        CallFilter(direction="sideways")
    with pytest.raises(FilterError, match="outcomes"):
        CallFilter(outcomes=frozenset({"won"}))


def test_notes_updates_refuse_bad_input(box):
    notes = RecordingNotes(box.store)
    with pytest.raises(RecordingNotesError, match="at most 20 tags"):
        notes.update(1, "", [f"t{n}" for n in range(21)])
    with pytest.raises(RecordingNotesError, match="characters"):
        notes.update(1, "x" * 5000, [])
    with pytest.raises(RecordingNotesError, match="no recording"):
        notes.update(10**9, "", [])


def test_unknown_sort_keys_and_page_sizes_are_refused(box):
    with pytest.raises(ValueError, match="sort by"):
        box.search.search_calls(CallFilter(), EVERY_LINE, EVERYTHING, sort="id; DROP TABLE")
    with pytest.raises(ValueError, match="page"):
        box.search.search_calls(CallFilter(), EVERY_LINE, EVERYTHING, limit=0)
