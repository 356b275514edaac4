"""Custom fields, the parameter lists and each user's list columns through the web app:
who may change what, CSRF, the audit log, bad input, the customer pages, Excel."""

from __future__ import annotations

import re

import pytest

from firmware.store.audit import parse_detail
from firmware.store.crm import CustomerNumber
from firmware.store.custom_fields import CustomFields
from firmware.store.dictionary import Dictionary
from firmware.store.scopes import EVERYTHING
from tests.support.storage import fails_on_a_full_disk
from tests.test_web_customer_sheets import sheet_rows, upload, workbook_bytes
from tests.web_client import web_box

EDITS = frozenset({"customers_view", "customers_add", "customers_edit", "customers_delete",
                   "customers_export", "contacts"})

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    accounts = made.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "adm": made.add_user("adm", permissions={"admin"}, language="en"),
        "lea": made.add_user("lea", "leader", permissions=EDITS, group_id=sales,
                             language="en"),
        "ana": made.add_user("ana", permissions=EDITS, group_id=sales, language="en"),
        "ova": made.add_user("ova", permissions={"customers_view", "contacts"},
                             group_id=sales, language="en"),
        "cai": made.add_user("cai", permissions=EDITS, group_id=support, language="en"),
    }
    made.clients = {}
    made.fields = CustomFields(made.deps.store)
    made.customer = made.deps.customers.create(
        {"name": "Zhang San", "category": "Dealer"},
        [CustomerNumber("13800138000", "+8613800138000", "mobile")], added_by=made.ids["ana"])
    yield made
    made.close()


def client(box, name):
    if name not in box.clients:
        box.clients[name] = box.signed_in(name)
    return box.clients[name]


def audits(box, action):
    return box.deps.audit.entries(action=action)


# ---- Settings → Custom fields -------------------------------------------------------------


@pytest.mark.parametrize(("who", "status"), [("boss", 200), ("adm", 200), ("lea", 403),
                                             ("ana", 403), ("ova", 403), ("cai", 403)])
def test_only_admins_reach_the_settings_pages(box, who, status):
    field = box.fields.add("customer", "Budget", "money")
    entry = Dictionary(box.deps.store).values("customer_levels")
    assert entry
    user = client(box, who)
    for path in ("/admin/fields", f"/admin/fields/{field}", f"/admin/fields/{field}/delete",
                 "/admin/dictionary"):
        assert user.get(path).status == status, path
    answer = user.post("/admin/fields", {"kind": "customer", "name": "Sneaky", "type": "text"})
    assert answer.status == (303 if status == 200 else 403)
    added = user.post("/admin/dictionary/customer_levels", {"value": "Z"})
    assert added.status == (303 if status == 200 else 403)
    if status == 403:
        assert [one.name for one in box.fields.fields_for("customer")] == ["Budget"]
        assert "Z" not in Dictionary(box.deps.store).values("customer_levels")


def test_the_admin_overview_links_the_pages(box):
    page = client(box, "adm").get("/admin").text
    assert 'href="/admin/fields"' in page and 'href="/admin/dictionary"' in page


def test_a_field_is_added_changed_moved_and_audited(box):
    adm = client(box, "adm")
    adm.get("/admin/fields")
    answer = adm.post("/admin/fields", {"kind": "customer", "name": "Budget", "type": "money",
                                        "in_list": "yes"})
    assert answer.status == 303
    adm.post("/admin/fields", {"kind": "customer", "name": "Web site", "type": "link"})
    budget, site = box.fields.fields_for("customer")
    assert budget.type == "money" and budget.in_list and not budget.required
    entry = audits(box, "custom_field_added")[-1]
    assert entry.username == "adm" and parse_detail(entry.detail)["facts"]["name"] == "Budget"
    assert adm.post(f"/admin/fields/{budget.id}", {"name": "Yearly budget",
                                                   "required": "yes"}).status == 303
    changed = box.fields.field(budget.id)
    assert changed.name == "Yearly budget" and changed.required and not changed.in_list
    detail = parse_detail(audits(box, "custom_field_changed")[0].detail)
    assert ["name", "Budget", "Yearly budget"] in detail["changes"]
    assert adm.post(f"/admin/fields/{site.id}/move", {"to": "up"}).status == 303
    assert [one.id for one in box.fields.fields_for("customer")] == [site.id, budget.id]
    assert adm.post(f"/admin/fields/{site.id}/move", {"to": "sideways"}).status == 400
    page = adm.get("/audit").text
    assert "Custom field added" in page and "Money" in page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"kind": "customer", "name": "", "type": "text"}, "A field needs a name"),
        ({"kind": "customer", "name": "x" * 61, "type": "text"}, "at most 60 characters"),
        ({"kind": "customer", "name": "Colour", "type": "float"}, "Choose the field&#039;s type"),
        ({"kind": "orders", "name": "Colour", "type": "text"}, "Choose the kind of record"),
        ({"kind": "customer", "name": "budget", "type": "text"}, "There is a field named budget"),
    ],
)
def test_a_bad_field_is_refused_with_one_line(box, form, message):
    box.fields.add("customer", "Budget", "money")
    adm = client(box, "adm")
    adm.get("/admin/fields")
    answer = adm.post("/admin/fields", form)
    assert answer.status == 400
    assert message in answer.text.replace("'", "&#039;")
    assert "Traceback" not in answer.text
    assert len(box.fields.fields_for("customer")) == 1


