"""Call figures: the hourly sums kept in step with the call log, and the figures read from
them per period, line and weekday hour, against calls counted by hand."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from firmware.store import call_figures
from firmware.store.call_figures import FIGURES, CallFigures, Tally
from firmware.store.db import Store
from firmware.store.schema import MIGRATIONS
from firmware.store.scopes import EVERY_LINE, LineScope

BEIJING = 8 * 3600
# Monday 5 Jan 2026, 00:00 in Beijing
MONDAY = 1_767_542_400.0  # 2026-01-04 16:00 UTC


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


def add_call(store: Store, line: int, direction: str, at: float, outcome: str, *,
             ring: float = 0.0, talk: float = 0.0, rating: int | None = None) -> int:
    call_id = store.start_call(line, direction, started_at=at)
    if outcome == "answered":
        store.update_call(call_id, answered_at=at + ring)
        store.end_call(call_id, "answered", ended_at=at + ring + talk)
    elif outcome != "in_progress":
        store.end_call(call_id, outcome, ended_at=at + ring)
    if rating is not None:
        store.update_call(call_id, survey=rating)
    return call_id


def known_calls(store: Store) -> None:
    """Seven calls whose figures are worked out by hand in the tests below."""
    hour = 3600
    # Monday 09:xx, line 1: two incoming answered (waits 4 s and 10 s, talks 60 s, 120 s),
    # one missed; rated 1 and 4.
    add_call(store, 1, "in", MONDAY + 9 * hour + 60, "answered", ring=4, talk=60, rating=1)
    add_call(store, 1, "in", MONDAY + 9 * hour + 600, "answered", ring=10, talk=120, rating=4)
    add_call(store, 1, "in", MONDAY + 9 * hour + 900, "missed", ring=20)
    # Monday 23:30, line 2: an outgoing answered call (talk 30 s; its ring is no wait).
    add_call(store, 2, "out", MONDAY + 23 * hour + 1800, "answered", ring=7, talk=30)
    # Tuesday 00:10, line 2: a blocked call and an outgoing unanswered one.
    add_call(store, 2, "in", MONDAY + 24 * hour + 600, "blocked", ring=1)
    add_call(store, 2, "out", MONDAY + 24 * hour + 700, "unanswered", ring=15)
    # Sunday 11 Jan 14:00, line 3: a call still ringing.
    add_call(store, 3, "in", MONDAY + 6 * 24 * hour + 14 * hour, "in_progress")


def test_the_figures_of_a_known_set_of_calls(store):
    known_calls(store)
    figures = CallFigures(store)
    week = (MONDAY, MONDAY + 7 * 86400)
    days = figures.by_period(EVERY_LINE, *week, BEIJING, "day")
    assert [(p.start, p.line) for p in days] == [
        (MONDAY, 1), (MONDAY, 2), (MONDAY + 86400, 2), (MONDAY + 6 * 86400, 3)]
    monday_1 = days[0].tally
    assert (monday_1.calls_in, monday_1.answered_in, monday_1.missed) == (3, 2, 1)
    assert monday_1.answered_share == pytest.approx(2 / 3)
    assert monday_1.average_wait_s == pytest.approx(7.0)
    assert monday_1.average_talk_s == pytest.approx(90.0)
    assert monday_1.average_rating == pytest.approx(2.5)
    monday_2 = days[1].tally
    assert (monday_2.calls_out, monday_2.answered_out, monday_2.waited) == (1, 1, 0)
    assert monday_2.average_wait_s is None and monday_2.average_talk_s == pytest.approx(30)
    tuesday = days[2].tally
    assert (tuesday.calls, tuesday.blocked, tuesday.missed, tuesday.answered) == (2, 1, 0, 0)
    assert tuesday.answered_share is None  # neither answered nor missed
    ringing = days[3].tally
    assert (ringing.calls_in, ringing.answered_share) == (1, None)

    whole = Tally()
    for period in figures.by_period(EVERY_LINE, *week, BEIJING, "week"):
        assert period.start == MONDAY  # weeks start on Monday, local time
        whole.add(period.tally)
    assert (whole.calls, whole.calls_in, whole.calls_out) == (7, 5, 2)
    assert whole.answered_share == pytest.approx(2 / 3)

    hours = figures.by_period(EVERY_LINE, MONDAY, MONDAY + 86400, BEIJING, "hour")
    assert [(p.start - MONDAY) / 3600 for p in hours] == [9, 23]

    by_line = figures.by_line(EVERY_LINE, *week, BEIJING)
    assert {line: tally.calls for line, tally in by_line.items()} == {1: 3, 2: 3, 3: 1}

    heat = figures.busiest_hours(EVERY_LINE, *week, BEIJING)
    assert heat[0][9] == 3 and heat[0][23] == 1 and heat[1][0] == 2 and heat[6][14] == 1
    assert sum(map(sum, heat)) == 7


def test_scopes_and_ranges(store):
    known_calls(store)
    figures = CallFigures(store)
    only_2 = figures.by_line(LineScope(lines=frozenset({2})), MONDAY, MONDAY + 7 * 86400,
                             BEIJING)
    assert list(only_2) == [2]
    assert figures.by_line(LineScope(), MONDAY, MONDAY + 7 * 86400, BEIJING) == {}
    tuesday_on = figures.by_line(EVERY_LINE, MONDAY + 86400, MONDAY + 7 * 86400, BEIJING)
    assert {line: tally.calls for line, tally in tuesday_on.items()} == {2: 2, 3: 1}
    # In UTC the Monday 23:30 call is on Monday at 15:30, the Tuesday ones still Monday.
    utc = figures.by_period(EVERY_LINE, MONDAY + BEIJING, MONDAY + BEIJING + 86400, 0, "day")
    assert sum(p.tally.calls for p in utc) == 6


def test_an_offset_of_half_an_hour_counts_in_its_own_hours(store):
    known_calls(store)
    india = 5 * 3600 + 1800
    figures = CallFigures(store)
    # 09:01 in Beijing is 06:31 in India: hour 6 of its day.
    hours = figures.by_period(EVERY_LINE, MONDAY, MONDAY + 86400, india, "hour")
    first = hours[0]
    assert (first.start + india) % 86400 == 6 * 3600
    assert first.tally.calls == 3


def _recounted(store: Store) -> dict:
    """The hourly sums as counted again from the calls, in the table's hours."""
    phase = CallFigures(store).phase()
    hours, parameters = CallFigures._from_calls(EVERY_LINE, 0, 4e9, phase)
    rows = store.connection().execute(hours, parameters)
    return {(h, line): tuple(values) for h, line, *values in rows if any(values)}


