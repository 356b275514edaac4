"""The DSP extension on aarch64, the Pi's CPU: cross-built, and a short set of tests under qemu.

The arm64 Debian root comes from ``bench.arm64``, cached between runs.
``make test`` builds it first and requires it (``LINEREC_PI=required``);
elsewhere, without it, these tests are skipped with the reason. The full
DSP and driver suites under qemu are ``make pi-check``.
"""

from __future__ import annotations

import os
import subprocess

import pytest

from bench import arm64

ELF_MACHINE_AARCH64 = 183


@pytest.fixture(scope="module")
def root() -> arm64.Arm64:
    found = arm64.find()
    if found is None:
        reason = f"no arm64 root: {arm64.absent_reason()}"
        if os.environ.get("LINEREC_PI") == "required":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


def test_extension_cross_builds_without_a_warning(root, tmp_path):
    target = tmp_path / arm64.EXTENSION.name
    try:
        arm64.build_extension(root, target)  # -Werror: a warning fails the build
    except subprocess.CalledProcessError as error:
        pytest.fail(f"the aarch64 build failed or warned: {error}")
    header = target.read_bytes()[:20]
    assert header[:4] == b"\x7fELF"
    assert int.from_bytes(header[18:20], "little") == ELF_MACHINE_AARCH64


def test_the_short_set_passes_under_qemu(root):
    arm64.build_extension(root)
    arm64.build_peers(root)
    result = root.run_python(
        [*arm64.pytest_command(arm64.QUICK_TESTS), "-x"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    summary = result.stdout.strip().splitlines()[-1:] or [result.stderr.strip()]
    print(f"aarch64 under qemu ({', '.join(arm64.QUICK_TESTS)}): {summary[0]}")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in summary[0] and "skipped" not in summary[0], summary[0]