def test_settings_forms_refuse_a_missing_csrf_token(box):
    field = box.fields.add("customer", "Budget", "money")
    level = Dictionary(box.deps.store).entries("customer_levels")[0].id
    adm = client(box, "adm")
    adm.get("/admin/fields")
    for path, form in (
        ("/admin/fields", {"kind": "customer", "name": "X", "type": "text"}),
        (f"/admin/fields/{field}", {"name": "Y"}),
        (f"/admin/fields/{field}/move", {"to": "down"}),
        (f"/admin/fields/{field}/delete", {"confirm": "yes"}),
        ("/admin/dictionary/customer_levels", {"value": "Q"}),
        (f"/admin/dictionary/entries/{level}", {"value": "AA"}),
        (f"/admin/dictionary/entries/{level}/move", {"to": "down"}),
        (f"/admin/dictionary/entries/{level}/retire", {"retired": "yes"}),
        ("/customers/columns", {"show": "email"}),
    ):
        assert adm.post(path, form, csrf="forged").status == 403, path
    assert box.fields.field(field).name == "Budget"
    assert Dictionary(box.deps.store).entry(level).value == "A"


def test_deleting_a_field_says_how_many_values_go_and_asks_first(box):
    budget = box.fields.add("customer", "Budget", "money")
    box.fields.set_values("customer", box.customer, {budget: "12.5"})
    adm = client(box, "adm")
    page = adm.get(f"/admin/fields/{budget}/delete")
    assert page.status == 200 and "with the value 1 record has in it" in page.text
    assert adm.post(f"/admin/fields/{budget}/delete", {}).status == 400
    assert box.fields.field(budget) is not None
    assert adm.post(f"/admin/fields/{budget}/delete", {"confirm": "yes"}).status == 303
    assert box.fields.field(budget) is None
    facts = parse_detail(audits(box, "custom_field_deleted")[0].detail)["facts"]
    assert facts["values"] == 1 and facts["name"] == "Budget"
    assert adm.get(f"/admin/fields/{budget}").status == 404
    assert adm.post(f"/admin/fields/{budget}/delete", {"confirm": "yes"}).status == 404
    assert adm.post("/admin/fields/99999999999999999999", {"name": "x"}).status == 404


# ---- Settings → Parameter lists ------------------------------------------------------------


def test_the_lists_are_seeded_and_shown_in_both_languages(box):
    page = client(box, "adm").get("/admin/dictionary").text
    for word in ("Customer levels", "Phone types", "WeChat Pay", "支付宝", "已发货"):
        assert word in page
    box.add_user("zhu", permissions={"admin"}, language="zh-CN")
    assert "参数列表" in box.signed_in("zhu").get("/admin/dictionary").text


