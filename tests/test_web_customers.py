"""Customers and contact records: the visibility rules on every route, the flags, the forms."""

from __future__ import annotations

import re
import time

import pytest

from firmware.store.crm import CustomerNumber
from firmware.store.dictionary import Dictionary
from firmware.store.scopes import EVERYTHING
from tests.web_client import web_box

ANA_NUMBER, ANA_E164 = "13800138000", "+8613800138000"
FLAGS_WORKING = frozenset(
    {"customers_view", "customers_add", "customers_edit", "customers_delete", "contacts"}
)

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """One office for the read-only checks: two groups, a leader, operators, a sharer."""
    made = web_box(tmp_path_factory.mktemp("office"))
    made.deps.config()
    accounts = made.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "lea": made.add_user("lea", "leader", permissions=FLAGS_WORKING, group_id=sales),
        "ana": made.add_user("ana", permissions=FLAGS_WORKING | {"recordings_listen"},
                             group_id=sales, lines=frozenset({1})),
        "ben": made.add_user("ben", permissions=FLAGS_WORKING, group_id=sales),
        "cai": made.add_user("cai", permissions=FLAGS_WORKING, group_id=support),
        "sam": made.add_user("sam", permissions={"customers_view", "contacts", "share"}),
    }
    customers = made.deps.customers
    made.customer = {
        name: customers.create(
            {"name": f"{name.title()} Customer", "company": f"{name} Ltd", "category": "VIP"},
            [CustomerNumber(number, e164, "mobile")],
            added_by=made.ids[name],
        )
        for name, number, e164 in (
            ("ana", ANA_NUMBER, ANA_E164),
            ("ben", "13912345678", "+8613912345678"),
            ("cai", "01065123456", "+861065123456"),
        )
    }
    made.contact = {
        "ana": customers.add_contact(made.customer["ana"], "call", "ana's own note",
                                     added_by=made.ids["ana"]),
        "sam": customers.add_contact(made.customer["ana"], "visit", "sam's shared note",
                                     added_by=made.ids["sam"]),
        "cai": customers.add_contact(made.customer["cai"], "note", "cai's note",
                                     added_by=made.ids["cai"]),
    }
    made.clients = {name: made.signed_in(name) for name in made.ids}
    yield made
    made.close()


# Who sees whose customers: super all; a leader their group's; an operator their own; share all.
SEES = {
    "boss": {"ana", "ben", "cai"},
    "lea": {"ana", "ben"},
    "ana": {"ana"},
    "ben": {"ben"},
    "cai": {"cai"},
    "sam": {"ana", "ben", "cai"},
}


@pytest.mark.parametrize("viewer", sorted(SEES))
def test_the_list_and_the_cards_follow_the_visibility_rules(office, viewer):
    client = office.clients[viewer]
    listed = client.get("/customers")
    assert listed.status == 200
    for owner, customer_id in office.customer.items():
        visible = owner in SEES[viewer]
        assert (f"{owner.title()} Customer" in listed.text) == visible, (viewer, owner)
        card = client.get(f"/customers/{customer_id}")
        assert card.status == (200 if visible else 404), (viewer, owner)
        if not visible:
            # Nothing of a hidden customer leaks: not its name, not by any other route.
            assert f"{owner.title()} Customer" not in card.text
            for path in (f"/customers/{customer_id}/edit", f"/customers/{customer_id}/delete"):
                answer = client.get(path)
                assert answer.status in (403, 404) and "Customer" not in answer.text, path
            added = client.post(f"/customers/{customer_id}/contacts",
                                {"kind": "note", "text": "sneaky"})
            assert added.status in (403, 404)


def test_a_search_never_finds_what_the_user_may_not_see(office):
    cai = office.clients["cai"]
    assert "Cai Customer" in cai.get("/customers?q=01065").text
    assert "Ana Customer" not in cai.get("/customers?q=0013").text  # ana's number, hidden
    assert "Ana Customer" in office.clients["lea"].get("/customers?q=0013").text


CONTACT_SEEN = {  # contact records follow the same rules as customers, by who added them
    "boss": {"ana", "sam"},
    "lea": {"ana"},  # sam is not in the Sales group
    "ana": {"ana"},
    "sam": {"ana", "sam"},
}


@pytest.mark.parametrize("viewer", sorted(CONTACT_SEEN))
def test_contact_records_follow_the_visibility_rules(office, viewer):
    card = office.clients[viewer].get(f"/customers/{office.customer['ana']}").text
    for author in ("ana", "sam"):
        note = "ana's own note" if author == "ana" else "sam's shared note"
        assert (note.replace("'", "&#039;") in card) == (author in CONTACT_SEEN[viewer])


