"""Running a test's script in a user and mount namespace of its own (``unshare -rm``), where
it may mount a small tmpfs to fill a disk without root and without touching the machine.

Where namespaces are not available (a container that forbids them) the test is skipped
with the reason, except in CI, where that is a failure: CI must run these tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest


def require_mount_namespace() -> None:
    """Skip (fail in CI) unless ``unshare -rm`` works here."""
    if shutil.which("unshare") is None:
        pytest.skip("needs unshare (util-linux) for a small tmpfs of the test's own")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        if os.environ.get("CI"):
            pytest.fail(f"cannot make a mount namespace here: {probe.stderr.decode()}")
        pytest.skip(f"no user namespaces here for a small tmpfs: {probe.stderr.decode().strip()}")


def run_in_mount_namespace(script: str, *arguments: str, timeout: float = 300
                           ) -> subprocess.CompletedProcess:
    """``python -c script arguments`` in a namespace of its own; its output as text."""
    require_mount_namespace()
    return subprocess.run(
        ["unshare", "-rm", sys.executable, "-c", script, *arguments],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
