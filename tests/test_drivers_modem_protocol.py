"""The AT-command protocol and the voice sample formats, fed bytes directly."""

from __future__ import annotations

import numpy as np
import pytest

from drivers.modem import (
    DLE,
    ETX,
    SUB,
    AtProtocol,
    CallerIdLine,
    DleCode,
    InfoLine,
    Prompt,
    ResultCode,
    Ring,
    Unsolicited,
    VoiceData,
    VoiceDataEnd,
    choose_compression,
    parse_vsm_list,
    shield,
)
from drivers.voice_codecs import (
    FrameAssembler,
    SampleFormat,
    VoiceDecoder,
    alaw_table,
    encode_samples,
    ulaw_table,
)
from tests.support.blocks import random_blocks

CALL = (
    b"\r\nRING\r\n\r\nDATE = 1123\r\nTIME = 1042\r\nNMBR = 13800138000\r\n"
    b"NAME = ZHANG SAN\r\n\r\nRING\r\n"
)


def feed_in_chunks(protocol: AtProtocol, data: bytes, rng) -> list:
    """Feed ``data`` cut at random places, with the same timestamp throughout."""
    return [e for piece in random_blocks(data, rng, 8) for e in protocol.feed(piece, at=1.0)]


def merge_voice(events: list) -> list:
    """Join consecutive VoiceData events (chunking splits them)."""
    merged: list = []
    for event in events:
        if isinstance(event, VoiceData) and merged and isinstance(merged[-1], VoiceData):
            merged[-1] = VoiceData(event.at, merged[-1].data + event.data)
        else:
            merged.append(event)
    return merged


def test_a_ringing_call_with_caller_id_lines_passed_on_raw():
    events = AtProtocol().feed(CALL, at=3.0)
    assert events == [
        Ring(3.0, "RING"),
        CallerIdLine(3.0, "DATE", "1123", "DATE = 1123"),
        CallerIdLine(3.0, "TIME", "1042", "TIME = 1042"),
        CallerIdLine(3.0, "NMBR", "13800138000", "NMBR = 13800138000"),
        CallerIdLine(3.0, "NAME", "ZHANG SAN", "NAME = ZHANG SAN"),
        Ring(3.0, "RING"),
    ]


@pytest.mark.parametrize(
    ("line", "field", "value"),
    [
        ("NMBR = O", "NMBR", "O"),
        ("NMBR = P", "NMBR", "P"),
        ("NMBR=075512345678", "NMBR", "075512345678"),
        ("MESG = 0C0A3131323331303432", "MESG", "0C0A3131323331303432"),
        ("DDN_NMBR= 4001234567", "DDN_NMBR", "4001234567"),
    ],
)
def test_caller_id_line_forms(line, field, value):
    (event,) = AtProtocol().feed(f"\r\n{line}\r\n".encode(), at=0.0)
    assert event == CallerIdLine(0.0, field, value, line)


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("OK", "OK"),
        ("ERROR", "ERROR"),
        ("CONNECT", "CONNECT"),
        ("CONNECT 9600", "CONNECT"),
        ("VCON", "VCON"),
        ("NO CARRIER", "NO CARRIER"),
        ("BUSY", "BUSY"),
        ("NO DIALTONE", "NO DIALTONE"),
        ("NO DIAL TONE", "NO DIALTONE"),
        ("NO ANSWER", "NO ANSWER"),
        ("+CMS ERROR: 330", "+CMS ERROR"),
        ("+CME ERROR: 10", "+CME ERROR"),
        ("+CME ERROR: SIM not inserted", "+CME ERROR"),
    ],
)
def test_result_codes(line, code):
    assert AtProtocol().feed(f"\r\n{line}\r\n".encode(), at=0.0) == [ResultCode(0.0, code, line)]


def test_other_lines_are_info():
    events = AtProtocol().feed(b"\r\nU.S. Robotics 56K FAX USB V1.2.23\r\n\r\nOK\r\n", at=0.0)
    assert events == [
        InfoLine(0.0, "U.S. Robotics 56K FAX USB V1.2.23"),
        ResultCode(0.0, "OK", "OK"),
    ]


def test_the_prompt_for_a_message_comes_without_a_line_end_and_only_when_expected():
    protocol = AtProtocol()
    assert protocol.feed(b"\r\n> ", at=0.0) == []  # not asked for: a line being written
    protocol = AtProtocol()
    protocol.expect_prompt()
    assert protocol.feed(b"\r\n>", at=0.0) == []
    assert protocol.feed(b" ", at=1.0) == [Prompt(1.0)]
    assert protocol.feed(b"\r\n+CMGS: 17\r\n\r\nOK\r\n", at=2.0) == [
        InfoLine(2.0, "+CMGS: 17"),
        ResultCode(2.0, "OK", "OK"),
    ]


