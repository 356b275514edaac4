"""Caller ID: messages, receivers (FSK, DTMF, voice modem), generators and timing.

- ``message``: SDMF / MDMF / message waiting, checksum, the ``CallerId`` result.
- ``fsk_receiver``: Bell 202 and V.23 bursts, on ``dsp_ext.fsk``.
- ``dtmf_format``: DTMF caller-ID layouts, on ``dsp_ext.dtmf``.
- ``modem``: text reports of voice modems over serial.
- ``generate``: bursts, DTMF caller ID and DT-AS for the simulator and tests.
- ``timing``: when caller ID may come, relative to rings and alerts.
- ``decode``: everything in one recording (``linerec dsp cid``).
"""

from firmware.callerid.decode import decode_audio
from firmware.callerid.dtmf_format import DtmfCallerIdReceiver, format_dtmf_cid, parse_dtmf_cid
from firmware.callerid.fsk_receiver import CallerIdReceiver, decode_fsk
from firmware.callerid.message import (
    CallerId,
    CallerIdError,
    build_mdmf,
    build_message_waiting,
    build_sdmf,
    parse_message,
)
from firmware.callerid.modem import ModemCallerIdListener, ModemCallerIdParser
from firmware.callerid.timing import CallerIdWindow

__all__ = [
    "CallerId",
    "CallerIdError",
    "CallerIdReceiver",
    "CallerIdWindow",
    "DtmfCallerIdReceiver",
    "ModemCallerIdListener",
    "ModemCallerIdParser",
    "build_mdmf",
    "build_message_waiting",
    "build_sdmf",
    "decode_audio",
    "decode_fsk",
    "format_dtmf_cid",
    "parse_dtmf_cid",
    "parse_message",
]
