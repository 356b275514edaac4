"""What a line does with the caller-ID results its receivers hand it."""

from __future__ import annotations

import logging

import pytest

from firmware.callerid import build_mdmf
from firmware.callerid.message import parse_message
from firmware.engine.detectors import accepted_caller_ids

MESSAGE = build_mdmf(date="12011830", number="13912345678", name="ZHANG")


def garbled(message: bytes) -> bytes:
    return message[:-4] + bytes([message[-4] ^ 0x10]) + message[-3:]


def test_a_good_message_gives_the_callers_number():
    found = accepted_caller_ids([parse_message(MESSAGE, carrier="bell202")])
    assert [f.number for f in found] == ["13912345678"]


@pytest.mark.parametrize("carrier", ["bell202", "v23", "modem"])
def test_a_caller_id_message_that_fails_its_checksum_is_logged_and_never_taken(carrier, caplog):
    caplog.set_level(logging.DEBUG, logger="firmware.engine.detectors")
    assert accepted_caller_ids([parse_message(garbled(MESSAGE), carrier=carrier)]) == []
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "bad checksum" in warnings[0].getMessage()


@pytest.mark.parametrize(
    "raw",
    [
        bytes.fromhex("000080"),  # type 0: what speech in a call made the receiver read
        bytes.fromhex("df0900000040ecbe8e1ade7f"),  # a type with the MDMF bit, not caller ID
        MESSAGE[:10],  # cut short
    ],
)
def test_fragments_from_speech_and_tones_are_not_news_for_the_log(raw, caplog):
    caplog.set_level(logging.DEBUG, logger="firmware.engine.detectors")
    assert accepted_caller_ids([parse_message(raw, carrier="v23")]) == []
    assert [r.levelno for r in caplog.records] == [logging.DEBUG]


def test_a_modem_report_of_an_unknown_type_is_logged(caplog):
    """A modem reports only what it took for caller ID: anything odd there is news."""
    caplog.set_level(logging.DEBUG, logger="firmware.engine.detectors")
    assert accepted_caller_ids([parse_message(bytes.fromhex("000080"), carrier="modem")]) == []
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
