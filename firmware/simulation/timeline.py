"""What a simulated line does when: each scripted call as signals and audio in time.

``build_line(scenario, line, sounds)`` turns the calls of one line into a
``LineTimeline``: hook and ring changes at their times, and audio parts
(caller ID, DTMF, call-progress tones, conversation) that ``render`` mixes
into any stretch of the line's audio, with line noise under it all. Each
call also leaves its ``ExpectedCall``: what the box should log for it, the
ground truth of the end-to-end tests.

A call the box acts on (a survey, voicemail, an IVR menu, the call firewall's
block) is computed only up to where the box takes over: from then on its
caller is an ``Interaction`` that the office plays frame by frame through a
caller agent (``firmware.simulation.callers``), who hears the box and answers
it. An announced call is computed whole; its agent only listens for the
announcement.
Its ``ExpectedCall`` names the act and its expected result, and the office
fills in the times only the box decides (when it answered, when it let go).

The caller-ID and DTMF audio comes from the box's own generators, passed in
as ``Sounds`` so that this module stays a plan of the line, not a codec.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from audio_format import FRAME_SAMPLES, SAMPLE_RATE
from dsp_ext import levels
from firmware.country.profiles import Profile, Tone, profile
from firmware.country.tones import tone_generator
from firmware.simulation.scenario import CallScript, Scenario
from firmware.simulation.voices import Conversation

LINE_NOISE_DBM0 = -68.0
NOISE_FRAME = FRAME_SAMPLES
TONE_LEVEL_DBM0 = -13.0
CALLER_ID_GAP_S = 0.6  # after the first ring ends; the standards ask for at least 0.5
PICK_UP_INTO_BURST_S = 0.4  # a person answers this far into the last ring burst
DIAL_TONE_S = 1.2  # heard before the first digit
SILENCE_AFTER_DIALLING_S = 1.0  # before the exchange answers with ringback
KEY_GAP_S = 0.25  # between two keys pressed during a call
KEY_PAUSE_S = 0.4  # the talk pauses this long around keys pressed during a call
HAND_OVER_AFTER_TALK_S = 0.5  # the operator presses the survey's code this long after the talk
HAND_OVER_AFTER_CODE_S = 0.1  # the caller's agent starts this long after the code
# The office's estimate of how long an act holds the call, until the agent says.
ACT_ESTIMATE_S = {"survey": 15.0, "voicemail": 20.0, "ivr": 20.0, "firewall": 3.0}


@dataclass(frozen=True)
class CallerIdRequest:
    number: str
    name: str
    private: str  # "", "O" or "P"
    date: str  # MMDDHHMM


@dataclass(frozen=True)
class Sounds:
    """The generators the timeline needs, as int16 arrays at 8 kHz."""

    caller_id_fsk: Callable[[CallerIdRequest, str], np.ndarray]  # request, "bell202" or "v23"
    caller_id_dtmf: Callable[[CallerIdRequest], np.ndarray]
    dtmf_digit: Callable[[str], np.ndarray]  # one digit, tone only (no gap)
    dual_tone_alert: Callable[[], np.ndarray]  # ETSI DT-AS before caller ID
    # A caller's key at a level (dBm0) held for a time (ms); None: ``dtmf_digit``'s.
    key: Callable[[str, float, float], np.ndarray] | None = None


@dataclass(frozen=True)
class SignalChange:
    at: float  # seconds from the start of the scenario
    kind: str  # ring_on, ring_off, off_hook, on_hook, reversal


@dataclass(frozen=True)
class AudioPart:
    start: int  # sample
    length: int
    source: Callable[[int, int], np.ndarray]  # (offset into the part, count) -> float samples


@dataclass(frozen=True)
class ExpectedCall:
    """What the box should log for one scripted call."""

    line: int
    direction: str
    number: str | None  # caller ID (None if withheld or not sent) or the digits dialled
    name: str | None
    outcome: str  # answered, missed, unanswered
    started_at: float  # first ring, caller ID, or off-hook
    answered_at: float | None  # off-hook (inbound) or the far end answering (outbound)
    ended_at: float
    caller_id_at: float | None = None  # when the caller-ID audio starts
    # A call the box acts on: the act, what it should give (a survey's key; None for
    # none) and how it should end ("done", "caller_hung_up"); for a call the box answers
    # itself, the ring it should answer in. ``answered_at`` and ``ended_at`` of such a
    # call are the office's estimate until its caller's agent is done, then what the
    # office saw (the box's relay, to a frame or two).
    act: str | None = None
    act_value: str | None = None
    act_outcome: str | None = None
    box_answers_at_ring: int | None = None
    blocked_by: str | None = None  # the firewall's rule that blocks the call
    rating: int | None = None  # the survey's rating kept with the call (a menu's too)
    message_s: float | None = None  # a voicemail message kept, about this long
    ivr_end: str | None = None  # the kind of menu node the caller's walk ends in


@dataclass(frozen=True)
class Interaction:
    """A call the office plays through a caller agent from ``at`` (scenario seconds)."""

    at: float
    call: CallScript
    act: str
    expected: int  # its ExpectedCall's index in the line's ``expected``
    seed: int


@dataclass
class LineTimeline:
    line: int
    signals: list[SignalChange] = field(default_factory=list)
    parts: list[AudioPart] = field(default_factory=list)
    expected: list[ExpectedCall] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)
    end: float = 0.0  # when the last call is over
    noise_seed: int = 0
    # Where each part begins and ends, in samples: found for the parts as they are
    # at the first render (and again if parts were added since).
    _bounds: tuple[np.ndarray, np.ndarray] = field(
        default=(np.empty(0, np.int64), np.empty(0, np.int64)), init=False, repr=False
    )

    def render(self, start: int, count: int) -> np.ndarray:
        """Samples ``start`` to ``start + count`` of the line as int16."""
        mixed = self._noise(start, count)
        for index in self._parts_within(start, start + count):
            part = self.parts[index]
            begin = max(start, part.start)
            end = min(start + count, part.start + part.length)
            mixed[begin - start : end - start] += part.source(begin - part.start, end - begin)
        return _as_int16(mixed)

    def quiet(self, held: int) -> np.ndarray:
        """The quiet line alone for one frame while the office holds (its ``held``-th such
        frame): noise drawn apart from the scenario's own, as int16."""
        return _as_int16(self._noise_frame(1, held))

    def _parts_within(self, start: int, end: int) -> np.ndarray:
        """The indices, in order, of the parts that sound between samples ``start`` and ``end``."""
        if self._bounds[0].size != len(self.parts):
            begins = np.array([part.start for part in self.parts], dtype=np.int64)
            lengths = np.array([part.length for part in self.parts], dtype=np.int64)
            self._bounds = (begins, begins + lengths)
        begins, ends = self._bounds
        return np.flatnonzero((begins < end) & (ends > start))

    def _noise(self, start: int, count: int) -> np.ndarray:
        """Line noise, drawn per 20 ms frame so that any split of the line renders the same."""
        first, last = start // NOISE_FRAME, (start + count - 1) // NOISE_FRAME
        frames = [self._noise_frame(frame) for frame in range(first, last + 1)]
        offset = start - first * NOISE_FRAME
        return np.concatenate(frames)[offset : offset + count]

    def _noise_frame(self, *key: int) -> np.ndarray:
        """One frame of line noise, drawn from the line's seed and ``key``."""
        sigma = levels.reference_rms() * 10 ** (LINE_NOISE_DBM0 / 20)
        return np.random.default_rng([self.noise_seed, *key]).normal(0.0, sigma, NOISE_FRAME)


