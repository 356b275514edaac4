"""The echo canceller's contract: state, arguments, block sizes, and bad input.

The figures against G.168 echo paths and speexdsp are in test_echo_lines.py;
here a simple synthetic hybrid (a decaying, band-limited response behind a
bulk delay) is enough to see that the canceller cancels.
"""

from __future__ import annotations

import numpy as np
import pytest

from dsp_ext.echo import TAILS_MS, EchoCanceller, EchoStatus
from dsp_ext.errors import DspInputError


def hybrid(far: np.ndarray, delay: int = 40, erl_db: float = 8.0) -> np.ndarray:
    """A made-up hybrid: 12 ms of decaying oscillation behind ``delay`` samples."""
    n = np.arange(96)
    response = np.exp(-n / 20) * np.cos(2 * np.pi * 0.11 * n) - 0.5 * np.exp(-n / 5)
    echo = np.convolve(far.astype(np.float64), response)[: far.size]
    echo = np.concatenate([np.zeros(delay), echo])[: far.size]
    echo *= np.sqrt(np.mean(far.astype(np.float64) ** 2) / max(np.mean(echo**2), 1e-9))
    return echo * 10 ** (-erl_db / 20)


def noise_far(rng, seconds: float, rms: float = 3000.0) -> np.ndarray:
    return np.clip(rng.normal(0, rms, int(seconds * 8000)), -32768, 32767).astype(np.int16)


def erle_db(near: np.ndarray, out: np.ndarray) -> float:
    near = near.astype(np.float64)
    out = out.astype(np.float64)
    return float(10 * np.log10(np.sum(near**2) / max(np.sum(out**2), 1.0)))


def test_it_cancels_a_simple_hybrid(rng):
    far = noise_far(rng, 3.0)
    near = np.round(hybrid(far)).astype(np.int16)
    canceller = EchoCanceller()
    out = canceller.process(far, near)
    assert out.dtype == np.int16
    assert out.shape == near.shape
    assert erle_db(near[16000:], out[16000:]) > 40
    status = canceller.status
    assert isinstance(status, EchoStatus)
    assert status.converged
    assert status.erle_db > 30
    assert status.samples == far.size
    assert not status.double_talk


@pytest.mark.parametrize("tail_ms", TAILS_MS)
def test_every_tail_covers_its_length(tail_ms, rng):
    """An echo whose response ends just inside the tail is cancelled; the
    96-tap response sits behind the longest bulk delay the tail allows."""
    far = noise_far(rng, 4.0)
    delay = tail_ms * 8 - 96
    near = np.round(hybrid(far, delay=delay)).astype(np.int16)
    out = EchoCanceller(tail_ms).process(far, near)
    assert erle_db(near[-8000:], out[-8000:]) > 30


def test_an_echo_beyond_the_tail_is_not_cancelled(rng):
    far = noise_far(rng, 3.0)
    near = np.round(hybrid(far, delay=600)).astype(np.int16)  # 75 ms
    out = EchoCanceller(32).process(far, near)
    assert erle_db(near[-8000:], out[-8000:]) < 3


@pytest.mark.parametrize("tail_ms", [0, 16, 31, 63, 65, 100, 256, -64, 64.0, "64", True, None])
def test_only_the_three_tails_are_taken(tail_ms):
    with pytest.raises(DspInputError, match="tail_ms must be one of 32, 64, 128"):
        EchoCanceller(tail_ms)


@pytest.mark.parametrize("nlp", [1, 0, "yes", None])
def test_nlp_is_a_bool(nlp):
    with pytest.raises(DspInputError, match="nlp must be True or False"):
        EchoCanceller(nlp=nlp)


def test_properties_say_what_was_asked():
    canceller = EchoCanceller(128, nlp=True)
    assert canceller.tail_ms == 128
    assert canceller.nlp is True
    assert EchoCanceller().tail_ms == 64
    assert EchoCanceller().nlp is False


def test_any_block_sizes_give_the_output_of_one_call(rng):
    """The engine hands 20 ms frames, the CLI whole files, a test odd sizes:
    the output is the same but for rounding (a unit, on a few samples)."""
    far = noise_far(rng, 2.0)
    near = np.round(hybrid(far) + rng.normal(0, 30, far.size)).astype(np.int16)
    whole = EchoCanceller().process(far, near)
    canceller = EchoCanceller()
    pieces = []
    at = 0
    while at < far.size:
        size = int(rng.choice([1, 2, 3, 63, 64, 65, 127, 160, 333]))
        pieces.append(canceller.process(far[at : at + size], near[at : at + size]))
        at += size
    cut = np.concatenate(pieces)
    difference = np.abs(whole.astype(int) - cut)
    assert difference.max() <= 1
    assert np.count_nonzero(difference) < far.size // 1000


def test_reset_starts_the_line_again(rng):
    far = noise_far(rng, 1.5)
    near = np.round(hybrid(far)).astype(np.int16)
    other_far = noise_far(rng, 1.0)
    other_near = np.round(hybrid(other_far, delay=100, erl_db=6)).astype(np.int16)
    canceller = EchoCanceller()
    canceller.process(far, near)
    canceller.reset()
    assert canceller.status.samples == 0
    assert not canceller.status.converged
    np.testing.assert_array_equal(
        canceller.process(other_far, other_near), EchoCanceller().process(other_far, other_near)
    )


