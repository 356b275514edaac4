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


def same_in_any_blocks(make, samples, rng, below: int = 300) -> list:
    """What a new receiver (``make()``) finds in ``samples`` fed whole, checked to be the
    same fed one sample at a time and in random blocks (``random_blocks``)."""
    whole = make().process(samples)
    by_sample = make()
    assert [e for x in range(len(samples)) for e in by_sample.process(samples[x : x + 1])] == whole
    in_blocks = make()
    assert [e for block in random_blocks(samples, rng, below) for e in in_blocks.process(block)
            ] == whole
    return whole