def test_entries_are_added_renamed_moved_retired_and_audited(box):
    adm = client(box, "adm")
    adm.get("/admin/dictionary")
    dictionary = Dictionary(box.deps.store)
    assert adm.post("/admin/dictionary/customer_groups",
                    {"value": "Dealer", "label_zh": "经销商"}).status == 303
    dealer = dictionary.entries("customer_groups")[-1]
    assert adm.post(f"/admin/dictionary/entries/{dealer.id}",
                    {"value": "Reseller", "label_zh": "分销商"}).status == 303
    assert box.deps.customers.get(box.customer, EVERYTHING).category == "Reseller"
    renamed = parse_detail(audits(box, "dictionary_changed")[0].detail)
    assert ["value", "Dealer", "Reseller"] in renamed["changes"]
    assert renamed["facts"]["records"] == 1
    assert adm.post(f"/admin/dictionary/entries/{dealer.id}/retire",
                    {"retired": "yes"}).status == 303
    assert "Reseller" not in dictionary.values("customer_groups")
    assert adm.post(f"/admin/dictionary/entries/{dealer.id}/retire",
                    {"retired": "no"}).status == 303
    assert "Reseller" in dictionary.values("customer_groups")
    level_c = dictionary.entries("customer_levels")[2].id
    assert adm.post(f"/admin/dictionary/entries/{level_c}/move", {"to": "up"}).status == 303
    assert dictionary.values("customer_levels") == ["A", "C", "B"]
    assert len(audits(box, "dictionary_changed")) == 5
    page = adm.get("/audit").text
    assert "Parameter list changed" in page and "Customer groups" in page


@pytest.mark.parametrize(
    ("path", "form", "message"),
    [
        ("/admin/dictionary/customer_levels", {"value": ""}, "Write the entry&#039;s value"),
        ("/admin/dictionary/customer_levels", {"value": "a"}, "a is in the list already"),
        ("/admin/dictionary/customer_levels", {"value": "x" * 61}, "at most 60 characters"),
        ("/admin/dictionary/contact_types", {"value": "fax"}, "contact types are fixed"),
    ],
)
def test_a_bad_entry_is_refused_with_one_line(box, path, form, message):
    adm = client(box, "adm")
    adm.get("/admin/dictionary")
    answer = adm.post(path, form)
    assert answer.status == 400 and message in answer.text.replace("'", "&#039;")


def test_unknown_lists_and_entries_are_not_found(box):
    adm = client(box, "adm")
    adm.get("/admin/dictionary")
    assert adm.post("/admin/dictionary/colours", {"value": "red"}).status == 404
    assert adm.post("/admin/dictionary/entries/9999", {"value": "x"}).status == 404
    assert adm.post("/admin/dictionary/entries/9999/retire", {"retired": "yes"}).status == 404


# ---- the customer pages --------------------------------------------------------------------


def _form(**values):
    fields = {"name": "Zhang San", "company": "", "category": "", "grade": "A",
              "birthday": "", "email": "", "address": "", "notes": ""}
    fields.update(values)
    return [*fields.items(), ("number", "13800138000"), ("label", "mobile")]


def test_a_user_who_edits_customers_sets_custom_values(box):
    budget = box.fields.add("customer", "Budget", "money")
    since = box.fields.add("customer", "Customer since", "date")
    vip = box.fields.add("customer", "Key account", "yesno")
    ana = client(box, "ana")
    form = ana.get(f"/customers/{box.customer}/edit").text
    assert f'name="cf{budget}"' in form and f'name="cf{since}"' in form
    answer = ana.post(f"/customers/{box.customer}/edit", _form(
        category="Dealer", **{f"cf{budget}": "1,234.5", f"cf{since}": "2020-01-02",
                              f"cf{vip}": "yes"}))
    assert answer.status == 303
    assert box.fields.values_of("customer", box.customer) == {
        budget: "123450", since: "2020-01-02", vip: "yes"}
    card = ana.get(f"/customers/{box.customer}").text
    assert "1234.50" in card and "2020-01-02" in card and "Key account" in card
    changes = parse_detail(audits(box, "customer_changed")[0].detail)["changes"]
    assert ["Budget", "", "1234.50"] in changes and ["grade", "", "A"] in changes


def test_a_bad_custom_value_is_refused_naming_its_field(box):
    since = box.fields.add("customer", "Customer since", "date")
    site = box.fields.add("customer", "Web site", "link")
    ana = client(box, "ana")
    ana.get(f"/customers/{box.customer}/edit")
    answer = ana.post(f"/customers/{box.customer}/edit", _form(
        category="Dealer", **{f"cf{since}": "1985.5.6", f"cf{site}": "javascript:alert(1)"}))
    assert answer.status == 400
    problems = re.findall(r'class="field-problem">([^<]*)<', answer.text)
    assert "Customer since: 1985.5.6 is not a date: write YYYY-MM-DD, e.g. 2024-05-06." in \
        problems
    assert any(problem.startswith("Web site: javascript:alert(1) is not a web address")
               for problem in problems)
    assert 'value="1985.5.6"' in answer.text  # what was typed is shown again
    assert box.fields.values_of("customer", box.customer) == {}
    assert audits(box, "customer_changed") == []


