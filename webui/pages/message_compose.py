"""Writing a text message: to a number, a customer or customer groups, now or at a time,
typed or from a template; always previewed before it is sent.

The form is posted twice. ``preview``: every recipient's message as it will go, its
placeholders rendered for that customer in the chosen language (``firmware.sms.
templates``), its length and its parts (GSM 7-bit 160/153, UCS2 70/67), the sensitive
words it holds; recipients passed over are listed with why (no mobile number, a number
twice). ``send``: the same rendered again and compared with the preview by its digest, so
that what is queued is what was shown (a customer added or changed since is a new
preview, not a surprise); then queued through the word check (``firmware.sms.outbox``)
in one transaction, and audited.

A customer is texted at their first mobile number. Groups are the customers' groups
(the Group field), of the customers the user sees. A problem is one line naming what is
wrong: an unknown placeholder, a placeholder with no value (``$name$`` to a number that
is no customer's), a message too long, sensitive words under the "block" filter.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date

from firmware.country.numbers import describe
from firmware.sms import templates
from firmware.sms.outbox import BlockedError
from firmware.store.audit import structured_detail
from firmware.store.campaigns import Campaign, Campaigns
from firmware.store.crm import Customer
from firmware.store.sms import MAX_TEXT, NewMessage, SmsError
from firmware.store.sms_templates import Holiday, Template
from webui.context import Ctx
from webui.pages.customer_form import normalise_number
from webui.pages.customers import _parse_local

MAX_RECIPIENTS = 2000
MOST_AHEAD_S = 366 * 86400
TEXTABLE = ("mobile", "fixed_line_or_mobile")
EVERY_GROUP = "*"  # the groups field's "every customer I see"


@dataclass
class Row:
    """One recipient of the preview: the message as it goes, or why it does not."""

    number: str
    number_e164: str | None
    customer: Customer | None
    text: str = ""
    size: templates.Size | None = None
    words: list[str] = field(default_factory=list)
    skipped: str = ""  # why no message goes (in the reader's language)


@dataclass
class Draft:
    typed: dict
    rows: list[Row] = field(default_factory=list)
    problem: str = ""
    not_before: float | None = None

    @property
    def sending(self) -> list[Row]:
        return [row for row in self.rows if not row.skipped]

    @property
    def digest(self) -> str:
        shown = [(row.number, row.customer.id if row.customer else None, row.text)
                 for row in self.sending]
        body = json.dumps([shown, self.not_before], ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()


def _typed(ctx: Ctx) -> dict:
    read = ctx.form if ctx.request.method == "POST" else ctx.query
    groups = ctx.form_list("groups") if ctx.request.method == "POST" else [
        group for group in ctx.request.query.getall("groups") if isinstance(group, str)]
    to = read("to")
    customer = read("customer")[:12]
    campaign = read("campaign")[:12]
    return {
        "to": to if to in ("number", "customer", "groups", "campaign") else (
            "campaign" if campaign else
            "customer" if customer else "groups" if groups else "number"),
        "campaign": campaign if campaign.isdigit() else "",
        "number": read("number")[:80],
        "customer": customer if customer.isdigit() else "",
        "groups": [group[:60] for group in groups[:100]],
        "template": read("template")[:12],
        "language": read("language") if read("language") in ("zh", "en") else (
            "zh" if ctx.t.language == "zh-CN" else "en"),
        "holiday": read("holiday")[:12],
        "send_at": read("send_at")[:20],
        # As typed, spaces kept; a browser sends a line break as CR LF: one LF is sent.
        "text": (ctx.request.forms.getunicode("text") or "")[: MAX_TEXT * 2].replace("\r\n", "\n")
        if ctx.request.method == "POST" else "",
    }


def _template_of(ctx: Ctx, typed: dict) -> Template | None:
    if not typed["template"].isdigit():
        return None
    return ctx.deps.sms_templates.template(int(typed["template"]))


def _holiday_of(ctx: Ctx, typed: dict) -> Holiday | None:
    if not typed["holiday"].isdigit():
        return None
    return ctx.deps.sms_templates.holiday(int(typed["holiday"]))


def textable_number(ctx: Ctx, customer: Customer) -> tuple[str, str | None] | None:
    """The customer's first number that takes text messages (a mobile number)."""
    region = ctx.deps.region()
    for number in customer.numbers:
        if describe(number.number_e164 or number.number, region).kind in TEXTABLE:
            return number.number, number.number_e164
    return None


def _number_row(ctx: Ctx, typed: dict, draft: Draft) -> list[Row]:
    """The typed number, with the customer whose number it is (of those the user sees)."""
    if not typed["number"]:
        draft.problem = ctx.t("Write the number to send to.")
        return []
    number, problem = normalise_number(typed["number"], ctx.deps.country(), ctx.t)
    if number is None:
        draft.problem = problem
        return []
    known = ctx.deps.customers.by_number(number.number_e164, number.number,
                                         ctx.principal.owner_scope())
    return [Row(number.number, number.number_e164, known[0] if known else None)]


