"""Quality inspection in the store: templates' weights and versions, totals, the sampling
rule and its reproducibility, results and appeals."""

from __future__ import annotations

import pytest

from firmware.store.accounts import Accounts
from firmware.store.db import Store
from firmware.store.quality import (
    ItemDraft,
    Quality,
    QualityError,
    Rule,
    sample_size,
    total_of,
)

T0 = 1_767_225_600.0  # 2026-01-01 00:00 UTC
DAY = 86400.0


@pytest.fixture
def office(tmp_path):
    store = Store(tmp_path / "linerec.db")
    accounts = Accounts(store)
    ana = accounts.create_user("ana", "x", "operator", lines=frozenset({1})).id
    ben = accounts.create_user("ben", "x", "operator", lines=frozenset({2})).id
    insp = accounts.create_user("insp", "x", "operator", permissions=frozenset({"quality"})).id
    # Line 1: 20 answered calls of 10..29 s, each recorded; a missed one; one without recording.
    for index in range(20):
        started = T0 + 600 * index
        call = store.start_call(1, "in", started_at=started)
        store.update_call(call, answered_at=started)
        store.end_call(call, "answered", ended_at=started + 10 + index)
        recording = store.add_recording(1, f"r{index}.wav", "alaw", started, call_id=call)
        store.finish_recording(recording, ended_at=started + 10, samples=80, sha256="0")
    missed = store.start_call(1, "in", started_at=T0 + 50)
    store.end_call(missed, "missed", ended_at=T0 + 60)
    unrecorded = store.start_call(1, "in", started_at=T0 + 70)
    store.update_call(unrecorded, answered_at=T0 + 70)
    store.end_call(unrecorded, "answered", ended_at=T0 + 170)
    # Line 2: 3 calls, the next day.
    for index in range(3):
        started = T0 + DAY + 600 * index
        call = store.start_call(2, "out", started_at=started)
        store.update_call(call, answered_at=started)
        store.end_call(call, "answered", ended_at=started + 30)
        recording = store.add_recording(2, f"b{index}.wav", "alaw", started, call_id=call)
        store.finish_recording(recording, ended_at=started + 30, samples=80, sha256="0")
    yield store, {"ana": ana, "ben": ben, "insp": insp}, unrecorded
    store.close()


ITEMS = [ItemDraft("Greeting", 1, 5), ItemDraft("Solution", 3, 10)]


def rule(ids, *names, share=50, min_s=0, recorded=True, days=2):
    return Rule(frozenset(ids[name] for name in names), T0, T0 + days * DAY, share, min_s,
                recorded)


def test_weights_normalise_to_100_and_totals(office):
    store, ids, _ = office
    quality = Quality(store)
    template = quality.template(quality.add_template("Calls", ITEMS, by=ids["insp"], now=T0))
    assert [round(template.share(item)) for item in template.items] == [25, 75]
    greeting, solution = template.items
    assert total_of(template.items, {greeting.id: 5, solution.id: 10}) == 100.0
    assert total_of(template.items, {greeting.id: 0, solution.id: 5}) == 37.5
    assert total_of(template.items, {greeting.id: 4, solution.id: 0}) == 20.0


@pytest.mark.parametrize("drafts, message", [
    ([], "at least one item"),
    ([ItemDraft("", 1, 5)], "write what is checked"),
    ([ItemDraft("x" * 201, 1, 5)], "at most 200"),
    ([ItemDraft("a", 0, 5)], "weight"),
    ([ItemDraft("a", float("nan"), 5)], "weight"),
    ([ItemDraft("a", 1, 0)], "highest score"),
    ([ItemDraft("a", 1, 101)], "highest score"),
    ([ItemDraft("a", 1, 5)] * 31, "at most 30 items"),
])
def test_bad_items_are_refused(office, drafts, message):
    store, _, _ = office
    with pytest.raises(QualityError, match=message):
        Quality(store).add_template("T", drafts, by=None, now=T0)


