"""The prompt library: uploads and speech made line audio (8 kHz mono int16, telephone
band, -16 dBm0 active, peaks below full scale, silence trimmed), one clear PromptError for
anything it cannot take, files kept atomically, the box's own prompts made once, and no
deletion of a prompt something uses."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile

from audio_format import SAMPLE_RATE
from firmware.datafolder import DataFolder
from firmware.prompts import convert, errors, library, speech
from firmware.prompts.convert import PEAK_LIMIT, active_level_dbm0, to_line_audio, tone
from firmware.prompts.errors import PromptError, PromptNotFoundError
from firmware.prompts.library import DEFAULT_KEYS, PromptLibrary
from firmware.prompts.speech import speak
from firmware.store.audit import BOX_ACTOR, AuditLog, parse_detail
from firmware.store.db import Store
from firmware.store.schema import MIGRATIONS
from tests.support.required_tools import require_espeak

LEVEL_TOLERANCE_DB = 1.0


def speech_like(rate: int, seconds: float, channels: int = 1, lead_s: float = 0.5,
                level: float = 0.3) -> np.ndarray:
    """A vowel-like sound (harmonics of 150 Hz, syllables 4 a second) between silences of
    ``lead_s``, as float samples at ``rate``."""
    times = np.arange(round(rate * seconds)) / rate
    voiced = sum(np.sin(2 * np.pi * 150 * k * times) / k for k in range(1, 20))
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * times)
    inside = (times >= lead_s) & (times < seconds - lead_s)
    sound = level * voiced / np.abs(voiced).max() * syllables * inside
    if channels == 1:
        return sound
    return np.stack([sound * (0.5 + 0.5 * c / channels) for c in range(channels)], axis=1)


def encoded(samples: np.ndarray, rate: int, format: str, subtype: str | None = None) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format=format, subtype=subtype)
    return buffer.getvalue()


def assert_line_audio(pcm: np.ndarray, seconds: float | None = None) -> None:
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    assert abs(active_level_dbm0(pcm) + 16) < LEVEL_TOLERANCE_DB
    assert np.abs(pcm.astype(np.int32)).max() <= PEAK_LIMIT < 32767
    if seconds is not None:
        assert abs(len(pcm) / SAMPLE_RATE - seconds) < 0.25, len(pcm) / SAMPLE_RATE


def band_power(pcm: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64))) ** 2
    frequencies = np.fft.rfftfreq(len(pcm), 1 / SAMPLE_RATE)
    return float(spectrum[(frequencies >= low) & (frequencies < high)].sum())


# ---- conversion --------------------------------------------------------------------------


def test_a_wav_at_44_1_khz_in_stereo_becomes_8_khz_mono_at_line_level_trimmed():
    data = encoded(speech_like(44100, 3.0, channels=2), 44100, "WAV", "PCM_16")
    pcm = to_line_audio(data, "studio take.wav")
    # 2 s of sound, with 60 ms kept before and 100 ms after: the silences are trimmed.
    assert_line_audio(pcm, seconds=2.16)


@pytest.mark.parametrize(("format", "subtype", "suffix"), [
    ("FLAC", "PCM_16", "flac"), ("OGG", "VORBIS", "ogg"), ("OGG", "OPUS", "opus"),
    ("MP3", "MPEG_LAYER_III", "mp3"),
])
def test_compressed_uploads_are_read_as_well(format, subtype, suffix):
    if format not in soundfile.available_formats() or \
            subtype not in soundfile.available_subtypes(format):
        print(f"this machine's libsndfile {soundfile.__libsndfile_version__} cannot write "
              f"{format}/{subtype}: not tested")
        pytest.skip(f"libsndfile here has no {format}/{subtype}")
    rate = 48000 if subtype == "OPUS" else 44100
    data = encoded(speech_like(rate, 3.0, channels=2), rate, format, subtype)
    assert_line_audio(to_line_audio(data, f"greeting.{suffix}"), seconds=2.16)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "bad.wav: the file is empty."),
    (b"this is no audio at all, only words" * 30,
     "bad.wav: not an audio file this box can read (WAV, FLAC, Ogg Vorbis or Opus, MP3)."),
    (encoded(np.zeros(0), 8000, "WAV", "PCM_16"), "bad.wav: it holds no audio."),
    (encoded(np.zeros(8000), 8000, "WAV", "PCM_16"),
     "bad.wav: there is no sound in it, only silence."),
    (b"RIFF\xff\xff\xff\x7fWAVEfmt \x10\x00\x00\x00" + b"\x00" * 16 + b"data\xff\xff\xff\x7f",
     None),
])
def test_what_cannot_be_played_is_one_line_naming_the_file(data, message):
    with pytest.raises(PromptError) as caught:
        to_line_audio(data, "C:\\Users\\me\\bad.wav")
    text = str(caught.value)
    assert "\n" not in text and text.startswith("bad.wav: ")
    if message:
        assert text == message
    assert caught.value.template in errors.MESSAGES


def test_a_huge_declared_size_is_not_believed():
    # The header says 1 GB of audio; the file holds one second: that second is the prompt,
    # read without ever making room for the gigabyte.
    body = (speech_like(8000, 1.0, lead_s=0.1) * 32767).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    data = (b"RIFF" + struct.pack("<I", 0x7FFFFFF0) + b"WAVEfmt " + struct.pack("<I", 16)
            + fmt + b"data" + struct.pack("<I", 0x7FFFFFF0 - 36) + body)
    assert_line_audio(to_line_audio(data, "liar.wav"), seconds=0.96)


def test_too_long_is_refused_whether_the_header_says_so_or_the_audio_does(monkeypatch):
    monkeypatch.setattr(convert, "MAX_SECONDS", 2)
    data = encoded(speech_like(8000, 4.0), 8000, "WAV", "PCM_16")
    with pytest.raises(PromptError, match=r"^long\.wav: too long: 4 s, at most 2 s\.$"):
        to_line_audio(data, "long.wav")
    # An MP3 does not know its length before it is read: the reading stops at the limit.
    monkeypatch.setattr(convert, "READ_BLOCK", 4096)
    monkeypatch.setattr(convert, "declared_frames", lambda sound: 0)
    with pytest.raises(PromptError, match=r"too long: > 2 s"):
        to_line_audio(data, "long.wav")


def test_the_sound_is_band_limited_to_the_telephone_band():
    times = np.arange(16000 * 2) / 16000
    mixed = 0.2 * (np.sin(2 * np.pi * 100 * times) + np.sin(2 * np.pi * 1000 * times)
                   + np.sin(2 * np.pi * 3900 * times))
    pcm = to_line_audio(encoded(mixed, 16000, "WAV", "PCM_16"), "mix.wav")
    speech_band = band_power(pcm, 950, 1050)
    assert band_power(pcm, 50, 150) < speech_band * 1e-4  # -40 dB
    assert band_power(pcm, 3850, 3950) < speech_band * 1e-4


def test_loud_peaks_are_limited_not_clipped_and_faint_sound_is_raised():
    loud = speech_like(8000, 2.0, lead_s=0.2, level=1.0)
    loud[8000] = 1.0  # a click far above the speech
    pcm = to_line_audio(encoded(loud, 8000, "WAV", "FLOAT"), "loud.wav")
    assert_line_audio(pcm)
    faint = speech_like(8000, 2.0, lead_s=0.2, level=0.001)
    assert_line_audio(to_line_audio(encoded(faint, 8000, "WAV", "FLOAT"), "faint.wav"))


def test_the_beep_is_a_1000_hz_tone():
    beep = tone(1000, 0.4)
    assert len(beep) == 3200 and beep.dtype == np.int16
    spectrum = np.abs(np.fft.rfft(beep))
    assert np.argmax(spectrum) * SAMPLE_RATE / len(beep) == 1000
    assert abs(beep[0]) < 100 and abs(beep[-1]) < 100  # faded in and out: no click


# ---- speech ------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "language"), [
    ("This call may be recorded.", "en"),
    ("本次通话可能会被录音。", "zh"),
    ("本次通话可能会被录音。", "zh-CN"),
])
def test_speech_in_both_languages_is_line_audio(text, language):
    require_espeak()
    pcm = speak(text, language)
    assert len(pcm) / SAMPLE_RATE > 0.5
    assert_line_audio(pcm)


def test_a_text_is_never_taken_for_options_or_a_command(tmp_path):
    require_espeak()
    trap = tmp_path / "made"
    pcm = speak(f"-w {trap} ; touch {trap} $(touch {trap})", "en")
    assert len(pcm) > SAMPLE_RATE and not trap.exists()


@pytest.mark.parametrize(("text", "language", "message"), [
    ("", "en", "The text to speak is empty."),
    (" \t\n\x00 ", "zh", "The text to speak is empty."),
    ("x" * (speech.MAX_TEXT + 1), "en",
     f"The text to speak is too long: {speech.MAX_TEXT + 1} characters, at most "
     f"{speech.MAX_TEXT}."),
    ("Hello", "fr", "fr is not a language the box speaks (zh or en)."),
])
def test_speech_refuses_what_it_cannot_say(text, language, message):
    with pytest.raises(PromptError) as caught:
        speak(text, language)
    assert str(caught.value) == message


def test_without_espeak_ng_it_says_what_to_install(monkeypatch):
    monkeypatch.setattr(speech, "ESPEAK", "espeak-ng-that-is-not-there")
    with pytest.raises(PromptError, match=r"apt-get install espeak-ng"):
        speak("Hello", "en")


def test_an_espeak_ng_that_fails_is_said_in_one_line(monkeypatch, tmp_path):
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\necho 'Error: voice not found: cmn' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(speech, "ESPEAK", str(fake))
    with pytest.raises(PromptError) as caught:
        speak("你好", "zh")
    assert str(caught.value) == errors.NO_VOICE.format(voice="cmn")


# ---- the library ------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_767_225_600.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lib(tmp_path):
    folder = DataFolder(tmp_path / "data")
    folder.create()
    store = Store(folder.database)
    made = PromptLibrary(folder, store, clock=Clock())
    yield made
    store.close()


def upload_bytes(seconds: float = 2.0, rate: int = 44100) -> bytes:
    return encoded(speech_like(rate, seconds, channels=2, lead_s=0.2), rate, "WAV", "PCM_16")


def audit_entries(lib, action=None):
    return AuditLog(lib.store).entries(action=action)


def test_one_migration_makes_the_table():
    assert sum("CREATE TABLE prompts" in migration for migration in MIGRATIONS) == 1


def test_an_upload_is_kept_as_an_8_khz_mono_wav_private_to_the_box(lib):
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    assert (prompt.key, prompt.name, prompt.source, prompt.filename) == (
        None, "Welcome", "upload", "welcome.wav")
    assert prompt.created_by == "boss" and prompt.created_at == lib.clock.now
    assert abs(prompt.duration_s - 1.76) < 0.1 and prompt.samples == round(
        prompt.duration_s * SAMPLE_RATE)
    path = lib.wav_path(prompt.id)
    assert path.parent == lib.data_folder.prompts and path.suffix == ".wav"
    info = soundfile.info(str(path))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    assert path.stat().st_mode & 0o777 == 0o600 and path.parent.stat().st_mode & 0o777 == 0o700
    pcm = lib.pcm(prompt.id)
    assert pcm.dtype == np.int16 and len(pcm) == prompt.samples
    assert np.array_equal(pcm, soundfile.read(str(path), dtype="int16")[0])
    assert [p.id for p in lib.prompts()] == [prompt.id] and lib.get(prompt.id) == prompt
    (entry,) = audit_entries(lib, "prompt_added")
    assert (entry.username, entry.target) == ("boss", f"prompt {prompt.id}")
    assert parse_detail(entry.detail)["facts"]["filename"] == "welcome.wav"


def test_speech_is_kept_with_its_text_and_language(lib):
    require_espeak()
    prompt = lib.add_speech("Closed", "We are closed today.", "en", user="boss")
    assert (prompt.source, prompt.text, prompt.language) == (
        "speech", "We are closed today.", "en")
    assert prompt.duration_s > 0.5
    assert_line_audio(lib.pcm(prompt.id))


def test_names_are_unique_and_bounded(lib):
    lib.add_upload("Welcome", upload_bytes(), "a.wav", user="boss")
    with pytest.raises(PromptError, match="There is already a prompt named welcome"):
        lib.add_upload("welcome", upload_bytes(), "b.wav", user="boss")
    with pytest.raises(PromptError, match="1 to 80 characters"):
        lib.add_upload("  ", upload_bytes(), "b.wav", user="boss")
    other = lib.add_upload("Other", upload_bytes(), "c.wav", user="boss")
    with pytest.raises(PromptError, match="already a prompt named WELCOME"):
        lib.rename(other.id, "WELCOME", user="boss")
    renamed = lib.rename(other.id, "Evening\nmessage", user="ana")
    assert renamed.name == "Evening message" and renamed.changed_by == "ana"
    assert len(list(lib.data_folder.prompts.iterdir())) == 2  # nothing left by refusals
    (entry,) = audit_entries(lib, "prompt_changed")
    assert parse_detail(entry.detail)["changes"] == [["prompt", "Other", "Evening message"]]


def test_a_replacement_keeps_the_id_and_leaves_no_old_file(lib):
    require_espeak()
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    old_path, old_pcm = lib.wav_path(prompt.id), lib.pcm(prompt.id)
    lib.clock.now += 60
    replaced = lib.replace_speech(prompt.id, "Welcome to the shop.", "en", user="ana")
    assert replaced.id == prompt.id and replaced.name == "Welcome"
    assert (replaced.source, replaced.text, replaced.filename) == (
        "speech", "Welcome to the shop.", "")
    assert replaced.created_by == "boss" and replaced.changed_by == "ana"
    assert not old_path.exists() and lib.wav_path(prompt.id).exists()
    assert not np.array_equal(lib.pcm(prompt.id), old_pcm)  # the cache follows the file
    again = lib.replace_upload(prompt.id, upload_bytes(1.0), "short.mp3", user="ana")
    assert again.source == "upload" and again.filename == "short.mp3" and again.text == ""
    assert len(list(lib.data_folder.prompts.iterdir())) == 1
    first, _ = audit_entries(lib, "prompt_replaced")  # newest first
    changes = {change[0]: change[1:] for change in parse_detail(first.detail)["changes"]}
    assert changes["source"] == ["speech", "upload"] and "seconds" in changes


def test_a_failed_replacement_leaves_the_old_prompt_whole(lib, monkeypatch):
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    before = lib.pcm(prompt.id).copy()
    with pytest.raises(PromptError, match=r"garbage\.mp3: not an audio file"):
        lib.replace_upload(prompt.id, b"garbage" * 100, "garbage.mp3", user="boss")

    def broken_transaction():
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lib.store, "transaction", broken_transaction)
    with pytest.raises(OSError):
        lib.replace_upload(prompt.id, upload_bytes(1.0), "new.wav", user="boss")
    with pytest.raises(OSError):
        lib.add_upload("Another", upload_bytes(1.0), "new.wav", user="boss")
    monkeypatch.undo()
    assert lib.get(prompt.id) == prompt and np.array_equal(lib.pcm(prompt.id), before)
    assert [p.name for p in lib.data_folder.prompts.iterdir()] == [prompt.file]


def test_a_kill_between_the_file_and_its_row_leaves_a_file_that_tidy_removes_later(lib):
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    orphan, _ = lib._write(lib.pcm(prompt.id))  # written, then the process died
    (lib.data_folder.prompts / ".x.wav.tmp").write_bytes(b"half")  # a temporary file too
    assert lib.tidy() == []  # it may be another process's, about to be committed
    later = lib.clock.now + library.ORPHAN_AGE_S + 1
    for path in lib.data_folder.prompts.iterdir():
        os.utime(path, (lib.clock.now, lib.clock.now))
    assert sorted(lib.tidy(now=later)) == sorted([orphan, ".x.wav.tmp"])
    assert [p.name for p in lib.data_folder.prompts.iterdir()] == [prompt.file]


def test_a_damaged_or_missing_file_is_said_not_played(lib):
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    path = lib.wav_path(prompt.id)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(PromptError, match="SHA-256 differs"):
        lib.pcm(prompt.id)
    path.unlink()
    with pytest.raises(PromptError, match="The sound of Welcome cannot be read"):
        lib.pcm(prompt.id)


def test_a_missing_prompt_is_a_prompt_error_and_a_key_error(lib):
    for call in (lambda: lib.get(99), lambda: lib.pcm(99), lambda: lib.wav_path(99),
                 lambda: lib.by_key("announcement"),
                 lambda: lib.delete(99, user="boss")):
        with pytest.raises(PromptNotFoundError) as caught:
            call()
        assert isinstance(caught.value, KeyError) and isinstance(caught.value, PromptError)
    assert str(PromptNotFoundError(errors.NOT_FOUND, id=99)) == "There is no prompt 99."


def test_a_prompt_in_use_is_not_deleted(lib):
    prompt = lib.add_upload("Welcome", upload_bytes(), "welcome.wav", user="boss")
    path = lib.wav_path(prompt.id)
    with pytest.raises(PromptError) as caught:
        lib.delete(prompt.id, user="boss", in_use=lambda pid: "line 2's announcement")
    assert str(caught.value) == "Welcome cannot be deleted: line 2's announcement uses it."
    uses: dict[int, str] = {prompt.id: "the survey"}
    lib.register_use(uses.get)
    with pytest.raises(PromptError, match="the survey uses it"):
        lib.delete(prompt.id, user="boss")
    assert path.exists() and lib.get(prompt.id)
    uses.clear()
    lib.delete(prompt.id, user="boss")
    assert lib.prompts() == [] and not path.exists()
    (entry,) = audit_entries(lib, "prompt_deleted")
    assert parse_detail(entry.detail)["facts"]["prompt"] == "Welcome"


def test_the_boxs_own_prompts_are_made_once(lib):
    require_espeak()
    assert lib.ensure_defaults("zh-CN") == list(DEFAULT_KEYS)
    assert lib.ensure_defaults("zh") == []
    prompts = {p.key: p for p in lib.prompts()}
    assert list(prompts) == list(DEFAULT_KEYS)  # the box's own first, in their order
    announcement = lib.by_key("announcement")
    assert announcement.text == "本次通话可能会被录音。" and announcement.language == "zh"
    assert announcement.name == "录音提示" and announcement.created_by is None
    for key in DEFAULT_KEYS[:-1]:
        assert prompts[key].source == "speech" and prompts[key].duration_s > 0.5
        assert_line_audio(lib.pcm(prompts[key].id))
    beep = lib.by_key("beep")
    assert beep.source == "tone" and beep.duration_s == 0.4
    # The engine's hook: by key or by id, None for what is not there.
    assert np.array_equal(lib.audio("beep"), lib.pcm(beep.id))
    assert np.array_equal(lib.audio(announcement.id), lib.pcm(announcement.id))
    assert lib.audio("no_such_key") is None and lib.audio(9999) is None
    entries = audit_entries(lib, "prompt_added")
    assert len(entries) == len(DEFAULT_KEYS) and {e.username for e in entries} == {BOX_ACTOR}
    # The admin may replace and rename them, never delete them; they are not made again.
    lib.rename(announcement.id, "Our announcement", user="boss")
    with pytest.raises(PromptError, match="replace it, it cannot be deleted"):
        lib.delete(announcement.id, user="boss")
    assert lib.ensure_defaults("en") == []
    assert lib.by_key("announcement").name == "Our announcement"


def test_english_defaults_and_a_name_the_admin_took(lib):
    require_espeak()
    lib.add_upload("Beep", upload_bytes(), "beep.wav", user="boss")
    lib.ensure_defaults("en")
    assert lib.by_key("voicemail_greeting").text == (
        "Nobody can take your call. Please leave a message after the tone.")
    assert lib.by_key("beep").name == "Beep (beep)"


def test_without_espeak_ng_the_beep_is_made_and_the_rest_said(lib, monkeypatch):
    monkeypatch.setattr(speech, "ESPEAK", "espeak-ng-that-is-not-there")
    with pytest.raises(PromptError, match=r"could not be made: espeak-ng is not installed"):
        lib.ensure_defaults("en")
    assert [p.key for p in lib.prompts()] == ["beep"]
    monkeypatch.undo()
    require_espeak()
    assert lib.ensure_defaults("en") == list(DEFAULT_KEYS[:-1])


def test_two_processes_making_the_defaults_at_once_make_each_once(lib, tmp_path):
    require_espeak()
    script = (
        "import sys\n"
        "from firmware.datafolder import DataFolder\n"
        "from firmware.store.db import Store\n"
        "from firmware.prompts.library import PromptLibrary\n"
        "folder = DataFolder(sys.argv[1])\n"
        "PromptLibrary(folder, Store(folder.database)).ensure_defaults('en')\n"
    )
    root = str(lib.data_folder.root)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    processes = [subprocess.Popen([sys.executable, "-c", script, root], env=env)
                 for _ in range(2)]
    assert [process.wait(timeout=120) for process in processes] == [0, 0]
    assert sorted(p.key for p in lib.prompts()) == sorted(DEFAULT_KEYS)
    names = {p.file for p in lib.prompts()}
    assert {p.name for p in lib.data_folder.prompts.iterdir()} == names