def test_a_required_field_is_asked_for_on_a_new_customer(box):
    box.fields.add("customer", "Source", "text", required=True)
    ana = client(box, "ana")
    ana.get("/customers/new")
    answer = ana.post("/customers/new", _form(name="Li Si"))
    assert answer.status == 400 and "Source: a value is required." in answer.text
    assert box.deps.customers.count(EVERYTHING) == 1


def test_a_record_whose_values_cannot_be_written_is_not_kept_without_them(box, monkeypatch):
    budget = box.fields.add("customer", "Budget", "money")
    ana = client(box, "ana")
    ana.get("/customers/new")
    # The disk fills up as the custom values are written, after the record itself.
    monkeypatch.setattr(CustomFields, "write", fails_on_a_full_disk)
    monkeypatch.setattr(CustomFields, "write_new", fails_on_a_full_disk)
    added = ana.post("/customers/new", _form(name="Li Si", **{f"cf{budget}": "5"}))
    assert added.status == 503 and "could not be saved" in added.text
    edited = ana.post(f"/customers/{box.customer}/edit",
                      _form(name="Zhang Wei", **{f"cf{budget}": "5"}))
    assert edited.status == 503
    contact = ana.post(f"/customers/{box.customer}/contacts",
                       {"kind": "call", "text": "Called back.", "at": "2026-05-06T10:00"})
    assert contact.status == 503
    imported = upload(ana, "c.xlsx", workbook_bytes([["Name", "Budget"], ["Wang Wu", "7"]]))
    assert imported.status == 503
    names = [customer.name for customer in box.deps.customers.search(EVERYTHING)]
    assert names == ["Zhang San"]  # no Li Si or Wang Wu without a budget, no half an edit
    assert box.deps.customers.contacts(EVERYTHING, customer_id=box.customer) == []
    assert audits(box, "customer_added") == audits(box, "customer_changed") == []


def test_without_customers_edit_nobody_sets_values(box):
    budget = box.fields.add("customer", "Budget", "money")
    ova = client(box, "ova")
    ova.get("/customers")
    answer = ova.post(f"/customers/{box.customer}/edit", _form(**{f"cf{budget}": "5"}))
    assert answer.status == 403
    cai = client(box, "cai")  # edits customers, but of another group
    cai.get("/customers")
    assert cai.post(f"/customers/{box.customer}/edit",
                    _form(**{f"cf{budget}": "5"})).status == 404
    assert box.fields.values_of("customer", box.customer) == {}


def test_groups_levels_and_phone_types_come_from_the_lists(box):
    ana = client(box, "ana")
    form = ana.get(f"/customers/{box.customer}/edit").text
    # The stored group is not in the list yet: kept, and said so.
    assert re.search(r'<option value="Dealer" selected>Dealer \(not in the list\)</option>', form)
    assert '<option value="B">B</option>' in form and '<option value="fax">fax</option>' in form
    answer = ana.post(f"/customers/{box.customer}/edit", _form(category="Dealer"))
    assert answer.status == 303  # the customer's own value may stay
    refused = ana.post(f"/customers/{box.customer}/edit", _form(category="Mafia"))
    assert refused.status == 400 and "Choose from the list." in refused.text
    bad_label = ana.post(f"/customers/{box.customer}/edit",
                         [*_form(category="Dealer")[:-1], ("label", "pager")])
    assert bad_label.status == 400 and "pager is not a phone type of the list." in bad_label.text
    chinese = ana.post(f"/customers/{box.customer}/edit",
                       [*_form(category="Dealer")[:-1], ("label", "传真")])
    assert chinese.status == 303, re.findall(r"field-problem\">([^<]*)<", chinese.text)
    customer = box.deps.customers.get(box.customer, EVERYTHING)
    assert customer.numbers[0].label == "fax"  # kept as the list has it


