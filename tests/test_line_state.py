"""The line state machine: every (phase, event) pair, and the calls a line lives through."""

from __future__ import annotations

import calendar
import itertools
from dataclasses import replace

import pytest

from firmware.engine.state import (
    EVENT_TYPES,
    TRANSITIONS,
    Call,
    CallEnded,
    CallerIdKnown,
    CallerIdReceived,
    CallStarted,
    Dialled,
    DialsForPhone,
    Digit,
    DigitDialled,
    FarEndAnswered,
    LineState,
    OffHook,
    OnHook,
    Phase,
    PhaseChanged,
    Placing,
    Policy,
    PolicyChanged,
    RecordCommand,
    Release,
    RingOff,
    RingOn,
    Seize,
    SeizeLine,
    StartRecording,
    StopRecording,
    Tick,
    VoiceStarted,
    VoiceStopped,
    Window,
    lifted,
    record_refusal,
    recording_wanted,
    step,
)

# Monday 2026-11-23 10:00 in China (UTC+8).
MONDAY_10AM = calendar.timegm((2026, 11, 23, 2, 0, 0)) * 1.0


def run(state: LineState, *events):
    """Feed events in order; return the final state and every action, in order."""
    actions = []
    for event in events:
        state, more = step(state, event)
        actions.extend(more)
    return state, actions


def kinds(actions) -> list[str]:
    return [type(action).__name__ for action in actions]


def sample_state(phase: Phase) -> LineState:
    """A typical state of each phase, for the table walk."""
    t = MONDAY_10AM
    calls = {
        Phase.IDLE: None,
        Phase.RINGING: Call("in", t),
        Phase.DIALLING: Call("out", t, digits="1380", number="1380"),
        Phase.IN_CALL: Call("in", t, answered_at=t + 5, number="13800138000"),
        Phase.SILENT: Call("out", t, answered_at=t + 5, number="10086", digits="10086"),
        Phase.SEIZED: Call("out", t, answered_at=t),
    }
    state = LineState(phase=phase, call=calls[phase], last_ring_at=t, last_digit_at=t)
    return replace(state, recording=recording_wanted(state, t))


def sample_event(event_type, at: float):
    extra = {
        CallerIdReceived: {"number": "13800138000"},
        Digit: {"digit": "5"},
        RecordCommand: {"start": True},
        PolicyChanged: {"policy": Policy(mode="vox")},
    }.get(event_type, {})
    return event_type(at, **extra)


def test_the_table_has_exactly_one_handler_for_every_phase_and_event():
    expected = set(itertools.product(Phase, EVENT_TYPES))
    assert set(TRANSITIONS) == expected


@pytest.mark.parametrize(("phase", "event_type"), list(itertools.product(Phase, EVENT_TYPES)))
def test_every_pair_keeps_the_invariants(phase, event_type):
    state = sample_state(phase)
    for at in (MONDAY_10AM + 1, MONDAY_10AM + 3600):  # before and after every timeout
        after, actions = step(state, sample_event(event_type, at))
        assert isinstance(after, LineState)
        assert (after.phase == Phase.IDLE) == (after.call is None)
        assert after.recording == recording_wanted(after, at)
        names = kinds(actions)
        if "CallEnded" in names and "StopRecording" in names:
            assert names.index("StopRecording") < names.index("CallEnded")
        if after.phase != phase:
            assert PhaseChanged(at, after.phase) in actions
        else:
            assert not any(isinstance(action, PhaseChanged) for action in actions)


