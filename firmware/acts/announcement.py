"""The announcement before recording: "this call may be recorded", to both parties.

On a line whose setting names the call's direction (``inbound``, ``outbound`` or
``both``), the box plays the announcement's prompt once as the call is answered
(inbound) or connects (outbound), without taking the line: the caller and the
office's phone hear it together, and the recording, which starts at the same
moment, holds it. A key pressed meanwhile does not cut it short (a caller must
not skip it); the key still counts for the call. The engine decides when
(``firmware.engine.announcing``) and keeps where it sounded in the recording.
"""

from __future__ import annotations

from firmware.acts.steps import Play, Script

NAME = "announcement"
BUILT_IN = "announcement"  # the prompt library's own prompt, by its key
DIRECTIONS = {"inbound": ("in",), "outbound": ("out",), "both": ("in", "out"), "off": ()}


def announces(setting: str, direction: str | None) -> bool:
    """Whether a line set to ``setting`` (off, inbound, outbound, both) announces a call
    of ``direction`` (in, out)."""
    return direction in DIRECTIONS.get(setting, ())


def announcement(prompt: str | int = BUILT_IN) -> Script:
    """The script: the prompt played to its end, no barge-in. Its result is None."""
    yield Play(prompt, barge_in=False)
