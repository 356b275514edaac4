"""Voice menus, the model: what is wrong with a menu in words, which root answers when,
the walk with typed keys (the editor's dry run) and the script's steps."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from firmware.acts import ivr, survey
from firmware.acts.ivr import Menu, Node, Variant, Window
from firmware.acts.steps import (
    CallerGone,
    GetKey,
    Play,
    Record,
    Recorded,
    RingThrough,
    WaitForOnHook,
)

PROMPTS = {"ivr_welcome", "ivr_invalid", "announcement", "voicemail_greeting", "beep", "7", "8"}
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0)  # a Monday


def three_levels() -> Menu:
    """main -> 1 sales (menu) -> 1 support (menu) -> 1 office; 2 info; 3 the survey."""
    return ivr.menu_from({"root": "main", "nodes": [
        {"name": "main", "kind": "menu", "prompt": "ivr_welcome",
         "keys": [["1", "sales"], ["2", "info"], ["3", "rate"]], "timeout_s": 5, "repeats": 1,
         "fallback": "vm"},
        {"name": "sales", "kind": "menu", "prompt": "7", "keys": [["1", "support"], ["0", "main"]],
         "repeats": 0, "fallback": "main"},
        {"name": "support", "kind": "menu", "prompt": "8", "keys": [["1", "office"], ["#", "bye"]],
         "repeats": 2, "fallback": "bye"},
        {"name": "info", "kind": "announcement", "prompt": "announcement", "next": "main"},
        {"name": "rate", "kind": "survey"},
        {"name": "office", "kind": "ring_through", "timeout_s": 20, "next": "vm"},
        {"name": "vm", "kind": "voicemail", "prompt": "voicemail_greeting", "max_s": 60},
        {"name": "bye", "kind": "hang_up"},
    ]})


def test_a_good_menu_has_no_problems_and_keeps_its_document():
    menu = three_levels()
    assert ivr.validate(menu, PROMPTS) == []
    assert ivr.menu_from(ivr.menu_document(menu)) == menu


@pytest.mark.parametrize(("change", "words"), [
    (lambda d: d.update(root=""), "The menu has no root: choose the node that answers the call."),
    (lambda d: d.update(root="nowhere"), "The root nowhere is not a node of the menu."),
    (lambda d: d["nodes"][0]["keys"].append(["2", "bye"]), "main: key 2 is used twice."),
    (lambda d: d["nodes"][0]["keys"].append(["5", "ghost"]),
     "main: key 5 leads to ghost, which is not a node."),
    (lambda d: d["nodes"][0]["keys"].append(["x", "bye"]),
     "main: x is not a key of a phone (0-9, * or #)."),
    (lambda d: d["nodes"][1].update(prompt="99"),
     "sales: the prompt 99 is not in the prompt library."),
    (lambda d: d["nodes"][6].update(prompt=""), "vm: choose a prompt."),
    (lambda d: d["nodes"].append({"name": "lost", "kind": "hang_up"}),
     "lost: no call ever reaches it (nothing leads to it)."),
    (lambda d: d["nodes"][5].update(next="info2") or d["nodes"].append(
        {"name": "info2", "kind": "announcement", "prompt": "announcement", "next": "office"}),
     "office, info2: these nodes lead to each other in a loop that never asks the caller "
     "for a key."),
    (lambda d: d["nodes"][3].update(next="missing"),
     "info: it goes on to missing, which is not a node."),
    (lambda d: d["nodes"][0].update(timeout_s=0), "main: the timeout is 1 to 60 seconds."),
    (lambda d: d["nodes"][0].update(repeats=9), "main: repeats are 0 to 5."),
    (lambda d: d["nodes"].append(dict(d["nodes"][7])), "bye is the name of two nodes."),
    (lambda d: d["nodes"][7].update(kind="dance"), "bye: dance is not a kind of node."),
    (lambda d: d.update(variants=[{"name": "night", "root": "vm"}]),
     "Variant night: give it time windows or holiday dates."),
    (lambda d: d.update(variants=[{"name": "hol", "root": "vm", "dates": ["2026-02-30"]}]),
     "Variant hol: 2026-02-30 is not a date (YYYY-MM-DD)."),
])
def test_each_fault_is_said_in_words(change, words):
    document = ivr.menu_document(three_levels())
    change(document)
    found = ivr.validate(ivr.menu_from(document), PROMPTS)
    assert words in found, found


def test_a_menu_leading_back_to_itself_is_no_loop_and_every_fault_is_listed():
    menu = ivr.menu_from({"root": "a", "nodes": [
        {"name": "a", "kind": "menu", "prompt": "ivr_welcome", "keys": [["1", "a"], ["2", "b"]]},
        {"name": "b", "kind": "announcement", "prompt": "announcement", "next": "a"},
    ]})
    assert ivr.validate(menu, PROMPTS) == []
    broken = ivr.menu_from({"root": "a", "nodes": [
        {"name": "a", "kind": "announcement", "prompt": "nope", "next": "a"},
        {"name": "c", "kind": "menu", "prompt": "ivr_welcome", "keys": [["1", "zz"]]},
    ]})
    found = ivr.problems(broken, PROMPTS)
    assert {(p.node, p.code) for p in found} == {
        ("a", "prompt_missing"), ("a", "loop"), ("c", "key_target_missing"),
        ("c", "unreachable")}


def test_a_document_that_is_not_a_menu_is_refused_in_one_line():
    for document in ([], {"nodes": "x"}, {"nodes": [{"keys": "1"}]},
                     {"nodes": [{"name": "a", "timeout_s": "soon"}]}):
        with pytest.raises(ivr.MenuError):
            ivr.menu_from(document)


def test_the_variant_is_chosen_by_holiday_first_then_the_time_of_day():
    menu = Menu((Node("day", "hang_up"), Node("night", "hang_up"), Node("closed", "hang_up")),
                "day", (
        Variant("night", "night", (Window(("mon", "tue", "wed", "thu", "fri"), "18:00",
                                          "08:30"),)),
        Variant("holiday", "closed", dates=("2026-12-25", "2027-01-01")),
    ))
    assert ivr.choose_root(menu, MONDAY_10) == ("", "day")
    assert ivr.choose_root(menu, dt.datetime(2026, 12, 7, 18, 0)) == ("night", "night")
    assert ivr.choose_root(menu, dt.datetime(2026, 12, 8, 8, 29)) == ("night", "night")
    # Past midnight the window belongs to the day it started: Friday night into Saturday.
    assert ivr.choose_root(menu, dt.datetime(2026, 12, 12, 7, 0)) == ("night", "night")
    assert ivr.choose_root(menu, dt.datetime(2026, 12, 13, 7, 0)) == ("", "day")  # Sunday
    assert ivr.choose_root(menu, dt.datetime(2026, 12, 25, 20, 0)) == ("holiday", "closed")


def walk_of(typed: str, picks_up: bool = False):
    _variant, seen = ivr.dry_run(three_levels(), MONDAY_10, typed, picks_up)
    return [(s.what, s.node, s.detail) for s in seen]


def test_the_dry_run_walks_three_levels_with_timeouts_and_invalid_keys():
    assert walk_of("9t1t11", picks_up=True) == [
        ("go", "", "main"),
        ("play", "main", "ivr_welcome"),
        ("invalid", "main", "9"),
        ("play", "main", "ivr_invalid"),
        ("play", "main", "ivr_welcome"),
        ("timeout", "main", "t"),
        ("go", "main", "vm"),  # repeats spent: the fallback
        ("play", "vm", "voicemail_greeting"),
        ("play", "vm", "beep"),
        ("record", "vm", "60"),
        ("end", "vm", "voicemail"),
    ]
    # sales: a timeout with no repeats left goes back to main, whose repeats are its own
    steps = walk_of("1t1tt#")
    assert [s for s in steps if s[0] in ("go", "key", "timeout", "invalid", "end")] == [
        ("go", "", "main"), ("key", "main", "1"), ("go", "main", "sales"),
        ("timeout", "sales", "t"), ("go", "sales", "main"), ("key", "main", "1"),
        ("go", "main", "sales"), ("timeout", "sales", "t"), ("go", "sales", "main"),
        ("timeout", "main", "t"), ("invalid", "main", "#"), ("go", "main", "vm"),
        ("end", "vm", "voicemail")]
    deep = walk_of("111")
    assert [s for s in deep if s[0] in ("go", "ring", "no_answer", "end")] == [
        ("go", "", "main"), ("go", "main", "sales"), ("go", "sales", "support"),
        ("go", "support", "office"), ("ring", "office", "20"), ("no_answer", "office", ""),
        ("go", "office", "vm"), ("end", "vm", "voicemail")]
    handed = walk_of("111", picks_up=True)
    assert handed[-2:] == [("picked_up", "office", ""), ("end", "office", "ring_through")]
    assert walk_of("11#")[-3:] == [("key", "support", "#"), ("go", "support", "bye"),
                                   ("end", "bye", "hang_up")]
    # The keys ran out while the menu waited: the walk stops there.
    assert walk_of("1")[-1] == ("out_of_keys", "sales", "")
    assert walk_of("3")[-3:] == [("go", "main", "rate"), ("play", "rate", "survey_opening"),
                                 ("out_of_keys", "rate", "")]


def run(script, answers):
    """Step a script, answering each step with the next of ``answers`` (a callable gets the
    step); the steps it took and its result."""
    steps = []
    try:
        step = next(script)
        while True:
            steps.append(step)
            answer = answers.pop(0)
            step = script.send(answer(step) if callable(answer) else answer)
    except StopIteration as done:
        return steps, done.value


def test_the_script_plays_with_barge_in_takes_keys_and_keeps_the_message():
    message = Recorded(np.ones(800, dtype=np.int16), 0.1, "key")
    steps, walk = run(ivr.ivr_script(three_levels(), MONDAY_10),
                      [None, "9", None, None, None, None, None, message])
    assert steps[:2] == [Play("ivr_welcome", True), GetKey(ivr.PHONE_KEYS, 5.0)]
    assert steps[2] == Play("ivr_invalid", True)
    assert steps[-3:] == [Play("voicemail_greeting", False), Play("beep", False),
                          Record(max_s=60.0)]
    assert walk.recorded is message and walk.end == "voicemail"
    assert walk.hops == [["main", "9t"], ["vm", ""]]
    assert walk.document() == {"variant": "", "path": [["main", "9t"], ["vm", ""]],
                               "end": "voicemail", "message_s": 0.1}


def test_the_survey_node_asks_at_once_and_a_ring_through_hands_over():
    steps, walk = run(ivr.ivr_script(three_levels(), MONDAY_10), [None, "3", None, "4", None])
    assert steps[2] == Play("survey_opening")  # no wait for an operator to hang up
    assert walk.survey == 4 and walk.end == "survey"
    steps, walk = run(ivr.ivr_script(three_levels(), MONDAY_10),
                      [None, "1", None, "1", None, "1", True])
    assert isinstance(steps[-1], RingThrough) and walk.handed_over
    assert isinstance(next(survey.survey()), WaitForOnHook)  # by default it still waits


def test_the_caller_hanging_up_keeps_the_walk_so_far():
    script = ivr.ivr_script(three_levels(), MONDAY_10)
    next(script)
    script.send(None)
    script.send("1")
    with pytest.raises(StopIteration) as done:
        script.throw(CallerGone())
    assert done.value.value.hops == [["main", "1"], ["sales", ""]]


def test_a_message_left_in_the_menu_keeps_what_was_said_not_the_busy_tone_after_it():
    from tests.test_voicemail import busy_tone, speech  # noqa: PLC0415

    walk = ivr.Walk()
    script = ivr.ivr_script(three_levels(), MONDAY_10, walk)
    step = next(script)
    while not isinstance(step, Record):  # no key at all: the fallback's greeting, beep, message
        step = script.send(None)
    audio = np.concatenate([speech(1.0), busy_tone(1.4)])
    with pytest.raises(StopIteration):
        script.send(Recorded(audio, audio.size / 8000, "hang_up"))
    assert walk.end == "voicemail" and 0.9 <= walk.recorded.seconds <= 1.05