def test_an_inbound_call_with_caller_id_answered_and_hung_up():
    t = MONDAY_10AM
    state, actions = run(
        LineState(),
        RingOn(t),
        RingOff(t + 1),
        CallerIdReceived(t + 2, caller_id="cid", number="13800138000"),
        RingOn(t + 5),
        OffHook(t + 5.5),
    )
    assert kinds(actions) == [
        "CallStarted",
        "PhaseChanged",
        "CallerIdKnown",
        "CallAnswered",
        "PhaseChanged",
        "StartRecording",
    ]
    assert actions[0] == CallStarted(t, "in")
    assert actions[2] == CallerIdKnown(t + 2, "cid", "13800138000")
    assert state.phase == Phase.IN_CALL
    assert state.call.answered_at == t + 5.5
    state, actions = run(state, OnHook(t + 65))
    assert kinds(actions) == ["StopRecording", "CallEnded", "PhaseChanged"]
    assert actions[1] == CallEnded(t + 65, "answered")
    assert state == replace(LineState(), last_ring_at=t + 5, quiet_since=t + 5.5)


def test_a_caller_who_gives_up_is_a_missed_call_after_the_ring_timeout():
    t = MONDAY_10AM
    state, actions = run(LineState(), RingOn(t), RingOff(t + 1), Tick(t + 5), RingOn(t + 5))
    assert state.phase == Phase.RINGING
    state, actions = run(state, RingOff(t + 6), Tick(t + 13.9))
    assert state.phase == Phase.RINGING  # 7.9 s of silence: still within the cadence
    state, actions = run(state, Tick(t + 14.1))
    assert state.phase == Phase.IDLE
    # The call ended when the ringing stopped; the timeout only revealed it.
    assert actions == [CallEnded(t + 6, "missed"), PhaseChanged(t + 14.1, Phase.IDLE)]


def test_caller_id_before_the_first_ring_starts_the_call():
    t = MONDAY_10AM
    state, actions = run(LineState(), CallerIdReceived(t, caller_id="x", number="02012345678"))
    assert state.phase == Phase.RINGING
    assert kinds(actions) == ["CallStarted", "CallerIdKnown", "PhaseChanged"]
    state, _ = run(state, RingOn(t + 0.5))
    assert state.call.number == "02012345678"


def test_an_outbound_call_collects_its_digits_then_connects_and_records():
    t = MONDAY_10AM
    events = [OffHook(t)] + [Digit(t + 2 + 0.3 * i, d) for i, d in enumerate("13800138000")]
    state, actions = run(LineState(), *events)
    assert state.phase == Phase.DIALLING
    assert [a.digits for a in actions if isinstance(a, DigitDialled)][-1] == "13800138000"
    assert not any(isinstance(a, StartRecording) for a in actions)
    state, actions = run(state, Tick(t + 6), Tick(t + 9.2))
    assert state.phase == Phase.IN_CALL
    assert state.call.number == "13800138000"
    assert kinds(actions) == ["CallAnswered", "PhaseChanged", "StartRecording"]
    state, actions = run(state, Digit(t + 20, "1"))  # an IVR choice: not part of the number
    assert state.call.number == "13800138000"
    assert state.call.digits == "138001380001"


def test_tones_while_dialling_do_not_end_the_dialling_and_recording_starts_at_the_last_digit():
    t = MONDAY_10AM
    events = [OffHook(t), Digit(t + 1, "1"), VoiceStarted(t + 1), Digit(t + 1.5, "0")]
    state, actions = run(LineState(), *events, VoiceStarted(t + 3))  # ringback sounds like voice
    assert state.phase == Phase.DIALLING
    assert state.call.number == "10"
    state, actions = run(state, Tick(t + 5.6))
    assert state.phase == Phase.IN_CALL
    assert actions[-1] == StartRecording(t + 5.6, since=t + 1.5)


def test_an_off_hook_without_digits_becomes_a_call_with_no_number():
    t = MONDAY_10AM
    state, _ = run(LineState(), OffHook(t), Tick(t + 7.9))
    assert state.phase == Phase.DIALLING
    state, actions = run(state, Tick(t + 8.1))
    assert state.phase == Phase.IN_CALL
    assert state.call.number is None
    state, actions = run(state, OnHook(t + 30))
    assert CallEnded(t + 30, "answered") in actions