def campaign_of(ctx: Ctx, typed: dict) -> Campaign | None:
    """The campaign whose targets the message goes to, if one is named and the user may
    work campaigns (the campaigns flag or admin)."""
    if not typed["campaign"] or not (ctx.can("campaigns") or ctx.can("admin")):
        return None
    return Campaigns(ctx.deps.store).get(int(typed["campaign"]))


def _campaign_targets(ctx: Ctx, typed: dict, draft: Draft) -> list[Customer]:
    scope, t = ctx.principal.owner_scope(), ctx.t
    campaign = campaign_of(ctx, typed)
    if campaign is None:
        draft.problem = t("Choose the campaign to send to.")
        return []
    ids = Campaigns(ctx.deps.store).target_ids(campaign.id, scope)
    if len(ids) > MAX_RECIPIENTS:
        draft.problem = t("{n} customers: at most {most} in one send; choose fewer groups.",
                          n=len(ids), most=MAX_RECIPIENTS)
        return []
    if not ids:
        draft.problem = t("The campaign has no target you see.")
    return [c for c in (ctx.deps.customers.get(i, scope) for i in ids) if c is not None]


def _customers_to(ctx: Ctx, typed: dict, draft: Draft) -> list[Customer]:
    """The customer, the customers of the groups, or the campaign's targets (those the
    user sees), the message goes to."""
    scope, t = ctx.principal.owner_scope(), ctx.t
    if typed["to"] == "campaign":
        return _campaign_targets(ctx, typed, draft)
    if typed["to"] == "customer":
        customer = ctx.deps.customers.get(int(typed["customer"]), scope) \
            if typed["customer"] else None
        if customer is None:
            draft.problem = t("Choose the customer to send to.")
        return [customer] if customer else []
    if not typed["groups"]:
        draft.problem = t("Choose at least one customer group.")
        return []
    groups = None if EVERY_GROUP in typed["groups"] else typed["groups"]
    customers = ctx.deps.customers.of_groups(scope, groups)
    if len(customers) > MAX_RECIPIENTS:
        draft.problem = t("{n} customers: at most {most} in one send; choose fewer groups.",
                          n=len(customers), most=MAX_RECIPIENTS)
        return []
    if not customers:
        draft.problem = t("No customer you see is in these groups.")
    return customers


def _recipients(ctx: Ctx, typed: dict, draft: Draft) -> list[Row]:
    if typed["to"] == "number":
        return _number_row(ctx, typed, draft)
    rows, seen = [], {}
    for customer in _customers_to(ctx, typed, draft):
        number = textable_number(ctx, customer)
        if number is None:
            rows.append(Row("", None, customer, skipped=ctx.t("No mobile number.")))
            continue
        key = number[1] or number[0]
        if key in seen:
            rows.append(Row(number[0], number[1], customer,
                            skipped=ctx.t("The same number as {name}.", name=seen[key])))
            continue
        seen[key] = customer.name
        rows.append(Row(number[0], number[1], customer))
    return rows


def _when(ctx: Ctx, typed: dict, draft: Draft) -> None:
    if not typed["send_at"]:
        return
    at = _parse_local(ctx, typed["send_at"])
    now = ctx.deps.clock()
    if at is None:
        draft.problem = ctx.t("Write the time to send at as YYYY-MM-DD HH:MM.")
    elif at <= now:
        draft.problem = ctx.t("The time to send at has passed: choose a later one, or send now.")
    elif at - now > MOST_AHEAD_S:
        draft.problem = ctx.t("Send at most a year ahead.")
    else:
        draft.not_before = at


def build(ctx: Ctx, typed: dict) -> Draft:
    """The preview of what ``typed`` sends (see the module's text)."""
    t = ctx.t
    draft = Draft(typed)
    template = _template_of(ctx, typed)
    if template is not None and not typed["text"].strip():
        typed["text"], typed["language"] = template.text, template.language
    text = typed["text"]
    draft.problem = _text_problem(t, text)
    if not draft.problem:
        _when(ctx, typed, draft)
    if draft.problem:
        return draft
    holiday = _holiday_of(ctx, typed)
    language = typed["language"]
    day = holiday.date if holiday else date.fromisoformat(
        t.iso_date(draft.not_before or ctx.deps.clock()))
    draft.rows = _recipients(ctx, typed, draft)
    for row in draft.rows:
        if row.skipped:
            continue
        customer = row.customer
        try:
            row.text = templates.render(
                text, language=language, day=day, holiday=holiday.name(language) if holiday
                else None, recipient=templates.Recipient(customer.name, customer.gender,
                                                         customer.company)
                if customer else None)
        except templates.TemplateError as error:
            draft.problem = _unfilled(t, error)
            return draft
        if len(row.text) > MAX_TEXT:
            draft.problem = t("The message has {n} characters: at most {most}.",
                              n=len(row.text), most=MAX_TEXT)
            return draft
        row.size = templates.size(row.text)
        row.words = ctx.deps.outbox.words_in(row.text)
    if draft.rows and not draft.sending:
        draft.problem = t("None of these customers has a mobile number.")
    return draft


