"""Settings → Messages: the GSM modem, the sensitive-word filter, greetings, templates and
the holiday calendar (admins).

The modem's port, delivery reports and validity, the language of the box's own
messages, the filter's choice (refuse, or hold for approval), the birthday greeting (a
template, how many days ahead) and the time of day greetings go out are the device
configuration's ``device.sms`` (saved, audited and told to the engine as the other
settings). Templates and holidays are kept in the store (``firmware.store.
sms_templates``), each change audited; a template the birthday greeting or a holiday
uses is not deleted. The word list has its own page (``webui.pages.sms_words``).
"""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlencode

from firmware.config import to_plain
from firmware.sms import templates
from firmware.store.audit import structured_detail
from firmware.store.scopes import EVERYTHING
from firmware.store.sms_templates import (
    HOLIDAY_NAME_LIMIT,
    MOST_DAYS_AHEAD,
    NAME_LIMIT,
    TEXT_LIMIT,
    SmsTemplateError,
    Template,
)
from webui.context import Ctx, row_id
from webui.pages.device_settings import _outcome, _save, _validated, describe_change

_FIELDS = ("modem", "delivery_reports", "validity_hours", "language", "word_filter",
           "greeting_time", "birthday_template", "birthday_days_ahead")
SAMPLES = {  # whom a template's preview is rendered for
    "zh": (templates.Recipient("张三", "male", "示例公司"), "春节"),
    "en": (templates.Recipient("Ann Lee", "female", "Example Ltd"), "New Year"),
}


def _typed_of(ctx: Ctx) -> dict:
    sms = ctx.deps.config().device.sms
    return {"modem": sms.modem, "delivery_reports": sms.delivery_reports,
            "validity_hours": str(sms.validity_hours), "language": sms.language,
            "word_filter": sms.word_filter, "greeting_time": sms.greeting_time,
            "birthday_template": str(sms.birthday_template),
            "birthday_days_ahead": str(sms.birthday_days_ahead)}


def _page(ctx: Ctx, typed: dict, problems: dict, *, holiday: dict | None = None,
          editing: int | None = None, status: int = 200) -> str:
    ctx.response.status = status
    texts = ctx.deps.sms_templates
    today = ctx.t.iso_date(ctx.deps.clock())
    words = ctx.deps.outbox.word_list.current()
    return ctx.render(
        "admin_sms.tpl", typed=typed, problems=problems, outcome=_outcome(ctx),
        templates=texts.templates(), holidays=texts.holidays(since=today),
        new_holiday=holiday or {"day": "", "name_zh": "", "name_en": "", "template": "",
                                "days_ahead": "0", "groups": []},
        groups=ctx.deps.customers.categories(EVERYTHING), word_count=len(words.words),
        notice=ctx.query("done"), most_days=MOST_DAYS_AHEAD, name_limit=HOLIDAY_NAME_LIMIT,
        editing=editing,
    )


def settings_page(ctx: Ctx) -> str:
    """The settings; ``?holiday=<id>``: with that holiday in the form, to be changed."""
    asked = ctx.query("holiday")
    if not asked:
        return _page(ctx, _typed_of(ctx), {})
    holiday_id = row_id(asked)
    holiday = ctx.deps.sms_templates.holiday(holiday_id) if holiday_id is not None else None
    if holiday is None:
        ctx.fail(404, "Not found.")
    return _page(ctx, _typed_of(ctx), {}, editing=holiday.id, holiday={
        "day": holiday.day, "name_zh": holiday.name_zh, "name_en": holiday.name_en,
        "template": str(holiday.template_id or ""), "days_ahead": str(holiday.days_ahead),
        "groups": list(holiday.groups)})


def _number(text: str, problems: dict, field: str, t) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 9:
        problems[field] = t("Write a number.")
        return 0
    return int(text)