def _kept(store: Store) -> dict:
    rows = store.connection().execute(f"SELECT hour, line, {', '.join(FIGURES)} FROM call_hours")
    return {(hour, line): tuple(values) for hour, line, *values in rows if any(values)}


def test_the_hourly_sums_follow_every_change_to_the_calls(store):
    rng = np.random.default_rng(5)
    ids = []
    for _ in range(300):
        at = MONDAY + float(rng.uniform(0, 5 * 86400))
        outcome = str(rng.choice(["answered", "missed", "blocked", "unanswered",
                                  "in_progress"]))
        direction = "out" if outcome == "unanswered" else str(rng.choice(["in", "out"]))
        rating = int(rng.integers(1, 6)) if rng.random() < 0.3 else None
        ids.append(add_call(store, int(rng.integers(1, 5)), direction, at, outcome,
                            ring=float(rng.uniform(0, 30)), talk=float(rng.uniform(0, 900)),
                            rating=rating))
    assert _kept(store) == _recounted(store)
    connection = store.connection()
    # Changes as the engine, the survey and recovery make them, and a few by hand.
    for call_id in ids[:40]:
        store.update_call(call_id, survey=int(rng.integers(1, 6)))
    for call_id in ids[40:60]:
        connection.execute("UPDATE calls SET line = line % 4 + 1, started_at = started_at + "
                           "5000, notes = 'moved' WHERE id = ?", (call_id,))
    for call_id in ids[60:80]:
        store.update_call(call_id, survey=None)
    deleted, unanswered = ",".join(map(str, ids[80:100])), ",".join(map(str, ids[100:120]))
    connection.execute(f"DELETE FROM calls WHERE id IN ({deleted})")
    connection.execute("UPDATE calls SET outcome = 'missed', answered_at = NULL, "
                       f"duration_s = 0 WHERE id IN ({unanswered})")
    assert _kept(store) == _recounted(store)