def test_a_template_in_use_gets_a_new_version_and_keeps_its_results(office):
    store, ids, _ = office
    quality = Quality(store)
    first = quality.add_template("Calls", ITEMS, by=None, now=T0)
    # Not used yet: changed in place.
    assert quality.change_template(first, "Calls v1", ITEMS[:1], by=None, now=T0) == first
    assert len(quality.template(first).items) == 1
    task = quality.create_task("Jan", first, rule(ids, "ana"), day_from="2026-01-01",
                               day_to="2026-01-02", inspector_ids=[ids["insp"]], group_id=None,
                               by=ids["insp"], now=T0, seed="s")
    sample = quality.samples(task)[0]
    item = quality.template(first).items[0]
    quality.score(sample.id, {item.id: 3}, "ok", inspector_id=ids["insp"],
                  inspector_name="insp", now=T0)
    second = quality.change_template(first, "Calls", ITEMS, by=None, now=T0 + 1)
    assert second != first
    old, new = quality.template(first), quality.template(second)
    assert old.retired_at == T0 + 1 and len(old.items) == 1
    assert new.version == 2 and new.replaces_id == first and len(new.items) == 2
    assert quality.sample_by_id(sample.id).result.total == 60.0  # 3 of 5
    with pytest.raises(QualityError, match="retired"):
        quality.change_template(first, "Again", ITEMS, by=None, now=T0)
    with pytest.raises(QualityError, match="retired"):
        quality.create_task("Feb", first, rule(ids, "ana"), day_from="2026-01-01",
                            day_to="2026-01-02", inspector_ids=[ids["insp"]], group_id=None,
                            by=None, now=T0)
    assert quality.retire_template(second, now=T0) is True
    assert quality.retire_template(second, now=T0) is False
    assert quality.templates(include_retired=False) == []


def test_the_rule_samples_a_share_of_fitting_calls(office):
    store, ids, unrecorded = office
    quality = Quality(store)
    # ana: 20 recorded answered calls (the missed one has no talk time but no recording;
    # the unrecorded one counts only when recordings are not asked for).
    assert quality.preview(rule(ids, "ana", share=10)) == {ids["ana"]: (20, 2)}
    assert quality.preview(rule(ids, "ana", share=10, recorded=False))[ids["ana"]][0] == 22
    assert quality.preview(rule(ids, "ana", share=100, min_s=25)) == {ids["ana"]: (5, 5)}
    # The first day only: ben's calls are on the second.
    assert quality.preview(rule(ids, "ana", "ben", share=34, days=1)) == {
        ids["ana"]: (20, 7), ids["ben"]: (0, 0)}
    assert quality.preview(rule(ids, "ben", share=1)) == {ids["ben"]: (3, 1)}
    picked = quality.sample(rule(ids, "ana", share=25, min_s=12), "seed")
    assert len(picked) == sample_size(18, 25) == 5
    assert all(p.duration_s >= 12 and p.recording_id for p in picked)
    assert unrecorded not in {p.call_id for p in picked}


def test_sampling_is_reproducible_and_stored(office):
    store, ids, _ = office
    quality = Quality(store)
    chosen = rule(ids, "ana", "ben", share=30)
    one = [p.call_id for p in quality.sample(chosen, "abc")]
    assert one == [p.call_id for p in quality.sample(chosen, "abc")]
    assert one != [p.call_id for p in quality.sample(chosen, "xyz")]
    template = quality.add_template("T", ITEMS, by=None, now=T0)
    task = quality.create_task("Jan", template, chosen, day_from="2026-01-01",
                               day_to="2026-01-02", inspector_ids=[ids["insp"]], group_id=None,
                               by=None, now=T0, seed="abc")
    stored = [s.call_id for s in quality.samples(task)]
    assert stored == one
    # More calls later do not move a task's sample.
    late = store.start_call(1, "in", started_at=T0 + 100)
    store.update_call(late, answered_at=T0 + 100)
    store.end_call(late, "answered", ended_at=T0 + 200)
    recording = store.add_recording(1, "late.wav", "alaw", T0 + 100, call_id=late)
    store.finish_recording(recording, ended_at=T0 + 200, samples=80, sha256="0")
    assert [s.call_id for s in quality.samples(task)] == stored
    made = quality.task(task)
    assert made.samples == len(stored) and made.operator_ids == tuple(
        sorted((ids["ana"], ids["ben"]))) and made.inspector_ids == (ids["insp"],)


@pytest.mark.parametrize("changes, message", [
    ({"share": 0}, "Share"),
    ({"share": 101}, "Share"),
    ({"min_s": -1}, "Minimum"),
    ({"days": 0}, "before the first"),
    ({"days": 400}, "at most 366"),
])
def test_bad_rules_are_refused(office, changes, message):
    store, ids, _ = office
    quality = Quality(store)
    template = quality.add_template("T", ITEMS, by=None, now=T0)
    share, min_s, days = changes.get("share", 50), changes.get("min_s", 0), changes.get("days", 1)
    with pytest.raises(QualityError, match=message):
        quality.create_task("x", template, rule(ids, "ana", share=share, min_s=min_s, days=days),
                            day_from="a", day_to="b", inspector_ids=[1], group_id=None,
                            by=None, now=T0)


