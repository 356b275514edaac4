"""Why a line refuses to place a call: the engine's one-line reasons, before anything moves."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from drivers.simline import sim_line
from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.engine.dialling import dial_refusal, refusal_text
from firmware.link import contract
from firmware.store.db import Store
from firmware.store.firewall import Actor, Firewall, ListEntry, Rule, TimeWindow
from tests.engine_config import configure

ADMIN = Actor("adm")
BLACK, RED, PREMIUM = "13966660000", "08981234567", "08987654321"
@pytest.fixture
def engine(tmp_path):
    store = configure(tmp_path, 3)
    store.update_line(2, dialling="pulse", signals="sim:", playback="null:")
    store.update_line(3, playback="null:")
    with Store(tmp_path / "linerec.db") as db:
        firewall = Firewall(db)
        firewall.add(ListEntry(0, "black", "+86" + BLACK), ADMIN)
        firewall.add(ListEntry(0, "red", RED), ADMIN)
        firewall.add_rule(Rule(0, "prefix", prefix="0898"), ADMIN)
        # A time rule is about calls coming in, not numbers: it refuses no call out.
        every_day = TimeWindow(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), "00:00",
                               "23:59")
        firewall.add_rule(Rule(0, "time", windows=(every_day,)), ADMIN)
    prefix = f"refuse-{tmp_path.name}-"  # lines of its own: another test's have ended
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix))
    engine.prefix = prefix
    engine.start()
    yield engine
    for number in (1, 2, 3):
        sim_line(f"{prefix}{number}").end_audio()
    engine.wait(timeout=20)
    engine.stop()


def refusal(engine, number="13800138000", line=1, **options) -> str:
    with pytest.raises(ValueError) as refused:
        engine.handle_command(contract.DialCommand(line, number, **options))
    return str(refused.value)


def test_the_firewall_s_lists_and_number_rules_refuse_a_call_out(engine):
    assert refusal(engine, BLACK) == f"{BLACK} is on the call firewall's black list"
    assert refusal(engine, PREMIUM) == f"the call firewall's rule prefix:0898 blocks {PREMIUM}"
    # The red list wins over the rules; the time rule blocks no number.
    for number in (RED, "13800138000"):
        assert engine.handle_command(contract.DialCommand(1, number)) == contract.LineReply(1)
        engine.workers[1]._commands.get_nowait()  # never taken: the line gets no audio


def test_a_line_that_cannot_dial_or_is_busy_says_why(engine):
    assert refusal(engine, "138-0013") == contract.DIAL_REFUSALS["bad_number"].format(
        number="138-0013")
    assert refusal(engine, "1" * 33).endswith("(digits, * and #, at most 32)")
    assert refusal(engine, line=3) == "line 3 has no way to play to the line (its playback is " \
                                      "not set)"
    # Line 2 dials by pulses: a simulated relay can, so only its hand-over matters.
    assert engine.handle_command(contract.DialCommand(2, "10086")) == contract.LineReply(2)
    with pytest.raises(ValueError, match="no line 9"):
        engine.handle_command(contract.DialCommand(9, "10086"))
    # A phone of line 1 is off hook: a call is under way there.
    line = sim_line(f"{engine.prefix}1")
    line.set_off_hook(True)
    line.push_audio(np.zeros(160, dtype=np.int16))
    deadline = time.monotonic() + 10
    while engine.workers[1].state.phase == contract.Phase.IDLE:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert refusal(engine) == "line 1 is busy"


def test_a_line_whose_hook_is_hidden_while_seized_dials_click_to_dial_with_the_phone(engine):
    worker = engine.workers[1]
    line = engine.config.lines[0]
    screen = engine.screen
    command = contract.DialCommand(1, "10086")

    class WholeLoop:  # a GPIO line's loop sensor: it sees the relay's own current
        senses_phones_while_seized = False
        can_pulse = True

    signals, worker.io.signals = worker.io.signals, WholeLoop()
    try:
        # Click-to-dial dials with the operator's phone there (the box does not seize).
        assert dial_refusal(command, worker, line, screen, region="CN", at=0.0) is None
        # Without a hand-over (a program placing the call) such a line dials all the same.
        quiet = contract.DialCommand(1, "10086", hand_over=False)
        assert dial_refusal(quiet, worker, line, screen, region="CN", at=0.0) is None
        # Its relay cannot pulse a loop the phone holds: a pulse line is refused.
        pulse = replace(line, dialling="pulse")
        assert dial_refusal(command, worker, pulse, screen, region="CN", at=0.0) == (
            "no_pulse_phone", "")
        assert dial_refusal(quiet, worker, pulse, screen, region="CN", at=0.0) is None
        assert "cannot pulse a loop the phone holds" in refusal_text("no_pulse_phone", command)
        worker.io.signals = None
        assert dial_refusal(command, worker, line, screen, region="CN", at=0.0) == (
            "no_relay", "")
    finally:
        worker.io.signals = signals
