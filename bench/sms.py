"""Text messages: how fast the sensitive-word filter and the PDU codec go.

``python -m bench.sms`` prints, with the seed:

- **word filter**: 10,000 Chinese words of 2 to 5 characters (from the 150 commonest
  characters, so that words share prefixes and overlap) against messages of 500
  characters with words planted in them, a symbol between each of their characters;
  the time per message of ``WordFilter.find`` (folding included) against the target
  (under 1 ms), messages and characters per second, and the time to build the filter;
- **PDUs**: a 300-character Chinese text split and encoded as SMS-SUBMITs, then decoded
  and joined; texts per second;
- **the send queue**: messages queued in SQLite and sent by the engine's ``sms`` thread
  through the fake GSM modem on a pty (``bench.peers.gsm_modem``), each part's commits
  fsynced as on the box; messages per second from the first part taken to the last. A
  real modem takes a second or more a message (the network's answer): this measures
  what the box adds, which should stay far below that.

The box checks one outgoing message at a time, before it is queued.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np

from bench.peers.gsm_modem import FakeGsmModem
from firmware.config import Sms
from firmware.engine.sms import SmsService
from firmware.sms import pdu
from firmware.sms.words import WordFilter
from firmware.store.db import Store
from firmware.store.sms import NewMessage, SmsStore

WORDS = 10_000
MESSAGE_CHARACTERS = 500
TARGET_MS = 1.0  # a message checked against the whole list

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
        for index in rng.integers(0, len(words), 5):
            chunks += (_text(rng, 60), "★".join(words[int(index)]))
        text = "".join(chunks)[:MESSAGE_CHARACTERS]
        texts.append(text + _text(rng, MESSAGE_CHARACTERS - len(text)))
    return words, texts


def run(seed: int, messages: int) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    words, texts = words_and_messages(rng, WORDS, messages)
    started = time.perf_counter()
    word_filter = WordFilter(words)
    built = time.perf_counter() - started
    started = time.perf_counter()
    matches = sum(len(word_filter.find(text)) for text in texts)
    elapsed = time.perf_counter() - started
    figures = [
        ("seed", str(seed)),
        (f"word filter: build, {WORDS:,} words", f"{built * 1000:.1f} ms"),
        (f"word filter: a {MESSAGE_CHARACTERS}-character message, {WORDS:,} words",
         f"{elapsed / messages * 1e3:.3f} ms each (target < {TARGET_MS:g} ms: "
         f"{'met' if elapsed / messages * 1e3 < TARGET_MS else 'NOT MET'}); "
         f"{messages / elapsed:,.0f} /s, {messages * MESSAGE_CHARACTERS / elapsed:,.0f} "
         f"characters/s, {matches / messages:.1f} matches each"),
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


def queue_rate(messages: int) -> tuple[str, str]:
    """``messages`` short messages through the queue, the ``sms`` thread and the fake
    modem."""
    with tempfile.TemporaryDirectory() as folder:
        fake = FakeGsmModem(Path(folder) / "ttyGSM")
        store = Store(Path(folder) / "linerec.db")
        queue = SmsStore(store)
        queue.enqueue_many([NewMessage(f"+86138{index:08d}", f"message {index}", "system")
                            for index in range(messages)], now=time.time())
        service = SmsService(store, lambda: Sms(modem=f"serial:{fake.port}",
                                                delivery_reports=False),
                             lambda: "CN", check_s=3600.0, queue_look_s=0.01)
        service.start()
        try:
            if not fake.wait_taken(1, timeout=30):
                raise RuntimeError("the fake GSM modem took nothing: see the log")
            started = time.perf_counter()
            if not fake.wait_taken(messages, timeout=60 + messages):
                raise RuntimeError(f"only {len(fake.taken)} of {messages} messages were sent")
            elapsed = time.perf_counter() - started
        finally:
            service.stop()
            fake.close()
            store.close()
    rate = (messages - 1) / elapsed
    return (f"send queue: {messages} messages through the fake GSM modem",
            f"{rate:,.0f} messages/s ({1000 / rate:.1f} ms each)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sms",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--queued", type=int, default=500,
                        help="messages sent through the fake GSM modem")
    args = parser.parse_args(argv)
    for name, value in [*run(args.seed, args.messages), queue_rate(args.queued)]:
        print(f"{name:<68} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