def test_putting_down_before_connecting_is_an_unanswered_outbound_call():
    t = MONDAY_10AM
    _, actions = run(LineState(), OffHook(t), Digit(t + 1, "1"), OnHook(t + 2))
    assert CallEnded(t + 2, "unanswered") in actions


@pytest.mark.parametrize("direction", ["in", "out"])
def test_numbers_on_the_no_record_list_are_logged_but_never_recorded(direction):
    t = MONDAY_10AM
    state = LineState(policy=Policy(no_record=frozenset({"13800138000"})))
    if direction == "in":
        events = [RingOn(t), CallerIdReceived(t + 1, number="13800138000"), OffHook(t + 3)]
    else:
        events = [OffHook(t)] + [Digit(t + 1 + 0.1 * i, d) for i, d in enumerate("13800138000")]
        events.append(Tick(t + 10))
    events += [VoiceStarted(t + 11), RecordCommand(t + 12, start=True), OnHook(t + 30)]
    _, actions = run(state, *events)
    assert not any(isinstance(a, StartRecording) for a in actions)
    assert any(isinstance(a, CallStarted) for a in actions)
    assert any(isinstance(a, CallEnded) for a in actions)


MODES_THAT_RECORD = [
    Policy(mode="auto"),
    Policy(mode="vox"),
    Policy(mode="schedule", windows=(Window(frozenset(range(7)), 0, 24 * 60 - 1),)),
    Policy(mode="manual"),
]


@pytest.mark.parametrize("policy", MODES_THAT_RECORD, ids=lambda policy: policy.mode)
def test_nothing_is_recorded_while_dialling_a_number_on_the_no_record_list(policy):
    """Voice (or the digits' own tones heard as voice) during the dialling starts
    nothing: the number is not known until the dialling ends."""
    t = MONDAY_10AM
    state = LineState(policy=replace(policy, no_record=frozenset({"10086"})))
    events = [OffHook(t), VoiceStarted(t + 0.5), RecordCommand(t + 0.6, start=True)]
    events += [Digit(t + 1 + 0.3 * i, d) for i, d in enumerate("10086")]
    events += [VoiceStopped(t + 3), VoiceStarted(t + 4), Tick(t + 8), VoiceStopped(t + 20)]
    events += [VoiceStarted(t + 21), OnHook(t + 30)]
    _, actions = run(state, *events)
    assert not any(isinstance(a, StartRecording) for a in actions)
    assert CallEnded(t + 30, "answered") in actions


@pytest.mark.parametrize("policy", MODES_THAT_RECORD[:3], ids=lambda policy: policy.mode)
def test_a_number_not_listed_is_recorded_from_the_end_of_its_dialling(policy):
    t = MONDAY_10AM
    state = LineState(policy=replace(policy, no_record=frozenset({"10086"})))
    events = [OffHook(t), VoiceStarted(t + 0.5)]
    events += [Digit(t + 1 + 0.3 * i, d) for i, d in enumerate("10010")]
    _, actions = run(state, *events)
    assert not any(isinstance(a, StartRecording) for a in actions)
    _, actions = run(state, *events, Tick(t + 8))
    starts = [a for a in actions if isinstance(a, StartRecording)]
    assert len(starts) == 1
    assert starts[0].since >= t + 1 + 0.3 * 4  # never back into the digits


def test_voice_activated_mode_records_while_there_is_voice():
    t = MONDAY_10AM
    state = LineState(policy=Policy(mode="vox"))
    state, actions = run(state, VoiceStarted(t))
    assert actions == [StartRecording(t, since=t - 0.5)]  # the pre-roll
    state, actions = run(state, VoiceStopped(t + 5))
    assert actions == [StopRecording(t + 5)]


