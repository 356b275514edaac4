"""``systemd-analyze verify`` on unit files, in a throwaway root that has the system's own
units (for ``sysinit.target`` and the like) and, where the units run it, the program."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEM_UNITS = Path("/usr/lib/systemd/system")


def require_systemd_analyze() -> str:
    """The path of systemd-analyze, or skip with the reason (scripts/system-deps.sh installs
    the systemd package for the tests)."""
    found = shutil.which("systemd-analyze")
    if found is None or not SYSTEM_UNITS.is_dir():
        reason = "systemd-analyze is not installed here (Debian: apt-get install systemd)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must check the units")
        pytest.skip(reason)
    return found


def verify_units(root: Path, units: list[Path], programs: tuple[str, ...] = ()) -> str:
    """Verify ``units`` as installed in ``root``'s /etc/systemd/system (copied there unless
    they are); ``programs`` are made as stubs in the root when it lacks them. Returns what
    systemd-analyze said: nothing when the units are good."""
    analyze = require_systemd_analyze()
    unit_folder = root / "etc/systemd/system"
    unit_folder.mkdir(parents=True, exist_ok=True)
    for unit in units:
        if unit.parent != unit_folder:
            shutil.copy(unit, unit_folder / unit.name)
    if not (root / "usr/lib/systemd/system").exists():
        shutil.copytree(SYSTEM_UNITS, root / "usr/lib/systemd/system", symlinks=True)
    for program in programs:
        stub = root / program.lstrip("/")
        if not stub.exists():
            stub.parent.mkdir(parents=True, exist_ok=True)
            stub.write_text("#!/bin/sh\n")
            stub.chmod(0o755)
    result = subprocess.run(
        [analyze, "verify", f"--root={root}", *(unit.name for unit in units)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    said = (result.stdout + result.stderr).strip()
    if result.returncode != 0 and not said:
        said = f"systemd-analyze verify exited with {result.returncode}"
    return said
