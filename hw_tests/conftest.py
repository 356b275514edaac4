"""Fixtures of the hardware checks: each gives a configured URL or skips with the reason.

Configuration is by environment variable (see README.md):
LINEREC_HW_AUDIO, LINEREC_HW_PLAYBACK, LINEREC_HW_GPIO, LINEREC_HW_SEIZE,
LINEREC_HW_MODEM, LINEREC_HW_INTERACTIVE, LINEREC_HW_WAIT.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hw_tests.hardware import MODEL_FILE, alsa_card_missing, raspberry_pi_model, setting


@pytest.fixture
def audio_url() -> str:
    url = setting("LINEREC_HW_AUDIO", "the ALSA capture URL of a line, e.g. alsa:plughw:1,0")
    if not url.startswith("alsa:"):
        pytest.skip(f"LINEREC_HW_AUDIO={url!r} is not an alsa: URL")
    try:
        import alsaaudio  # noqa: F401, PLC0415
    except ImportError as error:
        pytest.skip(f"pyalsaaudio is not installed ({error})")
    missing = alsa_card_missing(url.removeprefix("alsa:"))
    if missing:
        pytest.skip(f"LINEREC_HW_AUDIO={url!r}: {missing}")
    return url


@pytest.fixture
def gpio_url() -> str:
    url = setting(
        "LINEREC_HW_GPIO",
        "the line-signal URL, e.g. gpio:ring=17,loop=27,relay=22,active_low=ring+loop",
    )
    model = raspberry_pi_model()
    if model is None:
        pytest.skip(
            f"not a Raspberry Pi ({MODEL_FILE} missing or not a Pi): no GPIO line interface"
        )
    return url


@pytest.fixture
def modem_url() -> str:
    url = setting("LINEREC_HW_MODEM", "the voice modem URL, e.g. serial:/dev/ttyACM0?baud=115200")
    if url.startswith("serial:"):
        device = url.removeprefix("serial:").partition("?")[0]
        if not Path(device).exists():
            pytest.skip(f"no modem at {device} (LINEREC_HW_MODEM={url!r}); is it plugged in?")
    return url
