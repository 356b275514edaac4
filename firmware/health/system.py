"""The machine the box runs on: model, temperature, load, memory, uptime.

Read from ``/proc`` and ``/sys`` as Linux (and Raspberry Pi OS) gives them;
a fact the machine does not offer (no thermal zone on a PC in a container)
is None, never an error.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path("/")  # tests point this at a folder holding a fake proc/ and sys/


@dataclass(frozen=True)
class SystemFacts:
    model: str | None  # e.g. "Raspberry Pi 5 Model B Rev 1.0"
    temperature_c: float | None  # the SoC's, on a Pi
    load_1m: float | None
    cpus: int | None
    memory_total: int | None  # bytes
    memory_available: int | None
    uptime_s: float | None


def _read(relative: str) -> str | None:
    try:
        return (ROOT / relative).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _temperature() -> float | None:
    """The hottest thermal zone, in degrees Celsius (the Pi reports millidegrees)."""
    readings = []
    for zone in sorted((ROOT / "sys/class/thermal").glob("thermal_zone*/temp")):
        text = _read(str(zone.relative_to(ROOT)))
        if text and text.strip().lstrip("-").isdigit():
            readings.append(int(text) / 1000)
    return max(readings) if readings else None


def _memory() -> tuple[int | None, int | None]:
    values = {}
    for line in (_read("proc/meminfo") or "").splitlines():
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[name] = int(parts[0]) * 1024
    return values.get("MemTotal"), values.get("MemAvailable")


def system_facts() -> SystemFacts:
    model = _read("proc/device-tree/model")
    load = (_read("proc/loadavg") or "").split()
    uptime = (_read("proc/uptime") or "").split()
    total, available = _memory()
    return SystemFacts(
        model=model.strip("\0\n ") if model else None,
        temperature_c=_temperature(),
        load_1m=float(load[0]) if load else None,
        cpus=os.cpu_count(),
        memory_total=total,
        memory_available=available,
        uptime_s=float(uptime[0]) if uptime else None,
    )
