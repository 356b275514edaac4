"""Input cut at random places, for the tests that a receiver's result does not
depend on how its input is split (its state carries over between calls)."""

from __future__ import annotations

from collections.abc import Iterator


def random_blocks(samples, rng, below: int) -> Iterator:
    """``samples`` (an array, or bytes) in consecutive pieces of 1 to ``below - 1``
    items each, the sizes drawn from ``rng`` as they are needed."""
    at = 0
    while at < len(samples):
        size = int(rng.integers(1, below))
        yield samples[at : at + size]
        at += size