def settings_submit(ctx: Ctx) -> str:
    typed = {name: ctx.form(name)[:300] for name in _FIELDS}
    typed["delivery_reports"] = ctx.form("delivery_reports") == "yes"
    problems: dict[str, str] = {}
    template = typed["birthday_template"].strip() or "0"
    if template != "0" and (not template.isdigit() or len(template) > 9
                            or ctx.deps.sms_templates.template(int(template)) is None):
        problems["birthday_template"] = ctx.t("Choose a template from the list.")
    before = ctx.deps.config()
    plain = to_plain(before)
    plain["device"]["sms"] = {
        "modem": typed["modem"].strip(),
        "delivery_reports": typed["delivery_reports"],
        "validity_hours": _number(typed["validity_hours"], problems, "validity_hours", ctx.t),
        "language": typed["language"],
        "word_filter": typed["word_filter"],
        "greeting_time": typed["greeting_time"],
        "birthday_template": int(template) if template.isdigit() and len(template) <= 9 else 0,
        "birthday_days_ahead": _number(typed["birthday_days_ahead"], problems,
                                       "birthday_days_ahead", ctx.t),
    }
    after = None if problems else _validated(plain, None, problems, ctx.t)
    if problems:
        for key in list(problems):
            if key.startswith("sms."):
                problems[key.removeprefix("sms.")] = problems.pop(key)
        return _page(ctx, typed, problems, status=400)
    outcome = {"done": "applied"}
    if describe_change(before, after) != describe_change(before, before):
        outcome = _save(ctx, before, after)
    ctx.redirect(f"/admin/messages?{urlencode(outcome)}")


# ---- templates ------------------------------------------------------------------------


def template_use(ctx: Ctx, template_id: int) -> str | None:
    """What uses the template, in the reader's language, or None."""
    if ctx.deps.config().device.sms.birthday_template == template_id:
        return ctx.t("the birthday greeting")
    for holiday in ctx.deps.sms_templates.holidays():
        if holiday.template_id == template_id:
            return ctx.t("the greeting of {holiday} ({day})", day=holiday.day,
                         holiday=holiday.name_zh if ctx.t.language == "zh-CN"
                         else holiday.name_en)
    return None


def _template_problems(ctx: Ctx, typed: dict, template_id: int | None) -> dict[str, str]:
    t = ctx.t
    problems = {}
    if not typed["name"]:
        problems["name"] = t("A template needs a name.")
    elif len(typed["name"]) > NAME_LIMIT:
        problems["name"] = t("At most {n} characters.", n=NAME_LIMIT)
    elif any(template.name == typed["name"] and template.id != template_id
             for template in ctx.deps.sms_templates.templates()):
        problems["name"] = t("There is a template named {name} already.", name=typed["name"])
    if typed["language"] not in ("zh", "en"):
        problems["language"] = t("Choose the template's language.")
    if not typed["text"].strip():
        problems["text"] = t("Write the template's text.")
    elif len(typed["text"]) > TEXT_LIMIT:
        problems["text"] = t("The message has {n} characters: at most {most}.",
                             n=len(typed["text"]), most=TEXT_LIMIT)
    else:
        try:
            templates.check(typed["text"])
        except templates.TemplateError as error:
            problems["text"] = t("{placeholder} is not a placeholder: use $name$, $title$, $company$, $holiday$ or $date$.",  # noqa: E501
                                 placeholder=error.placeholder)
    return problems


def sample(ctx: Ctx, text: str, language: str) -> tuple[str, templates.Size] | None:
    """The text rendered for the sample customer, with its size (None when it cannot be)."""
    recipient, holiday = SAMPLES.get(language, SAMPLES["en"])
    try:
        rendered = templates.render(text, language=language, recipient=recipient,
                                    holiday=holiday,
                                    day=date.fromisoformat(ctx.t.iso_date(ctx.deps.clock())))
    except templates.TemplateError:
        return None
    return rendered, templates.size(rendered)


def _template_form(ctx: Ctx, template: Template | None, typed: dict, problems: dict,
                   status: int = 200) -> str:
    ctx.response.status = status
    shown = sample(ctx, typed["text"], typed["language"]) if typed["text"] and not problems \
        else None
    return ctx.render("admin_sms_template.tpl", saved=template, typed=typed,
                      problems=problems, sample=shown, name_limit=NAME_LIMIT,
                      text_limit=TEXT_LIMIT, used_by=template_use(ctx, template.id)
                      if template else None, notice=ctx.query("done"))


