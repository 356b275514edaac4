"""Helpers of the hardware checks: where we are, what is configured, talking to the tester."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

MODEL_FILE = Path("/proc/device-tree/model")

# kind -> (environment variable, an example URL); the option is --hw-<kind>
KINDS = {
    "audio": ("LINEREC_HW_AUDIO", "alsa:plughw:CARD=linerec1,DEV=0"),
    "playback": ("LINEREC_HW_PLAYBACK", "alsa:plughw:CARD=linerec1,DEV=0"),
    "gpio": ("LINEREC_HW_GPIO", "gpio:ring=17,loop=27,relay=22,active_low=ring+loop"),
    "modem": ("LINEREC_HW_MODEM", "serial:/dev/linerec-modem1?baud=115200"),
}
# a profile line's setting -> the kind it gives
_PROFILE_KINDS = {"audio": "audio", "playback": "playback", "signals": "gpio", "modem": "modem"}


def split_urls(text: str) -> list[str]:
    """The URLs of a variable: separated by ``;`` or new lines (gpio: URLs have commas)."""
    return [url.strip() for url in text.replace("\n", ";").split(";") if url.strip()]


def configured_lines(config: pytest.Config) -> dict[str, list[str]]:
    """Per kind, the lines' URLs in line order: options, else the variable, else the profile."""
    from firmware.hardware.profiles import load_profile  # noqa: PLC0415 - only when asked

    lines: dict[str, list[str]] = {}
    for kind, (variable, _) in KINDS.items():
        lines[kind] = list(config.getoption(f"--hw-{kind}") or []) or split_urls(
            os.environ.get(variable, "")
        )
    profile_name = config.getoption("--hw-profile") or os.environ.get("LINEREC_HW_PROFILE")
    if profile_name:
        profile = load_profile(profile_name)
        from_profile: dict[str, list[str]] = {kind: [] for kind in KINDS}
        for line in profile.lines:
            for setting, url in line.settings.items():
                from_profile[_PROFILE_KINDS[setting]].append(url)
        for kind, urls in from_profile.items():
            lines[kind] = lines[kind] or urls
    return lines


def raspberry_pi_model() -> str | None:
    try:
        model = MODEL_FILE.read_bytes().decode("ascii", "replace").strip("\0\n ")
    except OSError:
        return None
    return model if "Raspberry Pi" in model else None


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
