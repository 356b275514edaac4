"""The box's prompts on the simulated office: speech-like stand-ins for the recorded ones.

``linerec run`` gives them to the engine as its fallback when it plays the
simulated office, so that the box's acts speak on its lines while a prompt is
not in the prompt library (the box's own are spoken by espeak-ng a few seconds
after the engine starts). Each prompt is one voice saying something about as
long as the real prompt would be, the same samples for the same prompt on
every run; the beep before a voicemail message is a 1 kHz tone.
"""

from __future__ import annotations

import functools
import zlib

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext import levels
from firmware.simulation.voices import speech

PROMPT_LEVEL_DBM0 = -16.0
# Seconds each prompt speaks for; a prompt not named here speaks for DEFAULT_S.
LENGTHS_S = {
    "survey_opening": 3.5,  # "Please rate the call: press 1 to 5"
    "survey_invalid": 1.5,
    "survey_closing": 2.0,
    "announcement": 2.0,  # "This call may be recorded"
    "voicemail_greeting": 3.0,
    "firewall_message": 2.0,
    "ivr_welcome": 3.0,
    "ivr_invalid": 2.0,
}
DEFAULT_S = 2.5
BEEP_HZ, BEEP_S = 1000.0, 0.4  # the beep before a voicemail message is a tone


@functools.lru_cache(maxsize=64)
def _prompt(prompt: str) -> np.ndarray:
    if prompt == "beep":
        t = np.arange(int(BEEP_S * SAMPLE_RATE)) / SAMPLE_RATE
        beep = np.sin(2 * np.pi * BEEP_HZ * t) * levels.sine_amplitude(PROMPT_LEVEL_DBM0)
        samples = np.round(beep).astype(np.int16)
        samples.flags.writeable = False
        return samples
    seconds = LENGTHS_S.get(prompt, DEFAULT_S)
    samples = speech(seconds, zlib.crc32(prompt.encode()), PROMPT_LEVEL_DBM0, pitch_hz=190.0)
    samples = np.clip(np.round(samples), -32768, 32767).astype(np.int16)
    samples.flags.writeable = False
    return samples


def prompt_audio(prompt: str | int) -> np.ndarray:
    """The prompt's audio (int16, 8 kHz)."""
    return _prompt(str(prompt))
