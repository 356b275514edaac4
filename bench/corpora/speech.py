"""Synthetic speech from espeak-ng, at 8 kHz, cached under build/.

The box has no recordings of real callers to test with, so the speech the
tests and benchmarks need is spoken by espeak-ng (Debian package) and
resampled to 8 kHz with sox. Each utterance is made once per checkout and
cached by a hash of how it was made.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import numpy as np

from firmware.tools.wavfile import read_wav

CACHE = Path(__file__).resolve().parents[2] / "build" / "speech"


def speech_tools_missing() -> str | None:
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if not missing:
        return None
    return f"{' and '.join(missing)} not installed (apt-get install espeak-ng sox)"


def utterance(text: str, voice: str = "en-us", speed: int = 160) -> np.ndarray:
    """``text`` spoken by espeak-ng ``voice`` as 8 kHz int16 samples."""
    # sox without dither (-D): the same file on every machine, so the tests that use it
    # see the same speech wherever they run.
    key = hashlib.sha256(f"{voice}\0{speed}\0{text}\0nodither".encode()).hexdigest()[:16]
    target = CACHE / f"{key}.wav"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        raw = target.with_suffix(".raw.wav")
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text],
            check=True,
            capture_output=True,
        )
        temp = target.with_suffix(".tmp.wav")
        subprocess.run(
            ["sox", "-D", str(raw), "-r", "8000", "-c", "1", "-b", "16", str(temp)],
            check=True,
            capture_output=True,
        )
        raw.unlink()
        temp.replace(target)
    return read_wav(target).samples