def test_unsolicited_results_told_apart_with_the_line_of_data_some_carry(rng):
    data = (
        b'\r\n+CMTI: "SM",3\r\n\r\n+CDS: 25\r\n0791683108200505F006\r\n'
        b'\r\n+CMGR: 0,,24\r\n0791FF\r\n\r\nOK\r\n'
    )
    expected = [
        Unsolicited(1.0, '+CMTI: "SM",3'),
        Unsolicited(1.0, "+CDS: 25", "0791683108200505F006"),
        InfoLine(1.0, "+CMGR: 0,,24"),
        InfoLine(1.0, "0791FF"),
        ResultCode(1.0, "OK", "OK"),
    ]
    for _ in range(10):
        protocol = AtProtocol(unsolicited=("+CMTI",), with_data=("+CDS",))
        assert feed_in_chunks(protocol, data, rng) == expected
    assert expected[0].name == "+CMTI" and expected[0].value == '"SM",3'
    # A voice modem knows none of them: lines like any other.
    assert AtProtocol().feed(b'\r\n+CMTI: "SM",3\r\n', at=0.0) == [
        InfoLine(0.0, '+CMTI: "SM",3')
    ]


def test_events_do_not_depend_on_how_the_bytes_were_cut(rng):
    whole = AtProtocol().feed(CALL + b"\x10b\r\nOK\r\n", at=1.0)
    for _ in range(20):
        assert feed_in_chunks(AtProtocol(), CALL + b"\x10b\r\nOK\r\n", rng) == whole


def test_dle_codes_in_voice_command_mode():
    events = AtProtocol().feed(b"\x105\x10#\x10b\x10d\x10s\x10q\x10c\x10e", at=0.0)
    assert [e.code for e in events] == list("5#bdsqce")
    assert [e.dtmf for e in events] == ["5", "#", None, None, None, None, None, None]
    assert events[2].meaning == "busy tone" and events[0].meaning == "DTMF 5"


def test_voice_receive_unshields_data_and_ends_at_dle_etx(rng):
    audio = bytes(rng.integers(0, 256, 3000, dtype=np.uint8))
    audio += bytes([DLE, DLE, DLE])  # make sure shielding is exercised
    stream = (
        b"\r\nCONNECT\r\n"
        + shield(audio[:1000])
        + bytes([DLE, ord("7")])  # a DTMF digit in the middle of the audio
        + shield(audio[1000:])
        + bytes([DLE, ETX])
        + b"\r\nOK\r\n"
    )
    protocol = AtProtocol()
    protocol.expect_voice_data()
    events = merge_voice(feed_in_chunks(protocol, stream, rng))
    assert events == [
        ResultCode(1.0, "CONNECT", "CONNECT"),
        VoiceData(1.0, audio[:1000]),
        DleCode(1.0, "7"),
        VoiceData(1.0, audio[1000:]),
        VoiceDataEnd(1.0),
        ResultCode(1.0, "OK", "OK"),
    ]
    assert not protocol.in_voice_data


def test_dle_sub_stands_for_two_dles():
    protocol = AtProtocol()
    protocol.expect_voice_data()
    events = protocol.feed(b"CONNECT\r\n\x01\x10\x1a\x02\x10\x03", at=0.0)
    assert events[1] == VoiceData(0.0, bytes([1, DLE, DLE, 2]))
    assert SUB == 0x1A


def test_connect_without_expecting_voice_stays_in_command_mode():
    protocol = AtProtocol()
    events = protocol.feed(b"CONNECT 9600\r\nRING\r\n", at=0.0)
    assert events[1] == Ring(0.0, "RING") and not protocol.in_voice_data


# ---- AT+VSM=? --------------------------------------------------------------------

VSM_LISTS = [
    # Conexant-style
    [
        '0,"SIGNED PCM",8,0,(7200,8000,11025),(0),(0)',
        '1,"UNSIGNED PCM",8,0,(7200,8000,11025),(0),(0)',
        '2,"ADPCM",4,0,(7200,8000,11025),(0),(0)',
        '4,"G711U",8,0,(8000),(0),(0)',
        '5,"G711A",8,0,(8000),(0),(0)',
    ],
    # Rockwell-style
    ['128,"8-BIT LINEAR",(7200,8000,11025)', '129,"16-BIT LINEAR",(7200,8000,11025)'],
]