def test_contact_records_carry_their_custom_fields(box):
    mood = box.fields.add("contact", "Mood", "text")
    follow = box.fields.add("contact", "Follow up on", "date", required=True)
    ana = client(box, "ana")
    card = ana.get(f"/customers/{box.customer}").text
    assert f'name="cf{mood}"' in card and f'name="cf{follow}"' in card
    refused = ana.post(f"/customers/{box.customer}/contacts",
                       {"kind": "call", "text": "hello", f"cf{follow}": "1985.5.6"})
    assert refused.status == 400 and "Follow up on: 1985.5.6 is not a date" in refused.text
    answer = ana.post(f"/customers/{box.customer}/contacts",
                      {"kind": "visit", "text": "hello", f"cf{mood}": "cheerful",
                       f"cf{follow}": "2026-03-01"})
    assert answer.status == 303
    contact = box.deps.customers.contacts(EVERYTHING, customer_id=box.customer)[0]
    assert box.fields.values_of("contact", contact.id) == {mood: "cheerful",
                                                            follow: "2026-03-01"}
    card = ana.get(f"/customers/{box.customer}").text
    assert "cheerful" in card and "2026-03-01" in card
    facts = parse_detail(audits(box, "contact_added")[0].detail)["facts"]
    assert facts["custom"] == {"Mood": "cheerful", "Follow up on": "2026-03-01"}


def test_the_call_page_adds_contact_records_with_their_fields(box):
    mood = box.fields.add("contact", "Mood", "text")
    box.deps.accounts.update_user(box.ids["ana"], permissions=EDITS, lines=frozenset({1}))
    call = box.deps.store.start_call(1, "in", number="13800138000",
                                     number_e164="+8613800138000")
    ana = box.signed_in("ana")
    page = ana.get(f"/calls/{call}").text
    assert f'name="cf{mood}"' in page
    answer = ana.post(f"/customers/{box.customer}/contacts",
                      {"kind": "call", "call_id": str(call), "from": "call", "text": "hi",
                       f"cf{mood}": "calm"})
    assert answer.status == 303 and f"/calls/{call}" in answer.location
    assert "calm" in ana.get(f"/calls/{call}").text


def test_retired_contact_types_are_not_offered(box):
    dictionary = Dictionary(box.deps.store)
    visit = next(entry for entry in dictionary.entries("contact_types") if entry.value == "visit")
    dictionary.retire(visit.id)
    card = client(box, "ana").get(f"/customers/{box.customer}").text
    assert '<option value="visit"' not in card and '<option value="call"' in card


def test_the_customer_list_finds_text_fields(box):
    note = box.fields.add("customer", "Referred by", "text")
    box.fields.set_values("customer", box.customer, {note: "Old Wang"})
    found = client(box, "ana").get("/customers?q=wang").text
    assert "Zhang San" in found
    assert "Zhang San" not in client(box, "cai").get("/customers?q=wang").text


# ---- each user's columns -----------------------------------------------------------------


