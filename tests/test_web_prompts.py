"""Settings, Prompts from the web: the list with the box's own prompts, uploads and speech
added, renamed, replaced and deleted (each audited), one-line problems in the admin's
language, the player's audio behind the session and the admin flag, uploads bounded
before they are read, CSRF as every form."""

from __future__ import annotations

import io
import re
import uuid

import numpy as np
import pytest
import soundfile

from firmware.prompts import errors, speech
from firmware.prompts.library import DEFAULT_KEYS
from firmware.store.audit import parse_detail
from tests.support.required_tools import require_espeak
from tests.test_prompts import speech_like
from tests.web_client import web_box
from webui.audit_text import describe
from webui.i18n import Translator
from webui.messages_zh import ZH
from webui.pages import prompts as page

pytestmark = pytest.mark.usefixtures("quick_passwords")

EN, ZH_T = Translator("en"), Translator("zh-CN")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.ids = {
        "boss": made.add_user("boss", "super", language="en", permissions="all"),
        "ana": made.add_user("ana", permissions={"pop", "recordings_listen"}),
    }
    made.boss = made.signed_in("boss")
    yield made
    made.close()


@pytest.fixture
def quiet(monkeypatch):
    """No espeak-ng: the box's own prompts are not spoken (only the beep is made)."""
    monkeypatch.setattr(speech, "ESPEAK", "espeak-ng-that-is-not-there")


def wav_bytes(seconds: float = 2.0, rate: int = 44100) -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, speech_like(rate, seconds, channels=2, lead_s=0.2), rate,
                    format="WAV", subtype="PCM_16")
    return buffer.getvalue()


def multipart(fields: dict[str, str], filename: str, data: bytes) -> tuple[bytes, dict]:
    boundary = uuid.uuid4().hex
    body = b""
    for name, value in fields.items():
        body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
             f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
             ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(client, path: str, filename: str, data: bytes, *, name: str = "", csrf=None,
           headers: dict | None = None):
    client.get("/admin/prompts")
    fields = {"name": name, "csrf": client.csrf_token if csrf is None else csrf}
    body, form_headers = multipart(fields, filename, data)
    return client.request("POST", path, body, {**form_headers, **(headers or {})})


def problem_of(answer) -> str:
    found = re.search(r'class="problem" role="alert">([^<]*)<', answer.text)
    return found.group(1) if found else ""


def own_prompts(box):
    return [p for p in box.deps.prompts.prompts() if p.key is None]


def test_the_list_shows_the_boxs_own_prompts_spoken_in_the_boxs_language(box):
    require_espeak()
    page_text = box.boss.get("/admin/prompts").text
    prompts = box.deps.prompts.prompts()
    assert [p.key for p in prompts] == list(DEFAULT_KEYS)
    announcement = box.deps.prompts.by_key("announcement")
    assert announcement.language == "zh"  # a new box is in China
    assert "本次通话可能会被录音。" in page_text and "录音提示" in page_text
    assert f'src="/admin/prompts/{announcement.id}/audio"' in page_text
    assert 'href="/admin/prompts"' in page_text  # in the settings' navigation
    overview = box.boss.get("/admin").text
    assert 'href="/admin/prompts"' in overview and f"{len(DEFAULT_KEYS)} prompts." in overview
    box.boss.get("/admin/prompts")
    assert len(box.deps.prompts.prompts()) == len(DEFAULT_KEYS)  # made once


def test_without_espeak_ng_the_page_says_what_to_install(box, quiet):
    answer = box.boss.get("/admin/prompts")
    assert answer.status == 200
    assert "apt-get install espeak-ng" in answer.text
    assert [p.key for p in box.deps.prompts.prompts()] == ["beep"]


def test_an_upload_is_added_and_audited(box, quiet):
    answer = upload(box.boss, "/admin/prompts/upload", "Studio take.wav", wav_bytes(),
                    name="Welcome")
    assert answer.status == 303 and answer.location == "/admin/prompts?done=added"
    (prompt,) = own_prompts(box)
    assert (prompt.name, prompt.source, prompt.filename, prompt.created_by) == (
        "Welcome", "upload", "Studio take.wav", "boss")
    page_text = box.boss.get(answer.location).text
    assert "The prompt was added." in page_text and "Studio take.wav" in page_text
    (entry,) = box.deps.audit.entries(action="prompt_added", username="boss")
    assert (entry.user_id, entry.address, entry.target) == (
        box.ids["boss"], "192.0.2.10", f"prompt {prompt.id}")
    assert describe(EN, entry.detail).startswith(
        "created; Prompt: Welcome; Made from: an uploaded file; File uploaded: Studio take.wav")
    assert "来源：上传的文件" in describe(ZH_T, entry.detail)
    # Without a name, the file's name is the prompt's.
    upload(box.boss, "/admin/prompts/upload", "C:\\fakepath\\evening.mp3",
           _mp3_or_wav(), name="")
    assert sorted(p.name for p in own_prompts(box)) == ["Welcome", "evening"]


