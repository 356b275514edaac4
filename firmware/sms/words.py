"""The sensitive-word filter on outgoing messages: the words the admin keeps, found in a text.

``WordFilter(words).find(text)`` gives every place a word occurs (``Match``: the admin's
word, and ``start``/``end`` in the original text), overlapping ones included, in one
pass of an Aho-Corasick automaton (pyahocorasick) over the text however many words
there are.

Both the words and the text are folded the same way first (``fold``), so a match holds
through what senders do to slip a word past a filter:

- full-width and half-width forms, compatibility characters: NFKC (``ＡＢＣ`` is
  ``abc``, ``㈱`` is ``(株)``), an accent typed as a combining mark composed with its
  letter;
- case: folded (``FREE``, ``Free``, ``ｆｒｅｅ`` are ``free``);
- spaces, punctuation, symbols, control and format characters (zero-width spaces) and
  leftover combining marks between the characters are dropped: ``代★开☆发☆票`` and
  ``代 开 发 票`` are ``代开发票``.

A match maps back to the span of the original text it was found in, the inserted
symbols inside it included. A word that starts or ends with a Latin letter or digit
matches only where the text has no letter or digit of its own just before or after it
(``free`` is not found in ``carefree``); Chinese words match anywhere. A word that folds
to nothing (only symbols) cannot match and is listed in ``WordFilter.ignored``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

import ahocorasick


@dataclass(frozen=True)
class Match:
    word: str  # the word as the admin keeps it
    start: int  # its span in the original text
    end: int


@dataclass(frozen=True)
class Folded:
    """A text folded for matching, and where each of its characters came from."""

    text: str
    starts: tuple[int, ...]  # for each folded character, its original span
    ends: tuple[int, ...]


def _dropped(char: str) -> bool:
    return unicodedata.category(char)[0] in "PSZCM"


def _fold_cluster(cluster: str) -> str:
    """A character (and its marks) folded, what is dropped gone: often nothing."""
    if cluster.isascii():
        folded = cluster.lower()
    else:
        folded = unicodedata.normalize(
            "NFKC", unicodedata.normalize("NFKC", cluster).casefold())
    return "".join(char for char in folded
                   if (char.isalnum() if char.isascii() else not _dropped(char)))


_FOLDED: dict[str, tuple[str, bool]] = {}  # a character: its fold, and if it is a mark


def _fold_char(char: str) -> tuple[str, bool]:
    known = _FOLDED.get(char)
    if known is None:
        if len(_FOLDED) > 65536:
            _FOLDED.clear()
        known = _FOLDED[char] = (_fold_cluster(char), bool(unicodedata.combining(char)))
    return known


def fold(text: str) -> Folded:
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    cluster = cluster_out = 0  # where the current character began, in text and in chars
    for index, char in enumerate(text):
        folded, mark = _FOLDED.get(char) or _fold_char(char)
        if mark and index:  # folded again with the character it belongs to
            del chars[cluster_out:], starts[cluster_out:], ends[cluster_out:]
            folded = _fold_cluster(text[cluster:index + 1])
        else:
            cluster, cluster_out = index, len(chars)
        for folded_char in folded:
            chars.append(folded_char)
            starts.append(cluster)
            ends.append(index + 1)
    return Folded("".join(chars), tuple(starts), tuple(ends))


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


class WordFilter:
    """The admin's words, ready to be found in any number of texts."""

    def __init__(self, words: Iterable[str], *, whole_latin_words: bool = True) -> None:
        self.words: tuple[str, ...] = tuple(dict.fromkeys(word.strip() for word in words
                                                          if word.strip()))
        self.whole_latin_words = whole_latin_words
        by_key: dict[str, list[str]] = {}
        ignored = []
        for word in self.words:
            key = fold(word).text
            if key:
                by_key.setdefault(key, []).append(word)
            else:
                ignored.append(word)
        self.ignored: tuple[str, ...] = tuple(ignored)
        self._automaton = ahocorasick.Automaton()
        for key, originals in by_key.items():
            self._automaton.add_word(key, (len(key), _latin(key[0]), _latin(key[-1]),
                                           tuple(originals)))
        self._ready = bool(by_key)
        if self._ready:
            self._automaton.make_automaton()

    def __len__(self) -> int:
        return len(self.words)

    def find(self, text: str) -> list[Match]:
        """Every occurrence of every word, by position in the text."""
        if not self._ready or not text:
            return []
        folded = fold(text)
        found = []
        for last, (length, latin_start, latin_end, originals) in self._automaton.iter(
                folded.text):
            first = last - length + 1
            start, end = folded.starts[first], folded.ends[last]
            if self.whole_latin_words and (
                    (latin_start and self._latin_at(text, start - 1))
                    or (latin_end and self._latin_at(text, end))):
                continue
            found += (Match(word, start, end) for word in originals)
        return sorted(found, key=lambda match: (match.start, match.end, match.word))

    def __contains__(self, text: str) -> bool:
        return bool(self.find(text))

    @staticmethod
    def _latin_at(text: str, index: int) -> bool:
        if not 0 <= index < len(text):
            return False
        return any(_latin(char) for char in fold(text[index]).text)
