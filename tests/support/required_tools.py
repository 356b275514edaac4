"""Debian tools some tests cannot run without: espeak-ng and sox, Chromium.

Outside CI a test that lacks them is skipped, with the reason; in CI, where
``make test`` installs them, their absence is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest

from bench.browser import browser_missing
from bench.corpora.speech import speech_tools_missing


def require_speech_tools() -> None:
    """Skip (with the reason) outside CI when the tools are missing; in CI they must be there."""
    problem = speech_tools_missing()
    if problem and not os.environ.get("CI"):
        pytest.skip(problem)
    assert problem is None, problem


def require_browser() -> None:
    """Skip (with the reason) outside CI when Chromium is missing; in CI it must be there."""
    problem = browser_missing()
    if problem and not os.environ.get("CI"):
        pytest.skip(problem)
    assert problem is None, problem


def require_espeak() -> None:
    """The box's own speech (firmware.prompts.speech) needs espeak-ng alone: skipped
    outside CI when it is missing, a failure in CI."""
    problem = None if shutil.which("espeak-ng") else (
        "espeak-ng not installed (apt-get install espeak-ng)")
    if problem and not os.environ.get("CI"):
        pytest.skip(problem)
    assert problem is None, problem
