"""The knowledge base: answers to the questions customers ask, in a tree of categories.

``Knowledge(store)``: categories (a tree: each has a parent, a name and its order among
its siblings) and entries (a title, keywords, the body, the category, who changed it
last and when). Every read and write of the web page comes through here; the page, the
caller's card and the bench all search through ``Knowledge.search``.

Search works for Chinese and English alike with SQLite's FTS5 and its trigram
tokenizer: ``knowledge_fts`` holds each entry's title, keywords and body (the trigram
columns: any substring of 3 characters or more is found, "rout" finds "router", "路由器"
finds "无线路由器"), and the same three fields again as short grams (``*_grams``): each
run of Chinese characters written as its overlapping pairs, and each Latin word of
one or two characters, every gram between bars (``|退款|款流|流程|`` for 退款流程,
``|tv|``). A query's 2-character terms (退款, 发票, 5G) are looked for there: ``"退款|"``
is a trigram that matches exactly the gram 退款. A query of one Chinese character alone
is looked for in titles and keywords (``instr``); with other terms it is left out, as
single Latin letters are. Both kinds live in one FTS5 table, so a mixed
query (WiFi 密码, 发票 refund) is one MATCH and one bm25 ranking, weighted title >
keywords > body. The table is written in the same transaction as the entry (its grams
are made here, not by a trigger).

A query is first searched with every term required; when that finds fewer entries
than asked for, the terms are searched again as alternatives (a Chinese run of three
characters or more also by its pairs: "如何申请退款" finds 申请 and 退款), and those
entries follow. Common question words (how, what, 如何, 怎么) are left out of a query.
User text is never passed to MATCH as syntax: it is cut into terms of letters and
digits, each quoted, so quotes and FTS operators in a query are just text.

``customer_topics`` says what a customer's card asks the knowledge base about: the
products the customer ordered, the #tags of their notes, their group and level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from firmware.store.db import Store, StoreError
from firmware.store.sales import customer_products
from firmware.store.scopes import OwnerScope

TITLE_LIMIT = 200
KEYWORDS_LIMIT = 500
BODY_LIMIT = 20_000
CATEGORY_NAME_LIMIT = 60
DEPTH_LIMIT = 6  # levels of categories
QUERY_LIMIT = 200  # characters of a query looked at
TERMS_LIMIT = 12  # terms of a query looked at
ALTERNATIVES_LIMIT = 24  # terms of the second pass (a long Chinese run has many pairs)
PATH_SEPARATOR = " / "
# bm25 weights of knowledge_fts's columns: title, keywords, body, then their grams.
WEIGHTS = (10.0, 5.0, 1.0, 10.0, 5.0, 1.0)
_LONG_COLUMNS = "{title keywords body}"
_SHORT_COLUMNS = "{title_grams keywords_grams body_grams}"

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_WORD = re.compile(r"[^\W_]+")
_PIECE = re.compile(f"[{_HAN}]+|[^\\W_{_HAN}]+")
_TAG = re.compile(r"[#＃]([^\W_]+(?:[-_][^\W_]+)*)")  # #router, ＃退款 (typed in Chinese)
# Question words a query is asked with, not what it is about.
ENGLISH_STOP = frozenset((
    "a", "an", "and", "are", "as", "at", "be", "can", "do", "does", "for", "from", "how",
    "i", "in", "is", "it", "me", "my", "of", "on", "or", "our", "the", "to", "what", "when",
    "where", "which", "who", "why", "with", "you", "your"))
CHINESE_STOP = ("为什么", "请问", "如何", "怎么", "怎样", "什么", "哪里", "可以", "是否", "一下",
                "我的", "我们", "的", "了", "吗", "呢", "吧", "啊", "我", "你", "么")
_CHINESE_STOP = re.compile("|".join(CHINESE_STOP))


class KnowledgeError(StoreError, ValueError):
    """A category or entry the store refuses: the message says what and why."""


@dataclass(frozen=True)
class Category:
    id: int
    parent_id: int | None
    name: str
    position: int


@dataclass(frozen=True)
class Entry:
    id: int
    category_id: int | None
    title: str
    keywords: str
    body: str
    updated_by_name: str
    updated_at: float


Segments = tuple[tuple[str, bool], ...]  # text, and whether it is a match to highlight


@dataclass(frozen=True)
class Hit:
    """A found entry, with its title and a piece of its body as segments to highlight."""

    entry: Entry
    title: Segments
    snippet: Segments


@dataclass(frozen=True)
class Term:
    text: str  # lower case
    short: bool  # 1 or 2 characters: looked for among the grams

    def expression(self) -> str:
        if self.short:
            gram = f"{self.text}|" if _HAN_RUN.fullmatch(self.text) else f"|{self.text}|"
            return f'{_SHORT_COLUMNS}: "{_quoted(gram)}"'
        return f'{_LONG_COLUMNS}: "{_quoted(self.text)}"'


_ENTRY_COLUMNS = "id, category_id, title, keywords, body, updated_by_name, updated_at"


def _quoted(text: str) -> str:
    return text.replace('"', '""')


def grams(text: str) -> str:
    """The short grams of ``text`` (see the module's text): ``|退款|款流|流程|tv|``."""
    found: list[str] = []
    for run in _HAN_RUN.findall(text):
        found.extend(run[index:index + 2] for index in range(len(run) - 1))
    for word in _WORD.findall(_HAN_RUN.sub(" ", text)):
        if len(word) <= 2:
            found.append(word.lower())
    return "|" + "|".join(found) + "|" if found else ""


def _pieces(text: str) -> list[str]:
    """``text`` cut into runs of Chinese characters and words of other letters and digits,
    lower case, question words left out (all of them kept if nothing else is left)."""
    pieces: list[str] = []
    kept: list[str] = []
    for piece in _PIECE.findall(text[:QUERY_LIMIT].lower()):
        pieces.append(piece)
        if _HAN_RUN.fullmatch(piece):
            kept.extend(part for part in _CHINESE_STOP.split(piece) if part)
        elif piece not in ENGLISH_STOP:
            kept.append(piece)
    chosen = kept or pieces
    unique = list(dict.fromkeys(chosen))
    return unique[:TERMS_LIMIT]


def query_terms(text: str) -> list[Term]:
    """The terms a query is searched by, every one required (the first pass). Single
    characters are left out (a Chinese one is searched by itself: ``single_character``)."""
    return [Term(piece, len(piece) <= 2) for piece in _pieces(text) if len(piece) > 1]


def single_character(text: str) -> str:
    """The Chinese character a query is, when it is one character and no more."""
    pieces = _PIECE.findall(text[:QUERY_LIMIT])
    return pieces[0] if len(pieces) == 1 and len(pieces[0]) == 1 and \
        _HAN_RUN.fullmatch(pieces[0]) else ""


def alternative_terms(terms: Iterable[Term]) -> list[Term]:
    """The terms of the second pass: a Chinese run of 3 or more characters also by its
    pairs of characters, so that words written together are found apart."""
    found: dict[str, Term] = {}
    for term in terms:
        found.setdefault(term.text, term)
        if not term.short and _HAN_RUN.fullmatch(term.text):
            for index in range(len(term.text) - 1):
                pair = term.text[index:index + 2]
                found.setdefault(pair, Term(pair, True))
    return list(found.values())[:ALTERNATIVES_LIMIT]


def query_words(text: str) -> list[str]:
    """The words of a query a page highlights in what it found."""
    character = single_character(text)
    return [character] if character else [term.text for term in
                                          alternative_terms(query_terms(text))]


def marked(text: str, words: Iterable[str], width: int | None = None) -> Segments:
    """``text`` as segments with every occurrence of ``words`` marked; with ``width``,
    only about that many characters around the first occurrence (… where cut)."""
    chosen = sorted({word for word in words if word}, key=len, reverse=True)
    if not chosen:
        shown = text if width is None or len(text) <= width else text[:width] + "…"
        return ((shown, False),) if shown else ()
    pattern = re.compile("|".join(re.escape(word) for word in chosen), re.IGNORECASE)
    if width is not None:
        first = pattern.search(text)
        start = 0 if first is None else max(0, first.start() - width // 3)
        end = min(len(text), start + width)
        start = max(0, min(start, end - width))
        text = ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")
    segments: list[tuple[str, bool]] = []
    at = 0
    for match in pattern.finditer(text):
        if match.start() > at:
            segments.append((text[at:match.start()], False))
        segments.append((match.group(0), True))
        at = match.end()
    if at < len(text):
        segments.append((text[at:], False))
    return tuple(segments)


def _one_line(text: str) -> str:
    return " ".join(text.split())


class Knowledge:
    """The categories and entries of one store (see the module's text)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _read(self, sql: str, parameters: Iterable = ()) -> list[tuple]:
        return self.store.connection().execute(sql, tuple(parameters)).fetchall()

    # ---- categories -----------------------------------------------------------------

    def categories(self) -> list[Category]:
        return [Category(*row) for row in self._read(
            "SELECT id, parent_id, name, position FROM knowledge_categories "
            "ORDER BY position, name COLLATE NOCASE, id")]

    def category(self, category_id: int) -> Category | None:
        rows = self._read("SELECT id, parent_id, name, position FROM knowledge_categories "
                          "WHERE id = ?", (category_id,))
        return Category(*rows[0]) if rows else None

    def tree(self) -> list[tuple[Category, int]]:
        """Every category with its depth (0 at the top), each below its parent, siblings in
        their order."""
        children: dict[int | None, list[Category]] = {}
        for category in self.categories():
            children.setdefault(category.parent_id, []).append(category)
        shown: list[tuple[Category, int]] = []

        def walk(parent: int | None, depth: int) -> None:
            for category in children.get(parent, []):
                shown.append((category, depth))
                walk(category.id, depth + 1)

        walk(None, 0)
        return shown

    def paths(self) -> dict[int, str]:
        """Every category's path from the top, ``Network / Router``."""
        found: dict[int, str] = {}
        for category, _ in self.tree():
            parent = found.get(category.parent_id) if category.parent_id else None
            found[category.id] = f"{parent}{PATH_SEPARATOR}{category.name}" if parent \
                else category.name
        return found

    def subtree(self, category_id: int) -> list[int]:
        """The category and every category below it."""
        return [row[0] for row in self._read(
            "WITH RECURSIVE below(id) AS (SELECT ? UNION SELECT c.id FROM knowledge_categories"
            " c JOIN below ON c.parent_id = below.id) SELECT id FROM below", (category_id,))]

    def _depth(self, connection, category_id: int | None) -> int:
        depth = 0
        while category_id is not None:
            row = connection.execute("SELECT parent_id FROM knowledge_categories WHERE id = ?",
                                     (category_id,)).fetchone()
            if row is None:
                raise KnowledgeError(f"no category with id {category_id}")
            depth += 1
            category_id = row[0]
            if depth > DEPTH_LIMIT + 1:
                break
        return depth

    @staticmethod
    def _checked_name(name: str) -> str:
        name = _one_line(name)
        if not name:
            raise KnowledgeError("a category needs a name")
        if len(name) > CATEGORY_NAME_LIMIT:
            raise KnowledgeError(f"a category's name has at most {CATEGORY_NAME_LIMIT} characters")
        if "/" in name:
            raise KnowledgeError("a category's name has no /")
        return name

    @staticmethod
    def _name_free(connection, name: str, parent_id: int | None, category_id: int | None
                   ) -> None:
        row = connection.execute(
            "SELECT 1 FROM knowledge_categories WHERE parent_id IS ? AND name = ? "
            "COLLATE NOCASE AND id IS NOT ?", (parent_id, name, category_id)).fetchone()
        if row is not None:
            raise KnowledgeError(f"there is a category named {name} there already")

    def add_category(self, name: str, parent_id: int | None = None,
                     position: int | None = None) -> int:
        name = self._checked_name(name)
        with self.store.transaction() as connection:
            if self._depth(connection, parent_id) >= DEPTH_LIMIT:
                raise KnowledgeError(f"categories go at most {DEPTH_LIMIT} levels deep")
            self._name_free(connection, name, parent_id, None)
            if position is None:
                position = connection.execute(
                    "SELECT coalesce(max(position), 0) + 1 FROM knowledge_categories "
                    "WHERE parent_id IS ?", (parent_id,)).fetchone()[0]
            cursor = connection.execute(
                "INSERT INTO knowledge_categories (parent_id, name, position) VALUES (?, ?, ?)",
                (parent_id, name, position))
        return int(cursor.lastrowid)

    def update_category(self, category_id: int, name: str, parent_id: int | None,
                        position: int) -> None:
        name = self._checked_name(name)
        with self.store.transaction() as connection:
            if parent_id is not None:
                below = {row[0] for row in connection.execute(
                    "WITH RECURSIVE below(id) AS (SELECT ? UNION SELECT c.id FROM "
                    "knowledge_categories c JOIN below ON c.parent_id = below.id) "
                    "SELECT id FROM below", (category_id,))}
                if parent_id in below:
                    raise KnowledgeError("a category cannot go below itself")
                deepest = connection.execute(
                    "WITH RECURSIVE below(id, depth) AS (SELECT ?, 1 UNION SELECT c.id, "
                    "depth + 1 FROM knowledge_categories c JOIN below ON c.parent_id = below.id)"
                    " SELECT max(depth) FROM below", (category_id,)).fetchone()[0]
                if self._depth(connection, parent_id) + deepest > DEPTH_LIMIT:
                    raise KnowledgeError(f"categories go at most {DEPTH_LIMIT} levels deep")
            self._name_free(connection, name, parent_id, category_id)
            cursor = connection.execute(
                "UPDATE knowledge_categories SET name = ?, parent_id = ?, position = ? "
                "WHERE id = ?", (name, parent_id, position, category_id))
            if not cursor.rowcount:
                raise KnowledgeError(f"no category with id {category_id}")

    def category_use(self, category_id: int) -> tuple[int, int]:
        """How many categories and entries are right below the category."""
        row = self._read(
            "SELECT (SELECT count(*) FROM knowledge_categories WHERE parent_id = ?), "
            "(SELECT count(*) FROM knowledge_entries WHERE category_id = ?)",
            (category_id, category_id))[0]
        return row[0], row[1]

    def delete_category(self, category_id: int) -> None:
        """Remove an empty category (no categories or entries below it)."""
        with self.store.transaction() as connection:
            children, entries = connection.execute(
                "SELECT (SELECT count(*) FROM knowledge_categories WHERE parent_id = ?), "
                "(SELECT count(*) FROM knowledge_entries WHERE category_id = ?)",
                (category_id, category_id)).fetchone()
            if children or entries:
                raise KnowledgeError("the category is not empty: move or delete what is in it")
            connection.execute("DELETE FROM knowledge_categories WHERE id = ?", (category_id,))

    def category_of_path(self, connection, path: str) -> int | None:
        """The category at ``path`` (names separated by /), made where missing; None for
        an empty path. Within the caller's transaction."""
        names = [self._checked_name(name) for name in path.split("/") if name.strip()]
        if len(names) > DEPTH_LIMIT:
            raise KnowledgeError(f"categories go at most {DEPTH_LIMIT} levels deep")
        parent: int | None = None
        for name in names:
            row = connection.execute(
                "SELECT id FROM knowledge_categories WHERE parent_id IS ? AND name = ? "
                "COLLATE NOCASE", (parent, name)).fetchone()
            if row is None:
                position = connection.execute(
                    "SELECT coalesce(max(position), 0) + 1 FROM knowledge_categories "
                    "WHERE parent_id IS ?", (parent,)).fetchone()[0]
                row = (connection.execute(
                    "INSERT INTO knowledge_categories (parent_id, name, position) "
                    "VALUES (?, ?, ?)", (parent, name, position)).lastrowid,)
            parent = int(row[0])
        return parent

    # ---- entries --------------------------------------------------------------------

    def entry(self, entry_id: int) -> Entry | None:
        rows = self._read(f"SELECT {_ENTRY_COLUMNS} FROM knowledge_entries WHERE id = ?",
                          (entry_id,))
        return Entry(*rows[0]) if rows else None

    def _where(self, category_id: int | None) -> tuple[str, list]:
        if category_id is None:
            return "1", []
        below = self.subtree(category_id)
        return f"category_id IN ({', '.join('?' for _ in below)})", below

    def entries(self, category_id: int | None = None, *, limit: int | None = 50,
                offset: int = 0) -> list[Entry]:
        """The entries of a category and the categories below it (all: None), by title."""
        where, parameters = self._where(category_id)
        return [Entry(*row) for row in self._read(
            f"SELECT {_ENTRY_COLUMNS} FROM knowledge_entries WHERE {where} "
            "ORDER BY title COLLATE NOCASE, id LIMIT ? OFFSET ?",
            [*parameters, -1 if limit is None else limit, offset])]

    def count(self, category_id: int | None = None) -> int:
        where, parameters = self._where(category_id)
        return self._read(f"SELECT count(*) FROM knowledge_entries WHERE {where}",
                          parameters)[0][0]

    @staticmethod
    def checked(title: str, keywords: str, body: str) -> tuple[str, str, str]:
        title = _one_line(title)
        keywords = _one_line(keywords)
        body = body.replace("\r\n", "\n").strip()
        if not title:
            raise KnowledgeError("an entry needs a title")
        if len(title) > TITLE_LIMIT:
            raise KnowledgeError(f"a title has at most {TITLE_LIMIT} characters")
        if len(keywords) > KEYWORDS_LIMIT:
            raise KnowledgeError(f"the keywords have at most {KEYWORDS_LIMIT} characters")
        if len(body) > BODY_LIMIT:
            raise KnowledgeError(f"the text has {len(body)} characters: {BODY_LIMIT} at most")
        return title, keywords, body

    @staticmethod
    def _index(connection, entry_id: int, title: str, keywords: str, body: str) -> None:
        connection.execute("DELETE FROM knowledge_fts WHERE rowid = ?", (entry_id,))
        connection.execute(
            "INSERT INTO knowledge_fts (rowid, title, keywords, body, title_grams, "
            "keywords_grams, body_grams) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (entry_id, title, keywords, body, grams(title), grams(keywords), grams(body)))

    @staticmethod
    def _category_known(connection, category_id: int | None) -> None:
        if category_id is not None and connection.execute(
                "SELECT 1 FROM knowledge_categories WHERE id = ?",
                (category_id,)).fetchone() is None:
            raise KnowledgeError(f"no category with id {category_id}")

    def add(self, title: str, keywords: str, body: str, category_id: int | None, *, by: str,
            now: float) -> int:
        title, keywords, body = self.checked(title, keywords, body)
        with self.store.transaction() as connection:
            self._category_known(connection, category_id)
            cursor = connection.execute(
                "INSERT INTO knowledge_entries (category_id, title, keywords, body, "
                "updated_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (category_id, title, keywords, body, by, now))
            entry_id = int(cursor.lastrowid)
            self._index(connection, entry_id, title, keywords, body)
        return entry_id

    def add_many(self, rows: Iterable[tuple[str, str, str, str]], *, by: str, now: float
                 ) -> list[int]:
        """Add (title, category path, keywords, body) rows, categories made where missing,
        all in one transaction: the new entries' ids, in the rows' order. KnowledgeError
        (nothing added) at the first bad row, its message starting with the row's index in
        ``rows`` ("row 3: ...")."""
        added = []
        with self.store.transaction() as connection:
            for index, (typed_title, path, typed_keywords, typed_body) in enumerate(rows):
                try:
                    title, keywords, body = self.checked(typed_title, typed_keywords,
                                                         typed_body)
                    category_id = self.category_of_path(connection, path)
                except KnowledgeError as error:
                    raise KnowledgeError(f"row {index}: {error}") from None
                cursor = connection.execute(
                    "INSERT INTO knowledge_entries (category_id, title, keywords, body, "
                    "updated_by_name, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (category_id, title, keywords, body, by, now))
                self._index(connection, int(cursor.lastrowid), title, keywords, body)
                added.append(int(cursor.lastrowid))
        return added

    def update(self, entry_id: int, title: str, keywords: str, body: str,
               category_id: int | None, *, by: str, now: float) -> None:
        title, keywords, body = self.checked(title, keywords, body)
        with self.store.transaction() as connection:
            self._category_known(connection, category_id)
            cursor = connection.execute(
                "UPDATE knowledge_entries SET category_id = ?, title = ?, keywords = ?, "
                "body = ?, updated_by_name = ?, updated_at = ? WHERE id = ?",
                (category_id, title, keywords, body, by, now, entry_id))
            if not cursor.rowcount:
                raise KnowledgeError(f"no entry with id {entry_id}")
            self._index(connection, entry_id, title, keywords, body)

    def delete(self, entry_id: int) -> None:
        with self.store.transaction() as connection:
            connection.execute("DELETE FROM knowledge_entries WHERE id = ?", (entry_id,))
            connection.execute("DELETE FROM knowledge_fts WHERE rowid = ?", (entry_id,))

    # ---- search ---------------------------------------------------------------------

    def _ranked(self, expression: str, limit: int, category_id: int | None,
                leave_out: list[int]) -> list[int]:
        conditions = ["knowledge_fts MATCH ?"]
        parameters: list = [expression]
        if category_id is not None:
            below = self.subtree(category_id)
            conditions.append("rowid IN (SELECT id FROM knowledge_entries WHERE category_id "
                              f"IN ({', '.join('?' for _ in below)}))")
            parameters.extend(below)
        if leave_out:
            conditions.append(f"rowid NOT IN ({', '.join('?' for _ in leave_out)})")
            parameters.extend(leave_out)
        weights = ", ".join(str(weight) for weight in WEIGHTS)
        return [row[0] for row in self._read(
            f"SELECT rowid FROM knowledge_fts WHERE {' AND '.join(conditions)} "
            f"ORDER BY bm25(knowledge_fts, {weights}) LIMIT ?", [*parameters, limit])]

    def search(self, text: str, *, limit: int = 20, category_id: int | None = None,
               snippet_width: int = 120) -> list[Hit]:
        """The entries ``text`` is about, the most relevant first (see the module's text)."""
        terms = query_terms(text)
        if not terms:
            character = single_character(text)
            return self._titled(character, limit, category_id) if character else []
        found = self._ranked(" AND ".join(term.expression() for term in terms), limit,
                             category_id, [])
        alternatives = alternative_terms(terms)
        if len(found) < limit and (len(terms) > 1 or len(alternatives) > len(terms)):
            found += self._ranked(" OR ".join(term.expression() for term in alternatives),
                                  limit - len(found), category_id, found)
        return self._hits(found, query_words(text), snippet_width)

    def _titled(self, character: str, limit: int, category_id: int | None) -> list[Hit]:
        """Entries with ``character`` in their title or keywords, those with it in the
        title first (a single character has no trigram to search by)."""
        where, parameters = self._where(category_id)
        ids = [row[0] for row in self._read(
            f"SELECT id FROM knowledge_entries WHERE {where} AND (instr(title, ?) OR "
            "instr(keywords, ?)) ORDER BY instr(title, ?) = 0, length(title), id LIMIT ?",
            [*parameters, character, character, character, limit])]
        return self._hits(ids, [character], 120)

    def answers(self, topics: Iterable[str], limit: int = 3, snippet_width: int = 80
                ) -> list[Hit]:
        """The entries about any of ``topics`` (a customer's, ``customer_topics``), the most
        relevant first."""
        terms: dict[str, Term] = {}
        for topic in topics:
            for term in query_terms(topic):
                terms.setdefault(term.text, term)
        if not terms:
            return []
        found = self._ranked(" OR ".join(term.expression() for term in terms.values()),
                             limit, None, [])
        return self._hits(found, list(terms), snippet_width)

    def _hits(self, ids: list[int], words: list[str], width: int) -> list[Hit]:
        if not ids:
            return []
        rows = self._read(f"SELECT {_ENTRY_COLUMNS} FROM knowledge_entries WHERE id IN "
                          f"({', '.join('?' for _ in ids)})", ids)
        entries = {row[0]: Entry(*row) for row in rows}
        return [Hit(entries[entry_id], marked(entries[entry_id].title, words),
                    marked(_one_line(entries[entry_id].body), words, width))
                for entry_id in ids if entry_id in entries]


def customer_topics(store: Store, customer_id: int, scope: OwnerScope | None = None
                    ) -> list[str]:
    """What the customer's card asks the knowledge base about: the products the customer
    ordered (most ordered first), the #tags of their notes (#router → router, ＃退款 →
    退款), their group (category) and level (grade), in that order, each once. Nothing for
    a customer ``scope`` does not see (None: any customer)."""
    condition, parameters = ("1", []) if scope is None else scope.condition("added_by")
    row = store.connection().execute(
        f"SELECT category, grade, notes FROM customers WHERE id = ? AND {condition}",
        (customer_id, *parameters)).fetchone()
    if row is None:
        return []
    category, grade, notes = row
    topics = [*customer_products(store, customer_id), *_TAG.findall(notes or ""),
              category.strip(), grade.strip()]
    return list(dict.fromkeys(topic for topic in topics if topic))