def _text_problem(t, text: str) -> str:
    """What is wrong with the typed text whoever it goes to, or ""."""
    if not text.strip():
        return t("Write the message, or choose a template.")
    if len(text) > MAX_TEXT:
        return t("The message has {n} characters: at most {most}.", n=len(text), most=MAX_TEXT)
    try:
        templates.check(text)
    except templates.TemplateError as error:
        return t("{placeholder} is not a placeholder: use $name$, $title$, $company$, $holiday$ or $date$.",  # noqa: E501
                 placeholder=error.placeholder)
    return ""


def _unfilled(t, error: templates.TemplateError) -> str:
    if error.placeholder in ("$holiday$", "$节日$"):
        return t("{placeholder} names a holiday: choose the holiday the message is for.",
                 placeholder=error.placeholder)
    return t("{placeholder} is the customer's: send the message to a customer, or take it out.",
             placeholder=error.placeholder)


def _page(ctx: Ctx, draft: Draft | None, typed: dict, *, preview: bool = False,
          status: int = 200) -> str:
    ctx.response.status = status
    scope = ctx.principal.owner_scope()
    customer = None
    if typed["customer"]:
        customer = ctx.deps.customers.get(int(typed["customer"]), scope)
    texts = ctx.deps.sms_templates
    today = ctx.t.iso_date(ctx.deps.clock())
    return ctx.render(
        "message_compose.tpl", typed=typed, draft=draft, preview=preview, customer=customer,
        campaign=campaign_of(ctx, typed),
        groups=ctx.deps.customers.categories(scope), templates=texts.templates(),
        holidays=texts.holidays(since=today), word_filter=ctx.deps.config().device.sms.word_filter,
        max_text=MAX_TEXT, every_group=EVERY_GROUP,
    )


def compose_page(ctx: Ctx) -> str:
    typed = _typed(ctx)
    template = _template_of(ctx, typed)
    if template is not None:
        typed["text"], typed["language"] = template.text, template.language
    return _page(ctx, None, typed)


def compose_submit(ctx: Ctx) -> str:
    typed = _typed(ctx)
    draft = build(ctx, typed)
    if draft.problem:
        return _page(ctx, draft, typed, status=400)
    if ctx.form("step") != "send":
        return _page(ctx, draft, typed, preview=True)
    if ctx.form("digest") != draft.digest:
        draft.problem = ctx.t("The recipients or the text changed since the preview: look at it again, then send.")  # noqa: E501
        return _page(ctx, draft, typed, preview=True, status=409)
    template = _template_of(ctx, typed)
    source = "template" if template is not None and template.text == typed["text"] else "manual"
    messages = [NewMessage(row.number, row.text, source, row.number_e164,
                           row.customer.id if row.customer else None, ctx.user.id,
                           not_before=draft.not_before) for row in draft.sending]
    try:
        sent = ctx.deps.outbox.send(messages, mode=ctx.deps.config().device.sms.word_filter,
                                    now=ctx.deps.clock())
    except BlockedError as error:
        draft.problem = ctx.t("Not sent: the message holds the sensitive words {words}.",
                              words=", ".join(error.words))
        return _page(ctx, draft, typed, preview=True, status=400)
    except SmsError as error:
        draft.problem = str(error)
        return _page(ctx, draft, typed, preview=True, status=400)
    ids = [message_id for message_id in sent.ids if message_id is not None]
    campaign = campaign_of(ctx, typed) if typed["to"] == "campaign" else None
    if campaign is not None:
        Campaigns(ctx.deps.store).link_messages(campaign.id, ids)
    target = f"text message {ids[0]}" if len(ids) == 1 else "text messages"
    ctx.audit("sms_queued", target, structured_detail(
        messages=len(ids), held=len(sent.held) or None,
        recipients=_audience(typed, draft), template=template.name if template else None,
        message=typed["text"], send_at=draft.not_before,
        campaign=f"{campaign.name} ({campaign.id})" if campaign else None))
    done = "held" if sent.held else "scheduled" if draft.not_before else "queued"
    ctx.redirect(f"/messages?done={done}&n={len(ids)}")


def _audience(typed: dict, draft: Draft) -> str:
    if typed["to"] == "campaign":
        return "campaign targets"
    if typed["to"] == "groups":
        return "groups: " + ", ".join("(every customer)" if group == EVERY_GROUP else group
                                      for group in typed["groups"])
    row = draft.sending[0]
    return f"{row.customer.name} ({row.number})" if row.customer else row.number
