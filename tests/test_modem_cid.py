"""Voice-modem caller-ID reports: the parser alone, through pySerial's loop://,
and through a fake modem on a pseudo-terminal."""

from __future__ import annotations

import os
import threading
import time
import tty

import pytest
import serial
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.callerid import ModemCallerIdListener, ModemCallerIdParser
from firmware.callerid.message import build_mdmf, build_sdmf

FORMATTED = (
    b"RING\r\n\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\n"
    b"NAME = ZHANG SAN\r\n\r\nRING\r\n"
)


def _parse(data: bytes) -> list:
    parser = ModemCallerIdParser()
    return parser.feed(data) + parser.flush()


def test_formatted_report():
    (report,) = _parse(FORMATTED)
    assert (report.format, report.number, report.name, report.date) == (
        "MODEM", "13800138000", "ZHANG SAN", "11231042",
    )
    assert report.checksum_ok is None and report.valid and report.carrier == "modem"


@pytest.mark.parametrize(
    ("text", "number", "name", "reason"),
    [
        (b"DATE=0101\nTIME=0000\nNMBR=P\nNAME=P\n\n", None, None, "P"),
        (b"DATE = 0101\r\nTIME = 0000\r\nNMBR = O\r\nRING\r\n", None, None, "O"),
        (b"date = 0101\rtime = 0000\rnmbr = 5551234\rRING\r", "5551234", None, None),
        (b"DATE = 0101\r\nTIME = 0000\r\nDDN_NMBR = 5551234\r\nNAME = LI SI\r\n", "5551234",
         "LI SI", None),
        (b"NMBR = 5551234\r\n\r\n", "5551234", None, None),
    ],
)
def test_formatted_variants(text, number, name, reason):
    (report,) = _parse(text)
    assert (report.number, report.name, report.reason_absent) == (number, name, reason)


def test_unformatted_reports_are_the_message_bytes():
    sdmf, mdmf = build_sdmf("11231042", "5551234"), build_mdmf(number="123", name="AB")
    reports = _parse(b"RING\r\n" + sdmf.hex().upper().encode() + b"\r\nMESG = "
                     + mdmf.hex().encode() + b"\r\n")
    assert [(r.format, r.number, r.checksum_ok) for r in reports] == [
        ("SDMF", "5551234", True), ("MDMF", "123", True),
    ]
    bad = sdmf[:-1] + bytes([sdmf[-1] ^ 1])
    (report,) = _parse(bad.hex().encode() + b"\r\n")
    assert report.checksum_ok is False and not report.valid


def test_two_reports_back_to_back():
    reports = _parse(FORMATTED + FORMATTED.replace(b"13800138000", b"02112345678"))
    assert [r.number for r in reports] == ["13800138000", "02112345678"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(1, 40), min_size=1, max_size=40))
def test_any_split_gives_the_same_reports(sizes):
    parser, reports, position = ModemCallerIdParser(), [], 0
    for size in sizes:
        reports += parser.feed(FORMATTED[position : position + size])
        position += size
    reports += parser.feed(FORMATTED[position:]) + parser.flush()
    assert reports == _parse(FORMATTED)


@settings(max_examples=1000, deadline=None)
@given(st.binary(max_size=400))
def test_fuzz_never_raises(data):
    for report in _parse(data):
        if report.valid and report.checksum_ok is None and report.date is not None:
            assert len(report.date) == 8 and report.date.isdigit()


def test_through_pyserial_loop():
    port = serial.serial_for_url("loop://", timeout=0.05)
    listener = ModemCallerIdListener(port)
    port.write(FORMATTED)
    reports = []
    for _ in range(20):
        reports += listener.poll()
        if reports:
            break
    assert [r.number for r in reports] == ["13800138000"]
    port.close()


def _fake_modem(master: int, stop: threading.Event) -> None:
    """Answers AT+VCID=1 with OK, then rings with caller ID between the rings."""
    request = b""
    while not stop.is_set() and b"\r" not in request:
        request += os.read(master, 64)
    if b"AT+VCID=1" in request:
        os.write(master, b"\r\nOK\r\n")
        time.sleep(0.05)
        for piece in (b"\r\nRING\r\n", b"\r\nDATE = 1123\r\nTIME = 10", b"42\r\nNMBR = 138001",
                      b"38000\r\nNAME = ZHANG SAN\r\n", b"\r\nRING\r\n"):
            os.write(master, piece)
            time.sleep(0.02)


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs pseudo-terminals (POSIX)")
def test_fake_modem_on_a_pty():
    master, slave = os.openpty()
    tty.setraw(slave)
    stop = threading.Event()
    modem = threading.Thread(target=_fake_modem, args=(master, stop), name="fake-modem")
    modem.start()
    try:
        port = serial.Serial(os.ttyname(slave), timeout=0.1)
        listener = ModemCallerIdListener(port)
        listener.enable()
        reports = []
        deadline = time.monotonic() + 5
        while not reports and time.monotonic() < deadline:
            reports += listener.poll()
        port.close()
    finally:
        stop.set()
        modem.join(timeout=2)
        os.close(master)
        os.close(slave)
    assert [(r.number, r.name, r.date) for r in reports] == [
        ("13800138000", "ZHANG SAN", "11231042"),
    ]