def test_another_users_contact_record_cannot_be_deleted_by_direct_url(office):
    ana, sam = office.clients["ana"], office.clients["sam"]
    hidden = f"/customers/{office.customer['ana']}/contacts/{office.contact['sam']}/delete"
    assert ana.post(hidden, {"confirm": "yes"}).status == 404  # ana does not see sam's record
    # sam sees ana's record (share) but neither wrote it nor may edit customers.
    others = f"/customers/{office.customer['ana']}/contacts/{office.contact['ana']}/delete"
    assert sam.post(others, {"confirm": "yes"}).status == 403
    # A record of another customer under this customer's URL is not found either.
    wrong = f"/customers/{office.customer['ana']}/contacts/{office.contact['cai']}/delete"
    assert office.clients["boss"].post(wrong, {"confirm": "yes"}).status == 404
    assert office.deps.customers.contact(office.contact["ana"], EVERYTHING) is not None


# ---- flags ---------------------------------------------------------------------------------

FLAG_ROUTES = [
    ("GET", "/customers", "customers_view"),
    ("GET", "/customers/{id}", "customers_view"),
    ("GET", "/customers/new", "customers_add"),
    ("POST", "/customers/new", "customers_add"),
    ("GET", "/customers/{id}/edit", "customers_edit"),
    ("POST", "/customers/{id}/edit", "customers_edit"),
    ("GET", "/customers/{id}/delete", "customers_delete"),
    ("POST", "/customers/{id}/delete", "customers_delete"),
    ("GET", "/customers.xlsx", "customers_export"),
    ("POST", "/customers/{id}/contacts", "contacts"),
    ("POST", "/customers/{id}/contacts/1/delete", "contacts"),
    ("GET", "/customers/import", "customers_add"),
    ("GET", "/customers/import/template.xlsx", "customers_add"),
    ("POST", "/customers/import", "customers_add"),
]
ALL_CUSTOMER_FLAGS = FLAGS_WORKING | {"customers_export", "share"}


@pytest.fixture(scope="module")
def flag_box(tmp_path_factory):
    made = web_box(tmp_path_factory.mktemp("flags"))
    made.deps.config()
    for flag in sorted({flag for _, _, flag in FLAG_ROUTES}):
        made.add_user(f"no_{flag}", permissions=ALL_CUSTOMER_FLAGS - {flag})
    made.customer_id = made.deps.customers.create({"name": "Flag Customer"}, [], added_by=None)
    made.clients = {}
    yield made
    made.close()


@pytest.mark.parametrize(("method", "path", "flag"), FLAG_ROUTES,
                         ids=[f"{m} {p}" for m, p, _ in FLAG_ROUTES])
def test_every_customer_route_needs_its_flag(flag_box, method, path, flag):
    name = f"no_{flag}"
    client = flag_box.clients.get(name) or flag_box.clients.setdefault(
        name, flag_box.signed_in(name))
    url = path.format(id=flag_box.customer_id)
    answer = client.get(url) if method == "GET" else client.post(url, {"name": "x"})
    assert answer.status == 403, (url, answer.status)
    assert flag_box.deps.customers.get(flag_box.customer_id, EVERYTHING) is not None


def test_an_admin_without_customers_add_may_import(tmp_path):
    made = web_box(tmp_path)
    made.add_user("root", permissions={"admin"})
    assert made.signed_in("root").get("/customers/import").status == 200
    made.close()


# ---- adding, editing, deleting -------------------------------------------------------------


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    # The forms choose groups and phone types from the parameter lists.
    dictionary = Dictionary(made.deps.store)
    dictionary.add("customer_groups", "VIP")
    for phone_type in ("bank", "London", "work"):
        dictionary.add("phone_types", phone_type)
    made.add_user("ana", permissions=FLAGS_WORKING | {"recordings_listen"},
                  lines=frozenset({1}), language="en")
    made.client = made.signed_in("ana")
    yield made
    made.close()


def form(**values) -> list[tuple[str, str]]:
    fields = {"name": "Zhang San", "company": "Acme", "category": "VIP", "grade": "A",
              "birthday": "1985-04-23", "email": "zhang@acme.cn", "address": "", "notes": ""}
    fields.update({k: v for k, v in values.items() if k != "numbers"})
    pairs = list(fields.items())
    for number, label in values.get("numbers", [("138 0013 8000", "mobile")]):
        pairs += [("number", number), ("label", label)]
    return pairs


def problems_of(page) -> list[str]:
    return re.findall(r'class="field-problem">([^<]*)<', page.text)


