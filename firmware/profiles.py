"""Country profiles: what a line sounds like and sends in each country the box supports.

One profile per country holds its ring cadence, call-progress tone plan,
caller-ID standard and DTMF receiver limits, and the region used to read
phone numbers. The data is the box's; the simulator plays it and the
detectors are tuned by it. China is the default.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tone:
    """A call-progress tone: frequencies played together, and its cadence.

    ``cadence`` alternates on and off times in seconds, repeating; an empty
    cadence is a continuous tone.
    """

    frequencies_hz: tuple[float, ...]
    cadence_s: tuple[float, ...] = ()


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
class Profile:
    country: str
    name_en: str
    name_zh: str
    region: str  # for phone numbers
    utc_offset_s: int  # the default local time for schedules
    ring_cadence_s: tuple[float, ...]
    tones: dict[str, Tone]  # dial, ringback, busy, congestion
    caller_id: CallerIdStandard
    dtmf: DtmfLimits = field(default_factory=DtmfLimits)

    @property
    def ring_timeout_s(self) -> float:
        """No ring for this long after a burst means the caller hung up."""
        return max(self.ring_cadence_s[1::2]) * 1.5 + 2.0


SPECIAL_INFORMATION_TONE = Tone((950.0, 1400.0, 1800.0), (0.33, 0.33, 0.33, 1.0))

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