def _mp3_or_wav() -> bytes:
    if "MP3" not in soundfile.available_formats():
        return wav_bytes(1.0)
    buffer = io.BytesIO()
    soundfile.write(buffer, speech_like(44100, 1.0, lead_s=0.2), 44100, format="MP3")
    return buffer.getvalue()


@pytest.mark.parametrize(("data", "shown"), [
    (b"\x00\x01garbage" * 50, "noise.wav: not an audio file this box can read"),
    (b"", "noise.wav: the file is empty."),
])
def test_an_unreadable_upload_is_one_line_on_the_page(box, quiet, data, shown):
    answer = upload(box.boss, "/admin/prompts/upload", "noise.wav", data, name="Noise")
    assert answer.status == 400
    assert problem_of(answer).startswith(shown)
    assert "Traceback" not in answer.text and own_prompts(box) == []
    assert 'value="Noise"' in answer.text  # what was typed stays
    # In Chinese for a Chinese admin.
    box.deps.accounts.update_user(box.ids["boss"], language="zh-CN")
    answer = upload(box.boss, "/admin/prompts/upload", "noise.wav", data, name="Noise")
    assert problem_of(answer).startswith("noise.wav：")


def test_an_upload_too_big_is_refused_before_it_is_read(box, quiet, monkeypatch):
    seen = []
    monkeypatch.setattr(page, "_upload", lambda ctx: seen.append(ctx) or (b"", "x"))
    answer = upload(box.boss, "/admin/prompts/upload", "big.wav", b"RIFF",
                    headers={"Content-Length": str(page.MAX_BODY + 1)})
    assert answer.status == 413 and "at most 7 MB" in answer.text
    assert seen == []
    monkeypatch.undo()
    # A body within the limit whose file part is over it is refused when read.
    monkeypatch.setattr(page, "MAX_UPLOAD_BYTES", 1000)
    answer = upload(box.boss, "/admin/prompts/upload", "big.wav", wav_bytes())
    assert answer.status == 400 and problem_of(answer) == "The file is too big: at most 0 MB."


def test_speech_in_both_languages_is_added(box):
    require_espeak()
    box.boss.get("/admin/prompts")
    for name, text, language in (("Closed", "We are closed today.", "en"),
                                 ("休息", "今天休息。", "zh")):
        answer = box.boss.post("/admin/prompts/speech",
                               {"name": name, "text": text, "language": language})
        assert answer.status == 303, problem_of(answer)
    spoken = {p.name: p for p in own_prompts(box)}
    assert spoken["Closed"].language == "en" and spoken["休息"].text == "今天休息。"
    assert all(p.duration_s > 0.5 for p in spoken.values())
    answer = box.boss.post("/admin/prompts/speech", {"name": "Empty", "text": " ",
                                                     "language": "en"})
    assert answer.status == 400 and problem_of(answer) == "The text to speak is empty."


def test_a_prompt_is_renamed_replaced_and_deleted(box, quiet):
    upload(box.boss, "/admin/prompts/upload", "a.wav", wav_bytes(), name="Welcome")
    (prompt,) = own_prompts(box)
    page_text = box.boss.get(f"/admin/prompts/{prompt.id}").text
    assert "Welcome" in page_text and "Yes, delete this prompt" in page_text
    answer = box.boss.post(f"/admin/prompts/{prompt.id}/name", {"name": "Morning"})
    assert answer.status == 303 and box.deps.prompts.get(prompt.id).name == "Morning"
    old_file = box.deps.prompts.get(prompt.id).file
    answer = upload(box.boss, f"/admin/prompts/{prompt.id}/upload", "b.wav", wav_bytes(1.0))
    assert answer.status == 303 and answer.location.endswith("?done=replaced")
    replaced = box.deps.prompts.get(prompt.id)
    assert replaced.file != old_file and replaced.filename == "b.wav"
    answer = upload(box.boss, f"/admin/prompts/{prompt.id}/upload", "c.wav", b"junk" * 40)
    assert answer.status == 400 and problem_of(answer).startswith("c.wav: not an audio file")
    assert box.deps.prompts.get(prompt.id) == replaced
    answer = box.boss.post(f"/admin/prompts/{prompt.id}/delete", {})
    assert answer.status == 400 and box.deps.prompts.get(prompt.id)
    answer = box.boss.post(f"/admin/prompts/{prompt.id}/delete", {"confirm": "yes"})
    assert answer.status == 303 and own_prompts(box) == []
    actions = [entry.action for entry in box.deps.audit.entries(username="boss")
               if entry.action.startswith("prompt_")]
    assert actions == ["prompt_deleted", "prompt_replaced", "prompt_changed", "prompt_added"]
    assert box.boss.get(f"/admin/prompts/{prompt.id}").status == 404


