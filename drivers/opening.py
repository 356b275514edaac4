"""Opening a line's edges by URL: the backend each scheme names.

The URL forms are described with each interface (``drivers.audio``,
``drivers.signals``, ``drivers.modem_serial``). The interfaces know nothing
of their backends; this module, above both, picks one. A backend that needs
a library (pyalsaaudio, gpiozero/lgpio or RPi.GPIO, pyserial) imports it only when opened, so
this module imports on any machine.
"""

from __future__ import annotations

from drivers.audio import CaptureStream, PlaybackStream
from drivers.audio_alsa import AlsaCapture, AlsaPlayback
from drivers.audio_null import NullCapture, NullPlayback
from drivers.audio_wav import WavCapture, WavPlayback
from drivers.signals import ACCEPTED_SIGNAL_URLS, LineSignals
from drivers.signals_gpio import GpioLineSignals, parse_gpio_target
from drivers.simline import SimCapture, SimLineSignals, SimPlayback
from drivers.url import DriverURL, parse_url

__all__ = ["ACCEPTED_AUDIO_URLS", "open_capture", "open_modem", "open_playback", "open_signals"]

ACCEPTED_AUDIO_URLS = (
    "'alsa:<ALSA PCM name>' (e.g. alsa:hw:1,0, alsa:default), 'wav:<path>[?pace=1]', "
    "'sim:[<line name>][?depth=<frames>]', 'null:'"
)
# scheme -> the query options it takes
_AUDIO_SCHEMES = {
    "alsa": frozenset(),
    "wav": frozenset({"pace"}),
    "sim": frozenset({"depth"}),
    "null": frozenset(),
}
_CAPTURE = {"alsa": AlsaCapture, "wav": WavCapture, "sim": SimCapture, "null": NullCapture}
_PLAYBACK = {"alsa": AlsaPlayback, "wav": WavPlayback, "sim": SimPlayback, "null": NullPlayback}


def _audio_url(url: str) -> DriverURL:
    return parse_url(url, _AUDIO_SCHEMES, ACCEPTED_AUDIO_URLS)


def open_capture(url: str) -> CaptureStream:
    """Open the capture side of a line's audio (URL forms in ``drivers.audio``)."""
    parsed = _audio_url(url)
    return _CAPTURE[parsed.scheme](parsed)


def open_playback(url: str) -> PlaybackStream:
    """Open the playback side of a line's audio (URL forms in ``drivers.audio``)."""
    parsed = _audio_url(url)
    return _PLAYBACK[parsed.scheme](parsed)


def open_signals(url: str, **backend_options) -> LineSignals:
    """Open one line's signals (URL forms in ``drivers.signals``).

    ``backend_options`` go to the backend's constructor (the GPIO backend
    takes ``pin_factory=`` a gpiozero pin factory, or ``gpio=`` a module
    compatible with RPi.GPIO, and ``clock=``).
    """
    parsed = parse_url(
        url,
        {"gpio": frozenset(), "sim": frozenset()},
        ACCEPTED_SIGNAL_URLS,
        raw_schemes=frozenset({"gpio"}),
    )
    if parsed.scheme == "gpio":
        return GpioLineSignals(parse_gpio_target(parsed), **backend_options)
    return SimLineSignals(parsed, **backend_options)


def open_modem(url: str, **options):
    """Open a voice modem (``drivers.modem_serial.VoiceModem``); imports pyserial on first use."""
    from drivers.modem_serial import open_modem as _open  # noqa: PLC0415 - pyserial only if used

    return _open(url, **options)
