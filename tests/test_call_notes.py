"""Notes on calls in the store: kept, audited with the note before and after, found by the
call log's search (through their own trigram index, which the migration fills for the
calls already there), quickly on a large log."""

from __future__ import annotations

import time

import pytest

from firmware.store.audit import AuditLog, parse_detail
from firmware.store.call_filter import CallFilter, FilterError
from firmware.store.call_notes import MAX_CALL_NOTES, CallNotes, CallNotesError, Editor
from firmware.store.call_search import CallSearch
from firmware.store.db import Store
from firmware.store.schema import MIGRATIONS
from firmware.store.scopes import EVERY_LINE, EVERYTHING, LineScope

T0 = 1_767_225_600.0
ANA = Editor("ana", None, "192.0.2.7")


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as made:
        yield made


def found(store: Store, note: str, lines=EVERY_LINE, **options) -> list[int]:
    page = CallSearch(store).search_calls(CallFilter(note=note, **options), lines, EVERYTHING)
    return [row.call.id for row in page.rows]


def test_a_note_is_kept_audited_and_found(store):
    first = store.start_call(1, "in", started_at=T0, number="13800138000")
    second = store.start_call(2, "out", started_at=T0 + 60)
    notes = CallNotes(store)
    assert notes.update(first, "  Wants a QUOTE for 20 units\r\ncall back Friday ", ANA)
    assert store.call(first).notes == "Wants a QUOTE for 20 units\ncall back Friday"
    assert not notes.update(first, "Wants a QUOTE for 20 units\ncall back Friday", ANA)
    notes.update(second, "退款申请，客户很着急", ANA)
    # A word, any case; a part of three or more characters through the index, shorter by
    # reading the notes; Chinese alike.
    assert found(store, "quote") == [first]
    assert found(store, "friday") == [first]
    assert found(store, "20") == [first]
    assert found(store, "退款") == [second]
    assert found(store, "客户很着急") == [second]
    assert found(store, "nothing like it") == []
    assert found(store, "quote", LineScope(lines=frozenset({2}))) == []  # scope applies
    # Changing a note takes the old one out of the index.
    notes.update(first, "sent the quote", ANA)
    assert found(store, "friday") == []
    notes.update(first, "", ANA)
    assert found(store, "quote") == []
    entries = AuditLog(store).entries(action="call_notes_changed")
    assert [entry.target for entry in entries] == [f"call {first}", f"call {first}",
                                                   f"call {second}", f"call {first}"]
    assert entries[0].username == "ana" and entries[0].address == "192.0.2.7"
    assert parse_detail(entries[0].detail)["changes"] == [["notes", "sent the quote", ""]]
    assert parse_detail(entries[-1].detail)["changes"] == [
        ["notes", "", "Wants a QUOTE for 20 units\ncall back Friday"]]


def test_a_note_too_long_or_of_no_call_is_refused(store):
    call = store.start_call(1, "in", started_at=T0)
    with pytest.raises(CallNotesError, match="at most"):
        CallNotes(store).update(call, "x" * (MAX_CALL_NOTES + 1), ANA)
    with pytest.raises(CallNotesError, match="no call"):
        CallNotes(store).update(call + 1, "hello", ANA)
    with pytest.raises(FilterError):
        CallFilter(note="x" * 65)
    assert AuditLog(store).entries(action="call_notes_changed") == []


def test_the_migration_indexes_the_notes_of_calls_already_there(tmp_path, monkeypatch):
    path = tmp_path / "linerec.db"
    ours = next(n for n, text in enumerate(MIGRATIONS, 1) if "calls_notes_search" in text)
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", MIGRATIONS[: ours - 1])
    with Store(path) as old:
        noted = old.start_call(1, "in", started_at=T0, notes="complaint about invoice")
        old.start_call(1, "in", started_at=T0 + 1)
    monkeypatch.undo()
    with Store(path) as store:
        assert found(store, "invoice") == [noted]
        later = store.start_call(1, "in", started_at=T0 + 2, notes="another invoice")
        assert set(found(store, "invoice")) == {noted, later}


def test_a_note_is_found_quickly_among_a_hundred_thousand_calls(store):
    connection = store.connection()
    with store.transaction() as writing:
        writing.executemany(
            "INSERT INTO calls (line, direction, outcome, number, started_at, notes) "
            "VALUES (?, 'in', 'answered', ?, ?, ?)",
            [
                (1 + index % 4, f"1380013{index:04d}"[-11:], T0 + index,
                 f"order {index} shipped" if index % 10 == 0 else "")
                for index in range(100_000)
            ],
        )
    rare = store.start_call(3, "in", started_at=T0 + 50, notes="the parcel was damaged")
    connection.execute("ANALYZE")
    search = CallSearch(store)
    for note, lines, expected in (
        ("damaged", EVERY_LINE, [rare]),
        ("parcel was", LineScope(lines=frozenset({3})), [rare]),
        ("order 99990", EVERY_LINE, None),
        ("shipped", EVERY_LINE, None),
    ):
        began = time.perf_counter()
        page = search.search_calls(CallFilter(note=note), lines, EVERYTHING)
        took = time.perf_counter() - began
        assert took < 1.0, (note, took)
        if expected is not None:
            assert [row.call.id for row in page.rows] == expected
        else:
            assert page.rows
