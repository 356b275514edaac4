"""The caller-ID message layer, DTMF layouts and timing windows, without audio."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from firmware.callerid import (
    CallerIdError,
    CallerIdWindow,
    build_mdmf,
    build_message_waiting,
    build_sdmf,
    format_dtmf_cid,
    parse_dtmf_cid,
    parse_message,
)
from firmware.callerid.message import checksum


def test_checksum_is_twos_complement_of_the_sum():
    body = bytes([0x04, 0x12]) + b"01011200" + b"5551234567"
    assert checksum(body) == (256 - sum(body) % 256) % 256
    message = build_sdmf("01011200", "5551234567")
    assert message == body + bytes([checksum(body)])
    assert sum(message) % 256 == 0


def test_sdmf_fields():
    caller_id = parse_message(build_sdmf("11231042", "13800138000"))
    assert (caller_id.format, caller_id.date) == ("SDMF", "11231042")
    assert caller_id.number == "13800138000"
    assert caller_id.checksum_ok and caller_id.valid
    for reason in ("O", "P"):
        withheld = parse_message(build_sdmf("11231042", reason_absent=reason))
        assert withheld.number is None and withheld.reason_absent == reason


def test_mdmf_every_listed_parameter():
    message = build_mdmf(
        date="12312359", number="13800138000", dialable_number="013800138000",
        reason_absent="O", name="LI SI", name_absent="P",
    )
    caller_id = parse_message(message)
    assert caller_id.format == "MDMF" and caller_id.valid
    assert caller_id.date == "12312359"
    assert caller_id.number == "13800138000"
    assert caller_id.dialable_number == "013800138000"
    assert caller_id.reason_absent == "O"
    assert caller_id.name == "LI SI"
    assert caller_id.name_absent == "P"
    assert [kind for kind, _ in caller_id.parameters] == [1, 2, 3, 4, 7, 8]


def test_unknown_mdmf_parameters_are_kept_raw():
    message = build_mdmf(number="123", extra=((0x1A, b"4567"), (0x99, b"\x00\xff")))
    caller_id = parse_message(message)
    assert caller_id.valid
    assert (0x1A, b"4567") in caller_id.parameters
    assert (0x99, b"\x00\xff") in caller_id.parameters


def test_message_waiting():
    assert parse_message(build_message_waiting(True)).message_waiting is True
    assert parse_message(build_message_waiting(False)).message_waiting is False
    assert parse_message(build_message_waiting(True, mdmf=True)).message_waiting is True
    assert parse_message(build_message_waiting(False, mdmf=True)).message_waiting is False


def test_bad_checksum_truncation_and_malformed_are_reported():
    good = build_sdmf("11231042", "5551234")
    bad = good[:-1] + bytes([good[-1] ^ 0x10])
    assert parse_message(bad).checksum_ok is False and not parse_message(bad).valid
    assert parse_message(good[:-3]).problem == "truncated"
    malformed = bytes([0x80, 3, 0x02, 9, 0x31])
    malformed += bytes([checksum(malformed)])
    caller_id = parse_message(malformed)
    assert caller_id.checksum_ok and not caller_id.valid and "malformed" in caller_id.problem
    assert not parse_message(b"\x00\x00\x00").valid  # a long space after a mark run


def test_builders_refuse_bad_arguments():
    with pytest.raises(CallerIdError, match="MMDDHHMM"):
        build_sdmf("1123", "5551234")
    with pytest.raises(CallerIdError, match="'O' or 'P'"):
        build_sdmf("11231042", reason_absent="X")
    with pytest.raises(CallerIdError, match="ASCII"):
        build_mdmf(name="张三")
    with pytest.raises(CallerIdError, match="255"):
        build_mdmf(name="A" * 300)


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=300))
def test_fuzz_parse_message_never_raises_and_valid_means_checksum(raw):
    caller_id = parse_message(raw)
    if caller_id.valid:
        length = raw[1]
        assert sum(raw[: 3 + length]) % 256 == 0
        assert caller_id.checksum_ok is True


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="0123456789", min_size=1, max_size=20),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", max_size=20),
)
def test_fuzz_build_parse_round_trip(number, name):
    caller_id = parse_message(build_mdmf(date="01010000", number=number, name=name or None))
    assert caller_id.valid and caller_id.number == number and caller_id.name == (name or None)


@pytest.mark.parametrize(
    ("digits", "number", "reason"),
    [
        ("A13800138000C", "13800138000", None),
        ("A13800138000#", "13800138000", None),
        ("D0212345678C", "0212345678", None),
        ("0212345678#", "0212345678", None),
        ("B00C", None, "O"),
        ("B10C", None, "P"),
        ("D1#", None, "P"),
        ("D2#", None, "O"),
        ("D3#", None, "O"),
        ("*13800138000#", "13800138000", None),
        ("B13800138000C", "13800138000", None),
        ("#13800138000*", "13800138000", None),
        ("C13800138000D", "13800138000", None),
    ],
)
def test_dtmf_layouts(digits, number, reason):
    caller_id = parse_dtmf_cid(digits)
    assert caller_id.format == "DTMF" and caller_id.valid, caller_id.problem
    assert (caller_id.number, caller_id.reason_absent) == (number, reason)
    assert caller_id.checksum_ok is None  # DTMF carries no checksum


def test_dtmf_redirecting_number_is_kept():
    caller_id = parse_dtmf_cid("A5551234D5559876C")
    assert caller_id.number == "5551234"
    assert caller_id.parameters == ((ord("D"), b"5559876"),)


@pytest.mark.parametrize("digits", ["", "123", "A123", "B99C", "AC", "##", "A1B2C"])
def test_dtmf_strings_that_are_not_caller_id(digits):
    assert not parse_dtmf_cid(digits).valid


@pytest.mark.parametrize("layout", ["A_C", "A_#", "D_C", "_#", "*_#", "B_C", "#_*"])
def test_dtmf_format_round_trips(layout):
    assert parse_dtmf_cid(format_dtmf_cid("13800138000", "", layout)).number == "13800138000"
    for reason in ("O", "P"):
        if layout.endswith(("C", "#")):
            assert parse_dtmf_cid(format_dtmf_cid("", reason, layout)).reason_absent == reason


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet="0123456789ABCD*#", max_size=30))
def test_fuzz_dtmf_parser(digits):
    caller_id = parse_dtmf_cid(digits)
    if caller_id.valid:
        assert caller_id.number is None or caller_id.number.isdigit()
        assert caller_id.number is not None or caller_id.reason_absent in ("O", "P")


def test_window_between_rings():
    window = CallerIdWindow("between_rings")
    window.event("ring_on", 0.0)
    assert not window.listening(1.0)
    window.event("ring_off", 2.0)
    assert window.listening(2.1)
    assert window.violations(2.6, 3.5) == []
    assert "under 500 ms" in window.violations(2.2, 3.5)[0]
    window.event("ring_on", 3.6)
    assert not window.listening(3.7)
    assert "under 200 ms" in window.violations(2.6, 3.5)[0]


def test_window_before_first_ring_with_dtas():
    window = CallerIdWindow("before_ring")
    assert not window.listening(0.0)
    window.event("reversal", 0.0)
    window.event("dtas_on", 0.2)
    window.event("dtas_off", 0.3)
    assert window.listening(0.4)
    assert window.violations(0.4, 1.0) == []
    assert "outside 45-500 ms" in window.violations(0.9, 1.5)[0]
    assert not window.listening(4.0)
    with pytest.raises(ValueError, match="timing"):
        CallerIdWindow("whenever")