def test_manual_mode_records_on_command_only_during_a_call():
    t = MONDAY_10AM
    state = LineState(policy=Policy(mode="manual"))
    state, actions = run(state, RingOn(t), OffHook(t + 2))
    assert not any(isinstance(a, StartRecording) for a in actions)
    state, actions = run(state, RecordCommand(t + 10, start=True))
    assert actions == [StartRecording(t + 10, since=t + 10)]
    state, actions = run(state, RecordCommand(t + 20, start=False))
    assert actions == [StopRecording(t + 20)]
    state, actions = run(state, RecordCommand(t + 25, start=True), OnHook(t + 30))
    assert kinds(actions) == ["StartRecording", "StopRecording", "CallEnded", "PhaseChanged"]
    assert not state.manual_recording


MANUAL_WITH_CODES = Policy(mode="manual", start_code="*1", stop_code="*0")


def keys(at: float, digits: str) -> list[Digit]:
    return [Digit(at + 0.3 * index, digit) for index, digit in enumerate(digits)]


def test_a_record_command_outside_an_answered_call_or_manual_mode_is_passed_over():
    """Neither a command while idle, ringing or dialling, nor one in another mode, is kept
    for later: the next call is not recorded because of it."""
    t = MONDAY_10AM
    manual = LineState(policy=Policy(mode="manual"))
    state, actions = run(manual, RecordCommand(t, start=True), RingOn(t + 1),
                         RecordCommand(t + 2, start=True), OffHook(t + 3))
    assert not any(isinstance(a, StartRecording) for a in actions)
    assert not state.manual_recording
    state, actions = run(manual, OffHook(t), Digit(t + 1, "5"), RecordCommand(t + 2), Tick(t + 8))
    assert not any(isinstance(a, StartRecording) for a in actions)
    vox = LineState(policy=Policy(mode="vox"))
    state, actions = run(vox, RingOn(t), OffHook(t + 1), RecordCommand(t + 2), Tick(t + 3))
    assert not any(isinstance(a, StartRecording) for a in actions)


def test_the_refusal_says_why_a_record_command_cannot_take_effect():
    t = MONDAY_10AM
    manual = Policy(mode="manual", no_record=frozenset({"10086"}))
    idle = LineState(policy=manual)
    assert record_refusal(idle, True) == "not_in_call"
    ringing, _ = run(idle, RingOn(t))
    assert record_refusal(ringing, True) == "not_in_call"
    dialling, _ = run(idle, OffHook(t), Digit(t + 1, "1"))
    assert record_refusal(dialling, True) == "dialling"
    caller = CallerIdReceived(t + 1, number="13800138000")
    answered, _ = run(idle, RingOn(t), caller, OffHook(t + 3))
    assert record_refusal(answered, True) is None
    assert record_refusal(answered, False) is None
    listed, _ = run(idle, RingOn(t), CallerIdReceived(t + 1, number="10086"), OffHook(t + 3))
    assert record_refusal(listed, True) == "no_record"
    assert record_refusal(listed, False) is None  # stopping is always possible
    auto = replace(answered, policy=replace(manual, mode="auto"))
    assert record_refusal(auto, True) == "not_manual"


def test_key_codes_start_and_stop_the_recording_of_an_answered_call_in_manual_mode():
    t = MONDAY_10AM
    state, actions = run(LineState(policy=MANUAL_WITH_CODES), RingOn(t),
                         CallerIdReceived(t + 1, number="13800138000"), OffHook(t + 3))
    state, actions = run(state, *keys(t + 10, "*1"))
    assert actions == [StartRecording(t + 10.3, since=t + 10.3)]
    state, actions = run(state, *keys(t + 20, "*0"))
    assert actions == [StopRecording(t + 20.3)]
    state, actions = run(state, *keys(t + 30, "*1"), VoiceStopped(t + 31), Tick(t + 80))
    assert state.phase == Phase.SILENT and state.recording  # on hold: still recording
    state, actions = run(state, *keys(t + 90, "*0"), OnHook(t + 95))
    assert kinds(actions) == ["StopRecording", "CallEnded", "PhaseChanged"]
    # The codes' keys are not the call's: no digit told, none kept, the number unchanged.
    assert state.call is None


