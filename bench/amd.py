"""Answering-machine detection: ours against Asterisk's app_amd on the labelled corpus.

Prints both confusion matrices on the full corpus of ``bench/corpora/amd.py``
(espeak-ng greetings and answers, fax tones, silence and noise, and the
call-progress outcomes heard from the end of dialling), and times ours over
every sixth call of it. app_amd (``bench/peers/asterisk_amd.py``, written again
from its documented behaviour) starts at the answer, so it is given the true
one; it has no call progress, so BUSY, SIT and NO_ANSWER are not its job.
"""

from __future__ import annotations

import sys
import time

from bench.corpora import amd as amd_corpus
from bench.harness import OURS, Bench, run_benchmarks
from bench.peers.asterisk_amd import asterisk_amd
from firmware.tools.amd import detect_answering_machine


def run(bench: Bench) -> None:
    problem = amd_corpus.tools_missing()
    if problem:
        bench.fact("AMD corpus", f"not run: {problem}")
        return
    started = time.perf_counter()
    items = amd_corpus.build(amd_corpus.FULL)
    built = time.perf_counter() - started
    truth = [item.label for item in items]

    def ours(calls=items):
        return [
            detect_answering_machine(item.samples, item.country, answered=item.from_answer).status
            for item in calls
        ]

    def baseline():
        return [
            asterisk_amd(item.samples[0 if item.from_answer else item.answered_at or 0 :])[0]
            for item in items
        ]

    samples = sum(item.samples.size for item in items)
    ours_said, baseline_said = ours(), baseline()
    timed = items[::6]
    bench.measure(
        "AMD, whole calls",
        OURS,
        lambda: ours(timed),
        sum(item.samples.size for item in timed),
        "stops listening once decided",
    )
    print(amd_corpus.confusion_table("linerec AMD, full corpus", truth, ours_said))
    print()
    print(
        amd_corpus.confusion_table("Asterisk app_amd defaults, same corpus", truth, baseline_said)
    )
    print()
    for name, said in (("linerec", ours_said), ("Asterisk app_amd", baseline_said)):
        accuracy = amd_corpus.per_class_accuracy(truth, said)
        overall = sum(t == s for t, s in zip(truth, said, strict=True)) / len(truth)
        per_class = ", ".join(f"{label} {value:.0%}" for label, value in accuracy.items())
        bench.fact(f"AMD accuracy, {name}", f"{overall:.0%} ({per_class})")
    bench.fact(
        "AMD corpus", f"{len(items)} calls, {samples / 8000 / 60:.1f} min, built in {built:.1f} s"
    )


def main() -> int:
    return run_benchmarks([run])


if __name__ == "__main__":
    sys.exit(main())
