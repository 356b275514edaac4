"""Keys heard through the box's own prompts, and no digit from their echo: the short forms of
``python -m bench.acts`` (the figures against their targets are the bench's)."""

from __future__ import annotations

import pytest

from bench.acts import keys_during_prompts, speech_prompts

SEED = 31


@pytest.fixture(scope="module")
def prompts():
    audio, what = speech_prompts()
    print(f"prompts: {what}")
    return audio


def test_keys_pressed_during_prompts_through_hybrids_are_heard(tmp_path, prompts):
    print(f"seed {SEED}")
    result = keys_during_prompts(tmp_path, prompts, presses=50, seed=SEED)
    assert result.presses == 50
    assert result.heard >= 49, result.missed
    assert result.false == 0


def test_prompts_with_nobody_pressing_give_no_digit(tmp_path, prompts):
    print(f"seed {SEED + 1}")
    result = keys_during_prompts(tmp_path, prompts, presses=0, seed=SEED + 1, seconds=180)
    assert result.seconds >= 180 and result.false == 0


@pytest.mark.slow
def test_an_hour_of_prompts_gives_no_digit(tmp_path, prompts):
    print(f"seed {SEED + 2}")
    result = keys_during_prompts(tmp_path, prompts, presses=0, seed=SEED + 2, seconds=3600)
    assert result.false == 0


@pytest.mark.slow
def test_a_thousand_keys_during_prompts_are_heard_99_percent(tmp_path, prompts):
    print(f"seed {SEED + 3}")
    result = keys_during_prompts(tmp_path, prompts, presses=1000, seed=SEED + 3)
    assert result.heard >= 0.99 * result.presses and result.false == 0, result.missed
