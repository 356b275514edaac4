"""Settings, Prompts (the ``admin`` flag): what the box plays to a line.

The list shows every prompt of the library (``firmware.prompts.library``) with its
name, how it was made, its text and language, its length and a player; the box's own
prompts (the recording announcement, the survey's, the voicemail greeting...) are made
on the first visit, spoken in the box's language (Chinese in China, else English). The
admin adds a prompt by uploading an audio file (WAV, FLAC, Ogg Vorbis or Opus, MP3: at
most ``MAX_UPLOAD_BYTES``, refused by its Content-Length before the body is read) or by
typing a text for the box to speak, and on a prompt's own page renames it, replaces its
sound either way, or deletes it (the admin's own, and not while a setting uses it).

The library writes every change to the audit log in the same transaction as the change.
A problem (an unreadable file, an empty text, a name taken) is one line on the page, in
the admin's language: ``PromptError`` keeps its message as a template and values.
"""

from __future__ import annotations

from urllib.parse import urlencode

from firmware.prompts.errors import PromptError, PromptNotFoundError, shown_name
from firmware.prompts.library import MAX_NAME, Prompt, box_language
from firmware.prompts.speech import MAX_TEXT
from webui.context import Ctx
from webui.http_range import ranged_answer
from webui.playback import PlaybackError, file_view

MAX_UPLOAD_BYTES = 7 * 1024 * 1024  # within the server's 8 MB for any request
MAX_BODY = MAX_UPLOAD_BYTES + 64 * 1024  # the file and the form's other fields
LANGUAGE_CHOICES = (("zh", "Chinese"), ("en", "English"))
SOURCE_NAMES = {"upload": "Uploaded file", "speech": "Spoken by the box", "tone": "Tone"}
NOTICES = ("added", "replaced", "renamed", "deleted")


def problem_text(ctx: Ctx, error: PromptError) -> str:
    """A PromptError in the reader's language."""
    return ctx.t(error.template, **error.values)


def _author(ctx: Ctx) -> dict:
    user = ctx.user
    return {"user": user.username, "user_id": user.id, "address": ctx.address}


def _defaults(ctx: Ctx) -> str:
    """Make the box's own prompts that are missing; what went wrong, if anything."""
    try:
        ctx.deps.prompts.ensure_defaults(box_language(ctx.deps.country()))
    except PromptError as error:
        return problem_text(ctx, error)
    return ""


def _typed(ctx: Ctx) -> dict:
    return {
        "name": ctx.form("name")[: MAX_NAME * 2],
        "text": ctx.form("text")[: MAX_TEXT * 2],
        "language": ctx.form("language") or box_language(ctx.deps.country()),
    }


def _list_page(ctx: Ctx, *, problem: str = "", typed: dict | None = None,
               form: str = "", status: int = 200) -> str:
    ctx.response.status = status
    defaults_problem = _defaults(ctx)
    notice = ctx.query("done")
    return ctx.render(
        "admin_prompts.tpl",
        prompts=ctx.deps.prompts.prompts(),
        problem=problem,
        form=form,
        defaults_problem=defaults_problem,
        notice=notice if notice in NOTICES else "",
        typed=typed or {"name": "", "text": "", "language": box_language(ctx.deps.country())},
        **_limits(ctx),
    )


def _limits(ctx: Ctx) -> dict:
    return {
        "max_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "max_name": MAX_NAME,
        "max_text": MAX_TEXT,
        "languages": LANGUAGE_CHOICES,
        "source_names": SOURCE_NAMES,
    }


def prompts_page(ctx: Ctx) -> str:
    return _list_page(ctx)


