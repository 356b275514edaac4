"""Answering-machine detection on outbound calls: who, or what, picked up.

``AnsweringMachineDetector(country)`` takes the line's audio from the end of
dialling in blocks of any size and returns an ``AmdResult`` once it has
decided (``feed``), or when the audio ends (``finish``):

- Call progress first, from the country's tone plan: busy or congestion
  tone: BUSY; the special information tone: SIT; ringback for
  ``no_answer_s``: NO_ANSWER. The call counts as answered where voice starts,
  where the ringback stops coming, or (with ``answered=True``, answer
  supervision) at the first sample.
- Then, from the answer: a fax answer or calling tone: FAX. Nobody speaking
  for ``initial_silence_s``: NOTSURE (nobody there). A first utterance with
  ``greeting_s`` of voice: MACHINE (a recorded greeting), as is a beep (a
  steady pure tone of at least 0.15 s that is none of the plan's). A shorter
  utterance followed by ``after_greeting_silence_s`` of silence: HUMAN.
  Still undecided after ``total_analysis_s``: NOTSURE.

Voice is told from noise by level against a noise floor tracked over the
last two seconds (the lowest 10 ms level), so steady line noise or hum is
never voice, whatever its level; the plan's tones are never voice either.
The settings are the country profile's (``firmware.country.profiles.AmdSettings``).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from audio_format import SAMPLE_RATE
from dsp_ext import levels
from firmware.country import tones as call_progress
from firmware.country.profiles import DEFAULT_COUNTRY, AmdSettings, profile
from firmware.errors import LinerecError

BLOCK = 80  # 10 ms
STATUSES = ("HUMAN", "MACHINE", "FAX", "NOTSURE", "BUSY", "NO_ANSWER", "SIT")
FLOOR_BLOCKS = 200  # the noise floor is the lowest block level of the last 2 s
VOICE_OVER_FLOOR_DB = 10.0
MIN_VOICE_DBM0 = -48.0
WORD_GAP_BLOCKS = 5  # silence that ends a word: 50 ms
FAX_TONES_HZ = (1100.0, 2100.0)
FAX_HEARD_BLOCKS = 30  # 0.3 s of a fax frequency: wait for the fax tone to be confirmed
# A beep: a pure tone in 32 ms windows, 90 % of the power within +-60 Hz of
# one frequency (300-3400 Hz) that holds still, for 15 blocks in a row.
# Voiced speech spreads its power over several harmonics and glides.
BEEP_WINDOW = 256
BEEP_CONCENTRATION = 0.9
BEEP_BLOCKS = 15
BEEP_MIN_DBM0 = -45.0
_BEEP_TAPER = np.hanning(BEEP_WINDOW)
_BEEP_BINS = (round(300 * BEEP_WINDOW / SAMPLE_RATE), round(3400 * BEEP_WINDOW / SAMPLE_RATE))
_REFERENCE_POWER = levels.reference_rms() ** 2


class AmdInputError(LinerecError, ValueError):
    """Audio the detector cannot take (not a 1-D int16 array)."""


@dataclass(frozen=True)
class AmdResult:
    """The decision: one of STATUSES, why, and when (seconds from the first sample)."""

    status: str
    cause: str
    at_s: float
    answered_at_s: float | None


class AnsweringMachineDetector:
    """One outbound call's answering-machine detector."""

    def __init__(
        self,
        country: str = DEFAULT_COUNTRY,
        *,
        answered: bool = False,
        settings: AmdSettings | None = None,
    ) -> None:
        self.settings = settings or profile(country).amd
        self._tones = call_progress.detector(country)
        self._pending = np.empty(0, dtype=np.int16)
        self._blocks = 0  # blocks done
        self._answered_at: int | None = 0 if answered else None  # in blocks
        self._ringback_since: int | None = None
        self._floor: deque[float] = deque(maxlen=FLOOR_BLOCKS)
        self._voice_run = 0
        self._quiet_run = 0  # blocks with neither voice nor tone
        self._in_word = False
        self._words = 0
        self._voiced = 0  # voice blocks since the first word began
        self._fax_run = 0
        self._fax_heard = False
        self._recent = np.zeros(BEEP_WINDOW)  # the last BEEP_WINDOW samples
        self._beep_run = 0
        self._beep_bin = -1
        self.result: AmdResult | None = None

    def _seconds(self, blocks: int) -> float:
        return blocks * BLOCK / SAMPLE_RATE

    def _decide(self, status: str, cause: str) -> AmdResult:
        answered = None if self._answered_at is None else self._seconds(self._answered_at)
        self.result = AmdResult(status, cause, self._seconds(self._blocks), answered)
        return self.result

    @property
    def ringing(self) -> bool:
        """Ringback has been heard and the far end has not answered yet."""
        return self._ringback_since is not None and self._answered_at is None

    @property
    def answered_at_s(self) -> float | None:
        """Where the far end answered (seconds from the first sample), once it has."""
        return None if self._answered_at is None else self._seconds(self._answered_at)

    def answer(self) -> None:
        """The far end has answered now (answer supervision from the line)."""
        if self._answered_at is None:
            self._answered_at = self._blocks
            self._quiet_run = 0  # the silence before the answer is no one's

    def feed(self, samples: np.ndarray) -> AmdResult | None:
        """Process a block of int16 samples; the result once decided (and after)."""
        if not isinstance(samples, np.ndarray) or samples.dtype != np.int16 or samples.ndim != 1:
            raise AmdInputError(
                "AnsweringMachineDetector.feed: samples must be a 1-D numpy int16 array, got "
                f"{getattr(samples, 'dtype', type(samples).__name__)} "
                f"{getattr(samples, 'shape', '')}".rstrip()
            )
        if self.result is not None:
            return self.result
        audio = np.concatenate([self._pending, samples]) if self._pending.size else samples
        whole = audio.size // BLOCK * BLOCK
        self._pending = audio[whole:].copy()
        # Block levels in dBm0 (DC removed), all at once.
        power = audio[:whole].reshape(-1, BLOCK).astype(np.float64).var(axis=1)
        block_levels = 10 * np.log10(np.maximum(power, 1e-3) / _REFERENCE_POWER)
        for index, start in enumerate(range(0, whole, BLOCK)):
            if self._block(audio[start : start + BLOCK], float(block_levels[index])) is not None:
                return self.result
        return None

    def finish(self) -> AmdResult:
        """End of the audio: the decision so far, or the best one possible now."""
        if self.result is not None:
            return self.result
        if self._answered_at is None:
            if self._ringback_since is not None:
                return self._decide("NO_ANSWER", "ringback until the audio ended")
            return self._decide("NOTSURE", "no answer heard")
        if self._fax_heard:
            return self._decide("FAX", "fax tone")
        return self._decide("NOTSURE", "audio ended")

    def _beep(self, level: float) -> bool:
        """Whether a beep has held for BEEP_BLOCKS, up to the newest block."""
        if level < BEEP_MIN_DBM0:
            self._beep_run = 0
            return False
        window = (self._recent - self._recent.mean()) * _BEEP_TAPER
        power = np.abs(np.fft.rfft(window)) ** 2
        low, high = _BEEP_BINS
        peak = low + int(np.argmax(power[low:high]))
        pure = power[peak - 2 : peak + 3].sum() >= BEEP_CONCENTRATION * power.sum()
        steady = abs(peak - self._beep_bin) <= 1
        self._beep_run = (self._beep_run + 1 if steady else 1) if pure else 0
        self._beep_bin = peak
        return self._beep_run >= BEEP_BLOCKS

    def _block(self, block: np.ndarray, level: float) -> AmdResult | None:
        self._blocks += 1
        self._recent = np.concatenate([self._recent[block.size :], block])
        self._tones.feed(block)
        sounding = self._tones.sounding
        heard = self._tones.heard
        if sounding is not None:
            result = self._on_tone(sounding.tone, sounding.start)
            if result is not None:
                return result
        elif self._ringback_since is not None and self._answered_at is None:
            # The ringback stopped coming: the far end picked up, silently so far.
            self._answered_at = self._blocks
            self._ringback_since = None
            self._quiet_run = 0

        self._floor.append(level)
        voice = not heard and level >= max(min(self._floor) + VOICE_OVER_FLOOR_DB, MIN_VOICE_DBM0)
        fax_now = any(hz in FAX_TONES_HZ for hz in heard)
        self._fax_run = self._fax_run + 1 if fax_now else 0
        self._fax_heard = self._fax_heard or self._fax_run >= FAX_HEARD_BLOCKS
        self._track_words(voice, bool(heard))
        if self._answered_at is None:
            return None
        # A beep may be at a frequency of the plan (1400 Hz, as in SIT), but a
        # fax tone or a confirmed call-progress tone is no beep.
        if not fax_now and sounding is None and self._beep(level):
            return self._decide("MACHINE", "beep")
        return self._judge()

    def _track_words(self, voice: bool, tone: bool) -> None:
        """Voice and silence runs, words, and the answer where voice starts."""
        min_word = round(self.settings.min_word_s * SAMPLE_RATE / BLOCK)
        if voice:
            self._voice_run += 1
            self._quiet_run = 0
        else:
            self._quiet_run = 0 if tone else self._quiet_run + 1
            if self._quiet_run >= WORD_GAP_BLOCKS:
                self._in_word = False
                self._voice_run = 0
        if self._answered_at is None:
            if self._voice_run < min_word:
                return
            self._answered_at = self._blocks - self._voice_run
        if self._words and voice:
            self._voiced += 1
        if self._voice_run >= min_word and not self._in_word:
            self._in_word = True
            self._words += 1
            if self._words == 1:
                self._voiced = self._voice_run

    def _judge(self) -> AmdResult | None:
        """The decision the voice heard since the answer allows, if any yet."""
        settings = self.settings
        quiet = self._seconds(self._quiet_run)
        if self._words == 0:
            if quiet >= settings.initial_silence_s and not self._fax_heard:
                return self._decide("NOTSURE", "nobody spoke")
        elif self._seconds(self._voiced) >= settings.greeting_s:
            return self._decide("MACHINE", "long greeting")
        elif quiet >= settings.after_greeting_silence_s:
            return self._decide("HUMAN", "short greeting, then silence")
        if self._seconds(self._blocks - self._answered_at) >= settings.total_analysis_s:
            return self._decide(
                *(("FAX", "fax tone") if self._fax_heard else ("NOTSURE", "undecided"))
            )
        return None

    def _on_tone(self, name: str, start: int) -> AmdResult | None:
        if name in ("fax_ced", "fax_cng"):
            return self._decide("FAX", name)
        if name == "sit":
            return self._decide("SIT", "special information tone")
        if self._answered_at is not None:
            return None
        if name in ("busy", "congestion"):
            return self._decide("BUSY", name)
        if name == "ringback":
            if self._ringback_since is None:
                self._ringback_since = start // BLOCK
            if self._seconds(self._blocks - self._ringback_since) >= self.settings.no_answer_s:
                return self._decide("NO_ANSWER", "ringback")
        return None


def detect_answering_machine(
    samples: np.ndarray,
    country: str = DEFAULT_COUNTRY,
    *,
    answered: bool = False,
    settings: AmdSettings | None = None,
) -> AmdResult:
    """The decision for a whole recording of an outbound call."""
    detector = AnsweringMachineDetector(country, answered=answered, settings=settings)
    result = detector.feed(samples)
    return result if result is not None else detector.finish()
