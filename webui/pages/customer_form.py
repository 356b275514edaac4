"""A customer as typed (the form, or a row of an imported sheet): checked and normalised.

Every field is bounded in length; phone numbers are read in the box's
country profile and kept with their E.164 form (service numbers such as
95588 keep their digits alone); a birthday is a real date, not in the
future; an email address has one @ and a domain. Problems are returned per
field, already in the user's language, so a form can show each beside its
field and an import can report each row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

import phonenumbers

from firmware.country.numbers import describe
from firmware.country.profiles import profile
from firmware.store.crm import CustomerNumber

# Longest accepted text per field; the form's maxlength says the same.
FIELD_LIMITS = {
    "name": 200,
    "company": 200,
    "category": 60,
    "grade": 30,
    "birthday": 10,
    "gender": 10,
    "email": 254,
    "address": 500,
    "notes": 4000,
}
TEXT_FIELDS = ("name", "company", "category", "grade", "email", "address", "notes")
MAX_NUMBERS = 10
NUMBER_LIMIT = 40
LABEL_LIMIT = 30
OLDEST_BIRTHDAY = date(1900, 1, 1)

_SEPARATORS = re.compile(r"[\s\-().·/]")
_DIALLABLE = re.compile(r"^\+?\d{3,20}$")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A gender as a form or a sheet may give it (a sheet in English or Chinese).
GENDER_WORDS = {
    "male": "male", "m": "male", "mr": "male", "man": "male", "男": "male", "先生": "male",
    "female": "female", "f": "female", "ms": "female", "mrs": "female", "woman": "female",
    "女": "female", "女士": "female",
}

Translate = Callable[..., str]


@dataclass
class CustomerDraft:
    """What was typed, what the store gets, and what is wrong (field -> message)."""

    typed: dict[str, str]
    typed_numbers: list[tuple[str, str]]
    fields: dict[str, object] = field(default_factory=dict)
    numbers: list[CustomerNumber] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


def country_name(country: str, t: Translate) -> str:
    found = profile(country)
    return found.name_zh if t.language == "zh-CN" else found.name_en


def normalise_number(raw: str, country: str, t: Translate) -> tuple[CustomerNumber | None, str]:
    """A typed number as the store keeps it, or a problem (in the user's language)."""
    digits = _SEPARATORS.sub("", raw)
    if not _DIALLABLE.match(digits):
        return None, t("{number} is not a phone number: use digits, and + for a country code.",
                       number=raw)
    region = profile(country).region
    info = describe(digits, region)
    if info.e164:
        return CustomerNumber(digits, info.e164), ""
    try:
        short = phonenumbers.is_valid_short_number(phonenumbers.parse(digits, region))
    except phonenumbers.NumberParseException:
        short = False
    if short:  # 95588, 10086: no E.164 form, matched by their digits
        return CustomerNumber(digits, None), ""
    return None, t(
        "{number} is not a valid number in {country}: add the area code, or + and the country code.",  # noqa: E501
        number=raw,
        country=country_name(country, t),
    )


def _check_birthday(text: str, today: date, t: Translate) -> tuple[str | None, str]:
    if not text:
        return None, ""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        born = date.fromisoformat(text)
    except ValueError:
        return None, t("Write the birthday as YYYY-MM-DD, e.g. 1985-04-23.")
    if born > today:
        return None, t("The birthday is in the future.")
    if born < OLDEST_BIRTHDAY:
        return None, t("The birthday is before 1900.")
    return born.isoformat(), ""


def read_gender(text: str) -> str | None:
    """A gender as the store keeps it ("" when not given), or None when it is none."""
    if not text:
        return ""
    return GENDER_WORDS.get(text.strip().rstrip(".").casefold())


def _check_person(values: dict[str, str], today: date, t: Translate,
                  problems: dict[str, str]) -> tuple[str | None, str | None]:
    """The birthday and the gender as the store keeps them, their problems noted."""
    birthday, problem = _check_birthday(values["birthday"], today, t)
    if problem:
        problems["birthday"] = problem
    gender = read_gender(values["gender"])
    if gender is None and "gender" not in problems:
        problems["gender"] = t("{value} is not a gender: write male or female, or leave it empty.",
                               value=values["gender"])
    return birthday, gender


def read_customer(
    typed: Mapping[str, str],
    typed_numbers: list[tuple[str, str]],
    *,
    country: str,
    today: date,
    t: Translate,
) -> CustomerDraft:
    """Check one customer; ``typed`` holds the text fields and ``birthday``."""
    values = {key: str(typed.get(key) or "").strip()
              for key in (*TEXT_FIELDS, "birthday", "gender")}
    rows = [(str(n or "").strip(), str(lab or "").strip()) for n, lab in typed_numbers]
    rows = [(number, label) for number, label in rows if number or label]
    draft = CustomerDraft(values, rows)
    problems = draft.problems
    for key, limit in FIELD_LIMITS.items():
        if len(values[key]) > limit:
            problems[key] = t("At most {n} characters.", n=limit)
    if not values["name"] and "name" not in problems:
        problems["name"] = t("A customer needs a name.")
    if values["email"] and "email" not in problems and not _EMAIL.match(values["email"]):
        problems["email"] = t("{email} is not an email address.", email=values["email"])
    birthday, gender = _check_person(values, today, t, problems)
    if len(rows) > MAX_NUMBERS:
        problems["numbers"] = t("At most {n} numbers per customer.", n=MAX_NUMBERS)
    seen: set[str] = set()
    for index, (number, label) in enumerate(rows[:MAX_NUMBERS]):
        place = f"number-{index}"
        if len(label) > LABEL_LIMIT:
            problems[place] = t("A label has at most {n} characters.", n=LABEL_LIMIT)
            continue
        if not number:
            problems[place] = t("The number is missing.")
            continue
        if len(number) > NUMBER_LIMIT:
            problems[place] = t("At most {n} characters.", n=NUMBER_LIMIT)
            continue
        normalised, problem = normalise_number(number, country, t)
        if normalised is None:
            problems[place] = problem
            continue
        key = normalised.number_e164 or normalised.number
        if key in seen:
            problems[place] = t("This number is listed twice.")
            continue
        seen.add(key)
        draft.numbers.append(CustomerNumber(normalised.number, normalised.number_e164, label))
    draft.fields = {key: values[key] for key in TEXT_FIELDS}
    draft.fields["birthday"] = birthday
    draft.fields["gender"] = gender or ""
    return draft