def _headings(page: str) -> list[str]:
    table = page.split('<table class="customers">', 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<th>(.*?)</th>", table)]


def test_columns_are_chosen_per_user_and_reset(box):
    budget = box.fields.add("customer", "Budget", "money", in_list=True)
    box.fields.add("customer", "Hidden note", "text")
    box.fields.set_values("customer", box.customer, {budget: "99"})
    ana, lea = client(box, "ana"), client(box, "lea")
    page = ana.get("/customers").text
    assert _headings(page) == ["Name", "Company", "Numbers", "Group", "Level", "Latest change",
                               "Budget"]
    assert "99.00" in page
    assert "Hidden note" not in page  # not shown in list: not a column to choose
    answer = ana.post("/customers/columns", [
        ("show", "email"), ("order_email", "2"), ("show", f"cf{budget}"),
        (f"order_cf{budget}", "1"), ("show", "grade"), ("order_grade", "3")])
    assert answer.status == 303
    assert _headings(ana.get("/customers").text) == ["Name", "Budget", "Email", "Level"]
    assert _headings(lea.get("/customers").text)[:2] == ["Name", "Company"]  # lea's unchanged
    assert audits(box, "list_columns_changed")[0].username == "ana"
    assert ana.post("/customers/columns", {"show": "password"}).status == 400
    assert ana.post("/customers/columns", {"show": "email", "order_email": "x"}).status == 400
    assert ana.post("/customers/columns", {"reset": "yes"}).status == 303
    assert _headings(ana.get("/customers").text)[:3] == ["Name", "Company", "Numbers"]


def test_a_deleted_field_leaves_the_chosen_columns(box):
    budget = box.fields.add("customer", "Budget", "money", in_list=True)
    ana = client(box, "ana")
    ana.get("/customers")
    ana.post("/customers/columns", [("show", f"cf{budget}"), ("show", "company")])
    box.fields.delete(budget)
    assert _headings(ana.get("/customers").text) == ["Name", "Company"]


def _call_headings(page: str) -> list[str]:
    table = page.split('<table class="calls stack">', 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>|[▼▲]", "", cell).strip()
            for cell in re.findall(r"<th[^>]*>(.*?)</th>", table, re.DOTALL)]


def test_call_log_columns_are_chosen_per_user(box):
    for name in ("ana", "lea"):
        box.deps.accounts.update_user(box.ids[name], permissions=EDITS, lines=frozenset({1}))
    box.deps.store.start_call(1, "in", number="13800138000", number_e164="+8613800138000")
    ana, lea = box.signed_in("ana"), box.signed_in("lea")
    assert _call_headings(ana.get("/calls").text) == [
        "Time", "Line", "Call", "Number", "Customer", "Duration", "Note"]
    answer = ana.post("/calls/columns", [("show", "note"), ("order_note", "1"),
                                         ("show", "number"), ("order_number", "2")])
    assert answer.status == 303 and answer.location.endswith("/calls?done=columns")
    assert _call_headings(ana.get("/calls").text) == ["Time", "Note", "Number"]
    assert len(_call_headings(lea.get("/calls").text)) == 7
    assert ana.post("/calls/columns", {"show": "name"}).status == 400  # a customer column
    assert ana.post("/calls/columns", {"show": "note"}, csrf="forged").status == 403
    ana.post("/calls/columns", {"reset": "yes"})
    assert len(_call_headings(ana.get("/calls").text)) == 7
    subjects = [entry.target for entry in audits(box, "list_columns_changed")]
    assert subjects == ["call log", "call log"]


# ---- Excel --------------------------------------------------------------------------------


def test_the_export_has_a_column_per_field_and_no_formula(box):
    budget = box.fields.add("customer", "Budget", "money")
    note = box.fields.add("customer", "Note", "text")
    key = box.fields.add("customer", "Key account", "yesno")
    box.fields.set_values("customer", box.customer,
                          {budget: "-5", note: "=HYPERLINK(\"http://evil\")", key: "no"})
    rows = sheet_rows(client(box, "ana").get("/customers.xlsx").body)
    assert rows[0][-3:] == ["Budget", "Note", "Key account"]
    assert rows[1][-3:] == ["'-5.00", "'=HYPERLINK(\"http://evil\")", "No"]
    template = sheet_rows(client(box, "ana").get("/customers/import/template.xlsx").body)
    assert template[0][-3:] == ["Budget", "Note", "Key account"]


def test_the_import_checks_custom_columns_and_names_sheet_row_and_column(box):
    budget = box.fields.add("customer", "Budget", "money")
    since = box.fields.add("customer", "Customer since", "date")
    note = box.fields.add("customer", "Note", "text")
    data = workbook_bytes([
        ["Name", "Level", "Budget", "Customer since", "Note"],
        ["Li Si", "B", "1,000.10", "2021-05-06", "'=1+1"],
        ["Wang Wu", "", "ten", "1985.5.6", ""],
        ["Zhao Liu", "Gold", "", "", ""],
    ], title="People")
    answer = upload(client(box, "ana"), "people.xlsx", data)
    assert answer.status == 200 and "1 customer was imported" in answer.text
    assert "Sheet: People" in answer.text
    reasons = dict((int(number), why) for number, why in re.findall(
        r"<tr><td>(\d+)</td><td class=\"wrap\">([^<]*)</td>", answer.text))
    assert "Budget: ten is not an amount of money" in reasons[3]
    assert "Customer since: 1985.5.6 is not a date" in reasons[3]
    assert "Level: Gold is not in the list of Customer levels." in reasons[4]
    li = next(c for c in box.deps.customers.search(EVERYTHING) if c.name == "Li Si")
    assert li.grade == "B"
    assert box.fields.values_of("customer", li.id) == {
        budget: "100010", since: "2021-05-06", note: "=1+1"}
    rows = sheet_rows(client(box, "ana").get("/customers.xlsx?q=Li").body)
    assert rows[1][-1] == "'=1+1"  # neutralised again on the way out


def test_a_required_field_without_its_column_refuses_the_rows(box):
    box.fields.add("customer", "Source", "text", required=True)
    answer = upload(client(box, "ana"), "c.xlsx", workbook_bytes([["Name"], ["Li Si"]]))
    assert "0 customers were imported" in answer.text
    assert "Source: a value is required." in answer.text
