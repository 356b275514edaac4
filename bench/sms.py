"""Text messages: how fast the sensitive-word filter and the PDU codec go.

``python -m bench.sms`` prints, with the seed:

- **word filter**: 5,000 Chinese words of 2 to 5 characters (from the 150 commonest
  characters, so that words share prefixes and overlap) against messages of 1,000
  characters with words planted in them, a symbol between each of their characters;
  messages and characters per second of ``WordFilter.find`` (folding included), and the
  time to build the filter;
- **PDUs**: a 300-character Chinese text split and encoded as SMS-SUBMITs, then decoded
  and joined; texts per second.

The box checks one outgoing message at a time; at 1,000 characters a message this
should leave the filter's time well under a millisecond or two on the Pi.
"""

from __future__ import annotations

import argparse
import time
from datetime import timedelta

import numpy as np

from firmware.sms import pdu
from firmware.sms.words import WordFilter

POOL = ("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也"
        "能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物"
        "现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相")


def _text(rng: np.random.Generator, length: int) -> str:
    return "".join(POOL[int(index)] for index in rng.integers(0, len(POOL), length))


def words_and_messages(rng: np.random.Generator, count: int,
                       messages: int) -> tuple[list[str], list[str]]:
    words = sorted({_text(rng, int(size)) for size in rng.integers(2, 6, count * 2)})
    words = [words[int(index)] for index in rng.permutation(len(words))[:count]]
    texts = []
    for _ in range(messages):
        chunks = []
        for index in rng.integers(0, len(words), 10):
            chunks += (_text(rng, 60), "★".join(words[int(index)]))
        text = "".join(chunks)[:1000]
        texts.append(text + _text(rng, 1000 - len(text)))
    return words, texts


def run(seed: int, messages: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    words, texts = words_and_messages(rng, 5000, messages)
    started = time.perf_counter()
    word_filter = WordFilter(words)
    built = time.perf_counter() - started
    started = time.perf_counter()
    matches = sum(len(word_filter.find(text)) for text in texts)
    elapsed = time.perf_counter() - started
    figures = [
        ("seed", str(seed)),
        ("word filter: build, 5,000 words", f"{built * 1000:.1f} ms"),
        ("word filter: 1,000-character messages", f"{messages / elapsed:,.0f} /s "
         f"({messages * 1000 / elapsed:,.0f} characters/s, {elapsed / messages * 1e3:.2f} "
         f"ms each, {matches / messages:.1f} matches each)"),
    ]
    long_text = _text(rng, 300)
    rounds = max(1, messages // 2)
    started = time.perf_counter()
    for _ in range(rounds):
        hexes = [pdu.encode(submit).hex for submit in pdu.submits(
            "+8613800138000", long_text, validity=timedelta(days=1), status_report=True)]
        assert pdu.join(pdu.decode(hex_).user_data for hex_ in hexes) == long_text
    elapsed = time.perf_counter() - started
    figures.append(("PDUs: 300 Chinese characters (5 parts) encoded, decoded, joined",
                    f"{rounds / elapsed:,.0f} texts/s"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sms",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--messages", type=int, default=400)
    args = parser.parse_args(argv)
    for name, value in run(args.seed, args.messages):
        print(f"{name:<68} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