def test_vsm_lists_are_read_and_the_best_decodable_format_chosen():
    first = parse_vsm_list(VSM_LISTS[0])
    assert [(c.id, c.sample_format) for c in first] == [
        (0, SampleFormat.S8),
        (1, SampleFormat.U8),
        (2, None),
        (4, SampleFormat.ULAW),
        (5, SampleFormat.ALAW),
    ]
    assert first[3].rates == (8000,)
    assert choose_compression(first).id == 4
    assert choose_compression(first).command() == "AT+VSM=4,8000"
    second = parse_vsm_list(["", "OK", *VSM_LISTS[1]])
    assert [(c.id, c.sample_format) for c in second] == [
        (128, SampleFormat.U8),
        (129, SampleFormat.S16LE),
    ]
    assert choose_compression(second).id == 129
    assert choose_compression(parse_vsm_list(['2,"ADPCM",4,0,(8000),(0),(0)'])) is None
    assert choose_compression(parse_vsm_list(['4,"G711U",8,0,(11025),(0),(0)'])) is None


# ---- sample formats --------------------------------------------------------------


def test_g711_tables_match_dsp_ext_bit_for_bit():
    from dsp_ext import g711  # noqa: PLC0415 - the reference, tests only

    codes = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(ulaw_table(), g711.ulaw_decode(codes))
    np.testing.assert_array_equal(alaw_table(), g711.alaw_decode(codes))


def test_g711_tables_against_the_law_at_known_points():
    mu, a = ulaw_table(), alaw_table()
    assert (mu[0xFF], mu[0x7F], mu[0x80], mu[0x00]) == (0, 0, 32124, -32124)
    assert (a[0xD5], a[0x55], a[0xAA], a[0x2A]) == (8, -8, 32256, -32256)
    # mu-law: magnitude ((2*step + 33) << segment) - 33, in 14-bit units times 4.
    for code in range(256):
        inverted = ~code & 0xFF
        segment, step = (inverted >> 4) & 7, inverted & 15
        magnitude = (((2 * step + 33) << segment) - 33) * 4
        assert mu[code] == (-magnitude if inverted & 0x80 else magnitude)
    # Both laws are odd-symmetric through the sign bit.
    np.testing.assert_array_equal(mu[:128], -mu[128:])
    np.testing.assert_array_equal(a[:128], -a[128:])


def test_linear_formats_decode(rng):
    assert VoiceDecoder(SampleFormat.U8).decode(bytes([0, 128, 255])).tolist() == [
        -32768,
        0,
        32512,
    ]
    assert VoiceDecoder(SampleFormat.S8).decode(bytes([0x80, 0, 0x7F])).tolist() == [
        -32768,
        0,
        32512,
    ]
    samples = rng.integers(-32768, 32768, 999).astype("<i2")
    data = samples.tobytes()
    decoder = VoiceDecoder(SampleFormat.S16LE)
    # Odd-sized pieces split samples between bytes.
    pieces = [decoder.decode(piece) for piece in random_blocks(data, rng, 50)]
    np.testing.assert_array_equal(np.concatenate(pieces), samples)


@pytest.mark.parametrize("sample_format", list(SampleFormat))
def test_encoding_gives_back_the_nearest_level_the_format_has(sample_format, rng):
    samples = rng.integers(-32768, 32768, 4000).astype(np.int16)
    samples[:6] = [-32768, -1, 0, 1, 32767, 0x1010]
    decoded = VoiceDecoder(sample_format).decode(encode_samples(samples, sample_format))
    if sample_format is SampleFormat.S16LE:
        np.testing.assert_array_equal(decoded, samples)
        return
    levels = np.unique(VoiceDecoder(sample_format).decode(bytes(range(256))).astype(np.int32))
    error = np.abs(decoded.astype(np.int32) - samples)
    nearest = np.abs(levels[None, :] - samples.astype(np.int32)[:, None]).min(axis=1)
    np.testing.assert_array_equal(error, nearest)
    # Every code the format has decodes and encodes back to itself (but for -0).
    codes = bytes(range(256))
    again = encode_samples(VoiceDecoder(sample_format).decode(codes), sample_format)
    assert sum(a != b for a, b in zip(again, codes, strict=True)) <= 1


def test_frame_assembler_cuts_frames_and_pads_the_last(rng):
    samples = rng.integers(-32768, 32768, 500).astype(np.int16)
    assembler = FrameAssembler()
    frames = assembler.add(samples[:100]) + assembler.add(samples[100:])
    assert [f.shape for f in frames] == [(160,)] * 3
    last = assembler.flush()
    np.testing.assert_array_equal(np.concatenate([*frames, last])[:500], samples)
    assert not last[20:].any()
    assert assembler.flush() is None