def test_the_keys_of_a_code_are_not_the_calls_digits_nor_its_number():
    t = MONDAY_10AM
    state = LineState(policy=MANUAL_WITH_CODES)
    dialled = keys(t + 1, "10010")
    state, _ = run(state, OffHook(t), *dialled, Tick(t + 8))
    assert state.phase == Phase.IN_CALL and state.call.number == "10010"
    state, actions = run(state, *keys(t + 10, "*1"))
    assert kinds(actions) == ["StartRecording"]
    assert state.call.digits == "10010" and state.call.number == "10010"
    # Keys that are no code are the call's, told once it is clear they are no code.
    state, actions = run(state, Digit(t + 20, "*"), Digit(t + 21, "5"))
    assert actions == [DigitDialled(t + 21, "*", "10010*"), DigitDialled(t + 21, "5", "10010*5")]
    state, actions = run(state, Digit(t + 22, "*"), Digit(t + 23, "*"), Digit(t + 24, "0"))
    assert actions == [DigitDialled(t + 23, "*", "10010*5*"), StopRecording(t + 24)]
    # A key held back when the call ends was the call's after all.
    state, actions = run(state, Digit(t + 30, "*"), OnHook(t + 31))
    assert kinds(actions) == ["DigitDialled", "CallEnded", "PhaseChanged"]
    assert actions[0] == DigitDialled(t + 31, "*", "10010*5**")


def test_key_codes_mean_nothing_outside_manual_mode_while_dialling_or_with_none_set():
    t = MONDAY_10AM
    answered = [RingOn(t), OffHook(t + 1)]
    for policy in (replace(MANUAL_WITH_CODES, mode="auto"), Policy(mode="manual")):
        state, _ = run(LineState(policy=policy), *answered)
        state, actions = run(state, *keys(t + 10, "*1"))
        assert kinds(actions) == ["DigitDialled", "DigitDialled"]
        assert state.call.digits == "*1"
    # Dialled before the call is connected, the keys are the number.
    state, actions = run(LineState(policy=MANUAL_WITH_CODES), OffHook(t), *keys(t + 1, "*1"),
                         Tick(t + 8))
    assert state.call.number == "*1"
    assert not any(isinstance(a, StartRecording) for a in actions)


def test_keys_held_back_when_the_mode_changes_are_the_calls_in_their_order():
    t = MONDAY_10AM
    state, _ = run(LineState(policy=MANUAL_WITH_CODES), RingOn(t), OffHook(t + 1),
                   Digit(t + 5, "*"))
    assert state.code_digits == "*" and state.call.digits == ""
    state, actions = run(state, PolicyChanged(t + 6, replace(MANUAL_WITH_CODES, mode="auto")),
                         Digit(t + 7, "1"))
    assert [a.digits for a in actions if isinstance(a, DigitDialled)] == ["*", "*1"]
    assert state.code_digits == "" and not state.manual_recording


def test_the_start_code_never_records_a_number_on_the_no_record_list():
    t = MONDAY_10AM
    policy = replace(MANUAL_WITH_CODES, no_record=frozenset({"13800138000"}))
    _, actions = run(LineState(policy=policy), RingOn(t),
                     CallerIdReceived(t + 1, number="13800138000"), OffHook(t + 3),
                     *keys(t + 10, "*1"), OnHook(t + 30))
    assert not any(isinstance(a, StartRecording) for a in actions)


def test_schedule_mode_records_inside_its_windows_only():
    office_hours = Window(frozenset(range(5)), 9 * 60, 18 * 60)
    state = LineState(policy=Policy(mode="schedule", windows=(office_hours,)))
    monday_10 = MONDAY_10AM
    monday_19 = MONDAY_10AM + 9 * 3600
    saturday_10 = MONDAY_10AM + 5 * 86400
    for at, expected in ((monday_10, True), (monday_19, False), (saturday_10, False)):
        _, actions = run(state, RingOn(at), OffHook(at + 1))
        assert any(isinstance(a, StartRecording) for a in actions) == expected, at