def test_a_prompt_in_use_or_built_in_is_not_deleted(box, quiet):
    upload(box.boss, "/admin/prompts/upload", "a.wav", wav_bytes(), name="Welcome")
    (prompt,) = own_prompts(box)
    box.deps.prompts.register_use(lambda pid: "line 2's announcement" if pid == prompt.id
                                  else None)
    page_text = box.boss.get(f"/admin/prompts/{prompt.id}").text
    assert "line 2&#039;s announcement" in page_text and "Yes, delete" not in page_text
    answer = box.boss.post(f"/admin/prompts/{prompt.id}/delete", {"confirm": "yes"})
    assert answer.status == 409
    assert problem_of(answer) == "Welcome cannot be deleted: line 2&#039;s announcement uses it."
    beep = box.deps.prompts.by_key("beep")
    answer = box.boss.post(f"/admin/prompts/{beep.id}/delete", {"confirm": "yes"})
    assert answer.status == 409 and "cannot be deleted" in problem_of(answer)
    assert len(box.deps.prompts.prompts()) == 2


def test_the_audio_is_the_prompts_wav_by_ranges_never_cached(box, quiet):
    upload(box.boss, "/admin/prompts/upload", "a.wav", wav_bytes(), name="Welcome")
    (prompt,) = own_prompts(box)
    stored = box.deps.prompts.wav_path(prompt.id).read_bytes()
    answer = box.boss.get(f"/admin/prompts/{prompt.id}/audio")
    assert answer.status == 200 and answer.body == stored
    assert answer.headers["Content-Type"] == "audio/wav"
    assert "no-store" in answer.headers["Cache-Control"]
    info = soundfile.info(io.BytesIO(answer.body))
    assert (info.samplerate, info.channels, info.subtype) == (8000, 1, "PCM_16")
    part = box.boss.get(f"/admin/prompts/{prompt.id}/audio", headers={"Range": "bytes=44-99"})
    assert part.status == 206 and part.body == stored[44:100]
    assert part.headers["Content-Range"] == f"bytes 44-99/{len(stored)}"
    assert box.boss.get(f"/admin/prompts/{prompt.id}/audio",
                        headers={"Range": "bytes=99999999-"}).status == 416
    assert box.boss.get("/admin/prompts/999/audio").status == 404
    # Only for a signed-in admin.
    stranger = box.client()
    answer = stranger.get(f"/admin/prompts/{prompt.id}/audio")
    assert answer.status == 303 and answer.location.startswith("/login")
    assert box.signed_in("ana").get(f"/admin/prompts/{prompt.id}/audio").status == 403


def test_operators_get_403_and_forms_need_their_csrf_token(box, quiet):
    ana = box.signed_in("ana")
    assert ana.get("/admin/prompts").status == 403
    assert ana.post("/admin/prompts/speech", {"name": "x", "text": "y",
                                              "language": "en"}).status == 403
    assert upload(ana, "/admin/prompts/upload", "a.wav", wav_bytes()).status == 403
    assert 'href="/admin/prompts"' not in ana.get("/live").text
    answer = upload(box.boss, "/admin/prompts/upload", "a.wav", wav_bytes(), name="W",
                    csrf="forged")
    assert answer.status == 403 and own_prompts(box) == []
    box.boss.get("/admin/prompts")
    beep = box.deps.prompts.by_key("beep")
    for path, form in ((f"/admin/prompts/{beep.id}/name", {"name": "Tone"}),
                       (f"/admin/prompts/{beep.id}/delete", {"confirm": "yes"}),
                       ("/admin/prompts/speech", {"name": "x", "text": "y"})):
        assert box.boss.post(path, form, csrf="forged").status == 403
    assert box.deps.prompts.by_key("beep").name == beep.name


def test_every_problem_and_word_of_the_library_has_its_chinese():
    words = [*errors.MESSAGES, *page.SOURCE_NAMES.values(),
             *(label for _, label in page.LANGUAGE_CHOICES)]
    assert [word for word in words if word not in ZH] == []
    error = errors.PromptError(errors.TOO_LONG, file="a.wav", seconds=400, limit=300)
    assert ZH_T(error.template, **error.values) == "a.wav：太长：400 秒，最长 300 秒。"


def test_the_player_plays_what_pcm_gives(box, quiet):
    upload(box.boss, "/admin/prompts/upload", "a.wav", wav_bytes(), name="Welcome")
    (prompt,) = own_prompts(box)
    body = box.boss.get(f"/admin/prompts/{prompt.id}/audio").body
    played, rate = soundfile.read(io.BytesIO(body), dtype="int16")
    assert rate == 8000 and np.array_equal(played, box.deps.prompts.pcm(prompt.id))
    assert parse_detail(box.deps.audit.entries(action="prompt_added")[0].detail)
