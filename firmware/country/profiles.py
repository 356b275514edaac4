"""Country profiles: what a line sounds like and sends in each country the box supports.

One profile per country holds its ring cadence, call-progress tone plan,
caller-ID standard and DTMF receiver limits, and the region used to read
phone numbers. The data is the box's; the simulator plays it and the
detectors are tuned by it. China is the default.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class Tone:
    """A call-progress or fax tone: frequencies played together, and its cadence.

    ``cadence`` alternates on and off times in seconds, repeating; an empty
    cadence is a continuous tone. A detector accepts each time within
    ``cadence_tolerance`` (a fraction) and each frequency within
    ``frequency_tolerance_hz`` (None: the detector's default, 7 Hz). ANSam
    turns its phase over every ``phase_reversal_s`` and swings its amplitude
    by ``am_depth`` at ``am_hz``.
    """

    frequencies_hz: tuple[float, ...]
    cadence_s: tuple[float, ...] = ()
    cadence_tolerance: float = 0.10
    frequency_tolerance_hz: float | None = None
    phase_reversal_s: float = 0.0
    am_hz: float = 0.0
    am_depth: float = 0.0

    def steps(self) -> tuple[tuple[tuple[float, ...], float], ...]:
        """The cadence as (frequencies, seconds) steps, () for silence; a
        continuous tone is one step of one second, repeated."""
        if not self.cadence_s:
            return ((self.frequencies_hz, 1.0),)
        return tuple(
            (self.frequencies_hz if i % 2 == 0 else (), seconds)
            for i, seconds in enumerate(self.cadence_s)
        )


@dataclass(frozen=True)
class ToneSequence:
    """A tone whose frequencies change from step to step, repeating: the special
    information tone. ``steps_s`` holds (frequencies, seconds), () for silence."""

    steps_s: tuple[tuple[tuple[float, ...], float], ...]
    cadence_tolerance: float = 0.10
    frequency_tolerance_hz: float | None = None

    def steps(self) -> tuple[tuple[tuple[float, ...], float], ...]:
        return self.steps_s


@dataclass(frozen=True)
class CallerIdStandard:
    # fsk_bell202: Bell 202 FSK; fsk_v23: ITU V.23 FSK; dtmf: DTMF caller ID.
    modulation: str
    # between_rings: after the first ring (Bellcore, China); before_ring: before
    # the first ring, announced by line reversal and/or DT-AS (ETSI).
    timing: str
    also_dtmf: bool = False  # DTMF caller ID is also in use in parts of the country


@dataclass(frozen=True)
class DtmfLimits:
    normal_twist_db: float = 8.0  # high-group tone weaker than the low-group tone
    reverse_twist_db: float = 4.0  # high-group tone stronger


@dataclass(frozen=True)
class AmdSettings:
    """Answering-machine detection on outbound calls; times in seconds.

    Asterisk's app_amd defaults were the starting point (2.5 s of initial
    silence, a 1.5 s greeting, 0.8 s of silence after it, 5 s in all, words
    of at least 0.1 s). The greeting is 1.8 s here, chosen on a development
    corpus kept apart from the test corpora: Mandarin answers such as
    您好，请问找谁？ run past 1.5 s.
    """

    initial_silence_s: float = 2.5  # nobody speaks for this long after the answer: nobody there
    greeting_s: float = 1.8  # a first utterance with this much voice is a recorded greeting
    after_greeting_silence_s: float = 0.8  # silence after a shorter one: a person
    total_analysis_s: float = 5.0  # undecided after this long: NOTSURE
    min_word_s: float = 0.1  # shorter bursts of voice are clicks and noise, not words
    no_answer_s: float = 40.0  # ringback for this long: NO_ANSWER


@dataclass(frozen=True)
class Profile:
    country: str
    name_en: str
    name_zh: str
    region: str  # for phone numbers
    utc_offset_s: int  # the local time when the time zone cannot be read
    ring_cadence_s: tuple[float, ...]
    tones: dict[str, Tone]  # dial, ringback, busy, congestion
    caller_id: CallerIdStandard
    dtmf: DtmfLimits = field(default_factory=DtmfLimits)
    amd: AmdSettings = field(default_factory=AmdSettings)
    time_zone: str = "Asia/Shanghai"  # the box's local time unless the admin sets another

    @property
    def ring_timeout_s(self) -> float:
        """No ring for this long after a burst means the caller hung up."""
        return max(self.ring_cadence_s[1::2]) * 1.5 + 2.0


# ITU-T E.180 / Q.35: the same in every country, so not part of a profile.
# SIT: 950, 1400, 1800 Hz (+-50 Hz) for 330 ms (+-70 ms) each, then 1 s of
# silence (North America's variants, 274 and 380 ms at 914-1777 Hz, fit too).
SPECIAL_INFORMATION_TONE = ToneSequence(
    (((950.0,), 0.33), ((1400.0,), 0.33), ((1800.0,), 0.33), ((), 1.0)),
    cadence_tolerance=0.25,
    frequency_tolerance_hz=50.0,
)
# ITU-T T.30: the calling fax's CNG, 1100 Hz +-38 Hz, 0.5 s on and 3 s off
# (+-15 %); the answering fax's CED, 2100 Hz +-15 Hz for 2.6 to 4 s. ANSam
# (ITU-T V.8) is the same 2100 Hz with its phase turned over every 450 ms and
# 15 Hz amplitude modulation of 20 %.
FAX_CALLING_TONE = Tone((1100.0,), (0.5, 3.0), cadence_tolerance=0.15, frequency_tolerance_hz=38.0)
FAX_ANSWER_TONE = Tone((2100.0,), frequency_tolerance_hz=15.0)
FAX_ANSWER_TONE_ANSAM = Tone(
    (2100.0,), frequency_tolerance_hz=15.0, phase_reversal_s=0.45, am_hz=15.0, am_depth=0.2
)
FAX_ANSWER_SECONDS = 3.3  # CED's nominal length (2.6 to 4 s)

PROFILES: dict[str, Profile] = {
    "CN": Profile(
        country="CN",
        name_en="China",
        name_zh="中国",
        region="CN",
        utc_offset_s=8 * 3600,
        ring_cadence_s=(1.0, 4.0),
        tones={
            "dial": Tone((450.0,)),
            "ringback": Tone((450.0,), (1.0, 4.0)),
            "busy": Tone((450.0,), (0.35, 0.35)),
            "congestion": Tone((450.0,), (0.7, 0.7)),
        },
        # YDN 069-1997 / YD/T 1277.1: Bell 202 between the first and second ring;
        # some areas send DTMF caller ID before the first ring.
        caller_id=CallerIdStandard("fsk_bell202", "between_rings", also_dtmf=True),
    ),
    "US": Profile(
        country="US",
        time_zone="America/New_York",
        name_en="United States",
        name_zh="美国",
        region="US",
        utc_offset_s=-5 * 3600,
        ring_cadence_s=(2.0, 4.0),
        tones={
            "dial": Tone((350.0, 440.0)),
            "ringback": Tone((440.0, 480.0), (2.0, 4.0)),
            "busy": Tone((480.0, 620.0), (0.5, 0.5)),
            "congestion": Tone((480.0, 620.0), (0.25, 0.25)),
        },
        caller_id=CallerIdStandard("fsk_bell202", "between_rings"),
    ),
    "GB": Profile(
        country="GB",
        time_zone="Europe/London",
        name_en="United Kingdom",
        name_zh="英国",
        region="GB",
        utc_offset_s=0,
        ring_cadence_s=(0.4, 0.2, 0.4, 2.0),
        tones={
            "dial": Tone((350.0, 440.0)),
            "ringback": Tone((400.0, 450.0), (0.4, 0.2, 0.4, 2.0)),
            "busy": Tone((400.0,), (0.375, 0.375)),
            "congestion": Tone((400.0,), (0.4, 0.35, 0.225, 0.525)),
        },
        # BT SIN 227: V.23 before the first ring, after line reversal and DT-AS.
        caller_id=CallerIdStandard("fsk_v23", "before_ring"),
    ),
    "DE": Profile(
        country="DE",
        time_zone="Europe/Berlin",
        name_en="Germany",
        name_zh="德国",
        region="DE",
        utc_offset_s=3600,
        ring_cadence_s=(1.0, 4.0),
        tones={
            "dial": Tone((425.0,)),
            "ringback": Tone((425.0,), (1.0, 4.0)),
            "busy": Tone((425.0,), (0.48, 0.48)),
            "congestion": Tone((425.0,), (0.24, 0.24)),
        },
        # ETSI EN 300 659-1: V.23 between the first and second ring.
        caller_id=CallerIdStandard("fsk_v23", "between_rings"),
    ),
}

DEFAULT_COUNTRY = "CN"


def profile(country: str) -> Profile:
    try:
        return PROFILES[country]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"no country profile {country!r}; the box knows {known}") from None


def local_offset_s(country: str, time_zone: str = "", at: float | None = None) -> int:
    """Seconds east of UTC of the box's local time at ``at`` (now by default): in
    ``time_zone`` (an IANA name such as ``Asia/Shanghai``; "" for the country's), summer
    time included; the country's fixed offset if the zone cannot be read."""
    country_profile = profile(country)
    try:
        zone = ZoneInfo(time_zone or country_profile.time_zone)
        moment = datetime.fromtimestamp(time.time() if at is None else at, UTC)
        offset = moment.astimezone(zone).utcoffset()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return country_profile.utc_offset_s
    return int(offset.total_seconds()) if offset is not None else country_profile.utc_offset_s
