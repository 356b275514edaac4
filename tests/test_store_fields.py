"""Custom fields, the data dictionary and list columns on a real SQLite database: every
type's checks, values kept exactly, values going with their record, lists renamed."""

from __future__ import annotations

import pytest

from firmware.store.accounts import Accounts
from firmware.store.audit import AuditLog, parse_detail
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.custom_fields import (
    MEMO_LIMIT,
    TEXT_LIMIT,
    CustomFieldError,
    CustomFields,
    Field,
    parse,
    shown,
)
from firmware.store.db import Store
from firmware.store.dictionary import Choice, Dictionary, DictionaryError, choices
from firmware.store.list_columns import ListColumns
from firmware.store.schema import MIGRATIONS
from firmware.store.scopes import EVERYTHING


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "linerec.db") as opened:
        yield opened


def _field(type_: str, required: bool = False) -> Field:
    return Field(1, "customer", "Budget", type_, required, 1, False)


def _refused(type_: str, typed: str) -> str:
    with pytest.raises(CustomFieldError) as refused:
        parse(_field(type_), typed)
    message = str(refused.value)
    assert "\n" not in message and message.startswith("Budget: ")
    return message


def test_text_is_one_bounded_line():
    assert parse(_field("text"), "  Beijing office ") == "Beijing office"
    assert parse(_field("text"), "") is None
    assert "at most 200" in _refused("text", "x" * (TEXT_LIMIT + 1))
    assert "one line" in _refused("text", "two\nlines")


def test_memo_is_long_text_with_a_limit():
    assert parse(_field("memo"), "line one\r\nline two") == "line one\nline two"
    assert "at most 4000" in _refused("memo", "x" * (MEMO_LIMIT + 1))


def test_numbers_are_kept_as_plain_decimals():
    assert parse(_field("number"), "12.50") == "12.5"
    assert parse(_field("number"), "1,200") == "1200"
    assert parse(_field("number"), "-3") == "-3"
    assert parse(_field("number"), "0.1") == "0.1"
    assert "twelve is not a number" in _refused("number", "twelve")
    assert "is not a number" in _refused("number", "1e5")


def test_dates_are_iso_and_real():
    assert parse(_field("date"), "1985-05-06") == "1985-05-06"
    message = _refused("date", "1985.5.6")
    assert message == "Budget: 1985.5.6 is not a date: write YYYY-MM-DD, e.g. 2024-05-06."
    assert "is not a date" in _refused("date", "2023-02-30")


def test_links_are_web_addresses_only():
    assert parse(_field("link"), "https://example.com/a?b=1") == "https://example.com/a?b=1"
    assert parse(_field("link"), "http://example.com") == "http://example.com"
    for bad in ("javascript:alert(1)", "ftp://example.com", "example.com", "https://",
                "https://exa mple.com", "data:text/html,x"):
        assert "is not a web address" in _refused("link", bad), bad


def test_money_is_whole_cents_never_a_float():
    field = _field("money")
    assert parse(field, "1234.5") == "123450"
    assert parse(field, "¥1,234.56") == "123456"
    assert parse(field, "0.1") == "10"  # a float would make 0.1 * 100 = 10.000000000000002
    assert parse(field, "-3.05") == "-305"
    assert parse(field, "19999999.99") == "1999999999"
    assert shown(field, "123450") == "1234.50" and shown(field, "-305") == "-3.05"
    assert shown(field, "5") == "0.05"
    assert "is not an amount of money" in _refused("money", "12.345")
    assert "is not an amount of money" in _refused("money", "ten")
    assert "too large" in _refused("money", "99999999999999")


def test_yes_no_takes_both_languages():
    field = _field("yesno")
    assert parse(field, "yes") == parse(field, "是") == parse(field, "Y") == "yes"
    assert parse(field, "no") == parse(field, "否") == "no"
    assert parse(field, "") is None
    assert "is not yes or no" in _refused("yesno", "maybe")


def test_a_required_field_needs_a_value():
    with pytest.raises(CustomFieldError, match="Budget: a value is required"):
        parse(_field("number", required=True), " ")


