"""Helpers of the hardware checks: where we are, what is configured, talking to the tester."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MODEL_FILE = Path("/proc/device-tree/model")


def raspberry_pi_model() -> str | None:
    try:
        model = MODEL_FILE.read_bytes().decode("ascii", "replace").strip("\0\n ")
    except OSError:
        return None
    return model if "Raspberry Pi" in model else None


def setting(name: str, what: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        pytest.skip(f"{name} is not set: {what}")
    return value


def interactive_wait() -> float:
    """Seconds a person gets to act (call the line, lift a handset), or skip."""
    if os.environ.get("LINEREC_HW_INTERACTIVE") != "1":
        pytest.skip("needs a person at the line: set LINEREC_HW_INTERACTIVE=1 to run it")
    return float(os.environ.get("LINEREC_HW_WAIT", "60"))


def announce(message: str) -> None:
    """Tell the person at the box what to do now (shown with pytest -s)."""
    print(f"\n>>> {message}", flush=True)


def alsa_card_missing(device: str) -> str | None:
    """Why the ALSA PCM ``device`` cannot be on this machine, or None if it may be."""
    import alsaaudio  # noqa: PLC0415 - the caller checked it imports

    cards = alsaaudio.cards()
    if not cards:
        return "no sound card on this machine (alsaaudio.cards() is empty)"
    _, colon, spec = device.partition(":")
    if not colon:
        return None  # a PCM defined by name (default, dsnoop_line1, ...)
    card = spec.split(",")[0].removeprefix("CARD=")
    if card.isdigit():
        if int(card) not in alsaaudio.card_indexes():
            return f"no sound card number {card} (cards: {', '.join(cards)})"
    elif card not in cards:
        return f"no sound card called {card!r} (cards: {', '.join(cards)})"
    return None
