"""Voicemail: a call nobody answered is answered by the box, which takes a message.

After the line's set number of rings (``rings``; inside its weekly windows,
and only for callers of the listed customer groups when any are listed) the
box seizes the line, plays the greeting (an uploaded or spoken prompt, by its
key) and a beep, and records what the caller says: at most ``max_s``
seconds, ended by ``silence_s`` of quiet, by ``#``, or by the caller hanging
up (busy tone, loop drop). What was said before the caller hung up is the
message; a caller who hangs up during the greeting or the beep leaves none.

The script's result is the ``Recorded`` message, or None. Keeping it (a WAV
file and its row, the e-mail) is the engine's (``firmware.engine.voicemail``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from firmware.acts.steps import CallerGone, Play, Record, Recorded, Script

NAME = "voicemail"
BEEP = "beep"
GREETING = "voicemail_greeting"
MIN_MESSAGE_S = 0.5  # less than this is no message (a caller who hung up at the beep)
FRAME = 160
TONAL_SHARE = 0.8  # a frame with this share of its energy in 3 bins is a tone, not a voice
QUIET_RMS = 60.0  # about -45 dBm0


def _tonal_or_quiet(frame: np.ndarray) -> bool:
    samples = frame.astype(np.float64)
    if np.sqrt(np.mean(samples * samples)) < QUIET_RMS:
        return True
    power = np.abs(np.fft.rfft(samples * np.hanning(samples.size))) ** 2
    return float(np.sort(power)[-3:].sum()) >= TONAL_SHARE * float(power.sum())


def without_hang_up_tail(message: Recorded) -> Recorded:
    """The message without the exchange's tone (busy, congestion) and the quiet after the
    caller hung up: the line hears it for a few cadences before the box knows."""
    audio = message.audio
    count = audio.size // FRAME
    tone = [_tonal_or_quiet(audio[i * FRAME:(i + 1) * FRAME]) for i in range(count)]
    # The voice ends with the last two frames running that are neither tone nor quiet
    # (a lone one is the edge of a tone's burst).
    end = 0
    for index in range(count - 1, 0, -1):
        if not tone[index] and not tone[index - 1]:
            end = (index + 1) * FRAME
            break
    audio = audio[:end]
    return Recorded(audio, audio.size / 8000, message.ended_by)


@dataclass(frozen=True)
class Rule:
    """When a line answers with voicemail (from its settings)."""

    rings: int = 5
    groups: frozenset[str] = frozenset()  # customer groups it answers for; empty: everyone

    def wants(self, rings: int, in_hours: bool, caller_groups: frozenset[str] | None) -> bool:
        """Whether a call ringing ``rings`` times now is taken: ``in_hours`` when the line's
        windows allow it now; ``caller_groups`` the caller's customer groups (None while
        not needed)."""
        if rings < self.rings or not in_hours:
            return False
        if self.groups:
            return bool(caller_groups and caller_groups & self.groups)
        return True


def voicemail(greeting: str = GREETING, max_s: float = 120.0, silence_s: float = 5.0) -> Script:
    """The script: greeting, beep, the message. Its result is a ``Recorded`` or None."""
    try:
        yield Play(greeting, barge_in=False)
        yield Play(BEEP, barge_in=False)
    except CallerGone:
        return None  # gone before the beep: no message
    message: Recorded = yield Record(max_s, silence_s, end_keys="#")
    if message.ended_by == "hang_up":
        message = without_hang_up_tail(message)
    return message if message.seconds >= MIN_MESSAGE_S else None
