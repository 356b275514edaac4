"""Carries out a line's actions: the call log in the store, the recorder, the relay.

The state machine says what happens (``firmware.line_state`` actions); this
does it, and tells the rest of the box through ``publish`` (the event bus):
one dictionary per event, ready to send as JSON.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from firmware import line_state as machine
from firmware.numbers import describe
from firmware.recorder import FinishedRecording, LineRecorder
from firmware.store.db import Store

log = logging.getLogger(__name__)

Publish = Callable[[dict[str, Any]], None]


def _caller_id_fields(caller_id: Any) -> dict[str, Any]:
    """The call-log fields a caller-ID result carries (any object with these attributes)."""
    fields = {
        "name": getattr(caller_id, "name", None),
        "reason_absent": getattr(caller_id, "reason_absent", None),
        "cid_format": getattr(caller_id, "format", None),
        "cid_date": getattr(caller_id, "date", None),
    }
    return {key: value for key, value in fields.items() if value is not None}


class CallLog:
    """One line's executor of state-machine actions."""

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
        self.recorder = recorder
        self.region = region
        self.publish = publish
        self.seize = seize
        self.call_id: int | None = None
        self.call: dict[str, Any] = {}  # the call's facts, for sidecars and events
        self.recording_id: int | None = None
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

    def apply(self, action: machine.Action) -> None:
        self._handlers[type(action)](action)

    def apply_all(self, actions: list[machine.Action]) -> None:
        for action in actions:
            self.apply(action)

    # ---- the call --------------------------------------------------------------

    def _call_started(self, action: machine.CallStarted) -> None:
        self.call = {"line": self.line, "direction": action.direction, "started_at": action.at}
        self.call_id = self.store.start_call(self.line, action.direction, started_at=action.at)
        self.call["call_id"] = self.call_id
        self._publish("call_started", direction=action.direction)

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
        self._publish("caller_id", **self._number_facts())

    def _digit_dialled(self, action: machine.DigitDialled) -> None:
        outbound_dialling = self.call.get("direction") == "out" and "answered_at" not in self.call
        if outbound_dialling:
            self._set_number(action.digits)
        self._publish("digit", digit=action.digit, digits=action.digits)

    def _call_answered(self, action: machine.CallAnswered) -> None:
        self.call["answered_at"] = action.at
        if self.call_id is not None:
            self.store.update_call(self.call_id, answered_at=action.at)
        self._publish(
            "call_answered", direction=self.call.get("direction"), number=self.call.get("number")
        )

    def _call_ended(self, action: machine.CallEnded) -> None:
        if self.call_id is not None:
            self.store.end_call(self.call_id, action.outcome, ended_at=action.at)
        self._publish("call_ended", outcome=action.outcome)
        self.call_id = None
        self.call = {}

    def _phase_changed(self, action: machine.PhaseChanged) -> None:
        self._publish("line_state", state=action.phase.value)

    def _seize_line(self, action: machine.SeizeLine) -> None:
        self.seize(action.on)
        self._publish("seized" if action.on else "released")

    # ---- recording -------------------------------------------------------------

    def _start_recording(self, action: machine.StartRecording) -> None:
        tag = str(self.call_id) if self.call_id is not None else f"vox{int(action.at)}"
        relative = self.recorder.start(tag, dict(self.call), since=action.since)
        if relative is None:
            self._publish("recording_failed", error="cannot create the recording file")
            return
        self.recording_id = self.store.add_recording(
            self.line,
            relative,
            self.recorder.encoding,
            action.at,
            call_id=self.call_id,
        )
        self._publish("recording_started", path=relative)

    def _stop_recording(self, action: machine.StopRecording) -> None:
        finished = self.recorder.stop(dict(self.call))
        if finished is not None:
            self._finish(finished, action.at)

    def recording_error(self, finished: FinishedRecording, at: float) -> None:
        """The recorder stopped on a write error while fed a frame."""
        self._finish(finished, at)

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
            self._publish("recording_failed", path=finished.relative, error=finished.error)
        else:
            self._publish("recording_stopped", path=finished.relative, samples=finished.samples)

    # ---- events ----------------------------------------------------------------

    def _number_facts(self) -> dict[str, Any]:
        keys = ("number", "number_e164", "name", "reason_absent", "location_zh", "location_en")
        return {key: self.call.get(key) for key in keys}

    def _publish(self, kind: str, **fields: Any) -> None:
        self.publish({"type": kind, "line": self.line, "call_id": self.call_id, **fields})
