"""When a line plays the announcement before recording, and what it says when it cannot.

``Announcing`` belongs to one line. Its ``trigger`` (one of the worker's
triggers, asked after each step of the state machine while no act runs) starts
the announcement (``firmware.acts.announcement``) when the machine answers a
call (``CallAnswered``: an inbound call picked up by a phone of the office, an
outbound call connected once its dialling ended) whose direction the line's
policy names, unless:

- the box holds the line (``SEIZED``: voicemail or another act answered it);
- nothing of the call will be recorded (a number on the no-record list, the
  recording mode off, a schedule outside its windows): there is nothing to
  announce;
- the line cannot play (no playback, a voice modem that is not on the line
  beside the phone, or its playback failed): said once in the log for the
  call, which is logged and recorded as always.

The announcement does not take the line (``Act(seize=False)``): both parties
hear it. The line's ``LineActions`` marks where it sounded on the recording
(``marked_acts``); a playback that failed under it leaves no mark.
"""

from __future__ import annotations

import logging

from firmware.acts import announcement
from firmware.engine import state as machine
from firmware.engine.acting import Act
from firmware.engine.actions import LineActions
from firmware.engine.journal import Row
from firmware.engine.player import LinePlayer

log = logging.getLogger(__name__)


def may_be_recorded(state: machine.LineState, at: float) -> bool:
    """Whether the line's policy may record the call in ``state`` from ``at`` on: the
    automatic and scheduled modes do (in a window), the voice and manual modes may."""
    policy, call = state.policy, state.call
    if call is None or (call.number is not None and call.number in policy.no_record):
        return False
    if policy.mode == "off":
        return False
    if policy.mode == "schedule":
        return machine.in_window(policy, at)
    return True


class Announcing:
    """One line's announcement before recording."""

    def __init__(self, line: int, player: LinePlayer, actions: LineActions) -> None:
        self.line = line
        self.player = player
        self.actions = actions
        actions.marked_acts.add(announcement.NAME)
        actions.act_results[announcement.NAME] = self.ended
        self._told: float | None = None  # the call (by its start) whose problem was logged

    def trigger(self, state: machine.LineState, actions: list[machine.Action]) -> Act | None:
        answered = next((a for a in actions if isinstance(a, machine.CallAnswered)), None)
        call = state.call
        if answered is None or call is None:
            return None
        if not announcement.announces(state.policy.announcement, call.direction):
            return None
        if state.phase not in (machine.Phase.IN_CALL, machine.Phase.SILENT):
            return None  # the box holds the line for something else
        if not may_be_recorded(state, answered.at):
            return None
        problem = self._cannot_play()
        if problem is not None:
            self._tell_once(call.started_at, f"the announcement is not played: {problem}")
            return None
        return Act(
            announcement.NAME,
            announcement.announcement(state.policy.announcement_prompt),
            seize=False,
        )

    def ended(self, result, call: Row | None) -> None:
        """The announcement ended; a playback that failed under it leaves no mark."""
        if self.player.failed:
            self.actions.drop_mark(announcement.NAME)

    def _cannot_play(self) -> str | None:
        playback = self.player.playback
        if playback is None or playback.url.startswith("null:"):
            return "the line has no playback (its audio out is not set)"
        if not playback.plays_beside_phones:
            return (
                "its voice modem is not on the line while a phone holds it "
                "(set listen=<+VLS setting> on the modem's address)"
            )
        if self.player.failed:
            return "its playback failed earlier on this line"
        return None

    def _tell_once(self, call: float, text: str) -> None:
        if self._told == call:
            return
        self._told = call
        log.warning("line %d: %s; the call is logged and recorded as always", self.line, text)