def test_out_may_be_written_over_nothing_it_is_given(rng):
    far = noise_far(rng, 0.5)
    near = np.round(hybrid(far)).astype(np.int16)
    far_copy, near_copy = far.copy(), near.copy()
    EchoCanceller().process(far, near)
    np.testing.assert_array_equal(far, far_copy)
    np.testing.assert_array_equal(near, near_copy)


@pytest.mark.parametrize(
    ("far", "near", "message"),
    [
        (np.zeros(160), np.zeros(160, np.int16), "far must have dtype int16"),
        (np.zeros(160, np.int16), np.zeros(160, np.int32), "near must have dtype int16"),
        ([0] * 160, np.zeros(160, np.int16), "far must be a numpy int16 array"),
        (np.zeros((2, 80), np.int16), np.zeros(160, np.int16), "one-dimensional"),
        (np.zeros(0, np.int16), np.zeros(0, np.int16), "empty"),
        (np.zeros(320, np.int16)[::2], np.zeros(160, np.int16), "not contiguous"),
        (np.zeros(160, np.int16), np.zeros(161, np.int16), "far has 160 samples and near 161"),
    ],
)
def test_bad_buffers_are_refused_with_the_reason(far, near, message):
    with pytest.raises(DspInputError, match=message):
        EchoCanceller().process(far, near)


def test_silent_far_end_passes_the_near_end(rng):
    """With nothing sent there is no echo: the near end comes through (high-passed
    at 150 Hz, which a line's 300 Hz band edge hides)."""
    near_band = np.fft.irfft(
        np.fft.rfft(rng.normal(0, 2000, 16000))
        * ((np.fft.rfftfreq(16000, 1 / 8000) > 300) & (np.fft.rfftfreq(16000, 1 / 8000) < 3400)),
        16000,
    )
    near = np.round(near_band).astype(np.int16)
    out = EchoCanceller().process(np.zeros(near.size, np.int16), near)
    level_change = 10 * np.log10(np.sum(out.astype(float) ** 2) / np.sum(near.astype(float) ** 2))
    assert abs(level_change) < 0.5


def torture_signals(rng, n: int) -> list[tuple[str, np.ndarray, np.ndarray]]:
    full = np.where(np.arange(n) % 40 < 20, 32767, -32768).astype(np.int16)
    noise = rng.integers(-32768, 32768, n, dtype=np.int16)
    impulses = np.zeros(n, np.int16)
    impulses[rng.integers(0, n, 50)] = 32767
    return [
        ("full-scale square both ways", full, full),
        (
            "random full-scale noise both ways",
            noise,
            rng.integers(-32768, 32768, n, dtype=np.int16),
        ),
        (
            "near is the far end inverted",
            noise,
            (-noise.astype(np.int32)).clip(-32768, 32767).astype(np.int16),
        ),
        ("impulses far, noise near", impulses, noise),
        ("silent far, full-scale near", np.zeros(n, np.int16), full),
        ("full-scale far, silent near", full, np.zeros(n, np.int16)),
        ("DC far, DC near", np.full(n, 20000, np.int16), np.full(n, -20000, np.int16)),
    ]


def test_extreme_input_gives_bounded_output_and_the_canceller_recovers(rng):
    """Garbage in for 3 s (clipping, full-scale noise, DC, impulses): the output
    stays int16 and never much louder than the near end; then a normal line is
    cancelled again as if nothing had happened."""
    canceller = EchoCanceller()
    for name, far, near in torture_signals(rng, 3000):
        sizes = rng.integers(1, 400, 40)
        at = 0
        for size in sizes:
            out = canceller.process(far[at : at + size], near[at : at + size])
            assert out.dtype == np.int16, name
            at += int(size)
            if at >= far.size:
                break
        whole = canceller.process(far, near)
        near_energy = np.sum(near.astype(float) ** 2)
        out_energy = np.sum(whole.astype(float) ** 2)
        assert out_energy <= 2.0 * near_energy + 1e3 * near.size, name
    far = noise_far(rng, 4.0)
    near = np.round(hybrid(far)).astype(np.int16)
    out = canceller.process(far, near)
    assert erle_db(near[-8000:], out[-8000:]) > 30


def test_random_streams_never_break_it(rng):
    """Fuzz: random levels, lengths and relations of far and near, in random
    block sizes, for one canceller; every call gives int16 of the right length."""
    canceller = EchoCanceller(int(rng.choice(TAILS_MS)), nlp=bool(rng.integers(0, 2)))
    for _ in range(60):
        n = int(rng.integers(1, 2000))
        far = np.clip(rng.normal(0, 10 ** rng.uniform(0, 4.5), n), -32768, 32767).astype(np.int16)
        kind = rng.integers(0, 3)
        if kind == 0:
            near = np.clip(far * rng.uniform(-2, 2), -32768, 32767).astype(np.int16)
        elif kind == 1:
            near = rng.integers(-32768, 32768, n, dtype=np.int16)
        else:
            near = np.round(hybrid(far, delay=int(rng.integers(0, 300)))).astype(np.int16)
        out = canceller.process(far, near)
        assert out.dtype == np.int16 and out.size == n
    assert canceller.status.samples > 0
