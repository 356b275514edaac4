"""Blocking a call the call firewall refused: answer it, and hang up or play its message.

The decision is the firewall's (``firmware.store.firewall``, through the line's
policy); the state machine marks the call blocked and never records it; this
is what the box then does on the line. A rejected call is answered and hung
up after ``REJECT_HOLD_S``, so the exchange ends it for the caller at once; a
call answered with a message hears the message (its prompt, or the box's own
``firewall_message``), then the box hangs up.
"""

from __future__ import annotations

from typing import Any

from firmware.acts.steps import Pause, Play, Script

NAME = "firewall"
REJECT_HOLD_S = 0.6  # long enough for the exchange to see the line answered
DEFAULT_MESSAGE = "firewall_message"


def message_prompt(verdict: Any) -> str | int:
    """The prompt a message verdict names: a prompt's id (digits), a key, or the default."""
    named = (getattr(verdict, "message_prompt", None) or "").strip()
    if not named:
        return DEFAULT_MESSAGE
    return int(named) if named.isdigit() else named


def block(verdict: Any) -> Script:
    """The script for a blocked call; its result is the verdict's action."""
    if verdict.action == "message":
        yield Play(message_prompt(verdict), barge_in=False)
    yield Pause(REJECT_HOLD_S)
    return verdict.action
