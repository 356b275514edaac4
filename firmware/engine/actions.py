"""Carries out a line's actions: the call log in the store, the recording, the relay.

The state machine says what happens (``firmware.engine.state`` actions);
``LineActions`` does it and tells the rest of the box through ``publish``
(the event bus): one ``firmware.link.contract`` event per thing done, each
with the line's whole status after it. It owns the line's recording
session (``firmware.engine.recorder``): the worker hands it every frame
with its line time (``frame``), and nothing else touches the recorder.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from firmware.country.numbers import describe
from firmware.engine import state as machine
from firmware.engine.recorder import FinishedRecording, LineRecorder
from firmware.link import contract
from firmware.store.db import Store

log = logging.getLogger(__name__)

Publish = Callable[[contract.Event], None]


def _caller_id_fields(caller_id: Any) -> dict[str, Any]:
    """The call-log fields a caller-ID result carries (any object with these attributes)."""
    fields = {
        "name": getattr(caller_id, "name", None),
        "reason_absent": getattr(caller_id, "reason_absent", None),
        "cid_format": getattr(caller_id, "format", None),
        "cid_date": getattr(caller_id, "date", None),
    }
    return {key: value for key, value in fields.items() if value is not None}


class LineActions:
    """One line's executor of state-machine actions, and the owner of its recording."""

    def __init__(
        self,
        line: int,
        store: Store,
        recorder: LineRecorder,
        region: str,
        *,
        publish: Publish,
        seize: Callable[[bool], None] = lambda on: None,
    ) -> None:
        self.line = line
        self.store = store
        self._recorder = recorder
        self.region = region
        self.publish = publish
        self.seize = seize
        self.call_id: int | None = None
        self.call: dict[str, Any] = {}  # the call's facts, for sidecars and events
        self.recording_id: int | None = None
        self._phase = machine.Phase.IDLE  # the machine's, after the step being carried out
        # The line as last told: read by other threads (the bus's status command).
        self.status = contract.LineStatus(line)
        self._handlers: dict[type[machine.Action], Callable[[Any], None]] = {
            machine.CallStarted: self._call_started,
            machine.CallerIdKnown: self._caller_id_known,
            machine.DigitDialled: self._digit_dialled,
            machine.CallAnswered: self._call_answered,
            machine.CallEnded: self._call_ended,
            machine.PhaseChanged: self._phase_changed,
            machine.SeizeLine: self._seize_line,
            machine.StartRecording: self._start_recording,
            machine.StopRecording: self._stop_recording,
        }

    @property
    def recording(self) -> bool:
        """A recording is open (the machine may want one that could not be made)."""
        return self._recorder.recording

    def carry_out(self, state: machine.LineState, actions: list[machine.Action]) -> None:
        """Do what one step of the machine asked; ``state`` is the machine after the step."""
        self._phase = state.phase
        for action in actions:
            self._handlers[type(action)](action)

    def frame(self, frame: np.ndarray, at: float) -> None:
        """One frame of the line, starting at line time ``at``, for the recording."""
        finished = self._recorder.feed(frame, at)
        if finished is not None:  # a write error ended the recording
            self._finish(finished, at)

    # ---- the call --------------------------------------------------------------

    def _call_started(self, action: machine.CallStarted) -> None:
        self.call = {"line": self.line, "direction": action.direction, "started_at": action.at}
        self.call_id = self.store.start_call(self.line, action.direction, started_at=action.at)
        self.call["call_id"] = self.call_id
        self._tell(contract.CallStarted, direction=action.direction)

    def _set_number(self, number: str | None, **extra: Any) -> None:
        changes = dict(extra)
        if number:
            info = describe(number, self.region)
            changes.update(
                number=number,
                number_e164=info.e164,
                location_zh=info.location_zh,
                location_en=info.location_en,
                carrier_zh=info.carrier_zh,
                carrier_en=info.carrier_en,
            )
        if self.call_id is not None and changes:
            self.store.update_call(self.call_id, **changes)
        self.call.update(changes)

    def _caller_id_known(self, action: machine.CallerIdKnown) -> None:
        self._set_number(action.number, **_caller_id_fields(action.caller_id))
        keys = ("number", "number_e164", "name", "reason_absent", "location_zh", "location_en")
        self._tell(contract.CallerIdKnown, **{key: self.call.get(key) for key in keys})

    def _digit_dialled(self, action: machine.DigitDialled) -> None:
        outbound_dialling = self.call.get("direction") == "out" and "answered_at" not in self.call
        if outbound_dialling:
            self._set_number(action.digits)
        self._tell(contract.DigitDialled, digit=action.digit, digits=action.digits)

    def _call_answered(self, action: machine.CallAnswered) -> None:
        self.call["answered_at"] = action.at
        if self.call_id is not None:
            self.store.update_call(self.call_id, answered_at=action.at)
        self._tell(
            contract.CallAnswered,
            direction=self.call.get("direction"),
            number=self.call.get("number"),
        )

    def _call_ended(self, action: machine.CallEnded) -> None:
        call_id = self.call_id
        if call_id is not None:
            self.store.end_call(call_id, action.outcome, ended_at=action.at)
        self.call_id = None
        self.call = {}
        self._tell(contract.CallEnded, call_id=call_id, outcome=action.outcome)

    def _phase_changed(self, action: machine.PhaseChanged) -> None:
        self._tell(contract.LineStateChanged)

    def _seize_line(self, action: machine.SeizeLine) -> None:
        self.seize(action.on)
        self._tell(contract.LineSeized if action.on else contract.LineReleased)

    # ---- recording -------------------------------------------------------------

    def _start_recording(self, action: machine.StartRecording) -> None:
        tag = str(self.call_id) if self.call_id is not None else f"vox{int(action.at)}"
        relative = self._recorder.start(tag, dict(self.call), action.at, since=action.since)
        if relative is None:
            self._tell(contract.RecordingFailed, error="cannot create the recording file")
            return
        self.recording_id = self.store.add_recording(
            self.line,
            relative,
            self._recorder.encoding,
            action.at,
            call_id=self.call_id,
        )
        self._tell(contract.RecordingStarted, path=relative)

    def _stop_recording(self, action: machine.StopRecording) -> None:
        finished = self._recorder.stop(dict(self.call), action.at)
        if finished is not None:
            self._finish(finished, action.at)

    def _finish(self, finished: FinishedRecording, at: float) -> None:
        if self.recording_id is not None:
            if finished.sha256 is not None:
                self.store.finish_recording(
                    self.recording_id, ended_at=at, samples=finished.samples, sha256=finished.sha256
                )
            else:
                # Left for recovery to repair and hash; the file is valid as far as it got.
                self.store.set_recording_state(self.recording_id, "recording")
        self.recording_id = None
        if finished.error:
            self._tell(contract.RecordingFailed, path=finished.relative, error=finished.error)
        else:
            self._tell(contract.RecordingStopped, path=finished.relative, samples=finished.samples)

    # ---- telling the box ---------------------------------------------------------

    def _tell(self, event_type: type[contract.Event], **fields: Any) -> None:
        """Publish one event, with the line's status as it is now."""
        call = self.call
        self.status = contract.LineStatus(
            self.line,
            phase=self._phase,
            recording=self._recorder.recording,
            call_id=self.call_id,
            direction=call.get("direction"),
            number=call.get("number"),
            name=call.get("name"),
            location_zh=call.get("location_zh"),
            location_en=call.get("location_en"),
            since=call.get("started_at"),
        )
        fields.setdefault("call_id", self.call_id)
        self.publish(event_type(line=self.line, status=self.status, **fields))
