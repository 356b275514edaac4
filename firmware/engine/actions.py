"""Carries out a line's actions: the call log in the store, the recording, the relay.

The state machine says what happens (``firmware.engine.state`` actions);
``LineActions`` does it and tells the rest of the box through ``publish``
(the event bus): one ``firmware.link.contract`` event per thing done, each
with the line's whole status after it. It owns the line's recording
session (``firmware.engine.recorder``): the worker hands it every frame
with its line time (``frame``), and nothing else touches the recorder.

No store or file error stops the line. The call log goes through the line's
``LineJournal``, which keeps what the store cannot take yet and catches up
when it can. A recording that a write error ended (a full disk) is started
again as soon as the machine still wants one and the disk takes it (tried
every ``RETRY_RECORDING_S`` of line time), from where the first one stopped
as far as the recorder's history reaches. Both tell ``on_storage_problem``
(the engine's storage problems), and a full disk also ``on_disk_full`` (the
engine's retention, which makes room).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from firmware.acts.steps import ScriptResult
from firmware.country.numbers import describe
from firmware.engine import state as machine
from firmware.engine.journal import LineJournal, Row, store_full
from firmware.engine.recorder import FinishedRecording, LineRecorder, disk_full
from firmware.link import contract
from firmware.store.db import Store

log = logging.getLogger(__name__)

Publish = Callable[[contract.Event], None]
RETRY_RECORDING_S = 1.0  # line time between attempts to record again after a write error


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
        on_storage_problem: Callable[[str, BaseException], None] = lambda what, error: None,
        on_disk_full: Callable[[], None] = lambda: None,
    ) -> None:
        self.line = line
        self._recorder = recorder
        self.region = region
        self.publish = publish
        self.seize = seize
        self.on_storage_problem = on_storage_problem
        self.on_disk_full = on_disk_full
        self.journal = LineJournal(store, line, on_problem=self._store_problem)
        self._call: Row | None = None
        self.call: dict[str, Any] = {}  # the call's facts, for sidecars and events
        self._recording: Row | None = None
        self._phase = machine.Phase.IDLE  # the machine's, after the step being carried out
        self._act: str | None = None  # what the box itself does on the line
        self._office_wanted = False  # ringing the office for a caller the box holds
        self._office_rung = False  # ... and the line's hardware rings the phones
        self._screening = False  # the call firewall has not decided on the ringing call yet
        self._blocked = False  # and blocks it
        # What to keep of an act's result, by act: e.g. a survey's key with its call.
        self.act_results: dict[str, Callable[[ScriptResult, Row | None], None]] = {}
        # Acts whose sound the recording marks (the announcement): from the line time the
        # act began to the one it ended, each put off by ``sound_delay`` (seconds from a
        # frame played to the frame it is heard in: the player's).
        self.marked_acts: set[str] = set()
        self.sound_delay: Callable[[], float] = lambda: 0.0
        self._marks: dict[str, float] = {}  # open: kind -> line time it began to sound
        # The machine wants a recording; one a write error ended is tried again from
        # line time ``_retry_at``, keeping the line's audio since ``_lost_at``.
        self._recording_wanted = False
        self._lost_at: float | None = None
        self._retry_at = 0.0
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
            machine.ActRequested: lambda action: None,  # the worker's triggers start it
            machine.Screened: self._screened,
        }

    @property
    def recording(self) -> bool:
        """A recording is open (the machine may want one that could not be made)."""
        return self._recorder.recording

    @property
    def call_id(self) -> int | None:
        """The call in progress, once the store has its row."""
        return self._call.id if self._call is not None else None

    def carry_out(self, state: machine.LineState, actions: list[machine.Action]) -> None:
        """Do what one step of the machine asked; ``state`` is the machine after the step."""
        self._phase = state.phase
        self._screening, self._blocked = state.screening, state.blocked is not None
        self._recording_wanted = state.recording
        for action in actions:
            self._handlers[type(action)](action)
        if not self._recording_wanted:
            self._lost_at = None

    def frame(self, frame: np.ndarray, at: float) -> None:
        """One frame of the line, starting at line time ``at``, for the recording."""
        self.journal.catch_up()
        if self._lost_at is not None and at >= self._retry_at:
            self._open_recording(at, since=self._lost_at)
        finished = self._recorder.feed(frame, at)
        if finished is not None:  # a write error ended the recording
            self._finish(finished, at)

    # ---- the call --------------------------------------------------------------

    def _call_started(self, action: machine.CallStarted) -> None:
        self.call = {"line": self.line, "direction": action.direction, "started_at": action.at}
        self._call = self.journal.start_call(action.direction, action.at)
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
        if self._call is not None and changes:
            self.journal.update_call(self._call, **changes)
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
        if self._call is not None:
            self.journal.update_call(self._call, answered_at=action.at)
        self._tell(
            contract.CallAnswered,
            direction=self.call.get("direction"),
            number=self.call.get("number"),
        )

    def _call_ended(self, action: machine.CallEnded) -> None:
        call_id = self.call_id
        if self._call is not None:
            self.journal.end_call(self._call, action.outcome, action.at)
        self._call = None
        self.call = {}
        self._tell(contract.CallEnded, call_id=call_id, outcome=action.outcome)

    def _screened(self, action: machine.Screened) -> None:
        verdict = action.verdict
        if not action.blocked:
            self._tell(contract.LineStateChanged)  # no longer screening: the card may pop
            return
        self.call["blocked_by"] = verdict.rule
        if self._call is not None:
            self.journal.update_call(self._call, blocked_by=verdict.rule)
        self._tell(contract.CallBlocked, number=self.call.get("number"), rule=verdict.rule,
                   rule_id=verdict.rule_id, action=verdict.action)

    def _phase_changed(self, action: machine.PhaseChanged) -> None:
        self._tell(contract.LineStateChanged)

    def _seize_line(self, action: machine.SeizeLine) -> None:
        self.seize(action.on)
        self._tell(contract.LineSeized if action.on else contract.LineReleased)

    # ---- the box's own doings on the line -----------------------------------------

    def act_started(self, name: str, at: float) -> None:
        self._act = name
        if name in self.marked_acts:
            self._marks[name] = at + self.sound_delay()
        self._tell(contract.ActStarted, act=name)

    def act_ended(self, result: ScriptResult, at: float) -> None:
        keep = self.act_results.get(result.name)
        if keep is not None:
            try:
                keep(result, self._call)
            except Exception:
                log.exception("line %d: the %s result could not be kept", self.line, result.name)
        began = self._marks.pop(result.name, None)
        if began is not None:
            self._mark(result.name, began, at + self.sound_delay())
        self._act = None
        outcome = (
            "handed_over" if result.handed_over
            else "caller_hung_up" if result.caller_hung_up
            else "done"
        )
        value = result.value if isinstance(result.value, str | int) else None
        self._tell(contract.ActEnded, act=result.name, outcome=outcome,
                   value=None if value is None else str(value))

    def ring_office(self, ringing: bool, signals=None) -> bool:
        """The box rings the office for the caller it holds (``ringing``), or stops: the
        line's hardware rings the phones where it can (``signals.ring_phones``), and the
        web is told either way, so that an operator picks the line up."""
        rung = bool(signals is not None and signals.ring_phones(ringing))
        if (self._office_wanted, self._office_rung) != (ringing, rung and ringing):
            self._office_wanted, self._office_rung = ringing, rung and ringing
            self._tell(contract.LineStateChanged)
        return rung

    def drop_mark(self, kind: str) -> None:
        """Nothing of ``kind`` was heard after all (its playback failed): no mark."""
        self._marks.pop(kind, None)

    def _mark(self, kind: str, start: float, end: float) -> None:
        """Mark line times ``start``..``end`` on the open recording, as offsets into it;
        what lies outside it is left out."""
        first = self._recorder.started_at
        if first is None or self._recording is None:
            return
        start_s, end_s = max(0.0, start - first), end - first
        if end_s <= start_s:
            return
        self._recorder.mark(kind, start_s, end_s)
        self.journal.add_recording_mark(self._recording, kind, start_s, end_s)

    # ---- recording -------------------------------------------------------------

    def _start_recording(self, action: machine.StartRecording) -> None:
        self._open_recording(action.at, since=action.since)

    def _open_recording(self, at: float, since: float) -> None:
        if self._recorder.recording:
            return
        tag = str(self.call_id) if self.call_id is not None else f"vox{int(at)}"
        relative = self._recorder.start(tag, dict(self.call), at, since=since)
        if relative is None:
            first_attempt = self._lost_at is None
            error = self._recorder.last_error
            self._recording_lost(at, since, error)
            if first_attempt:  # told once; the attempts after it are only counted
                reason = error.strerror if error is not None and error.strerror else error
                self._tell(contract.RecordingFailed, error=f"cannot create the file: {reason}")
            return
        self._lost_at = None
        self._recording = self.journal.add_recording(
            relative, self._recorder.encoding, at, self._call
        )
        self._tell(contract.RecordingStarted, path=relative)

    def _stop_recording(self, action: machine.StopRecording) -> None:
        for kind, began in self._marks.items():  # still sounding: marked up to the end
            self._mark(kind, began, action.at)
        self._marks.clear()
        finished = self._recorder.stop(dict(self.call), action.at)
        if finished is not None:
            self._finish(finished, action.at)

    def _finish(self, finished: FinishedRecording, at: float) -> None:
        if self._recording is not None:
            if finished.sha256 is not None:
                self.journal.finish_recording(
                    self._recording, at, finished.samples, finished.sha256
                )
            else:
                # Left for recovery to repair and hash; the file is valid as far as it got.
                self.journal.set_recording_state(self._recording, "recording")
        self._recording = None
        if finished.error:
            self._recording_lost(at, at, self._recorder.last_error)
            self._tell(contract.RecordingFailed, path=finished.relative, error=finished.error)
        else:
            self._tell(contract.RecordingStopped, path=finished.relative, samples=finished.samples)

    def _recording_lost(self, at: float, since: float, error: OSError | None) -> None:
        """A write error ended a recording (or kept one from starting): try again soon."""
        if self._recording_wanted and self._lost_at is None:
            self._lost_at = since
        self._retry_at = at + RETRY_RECORDING_S
        if error is not None:
            self.on_storage_problem("a recording", error)
            if disk_full(error):
                self.on_disk_full()

    def _store_problem(self, what: str, error: BaseException) -> None:
        self.on_storage_problem(what, error)
        if store_full(error):
            self.on_disk_full()

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
            act=self._act,
            office_wanted=self._office_wanted,
            office_rung=self._office_rung,
            screening=self._screening,
            blocked=self._blocked,
        )
        fields.setdefault("call_id", self.call_id)
        self.publish(event_type(line=self.line, status=self.status, **fields))
