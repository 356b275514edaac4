"""The sensitive words outgoing text messages are checked against, in the SQLite store.

One list, kept whole (one word a line) with a version that grows with each change: a
sender (``firmware.sms.outbox``) reads the version, a single row, before each check
and builds its matcher again only when it changed. A box whose admin never saved a
list checks against ``SEED_WORDS``, the words a telemarketing office is told never to
send (version 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.store.db import Store, StoreError

MAX_WORDS = 10_000
WORD_LIMIT = 50  # characters of one word

# What the telemarketing manual lists as never to be sent: invoices sold, loans and
# cash-outs, gambling, forged papers, fake prizes. The admin changes the list freely.
SEED_WORDS = (
    "代开发票",
    "发票代开",
    "增值税发票",
    "无抵押贷款",
    "小额贷款",
    "信用卡套现",
    "套现",
    "刷单",
    "博彩",
    "赌博",
    "六合彩",
    "办证",
    "代办证件",
    "中奖",
    "免费领取",
    "稳赚不赔",
    "guaranteed profit",
    "casino",
)


class WordListError(StoreError, ValueError):
    """A word list the store refuses (too many words, a word too long)."""


@dataclass(frozen=True)
class Words:
    words: tuple[str, ...]
    version: int  # 0: the seed list, never saved
    updated_by_name: str = ""
    updated_at: float | None = None


def clean(words: list[str]) -> list[str]:
    """The words as kept: trimmed, blanks and repeats left out, in their order."""
    return list(dict.fromkeys(word.strip() for word in words if word.strip()))


class WordList:
    """The sensitive words of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def version(self) -> int:
        row = self.store.connection().execute(
            "SELECT version FROM sms_word_list WHERE id = 1").fetchone()
        return row[0] if row else 0

    def current(self) -> Words:
        row = self.store.connection().execute(
            "SELECT words, version, updated_by_name, updated_at FROM sms_word_list WHERE id = 1"
        ).fetchone()
        if row is None:
            return Words(SEED_WORDS, 0)
        words, version, by, at = row
        return Words(tuple(word for word in words.split("\n") if word), version, by, at)

    def save(self, words: list[str], *, by: str, now: float) -> Words:
        kept = clean(words)
        if len(kept) > MAX_WORDS:
            raise WordListError(f"{len(kept)} words: {MAX_WORDS} at most")
        long = [word for word in kept if len(word) > WORD_LIMIT or "\n" in word]
        if long:
            raise WordListError(f"{long[0][:WORD_LIMIT]}… is longer than {WORD_LIMIT} characters")
        with self.store.transaction() as connection:
            row = connection.execute("SELECT version FROM sms_word_list WHERE id = 1").fetchone()
            version = (row[0] if row else 0) + 1
            connection.execute(
                "INSERT OR REPLACE INTO sms_word_list (id, words, version, updated_by_name, "
                "updated_at) VALUES (1, ?, ?, ?, ?)", ("\n".join(kept), version, by, now))
        return Words(tuple(kept), version, by, now)
