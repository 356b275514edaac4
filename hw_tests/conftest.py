"""Fixtures of the hardware checks: each test runs once per configured line, or skips with
the reason.

The lines' driver URLs come from pytest options, environment variables or a
hardware profile (see README.md), several lines at once:

- ``--hw-audio URL`` / ``LINEREC_HW_AUDIO`` (capture), ``--hw-playback`` /
  ``LINEREC_HW_PLAYBACK`` (playback, by the same line order), ``--hw-gpio`` /
  ``LINEREC_HW_GPIO`` (signals), ``--hw-modem`` / ``LINEREC_HW_MODEM``: an
  option once per line, or the variable with the lines' URLs separated by
  ``;`` (a gpio: URL has commas of its own);
- ``--hw-profile NAME`` / ``LINEREC_HW_PROFILE``: every line of a hardware
  profile (``linerec hw-profile list``), as the udev rules name its devices.

``LINEREC_HW_SEIZE``, ``LINEREC_HW_INTERACTIVE`` and ``LINEREC_HW_WAIT`` allow
the checks that take a line off hook or need a person at the line.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from hw_tests.hardware import (
    KINDS,
    MODEL_FILE,
    alsa_card_missing,
    configured_lines,
    raspberry_pi_model,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linerec hardware", "the line hardware the hw checks run on")
    for kind, (_, example) in KINDS.items():
        group.addoption(
            f"--hw-{kind}",
            action="append",
            default=[],
            metavar="URL",
            help=f"a line's {kind} URL, once per line (e.g. {example})",
        )
    group.addoption(
        "--hw-profile",
        default=None,
        metavar="NAME",
        help="the lines of a hardware profile (hat-2, hat-4, modem-2 or a .toml file)",
    )


def pytest_report_header(config: pytest.Config) -> list[str]:
    lines = configured_lines(config)
    return [f"linerec hardware: {kind} {urls}" for kind, urls in lines.items() if urls] or [
        "linerec hardware: none configured (every hw check skips; see hw_tests/README.md)"
    ]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``audio_url``, ``gpio_url`` and ``modem_url``: once per configured line."""
    lines = configured_lines(metafunc.config)
    for kind in ("audio", "gpio", "modem"):
        name = f"{kind}_url"
        if name not in metafunc.fixturenames:
            continue
        urls = lines[kind]
        if urls:
            ids = [f"line{number}" for number in range(1, len(urls) + 1)]
            metafunc.parametrize(name, urls, ids=ids, indirect=True)
        else:
            metafunc.parametrize(name, [None], ids=[f"no-{kind}"], indirect=True)


def _unset(kind: str) -> None:
    variable, example = KINDS[kind]
    pytest.skip(
        f"no {kind} URL given: set {variable} or --hw-{kind} (e.g. {example}), or --hw-profile"
    )


@pytest.fixture
def audio_url(request: pytest.FixtureRequest) -> str:
    url = request.param
    if url is None:
        _unset("audio")
    if not url.startswith("alsa:"):
        pytest.skip(f"audio URL {url!r} is not an alsa: URL")
    try:
        import alsaaudio  # noqa: F401, PLC0415
    except ImportError as error:
        pytest.skip(f"pyalsaaudio is not installed ({error})")
    missing = alsa_card_missing(url.removeprefix("alsa:"))
    if missing:
        pytest.skip(f"audio URL {url!r}: {missing}")
    return url


@pytest.fixture
def playback_url(request: pytest.FixtureRequest, audio_url: str) -> str:
    """The playback URL of the same line (its audio URL when none is given)."""
    lines = configured_lines(request.config)
    index = lines["audio"].index(audio_url)
    playbacks = lines["playback"]
    return playbacks[index] if index < len(playbacks) else audio_url


def _on_a_pi() -> None:
    if raspberry_pi_model() is None:
        pytest.skip(
            f"not a Raspberry Pi ({MODEL_FILE} missing or not a Pi): no GPIO line interface"
        )


@pytest.fixture
def gpio_url(request: pytest.FixtureRequest) -> str:
    url = request.param
    if url is None:
        _unset("gpio")
    _on_a_pi()
    return url


@pytest.fixture
def all_gpio_urls(request: pytest.FixtureRequest) -> list[str]:
    """Every configured line's signals URL, for the checks of several lines at once."""
    urls = configured_lines(request.config)["gpio"]
    if len(urls) < 2:
        pytest.skip(f"needs two or more lines' gpio: URLs, {len(urls)} given")
    _on_a_pi()
    return urls


@pytest.fixture
def all_audio_urls(request: pytest.FixtureRequest) -> list[str]:
    urls = configured_lines(request.config)["audio"]
    if len(urls) < 2:
        pytest.skip(f"needs two or more lines' audio URLs, {len(urls)} given")
    try:
        import alsaaudio  # noqa: F401, PLC0415
    except ImportError as error:
        pytest.skip(f"pyalsaaudio is not installed ({error})")
    for url in urls:
        missing = alsa_card_missing(url.removeprefix("alsa:"))
        if missing:
            pytest.skip(f"audio URL {url!r}: {missing}")
    return urls


@pytest.fixture
def modem_url(request: pytest.FixtureRequest) -> str:
    url = request.param
    if url is None:
        _unset("modem")
    if url.startswith("serial:"):
        device = url.removeprefix("serial:").partition("?")[0]
        if not Path(device).exists():
            pytest.skip(f"no modem at {device} ({url!r}); is it plugged in?")
    return url