def test_a_customer_with_several_numbers_is_added_normalised(box):
    added = box.client.post("/customers/new", form(numbers=[
        ("138-0013-8000", "mobile"), ("010 6512 3456", "office"), ("95588", "bank"),
        ("+44 20 7946 0958", "London"), ("", ""),
    ]))
    assert added.status == 303
    customer_id = int(re.search(r"/customers/(\d+)", added.location).group(1))
    customer = box.deps.customers.get(customer_id, EVERYTHING)
    assert [(n.number, n.number_e164, n.label) for n in customer.numbers] == [
        ("13800138000", "+8613800138000", "mobile"),
        ("01065123456", "+861065123456", "office"),
        ("95588", None, "bank"),  # a service number keeps its digits
        ("+442079460958", "+442079460958", "London"),
    ]
    assert customer.added_by == box.deps.accounts.user_by_name("ana").id
    card = box.client.get(added.location).text
    assert "138 0013 8000" in card and "Beijing" in card and "China Mobile" in card
    assert "+442079460958" in card  # a foreign number keeps its country code


@pytest.mark.parametrize(
    ("changes", "field_problem"),
    [
        ({"name": ""}, "needs a name"),
        ({"name": "x" * 201}, "At most 200 characters"),
        ({"birthday": "2023-02-30"}, "YYYY-MM-DD"),
        ({"birthday": "23/04/1985"}, "YYYY-MM-DD"),
        ({"birthday": "2999-01-01"}, "in the future"),
        ({"email": "zhang.acme.cn"}, "not an email address"),
        ({"numbers": [("12", "")]}, "not a phone number"),
        ({"numbers": [("1380013800", "")]}, "not a valid number in China"),
        ({"numbers": [("13800138000", ""), ("+8613800138000", "")]}, "listed twice"),
        ({"numbers": [("13800138000", "x" * 31)]}, "at most 30 characters"),
    ],
)
def test_bad_customer_fields_are_refused_beside_the_field(box, changes, field_problem):
    answer = box.client.post("/customers/new", form(**changes))
    assert answer.status == 400
    assert any(field_problem in problem for problem in problems_of(answer)), problems_of(answer)
    assert box.deps.customers.count(EVERYTHING) == 0
    if changes.get("name"):
        assert 'value="' + changes["name"][:50] in answer.text  # what was typed stays


def test_the_form_has_blank_number_rows_for_browsers_without_script(box):
    page = box.client.get("/customers/new").text
    assert page.count('name="number"') >= 3
    assert "customers.js" in page


def test_editing_replaces_fields_and_numbers(box):
    customer_id = box.deps.customers.create(
        {"name": "Old"}, [CustomerNumber("13800138000", "+8613800138000", "mobile")],
        added_by=box.deps.accounts.user_by_name("ana").id)
    page = box.client.get(f"/customers/{customer_id}/edit")
    assert page.status == 200 and 'value="13800138000"' in page.text
    saved = box.client.post(f"/customers/{customer_id}/edit",
                            form(name="New", numbers=[("13912345678", "office")]))
    assert saved.status == 303
    customer = box.deps.customers.get(customer_id, EVERYTHING)
    assert customer.name == "New" and [n.number for n in customer.numbers] == ["13912345678"]


def test_deleting_takes_a_confirmation_step(box):
    ana = box.deps.accounts.user_by_name("ana").id
    customer_id = box.deps.customers.create({"name": "Gone Soon"}, [], added_by=ana)
    box.deps.customers.add_contact(customer_id, "note", "one", added_by=ana)
    card = box.client.get(f"/customers/{customer_id}").text
    assert f'href="/customers/{customer_id}/delete"' in card  # a link to the confirmation
    confirm = box.client.get(f"/customers/{customer_id}/delete")
    assert confirm.status == 200 and "1 contact records" in confirm.text
    assert box.deps.customers.get(customer_id, EVERYTHING) is not None
    assert box.client.post(f"/customers/{customer_id}/delete").status == 303
    assert box.client.get(f"/customers/{customer_id}").status == 404


