"""What the sales pages share: the labels of states, payment methods and stages, money as
the pages write it, and reading a day or an amount from a form with a one-line problem.

The labels of states and stages come from ``firmware.store.sales`` and are translated
here; payment methods are the data dictionary's list, shown as its entries say.
"""

from __future__ import annotations

from firmware.store.dictionary import Dictionary
from firmware.store.sales import (
    ORDER_STATES,
    STAGES,
    cents_text,
    parse_cents,
    parse_day,
)

TEXT_LIMIT_FACTOR = 2  # characters of a field kept to show back: twice its limit


def state_label(t, state: str) -> str:
    return t(dict(ORDER_STATES).get(state, state))


def payment_label(store, t, payment: str) -> str:
    return Dictionary(store).label("payment_methods", payment, t.language)


def stage_label(t, stage: str) -> str:
    return t(dict(STAGES).get(stage, stage))


def money(cents: int | None) -> str:
    return "—" if cents is None else cents_text(cents)


def read_money(t, typed: str, field: str, problems: dict[str, str]) -> int | None:
    """An amount of money from a field; a problem naming the field when it is not one."""
    cents = parse_cents(typed)
    if cents is None:
        problems[field] = t("{value} is not an amount of money; write it as 1234.50.",
                            value=typed[:40])
    return cents


def read_day(t, typed: str, field: str, problems: dict[str, str], *, needed: bool = True
             ) -> str | None:
    """A day YYYY-MM-DD from a field (empty: None, a problem when ``needed``)."""
    if not typed:
        if needed:
            problems[field] = t("Write the day as YYYY-MM-DD.")
        return None
    day = parse_day(typed)
    if day is None:
        problems[field] = t("{value} is not a date; write it as YYYY-MM-DD.", value=typed[:40])
    return day


def read_whole(t, typed: str, field: str, problems: dict[str, str], *, least: int = 0,
               most: int = 10**9) -> int | None:
    """A whole number from ``least`` to ``most`` (a minus sign allowed when ``least`` < 0)."""
    text = typed.strip()
    digits = text[1:] if text.startswith("-") else text
    readable = digits.isascii() and digits.isdigit() and len(digits) <= 10
    if not readable or not least <= int(text) <= most:
        problems[field] = t("{value} is not a whole number from {least} to {most}.",
                            value=typed[:40], least=least, most=most)
        return None
    return int(text)


def first_problem(t, problems: dict[str, str], labels: dict[str, str]) -> str:
    """The first problem as one line naming its field."""
    field, problem = next(iter(problems.items()))
    return t("{field}: {problem}", field=t(labels.get(field, field)), problem=problem)
