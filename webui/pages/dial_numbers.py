"""Numbers for a dialling task as the pages take them: checked, normalised, screened.

A number typed or imported is read as the customer form reads one (the box's
country profile: E.164 where it parses, a short number's digits), then given
the digits the box dials (``firmware.country.numbers.dial_digits``) and
screened by the call firewall as it is now (``Screen.dial_verdict``): a number it
refuses is added all the same, done as ``blocked`` with its rule, so the task
shows why it is never called. Problems come in the reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from firmware.country.numbers import describe, dial_digits
from firmware.store.crm import Customer
from firmware.store.dialling import NewNumber
from firmware.store.dialling_rules import ERRORS
from firmware.store.firewall import Screen, snapshot
from webui.context import Ctx
from webui.pages.customer_form import normalise_number

MAX_NAME = 200
MAX_NOTE = 1000


def screen_now(ctx: Ctx) -> Screen:
    """The call firewall as it is in the store now, for the box's country."""
    return snapshot(ctx.deps.store, describe=describe, region=ctx.deps.region())


@dataclass(frozen=True)
class Checker:
    """Reads numbers for one request: the country, the firewall and the time, once."""

    ctx: Ctx
    screen: Screen
    at: float

    @classmethod
    def of(cls, ctx: Ctx) -> Checker:
        return cls(ctx, screen_now(ctx), ctx.deps.clock())

    def blocked_by(self, *forms: str | None) -> str | None:
        region = self.ctx.deps.region()
        for form in dict.fromkeys(f for f in forms if f):
            verdict = self.screen.dial_verdict(form, self.at, region=region)
            if verdict.blocked:
                return verdict.rule
        return None

    def typed(self, raw: str, name: str = "", note: str = "",
              customer_id: int | None = None) -> tuple[NewNumber | None, str]:
        """A number as typed or imported, or the problem with it (one line)."""
        t = self.ctx.t
        raw = raw.strip()
        if not raw:
            return None, t("The number is missing.")
        if len(raw) > 40:
            return None, t("At most {n} characters.", n=40)
        normalised, problem = normalise_number(raw, self.ctx.deps.country(), t)
        if normalised is None:
            return None, problem
        return self._made(normalised.number, normalised.number_e164, name, note, customer_id)

    def _made(self, number: str, e164: str | None, name: str, note: str,
              customer_id: int | None) -> tuple[NewNumber | None, str]:
        dial = dial_digits(e164 or number, self.ctx.deps.region())
        if dial is None:
            return None, self.ctx.t(ERRORS[17], number=number)
        return NewNumber(number, e164, dial, name=name.strip()[:MAX_NAME],
                         note=note.strip()[:MAX_NOTE], customer_id=customer_id,
                         blocked_by=self.blocked_by(e164, dial, number)), ""

    def of_customer(self, customer: Customer) -> NewNumber | None:
        """A customer's first number (the one listed first on their card), or None when
        they have none the box can dial."""
        for number in customer.numbers:
            made, _ = self._made(number.number, number.number_e164, customer.name,
                                 customer.company, customer.id)
            if made is not None:
                return made
        return None
