"""Calls the box places on a line: the command checked, the act made, its stages and result told.

``dial_refusal`` says why a line cannot place a ``contract.DialCommand`` now
(``contract.DIAL_REFUSALS``' keys); ``dial_act`` makes the act the line's
worker starts at its next frame (``firmware.acts.dial``), which takes the
line as a new outbound call to the number (``state.Seize`` with it).
``Dialling`` belongs to one line: it tells each stage the script reaches as
``contract.DialProgress`` and the end as ``contract.DialEnded``, once per
command taken, whatever happened (a line that could not be taken at the
frame, a relay or playback that failed, a line that stopped: ``failed``).

The call itself is the state machine's ordinary outbound call: logged with
its number from the start, recorded by the line's policy from the end of the
dialling (the no-record list respected), handed over to the office's phone
(click-to-dial) at the release, announced then if the line announces.
Click-to-dial on a line that cannot see its phones while the box holds it
dials with the operator's phone (``dial.dial_with_phone``): the act does not
seize; the call is the phone's own outbound call, its number set when the box
starts dialling (``state.DialsForPhone``) and out at the last digit.
"""

from __future__ import annotations

import logging
from typing import Any

from firmware.acts import dial
from firmware.acts.steps import ScriptResult
from firmware.config import Line
from firmware.engine import state as machine
from firmware.engine.acting import Act
from firmware.engine.actions import LineActions
from firmware.engine.journal import Row
from firmware.engine.worker import LineWorker
from firmware.link import contract
from firmware.store.firewall import Screen

log = logging.getLogger(__name__)

TOLD_STAGES = frozenset(contract.DIAL_STAGES)


def dial_refusal(
    command: contract.DialCommand, worker: LineWorker, line: Line, screen: Screen, *,
    region: str, at: float,
) -> tuple[str, str] | None:
    """Why ``worker``'s line (set up as ``line`` now) cannot place ``command``: a key of
    ``contract.DIAL_REFUSALS`` and the firewall's rule that blocks the number (""), or None."""
    if not dial.dialable(command.number):
        return "bad_number", ""
    reason = _line_refusal(command, worker, line)
    if reason is not None:
        return reason, ""
    verdict = screen.dial_verdict(command.number, at, region=region)
    if not verdict.blocked:
        return None
    return ("black_list", "") if verdict.rule == "black_list" else ("do_not_call", verdict.rule)


def _line_refusal(command: contract.DialCommand, worker: LineWorker, line: Line) -> str | None:
    """What of the line keeps it from placing the call now, or None."""
    signals, playback = worker.io.signals, worker.io.playback
    state = worker.state
    with_phone = dials_with_phone(command, signals)
    problems = (
        ("offline", not worker.is_alive()),
        ("no_relay", signals is None),
        ("no_pulse", not with_phone and line.dialling == "pulse" and signals is not None
         and not signals.can_pulse),
        ("no_playback", line.dialling == "tone" and (
            playback is None or playback.url.startswith("null:") or not playback.can_play
            or worker.player.failed)),
        ("no_pulse_phone", with_phone and line.dialling == "pulse"),
        ("busy", worker.actor.running or state.ringing or not (
            (state.phase == machine.Phase.IDLE and state.call is None)
            or (with_phone and machine.lifted(state)))),
    )
    return next((reason for reason, found in problems if found), None)


def dials_with_phone(command: contract.DialCommand, signals) -> bool:
    """Whether ``command`` dials with the operator's phone rather than the box's relay:
    click-to-dial on a line that cannot see its phones while the box holds it."""
    return (command.hand_over and signals is not None
            and not signals.senses_phones_while_seized)


def refusal_text(reason: str, command: contract.DialCommand, rule: str = "") -> str:
    return contract.DIAL_REFUSALS[reason].format(line=command.line, number=command.number,
                                                 rule=rule)


def dial_act(command: contract.DialCommand, line: Line, *, can_hold: bool = True,
             off_hook: bool = False) -> Act:
    """The act placing ``command``'s call on ``line`` (its dialling by its settings).
    ``can_hold``: the line sees its phone picked up while the box holds it; where it
    cannot, a person who answers is not held (nobody could take them), and click-to-dial
    dials with the operator's phone (``dial.dial_with_phone``; ``off_hook``: it is off
    hook already), the box not taking the line."""
    facts = (("number", command.number), ("attempt", command.attempt),
             ("user", command.user), ("hand_over", command.hand_over))
    if command.hand_over and not can_hold:
        script = dial.dial_with_phone(command.number, off_hook=off_hook)
        return Act(dial.NAME, script, seize=False, places=command.number, facts=facts)
    hold_s = command.hold_s if can_hold and not command.hand_over else 0.0
    if command.hold_s > 0 and not hold_s and not command.hand_over:
        log.warning("line %d cannot see its phone picked up while the box holds the line: "
                    "a person who answers %s is not held", command.line, command.number)
    script = dial.dial(command.number, pulse=line.dialling == "pulse",
                       hand_over=command.hand_over, hold_s=max(0.0, hold_s),
                       machine_message=None if command.hand_over else command.machine_message)
    return Act(dial.NAME, script, places=command.number, facts=facts)


class Dialling:
    """One line's placed calls, as the rest of the box is told of them."""

    def __init__(self, line: int, actions: LineActions) -> None:
        self.line = line
        self.actions = actions
        actions.act_results[dial.NAME] = self.ended
        actions.act_stages[dial.NAME] = self.stage

    def stage(self, facts: dict[str, Any], stage: str, at: float) -> None:
        """The script got to ``stage`` (the machine has been stepped for it already)."""
        if stage in TOLD_STAGES:
            self.actions.dial_stage = stage
            self.actions.tell(contract.DialProgress, number=facts.get("number", ""),
                              stage=stage, attempt=facts.get("attempt"))

    def ended(self, result: ScriptResult, call: Row | None) -> None:
        """The act ended (or could not start): ``DialEnded``, and a line in the log."""
        outcome = result.value
        if not isinstance(outcome, dial.DialOutcome):
            outcome = dial.DialOutcome("handed_over" if result.handed_over else "failed")
        facts = result.facts
        if outcome.result == "handed_over":
            self.stage(facts, "handed_over", 0.0)
        log.info("line %d: the call to %s asked by %s: %s", self.line, facts.get("number"),
                 facts.get("user") or "someone", outcome.result)
        if call is not None:  # the line's status says it while the call lasts
            self.actions.dial_stage = outcome.result
        self.actions.tell(
            contract.DialEnded, call_id=None if call is None else call.id,
            number=facts.get("number", ""), result=outcome.result,
            decided_s=None if outcome.decided_s is None else round(outcome.decided_s, 2),
            attempt=facts.get("attempt"), message_left=outcome.message_left,
        )
