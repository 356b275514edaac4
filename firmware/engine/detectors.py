"""A line's detectors: what its audio and its signals mean, as state-machine events.

``LineDetectors.feed(frame, at, phase)`` runs one 20 ms frame through the
line's front end (``dsp_ext.front.LineFront``: the DTMF receiver, the voice
detector and, while caller ID may come, the FSK receiver, in one C call),
reads caller ID from what the FSK and DTMF receivers found, and turns it
all into ``firmware.engine.state`` events stamped with line time.
``signal_events`` does the same for the driver's ring and loop events, and
``PulseDialDecoder`` turns a rotary phone's loop breaks into digits.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from audio_format import SAMPLE_RATE
from drivers import signals as line_signals
from dsp_ext import fsk
from dsp_ext.front import FSK_MESSAGES, NOTHING, FrameFindings, LineFront, feed_bytes
from firmware.callerid.dtmf_format import DtmfCallerIdReceiver
from firmware.callerid.fsk_receiver import CallerIdReceiver as FskCallerIdReceiver
from firmware.callerid.message import CALLER_ID_TYPES, parse_message
from firmware.callerid.modem import ModemCallerIdParser
from firmware.country.profiles import profile
from firmware.engine import state as machine

log = logging.getLogger(__name__)

_NDARRAY = np.ndarray
_INT16 = np.dtype(np.int16)

# A rotary dial sends 10 pulses a second; a pause longer than this ends a digit.
PULSE_DIGIT_GAP_S = 0.3
# Caller ID comes while the line rings, or before (ETSI, DTMF caller ID);
# listening only then keeps the receivers from reading speech as data.
CALLER_ID_PHASES = frozenset((machine.Phase.IDLE, machine.Phase.RINGING))
_CALLER_ID_PHASES = tuple(CALLER_ID_PHASES)  # for `in` without the enum's Python-level hash


class PulseDialDecoder:
    """Counts dial pulses into digits (1 pulse = 1, ..., 10 pulses = 0)."""

    def __init__(self) -> None:
        self._pulses = 0
        self._first_at = 0.0
        self._last_at = 0.0

    def pulse(self, at: float) -> list[machine.Digit]:
        digits = self.flush(at)
        if self._pulses == 0:
            self._first_at = at
        self._pulses += 1
        self._last_at = at
        return digits

    def flush(self, now: float) -> list[machine.Digit]:
        """The digit dialled so far, once the pause after its last pulse is long enough."""
        if self._pulses and now - self._last_at >= PULSE_DIGIT_GAP_S:
            digit = "0" if self._pulses >= 10 else str(self._pulses)
            self._pulses = 0
            return [machine.Digit(self._first_at, digit)]
        return []


def signal_event(event: line_signals.SignalEvent, at: float) -> machine.Event | None:
    """The machine's event for a driver signal, stamped with line time ``at``."""
    kinds: dict[type, Callable[[float], machine.Event]] = {
        line_signals.RingStarted: machine.RingOn,
        line_signals.RingStopped: machine.RingOff,
        line_signals.LoopStarted: machine.OffHook,
        line_signals.LoopStopped: machine.OnHook,
    }
    make = kinds.get(type(event))
    return make(at) if make else None


@dataclass(frozen=True)
class CallerIdFound:
    """What a caller-ID receiver hands the line: the result object and its number."""

    caller_id: Any
    number: str | None


def accepted_caller_ids(found: list[Any]) -> list[CallerIdFound]:
    """The results a line may act on.

    A message that fails its checksum or arrives broken is logged and
    dropped, never taken as the caller's number. Speech and tones in a call
    make the FSK receiver start the odd "message": cut short, or of a type
    no caller-ID transmitter sends; those are no news for the log's reader.
    """
    accepted = []
    for caller_id in found:
        if caller_id.valid:
            accepted.append(CallerIdFound(caller_id, caller_id.number))
        elif caller_id.problem == "truncated" or (
            caller_id.carrier in fsk.STANDARDS and caller_id.message_type not in CALLER_ID_TYPES
        ):
            log.debug("caller ID fragment ignored: %s", caller_id.raw.hex())
        else:
            log.warning(
                "caller ID dropped (%s): %s",
                caller_id.problem or "bad checksum",
                caller_id.raw.hex(),
            )
    return accepted


