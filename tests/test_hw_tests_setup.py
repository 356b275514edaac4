"""The hardware checks (hw_tests/) off the box: every check skips with its reason, once per
line given, whether the lines come from options, variables or a hardware profile."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_hw_tests(*args: str, **env: str) -> str:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("LINEREC_HW_")}
    pytest = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-m", "hw"]
    result = subprocess.run(
        [*pytest, "hw_tests", "-v", "-rs", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_without_hardware_every_check_skips_with_its_reason():
    out = run_hw_tests()
    assert "linerec hardware: none configured" in out
    assert " passed" not in out and " failed" not in out
    assert "no gpio URL given: set LINEREC_HW_GPIO or --hw-gpio" in out
    assert "no audio URL given: set LINEREC_HW_AUDIO" in out
    assert "no modem URL given" in out
    assert "needs two or more lines' gpio: URLs, 0 given" in out


def test_a_profile_runs_each_check_once_per_line():
    out = run_hw_tests("--hw-profile", "hat-4")
    assert "linerec hardware: gpio ['gpio:ring=17,loop=27,relay=22,active_low=ring+loop'" in out
    for line in ("line1", "line2", "line3", "line4"):
        assert f"test_line_interface_opens_and_reports_its_state[{line}] SKIPPED" in out
    assert "test_line_interface_opens_and_reports_its_state[line5]" not in out


def test_variables_give_several_lines_separated_by_semicolons():
    out = run_hw_tests(
        LINEREC_HW_GPIO="gpio:ring=17,loop=27,relay=22; gpio:ring=5,loop=6,relay=13",
        LINEREC_HW_AUDIO="wav:/tmp/line.wav",
    )
    assert "test_a_call_rings_the_line[line2] SKIPPED" in out
    assert "audio URL 'wav:/tmp/line.wav' is not an alsa: URL" in out
