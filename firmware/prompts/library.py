"""The prompt library: each prompt's sound in the data folder, its facts in the database.

A prompt is a 16-bit 8 kHz mono WAV in ``prompts/`` named by a random token
(``<token>.wav``) and a row of the table ``prompts`` that names the file. A file is
never changed: adding or replacing a prompt writes a new file (a temporary file beside
it, fsynced, renamed, the folder fsynced), then points the row at it in one transaction
that also writes the audit entry, and only then removes the file it replaced. A crash
therefore leaves the old prompt or the new one, and at most a file nothing points at,
which ``tidy`` removes once it is an hour old (never sooner: another process may be
about to commit it).

The box's own prompts have a ``key`` (``DEFAULTS``): ``ensure_defaults`` speaks each one
that is missing in the box's language, once; the admin may replace and rename them but
not delete them, since the voice features find them by key (``by_key``). A prompt that a
setting uses is not deleted either: the features register a check (``register_use``,
or ``in_use`` given to ``delete``) that says what uses a prompt, and ``delete`` refuses
with that in its message.

The library is safe to use from several threads and processes (the engine plays, the
web edits): the database is the one truth, and files are only ever added before their
row and removed after it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import secrets
import sqlite3
import threading
import time
import wave
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from audio_format import SAMPLE_RATE
from firmware.datafolder import DataFolder
from firmware.prompts import errors
from firmware.prompts.errors import PromptError, PromptNotFoundError, shown_name
from firmware.store.audit import BOX_ACTOR, AuditLog, structured_detail
from firmware.store.db import Store
from firmware.store.files import fsync_directory, make_folders, write_atomically
from firmware.store.wavformat import wav_header

log = logging.getLogger(__name__)

MAX_NAME = 80
ORPHAN_AGE_S = 3600  # a file no row names is removed once this old
CACHE_SAMPLES = 8 * 1024 * 1024  # the sounds kept in memory by pcm(): 16 MB
SOURCES = ("upload", "speech", "tone")
BEEP_HZ, BEEP_S, BEEP_DBM0 = 1000.0, 0.4, -10.0

# A check that says what uses a prompt ("line 2's announcement"), or None.
UseCheck = Callable[[int], "str | None"]


@dataclass(frozen=True)
class Default:
    """One of the box's own prompts: its name and text in each language (no text: the
    beep, a tone)."""

    key: str
    name_en: str
    name_zh: str
    text_en: str = ""
    text_zh: str = ""

    def name(self, language: str) -> str:
        return self.name_zh if language == "zh" else self.name_en

    def text(self, language: str) -> str:
        return self.text_zh if language == "zh" else self.text_en


DEFAULTS: tuple[Default, ...] = (
    Default("announcement", "Recording announcement", "录音提示",
            "This call may be recorded.", "本次通话可能会被录音。"),
    Default("survey_opening", "Survey: question", "满意度调查：提问",
            "Please rate our service: press 1 for very satisfied, 2 for satisfied, "
            "3 for neither, 4 for dissatisfied, 5 for very dissatisfied.",
            "请您对我们的服务进行评价：非常满意请按1，满意请按2，一般请按3，不满意请按4，"
            "非常不满意请按5。"),
    Default("survey_closing", "Survey: thanks", "满意度调查：致谢",
            "Thank you, goodbye.", "感谢您的评价，再见。"),
    Default("survey_invalid", "Survey: wrong key", "满意度调查：按键无效",
            "Sorry, that key is not valid. Please press a key from 1 to 5.",
            "对不起，按键无效。请按1到5之间的数字键。"),
    Default("voicemail_greeting", "Voicemail greeting", "语音信箱问候语",
            "Nobody can take your call. Please leave a message after the tone.",
            "现在无人接听您的电话，请在提示音后留言。"),
    Default("firewall_message", "Call firewall message", "来电拦截提示",
            "This number does not accept your call.", "本号码不接受您的来电。"),
    Default("ivr_welcome", "Menu: welcome", "语音菜单：欢迎语",
            "Welcome. Please listen to the following options.",
            "您好，欢迎致电。请听以下选项。"),
    Default("ivr_invalid", "Menu: wrong choice", "语音菜单：选择无效",
            "Sorry, that is not a valid choice. Please try again.",
            "对不起，您的选择无效，请重新选择。"),
    Default("beep", "Beep", "提示音"),
)
DEFAULT_KEYS = tuple(default.key for default in DEFAULTS)


@dataclass(frozen=True)
class Prompt:
    """One prompt of the library, as its row says."""

    id: int
    key: str | None  # the box's own prompt's key; None for the admin's own
    name: str
    source: str  # 'upload', 'speech' or 'tone' (the beep)
    text: str  # what was spoken; '' for an upload or a tone
    language: str | None  # 'zh' or 'en' for speech
    samples: int  # at 8 kHz
    duration_s: float
    created_by: str | None
    created_at: float
    filename: str = ""  # the uploaded file's name, as the admin's computer gave it
    file: str = ""  # in the data folder's prompts/
    sha256: str = ""  # of the file
    changed_by: str | None = None
    changed_at: float = 0.0

    @property
    def built_in(self) -> bool:
        return self.key is not None


_COLUMNS = ("id, key, name, source, text, language, samples, created_by, created_at, "
            "filename, file, sha256, changed_by, changed_at")


def _prompt(row: tuple) -> Prompt:
    (prompt_id, key, name, source, text, language, samples, created_by, created_at,
     filename, file, sha256, changed_by, changed_at) = row
    return Prompt(prompt_id, key, name, source, text, language, samples,
                  samples / SAMPLE_RATE, created_by, created_at, filename, file, sha256,
                  changed_by, changed_at)


# Making a prompt's sound reads audio files and resamples (soundfile, soxr) or runs
# espeak-ng: imported when a prompt is made, never by a process that only plays them.
def to_line_audio(data: bytes, filename: str) -> np.ndarray:
    from firmware.prompts import convert  # noqa: PLC0415

    return convert.to_line_audio(data, filename)


def tone(frequency_hz: float, seconds: float, level_dbm0: float) -> np.ndarray:
    from firmware.prompts import convert  # noqa: PLC0415

    return convert.tone(frequency_hz, seconds, level_dbm0)


def speak(text: str, language: str) -> np.ndarray:
    from firmware.prompts import speech  # noqa: PLC0415

    return speech.speak(text, language)


def clean_text(text: str) -> str:
    from firmware.prompts import speech  # noqa: PLC0415

    return speech.clean_text(text)


def language_of(language: str) -> str:
    from firmware.prompts import speech  # noqa: PLC0415

    return speech.language_of(language)


def box_language(country: str) -> str:
    """The language the box speaks its own prompts in: Chinese in China, else English."""
    return "zh" if country.upper() == "CN" else "en"


def clean_name(name: str) -> str:
    """A prompt's name as kept: control characters out, spaces collapsed; PromptError if
    it is empty or longer than ``MAX_NAME``."""
    cleaned = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())
    if not 1 <= len(cleaned) <= MAX_NAME:
        raise PromptError(errors.BAD_NAME, limit=MAX_NAME)
    return cleaned


@dataclass(frozen=True)
class _Author:
    """Who makes a change, for the row and the audit log (None: the box itself)."""

    user: str | None
    user_id: int | None = None
    address: str = ""


@dataclass(frozen=True)
class _Sound:
    """A prompt's sound made and not yet kept: the facts its row takes."""

    pcm: np.ndarray
    source: str
    text: str = ""
    language: str | None = None
    filename: str = ""


