"""The one way a message gets into the send queue: checked for sensitive words first.

Every outgoing message, typed, from a template or sent by the box itself, goes through
``Outbox.send``, which looks for the admin's sensitive words (``firmware.store.
sms_words``) in each text and, as ``device.sms.word_filter`` says:

- ``block``: refuses the whole send (``BlockedError``, naming the words found) and
  queues nothing; for the box's own messages (``refused="fail"``) each message with a
  word is kept ``failed`` instead, its error naming the words, the others queued;
- ``hold``: queues each message with a word ``held``, its ``hold_reason`` naming the
  words (``WORDS_REASON``), until a leader or an admin releases or rejects it.

The matcher (``firmware.sms.words``, an Aho-Corasick automaton) is built once per
version of the list: each check reads the list's version, one row, and builds it again
only when the admin changed the list. The automaton's module is imported at the first
check that has words to look for.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from firmware.store.db import Store
from firmware.store.sms import NewMessage, SmsError, SmsStore
from firmware.store.sms_words import WordList

if TYPE_CHECKING:
    from firmware.sms.words import WordFilter

WORDS_REASON = "sensitive words: "  # a held message's reason: this, then the words
BLOCKED_ERROR = "not sent, sensitive words: "  # a refused automatic message's error
MODES = ("block", "hold")


class BlockedError(SmsError):
    """A send refused for its sensitive words (``words``: those found, once each)."""

    def __init__(self, words: Sequence[str]) -> None:
        super().__init__(f"the message holds the sensitive words {', '.join(words)}: "
                         "it was not sent")
        self.words = tuple(words)


@dataclass(frozen=True)
class Sent:
    ids: tuple[int | None, ...]  # each message's id, in order (None: its occasion was sent)
    held: tuple[int, ...]  # those held for their words
    failed: tuple[int, ...] = ()  # those refused for their words (``refused="fail"``)

    @property
    def queued(self) -> int:
        return sum(1 for message_id in self.ids if message_id is not None)


def reason_words(reason: str | None) -> list[str]:
    """The words a held message's reason (or a refused one's error) names; [] for another
    reason."""
    for prefix in (WORDS_REASON, BLOCKED_ERROR):
        if reason and reason.startswith(prefix):
            return [word for word in reason.removeprefix(prefix).split(", ") if word]
    return []


class Outbox:
    """The send queue behind the word check (see the module's text); one per process is
    enough, and it may be shared between threads."""

    def __init__(self, store: Store) -> None:
        self.queue = SmsStore(store)
        self.word_list = WordList(store)
        self._lock = threading.Lock()
        self._filter: tuple[int, WordFilter | None] | None = None

    def matcher(self) -> WordFilter | None:
        """The matcher of the list as it is now (None: no words), built when it changed."""
        version = self.word_list.version()
        with self._lock:
            if self._filter is None or self._filter[0] != version:
                current = self.word_list.current()
                built = None
                if current.words:
                    from firmware.sms.words import WordFilter  # noqa: PLC0415 - see the module

                    built = WordFilter(current.words)
                self._filter = (current.version, built)
            return self._filter[1]

    def words_in(self, text: str) -> list[str]:
        """The sensitive words the text holds, once each, in the order they occur."""
        matcher = self.matcher()
        if matcher is None:
            return []
        return list(dict.fromkeys(match.word for match in matcher.find(text)))

    def send(
        self,
        messages: Sequence[NewMessage],
        *,
        mode: str,
        now: float,
        refused: str = "raise",
    ) -> Sent:
        """Queue ``messages`` in one transaction after the word check (``mode`` block or
        hold; ``refused`` "raise" or "fail": see the module's text)."""
        if mode not in MODES:
            raise ValueError(f"word filter {mode!r} is not one of {', '.join(MODES)}")
        found = [self.words_in(message.text) for message in messages]
        if mode == "block" and refused == "raise" and any(found):
            raise BlockedError(list(dict.fromkeys(word for words in found for word in words)))
        checked = [
            replace(message, hold_reason=WORDS_REASON + ", ".join(words)) if words else message
            for message, words in zip(messages, found, strict=True)
        ]
        ids = self.queue.enqueue_many(checked, now=now)
        held = tuple(message_id for message_id, words in zip(ids, found, strict=True)
                     if message_id is not None and words)
        if mode == "hold":
            return Sent(tuple(ids), held)
        for message_id, words in zip(ids, found, strict=True):
            if message_id is not None and words:
                self.queue.cancel(message_id, BLOCKED_ERROR + ", ".join(words), now=now)
        return Sent(tuple(ids), (), held)