def test_fields_are_defined_ordered_and_deleted_with_their_values(store):
    fields = CustomFields(store)
    budget = fields.add("customer", "Budget", "money", in_list=True)
    site = fields.add("customer", "Web site", "link")
    mood = fields.add("contact", "Mood", "text")
    fields.add("knowledge", "Source", "link")
    assert [one.name for one in fields.fields_for("customer")] == ["Budget", "Web site"]
    fields.move(site, -1)
    assert [one.id for one in fields.fields_for("customer")] == [site, budget]
    with pytest.raises(CustomFieldError, match="There is a field named budget already"):
        fields.add("customer", "budget", "text")
    fields.add("contact", "Budget", "text")  # the same name on another kind is fine
    with pytest.raises(ValueError, match="kind must be one of"):
        fields.add("orders", "X", "text")
    with pytest.raises(CustomFieldError, match="Choose the field's type"):
        fields.add("customer", "X", "float")
    fields.update(budget, name="Yearly budget", required=True, in_list=False)
    assert fields.field(budget).name == "Yearly budget" and fields.field(budget).required
    customers = Customers(store)
    one = customers.create({"name": "Ann"}, [], added_by=None)
    two = customers.create({"name": "Bo"}, [], added_by=None)
    fields.set_values("customer", one, {budget: "100"})
    fields.set_values("customer", two, {f"cf{budget}": "5.5", "Web site": "https://b.example"})
    assert fields.values_of("customer", two) == {budget: "550", site: "https://b.example"}
    assert fields.value_count(budget) == 2
    assert fields.delete(budget) == 2
    assert fields.values_of("customer", one) == {}
    assert fields.field(mood) is not None


def test_values_are_checked_all_or_nothing_and_go_with_their_record(store):
    fields = CustomFields(store)
    since = fields.add("customer", "Customer since", "date")
    score = fields.add("customer", "Score", "number")
    mood = fields.add("contact", "Mood", "text")
    customers = Customers(store)
    ann = customers.create({"name": "Ann"}, [], added_by=None)
    with pytest.raises(CustomFieldError, match=r"Customer since: 1985\.5\.6 is not a date"):
        fields.set_values("customer", ann, {since: "1985.5.6", score: "7"})
    assert fields.values_of("customer", ann) == {}  # nothing kept of a refused change
    with pytest.raises(CustomFieldError, match="There is no field Colour"):
        fields.set_values("customer", ann, {"Colour": "red"})
    changes = fields.set_values("customer", ann, {since: "2020-01-02", score: "7"})
    assert changes == [("Customer since", "", "2020-01-02"), ("Score", "", "7")]
    assert fields.set_values("customer", ann, {score: "7"}) == []  # unchanged
    assert fields.set_values("customer", ann, {score: ""}) == [("Score", "7", "")]
    contact = customers.add_contact(ann, "call", "hello", added_by=None)
    fields.set_values("contact", contact, {mood: "happy"})
    # A contact record's id may equal a customer's: each kind keeps its own values.
    assert fields.values_of("customer", ann) == {since: "2020-01-02"}
    customers.delete_contact(contact)
    assert fields.values_of("contact", contact) == {}
    customers.delete(ann)
    assert fields.values_of("customer", ann) == {}


def test_a_value_set_by_another_module_is_audited_with_its_actor(store):
    fields = CustomFields(store)
    fields.add("knowledge", "Source", "link", required=True)
    user = Accounts(store).create_user("kim", "x" * 20, "operator")
    with pytest.raises(CustomFieldError, match="Source: a value is required"):
        fields.set_values("knowledge", 7, {}, user, complete=True)
    fields.set_values("knowledge", 7, {"Source": "https://wiki.example/7"}, user)
    entry = AuditLog(store).entries(action="custom_values_changed")[0]
    assert entry.username == "kim" and entry.target == "knowledge 7"
    assert parse_detail(entry.detail)["changes"] == [["Source", "", "https://wiki.example/7"]]
    fields.forget("knowledge", 7)
    assert fields.values_of("knowledge", 7) == {}


def test_the_customer_search_finds_text_fields(store):
    fields = CustomFields(store)
    note = fields.add("customer", "Referred by", "text")
    amount = fields.add("customer", "Budget", "money")
    customers = Customers(store)
    ann = customers.create({"name": "Ann"}, [], added_by=None)
    fields.set_values("customer", ann, {note: "Old Wang", amount: "777"})
    assert [c.id for c in customers.search(EVERYTHING, text="wang")] == [ann]
    assert customers.count(EVERYTHING, text="wang") == 1
    assert customers.search(EVERYTHING, text="77700") == []  # money is not searched


def test_the_dictionary_is_seeded_in_both_languages(store):
    dictionary = Dictionary(store)
    assert dictionary.values("customer_levels") == ["A", "B", "C"]
    assert dictionary.values("phone_types") == ["mobile", "office", "home", "fax"]
    assert dictionary.values("payment_methods") == ["cash", "bank transfer", "WeChat Pay",
                                                    "Alipay", "other"]
    assert dictionary.values("order_states") == ["new", "confirmed", "shipped", "done",
                                                 "cancelled"]
    assert dictionary.values("contact_types") == ["call", "visit", "email", "message", "note"]
    assert dictionary.label("phone_types", "mobile", "zh-CN") == "手机"
    assert dictionary.label("phone_types", "手机", "en") == "mobile"  # typed in Chinese before
    assert dictionary.label("phone_types", "pager", "en") == "pager"