def _as_int16(mixed: np.ndarray) -> np.ndarray:
    """Mixed audio as int16 samples, rounded and clipped."""
    return np.clip(np.round(mixed), -32768, 32767).astype(np.int16)


def _paused(
    source: Callable[[int, int], np.ndarray], pauses: list[tuple[int, int]]
) -> Callable[[int, int], np.ndarray]:
    """``source`` silent over ``pauses`` ((begin, end) in samples of its own)."""

    def render(offset: int, count: int) -> np.ndarray:
        samples = np.array(source(offset, count), dtype=np.float64)
        for begin, end in pauses:
            low, high = max(begin - offset, 0), min(end - offset, count)
            if low < high:
                samples[low:high] = 0.0
        return samples

    return render


def _samples(array: np.ndarray) -> Callable[[int, int], np.ndarray]:
    values = array.astype(np.float64)
    return lambda offset, count: values[offset : offset + count]


def _tone(tone: Tone, level_dbm0: float) -> Callable[[int, int], np.ndarray]:
    """A call-progress tone with its cadence from the box's tone generator; its
    frequencies share the peak of one sine at ``level_dbm0``."""
    summed_power_dbm0 = level_dbm0 - 10 * math.log10(len(tone.frequencies_hz))
    generator = tone_generator(tone, summed_power_dbm0)
    return lambda offset, count: generator.render(offset, count).astype(np.float64)


