"""The box's own text messages, each sent once: birthday and holiday greetings, the reply
to a missed call, the notice of a voicemail message.

``Greetings(store).run(config, now=..., local=...)`` queues what is due now (the engine's
``sms-jobs`` thread calls it every half minute and when woken), through the word check
(``firmware.sms.outbox``). Each message names its occasion (``NewMessage.once``), kept in
the same transaction as the message, so that a restart, a second round or a second
process never sends one twice:

- ``birthday:<customer>:<year>``: the template ``device.sms.birthday_template``, to each
  customer whose birthday (29 February: the 28th in other years) is ``birthday_days_ahead``
  days ahead or fewer, once the day's ``greeting_time`` has come: a box that was off on
  the day greets on the next one still before the birthday; once a year.
- ``holiday:<id>:<day>:<customer>``: a holiday's template to the customers of its groups
  (every customer when it names none), from ``days_ahead`` days before the holiday to
  the holiday itself, from the greeting time on.
- ``missed:<call>``: a line's ``sms.missed_call_reply`` to the caller of a missed call on
  it that ended at most ``REPLY_WINDOW_S`` ago, to a number that takes text messages;
  a number replied to within ``QUIET_S`` is not replied to again, however often it rang.
- ``voicemail:<message>:<number>``: a notice of a voicemail message left at most
  ``NOTICE_WINDOW_S`` ago to each of its line's ``sms.voicemail_notify`` numbers, in
  ``device.sms.language``.

A customer is texted at the first of their numbers that takes text messages (a mobile
number, as the caller's ``can_text`` says); one without is passed over, and greeted if
such a number is added while the occasion lasts. Placeholders are rendered in the
template's language (the lines' replies in ``device.sms.language``), ``$date$`` being
the occasion's day. Every round that queued something writes one audit entry per kind,
as the box's own (``BOX_ACTOR``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from firmware.config import Config, Sms
from firmware.sms import templates
from firmware.sms.outbox import Outbox, Sent
from firmware.store.audit import BOX_ACTOR, AuditLog, structured_detail
from firmware.store.crm import Customer, Customers
from firmware.store.db import Store
from firmware.store.scopes import EVERYTHING
from firmware.store.sms import NewMessage
from firmware.store.sms_templates import SmsTemplates, Template

log = logging.getLogger(__name__)

REPLY_WINDOW_S = 900.0  # a missed call is replied to at most this long after it ended
QUIET_S = 3600.0  # one reply to a number within this long
NOTICE_WINDOW_S = 3600.0  # a voicemail message is told at most this long after it began
NOTICES = {
    "zh": "{line}有新留言：来自{number}，{time}，{seconds}秒。",
    "en": "New voicemail on {line} from {number} at {time}, {seconds} s.",
}
UNKNOWN_CALLER = {"zh": "未知号码", "en": "an unknown number"}
LINE_NAMES = {"zh": "线路 {n}", "en": "line {n}"}


@dataclass
class Round:
    """What one round queued, by kind, and what stopped some of it."""

    queued: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def birthday_in(born: date, year: int) -> date:
    try:
        return born.replace(year=year)
    except ValueError:  # 29 February in a year without it
        return date(year, 2, 28)


def greeting_time_reached(local: datetime, clock: str) -> bool:
    hours, minutes = (int(part) for part in clock.split(":"))
    return (local.hour, local.minute) >= (hours, minutes)


def recipient_of(customer: Customer) -> templates.Recipient:
    return templates.Recipient(customer.name, customer.gender, customer.company)


class Greetings:
    """The box's own messages of one store (see the module's text). ``can_text``: whether
    a number takes text messages; ``e164``: a number in E.164, when it parses."""

    def __init__(
        self,
        store: Store,
        *,
        can_text: Callable[[str], bool] = lambda number: True,
        e164: Callable[[str], str | None] = lambda number: None,
    ) -> None:
        self.store = store
        self.outbox = Outbox(store)
        self.customers = Customers(store)
        self.templates = SmsTemplates(store)
        self.audit = AuditLog(store)
        self.can_text = can_text
        self.e164 = e164

    def run(self, config: Config, *, now: float, local: Callable[[float], datetime]) -> Round:
        """Queue what is due at ``now`` (``local``: a moment as the box's local time)."""
        done = Round()
        settings = config.device.sms
        jobs = (
            ("birthday", lambda: self.birthdays(settings, local(now), now, done)),
            ("holiday", lambda: self.holidays(settings, local(now), now, done)),
            ("missed_call", lambda: self.missed_call_replies(config, now, local, done)),
            ("voicemail", lambda: self.voicemail_notices(config, now, local)),
        )
        for kind, job in jobs:
            sent = job()
            if sent is not None and sent.queued:
                done.queued[kind] = sent.queued
                self.audit.record(
                    "sms_queued", username=BOX_ACTOR, target="text messages",
                    detail=structured_detail(occasion=kind, messages=sent.queued,
                                             held=len(sent.held) or None,
                                             refused=len(sent.failed) or None),
                    at=now)
        return done

    # ---- whom to text ---------------------------------------------------------------

    def number_of(self, customer: Customer) -> tuple[str, str | None] | None:
        """The customer's first number that takes text messages (as kept, and E.164)."""
        for number in customer.numbers:
            if self.can_text(number.number_e164 or number.number):
                return number.number, number.number_e164
        return None

    def _send(self, settings: Sms, messages: list[NewMessage], now: float) -> Sent | None:
        if not messages:
            return None
        return self.outbox.send(messages, mode=settings.word_filter, now=now, refused="fail")

    def _template(self, template_id: int, what: str, done: Round) -> Template | None:
        found = self.templates.template(template_id)
        if found is None:
            done.problems.append(f"the template of {what} ({template_id}) is gone: "
                                 "choose another in Settings → Messages")
        return found

    def _greet(self, template: Template, customers: list[tuple[Customer, str, date]],
               holiday: str | None, now: float, done: Round) -> list[NewMessage]:
        """The messages of a greeting to each (customer, occasion, day) not greeted yet."""
        sent = self.outbox.queue.occasions_sent(occasion for _, occasion, _ in customers)
        messages = []
        for customer, occasion, day in customers:
            if occasion in sent:
                continue
            number = self.number_of(customer)
            if number is None:
                continue
            try:
                text = templates.render(template.text, language=template.language, day=day,
                                        recipient=recipient_of(customer), holiday=holiday)
            except templates.TemplateError as error:
                done.problems.append(f"template {template.name}: {error}")
                return []
            if not text.strip():
                continue
            messages.append(NewMessage(number[0], text, "template", number[1], customer.id,
                                       once=occasion))
        return messages

    # ---- the jobs ---------------------------------------------------------------------

    def birthdays(self, settings: Sms, local: datetime, now: float, done: Round) -> Sent | None:
        if not settings.birthday_template or not greeting_time_reached(
                local, settings.greeting_time):
            return None
        template = self._template(settings.birthday_template, "the birthday greeting", done)
        if template is None:
            return None
        today = local.date()
        due = []
        for customer in self.customers.with_birthdays():
            try:
                born = date.fromisoformat(customer.birthday or "")
            except ValueError:
                continue
            for year in (today.year, today.year + 1):
                day = birthday_in(born, year)
                if day - timedelta(days=settings.birthday_days_ahead) <= today <= day:
                    due.append((customer, f"birthday:{customer.id}:{year}", day))
        return self._send(settings, self._greet(template, due, None, now, done), now)

    def holidays(self, settings: Sms, local: datetime, now: float, done: Round) -> Sent | None:
        if not greeting_time_reached(local, settings.greeting_time):
            return None
        today = local.date()
        messages: list[NewMessage] = []
        for holiday in self.templates.holidays(since=today.isoformat()):
            if holiday.template_id is None or holiday.date - timedelta(
                    days=holiday.days_ahead) > today:
                continue
            template = self._template(holiday.template_id, f"{holiday.name_en} {holiday.day}",
                                      done)
            if template is None:
                continue
            customers = self.customers.of_groups(EVERYTHING, list(holiday.groups) or None)
            due = [(customer, f"holiday:{holiday.id}:{holiday.day}:{customer.id}", holiday.date)
                   for customer in customers]
            messages += self._greet(template, due, holiday.name(template.language), now, done)
        return self._send(settings, messages, now)

    def missed_call_replies(self, config: Config, now: float,
                            local: Callable[[float], datetime], done: Round) -> Sent | None:
        replies = {line.number: line.sms.missed_call_reply for line in config.lines
                   if line.sms.missed_call_reply.strip()}
        if not replies:
            return None
        marks = ", ".join("?" for _ in replies)
        calls = self.store.connection().execute(
            "SELECT id, line, number, number_e164, ended_at FROM calls WHERE outcome = 'missed' "
            f"AND direction = 'in' AND ended_at >= ? AND line IN ({marks}) "
            "AND number IS NOT NULL AND number != '' ORDER BY ended_at, id",
            (now - REPLY_WINDOW_S, *replies)).fetchall()
        sent = self.outbox.queue.occasions_sent(f"missed:{call[0]}" for call in calls)
        language = config.device.sms.language
        messages: list[NewMessage] = []
        replied: set[str] = set()
        for call_id, line, number, e164, ended_at in calls:
            address = e164 or number
            if f"missed:{call_id}" in sent or address in replied or not self.can_text(address):
                continue
            replied.add(address)
            if self._replied_lately(number, e164, now):
                continue
            found = self.customers.by_number(e164, number, EVERYTHING)
            try:
                text = templates.render(
                    replies[line], language=language, day=local(ended_at).date(),
                    recipient=recipient_of(found[0]) if found else None, strict=False)
            except templates.TemplateError as error:
                done.problems.append(f"line {line}'s reply to a missed call: {error}")
                continue
            if text.strip():
                messages.append(NewMessage(number, text, "auto_reply", e164,
                                           found[0].id if found else None,
                                           once=f"missed:{call_id}"))
        return self._send(config.device.sms, messages, now)

    def _replied_lately(self, number: str, e164: str | None, now: float) -> bool:
        row = self.store.connection().execute(
            "SELECT 1 FROM sms_outbox WHERE source = 'auto_reply' AND queued_at >= ? "
            "AND (number = ? OR number_e164 = ?) LIMIT 1",
            (now - QUIET_S, number, e164 or number)).fetchone()
        return row is not None

    def voicemail_notices(self, config: Config, now: float,
                          local: Callable[[float], datetime]) -> Sent | None:
        told = {line.number: line for line in config.lines if line.sms.voicemail_notify}
        if not told:
            return None
        marks = ", ".join("?" for _ in told)
        kept = self.store.connection().execute(
            "SELECT id, line, number, started_at, seconds FROM voicemails WHERE started_at >= ? "
            f"AND deleted_at IS NULL AND line IN ({marks}) ORDER BY started_at, id",
            (now - NOTICE_WINDOW_S, *told)).fetchall()
        language = config.device.sms.language
        wanted = [(f"voicemail:{row[0]}:{number}", number, row)
                  for row in kept for number in told[row[1]].sms.voicemail_notify]
        sent = self.outbox.queue.occasions_sent(occasion for occasion, _, _ in wanted)
        messages = []
        for occasion, number, (_, line, caller, started_at, seconds) in wanted:
            if occasion in sent:
                continue
            settings = told[line]
            text = NOTICES[language].format(
                line=settings.given_name or LINE_NAMES[language].format(n=line),
                number=caller or UNKNOWN_CALLER[language],
                time=local(started_at).strftime("%H:%M"),
                seconds=round(seconds))
            messages.append(NewMessage(number, text, "system", self.e164(number), once=occasion))
        return self._send(config.device.sms, messages, now)
