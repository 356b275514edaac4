"""Timing and reporting for ``make bench``.

Every figure is the best of several timed calls on one core, so that
interference from the rest of the machine can only make a figure worse,
never better. Rates are given as samples per second and as "times real
time" for one 8 kHz line; each peer row also gives how many times faster
our implementation is than that peer.
"""

from __future__ import annotations

import json
import os
import platform
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from audio_format import SAMPLE_RATE
from bench import peers

OURS = "linerec"


@dataclass
class Measurement:
    kernel: str
    implementation: str
    samples: int
    seconds: float
    note: str = ""

    @property
    def samples_per_second(self) -> float:
        return self.samples / self.seconds

    @property
    def times_real_time(self) -> float:
        return self.samples_per_second / SAMPLE_RATE

    @property
    def ns_per_sample(self) -> float:
        return 1e9 * self.seconds / self.samples


@dataclass
class Bench:
    """Collects measurements, kernel by kernel, in the order they were taken."""

    min_seconds: float = 0.3
    min_calls: int = 5
    measurements: list[Measurement] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)

    def measure(
        self,
        kernel: str,
        implementation: str,
        function: Callable[[], object],
        samples: int,
        note: str = "",
    ) -> Measurement:
        """Time ``function`` (which processes ``samples`` samples) and keep the best call."""
        function()  # warm caches, tables and lazy initialisation
        best = float("inf")
        calls = 0
        started = time.perf_counter()
        while calls < self.min_calls or time.perf_counter() - started < self.min_seconds:
            before = time.perf_counter()
            function()
            best = min(best, time.perf_counter() - before)
            calls += 1
        measurement = Measurement(kernel, implementation, samples, best, note)
        self.measurements.append(measurement)
        return measurement

    def peers_or_note(self, name: str) -> tuple:
        """The peer library as ``peers.load()`` gives it, or (None, None) and a
        fact saying why ``name`` (the peer rows) was not measured."""
        try:
            return peers.load()
        except peers.PeerUnavailableError as error:
            self.fact(name, f"not measured: {error}")
            return None, None

    def fact(self, name: str, value: str) -> None:
        """A figure that is not a speed (state size, accuracy), printed after the tables."""
        self.facts.append((name, value))

    def kernels(self) -> list[str]:
        return list(dict.fromkeys(m.kernel for m in self.measurements))

    def ratio(self, measurement: Measurement) -> float | None:
        """How many times faster ours is than ``measurement``'s implementation."""
        ours = [
            m
            for m in self.measurements
            if m.kernel == measurement.kernel and m.implementation == OURS
        ]
        if not ours or measurement.implementation == OURS:
            return None
        return measurement.seconds / ours[0].seconds * ours[0].samples / measurement.samples

    def report(self) -> str:
        lines = []
        header = (
            f"{'kernel':<28} {'implementation':<16} {'Msamples/s':>11} "
            f"{'ns/sample':>10} {'x real time':>12} {'ours is':>10}"
        )
        lines.append(header)
        lines.append("-" * len(header))
        for kernel in self.kernels():
            for m in (m for m in self.measurements if m.kernel == kernel):
                ratio = self.ratio(m)
                ratio_text = f"{ratio:.2f}x" if ratio is not None else ""
                lines.append(
                    f"{kernel:<28} {m.implementation:<16} {m.samples_per_second / 1e6:>11.1f} "
                    f"{m.ns_per_sample:>10.3f} {m.times_real_time:>12,.0f} {ratio_text:>10}"
                    + (f"  {m.note}" if m.note else "")
                )
            lines.append("")
        if self.facts:
            width = max(len(name) for name, _ in self.facts)
            lines.extend(f"{name:<{width}}  {value}" for name, value in self.facts)
        return "\n".join(lines).rstrip() + "\n"

    def write_json(self, path: Path) -> None:
        records = [
            {
                **asdict(m),
                "samples_per_second": m.samples_per_second,
                "times_real_time": m.times_real_time,
                "ours_faster_by": self.ratio(m),
            }
            for m in self.measurements
        ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"measurements": records, "facts": self.facts}, indent=2))


def pin_to_one_core() -> None:
    """Figures are per core: keep the process on one CPU."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def run_benchmarks(runs: Iterable[Callable[[Bench], None]], json_path: Path | None = None) -> int:
    """Run each ``run(bench)`` on one core and print the table (and write JSON if asked)."""
    pin_to_one_core()
    print(f"linerec bench on {platform.machine()}, Python {platform.python_version()}, one core")
    print()
    bench = Bench()
    for run in runs:
        run(bench)
    sys.stdout.write(bench.report())
    if json_path is not None:
        bench.write_json(json_path)
    return 0
