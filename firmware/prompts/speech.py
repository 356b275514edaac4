"""A text spoken by espeak-ng on the box, as the line's audio.

``speak(text, language)`` runs ``espeak-ng -v cmn`` (Mandarin; the voice Debian's
espeak-ng-data has, reading Chinese characters, and Latin letters as English) or
``-v en`` (English), the text given on its standard input (never on a command line,
never through a shell), its WAV read from its standard output and made line audio as an
upload is (``convert.line_level``). The text is at most ``MAX_TEXT`` characters; control
characters become spaces.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

import numpy as np
import soundfile
import soxr

from audio_format import SAMPLE_RATE
from firmware.prompts import errors
from firmware.prompts.convert import line_level
from firmware.prompts.errors import PromptError, shown_name

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
MAX_TEXT = 1000  # characters: a long IVR menu is a few hundred
VOICES = {"zh": "cmn", "en": "en"}
SPEED_WPM = {"zh": 160, "en": 150}  # words a minute: a little slower than espeak-ng's 175
TIMEOUT_S = 60.0
LANGUAGE_NAMES = {"zh-cn": "zh", "zh": "zh", "cmn": "zh", "en": "en", "en-gb": "en",
                  "en-us": "en"}


def language_of(language: str) -> str:
    """``zh`` or ``en`` for the ways the box writes its languages (``zh-CN``, ``en``...);
    PromptError for any other."""
    found = LANGUAGE_NAMES.get(str(language).strip().lower())
    if found is None:
        raise PromptError(errors.UNKNOWN_LANGUAGE, language=str(language)[:20])
    return found


def clean_text(text: str) -> str:
    """The text as it is spoken: control characters as spaces, runs of space as one;
    PromptError when nothing is left or it is longer than ``MAX_TEXT``."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    if not cleaned:
        raise PromptError(errors.EMPTY_TEXT)
    if len(cleaned) > MAX_TEXT:
        raise PromptError(errors.TEXT_TOO_LONG, length=len(cleaned), limit=MAX_TEXT)
    return cleaned


def speak(text: str, language: str) -> np.ndarray:
    """``text`` spoken in ``language`` (``zh`` or ``en``) as the line's audio: int16,
    8 kHz, mono, at line level. PromptError naming what is wrong or what to install."""
    spoken = clean_text(text)
    language = language_of(language)
    program = shutil.which(ESPEAK)
    if program is None:
        raise PromptError(errors.NO_ESPEAK)
    voice = VOICES[language]
    command = [program, "-v", voice, "-s", str(SPEED_WPM[language]), "-b", "1", "--stdin",
               "--stdout"]
    try:
        done = subprocess.run(command, input=spoken.encode("utf-8"), capture_output=True,
                              timeout=TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired:
        raise PromptError(errors.ESPEAK_FAILED, reason=f"no answer within {TIMEOUT_S:g} s"
                          ) from None
    except OSError as error:
        raise PromptError(errors.ESPEAK_FAILED, reason=error.strerror or str(error)) from None
    problem = " ".join(done.stderr.decode("utf-8", "replace").split())[:200]
    if done.returncode != 0 or not done.stdout:
        log.warning("espeak-ng -v %s ended with %s: %s", voice, done.returncode, problem)
        if "voice" in problem.lower():
            raise PromptError(errors.NO_VOICE, voice=voice)
        raise PromptError(errors.ESPEAK_FAILED,
                          reason=problem or f"exit status {done.returncode}")
    try:
        wave, rate = soundfile.read(io.BytesIO(done.stdout), dtype="float32", always_2d=True)
    except Exception as error:
        raise PromptError(errors.ESPEAK_FAILED, reason=f"its sound is unreadable ({error})"
                          ) from None
    mono = wave.mean(axis=1)
    at_line_rate = soxr.resample(mono, rate, SAMPLE_RATE, quality="HQ") if rate != SAMPLE_RATE \
        else mono
    return line_level(at_line_rate, shown_name(spoken))