def _scored_task(quality, ids):
    template = quality.add_template("T", ITEMS, by=None, now=T0)
    task = quality.create_task("Jan", template, rule(ids, "ana", share=10), day_from="2026-01-01",
                               day_to="2026-01-02", inspector_ids=[ids["insp"]], group_id=None,
                               by=None, now=T0, seed="s")
    items = quality.template(template).items
    sample = quality.samples(task)[0]
    quality.score(sample.id, {items[0].id: 5, items[1].id: 4}, "weak solution",
                  inspector_id=ids["insp"], inspector_name="insp", now=T0 + 5)
    return sample.id, items


def test_scores_are_checked(office):
    store, ids, _ = office
    quality = Quality(store)
    sample_id, items = _scored_task(quality, ids)
    result = quality.sample_by_id(sample_id).result
    assert result.total == 55.0 and result.comment == "weak solution"  # 25 + 75 * 0.4
    for scores, message in (
        ({items[0].id: 6, items[1].id: 1}, "above the highest score"),
        ({items[0].id: "x", items[1].id: 1}, "not a whole number"),
        ({items[0].id: -1, items[1].id: 1}, "not a whole number"),
        ({items[0].id: 1}, "give a score"),
    ):
        with pytest.raises(QualityError, match=message):
            quality.score(sample_id, scores, "", inspector_id=None, inspector_name="", now=T0)
    with pytest.raises(QualityError, match="Comment"):
        quality.score(sample_id, {items[0].id: 1, items[1].id: 1}, "x" * 2001,
                      inspector_id=None, inspector_name="", now=T0)


def test_appeals_accepted_rejected_and_only_once(office):
    store, ids, _ = office
    quality = Quality(store)
    sample_id, items = _scored_task(quality, ids)
    with pytest.raises(QualityError, match="no such"):
        quality.appeal(sample_id, ids["ben"], "not mine", now=T0)
    with pytest.raises(QualityError, match="Reason"):
        quality.appeal(sample_id, ids["ana"], "  ", now=T0)
    appeal_id = quality.appeal(sample_id, ids["ana"], "I solved it", now=T0 + 10)
    with pytest.raises(QualityError, match="appealed already"):
        quality.appeal(sample_id, ids["ana"], "again", now=T0)
    with pytest.raises(QualityError, match="appeal is open"):
        quality.score(sample_id, {items[0].id: 1, items[1].id: 1}, "", inspector_id=None,
                      inspector_name="", now=T0)
    assert [a.id for a, _ in quality.open_appeals()] == [appeal_id]
    before, after = quality.decide(appeal_id, True, "Right: it was solved", by=ids["insp"],
                                   by_name="insp", now=T0 + 20,
                                   scores={items[0].id: 5, items[1].id: 10})
    assert (before, after) == (55.0, 100.0)
    appeal = quality.appeal_by_id(appeal_id)
    assert appeal.state == "accepted" and appeal.total_after == 100.0
    assert quality.sample_by_id(sample_id).result.total == 100.0
    with pytest.raises(QualityError, match="decided already"):
        quality.decide(appeal_id, False, "no", by=None, by_name="", now=T0)
    assert quality.open_appeals() == []


def test_a_rejected_appeal_keeps_the_score(office):
    store, ids, _ = office
    quality = Quality(store)
    sample_id, _ = _scored_task(quality, ids)
    appeal_id = quality.appeal(sample_id, ids["ana"], "unfair", now=T0)
    with pytest.raises(QualityError, match="Reason"):
        quality.decide(appeal_id, False, "", by=None, by_name="", now=T0)
    assert quality.decide(appeal_id, False, "The recording says otherwise", by=ids["insp"],
                          by_name="insp", now=T0) == (55.0, 55.0)
    assert quality.sample_by_id(sample_id).result.total == 55.0
    rows = quality.results(operator_ids=frozenset({ids["ana"]}))
    assert [(row.total, row.appeal_state) for row in rows] == [(55.0, "rejected")]
    assert quality.results(operator_ids=frozenset({ids["ben"]})) == []
    assert quality.results(since=T0 + 5 * DAY) == []


def test_deleting_people_keeps_the_results(office):
    store, ids, _ = office
    quality = Quality(store)
    sample_id, _ = _scored_task(quality, ids)
    quality.appeal(sample_id, ids["ana"], "unfair", now=T0)
    accounts = Accounts(store)
    accounts.delete_user(ids["insp"])
    accounts.delete_user(ids["ana"])
    sample = quality.sample_by_id(sample_id)
    assert sample.operator_id is None and sample.result.total == 55.0
    assert sample.result.inspector_name == "insp" and sample.appeal.reason == "unfair"
    assert quality.task(sample.task_id).inspector_ids == ()