def test_a_window_past_midnight_belongs_to_the_day_it_starts():
    night = Window(frozenset({4}), 22 * 60, 6 * 60)  # Friday 22:00 to Saturday 06:00
    assert night.contains(4, 23 * 60)
    assert night.contains(5, 5 * 60)
    assert not night.contains(5, 23 * 60)
    assert not night.contains(4, 5 * 60)


def test_a_long_silence_is_hold_and_voice_brings_the_call_back():
    t = MONDAY_10AM
    state, _ = run(LineState(), RingOn(t), OffHook(t + 1), VoiceStarted(t + 2), VoiceStopped(t + 3))
    state, actions = run(state, Tick(t + 32.9))
    assert state.phase == Phase.IN_CALL
    state, actions = run(state, Tick(t + 33.1))
    assert state.phase == Phase.SILENT
    assert state.recording  # hold is still part of the call's recording
    state, actions = run(state, VoiceStarted(t + 40))
    assert state.phase == Phase.IN_CALL
    assert actions == [PhaseChanged(t + 40, Phase.IN_CALL)]


def test_the_box_answers_a_ringing_line_itself_and_releases_it():
    t = MONDAY_10AM
    state, actions = run(LineState(), RingOn(t), Seize(t + 10))
    assert state.phase == Phase.SEIZED
    assert kinds(actions)[-4:] == ["SeizeLine", "CallAnswered", "PhaseChanged", "StartRecording"]
    state, actions = run(state, Release(t + 40))
    assert kinds(actions) == ["SeizeLine", "StopRecording", "CallEnded", "PhaseChanged"]
    assert actions[0] == SeizeLine(t + 40, False)
    assert actions[2] == CallEnded(t + 40, "answered")


def test_an_extension_that_joins_keeps_the_call_when_the_box_lets_go():
    t = MONDAY_10AM
    state, _ = run(LineState(), Seize(t), OffHook(t + 5))
    state, actions = run(state, Release(t + 6))
    assert state.phase == Phase.IN_CALL
    assert actions[0] == SeizeLine(t + 6, False)
    assert state.recording
    state, actions = run(state, OnHook(t + 60))
    assert CallEnded(t + 60, "answered") in actions


def test_a_policy_change_takes_effect_mid_call():
    t = MONDAY_10AM
    state, _ = run(LineState(), RingOn(t), OffHook(t + 1))
    assert state.recording
    state, actions = run(state, PolicyChanged(t + 5, policy=Policy(mode="off")))
    assert actions == [StopRecording(t + 5)]
    state, actions = run(state, PolicyChanged(t + 9, policy=Policy(mode="auto")))
    assert actions == [StartRecording(t + 9, since=t + 9)]


def test_a_line_not_heard_while_a_phone_holds_it_records_only_what_the_box_holds():
    # A voice modem set without listen=: silence while the office's phone has the call.
    t = MONDAY_10AM
    deaf = LineState(policy=Policy(mode="auto", hears_phones=False))
    state, actions = run(deaf, RingOn(t), OffHook(t + 5))
    assert state.phase == Phase.IN_CALL and "CallAnswered" in kinds(actions)
    assert not state.recording and "StartRecording" not in kinds(actions)
    state, actions = run(deaf, RingOn(t), Seize(t + 10))
    assert state.phase == Phase.SEIZED and "StartRecording" in kinds(actions)
    state, actions = run(state, OffHook(t + 20), Release(t + 21))  # an extension takes over
    assert state.phase == Phase.IN_CALL and "StopRecording" in kinds(actions)
