"""When caller ID may arrive, relative to the ring and the alerting signals.

Bellcore (GR-30) and China (YDN 069 / YD/T 1277.1) send it between the
first and the second ring: starting at least 500 ms after the first ring
ends and ending at least 200 ms before the second. ETSI EN 300 659-1 also
sends it before the first ring, announced by a line reversal and/or the
DT-AS dual tone, the data starting 45-500 ms after the DT-AS.

``CallerIdWindow`` is pure (no clock, no I/O): the line engine tells it
what happened and when, and asks whether the receiver should listen now and
whether a received message kept to the standard's timing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["TIMINGS", "CallerIdWindow"]

TIMINGS = ("between_rings", "before_ring")
AFTER_RING_S = 0.5  # earliest start after the first ring ends
BEFORE_RING_S = 0.2  # latest end before the second ring
DTAS_MIN_GAP_S = 0.045  # DT-AS end to data start, ETSI
DTAS_MAX_GAP_S = 0.5
ALERT_TIMEOUT_S = 3.0  # after a reversal or DT-AS with no data, stop listening


@dataclass
class CallerIdWindow:
    """The caller-ID window of one call on one line."""

    timing: str = "between_rings"
    rings: list[tuple[float, float | None]] = field(default_factory=list)
    alert_at: float | None = None  # line reversal or DT-AS start
    dtas_end: float | None = None

    def __post_init__(self) -> None:
        if self.timing not in TIMINGS:
            raise ValueError(f"timing must be one of {TIMINGS}, got {self.timing!r}")

    def event(self, kind: str, at: float) -> None:
        """Record "ring_on", "ring_off", "reversal", "dtas_on" or "dtas_off" at time ``at``."""
        if kind == "ring_on":
            self.rings.append((at, None))
        elif kind == "ring_off" and self.rings and self.rings[-1][1] is None:
            self.rings[-1] = (self.rings[-1][0], at)
        elif kind in ("reversal", "dtas_on"):
            if self.alert_at is None or kind == "dtas_on":
                self.alert_at = at
        elif kind == "dtas_off":
            self.dtas_end = at
        else:
            raise ValueError(f"unknown line event {kind!r}")

    def listening(self, at: float) -> bool:
        """Should the caller-ID receiver run at time ``at``?"""
        if self.timing == "before_ring" and not self.rings:
            return self.alert_at is not None and at - self.alert_at <= ALERT_TIMEOUT_S
        # between the rings (ETSI exchanges that send after the first ring too)
        return len(self.rings) == 1 and self.rings[0][1] is not None and at >= self.rings[0][1]

    def violations(self, start: float, end: float) -> list[str]:
        """How a message received from ``start`` to ``end`` broke the timing (empty: it did not)."""
        problems = []
        ended = [r for r in self.rings if r[1] is not None and r[1] <= start]
        later = [r for r in self.rings if r[0] >= end]
        if self.timing == "before_ring" and not ended:
            if self.dtas_end is not None:
                gap = start - self.dtas_end
                if not DTAS_MIN_GAP_S <= gap <= DTAS_MAX_GAP_S:
                    problems.append(f"data {gap * 1000:.0f} ms after the DT-AS, outside 45-500 ms")
            elif self.alert_at is None:
                problems.append("data before the first ring without reversal or DT-AS")
            return problems
        if len(ended) != 1:
            problems.append(f"data after {len(ended)} rings, expected after the first")
            return problems
        if start - ended[0][1] < AFTER_RING_S:
            problems.append(
                f"data {1000 * (start - ended[0][1]):.0f} ms after the first ring, under 500 ms"
            )
        if later and later[0][0] - end < BEFORE_RING_S:
            problems.append(
                f"data ends {1000 * (later[0][0] - end):.0f} ms before the second ring, "
                "under 200 ms"
            )
        return problems