def fsk_standard(country: str) -> str:
    """The FSK caller-ID modulation of ``country``: "bell202" or "v23"."""
    return "v23" if profile(country).caller_id.modulation == "fsk_v23" else "bell202"


class LineCallerId:
    """The country's caller-ID receivers on one line's audio: FSK, and DTMF where in use.

    The DTMF layouts are read from the digits of the line's own DTMF
    detector (``feed`` is given them), so the audio is searched once. With
    ``demodulate=False`` the FSK receiver is the line front end's:
    ``take_messages`` is given the caller-ID messages the front put together
    from its characters instead of the audio.
    """

    def __init__(self, country: str, dtmf_detector: Any, *, demodulate: bool = True) -> None:
        standard = profile(country).caller_id
        self.fsk = FskCallerIdReceiver(fsk_standard(country), demodulate=demodulate)
        self.dtmf = (
            DtmfCallerIdReceiver(country, detector=dtmf_detector) if standard.also_dtmf else None
        )
        # While a DTMF string is held: the sample count past which a frame
        # without digits may end it (``dtmf.ends_after``), else None.
        self.quiet_after: int | None = None

    def feed(self, frame: np.ndarray, digits: list) -> list[CallerIdFound]:
        return self._found(self.fsk.feed(frame), digits)

    def take_messages(self, messages: list, digits: list) -> list[CallerIdFound]:
        """What the FSK caller-ID messages (first sample, bytes: as the line front
        puts them together) and the DTMF digits of a frame complete."""
        if not (messages or digits or self.holding):
            return []
        standard = self.fsk.standard
        return self._found(
            [parse_message(raw, start / SAMPLE_RATE, standard) for start, raw in messages], digits
        )

    @property
    def holding(self) -> bool:
        """A DTMF caller-ID string is under way: a frame without digits may still end it."""
        return self.dtmf is not None and self.dtmf.holding

    def _found(self, messages: list, digits: list) -> list[CallerIdFound]:
        if self.dtmf is not None:
            messages = messages + self.dtmf.take_digits(digits)
            self.quiet_after = self.dtmf.ends_after
        return accepted_caller_ids(messages)


class ModemCallerId:
    """Caller-ID report lines from a voice modem, gathered into results.

    A report is complete when the modem has sent its number and name, or
    when nothing more came for ``quiet_s`` (many exchanges send no name).
    """

    def __init__(self, quiet_s: float = 0.3) -> None:
        self.parser = ModemCallerIdParser()
        self.quiet_s = quiet_s
        self._last_line_at: float | None = None

    def report_line(self, text: str, at: float) -> list[CallerIdFound]:
        self._last_line_at = at
        return accepted_caller_ids(self.parser.feed(text.encode("latin-1") + b"\r\n"))

    def poll(self, now: float) -> list[CallerIdFound]:
        """The report under way, once the modem has been quiet long enough."""
        if self._last_line_at is None or now - self._last_line_at < self.quiet_s:
            return []
        self._last_line_at = None
        return accepted_caller_ids(self.parser.flush())