def _typed_template(ctx: Ctx) -> dict:
    return {"name": ctx.form("name")[: NAME_LIMIT * 2],
            "language": ctx.form("language"),
            "text": (ctx.request.forms.getunicode("text") or "")[: TEXT_LIMIT * 2]
            .replace("\r\n", "\n")}


def new_template_page(ctx: Ctx) -> str:
    language = "zh" if ctx.t.language == "zh-CN" else "en"
    return _template_form(ctx, None, {"name": "", "language": language, "text": ""}, {})


def new_template_submit(ctx: Ctx) -> str:
    typed = _typed_template(ctx)
    problems = _template_problems(ctx, typed, None)
    if problems:
        return _template_form(ctx, None, typed, problems, 400)
    try:
        template_id = ctx.deps.sms_templates.add(typed["name"], typed["language"],
                                                 typed["text"], by=ctx.user.shown_name,
                                                 now=ctx.deps.clock())
    except SmsTemplateError as error:  # another admin took the name meanwhile
        return _template_form(ctx, None, typed, {"name": str(error)}, 409)
    ctx.audit("sms_template_added", f"template {template_id}",
              structured_detail(name=typed["name"], language=typed["language"],
                                message=typed["text"]))
    ctx.redirect(f"/admin/messages/templates/{template_id}?done=added")


def _template_of(ctx: Ctx, template_id: int) -> Template:
    template = ctx.deps.sms_templates.template(template_id)
    if template is None:
        ctx.fail(404, "Not found.")
    return template


def template_page(ctx: Ctx, template_id: int) -> str:
    template = _template_of(ctx, template_id)
    typed = {"name": template.name, "language": template.language, "text": template.text}
    return _template_form(ctx, template, typed, {})


def template_submit(ctx: Ctx, template_id: int) -> str:
    template = _template_of(ctx, template_id)
    typed = _typed_template(ctx)
    problems = _template_problems(ctx, typed, template.id)
    if problems:
        return _template_form(ctx, template, typed, problems, 400)
    try:
        ctx.deps.sms_templates.update(template.id, typed["name"], typed["language"],
                                      typed["text"], by=ctx.user.shown_name,
                                      now=ctx.deps.clock())
    except SmsTemplateError as error:
        return _template_form(ctx, template, typed, {"name": str(error)}, 409)
    changes = [(key, getattr(template, key), typed[key])
               for key in ("name", "language", "text") if getattr(template, key) != typed[key]]
    ctx.audit("sms_template_changed", f"template {template.id}",
              structured_detail(changes=[("message" if key == "text" else key, old, new)
                                         for key, old, new in changes]))
    ctx.redirect(f"/admin/messages/templates/{template.id}?done=saved")


def template_delete(ctx: Ctx, template_id: int) -> str:
    template = _template_of(ctx, template_id)
    used_by = template_use(ctx, template.id)
    if used_by:
        ctx.fail(409, "The template is used by {user}: choose another there first.",
                 user=used_by)
    ctx.deps.sms_templates.delete(template.id)
    ctx.audit("sms_template_deleted", f"template {template.id}",
              structured_detail(name=template.name, message=template.text))
    ctx.redirect("/admin/messages?done=template_deleted#templates")


# ---- holidays -------------------------------------------------------------------------