class PromptLibrary:
    """The prompts of the data folder ``data_folder`` with their facts in ``store``."""

    def __init__(self, data_folder: DataFolder, store: Store, *,
                 clock: Callable[[], float] = time.time) -> None:
        self.data_folder = data_folder
        self.folder = data_folder.prompts
        self.store = store
        self.audit = AuditLog(store)
        self.clock = clock
        self._uses: list[UseCheck] = []
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ---- what uses a prompt ------------------------------------------------------------

    def register_use(self, check: UseCheck) -> None:
        """``check(prompt_id)`` says what uses a prompt (a setting: "line 2's
        announcement"), or None; ``delete`` refuses while any check names a use."""
        self._uses.append(check)

    def use_of(self, prompt_id: int, in_use: UseCheck | None = None) -> str | None:
        """What uses the prompt, by the first check that names a use; None if nothing."""
        for check in ([in_use] if in_use else []) + self._uses:
            use = check(prompt_id)
            if use:
                return use
        return None

    # ---- reading -----------------------------------------------------------------------

    def prompts(self) -> list[Prompt]:
        """Every prompt: the box's own first (in ``DEFAULTS``' order), then the admin's by
        name."""
        rows = self.store.connection().execute(f"SELECT {_COLUMNS} FROM prompts").fetchall()
        order = {key: index for index, key in enumerate(DEFAULT_KEYS)}
        found = [_prompt(row) for row in rows]
        return sorted(found, key=lambda p: (p.key is None, order.get(p.key or "", 99),
                                            p.name.casefold(), p.id))

    def get(self, prompt_id: int) -> Prompt:
        """The prompt ``prompt_id``; PromptNotFoundError (a PromptError and a KeyError)."""
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM prompts WHERE id = ?", (prompt_id,)).fetchone()
        if row is None:
            raise PromptNotFoundError(errors.NOT_FOUND, id=prompt_id)
        return _prompt(row)

    def by_key(self, key: str) -> Prompt:
        """The box's own prompt ``key`` (``DEFAULT_KEYS``); PromptNotFoundError if it was
        not made yet (``ensure_defaults``)."""
        row = self.store.connection().execute(
            f"SELECT {_COLUMNS} FROM prompts WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise PromptNotFoundError(errors.NO_KEY, key=key)
        return _prompt(row)

    def wav_path(self, prompt_id: int) -> Path:
        """The prompt's WAV file (16-bit, 8 kHz, mono). It is never changed in place: a
        replaced prompt has a new file, and the old one is removed."""
        return self.folder / self.get(prompt_id).file

    def pcm(self, prompt_id: int) -> np.ndarray:
        """The prompt's sound as the line plays it: int16 at 8 kHz, read-only. Checked
        against its SHA-256 when first read; PromptError if the file is gone or damaged."""
        prompt = self.get(prompt_id)
        with self._cache_lock:
            cached = self._cache.get(prompt.file)
            if cached is not None:
                self._cache.move_to_end(prompt.file)
                return cached
        samples = self._read(prompt)
        with self._cache_lock:
            self._cache[prompt.file] = samples
            while sum(len(s) for s in self._cache.values()) > CACHE_SAMPLES and \
                    len(self._cache) > 1:
                self._cache.popitem(last=False)
        return samples

    def audio(self, prompt: str | int) -> np.ndarray | None:
        """The sound of the prompt named by its key (a str: ``by_key``) or its id (an int),
        as ``pcm`` gives it; None when there is no such prompt or its sound cannot be read
        (logged). The engine's ``prompt_audio`` hook: a missing prompt is passed over."""
        try:
            prompt_id = self.by_key(prompt).id if isinstance(prompt, str) else int(prompt)
            return self.pcm(prompt_id)
        except PromptError as error:
            log.error("prompt %r cannot be played: %s", prompt, error)
            return None

    def _read(self, prompt: Prompt) -> np.ndarray:
        try:
            data = (self.folder / prompt.file).read_bytes()
        except OSError as error:
            raise PromptError(errors.NOT_STORED, name=prompt.name,
                              reason=error.strerror or str(error)) from None
        if hashlib.sha256(data).hexdigest() != prompt.sha256:
            raise PromptError(errors.NOT_STORED, name=prompt.name,
                              reason=f"{prompt.file} is not the file kept (SHA-256 differs)")
        try:  # the standard library's reader: the engine plays prompts without libsndfile
            with wave.open(io.BytesIO(data)) as stored:
                shape = (stored.getframerate(), stored.getnchannels(), stored.getsampwidth())
                frames = stored.readframes(stored.getnframes())
        except (wave.Error, EOFError) as error:
            raise PromptError(errors.NOT_STORED, name=prompt.name,
                              reason=f"{prompt.file} is not a WAV file ({error})") from None
        if shape != (SAMPLE_RATE, 1, 2):
            raise PromptError(errors.NOT_STORED, name=prompt.name,
                              reason=f"{prompt.file} is not 8 kHz mono 16-bit")
        samples = np.frombuffer(frames, dtype="<i2").astype(np.int16)
        samples.flags.writeable = False
        return samples

    # ---- adding and replacing ----------------------------------------------------------

    def add_upload(self, name: str, data: bytes, filename: str, *, user: str | None,
                   user_id: int | None = None, address: str = "") -> Prompt:
        """A new prompt from an uploaded audio file (``convert.to_line_audio``)."""
        name = self._free_name(clean_name(name))
        sound = _Sound(to_line_audio(data, filename), "upload",
                       filename=shown_name(filename))
        return self._add(name, None, sound, _Author(user, user_id, address))

    def add_speech(self, name: str, text: str, language: str, *, user: str | None,
                   user_id: int | None = None, address: str = "") -> Prompt:
        """A new prompt: ``text`` spoken by espeak-ng in ``language`` (zh or en)."""
        name = self._free_name(clean_name(name))
        return self._add(name, None, self._spoken(text, language),
                         _Author(user, user_id, address))

    def replace_upload(self, prompt_id: int, data: bytes, filename: str, *,
                       user: str | None, user_id: int | None = None,
                       address: str = "") -> Prompt:
        """The prompt's sound replaced by an uploaded file's; its id, name and uses stay."""
        self.get(prompt_id)
        sound = _Sound(to_line_audio(data, filename), "upload",
                       filename=shown_name(filename))
        return self._replace(prompt_id, sound, _Author(user, user_id, address))

    def replace_speech(self, prompt_id: int, text: str, language: str, *,
                       user: str | None, user_id: int | None = None,
                       address: str = "") -> Prompt:
        """The prompt's sound replaced by ``text`` spoken in ``language``."""
        self.get(prompt_id)
        return self._replace(prompt_id, self._spoken(text, language),
                             _Author(user, user_id, address))

    def rename(self, prompt_id: int, name: str, *, user: str | None,
               user_id: int | None = None, address: str = "") -> Prompt:
        """The prompt's name changed (names are unique, whatever their case)."""
        before = self.get(prompt_id)
        name = clean_name(name)
        if name == before.name:
            return before
        if name.casefold() != before.name.casefold():
            self._free_name(name)
        now = self.clock()
        try:
            with self.store.transaction() as connection:
                connection.execute(
                    "UPDATE prompts SET name = ?, changed_by = ?, changed_at = ? WHERE id = ?",
                    (name, user, now, prompt_id))
                self._audit(connection, "prompt_changed", prompt_id,
                            _Author(user, user_id, address),
                            structured_detail(changes=[("prompt", before.name, name)]))
        except sqlite3.IntegrityError:
            raise PromptError(errors.NAME_TAKEN, name=name) from None
        return self.get(prompt_id)

    def _spoken(self, text: str, language: str) -> _Sound:
        text, language = clean_text(text), language_of(language)
        return _Sound(speak(text, language), "speech", text=text, language=language)

    def _free_name(self, name: str) -> str:
        taken = self.store.connection().execute(
            "SELECT 1 FROM prompts WHERE name = ?", (name,)).fetchone()
        if taken:
            raise PromptError(errors.NAME_TAKEN, name=name)
        return name

    def _write(self, pcm: np.ndarray) -> tuple[str, str]:
        """The sound as a new file in prompts/ (atomically); its name and SHA-256."""
        make_folders(self.folder)
        with contextlib.suppress(OSError):
            if self.folder.stat().st_mode & 0o077 and self.folder.stat().st_uid == os.geteuid():
                os.chmod(self.folder, 0o700)  # the data folder's files are the box's alone
        data = wav_header("pcm16", len(pcm)) + np.asarray(pcm, "<i2").tobytes()
        file = f"{secrets.token_hex(8)}.wav"
        write_atomically(self.folder / file, data)
        return file, hashlib.sha256(data).hexdigest()

    def _remove(self, file: str) -> None:
        try:
            (self.folder / file).unlink(missing_ok=True)
            fsync_directory(self.folder)
        except OSError as error:  # tidy() removes it later
            log.warning("could not remove the prompt file %s: %s", file, error)

    def _add(self, name: str, key: str | None, sound: _Sound, author: _Author) -> Prompt:
        file, sha256 = self._write(sound.pcm)
        now = self.clock()
        try:
            with self.store.transaction() as connection:
                cursor = connection.execute(
                    "INSERT INTO prompts (key, name, source, text, language, filename, file, "
                    "samples, sha256, created_by, created_at, changed_by, changed_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (key, name, sound.source, sound.text, sound.language, sound.filename, file,
                     len(sound.pcm), sha256, author.user, now, author.user, now))
                prompt_id = int(cursor.lastrowid)
                self._audit(connection, "prompt_added", prompt_id, author,
                            _facts(name, sound, key))
        except sqlite3.IntegrityError:
            self._remove(file)
            raise PromptError(errors.NAME_TAKEN, name=name) from None
        except BaseException:
            self._remove(file)
            raise
        return self.get(prompt_id)

    def _replace(self, prompt_id: int, sound: _Sound, author: _Author) -> Prompt:
        file, sha256 = self._write(sound.pcm)
        now = self.clock()
        try:
            with self.store.transaction() as connection:
                row = connection.execute(
                    "SELECT name, file, source, text, language, filename, samples FROM prompts "
                    "WHERE id = ?", (prompt_id,)).fetchone()
                if row is None:
                    raise PromptNotFoundError(errors.NOT_FOUND, id=prompt_id)
                name, old_file, *before = row
                connection.execute(
                    "UPDATE prompts SET source = ?, text = ?, language = ?, filename = ?, "
                    "file = ?, samples = ?, sha256 = ?, changed_by = ?, changed_at = ? "
                    "WHERE id = ?",
                    (sound.source, sound.text, sound.language, sound.filename, file,
                     len(sound.pcm), sha256, author.user, now, prompt_id))
                after = (sound.source, sound.text, sound.language, sound.filename,
                         len(sound.pcm))
                fields = ("source", "spoken", "speech_language", "filename", "seconds")
                changes = [(field, _shown(field, old), _shown(field, new))
                           for field, old, new in zip(fields, before, after, strict=True)
                           if old != new]
                self._audit(connection, "prompt_replaced", prompt_id, author,
                            structured_detail(changes=changes, prompt=name))
        except BaseException:
            self._remove(file)
            raise
        self._remove(old_file)
        return self.get(prompt_id)

    def _audit(self, connection: sqlite3.Connection, action: str, prompt_id: int,
               author: _Author, detail: str) -> None:
        self.audit.record(action, username=author.user or BOX_ACTOR, user_id=author.user_id,
                          target=f"prompt {prompt_id}", detail=detail,
                          address=author.address, at=self.clock(), within=connection)

    # ---- deleting ----------------------------------------------------------------------

    def delete(self, prompt_id: int, *, user: str | None, in_use: UseCheck | None = None,
               user_id: int | None = None, address: str = "") -> None:
        """Delete the admin's prompt ``prompt_id``. Refused (PromptError) for the box's own
        prompts and while ``in_use`` or a registered check names a use of it."""
        prompt = self.get(prompt_id)
        if prompt.built_in:
            raise PromptError(errors.BUILT_IN, name=prompt.name)
        use = self.use_of(prompt_id, in_use)
        if use:
            raise PromptError(errors.IN_USE, name=prompt.name, use=use)
        with self.store.transaction() as connection:
            deleted = connection.execute("DELETE FROM prompts WHERE id = ? AND key IS NULL",
                                         (prompt_id,)).rowcount
            if not deleted:
                raise PromptNotFoundError(errors.NOT_FOUND, id=prompt_id)
            self._audit(connection, "prompt_deleted", prompt_id,
                        _Author(user, user_id, address),
                        structured_detail(what="deleted", prompt=prompt.name,
                                          source=prompt.source, spoken=prompt.text or None,
                                          filename=prompt.filename or None,
                                          sha256=prompt.sha256))
        self._remove(prompt.file)

    # ---- the box's own prompts ---------------------------------------------------------

    def ensure_defaults(self, language: str) -> list[str]:
        """Make the box's own prompts that are missing (``DEFAULTS``), spoken in
        ``language`` (zh or en; the box's: ``box_language``), once: a prompt made is
        never made again, whatever the admin made of it since. The keys made; the beep is
        made even when espeak-ng is missing, and then PromptError (NO_DEFAULTS) says what
        could not be made, after the rest."""
        language = language_of(language)
        self.tidy()
        have = {row[0] for row in self.store.connection().execute(
            "SELECT key FROM prompts WHERE key IS NOT NULL")}
        made, problems = [], []
        for default in DEFAULTS:
            if default.key in have:
                continue
            try:
                if default.text(language):
                    sound = self._spoken(default.text(language), language)
                else:
                    sound = _Sound(tone(BEEP_HZ, BEEP_S, BEEP_DBM0), "tone")
            except PromptError as error:
                problems.append(str(error))
                continue
            if self._add_default(default, language, sound):
                made.append(default.key)
        if made:
            log.info("made the box's own prompts %s", ", ".join(made))
        if problems:
            raise PromptError(errors.NO_DEFAULTS, reason=problems[0])
        return made

    def _add_default(self, default: Default, language: str, sound: _Sound) -> bool:
        name = default.name(language)
        taken = self.store.connection().execute(
            "SELECT 1 FROM prompts WHERE name = ?", (name,)).fetchone()
        if taken:
            name = f"{name} ({default.key})"
        try:
            self._add(name, default.key, sound, _Author(None))
        except PromptError:  # another process made it meanwhile (the key is unique)
            return False
        return True

    def tidy(self, now: float | None = None) -> list[str]:
        """Remove the files of prompts/ that no prompt names and that are more than an
        hour old (a crash between writing a file and keeping its row, or between
        replacing a file and removing the old one); the names removed."""
        try:
            present = list(self.folder.iterdir())
        except FileNotFoundError:
            return []
        named = {row[0] for row in self.store.connection().execute("SELECT file FROM prompts")}
        now = self.clock() if now is None else now
        removed = []
        for path in present:
            try:
                if path.name in named or not path.is_file() or \
                        now - path.stat().st_mtime < ORPHAN_AGE_S:
                    continue
                path.unlink()
            except OSError:
                continue
            removed.append(path.name)
        if removed:
            log.info("removed prompt files nothing names: %s", ", ".join(removed))
            fsync_directory(self.folder)
        return removed