def test_a_call_the_box_places_is_an_outbound_call_recorded_from_the_end_of_its_dialling():
    t = MONDAY_10AM
    state, actions = run(LineState(), Seize(t, number="13800138000"))
    assert state.phase == Phase.SEIZED and state.call.placing
    assert state.call.number == "13800138000" and state.call.direction == "out"
    assert kinds(actions) == ["CallStarted", "Placing", "SeizeLine", "PhaseChanged"]
    assert actions[1] == Placing(t, "13800138000")
    assert not state.recording  # the digits are not out yet
    assert record_refusal(replace(state, policy=Policy(mode="manual")), True) == "dialling"
    state, actions = run(state, Dialled(t + 4))
    assert actions == [DigitDialled(t + 4, "0", "13800138000"),
                       StartRecording(t + 4, since=t + 4)]
    assert not state.call.placing and state.call.digits == "13800138000"
    state, actions = run(state, FarEndAnswered(t + 12), FarEndAnswered(t + 13))
    assert kinds(actions) == ["CallAnswered"] and state.call.answered_at == t + 12
    state, actions = run(state, Release(t + 20))
    assert CallEnded(t + 20, "answered") in actions and state.phase == Phase.IDLE


def test_a_placed_call_nobody_answers_is_unanswered_and_a_listed_number_never_recorded():
    t = MONDAY_10AM
    _, actions = run(LineState(), Seize(t, number="10086"), Dialled(t + 2), Release(t + 40))
    assert CallEnded(t + 40, "unanswered") in actions
    quiet = LineState(policy=Policy(no_record=frozenset({"10086"})))
    _, actions = run(quiet, Seize(t, number="10086"), Dialled(t + 2), FarEndAnswered(t + 5))
    assert not any(isinstance(a, StartRecording) for a in actions)


def test_a_placed_call_the_operator_takes_over_goes_on_connected_from_the_hand_over():
    t = MONDAY_10AM
    state, _ = run(LineState(), Seize(t, number="10086"), Dialled(t + 2), OffHook(t + 6))
    state, actions = run(state, Release(t + 6))
    assert state.phase == Phase.IN_CALL and state.call.answered_at == t + 6
    assert kinds(actions) == ["SeizeLine", "CallAnswered", "PhaseChanged"]
    assert state.recording
    # Dialled and answered mean nothing but on the box's own call.
    for phase in (Phase.IDLE, Phase.IN_CALL):
        plain = sample_state(phase)
        assert step(plain, Dialled(t)) == (plain, [])
        assert step(plain, FarEndAnswered(t)) == (plain, [])


def test_the_box_dialling_for_a_phone_makes_one_outbound_call_recorded_from_the_last_digit():
    t = MONDAY_10AM
    state, _ = run(LineState(), OffHook(t))
    assert lifted(state)
    # The box starts dialling 9 s after the lift: the dialling does not settle meanwhile.
    state, actions = run(state, DialsForPhone(t + 9, number="10086"), Tick(t + 9.5))
    assert actions == [Placing(t + 9, "10086")] and not lifted(state)
    assert state.phase == Phase.DIALLING and state.call.placing
    # Its own DTMF heard on the line is no digit of the call; the number is told once.
    state, actions = run(state, *keys(t + 10, "10086"), Tick(t + 11), Dialled(t + 11))
    assert actions == [DigitDialled(t + 11, "6", "10086")]
    assert state.call.number == state.call.digits == "10086" and not state.recording
    state, actions = run(state, Digit(t + 11.1, "6"), Tick(t + 15.5))  # a late echo
    assert state.phase == Phase.IN_CALL and state.recording
    assert StartRecording(t + 15.5, since=t + 11) in actions
    state, actions = run(state, OnHook(t + 30))
    assert CallEnded(t + 30, "answered") in actions


def test_a_phone_hung_up_while_the_box_dials_for_it_is_an_unanswered_call():
    t = MONDAY_10AM
    state, actions = run(LineState(), OffHook(t), DialsForPhone(t + 2, number="10086"),
                         OnHook(t + 3))
    assert CallEnded(t + 3, "unanswered") in actions and state.phase == Phase.IDLE
    # Only a phone off hook with nothing dialled is dialled for.
    state, _ = run(LineState(), OffHook(t), *keys(t + 1, "1"))
    state, actions = run(state, DialsForPhone(t + 2, number="10086"))
    assert actions == [] and state.call.number == "1" and not lifted(state)