def test_the_migration_counts_the_calls_already_logged(tmp_path):
    path = tmp_path / "linerec.db"
    connection = sqlite3.connect(path, isolation_level=None)
    # The schema as it was before the call figures (later migrations come after them).
    figures = next(number for number, text in enumerate(MIGRATIONS, 1)
                   if "CREATE TABLE call_hours" in text)
    for number, migration in enumerate(MIGRATIONS[: figures - 1], start=1):
        connection.executescript(f"BEGIN;\n{migration}\nPRAGMA user_version = {number};\n"
                                 "COMMIT;")
    connection.executemany(
        "INSERT INTO calls (line, direction, outcome, started_at, answered_at, duration_s, "
        "survey) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(1, "in", "answered", MONDAY + 10, MONDAY + 14, 60.0, 2),
         (1, "in", "missed", MONDAY + 20, None, 0.0, None),
         (2, "out", "answered", MONDAY + 7200, MONDAY + 7205, 30.0, None)],
    )
    connection.close()
    with Store(path) as store:
        assert _kept(store) == _recounted(store)
        (tally,) = CallFigures(store).by_line(EVERY_LINE, MONDAY, MONDAY + 3600, BEIJING
                                              ).values()
        assert (tally.calls_in, tally.answered_share, tally.average_wait_s) == (2, 0.5, 4.0)


def test_both_ways_of_counting_agree(store, monkeypatch):
    rng = np.random.default_rng(9)
    for _ in range(200):
        add_call(store, int(rng.integers(1, 4)), str(rng.choice(["in", "out"])),
                 MONDAY + float(rng.uniform(0, 20 * 86400)),
                 str(rng.choice(["answered", "missed"])), ring=float(rng.uniform(0, 20)),
                 talk=float(rng.uniform(0, 300)),
                 rating=int(rng.integers(1, 6)) if rng.random() < 0.5 else None)
    figures = CallFigures(store)
    span = (MONDAY - 86400, MONDAY + 21 * 86400)

    def everything():
        return (
            {period: figures.by_period(EVERY_LINE, *span, BEIJING, period)
             for period in call_figures.PERIODS},
            figures.by_line(EVERY_LINE, *span, BEIJING),
            figures.busiest_hours(EVERY_LINE, *span, BEIJING),
        )

    from_hours = everything()
    monkeypatch.setattr(figures, "_hours", CallFigures._from_calls)
    assert everything() == from_hours
    assert sum(p.tally.calls for p in from_hours[0]["week"]) == 200


def test_a_box_moved_to_a_half_hour_zone_counts_its_hours_again_once(store):
    rng = np.random.default_rng(11)
    for _ in range(300):
        add_call(store, int(rng.integers(1, 5)), str(rng.choice(["in", "out"])),
                 MONDAY + float(rng.uniform(0, 14 * 86400)),
                 str(rng.choice(["answered", "missed"])), ring=float(rng.uniform(0, 20)),
                 talk=float(rng.uniform(0, 300)),
                 rating=int(rng.integers(1, 6)) if rng.random() < 0.5 else None)
    figures = CallFigures(store)
    span = (MONDAY, MONDAY + 14 * 86400)
    for offset in (5 * 3600 + 1800, 5 * 3600 + 2700, -(3 * 3600 + 1800), BEIJING):
        # Local midnights: the range starts and ends on the zone's own hours.
        since, until = span[0] - offset, span[1] - offset
        table = {period: figures.by_period(EVERY_LINE, since, until, offset, period)
                 for period in call_figures.PERIODS}
        assert figures.phase() == offset % 3600
        assert figures.rephase(offset) is False  # counted once
        hours, parameters = CallFigures._from_calls(EVERY_LINE, since, until, offset)
        rows = store.connection().execute(
            f"SELECT h, line, {', '.join(FIGURES)} FROM ({hours}) ORDER BY 1, 2", parameters)
        counted = [(h * 3600 - offset, line, Tally.of(values)) for h, line, *values in rows]
        assert [(p.start, p.line, p.tally) for p in table["hour"]] == counted
        assert sum(p.tally.calls for p in table["week"]) == sum(t.calls for *_, t in counted)
        # New calls and changes are counted in the zone's hours by the triggers.
        add_call(store, 1, "in", since + 3600 * 30 + 1700, "answered", ring=3.0, talk=40.0)
        assert _kept(store) == _recounted(store)


def test_tallies_add_every_figure():
    assert Tally(*range(1, 13)).add(Tally(*range(1, 13))) == Tally(*range(2, 26, 2))
    assert len(FIGURES) == 12
