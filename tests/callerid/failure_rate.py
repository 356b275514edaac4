"""Caller-ID FSK failure rate over many trials of the harness (the figures in docs/callerid.md).

    .venv/bin/python -m tests.callerid.failure_rate STANDARD TRIALS SNR_DB SEED

Each trial is the noise requirement's (``harness.trial_audio`` at -20 dBm0),
drawn from one generator seeded with SEED, so a run is repeatable and the
trials it lists as lost can be replayed one by one.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tests.callerid.harness import ours_decodes, random_message, trial_audio

LEVEL_DBM0 = -20.0


def lost_trials(standard: str, trials: int, snr_db: float, seed: int) -> list[int]:
    """The indices of the trials whose message did not come out whole with a good checksum."""
    rng = np.random.default_rng(seed)
    lost = []
    for index in range(trials):
        message = random_message(rng)
        audio = trial_audio(rng, message, standard, LEVEL_DBM0, snr_db)
        if not ours_decodes(audio, message, standard):
            lost.append(index)
    return lost


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("standard", choices=["bell202", "v23"])
    parser.add_argument("trials", type=int)
    parser.add_argument("snr_db", type=float)
    parser.add_argument("seed", type=int)
    args = parser.parse_args(argv)
    began = time.monotonic()
    lost = lost_trials(args.standard, args.trials, args.snr_db, args.seed)
    print(
        f"{args.standard} {args.snr_db:g} dB seed {args.seed}: "
        f"{args.trials - len(lost)}/{args.trials} decoded, {len(lost)} lost "
        f"({time.monotonic() - began:.0f} s); lost trials: {lost[:50]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
