"""The simulated exchange on its own: the scenario's callees, the mix, the digits it hears."""

from __future__ import annotations

import numpy as np
import pytest

from audio_format import FRAME_SAMPLES
from drivers.opening import open_signals
from drivers.simline import sim_line
from dsp_ext.dtmf import dtmf_generate
from firmware.simulation.exchange import ExchangeCall, answers_for
from firmware.simulation.scenario import ScenarioError, from_document

SCENARIO = {"lines": 2, "callee": [{"number": "10086", "answers": "busy"}],
            "operator": [{"line": 2, "picks_up_s": 1.0}], "dead_lines": [1]}


def test_a_scenario_names_its_callees_and_operators_once_on_lines_it_has():
    scenario = from_document(SCENARIO)
    assert scenario.callee_of("10086").answers == "busy" and scenario.callee_of("1") is None
    assert scenario.operator_of(2).picks_up_s == 1.0
    for changes, problem in (
        ({"callee": SCENARIO["callee"] * 2}, "callee 10086: named twice"),
        ({"operator": [{"line": 3}]}, "line 3: the office has lines 1 to 2"),
        ({"dead_lines": [5]}, "line 5: the office has lines 1 to 2"),
        ({"callee": [{"number": "10086", "answers": "maybe"}]}, "'maybe' is not one of"),
    ):
        with pytest.raises(ScenarioError, match=problem):
            from_document({**SCENARIO, **changes})


def test_a_number_no_callee_names_answers_from_the_seeded_mix():
    scenario = from_document({"seed": 9, "lines": 1})
    drawn = [answers_for(scenario, f"1380013{n:04d}", 1, 0).answers for n in range(200)]
    assert drawn == [answers_for(scenario, f"1380013{n:04d}", 1, 0).answers
                     for n in range(200)]
    assert set(drawn) == {"human", "machine", "fax", "busy", "sit", "no_answer"}
    assert drawn.count("human") > drawn.count("fax")


def test_the_exchange_hears_the_digits_the_box_plays_and_connects_the_callee():
    scenario = from_document({"lines": 1, "callee": [{"number": "10086", "answers": "busy"}]})
    line = sim_line("exchange-unit-1")
    with open_signals("sim:exchange-unit-1") as signals:
        signals.seize(True)
        call = ExchangeCall(line, 1, scenario, start=0)
        sent = [call.frame(frame) for frame in range(50)]  # dial tone after 0.3 s
        assert sent[5] is None  # a moment after the line is taken: nothing yet
        assert np.any(sent[40]) and call.truth.dialled == ""
        tones = dtmf_generate("10086", level_dbm0=-7.0, on_ms=100, off_ms=100)
        played = tones.size // FRAME_SAMPLES
        for index in range(played):
            line._play(tones[index * FRAME_SAMPLES:(index + 1) * FRAME_SAMPLES])
            call.frame(50 + index)
        last = 50 + played
        for frame in range(last, last + 10):
            call.frame(frame)
        assert (call.truth.dialled, call.truth.by, call.truth.answers) == ("10086", "tone", "busy")
        signals.seize(False)
        call.frame(last + 10)
        assert call.done and call.truth.released_at is not None
