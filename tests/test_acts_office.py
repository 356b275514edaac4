"""Every act of the box end to end on the simulated office: the box set up for the
scenario as the demo is (``prepare_demo_box``), callers who hear it through their
lines' hybrids, and each call's expected result what the box logged."""

from __future__ import annotations

import json

import numpy as np
import pytest

from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.link import contract
from firmware.simulation.demo import prepare_demo_box
from firmware.simulation.office import Office
from firmware.simulation.prompts import prompt_audio as office_prompts
from firmware.simulation.scenario import from_document
from firmware.simulation.sounds import box_sounds
from firmware.store.audit import BOX_ACTOR
from firmware.store.db import Store
from firmware.store.firewall import Firewall
from firmware.store.voicemail import Voicemails
from tests.engine_config import configure

BLACK, RED = "13966660000", "13977770000"
VOICEMAIL = {"voicemail": True, "answered": False, "rings": 2}
MENU = {"rings": 2, "talk": 4.0}
SCENARIO = {"seed": 3, "lines": 4, "call": [
    # Line 1: voicemail after two rings; a message, then a caller who hangs up in the greeting.
    {"line": 1, "at": 1.0, "number": "13511112222", "message_s": 3.0, **VOICEMAIL},
    {"line": 1, "at": 100.0, "number": "13522223333", "hangs_up_after_s": 1.0, **VOICEMAIL},
    # Line 2: the demo's voice menu, each of its branches.
    {"line": 2, "at": 1.0, "ivr_keys": "1", "ivr_to": "survey", "survey": "4", **MENU},
    {"line": 2, "at": 100.0, "ivr_keys": "2", "ivr_to": "announcement", **MENU},
    {"line": 2, "at": 200.0, "ivr_keys": "3", "ivr_to": "voicemail", "message_s": 3.0, **MENU},
    {"line": 2, "at": 300.0, "ivr_keys": "0", "ivr_to": "ring_through", **MENU},
    # Line 3 announces its inbound calls.
    {"line": 3, "at": 1.0, "rings": 1, "talk": 6.0, "announced": True},
    # Line 4: a black-listed caller, then a red-listed one who rings on to the office.
    {"line": 4, "at": 1.0, "number": BLACK, "firewall": "black", "rings": 3, "talk": 2.0},
    {"line": 4, "at": 60.0, "number": RED, "firewall": "red", "rings": 2, "talk": 4.0},
]}


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """The scenario played once through the engine; (office, events, data folder)."""
    data = tmp_path_factory.mktemp("office")
    scenario = from_document(SCENARIO)
    configure(data, scenario.lines)
    set_up = prepare_demo_box(data, scenario)
    prefix = "acts-all-"
    events: list[contract.Event] = []
    engine = Engine(data, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=office_prompts)
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    office.start()
    office.join(timeout=600)
    assert engine.wait(timeout=60), "the lines did not finish"
    engine.stop()
    return office, events, data, set_up


def test_the_box_is_set_up_for_the_scenario_through_its_stores(played):
    _, _, data, set_up = played
    assert set_up == [
        "line 1: voicemail after 2 rings",
        "line 3: the announcement before recording (inbound)",
        "line 2: the voice menu 'Demo menu' after 2 rings",
        f"the black list: {BLACK}",
        f"the red list: {RED}",
    ]
    with Store(data / "linerec.db") as store:
        entries = Firewall(store).entries()
        assert {(e.list, e.number) for e in entries} == {
            ("black", "+86" + BLACK), ("red", "+86" + RED)}
        actions = [row[0] for row in store.connection().execute(
            "SELECT action FROM audit_log WHERE username = ? ORDER BY id", (BOX_ACTOR,))]
    assert actions[:4] == ["settings_changed", "ivr_menu_added", "ivr_line_assigned",
                           "firewall_entry_added"]