def _upload(ctx: Ctx) -> tuple[bytes, str]:
    """The uploaded file's bytes and name; PromptError-like problems as PromptError."""
    upload = ctx.request.files.get("file")
    if upload is None:
        raise _Problem(message="Choose an audio file to upload.")
    data = upload.file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise _Problem(message="The file is too big: at most {n} MB.",
                       n=MAX_UPLOAD_BYTES // (1024 * 1024))
    return data, upload.raw_filename or "upload"


class _Problem(Exception):  # noqa: N818 - a problem of the form, shown on the page
    def __init__(self, message: str, **values: object) -> None:
        super().__init__(message)
        self.message = message
        self.values = values


def upload_submit(ctx: Ctx) -> str:
    typed = _typed(ctx)
    try:
        data, filename = _upload(ctx)
        name = typed["name"] or shown_name(filename).rsplit(".", 1)[0]
        ctx.deps.prompts.add_upload(name, data, filename, **_author(ctx))
    except _Problem as problem:
        return _list_page(ctx, problem=ctx.t(problem.message, **problem.values), typed=typed,
                          form="upload", status=400)
    except PromptError as error:
        return _list_page(ctx, problem=problem_text(ctx, error), typed=typed, form="upload",
                          status=400)
    ctx.redirect("/admin/prompts?" + urlencode({"done": "added"}))
    return ""


def speech_submit(ctx: Ctx) -> str:
    typed = _typed(ctx)
    try:
        ctx.deps.prompts.add_speech(typed["name"], typed["text"], typed["language"],
                                    **_author(ctx))
    except PromptError as error:
        return _list_page(ctx, problem=problem_text(ctx, error), typed=typed, form="speech",
                          status=400)
    ctx.redirect("/admin/prompts?" + urlencode({"done": "added"}))
    return ""


# ---- one prompt --------------------------------------------------------------------------


def _prompt(ctx: Ctx, prompt_id: int) -> Prompt:
    try:
        return ctx.deps.prompts.get(prompt_id)
    except PromptNotFoundError:
        ctx.fail(404, "Not found.")
        raise AssertionError from None  # unreachable: fail raises


def _prompt_page(ctx: Ctx, prompt: Prompt, *, problem: str = "", form: str = "",
                 typed: dict | None = None, status: int = 200) -> str:
    ctx.response.status = status
    notice = ctx.query("done")
    return ctx.render(
        "admin_prompt.tpl",
        prompt=prompt,
        problem=problem,
        form=form,
        notice=notice if notice in NOTICES else "",
        use=ctx.deps.prompts.use_of(prompt.id),
        typed=typed or {"name": prompt.name, "text": prompt.text,
                        "language": prompt.language or box_language(ctx.deps.country())},
        **_limits(ctx),
    )


def prompt_page(ctx: Ctx, prompt_id: int) -> str:
    return _prompt_page(ctx, _prompt(ctx, prompt_id))


def _changed(ctx: Ctx, prompt_id: int, form: str, change) -> str:
    """Carry out ``change()``; back to the prompt's page with the problem, if any."""
    prompt = _prompt(ctx, prompt_id)
    typed = {**_typed(ctx), "name": ctx.form("name")[: MAX_NAME * 2] or prompt.name}
    try:
        change()
    except _Problem as problem:
        return _prompt_page(ctx, prompt, problem=ctx.t(problem.message, **problem.values),
                            form=form, typed=typed, status=400)
    except PromptNotFoundError:
        ctx.fail(404, "Not found.")
    except PromptError as error:
        return _prompt_page(ctx, prompt, problem=problem_text(ctx, error), form=form,
                            typed=typed, status=400)
    done = "renamed" if form == "name" else "replaced"
    ctx.redirect(f"/admin/prompts/{prompt_id}?" + urlencode({"done": done}))
    return ""


def rename_submit(ctx: Ctx, prompt_id: int) -> str:
    return _changed(ctx, prompt_id, "name", lambda: ctx.deps.prompts.rename(
        prompt_id, ctx.form("name"), **_author(ctx)))


def replace_upload_submit(ctx: Ctx, prompt_id: int) -> str:
    def replace() -> None:
        data, filename = _upload(ctx)
        ctx.deps.prompts.replace_upload(prompt_id, data, filename, **_author(ctx))

    return _changed(ctx, prompt_id, "upload", replace)


def replace_speech_submit(ctx: Ctx, prompt_id: int) -> str:
    return _changed(ctx, prompt_id, "speech", lambda: ctx.deps.prompts.replace_speech(
        prompt_id, ctx.form("text"), ctx.form("language"), **_author(ctx)))


def delete_submit(ctx: Ctx, prompt_id: int) -> str:
    prompt = _prompt(ctx, prompt_id)
    if ctx.form("confirm") != "yes":
        return _prompt_page(ctx, prompt, problem=ctx.t("Tick the box to confirm."),
                            form="delete", status=400)
    try:
        ctx.deps.prompts.delete(prompt_id, **_author(ctx))
    except PromptNotFoundError:
        ctx.fail(404, "Not found.")
    except PromptError as error:
        return _prompt_page(ctx, prompt, problem=problem_text(ctx, error), form="delete",
                            status=409)
    ctx.redirect("/admin/prompts?" + urlencode({"done": "deleted"}))
    return ""


def prompt_audio(ctx: Ctx, prompt_id: int):
    """The prompt's WAV for the page's player, by byte ranges; never cached."""
    prompt = _prompt(ctx, prompt_id)
    try:
        view = file_view(ctx.deps.prompts.folder / prompt.file)
    except PlaybackError:
        ctx.fail(404, "Not found.")
    response = ctx.response
    response.content_type = "audio/wav"
    response.set_header("Cache-Control", "private, no-store")
    return ranged_answer(response, ctx.request.headers, view.size, view.chunks,
                         f'"{prompt.sha256[:16]}"')