def test_lists_are_added_to_renamed_reordered_and_retired(store):
    dictionary = Dictionary(store)
    customers = Customers(store)
    vip = dictionary.add("customer_groups", "VIP", "贵宾")
    dictionary.add("customer_groups", "Supplier")
    with pytest.raises(DictionaryError, match="vip is in the list already"):
        dictionary.add("customer_groups", "vip")
    with pytest.raises(DictionaryError, match="at most 60"):
        dictionary.add("customer_groups", "x" * 61)
    ann = customers.create({"name": "Ann", "category": "VIP"},
                           [CustomerNumber("1", None, "mobile")], added_by=None)
    assert dictionary.rename(vip, "Gold", "金牌") == 1
    assert customers.get(ann, EVERYTHING).category == "Gold"
    dictionary.move(vip, +1)
    assert dictionary.values("customer_groups") == ["Supplier", "Gold"]
    dictionary.retire(vip)
    assert dictionary.values("customer_groups") == ["Supplier"]
    assert customers.get(ann, EVERYTHING).category == "Gold"  # records keep it
    dictionary.retire(vip, False)
    assert dictionary.values("customer_groups") == ["Supplier", "Gold"]
    call = next(entry for entry in dictionary.entries("contact_types") if entry.value == "call")
    with pytest.raises(DictionaryError, match="contact types are fixed"):
        dictionary.add("contact_types", "fax")
    with pytest.raises(DictionaryError, match="value is fixed"):
        dictionary.rename(call.id, "ring", "")
    dictionary.rename(call.id, "call", "来电")
    assert dictionary.label("contact_types", "call", "zh-CN") == "来电"


def test_a_select_keeps_a_stored_value_the_list_has_not(store):
    dictionary = Dictionary(store)
    levels = dictionary.entries("customer_levels")
    offered = choices(levels, "", "en")
    assert [choice.value for choice in offered] == ["A", "B", "C"]
    assert not any(choice.selected for choice in offered)
    kept = choices(levels, "Platinum", "en")
    assert kept[-1].value == "Platinum" and kept[-1].unlisted and kept[-1].selected
    assert [choice.selected for choice in choices(levels, "B", "en")] == [False, True, False]
    dictionary.retire(levels[2].id)
    retired = choices(dictionary.entries("customer_levels"), "C", "en")
    assert [choice.value for choice in retired] == ["A", "B", "C"] and retired[-1].unlisted
    phone = choices(dictionary.entries("phone_types"), "手机", "en")
    assert len(phone) == 4 and phone[0] == Choice("手机", "mobile", selected=True)


def test_the_migration_lists_the_levels_and_groups_already_in_use(tmp_path, monkeypatch):
    path = tmp_path / "linerec.db"
    ours = next(n for n, text in enumerate(MIGRATIONS, 1) if "dictionary_entries" in text)
    monkeypatch.setattr("firmware.store.db.MIGRATIONS", MIGRATIONS[: ours - 1])
    with Store(path) as old:
        customers = Customers(old)
        for name, group, level in (("Ann", "Dealer", "B"), ("Bo", "VIP", "Gold"),
                                   ("Cy", "Dealer", "")):
            customers.create({"name": name, "category": group, "grade": level}, [],
                             added_by=None)
    monkeypatch.undo()
    with Store(path) as store:
        dictionary = Dictionary(store)
        assert dictionary.values("customer_groups") == ["Dealer", "VIP"]
        assert dictionary.values("customer_levels") == ["A", "B", "C", "Gold"]
        assert dictionary.values("phone_types") == ["mobile", "office", "home", "fax"]


def test_list_columns_are_kept_per_user(store):
    accounts = Accounts(store)
    ann = accounts.create_user("ann", "x" * 20, "operator").id
    bo = accounts.create_user("bo", "x" * 20, "operator").id
    columns = ListColumns(store)
    assert columns.chosen(ann, "customers") is None
    columns.save(ann, "customers", ["name", "cf3", "grade"])
    assert columns.chosen(ann, "customers") == ["name", "cf3", "grade"]
    assert columns.chosen(bo, "customers") is None
    columns.reset(ann, "customers")
    assert columns.chosen(ann, "customers") is None
