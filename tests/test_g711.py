"""G.711 against its definition, the peers, and bad input.

The reference tables here are built from the decision intervals of G.711
(Tables 1 and 2) in 16-bit terms, not from the bit arithmetic the C code
uses, so the two are independent. Negative inputs take the one's
complement magnitude (-x - 1), as the G.191 reference code does.
"""

from __future__ import annotations

import importlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from dsp_ext import g711, levels
from dsp_ext.errors import DspInputError

EVERY_SAMPLE = np.arange(-32768, 32768, dtype=np.int32).astype(np.int16)
EVERY_CODE = np.arange(256, dtype=np.uint8)


def alaw_intervals() -> np.ndarray:
    """Lower edge (16-bit) of each of A-law's 128 magnitude intervals, plus the top."""
    edges = [16 * i for i in range(32)]  # segments 0 and 1: steps of 2 A-law units
    for segment in range(2, 8):
        base, step = 128 << segment, 8 << segment
        edges += [base + step * j for j in range(16)]
    return np.array([*edges, 32768])


def ulaw_intervals() -> np.ndarray:
    """Lower edge of mu-law's 128 magnitude intervals in the biased 14-bit domain."""
    edges = [(32 << segment) + (2 << segment) * j for segment in range(8) for j in range(16)]
    return np.array([*edges, 8192])