def test_the_list_searches_filters_sorts_and_pages(box):
    ana = box.deps.accounts.user_by_name("ana").id
    for index in range(60):
        box.deps.customers.create(
            {"name": f"Client {index:02d}", "company": "Big" if index % 2 else "Small",
             "category": "VIP" if index < 10 else "", "grade": "A" if index % 3 == 0 else "B",
             "email": f"c{index}@example.cn"},
            [CustomerNumber(f"139{index:08d}", f"+86139{index:08d}", "")], added_by=ana)
    client = box.client
    first = client.get("/customers")
    assert "60 customers" in first.text and "Client 00" in first.text
    assert "Client 55" not in first.text and "page=2" in first.text
    assert "Client 55" in client.get("/customers?page=2").text
    assert re.findall(r"Client \d\d", client.get("/customers?sort=updated").text)[0] == "Client 59"
    assert "1 customer<" in client.get("/customers?q=00000042").text  # part of a number
    assert "1 customer<" in client.get("/customers?q=c7%40example").text
    assert "10 customers" in client.get("/customers?group=VIP").text
    assert "4 customers" in client.get("/customers?group=VIP&level=A").text
    assert client.get("/customers?page=x&sort=evil").status == 200


def test_the_card_shows_recent_calls_on_the_users_lines_with_their_recordings(box):
    ana = box.deps.accounts.user_by_name("ana").id
    customer_id = box.deps.customers.create(
        {"name": "Caller"}, [CustomerNumber(ANA_NUMBER, ANA_E164, "")], added_by=ana)
    store = box.deps.store
    seen = store.start_call(1, "in", started_at=time.time() - 60, number=ANA_NUMBER,
                            number_e164=ANA_E164)
    store.end_call(seen, "answered")
    recording = store.add_recording(1, "2025/12/01/x.wav", "alaw", time.time() - 60,
                                    call_id=seen)
    other_line = store.start_call(2, "in", started_at=time.time() - 30, number=ANA_NUMBER,
                                  number_e164=ANA_E164)
    card = box.client.get(f"/customers/{customer_id}").text
    assert f'href="/recordings/{recording}"' in card
    assert card.count("Line 1") >= 1 and "Line 2 ·" not in card
    # A contact record linked to the call carries its recording; one on a hidden line is refused.
    added = box.client.post(f"/customers/{customer_id}/contacts",
                            {"kind": "call", "text": "asked for a quote", "call_id": str(seen),
                             "at": ""})
    assert added.status == 303
    contact = box.deps.customers.contacts(EVERYTHING, customer_id=customer_id)[0]
    assert (contact.call_id, contact.recording_id, contact.kind) == (seen, recording, "call")
    assert abs(contact.at - time.time()) < 60  # the time defaults to now
    hidden = box.client.post(f"/customers/{customer_id}/contacts",
                             {"kind": "call", "text": "x", "call_id": str(other_line)})
    assert hidden.status == 400 and f"no call {other_line} that you may see" in hidden.text


def test_contact_records_are_checked_listed_newest_first_and_deleted_with_a_tick(box):
    ana = box.deps.accounts.user_by_name("ana").id
    customer_id = box.deps.customers.create({"name": "Talker"}, [], added_by=ana)
    url = f"/customers/{customer_id}/contacts"
    assert box.client.post(url, {"kind": "fax", "text": "x"}).status == 400
    assert box.client.post(url, {"kind": "note", "text": ""}).status == 400
    assert box.client.post(url, {"kind": "note", "text": "x", "at": "yesterday"}).status == 400
    assert box.client.post(url, {"kind": "note", "text": "x" * 4001}).status == 400
    assert box.client.post(url, {"kind": "visit", "text": "older",
                                 "at": "2025-03-01T09:30"}).status == 303
    assert box.client.post(url, {"kind": "email", "text": "newer",
                                 "at": "2025-03-02T10:00"}).status == 303
    card = box.client.get(f"/customers/{customer_id}").text
    assert card.index("newer") < card.index("older")
    assert "2 Mar 2025, 10:00" in card  # box local time, in the user's language
    newest = box.deps.customers.contacts(EVERYTHING, customer_id=customer_id)[0]
    delete = f"{url}/{newest.id}/delete"
    assert box.client.post(delete).status == 400  # the box was not ticked
    assert box.client.post(delete, {"confirm": "yes"}).status == 303
    assert [c.text for c in box.deps.customers.contacts(EVERYTHING, customer_id=customer_id)] \
        == ["older"]


def test_pages_speak_the_users_language(box):
    box.deps.accounts.update_user(box.deps.accounts.user_by_name("ana").id, language="zh-CN")
    ana = box.deps.accounts.user_by_name("ana").id
    customer_id = box.deps.customers.create(
        {"name": "张三", "birthday": "1985-04-23"},
        [CustomerNumber(ANA_NUMBER, ANA_E164, "手机")], added_by=ana)
    card = box.client.get(f"/customers/{customer_id}").text
    assert "北京市" in card and "中国移动" in card and "1985年4月23日" in card
    assert "联系记录" in card