def _shown(field: str, value: object) -> object:
    if field == "seconds" and isinstance(value, int):
        return round(value / SAMPLE_RATE, 1)
    return value


def _facts(name: str, sound: _Sound, key: str | None) -> str:
    return structured_detail(what="created", prompt=name, source=sound.source, builtin=key,
                             spoken=sound.text or None, speech_language=sound.language,
                             filename=sound.filename or None,
                             seconds=round(len(sound.pcm) / SAMPLE_RATE, 1))


MAKE_OWN_AFTER_S = 2.0  # the web makes the box's own prompts this long after it listens


def make_own_prompts(data_dir: str | os.PathLike[str], stop: threading.Event) -> list[str]:
    """The box's own prompts that are missing, spoken in the box's language, at the lowest
    priority on a thread of the web process (the engine only plays them: it never loads
    what speaking and converting need). The keys made; problems are logged."""
    from firmware.config import ConfigStore  # noqa: PLC0415 - the web's thread only
    from firmware.store.db import Store  # noqa: PLC0415

    if stop.wait(MAKE_OWN_AFTER_S):
        return []
    with contextlib.suppress(OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    folder = DataFolder(data_dir)
    try:
        country = ConfigStore(folder.root).load().device.country
        with Store(folder.database) as store:
            made = PromptLibrary(folder, store).ensure_defaults(box_language(country))
    except Exception as error:
        log.warning("the box's own prompts: %s", error)
        return []
    if made:
        log.info("the box's own prompts made: %s", ", ".join(made))
    return made