def magnitude_and_sign(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    wide = samples.astype(np.int64)
    return np.where(wide < 0, -wide - 1, wide), wide >= 0


def reference_alaw_encode(samples: np.ndarray) -> np.ndarray:
    magnitude, positive = magnitude_and_sign(samples)
    number = np.searchsorted(alaw_intervals(), magnitude, side="right") - 1
    return ((np.where(positive, 0x80, 0) | number) ^ 0x55).astype(np.uint8)


def reference_alaw_decode(codes: np.ndarray) -> np.ndarray:
    edges = alaw_intervals()
    number = (codes.astype(np.int64) ^ 0x55) & 0x7F
    middle = (edges[number] + edges[number + 1]) // 2
    return np.where(codes & 0x80, middle, -middle).astype(np.int16)


def reference_ulaw_encode(samples: np.ndarray, ones_complement: bool = True) -> np.ndarray:
    """mu-law works on 14 bits: G.191 complements a negative sample's top 14
    bits, (-x - 1) >> 2; with ``ones_complement=False`` they are negated, -(x >> 2)."""
    wide = samples.astype(np.int64)
    positive = wide >= 0
    top_bits = wide >> 2
    magnitude = np.where(positive, top_bits, -top_bits - 1 if ones_complement else -top_bits)
    biased = np.minimum(magnitude + 33, 8191)
    number = np.searchsorted(ulaw_intervals(), biased, side="right") - 1
    return (np.where(positive, 0x80, 0) | (0x7F ^ number)).astype(np.uint8)


def reference_ulaw_decode(codes: np.ndarray) -> np.ndarray:
    edges = ulaw_intervals()
    number = 0x7F ^ (codes.astype(np.int64) & 0x7F)
    middle = ((edges[number] + edges[number + 1]) // 2 - 33) * 4
    return np.where(codes & 0x80, middle, -middle).astype(np.int16)


def test_alaw_encodes_every_sample_as_g711_defines():
    np.testing.assert_array_equal(
        g711.alaw_encode(EVERY_SAMPLE), reference_alaw_encode(EVERY_SAMPLE)
    )


def test_ulaw_encodes_every_sample_as_g711_defines():
    np.testing.assert_array_equal(
        g711.ulaw_encode(EVERY_SAMPLE), reference_ulaw_encode(EVERY_SAMPLE)
    )


def test_decoders_give_the_middle_of_each_interval():
    np.testing.assert_array_equal(g711.alaw_decode(EVERY_CODE), reference_alaw_decode(EVERY_CODE))
    np.testing.assert_array_equal(g711.ulaw_decode(EVERY_CODE), reference_ulaw_decode(EVERY_CODE))


def test_known_values_of_the_reference_code():
    # Full scale, the smallest steps, and the zero codes.
    assert g711.alaw_decode(np.array([0xAA, 0x2A, 0xD5, 0x55], np.uint8)).tolist() == [
        32256,
        -32256,
        8,
        -8,
    ]
    assert g711.ulaw_decode(np.array([0x80, 0x00, 0xFF, 0x7F], np.uint8)).tolist() == [
        32124,
        -32124,
        0,
        0,
    ]
    assert g711.alaw_encode(np.array([32767, -32768, 0, -1], np.int16)).tolist() == [
        0xAA,
        0x2A,
        0xD5,
        0x55,
    ]
    assert g711.ulaw_encode(np.array([32767, -32768, 0, -1], np.int16)).tolist() == [
        0x80,
        0x00,
        0xFF,
        0x7F,
    ]


def test_every_alaw_code_round_trips():
    np.testing.assert_array_equal(g711.alaw_encode(g711.alaw_decode(EVERY_CODE)), EVERY_CODE)


def test_every_ulaw_code_round_trips_except_negative_zero():
    # 0x7F is mu-law's negative zero: it decodes to 0, which encodes as 0xFF.
    round_trip = g711.ulaw_encode(g711.ulaw_decode(EVERY_CODE))
    changed = np.flatnonzero(round_trip != EVERY_CODE)
    assert changed.tolist() == [0x7F]
    assert round_trip[0x7F] == 0xFF


@pytest.mark.parametrize(
    ("law", "decode", "sequence"),
    [
        ("alaw", g711.alaw_decode, [0x34, 0x21, 0x21, 0x34, 0xB4, 0xA1, 0xA1, 0xB4]),
        ("ulaw", g711.ulaw_decode, [0x1E, 0x0B, 0x0B, 0x1E, 0x9E, 0x8B, 0x8B, 0x9E]),
    ],
)
def test_digital_milliwatt_is_0_dbm0(law, decode, sequence):
    level = levels.rms_dbm0(decode(np.array(sequence * 100, dtype=np.uint8)), law)
    print(f"{law} digital milliwatt: {level:+.4f} dBm0")
    assert abs(level) < 0.1


def magnitude_number(codes: np.ndarray, law: str) -> np.ndarray:
    """Position 0..127 of each code's magnitude interval, signed by its sign bit."""
    codes = codes.astype(np.int64)
    number = (codes ^ 0x55) & 0x7F if law == "alaw" else 0x7F ^ (codes & 0x7F)
    return np.where(codes & 0x80, number + 1, -number - 1)


def test_transcoding_is_within_one_code_of_decode_then_encode():
    via_linear = g711.ulaw_encode(g711.alaw_decode(EVERY_CODE))
    direct = g711.alaw_to_ulaw(EVERY_CODE)
    assert (
        np.abs(magnitude_number(direct, "ulaw") - magnitude_number(via_linear, "ulaw")).max() <= 1
    )
    via_linear = g711.alaw_encode(g711.ulaw_decode(EVERY_CODE))
    direct = g711.ulaw_to_alaw(EVERY_CODE)
    # mu-law's negative zero keeps its sign through the table; decode-encode cannot.
    keep = EVERY_CODE != 0x7F
    difference = magnitude_number(direct, "alaw") - magnitude_number(via_linear, "alaw")
    assert np.abs(difference[keep]).max() <= 1
    assert direct[0x7F] == 0x55


def test_transcoding_keeps_the_sign_and_is_monotonic():
    for table, to_law in ((g711.alaw_to_ulaw, "ulaw"), (g711.ulaw_to_alaw, "alaw")):
        from_law = "alaw" if to_law == "ulaw" else "ulaw"
        order = np.argsort(magnitude_number(EVERY_CODE, from_law), kind="stable")
        mapped = magnitude_number(table(EVERY_CODE[order]), to_law)
        assert np.all(np.diff(mapped) >= 0)
        assert np.all(np.sign(mapped) == np.sign(magnitude_number(EVERY_CODE[order], from_law)))


def test_transcoding_tables_match_spandsp(spandsp):
    _, peer = spandsp
    expected_a2u = [peer.peer_spandsp_alaw_to_ulaw(code) for code in range(256)]
    expected_u2a = [peer.peer_spandsp_ulaw_to_alaw(code) for code in range(256)]
    assert g711.alaw_to_ulaw(EVERY_CODE).tolist() == expected_a2u
    assert g711.ulaw_to_alaw(EVERY_CODE).tolist() == expected_u2a


def test_in_place_transcoding_is_not_needed_but_inputs_are_untouched():
    codes = EVERY_CODE.copy()
    g711.alaw_to_ulaw(codes)
    np.testing.assert_array_equal(codes, EVERY_CODE)


def _stdlib_audioop():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return importlib.import_module("audioop")
        except ImportError:
            return None


AUDIOOP = _stdlib_audioop()


@pytest.mark.skipif(AUDIOOP is None, reason="this Python has no audioop (removed in 3.13)")
def test_agrees_with_stdlib_audioop():
    raw = EVERY_SAMPLE.tobytes()
    np.testing.assert_array_equal(
        g711.alaw_encode(EVERY_SAMPLE), np.frombuffer(AUDIOOP.lin2alaw(raw, 2), np.uint8)
    )
    # audioop's mu-law encoder negates the top 14 bits of a negative sample
    # where G.191 complements them, so the two differ by one code at the lower
    # edge of each interval of negative input; everywhere else they agree.
    stdlib_ulaw = np.frombuffer(AUDIOOP.lin2ulaw(raw, 2), np.uint8)
    ours = g711.ulaw_encode(EVERY_SAMPLE)
    differ = ours != stdlib_ulaw
    print(f"audioop mu-law encoder differs on {differ.sum()} of 65536 inputs, all negative")
    assert np.all(EVERY_SAMPLE[differ] < 0)
    np.testing.assert_array_equal(
        stdlib_ulaw, reference_ulaw_encode(EVERY_SAMPLE, ones_complement=False)
    )
    codes = EVERY_CODE.tobytes()
    np.testing.assert_array_equal(
        g711.alaw_decode(EVERY_CODE), np.frombuffer(AUDIOOP.alaw2lin(codes, 2), np.int16)
    )
    np.testing.assert_array_equal(
        g711.ulaw_decode(EVERY_CODE), np.frombuffer(AUDIOOP.ulaw2lin(codes, 2), np.int16)
    )


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.int16, st.integers(1, 2000)))
def test_quantisation_error_stays_within_half_a_step(samples):
    wide = samples.astype(np.int64)
    alaw_error = np.abs(g711.alaw_decode(g711.alaw_encode(samples)) - wide)
    assert np.all(alaw_error <= 8 + np.abs(wide) // 32 + 1)
    ulaw_error = np.abs(g711.ulaw_decode(g711.ulaw_encode(samples)) - wide)
    # mu-law clips above 32124 + half a step; below that the bound holds.
    inside = np.abs(wide) < 32124
    assert np.all(ulaw_error[inside] <= 4 + np.abs(wide[inside]) // 16 + 4)


ALL_FUNCTIONS = [
    (g711.alaw_encode, np.int16),
    (g711.ulaw_encode, np.int16),
    (g711.alaw_decode, np.uint8),
    (g711.ulaw_decode, np.uint8),
    (g711.alaw_to_ulaw, np.uint8),
    (g711.ulaw_to_alaw, np.uint8),
]


@pytest.mark.parametrize(("function", "dtype"), ALL_FUNCTIONS)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (lambda dtype: [1, 2, 3], "must be a numpy"),
        (lambda dtype: b"\x01\x02", "must be a numpy"),
        (lambda dtype: np.zeros(4, np.float64), "must have dtype"),
        (lambda dtype: np.zeros(4, np.int32), "must have dtype"),
        (lambda dtype: np.zeros((2, 4), dtype), "one-dimensional"),
        (lambda dtype: np.zeros(0, dtype), "is empty"),
        (lambda dtype: np.zeros(8, dtype)[::2], "not contiguous"),
    ],
)
def test_bad_input_is_refused_with_a_clear_error(function, dtype, bad, message):
    with pytest.raises(DspInputError, match=message) as caught:
        function(bad(dtype))
    assert function.__name__ in str(caught.value)


