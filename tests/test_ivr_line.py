"""Voice menus on a simulated line: the box answers after the line's rings, plays the
menu, follows the caller's keys (through the prompts' echo) to an announcement, the
survey, voicemail or the office's phones, and keeps the walk with the call."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from dsp_ext.dtmf import dtmf_generate
from firmware.acts import ivr
from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.engine import state as machine
from firmware.engine.engine import _answer_with_menu
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.ivr_menus import Author, IvrMenus
from tests.engine_config import configure
from tests.test_acts import Caller, call_ended, prompt_audio

PROMPTS = {
    "ivr_welcome": prompt_audio(1.0, 4),
    "ivr_invalid": prompt_audio(0.6, 5),
    "announcement": prompt_audio(1.0, 6),
    "voicemail_greeting": prompt_audio(0.8, 8),
    "beep": (np.sin(2 * np.pi * 1000 * np.arange(1600) / 8000) * 6000).astype(np.int16),
    "survey_opening": prompt_audio(1.0, 1),
    "survey_invalid": prompt_audio(0.6, 2),
    "survey_closing": prompt_audio(0.6, 3),
}
MENU = {"root": "main", "nodes": [
    {"name": "main", "kind": "menu", "prompt": "ivr_welcome", "timeout_s": 2, "repeats": 1,
     "keys": [["1", "office"], ["2", "info"], ["3", "rate"]], "fallback": "vm"},
    {"name": "info", "kind": "announcement", "prompt": "announcement", "next": ""},
    {"name": "rate", "kind": "survey"},
    {"name": "office", "kind": "ring_through", "timeout_s": 20, "next": "vm"},
    {"name": "vm", "kind": "voicemail", "prompt": "voicemail_greeting", "max_s": 30},
]}
AUTHOR = Author("adm")


@pytest.fixture
def box(tmp_path, request):
    configure(tmp_path, 1)
    events: list[contract.Event] = []
    prefix = f"ivr-{request.node.name}-"
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=PROMPTS.get)
    caller = Caller(f"{prefix}1", lambda: engine.workers[1].frames if 1 in engine.workers else None)
    engine.start()
    menus = IvrMenus(engine.store)
    menu_id = menus.save(None, "Main", MENU, AUTHOR)
    menus.assign(1, menu_id, 2, AUTHOR)
    assert engine.handle_command(contract.ReloadMenusCommand()) == contract.MenusReply((1,))
    caller.frames(3)
    messages: list = []  # what voicemail's keeper was handed
    engine.workers[1].actions.act_results["voicemail"] = lambda result, call: messages.append(
        (result, call))
    yield engine, caller, events, messages
    caller.line.end_audio()
    engine.stop()


def rings(caller, count: int) -> None:
    for _ in range(count):
        caller.line.set_ringing(True)
        caller.frames(25)
        caller.line.set_ringing(False)
        caller.frames(15)


def key(caller, digit: str) -> None:
    caller.send(dtmf_generate(digit, level_dbm0=-12, on_ms=80, off_ms=40))


def step_is(engine, name: str) -> bool:
    """The line's act waits on a step of this kind."""
    return type(engine.workers[1].actor._step).__name__ == name


def ended(events):
    return [(e.act, e.outcome) for e in events if isinstance(e, contract.ActEnded)]


def walk_of(engine) -> dict:
    call = Store(engine.folder.database).calls(1)[0]
    return json.loads(call.ivr_path)


def test_the_box_answers_after_the_rings_and_a_key_leads_to_the_announcement(box):
    engine, caller, events, _ = box
    rings(caller, 1)
    assert not caller.line.relay_seized  # one ring: not yet
    rings(caller, 1)
    assert caller.frames(50, lambda: caller.line.relay_seized), "the box did not answer"
    assert caller.frames(100, lambda: caller.heard > 25)  # the welcome is heard
    key(caller, "2")
    heard_before = caller.heard
    assert caller.frames(600, lambda: not caller.line.relay_seized)
    assert caller.heard - heard_before >= 40  # the announcement (1 s) played
    assert caller.frames(300, lambda: call_ended(events))
    assert ended(events) == [("ivr", "done")]
    assert walk_of(engine) == {"variant": "", "path": [["main", "2"], ["info", ""]],
                               "end": "announcement"}
    status = [e for e in events if isinstance(e, contract.ActStarted)]
    assert [e.act for e in status] == ["ivr"]


def test_an_invalid_key_then_a_valid_one_reaches_the_survey(box):
    engine, caller, events, _ = box
    rings(caller, 2)
    assert caller.frames(50, lambda: caller.line.relay_seized)
    assert caller.frames(100, lambda: caller.heard > 20)
    key(caller, "9")
    caller.frames(120)  # the invalid-key prompt, then the menu again
    key(caller, "3")
    caller.frames(80)  # the survey's question
    key(caller, "5")
    assert caller.frames(800, lambda: call_ended(events))
    walk = walk_of(engine)
    assert walk["path"] == [["main", "93"], ["rate", ""]] and walk["survey"] == 5
    assert Store(engine.folder.database).calls(1)[0].survey == 5