class LineDetectors:
    """The detectors of one line."""

    def __init__(
        self,
        country: str,
        vox_threshold_dbm0: float = -45.0,
        vox_hangover_ms: int = 3000,
        *,
        caller_id: bool = True,
    ) -> None:
        self.front = LineFront(
            country,
            threshold_dbm0=vox_threshold_dbm0,
            hangover_ms=vox_hangover_ms,
            fsk_standard=fsk_standard(country) if caller_id else None,
        )
        self.dtmf = self.front.dtmf  # the digit sounding, the samples seen
        self.caller_id = (
            LineCallerId(country, self.front.dtmf, demodulate=False) if caller_id else None
        )
        self.modem_caller_id = ModemCallerId()
        self.pulses = PulseDialDecoder()
        self._state = self.front.state
        self._findings = self.front.findings
        # The phases the FSK receiver runs in, none without caller ID: a tuple,
        # as an enum's hash is a Python call.
        self._listening_phases = _CALLER_ID_PHASES if caller_id else ()
        # Something is due on a frame even when the front found nothing: a pulse
        # digit, a modem's report or a DTMF caller-ID string under way.
        self._watching = False

    @property
    def samples(self) -> int:
        """Samples fed so far: the line's sample clock."""
        return self.dtmf.samples_seen

    def feed(self, frame: np.ndarray, at: float, phase: machine.Phase) -> list[machine.Event]:
        """Events found in one frame that starts at line time ``at``."""
        listening = phase in self._listening_phases
        # Every frame of every line comes this way: its bytes straight to C, and for
        # the usual frame (nothing found, nothing due) nothing more.
        found = None
        if type(frame) is _NDARRAY and frame.dtype is _INT16 and frame.ndim == 1:
            data = frame.tobytes()
            count = feed_bytes(self._state, data, len(data), listening and FSK_MESSAGES)
            if not count and data and not self._watching:
                return []
            if count > 0:
                found = self._findings(False)
            elif count == 0 and data:
                found = NOTHING
        if found is None:  # any other input: checked, cut up or refused there
            found = self.front.process(frame, listening, messages=True)
        events = self._events(found, at, phase, listening, frame.size)
        self._watching = (
            self.pulses._pulses > 0
            or self.modem_caller_id._last_line_at is not None
            or (self.caller_id is not None and self.caller_id.quiet_after is not None)
        )
        return events

    def _events(
        self, found: FrameFindings, at: float, phase: machine.Phase, listening: bool, size: int
    ) -> list[machine.Event]:
        """The events of a frame of ``size`` samples that found something or has
        something due."""
        end = self.samples
        start = end - size
        if (
            found is NOTHING
            and not self.pulses._pulses
            and self.modem_caller_id._last_line_at is None
            and not (
                listening
                and (quiet_after := self.caller_id.quiet_after) is not None
                and end > quiet_after
            )
        ):
            return []  # nothing found, and nothing due yet
        events: list[machine.Event] = []
        if listening:
            for caller_id in self.caller_id.take_messages(found.messages, found.digits):
                events.append(machine.CallerIdReceived(at, caller_id.caller_id, caller_id.number))
        if found.digits and phase not in _CALLER_ID_PHASES:
            events.extend(
                machine.Digit(at + (d.start - start) / SAMPLE_RATE, d.digit) for d in found.digits
            )
        for change in found.voice:
            kind = machine.VoiceStarted if change.kind == "start" else machine.VoiceStopped
            events.append(kind(at + (change.sample - start) / SAMPLE_RATE))
        if self.pulses._pulses:
            events.extend(self.pulses.flush(at))
        if self.modem_caller_id._last_line_at is not None:
            events.extend(self._modem_caller_ids(self.modem_caller_id.poll(at), at))
        return events

    def pulse(self, at: float) -> list[machine.Digit]:
        """A dial pulse at line time ``at``: the digit it ends, if any (see PulseDialDecoder)."""
        self._watching = True
        return self.pulses.pulse(at)

    def modem_report(self, text: str, at: float) -> list[machine.Event]:
        """A caller-ID report line from the line's voice modem, at line time ``at``."""
        self._watching = True
        return self._modem_caller_ids(self.modem_caller_id.report_line(text, at), at)

    @staticmethod
    def _modem_caller_ids(found: list[CallerIdFound], at: float) -> list[machine.Event]:
        return [machine.CallerIdReceived(at, f.caller_id, f.number) for f in found]