@pytest.mark.parametrize(("function", "dtype"), ALL_FUNCTIONS)
def test_a_huge_buffer_is_processed_whole(function, dtype):
    big = np.full(10_000_000, 5, dtype=dtype)
    out = function(big)
    assert out.size == big.size
    assert out[0] == out[-1]


def test_read_only_input_is_accepted():
    samples = np.array([100, -100], dtype=np.int16)
    samples.flags.writeable = False
    assert g711.alaw_encode(samples).size == 2


@pytest.mark.parametrize(
    ("transcode", "size"),
    [
        (transcode, size)
        for transcode in (g711.alaw_to_ulaw, g711.ulaw_to_alaw)
        for size in (1, 160, g711._TRANSLATE_MAX, g711._TRANSLATE_MAX + 1, 100_003)
    ],
)
def test_transcoding_gives_the_same_codes_whatever_the_length_and_output(transcode, size):
    codes = np.random.default_rng(size).integers(0, 256, size, dtype=np.uint8)
    table = transcode(EVERY_CODE)
    expected = table[codes]
    made = transcode(codes)
    np.testing.assert_array_equal(made, expected)
    made[0] ^= 1  # a new array of the caller's, writeable
    out = np.zeros(size, dtype=np.uint8)
    assert transcode(codes, out) is out
    np.testing.assert_array_equal(out, expected)
    in_place = codes.copy()
    assert transcode(in_place, in_place) is in_place
    np.testing.assert_array_equal(in_place, expected)


@pytest.mark.parametrize(
    "out",
    [
        np.zeros(9, dtype=np.uint8),
        np.zeros(10, dtype=np.int16),
        np.zeros(20, dtype=np.uint8)[::2],
        np.frombuffer(bytes(10), dtype=np.uint8),
        [0] * 10,
    ],
)
def test_transcoding_into_a_wrong_out_is_refused(out):
    with pytest.raises(DspInputError, match="out"):
        g711.alaw_to_ulaw(np.zeros(10, dtype=np.uint8), out)