def test_no_key_at_all_repeats_then_goes_to_voicemail_with_the_message(box):
    engine, caller, events, messages = box
    rings(caller, 2)
    # welcome (1 s) + 2 s, again, then the greeting and the beep: then the caller speaks
    assert caller.frames(1200, lambda: step_is(engine, "Record"))
    assert caller.heard >= 50 + 50 + 40 + 10 - 5
    caller.send(prompt_audio(1.5, 9))
    caller.frames(90)
    key(caller, "#")
    assert caller.frames(800, lambda: call_ended(events))
    assert walk_of(engine)["path"] == [["main", "tt"], ["vm", ""]]
    ((result, call),) = messages
    assert result.name == "voicemail" and isinstance(result.value, ivr.Recorded)
    assert result.value.ended_by == "key" and 1.2 <= result.value.seconds <= 3.0
    assert call is not None


def test_ring_through_hands_the_call_to_the_phone_that_picks_up(box):
    engine, caller, events, _ = box
    rings(caller, 2)
    assert caller.frames(100, lambda: caller.heard > 20)
    key(caller, "1")
    assert caller.frames(100, lambda: step_is(engine, "RingThrough"))
    caller.frames(50)  # ringback
    # The simulated line cannot ring the office's phones: the web asks an operator to
    # pick the line up.
    wanted = [e.status for e in events if isinstance(e, contract.LineStateChanged)
              and e.status.office_wanted]
    assert wanted and not any(status.office_rung for status in wanted)
    caller.line.set_off_hook(True)  # a phone of the office picks up
    assert caller.frames(100, lambda: not caller.line.relay_seized), "the box kept the line"
    assert not engine.workers[1].actions.status.office_wanted  # the alert goes with it
    assert engine.workers[1].state.phase == contract.Phase.IN_CALL
    caller.send(prompt_audio(2.0, 10))  # the call goes on, recorded as usual
    caller.frames(150)
    caller.line.set_off_hook(False)
    assert caller.frames(300, lambda: call_ended(events))
    assert ended(events) == [("ivr", "handed_over")]
    assert walk_of(engine)["path"] == [["main", "1"], ["office", ""]]
    store = Store(engine.folder.database)
    call = store.calls(1)[0]
    assert call.outcome == "answered"
    assert [r.call_id for r in store.recordings()] == [call.id]


def test_the_caller_hanging_up_mid_menu_ends_the_call(box):
    engine, caller, events, _ = box
    rings(caller, 2)
    assert caller.frames(100, lambda: caller.heard > 20)
    t = np.arange(3 * 8000) / 8000
    busy = (np.sin(2 * np.pi * 450 * t) * 3000 * ((t % 0.7) < 0.35)).astype(np.int16)
    caller.send(busy)
    assert caller.frames(400, lambda: not caller.line.relay_seized)
    assert caller.frames(500, lambda: call_ended(events))
    assert ended(events) == [("ivr", "caller_hung_up")]
    assert walk_of(engine)["path"][0][0] == "main"
    assert engine.workers[1].state.phase == contract.Phase.IDLE


def test_a_line_without_a_menu_rings_on(box):
    engine, caller, events, _ = box
    IvrMenus(engine.store).assign(1, None, 2, AUTHOR)
    assert engine.handle_command(contract.ReloadMenusCommand()) == contract.MenusReply(())
    caller.frames(3)
    rings(caller, 3)
    assert not caller.line.relay_seized
    assert not any(isinstance(e, contract.ActStarted) for e in events)


def test_the_menu_answers_with_the_variant_of_the_line_s_local_time():
    """18:30 UTC is 02:30 the next day in Beijing: the night variant answers."""
    night = {**MENU, "variants": [{"name": "night", "root": "vm", "windows": [
        {"days": list(ivr.WEEKDAYS), "start": "20:00", "end": "08:00"}]}]}
    line_ivr = ivr.LineIvr(ivr.menu_from(night), rings=2, name="Main")
    policy = machine.Policy(time_zone="Asia/Shanghai", ivr=line_ivr)
    at = 1_796_668_200.0  # 2026-12-07 18:30 UTC
    call = machine.Call("in", at - 10, rings=2)
    ringing = machine.LineState(policy=policy, phase=machine.Phase.RINGING, call=call,
                                last_ring_at=at)
    act = _answer_with_menu(ringing, [])
    assert act is not None and act.name == "ivr"
    assert next(act.script).prompt == "voicemail_greeting"
    day = machine.LineState(policy=machine.Policy(time_zone="Asia/Shanghai", ivr=line_ivr),
                            phase=machine.Phase.RINGING, call=call, last_ring_at=at - 12 * 3600)
    assert next(_answer_with_menu(day, []).script).prompt == "ivr_welcome"
    # Not yet: one ring, a ring still sounding, the firewall still screening.
    assert _answer_with_menu(replace(ringing, call=replace(call, rings=1)), []) is None
    assert _answer_with_menu(replace(ringing, ringing=True), []) is None
    assert _answer_with_menu(replace(ringing, screening=True), []) is None
