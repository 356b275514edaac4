"""The hardware edges of the box: line audio, line signals, voice modems, and the GSM
modem for text messages (``drivers.gsm_modem``).

Each edge is a small interface with a real backend and a simulated one,
chosen by a URL-like setting (see ``drivers.audio``, ``drivers.signals``
and ``drivers.modem_serial`` for the forms; ``drivers.opening`` picks the
backend):

>>> from drivers import open_capture
>>> with open_capture("null:") as line_audio:
...     line_audio.read().shape
(160,)

Backends that need a library (pyalsaaudio, RPi.GPIO, pyserial) import it
only when opened, so this package imports on any machine. Nothing else in
linerec touches hardware.
"""

from __future__ import annotations

from drivers.audio import CaptureStream, PlaybackStream
from drivers.errors import DriverError
from drivers.opening import open_capture, open_modem, open_playback, open_signals
from drivers.signals import LineSignals

__all__ = [
    "CaptureStream",
    "DriverError",
    "LineSignals",
    "PlaybackStream",
    "open_capture",
    "open_modem",
    "open_playback",
    "open_signals",
]