def test_every_act_ends_as_its_caller_expected(played):
    office, events, data, _ = played
    with Store(data / "linerec.db") as store:
        calls = sorted(store.calls(), key=lambda c: (c.line, c.started_at))
        messages = {call.id: Voicemails(store).by_call(call.id) for call in calls}
        recordings = {r.call_id: r for r in store.recordings()}
        marks = {m.recording_id: m for m in store.recording_marks(
            [r.id for r in recordings.values()])}
    expected = sorted(office.expected, key=lambda c: (c.line, c.started_at))
    assert len(calls) == len(expected) == len(SCENARIO["call"])
    ended = {e.call_id: e for e in events if isinstance(e, contract.ActEnded)}
    seen = set()
    for call, truth in zip(calls, expected, strict=True):
        where = f"line {call.line} call at {truth.started_at:.0f}: {truth.act}"
        assert (call.line, call.outcome) == (truth.line, truth.outcome), where
        if truth.act is None:  # the red-listed caller
            assert call.id not in ended and call.blocked_by is None, where
            continue
        seen.add(truth.act if truth.act != "ivr" else f"ivr:{truth.ivr_end}")
        act = ended[call.id]
        assert (act.act, act.outcome, act.value) == (
            truth.act, truth.act_outcome, truth.act_value), where
        assert call.blocked_by == truth.blocked_by, where
        if truth.rating is not None or truth.act == "survey":
            assert call.survey == truth.rating, where
        message = messages[call.id]
        if truth.message_s is None:
            assert message is None, where
        else:
            assert message is not None and abs(message.seconds - truth.message_s) < 1.0, where
        if truth.act == "ivr":
            assert json.loads(call.ivr_path)["end"] == truth.ivr_end, where
        if truth.act == "announcement":
            assert marks[recordings[call.id].id].kind == "announcement", where
        if truth.blocked_by:
            assert call.id not in recordings, where  # a blocked caller is never recorded
    assert seen == {"voicemail", "announcement", "firewall", "ivr:survey", "ivr:announcement",
                    "ivr:voicemail", "ivr:ring_through"}


def test_the_callers_heard_the_box_and_the_box_answered_when_they_expected(played):
    office, _, _, _ = played
    for agent in office.callers:
        if agent.heard.answered_in_ring is not None:
            assert agent.heard.answered_in_ring in (1, 2)
    announced = [agent for agent in office.callers if agent.heard.seized_at is None
                 and agent.heard.prompts]
    assert announced, "the announced call's parties heard nothing"
    # The caller who hung up during the greeting: busy tone until the box let go.
    hung_up = [a for a in office.callers if a.heard.hung_up_at is not None]
    assert hung_up and all((a.heard.released_at - a.heard.hung_up_at) * 0.02 < 3.0
                           for a in hung_up)


def test_run_sets_up_a_new_folder_for_the_demo_and_leaves_one_that_had_a_configuration(
        tmp_path):
    from firmware.cli.processes import configuration_for_run  # noqa: PLC0415
    from firmware.simulation.scenario import load  # noqa: PLC0415

    demo = load("demo-office")
    new = tmp_path / "new"
    config, set_up = configuration_for_run(new, demo)
    assert set_up and any("voicemail" in text for text in set_up)
    assert [line.number for line in config.lines if line.voicemail.enabled]
    assert [line.number for line in config.lines if line.announcement != "off"]
    with Store(new / "linerec.db") as store:
        listed = len(Firewall(store).entries())
    assert listed
    # Run again on it: nothing more is set up, nothing is added twice.
    again, set_up = configuration_for_run(new, demo)
    assert set_up == [] and again == config
    with Store(new / "linerec.db") as store:
        assert len(Firewall(store).entries()) == listed
    # A folder configured before is never changed.
    old = tmp_path / "old"
    before = configure(old, 4).load()
    after, set_up = configuration_for_run(old, demo)
    assert set_up == [] and after == before
    assert not (old / "linerec.db").exists() or not Firewall(Store(old / "linerec.db")).entries()


def test_the_engine_plays_the_library_s_prompt_and_the_fallback_only_for_one_it_lacks(
        tmp_path):
    library = {"announcement": np.ones(10, dtype=np.int16)}
    engine = Engine(tmp_path, open_configured_line, prompt_audio=library.get,
                    fallback_prompts=office_prompts)
    assert engine._prompt("announcement").tolist() == [1] * 10
    assert engine._prompt("ivr_welcome").tolist() == office_prompts("ivr_welcome").tolist()


def test_a_started_engine_falls_back_quietly_until_the_box_s_own_prompts_are_made(
        tmp_path, caplog):
    configure(tmp_path, 1)  # the web has not made the box's own prompts yet
    engine = Engine(tmp_path, lambda line: open_configured_line(line, "acts-fallback-"),
                    fallback_prompts=office_prompts)
    engine.start()
    try:
        played = engine._prompt("announcement")
    finally:
        engine.stop()
    assert played.tolist() == office_prompts("announcement").tolist()
    assert not [r for r in caplog.records if r.levelname == "ERROR"]