def _holiday_form(ctx: Ctx) -> tuple[dict, dict, Template | None]:
    """The holiday form as typed, its problems by field, the greeting's template."""
    t = ctx.t
    typed = {"day": ctx.form("day")[:10], "name_zh": ctx.form("name_zh")[:200],
             "name_en": ctx.form("name_en")[:200], "template": ctx.form("template")[:12],
             "days_ahead": ctx.form("days_ahead")[:3] or "0",
             "groups": [group[:60] for group in ctx.form_list("groups")[:100]]}
    problems = {}
    if t.local_midnight(typed["day"]) is None:
        problems["day"] = t("{value} is not a date (YYYY-MM-DD).", value=typed["day"])
    for key in ("name_zh", "name_en"):
        if not typed[key].strip():
            problems[key] = t("Write the holiday's name.")
        elif len(typed[key]) > HOLIDAY_NAME_LIMIT:
            problems[key] = t("At most {n} characters.", n=HOLIDAY_NAME_LIMIT)
    if not re.fullmatch(r"\d{1,2}", typed["days_ahead"]) or int(typed["days_ahead"]) > \
            MOST_DAYS_AHEAD:
        problems["days_ahead"] = t("{value} is outside {low} to {high}.",
                                   value=typed["days_ahead"], low=0, high=MOST_DAYS_AHEAD)
    template = None
    if typed["template"]:
        template_id = row_id(typed["template"])
        template = ctx.deps.sms_templates.template(template_id) \
            if template_id is not None else None
        if template is None:
            problems["template"] = t("Choose a template from the list.")
    return typed, problems, template


def _holiday_refused(ctx: Ctx, typed: dict, problems: dict, editing: int | None = None) -> str:
    return _page(ctx, _typed_of(ctx), {f"holiday_{key}": problem
                                       for key, problem in problems.items()},
                 holiday=typed, editing=editing, status=400)


def holiday_add(ctx: Ctx) -> str:
    typed, problems, template = _holiday_form(ctx)
    if problems:
        return _holiday_refused(ctx, typed, problems)
    holiday_id = ctx.deps.sms_templates.add_holiday(
        typed["day"], typed["name_zh"], typed["name_en"],
        template_id=template.id if template else None, days_ahead=int(typed["days_ahead"]),
        groups=typed["groups"], by=ctx.user.shown_name, now=ctx.deps.clock())
    ctx.audit("sms_holiday_added", f"holiday {holiday_id}", structured_detail(
        day=typed["day"], name=f"{typed['name_zh']} / {typed['name_en']}",
        template=template.name if template else None, days_ahead=int(typed["days_ahead"]),
        groups=typed["groups"] or None))
    ctx.redirect("/admin/messages?done=holiday_added#holidays")


def holiday_save(ctx: Ctx, holiday_id: int) -> str:
    """A holiday changed (``/admin/messages?holiday=<id>`` shows it in the form)."""
    texts = ctx.deps.sms_templates
    before = texts.holiday(holiday_id)
    if before is None:
        ctx.fail(404, "Not found.")
    typed, problems, template = _holiday_form(ctx)
    if problems:
        return _holiday_refused(ctx, typed, problems, editing=before.id)
    texts.save_holiday(
        before.id, typed["day"], typed["name_zh"], typed["name_en"],
        template_id=template.id if template else None, days_ahead=int(typed["days_ahead"]),
        groups=typed["groups"], by=ctx.user.shown_name, now=ctx.deps.clock())
    after = texts.holiday(before.id)
    names = {template.id: template.name for template in texts.templates()}
    fields = ("day", "name_zh", "name_en", "template_id", "days_ahead", "groups")

    def shown(holiday, field):
        value = getattr(holiday, field)
        if field == "template_id":
            return names.get(value, "-") if value else "-"
        if field == "groups":
            return ", ".join(value) or "-"
        return str(value)

    pairs = [(field.removesuffix("_id"), shown(before, field), shown(after, field))
             for field in fields]
    changes = [(field, old, new) for field, old, new in pairs if old != new]
    ctx.audit("sms_holiday_changed", f"holiday {before.id}", structured_detail(
        name=f"{after.name_zh} / {after.name_en}", changes=changes))
    ctx.redirect("/admin/messages?done=holiday_changed#holidays")


def holiday_delete(ctx: Ctx, holiday_id: int) -> str:
    holiday = ctx.deps.sms_templates.holiday(holiday_id)
    if holiday is None:
        ctx.fail(404, "Not found.")
    ctx.deps.sms_templates.delete_holiday(holiday.id)
    ctx.audit("sms_holiday_deleted", f"holiday {holiday.id}", structured_detail(
        day=holiday.day, name=f"{holiday.name_zh} / {holiday.name_en}"))
    ctx.redirect("/admin/messages?done=holiday_deleted#holidays")
