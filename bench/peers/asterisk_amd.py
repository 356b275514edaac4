"""The baseline: Asterisk's app_amd default algorithm, written again from its documented behaviour.

What app_amd does (Asterisk's AMD() application with amd.conf's defaults):
it reads 20 ms frames of the answered call and calls a frame silent when
the mean absolute sample value is under ``silence_threshold`` (256 of
32767). It counts consecutive silence and voice in milliseconds and
decides at the first of:

- MACHINE (INITIALSILENCE): silence reaches ``initial_silence`` before any word;
- HUMAN: after the first word, silence reaches ``after_greeting_silence``;
- MACHINE (LONGGREETING): voice in all reaches ``greeting`` once a word was heard;
- MACHINE (MAXWORDS): ``maximum_number_of_words`` words were heard; a word
  is ``min_word_length`` of consecutive voice after at least
  ``between_words_silence`` of silence (the call starts "in a word", so the
  first word needs a silence before it);
- MACHINE (MAXWORDLENGTH): one run of voice reaches ``maximum_word_length``;
- NOTSURE (TOOLONG): ``total_analysis_time`` has passed.

It knows nothing of tones: a fax answer tone is voice to it, and it takes
over only once the call is answered, so busy, SIT and unanswered calls are
not its business. This module is the yardstick of the AMD tests and of
``python -m bench.amd``, never part of the product.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRAME = 160  # 20 ms at 8 kHz
FRAME_MS = 20


@dataclass(frozen=True)
class AsteriskAmdSettings:
    """amd.conf.sample's values (the code's own default for the word limit is 3)."""

    initial_silence: int = 2500
    greeting: int = 1500
    after_greeting_silence: int = 800
    total_analysis_time: int = 5000
    min_word_length: int = 100
    between_words_silence: int = 50
    maximum_number_of_words: int = 2
    silence_threshold: int = 256
    maximum_word_length: int = 5000


def asterisk_amd(  # noqa: PLR0911 - one return per app_amd outcome, as it has them
    samples: np.ndarray, settings: AsteriskAmdSettings = AsteriskAmdSettings()
) -> tuple[str, str]:
    """(status, cause) for the audio of an answered call, from the answer on."""
    s = settings
    in_initial_silence, in_greeting = True, False
    voice_ms = consecutive_voice_ms = total_ms = words = 0
    in_word = True  # app_amd starts in STATE_IN_WORD
    silence_ms = 0  # the silence detector's count of consecutive silent ms
    for start in range(0, samples.size - FRAME + 1, FRAME):
        frame = samples[start : start + FRAME].astype(np.int32)
        total_ms += FRAME_MS
        if total_ms >= s.total_analysis_time:
            return "NOTSURE", "TOOLONG"
        # The integer mean of absolute values, as the silence detector takes it.
        if int(np.abs(frame).sum()) // FRAME < s.silence_threshold:
            silence_ms += FRAME_MS
            if silence_ms >= s.between_words_silence:
                in_word = False
                consecutive_voice_ms = 0
            if in_initial_silence and silence_ms >= s.initial_silence:
                return "MACHINE", "INITIALSILENCE"
            if in_greeting and silence_ms >= s.after_greeting_silence:
                return "HUMAN", "HUMAN"
        else:
            silence_ms = 0
            consecutive_voice_ms += FRAME_MS
            voice_ms += FRAME_MS
            if consecutive_voice_ms >= s.min_word_length and not in_word:
                words += 1
                in_word = True
            if consecutive_voice_ms >= s.maximum_word_length:
                return "MACHINE", "MAXWORDLENGTH"
            if words >= s.maximum_number_of_words:
                return "MACHINE", "MAXWORDS"
            if in_greeting and voice_ms >= s.greeting:
                return "MACHINE", "LONGGREETING"
            if consecutive_voice_ms >= s.min_word_length and not in_greeting:
                in_initial_silence, in_greeting = False, True
    return "NOTSURE", "TOOLONG"
