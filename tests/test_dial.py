"""The box places calls end to end on the simulated office: each outcome the exchange's
callee gives is the box's result, the calls are ordinary outbound calls in the log, and
click-to-dial hands the call over to the operator's phone."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from drivers.simline import sim_line
from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.link import contract
from firmware.simulation.office import Office
from firmware.simulation.prompts import prompt_audio as office_prompts
from firmware.simulation.scenario import from_document
from firmware.simulation.sounds import box_sounds
from firmware.store.db import Store
from tests.engine_config import configure

NUMBER = "13800138{line:03d}"
# line: what the callee does (None: the line's exchange gives no dial tone)
OUTCOMES = {1: "human", 2: "machine", 3: "fax", 4: "busy", 5: "sit", 6: "no_answer", 7: None,
            8: "human", 9: "human", 10: "human", 11: "machine"}
WAIT_S = 300
PULSE_LINE = 8  # dials by pulses
HAND_OVER_LINE = 9  # click-to-dial: the operator picks up
FAILING_LINE = 10  # its playback fails as the box dials
QUIET_LINE = 11  # its number is on the no-record list
SCENARIO = {
    "seed": 5, "lines": len(OUTCOMES), "length_s": 200.0, "dead_lines": [7],
    "callee": [{"number": NUMBER.format(line=line), "answers": answers, "after_rings": 2}
               for line, answers in OUTCOMES.items() if answers],
    "operator": [{"line": HAND_OVER_LINE, "picks_up_s": 2.0, "talk_s": 6.0}],
}


def failing_after(playback, frames: int):
    """``playback`` failing once the box has written ``frames`` frames to it (a sound card
    unplugged as the box dials)."""
    written = [0]
    write = playback._write

    def fail(frame, sounds_with=None):
        written[0] += 1
        if written[0] > frames:
            playback.line._rest()  # gone: the line's capture no longer waits for it
            raise OSError(5, "Input/output error")
        write(frame, sounds_with)

    playback._write = fail


@pytest.fixture(scope="module")
def dialled(tmp_path_factory):
    """Every line places its call at once; (office, events, data folder)."""
    data = tmp_path_factory.mktemp("dial")
    scenario = from_document(SCENARIO)
    store = configure(data, scenario.lines)
    store.update_line(PULSE_LINE, dialling="pulse")
    store.update_line(HAND_OVER_LINE, announcement="outbound")
    config = store.load()
    store.save(replace(config, device=replace(config.device,
                                              no_record=[NUMBER.format(line=QUIET_LINE)])))
    prefix = "dial-"

    def open_line(line):
        io = open_configured_line(line, prefix)
        if line.number == FAILING_LINE:
            failing_after(io.playback, 120)  # as it dials (dial tone comes after 1.5 s)
        return io

    events: list[contract.Event] = []
    engine = Engine(data, open_line, publish=events.append, prompt_audio=office_prompts)
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    try:
        for line in OUTCOMES:
            engine.handle_command(contract.DialCommand(
                line, NUMBER.format(line=line), user="wang", attempt=f"try-{line}",
                hand_over=line == HAND_OVER_LINE))
        office.start()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ended = {e.line for e in events if isinstance(e, contract.DialEnded)}
            done = all(call.ended_at is not None for call in office.dialled)
            if len(ended) == len(OUTCOMES) and len(office.dialled) == len(OUTCOMES) and done:
                break
            time.sleep(0.2)
    finally:
        office.stop()
        engine.wait(timeout=60)
        engine.stop()
    return office, events, data


def _ended(events) -> dict[int, contract.DialEnded]:
    return {e.line: e for e in events if isinstance(e, contract.DialEnded)}


def test_each_call_ends_as_the_exchange_s_callee_answered(dialled):
    office, events, _ = dialled
    ended = _ended(events)
    truth = {call.line: call for call in office.dialled}
    assert set(ended) == set(truth) == set(OUTCOMES)
    for line, event in sorted(ended.items()):
        where = f"line {line}: {OUTCOMES[line]}"
        assert event.result == truth[line].expected, where
        assert event.attempt == f"try-{line}" and event.number == NUMBER.format(line=line), where
        if OUTCOMES[line] is None:
            assert truth[line].dialled == "" and event.decided_s is None, where
            continue
        if line != FAILING_LINE:  # the exchange heard the whole number, as the box dialled it
            assert truth[line].dialled == NUMBER.format(line=line), where
            assert truth[line].by == ("pulse" if line == PULSE_LINE else "tone"), where
    assert {event.result for event in ended.values()} == {
        "human", "machine", "fax", "busy", "sit", "no_answer", "no_dial_tone", "handed_over",
        "failed"}
    # A person is told from a machine within the detector's seconds after the answer.
    assert ended[1].decided_s < ended[2].decided_s < 30


def test_the_stages_come_in_order_and_the_box_lets_go_once_decided(dialled):
    office, events, _ = dialled
    stages = {line: [e.stage for e in events
                     if isinstance(e, contract.DialProgress) and e.line == line]
              for line in OUTCOMES}
    assert stages[1] == ["dial_tone", "dialling", "ringing", "answered"]
    assert stages[3][-1] == "answered"  # a fax answers too
    assert stages[4] == ["dial_tone", "dialling", "busy"]
    assert stages[6] == ["dial_tone", "dialling", "ringing"]
    assert stages[7] == []
    assert stages[HAND_OVER_LINE][-1] == "handed_over"
    for call in office.dialled:
        if call.line != HAND_OVER_LINE:
            assert call.released_at is not None and call.picked_up_at is None
    # The line's status says how far its call got, then how it ended, while the call lasts.
    for event in events:
        if isinstance(event, contract.DialProgress):
            assert event.status.dial == event.stage
        elif isinstance(event, contract.DialEnded) and event.call_id is not None:
            assert event.status.dial == event.result
        elif isinstance(event, contract.CallEnded):
            assert event.status.dial is None


def test_every_placed_call_is_an_ordinary_outbound_call_in_the_log(dialled):
    _, events, data = dialled
    ended = _ended(events)
    with Store(data / "linerec.db") as store:
        calls = {call.id: call for call in store.calls()}
        recorded = {recording.call_id for recording in store.recordings()}
    for line, event in ended.items():
        call = calls[event.call_id]
        where = f"line {line}: {event.result}"
        assert (call.line, call.direction, call.number) == (
            line, "out", NUMBER.format(line=line)), where
        answered = event.result in ("human", "machine", "fax", "handed_over")
        assert call.outcome == ("answered" if answered else "unanswered"), where
        assert call.ended_at is not None, where
        # Recorded from the end of the dialling, by the line's policy (auto here): never
        # before the number is out, never a number on the no-record list.
        dialled_out = event.result not in ("no_dial_tone",) and line != FAILING_LINE
        assert (call.id in recorded) == (dialled_out and line != QUIET_LINE), where


def test_click_to_dial_hands_the_call_over_to_the_operator_s_phone(dialled):
    office, events, data = dialled
    truth = next(call for call in office.dialled if call.line == HAND_OVER_LINE)
    assert truth.picked_up_at is not None and truth.released_at is not None
    # The box let go within a frame or two of the phone picking up.
    assert truth.released_at - truth.picked_up_at < 0.1
    line_events = [e for e in events if e.line == HAND_OVER_LINE]
    kinds = [type(e).__name__ for e in line_events]
    released = kinds.index("LineReleased")
    assert kinds.index("DialEnded") < released
    after = line_events[released:]
    assert after[0].status.phase == contract.Phase.IN_CALL and after[0].status.number == (
        NUMBER.format(line=HAND_OVER_LINE))
    # The line announces its outbound calls: once the office's phone has the call.
    announced = [e for e in after if isinstance(e, contract.ActStarted)]
    assert [e.act for e in announced] == ["announcement"]
    ended = _ended(events)[HAND_OVER_LINE]
    with Store(data / "linerec.db") as store:
        call = next(c for c in store.calls() if c.id == ended.call_id)
        recordings = [r for r in store.recordings() if r.call_id == call.id]
    # One call, one recording, through the operator's talk until they hung up.
    assert call.outcome == "answered" and call.answered_at is not None
    assert call.ended_at - call.started_at > truth.ended_at - truth.seized_at - 1.0
    assert len(recordings) == 1


def test_a_line_whose_playback_fails_while_dialling_ends_the_attempt_failed(dialled):
    office, events, _ = dialled
    assert _ended(events)[FAILING_LINE].result == "failed"
    truth = next(call for call in office.dialled if call.line == FAILING_LINE)
    assert truth.expected == "failed" and truth.released_at is not None
    assert len(truth.dialled) < len(NUMBER.format(line=FAILING_LINE))


# ---- a dialling task's calls: a person held for the office, a message left on a machine ----

HOLD_NUMBER = "13900139{line:03d}"
HELD_LINE, UNTAKEN_LINE, MESSAGE_LINE, GONE_LINE, CUT_LINE = 1, 2, 3, 4, 5
MESSAGE = "task_message"  # the simulated office's stand-in prompt for it
HOLD_SCENARIO = {
    "seed": 7, "lines": 5, "length_s": 120.0,
    "callee": [{"number": HOLD_NUMBER.format(line=line), "answers": answers, "after_rings": 1,
                "hangs_up_s": 5.0 if line in (GONE_LINE, CUT_LINE) else 0.0}
               for line, answers in ((HELD_LINE, "human"), (UNTAKEN_LINE, "human"),
                                     (MESSAGE_LINE, "machine"), (GONE_LINE, "human"),
                                     (CUT_LINE, "machine"))],
    # The task's operator of line 1 picks up while the box holds the person for them.
    "operator": [{"line": HELD_LINE, "after_answer_s": 6.0, "talk_s": 4.0}],
}


@pytest.fixture(scope="module")
def held(tmp_path_factory):
    """Five calls of a dialling task at once; (office, events, data folder)."""
    data = tmp_path_factory.mktemp("hold")
    scenario = from_document(HOLD_SCENARIO)
    configure(data, scenario.lines)
    prefix = "hold-"
    events: list[contract.Event] = []
    engine = Engine(data, lambda line: open_configured_line(line, prefix),
                    publish=events.append, prompt_audio=office_prompts)
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine.line_frames)
    engine.start()
    try:
        for line, hold_s in ((HELD_LINE, 30.0), (UNTAKEN_LINE, 4.0), (MESSAGE_LINE, 30.0),
                             (GONE_LINE, 30.0), (CUT_LINE, 30.0)):
            engine.handle_command(contract.DialCommand(
                line, HOLD_NUMBER.format(line=line), user="task 1",
                attempt=f"task:1:{line}", hand_over=False, hold_s=hold_s,
                machine_message=MESSAGE))
        office.start()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ended = {e.line for e in events if isinstance(e, contract.DialEnded)}
            done = all(call.ended_at is not None for call in office.dialled)
            if len(ended) == 5 and len(office.dialled) == 5 and done:
                break
            time.sleep(0.2)
    finally:
        office.stop()
        engine.wait(timeout=60)
        engine.stop()
    return office, events, data


def _stages(events, line: int) -> list[str]:
    return [e.stage for e in events if isinstance(e, contract.DialProgress) and e.line == line]


def test_a_person_held_for_the_office_is_handed_over_when_its_phone_picks_up(held):
    office, events, data = held
    ended = _ended(events)[HELD_LINE]
    truth = next(call for call in office.dialled if call.line == HELD_LINE)
    assert ended.result == truth.expected == "handed_over"
    assert _stages(events, HELD_LINE)[-3:] == ["answered", "holding", "handed_over"]
    # The box wanted the office while it held the person, and no longer once taken.
    line_events = [e for e in events if e.line == HELD_LINE]
    holding = next(i for i, e in enumerate(line_events)
                   if isinstance(e, contract.DialProgress) and e.stage == "holding")
    assert line_events[holding].status.office_wanted
    assert not line_events[-1].status.office_wanted
    # The box let go as the phone picked up; the call went on with it and was answered.
    assert truth.picked_up_at is not None and truth.released_at - truth.picked_up_at < 0.1
    assert truth.picked_up_at - truth.answered_at > 5.0
    with Store(data / "linerec.db") as store:
        call = next(c for c in store.calls() if c.id == ended.call_id)
    assert call.outcome == "answered" and call.ended_at - call.started_at > 4.0


def test_a_held_person_nobody_takes_is_hung_up_on_after_the_hold(held):
    office, events, _ = held
    ended = _ended(events)[UNTAKEN_LINE]
    truth = next(call for call in office.dialled if call.line == UNTAKEN_LINE)
    assert ended.result == truth.expected == "human" and not ended.message_left
    assert _stages(events, UNTAKEN_LINE)[-2:] == ["answered", "holding"]
    assert truth.picked_up_at is None
    # Held for the 4 s asked, from the decision on; then let go.
    decided_at = truth.completed_at + ended.decided_s
    assert 3.5 < truth.released_at - decided_at < 5.5
    assert not [e for e in events if e.line == UNTAKEN_LINE][-1].status.office_wanted


def test_an_answering_machine_is_left_the_message_after_its_beep(held):
    office, events, _ = held
    ended = _ended(events)[MESSAGE_LINE]
    truth = next(call for call in office.dialled if call.line == MESSAGE_LINE)
    assert ended.result == truth.expected == "machine" and ended.message_left
    assert "holding" not in _stages(events, MESSAGE_LINE)
    # The machine heard the whole prompt, after the greeting's speech.
    prompt = office_prompts(MESSAGE).astype(np.float64)
    heard = truth.heard.astype(np.float64)
    assert heard.size >= prompt.size
    assert truth.spoke_at > truth.greeting_ended_at - 1.5
    match = np.correlate(heard, prompt, mode="valid")
    best = int(np.argmax(match))
    energy = np.sqrt(np.sum(prompt**2) * np.sum(heard[best:best + prompt.size] ** 2))
    assert match[best] / energy > 0.95
    assert truth.released_at is not None


def test_a_held_person_who_hangs_up_ends_the_hold_at_the_busy_tone(held):
    office, events, _ = held
    ended = _ended(events)[GONE_LINE]
    truth = next(call for call in office.dialled if call.line == GONE_LINE)
    assert ended.result == truth.expected == "human"
    assert _stages(events, GONE_LINE)[-2:] == ["answered", "holding"]
    # Let go within the busy tone's confirmation, long before the 30 s hold.
    assert truth.hung_up_at is not None and 0 < truth.released_at - truth.hung_up_at < 3.0
    assert truth.picked_up_at is None
    assert not [e for e in events if e.line == GONE_LINE][-1].status.office_wanted


def test_a_machine_that_hangs_up_in_its_greeting_is_left_no_message(held):
    office, events, _ = held
    ended = _ended(events)[CUT_LINE]
    truth = next(call for call in office.dialled if call.line == CUT_LINE)
    assert ended.result == truth.expected == "machine" and not ended.message_left
    assert truth.hung_up_at is not None and 0 < truth.released_at - truth.hung_up_at < 3.0
    assert truth.spoke_at is None  # the box never played the message


# ---- click-to-dial with the operator's phone -----------------------------------------------
# Lines whose loop sensor sees the whole loop (a GPIO line's): the box does not take the line,
# it asks the operator to lift the handset and dials for the phone.

PHONE_NUMBER = "13900139{line:03d}"
LIFTS, NEVER_LIFTS, HANGS_UP, ALREADY_OFF_HOOK = 1, 2, 3, 4
PHONE_SCENARIO = {
    "seed": 7, "lines": 4, "length_s": 200.0,
    "callee": [{"number": PHONE_NUMBER.format(line=line), "answers": "human", "after_rings": 1}
               for line in range(1, 5)],
}


@pytest.fixture(scope="module")
def by_phone(tmp_path_factory):
    """Click-to-dial on four lines that cannot see their phones while seized; (office,
    events, data folder, the commands' refusals)."""
    data = tmp_path_factory.mktemp("dial-phone")
    scenario = from_document(PHONE_SCENARIO)
    configure(data, scenario.lines)
    prefix = "dial-phone-"
    lines = {number: sim_line(f"{prefix}{number}") for number in range(1, 5)}
    for line in lines.values():
        line.senses_phones_while_seized = False
    events: list[contract.Event] = []
    refused: list[Exception] = []
    engine: list[Engine] = []

    def command(line: int) -> contract.DialCommand:
        return contract.DialCommand(line, PHONE_NUMBER.format(line=line), user="wang",
                                    attempt=f"phone-{line}")

    def place(line: int) -> None:
        try:
            engine[0].handle_command(command(line))
        except Exception as error:
            refused.append(error)

    def operator(event: contract.Event) -> None:
        """The operators, as the box asks them (told in the line's own thread)."""
        events.append(event)
        if isinstance(event, contract.DialProgress):
            if event.stage == "lift_handset" and event.line in (LIFTS, HANGS_UP):
                lines[event.line].set_off_hook(True)
            elif event.stage == "dialling" and event.line == HANGS_UP:
                lines[event.line].set_off_hook(False)  # hangs up as the box dials
        elif (isinstance(event, contract.LineStateChanged) and event.line == ALREADY_OFF_HOOK
              and event.status.phase == contract.Phase.DIALLING
              and not any(e.line == ALREADY_OFF_HOOK for e in events
                          if isinstance(e, contract.DialProgress | contract.DialEnded))):
            # The operator lifted the handset, then clicked Call.
            threading.Thread(target=place, args=(ALREADY_OFF_HOOK,)).start()

    engine.append(Engine(data, lambda line: open_configured_line(line, prefix),
                         publish=operator, prompt_audio=office_prompts))
    office = Office(scenario, box_sounds(), speed=0, prefix=prefix,
                    engine_frames=engine[0].line_frames)
    engine[0].start()
    try:
        for line in (LIFTS, NEVER_LIFTS, HANGS_UP):
            place(line)
        lines[ALREADY_OFF_HOOK].set_off_hook(True)
        office.start()
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            ended = {e.line for e in events if isinstance(e, contract.DialEnded)}
            calls_over = all(call.ended_at is not None for call in office.dialled)
            phones_down = not any(line.off_hook for line in lines.values())
            if len(ended) == 4 and calls_over and phones_down and not refused:
                time.sleep(0.5)
                break
            if refused:
                break
            time.sleep(0.2)
    finally:
        office.stop()
        engine[0].wait(timeout=60)
        engine[0].stop()
    return office, events, data, refused


def test_click_to_dial_asks_for_the_handset_where_the_line_cannot_see_its_phones(by_phone):
    office, events, _, refused = by_phone
    assert refused == []
    ended = _ended(events)
    assert {line: e.result for line, e in ended.items()} == {
        LIFTS: "handed_over", NEVER_LIFTS: "failed", HANGS_UP: "failed",
        ALREADY_OFF_HOOK: "handed_over"}
    stages = {line: [e.stage for e in events
                     if isinstance(e, contract.DialProgress) and e.line == line]
              for line in range(1, 5)}
    assert stages[LIFTS] == ["lift_handset", "dial_tone", "dialling", "handed_over"]
    assert stages[NEVER_LIFTS] == ["lift_handset"]
    assert stages[HANGS_UP] == ["lift_handset", "dial_tone", "dialling"]
    assert stages[ALREADY_OFF_HOOK] == ["dial_tone", "dialling", "handed_over"]
    # The box never took a line: the phone held it; the exchange heard the number the box
    # played beside the phone.
    assert not any(isinstance(e, contract.LineSeized) for e in events)
    truth = {call.line: call for call in office.dialled}
    assert set(truth) == {LIFTS, HANGS_UP, ALREADY_OFF_HOOK}
    for line in (LIFTS, ALREADY_OFF_HOOK):
        assert truth[line].dialled == PHONE_NUMBER.format(line=line)
        assert truth[line].by == "tone" and truth[line].answered_at is not None
    assert truth[HANGS_UP].dialled != PHONE_NUMBER.format(line=HANGS_UP)


def test_a_call_dialled_for_the_phone_is_logged_once_and_recorded_from_the_last_digit(by_phone):
    _, events, data, _ = by_phone
    ended = _ended(events)
    with Store(data / "linerec.db") as store:
        calls = list(store.calls())
        recordings = list(store.recordings())
    for line in (LIFTS, ALREADY_OFF_HOOK):
        number = PHONE_NUMBER.format(line=line)
        line_calls = [call for call in calls if call.line == line]
        assert len(line_calls) == 1, line
        call = line_calls[0]
        assert call.id == ended[line].call_id
        assert (call.direction, call.number, call.outcome) == ("out", number, "answered")
        assert call.ended_at is not None
        # The number told once, whole, as the last digit went out; the recording after it.
        line_events = [e for e in events if e.line == line]
        digits = [e for e in line_events if isinstance(e, contract.DigitDialled)]
        assert [e.digits for e in digits] == [number]
        kinds = [type(e).__name__ for e in line_events]
        assert kinds.index("DigitDialled") < kinds.index("RecordingStarted")
        assert len([r for r in recordings if r.call_id == call.id]) == 1
    # The operator who hung up as the box dialled: a call with no number, nothing recorded.
    hung_up = [call for call in calls if call.line == HANGS_UP]
    assert len(hung_up) == 1 and hung_up[0].outcome == "unanswered"
    assert not [r for r in recordings if r.call_id == hung_up[0].id]
    assert not [call for call in calls if call.line == NEVER_LIFTS]