class _Builder:
    def __init__(self, scenario: Scenario, line: int, sounds: Sounds, start_date: str) -> None:
        self.scenario = scenario
        self.profile: Profile = profile(scenario.country)
        self.sounds = sounds
        self.start_date = start_date
        self.timeline = LineTimeline(line, noise_seed=scenario.seed * 1000 + line)

    def signal(self, at: float, kind: str) -> None:
        self.timeline.signals.append(SignalChange(at, kind))

    def audio(self, at: float, source: Callable[[int, int], np.ndarray], seconds: float) -> None:
        part = AudioPart(round(at * SAMPLE_RATE), int(seconds * SAMPLE_RATE), source)
        self.timeline.parts.append(part)

    def clip(self, at: float, samples: np.ndarray) -> float:
        """Place ``samples`` at ``at``; return when they end."""
        part = AudioPart(round(at * SAMPLE_RATE), samples.size, _samples(samples))
        self.timeline.parts.append(part)
        return at + samples.size / SAMPLE_RATE

    def talk(self, call: CallScript, index: int, answered_at: float) -> None:
        """The conversation from the answer, paused for the keys pressed during it."""
        conversation = Conversation(call.talk, self.scenario.seed * 7919 + index)
        pauses = []
        for presses in call.keys:
            at = start = answered_at + presses.after
            for digit in presses.keys:
                at = self.clip(at, self.sounds.dtmf_digit(digit)) + KEY_GAP_S
            pauses.append((
                round((start - answered_at - KEY_PAUSE_S) * SAMPLE_RATE),
                round((at - answered_at + KEY_PAUSE_S) * SAMPLE_RATE),
            ))
        self.audio(answered_at, _paused(conversation.render, pauses), call.talk)

    def hand_over(self, call: CallScript, index: int, talk_end: float) -> float:
        """The operator presses the survey's code after the talk; from then the caller's
        agent plays the call (the operator hangs up once the box holds the line). Returns
        the estimate of the call's end."""
        at = talk_end + HAND_OVER_AFTER_TALK_S
        for digit in self.scenario.survey_code:
            at = self.clip(at, self.sounds.dtmf_digit(digit)) + KEY_GAP_S
        self.interact(at - KEY_GAP_S + HAND_OVER_AFTER_CODE_S, call, index)
        return at + ACT_ESTIMATE_S["survey"]

    def interact(self, at: float, call: CallScript, index: int) -> None:
        self.timeline.interactions.append(Interaction(
            at, call, call.acted_on, len(self.timeline.expected),
            seed=self.scenario.seed * 7919 + index,
        ))

    def act_facts(self, call: CallScript, caller_id_at: float | None = None) -> dict:
        """What the box's act in ``call`` should give: the ``ExpectedCall``'s act fields."""
        act = call.acted_on
        if act is None:
            return {}
        hangs_up = call.survey_hangs_up or call.hangs_up_after_s > 0
        rated = call.survey in tuple("12345") and not hangs_up
        facts = {
            "act": act,
            "act_value": call.survey if act == "survey" and rated else None,
            "act_outcome": "caller_hung_up" if hangs_up else "done",
            "box_answers_at_ring": call.rings if act in ("voicemail", "ivr") else None,
        }
        if act == "survey" or (act == "ivr" and call.ivr_to == "survey"):
            facts["rating"] = int(call.survey) if rated else None
        if act == "voicemail" or (act == "ivr" and call.ivr_to == "voicemail" and not hangs_up):
            # The caller hangs up after their message (or during the greeting: none).
            facts["act_outcome"] = "caller_hung_up"
            facts["message_s"] = None if hangs_up else call.message_s
        if act == "ivr":
            facts["ivr_end"] = None if hangs_up else (call.ivr_to or None)
            if call.ivr_to == "ring_through" and not hangs_up:
                facts["act_outcome"] = "handed_over"
        if act == "firewall":
            # Decided on the caller ID between the first two rings (none: at the second).
            facts.update(act_value="reject", blocked_by="black_list",
                         box_answers_at_ring=1 if caller_id_at is not None else 2)
        return facts

    def rings(self, first: float, count: int) -> list[tuple[float, float]]:
        """``count`` ring bursts from ``first``, by the profile's cadence: [(on, off)]."""
        cadence = self.profile.ring_cadence_s
        bursts = []
        at = first
        for _ in range(count):
            for on, off in zip(cadence[0::2], cadence[1::2], strict=True):
                bursts.append((at, at + on))
                at += on + off
        return bursts[: count * (len(cadence) // 2)]

    def caller_id_mode(self, call: CallScript) -> str:
        if call.caller_id != "profile":
            return call.caller_id
        return "fsk"

    def inbound(self, call: CallScript, index: int) -> None:
        request = CallerIdRequest(call.number, call.name, call.private, self.start_date)
        mode = self.caller_id_mode(call)
        standard = "v23" if self.profile.caller_id.modulation == "fsk_v23" else "bell202"
        before_ring = mode == "dtmf" or self.profile.caller_id.timing == "before_ring"
        at = call.at
        caller_id_at = None
        if mode != "none" and before_ring:
            caller_id_at = at
            if mode == "dtmf":
                at = self.clip(at, self.sounds.caller_id_dtmf(request)) + 0.5
            else:
                self.signal(at, "reversal")
                at = self.clip(at + 0.1, self.sounds.dual_tone_alert()) + 0.1
                at = self.clip(at, self.sounds.caller_id_fsk(request, standard)) + 0.4
        bursts = self.rings(at, call.rings)
        # Caller ID between the rings needs a second ring: a phone picked up
        # during the first ring stops the exchange from sending it.
        box_answers = call.box_answers
        if mode == "fsk" and not before_ring and (
            len(bursts) > 1 or not call.answered or box_answers
        ):
            caller_id_at = bursts[0][1] + CALLER_ID_GAP_S
            self.clip(caller_id_at, self.sounds.caller_id_fsk(request, standard))
        if box_answers:  # the caller's agent rings the line until the box answers
            self.box_answers(call, index, at, bursts, caller_id_at)
            return
        answered_at = None
        if call.answered:
            last_on, last_off = bursts[-1]
            answered_at = min(last_on + PICK_UP_INTO_BURST_S, last_off)
            bursts[-1] = (last_on, answered_at)
        for on, off in bursts:
            self.signal(on, "ring_on")
            self.signal(off, "ring_off")
        if answered_at is not None:
            self.signal(answered_at, "off_hook")
            ended_at = answered_at + call.talk
            self.talk(call, index, answered_at)
            if call.announced:
                self.interact(answered_at, call, index)
            if call.survey:
                ended_at = self.hand_over(call, index, ended_at)
            else:
                self.signal(ended_at, "on_hook")
        else:
            ended_at = bursts[-1][1]
        sent = caller_id_at is not None
        shown = None if call.private or not sent else call.number
        self.timeline.expected.append(
            ExpectedCall(
                line=call.line,
                direction="in",
                number=shown,
                name=(call.name or None) if shown else None,
                outcome="answered" if call.answered else "missed",
                started_at=call.at,
                answered_at=answered_at,
                ended_at=ended_at,
                caller_id_at=caller_id_at,
                **self.act_facts(call),
            )
        )
        self.timeline.end = max(self.timeline.end, ended_at)

    def box_answers(self, call: CallScript, index: int, at: float,
                    bursts: list[tuple[float, float]], caller_id_at: float | None) -> None:
        """An inbound call the box answers: its caller's agent rings the line from ``at``."""
        self.interact(at, call, index)
        sent = caller_id_at is not None
        shown = None if call.private or not sent else call.number
        ended_at = bursts[-1][1] + ACT_ESTIMATE_S[call.acted_on] + call.message_s
        if call.ivr_to == "ring_through":
            ended_at += call.talk
        blocked = call.acted_on == "firewall"
        self.timeline.expected.append(ExpectedCall(
            line=call.line, direction="in", number=shown,
            name=(call.name or None) if shown else None,
            outcome="blocked" if blocked else "answered",
            started_at=call.at, answered_at=bursts[-1][0], ended_at=ended_at,
            caller_id_at=caller_id_at, **self.act_facts(call, caller_id_at),
        ))
        self.timeline.end = max(self.timeline.end, ended_at)

    def outbound(self, call: CallScript, index: int) -> None:
        rng = np.random.default_rng([self.scenario.seed, index])
        self.signal(call.at, "off_hook")
        if call.announced:  # it sounds once the dialling ended, over the ringback
            self.interact(call.at, call, index)
        tones = self.profile.tones
        self.audio(call.at, _tone(tones["dial"], TONE_LEVEL_DBM0), DIAL_TONE_S)
        at = call.at + DIAL_TONE_S
        for digit in call.number:
            at = self.clip(at, self.sounds.dtmf_digit(digit))
            at += float(rng.uniform(0.12, 0.45))  # a person's pace between keys
        at += SILENCE_AFTER_DIALLING_S
        answered_at = None
        if call.busy:
            self.audio(at, _tone(tones["busy"], TONE_LEVEL_DBM0), 4.0)
            ended_at = at + 4.0
        else:
            ring_cycle = sum(tones["ringback"].cadence_s)
            ringing = ring_cycle * call.rings
            self.audio(at, _tone(tones["ringback"], TONE_LEVEL_DBM0), ringing)
            if call.answered:
                answered_at = at + ringing
                self.talk(call, index, answered_at)
                ended_at = answered_at + call.talk
            else:
                ended_at = at + ringing
        if answered_at is not None and call.survey:
            ended_at = self.hand_over(call, index, ended_at)
        else:
            self.signal(ended_at, "on_hook")
        self.timeline.expected.append(
            ExpectedCall(
                line=call.line,
                direction="out",
                number=call.number,
                name=None,
                outcome="answered" if answered_at is not None else "unanswered",
                started_at=call.at,
                answered_at=answered_at,
                ended_at=ended_at,
                **self.act_facts(call),
            )
        )
        self.timeline.end = max(self.timeline.end, ended_at)


def build_line(
    scenario: Scenario, line: int, sounds: Sounds, start_date: str = "01010000"
) -> LineTimeline:
    """The timeline of ``line``: its calls, in order of time."""
    builder = _Builder(scenario, line, sounds, start_date)
    calls = sorted(
        ((index, call) for index, call in enumerate(scenario.call) if call.line == line),
        key=lambda item: item[1].at,
    )
    for index, call in calls:
        if call.direction == "in":
            builder.inbound(call, index)
        else:
            builder.outbound(call, index)
    builder.timeline.signals.sort(key=lambda change: change.at)
    return builder.timeline
