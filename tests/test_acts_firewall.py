"""The call firewall on the line: a blocked call is answered and hung up (or hears its
message), logged as blocked with its rule, never recorded, never popped; an allowed one
rings on once the firewall has decided."""

from __future__ import annotations

import pytest

from firmware.cli.processes import open_configured_line
from firmware.engine import Engine
from firmware.engine.detectors import fsk_standard
from firmware.link import contract
from firmware.simulation.sounds import box_sounds
from firmware.simulation.timeline import CallerIdRequest
from firmware.store.db import Store
from firmware.store.firewall import Actor, Firewall, ListEntry, Rule
from tests.engine_config import configure
from tests.test_acts import PROMPTS, Caller, call_ended, prompt_audio

ADMIN = Actor("adm")
MESSAGE = prompt_audio(1.2, 9)


@pytest.fixture
def box(tmp_path, request):
    configure(tmp_path, 1)
    with Store(tmp_path / "linerec.db") as store:
        firewall = Firewall(store)
        firewall.add(ListEntry(0, "black", "+8613800138000"), ADMIN)
        firewall.add(ListEntry(0, "black", "+8613900139000", action="message",
                               message_prompt="firewall_message"), ADMIN)
        firewall.add(ListEntry(0, "red", "+8602087654321"), ADMIN)
        firewall.add_rule(Rule(0, "prefix", prefix="020"), ADMIN)  # red wins for 020 8765 4321
        firewall.add_rule(Rule(0, "withheld", reasons=("none",)), ADMIN)
    events: list[contract.Event] = []
    prefix = f"fw-{request.node.name}-"
    engine = Engine(tmp_path, lambda line: open_configured_line(line, prefix),
                    publish=events.append,
                    prompt_audio={**PROMPTS, "firewall_message": MESSAGE}.get)
    caller = Caller(f"{prefix}1", lambda: engine.workers[1].frames if 1 in engine.workers else None)
    engine.start()
    yield engine, caller, events
    caller.line.end_audio()
    engine.stop()


def ring(caller, number: str | None) -> None:
    """A first ring burst, then the caller ID (None: none sent)."""
    caller.line.set_ringing(True)
    caller.frames(50)
    caller.line.set_ringing(False)
    caller.frames(30)
    if number is not None:
        request = CallerIdRequest(number, "", "", "12071030")
        caller.send(box_sounds().caller_id_fsk(request, fsk_standard("CN")))
    caller.frames(150)


def the_call(engine):
    with Store(engine.folder.database) as store:
        return store.calls(1)[0], store.recordings()


def test_a_black_listed_caller_is_answered_and_hung_up_logged_as_blocked(box):
    engine, caller, events = box
    ring(caller, "13800138000")
    assert caller.frames(500, lambda: call_ended(events)), "the call was not blocked"
    call, recordings = the_call(engine)
    assert (call.outcome, call.blocked_by, call.number) == ("blocked", "black_list", "13800138000")
    assert recordings == []
    blocked = [e for e in events if isinstance(e, contract.CallBlocked)]
    assert [(e.rule, e.action) for e in blocked] == [("black_list", "reject")]
    # Screened from the first ring: no card could pop before the decision, none after.
    started = next(e for e in events if isinstance(e, contract.CallStarted))
    assert started.status.screening
    assert all(e.status.screening or e.status.blocked for e in events
               if e.call_id == call.id and not isinstance(e, contract.CallEnded)
               and e.status.phase in (contract.Phase.RINGING, contract.Phase.SEIZED))
    assert caller.heard == 0  # rejected: nothing played


def test_a_black_listed_caller_with_a_message_hears_it_before_the_box_hangs_up(box):
    engine, caller, events = box
    ring(caller, "13900139000")
    assert caller.frames(600, lambda: call_ended(events))
    assert caller.heard >= MESSAGE.size // 160 - 2
    call, _ = the_call(engine)
    assert (call.outcome, call.blocked_by) == ("blocked", "black_list")


def test_a_red_listed_caller_rings_through_whatever_the_rules_say(box):
    engine, caller, events = box
    ring(caller, "02087654321")
    screened = [e for e in events if isinstance(e, contract.LineStateChanged)
                and e.status.phase == contract.Phase.RINGING and not e.status.screening]
    assert screened, "the firewall did not let the call through"
    caller.line.set_off_hook(True)
    assert caller.frames(200, lambda: engine.workers[1].state.phase == contract.Phase.IN_CALL)
    assert not any(isinstance(e, contract.CallBlocked) for e in events)
    assert not caller.line.relay_seized


def test_a_call_without_caller_id_is_judged_at_the_second_ring(box):
    engine, caller, events = box
    ring(caller, None)
    caller.line.set_ringing(True)  # the second ring: no caller ID came
    assert caller.frames(300, lambda: call_ended(events))
    call, _ = the_call(engine)
    assert (call.outcome, call.blocked_by) == ("blocked", "withheld:none")
