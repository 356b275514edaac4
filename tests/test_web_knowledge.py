"""The knowledge base's pages: who reads and who changes them, their forms' CSRF, audit and
bad input, the Excel import and export, and the answers on the caller's card."""

from __future__ import annotations

import io
import time

import pytest
from openpyxl import load_workbook

from firmware.link.contract import LineStatus
from firmware.store.crm import CustomerNumber
from firmware.store.knowledge import Knowledge, customer_topics
from tests.support.storage import fails_on_a_full_disk
from tests.test_web_customer_sheets import multipart, workbook_bytes
from tests.web_client import web_box

pytestmark = pytest.mark.usefixtures("quick_passwords")

CALLER, CALLER_E164 = "13800138000", "+8613800138000"
POP = {"pop", "customers_view", "customers_add", "contacts"}


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    made.deps.engine.reset_lines([LineStatus(n) for n in range(1, 5)])
    accounts = made.deps.accounts
    sales = accounts.create_group("Sales").id
    support = accounts.create_group("Support").id
    made.ids = {
        "boss": made.add_user("boss", "super", language="en"),
        "adm": made.add_user("adm", permissions={"admin"}, language="en"),
        "kno": made.add_user("kno", permissions={"knowledge"}, language="en"),
        "ana": made.add_user("ana", permissions=POP, group_id=sales, lines=frozenset({1}),
                             language="en"),
        "ben": made.add_user("ben", permissions=POP, group_id=sales, lines=frozenset({1}),
                             language="en"),
        "lea": made.add_user("lea", "leader", permissions=POP, group_id=sales, language="en"),
        "cai": made.add_user("cai", permissions=POP, group_id=support, lines=frozenset({2}),
                             language="zh-CN"),
    }
    kb = Knowledge(made.deps.store)
    network = kb.add_category("Network")
    made.category = kb.add_category("Router", network)
    made.entry = kb.add("How to reset the router", "reset, router", "Hold the <b>reset</b> "
                        "button for ten seconds.", made.category, by="kno", now=time.time())
    made.zh_entry = kb.add("如何申请退款", "退款", "打开订单，选择申请退款。", None, by="kno",
                           now=time.time())
    yield made
    made.close()


def actions(box, action: str) -> list:
    return box.deps.audit.entries(action=action)


EDIT_PAGES = ("/knowledge/new", "/knowledge/categories", "/knowledge/import",
              "/knowledge/import/template.xlsx", "/knowledge.xlsx")


# ---- who may do what ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["boss", "adm", "kno", "ana", "lea", "cai"])
def test_everyone_signed_in_reads_and_searches(box, name):
    client = box.signed_in(name)
    page = client.get("/knowledge")
    assert page.status == 200
    assert "How to reset the router" in page.text and "knowledge.css" in page.text
    assert client.get(f"/knowledge/{box.entry}").status == 200
    found = client.get("/knowledge?q=reset")
    assert "<mark>reset</mark>" in found.text or "<mark>Reset</mark>" in found.text
    assert "&lt;b&gt;" in found.text and "<b>reset" not in found.text  # the text is escaped
    assert "如何申请" in client.get("/knowledge?q=%E9%80%80%E6%AC%BE").text  # 退款
    assert client.get(f"/knowledge?category={box.category}").status == 200
    assert f'href="/knowledge/{box.entry}?q=reset"' in found.text
    opened = client.get(f"/knowledge/{box.entry}?q=reset").text
    assert "&lt;b&gt;<mark>reset</mark>&lt;/b&gt;" in opened


def test_signed_out_is_sent_to_sign_in(box):
    assert box.client().get("/knowledge").status == 303


@pytest.mark.parametrize("name", ["ana", "lea", "cai"])
def test_without_the_flag_nothing_changes(box, name):
    client = box.signed_in(name)
    for path in (*EDIT_PAGES, f"/knowledge/{box.entry}/edit"):
        assert client.get(path).status == 403, path
    for path, form in (("/knowledge/new", {"title": "x"}),
                       (f"/knowledge/{box.entry}/edit", {"title": "x"}),
                       (f"/knowledge/{box.entry}/delete", {}),
                       ("/knowledge/categories", {"name": "x"}),
                       (f"/knowledge/categories/{box.category}", {"name": "x"}),
                       (f"/knowledge/categories/{box.category}/delete", {})):
        assert client.post(path, form).status == 403, path
    page = client.get(f"/knowledge/{box.entry}").text
    assert "/edit" not in page and "/delete" not in page
    assert Knowledge(box.deps.store).entry(box.entry).title == "How to reset the router"


@pytest.mark.parametrize("name", ["boss", "adm", "kno"])
def test_editors_reach_every_page(box, name):
    client = box.signed_in(name)
    for path in EDIT_PAGES:
        assert client.get(path).status == 200, path
    assert client.get(f"/knowledge/{box.entry}/edit").status == 200
    assert f'href="/knowledge/{box.entry}/edit"' in client.get(f"/knowledge/{box.entry}").text


def test_the_menu_lists_the_knowledge_base_under_customers(box):
    page = box.signed_in("ana").get("/knowledge").text
    assert '<a href="/knowledge" aria-current="page">Knowledge base' in page


def test_the_flag_is_offered_in_the_user_form(box):
    page = box.signed_in("adm").get(f"/admin/users/{box.ids['ana']}").text
    assert 'value="knowledge"' in page


# ---- entries: add, change, delete, audit, bad input ---------------------------------------


def test_an_entry_is_added_changed_and_deleted_with_audit(box):
    kno = box.signed_in("kno")
    kno.get("/knowledge/new")
    added = kno.post("/knowledge/new", {"title": "Printer offline", "category": box.category,
                                        "keywords": "printer", "body": "Switch it on."})
    assert added.status == 303
    entry_id = int(added.location.split("/knowledge/")[1].split("?")[0])
    assert "Printer offline" in kno.get(added.location).text
    entry = actions(box, "knowledge_entry_added")[0]
    assert entry.target == f"knowledge entry {entry_id}" and entry.username == "kno"
    assert "Network / Router" in entry.detail
    kno.get(f"/knowledge/{entry_id}/edit")
    saved = kno.post(f"/knowledge/{entry_id}/edit", {"title": "Printer is offline",
                                                     "category": "", "keywords": "printer",
                                                     "body": "Switch it on."})
    assert saved.status == 303
    changed = actions(box, "knowledge_entry_changed")[0]
    assert "Printer is offline" in changed.detail and "Switch it on" not in changed.detail
    assert Knowledge(box.deps.store).entry(entry_id).category_id is None
    assert "Printer" in kno.get("/knowledge?q=offline").text
    deleted = kno.post(f"/knowledge/{entry_id}/delete", {})
    assert deleted.status == 303
    assert actions(box, "knowledge_entry_deleted")[0].target == f"knowledge entry {entry_id}"
    assert kno.get(f"/knowledge/{entry_id}").status == 404
    assert "Printer" not in kno.get("/knowledge?q=offline").text
    log = box.signed_in("adm").get("/audit").text
    assert "Knowledge base: entry added" in log


@pytest.mark.parametrize(("form", "field"), [
    ({"title": ""}, "An entry needs a title."),
    ({"title": "x" * 201}, "At most 200 characters."),
    ({"title": "Fine", "keywords": "k" * 501}, "At most 500 characters."),
    ({"title": "Fine", "body": "b" * 20_001}, "At most 20000 characters."),
    ({"title": "Fine", "category": "999"}, "Choose a category from the list."),
    ({"title": "Fine", "category": "abc"}, "Choose a category from the list."),
    ({"title": "Fine", "category": "9" * 30}, "Choose a category from the list."),
])
def test_bad_entries_are_refused_naming_the_field(box, form, field):
    kno = box.signed_in("kno")
    kno.get("/knowledge/new")
    answer = kno.post("/knowledge/new", form)
    assert answer.status == 400
    assert field in answer.text and "Traceback" not in answer.text
    assert Knowledge(box.deps.store).count() == 2


def test_unknown_ids_are_not_found(box):
    kno = box.signed_in("kno")
    for path in ("/knowledge/999", "/knowledge/999/edit", "/knowledge?category=999",
                 "/knowledge?category=abc", "/knowledge/new?category=12x",
                 f"/knowledge/{2**63}"):
        assert kno.get(path).status == 404, path
    for path in ("/knowledge/999/edit", "/knowledge/999/delete",
                 "/knowledge/categories/999", "/knowledge/categories/999/delete"):
        assert kno.post(path, {"title": "x", "name": "x"}).status == 404, path


def test_hostile_searches_show_a_page(box):
    client = box.signed_in("ana")
    for query in ('"', "OR AND NOT", "NEAR(", "title:*", "%22%22%22", "x" * 3000, "%00"):
        answer = client.get(f"/knowledge?q={query}")
        assert answer.status == 200, query


@pytest.mark.parametrize(("path", "form"), [
    ("/knowledge/new", {"title": "x"}),
    ("/knowledge/{entry}/edit", {"title": "x"}),
    ("/knowledge/{entry}/delete", {}),
    ("/knowledge/categories", {"name": "x"}),
    ("/knowledge/categories/{category}", {"name": "x"}),
    ("/knowledge/categories/{category}/delete", {}),
])
def test_every_form_needs_its_csrf_token(box, path, form):
    kno = box.signed_in("kno")
    target = path.format(entry=box.entry, category=box.category)
    assert kno.post(target, form, csrf="forged").status == 403
    assert Knowledge(box.deps.store).entry(box.entry).title == "How to reset the router"
    assert len(Knowledge(box.deps.store).categories()) == 2


# ---- categories ---------------------------------------------------------------------------


def test_categories_are_added_moved_and_deleted_with_audit(box):
    kno = box.signed_in("kno")
    kno.get("/knowledge/categories")
    assert kno.post("/knowledge/categories", {"name": "Phones", "parent": "",
                                              "position": "3"}).status == 303
    kb = Knowledge(box.deps.store)
    phones = next(c.id for c in kb.categories() if c.name == "Phones")
    assert "Phones" in actions(box, "knowledge_category_added")[0].detail
    moved = kno.post(f"/knowledge/categories/{phones}", {"name": "Mobile phones",
                                                         "parent": str(box.category),
                                                         "position": "1"})
    assert moved.status == 303
    assert kb.paths()[phones] == "Network / Router / Mobile phones"
    assert "Mobile phones" in actions(box, "knowledge_category_changed")[0].detail
    assert kno.post(f"/knowledge/categories/{phones}/delete", {}).status == 303
    assert "Mobile phones" in actions(box, "knowledge_category_deleted")[0].detail
    assert kb.category(phones) is None


def test_category_refusals_are_one_line(box):
    kno = box.signed_in("kno")
    kb = Knowledge(box.deps.store)
    network = kb.category(box.category).parent_id
    kno.get("/knowledge/categories")
    cases = [
        (f"/knowledge/categories/{network}", {"name": "Network", "parent": str(box.category)},
         "A category cannot go below itself."),
        ("/knowledge/categories", {"name": "Router", "parent": str(network)},
         "There is a category of that name there already."),
        ("/knowledge/categories", {"name": ""}, "Name: a category needs a name."),
        ("/knowledge/categories", {"name": "x" * 61}, "Name: at most 60 characters."),
        ("/knowledge/categories", {"name": "a/b"}, "A category&#039;s name has no /."),
        ("/knowledge/categories", {"name": "X", "parent": "77"},
         "Parent category: choose a category from the list."),
        ("/knowledge/categories", {"name": "X", "position": "1985.5"},
         "Order: 1985.5 is not a whole number."),
        (f"/knowledge/categories/{network}/delete", {},
         "The category is not empty: move or delete what is in it first."),
    ]
    for path, form, message in cases:
        answer = kno.post(path, form)
        assert answer.status in (400, 409), (path, form)
        assert message in answer.text, (message, answer.text[-3000:])
    assert len(kb.categories()) == 2


# ---- Excel ------------------------------------------------------------------------------------


def _workbook(rows: list[list], title: str = "Knowledge base") -> bytes:
    return workbook_bytes(rows, title)


def _upload(client, filename: str, data: bytes, csrf: str | None = None):
    client.get("/knowledge/import")
    body, headers = multipart(filename, data, client.csrf_token if csrf is None else csrf)
    return client.request("POST", "/knowledge/import", body, headers)


def test_export_writes_every_entry_with_formulas_neutralised(box):
    Knowledge(box.deps.store).add("=HYPERLINK(\"x\")", "", "+1", None, by="kno", now=1.0)
    answer = box.signed_in("kno").get("/knowledge.xlsx")
    assert answer.status == 200
    rows = [list(row) for row in load_workbook(io.BytesIO(answer.body)).active
            .iter_rows(values_only=True)]
    assert rows[0] == ["Title", "Category", "Keywords", "Answer"]
    assert ["How to reset the router", "Network / Router", "reset, router",
            "Hold the <b>reset</b> button for ten seconds."] in rows
    assert any(row[0] == "'=HYPERLINK(\"x\")" and row[3] == "'+1" for row in rows)
    assert actions(box, "knowledge_exported")[0].target == "3 knowledge entries"


def test_an_export_imports_again(box):
    kno = box.signed_in("kno")
    exported = kno.get("/knowledge.xlsx").body
    answer = _upload(kno, "knowledge.xlsx", exported)
    assert answer.status == 200, answer.text[-2000:]
    assert "2 entries were imported." in answer.text
    assert Knowledge(box.deps.store).count() == 4
    assert actions(box, "knowledge_imported")[0].target == "2 knowledge entries"


def test_import_makes_categories_and_reads_chinese_headers(box):
    data = _workbook([["标题", "分类", "关键词", "解答"],
                      ["发票怎么开", "订单 / 支付", "发票", "下单时填写税号。"],
                      [None, None, None, None],
                      ["'=cmd", "", "", "text"]], title="知识库")
    answer = _upload(box.signed_in("kno"), "kb.xlsx", data)
    assert "2 entries were imported." in answer.text
    kb = Knowledge(box.deps.store)
    assert "订单 / 支付" in kb.paths().values()
    assert kb.search("发票")[0].entry.title == "发票怎么开"
    assert any(e.title == "=cmd" for e in kb.entries())


@pytest.mark.parametrize(("rows", "message"), [
    ([["Title", "Category"], ["Fine", ""], ["", "Network"]],
     "Notes sheet, row 3: Title: An entry needs a title."),
    ([["Title"], ["x" * 201]], "Notes sheet, row 2: Title: At most 200 characters."),
    ([["Title", "Category"], ["Fine", "/".join("abcdefg")]],
     "Notes sheet, row 2: Category: Categories go at most 6 levels deep"),
    ([["Name", "Text"], ["x", "y"]], "No sheet has a header row with a Title column"),
    ([["Title"]], "The file has no entries below its header row."),
])
def test_a_bad_row_stops_the_import_by_sheet_and_row(box, rows, message):
    answer = _upload(box.signed_in("kno"), "kb.xlsx", _workbook(rows, "Notes"))
    assert answer.status == 400
    assert message in answer.text
    assert Knowledge(box.deps.store).count() == 2
    assert not actions(box, "knowledge_imported")


def test_broken_files_and_forged_imports_are_refused(box):
    kno = box.signed_in("kno")
    answer = _upload(kno, "kb.xlsx", b"PK\x03\x04 not a zip")
    assert answer.status == 400 and "Excel workbook" in answer.text
    assert _upload(kno, "kb.xlsx", _workbook([["Title"], ["x"]]), csrf="forged").status == 403
    assert _upload(box.signed_in("ana"), "kb.xlsx", _workbook([["Title"], ["x"]])).status == 403
    csv = b"Title,Keywords\nCSV entry,csv\n"
    assert "1 entry was imported." in _upload(kno, "kb.csv", csv).text
    assert Knowledge(box.deps.store).count() == 3


def test_the_template_has_the_columns(box):
    answer = box.signed_in("adm").get("/knowledge/import/template.xlsx")
    rows = [list(row) for row in load_workbook(io.BytesIO(answer.body)).active
            .iter_rows(values_only=True)]
    assert rows[0] == ["Title", "Category", "Keywords", "Answer"]


# ---- the caller's card --------------------------------------------------------------------


def _caller(box, adder: str) -> tuple[int, int]:
    customer = box.deps.customers.create(
        {"name": "Zhang San", "category": "VIP", "grade": "A",
         "notes": "has our #router, asked about #退款"},
        [CustomerNumber(CALLER, CALLER_E164, "mobile")], added_by=box.ids[adder])
    call = box.deps.store.start_call(1, "in", started_at=time.time(), number=CALLER,
                                     number_e164=CALLER_E164)
    return customer, call


def test_the_card_shows_answers_about_the_customers_topics(box):
    customer, call = _caller(box, "ana")
    card = box.signed_in("ana").get(f"/pop/{call}").text
    assert '<details class="pop-answers">' in card
    assert "Answers (2)" in card
    assert f'href="/knowledge/{box.entry}"' in card and f'href="/knowledge/{box.zh_entry}"' in card
    assert customer_topics(box.deps.store, customer) == ["router", "退款", "VIP", "A"]
    assert "Answers (2)" in box.signed_in("lea").get(f"/pop/{call}").text  # ana's leader


def test_a_customer_one_may_not_see_gives_no_answers(box):
    customer, call = _caller(box, "ana")
    card = box.signed_in("ben").get(f"/pop/{call}")
    assert card.status == 200
    assert "pop-answers" not in card.text and "Zhang San" not in card.text
    ben = box.deps.accounts.user(box.ids["ben"])
    from webui.permissions import principal_of  # noqa: PLC0415

    scope = principal_of(ben, box.deps.accounts).owner_scope()
    assert customer_topics(box.deps.store, customer, scope) == []


def test_a_card_without_matching_entries_has_no_answers(box):
    box.deps.customers.create({"name": "Li Si", "category": "Retail"},
                              [CustomerNumber(CALLER, CALLER_E164)], added_by=box.ids["ana"])
    call = box.deps.store.start_call(1, "in", started_at=time.time(), number=CALLER,
                                     number_e164=CALLER_E164)
    card = box.signed_in("ana").get(f"/pop/{call}").text
    assert "Li Si" in card and "pop-answers" not in card


def test_an_entry_carries_the_admins_custom_fields(box):
    from firmware.store.custom_fields import CustomFields  # noqa: PLC0415

    fields = CustomFields(box.deps.store)
    model = fields.add("knowledge", "Product model", "text")
    until = fields.add("knowledge", "Valid until", "date")
    fields.add("customer", "Not for entries", "text")
    kno = box.signed_in("kno")
    form = kno.get("/knowledge/new").text
    assert "Product model" in form and "Valid until" in form and "Not for entries" not in form
    bad = kno.post("/knowledge/new", {"title": "Reset", "body": "Hold it.",
                                      f"cf{model}": "X200", f"cf{until}": "1985.5.6"})
    assert bad.status == 400 and "Valid until" in bad.text
    assert box.deps.store.connection().execute(  # nothing kept of the refused entry
        "SELECT count(*) FROM knowledge_entries WHERE title = 'Reset'").fetchone()[0] == 0
    added = kno.post("/knowledge/new", {"title": "Reset the X200", "body": "Hold it.",
                                        f"cf{model}": "X200", f"cf{until}": "2027-06-30"})
    assert added.status == 303
    entry_id = int(added.location.split("/knowledge/")[1].split("?")[0])
    assert fields.values_of("knowledge", entry_id) == {model: "X200", until: "2027-06-30"}
    page = kno.get(f"/knowledge/{entry_id}").text
    assert "<dt>Product model</dt>" in page and "X200" in page
    assert "X200" in actions(box, "knowledge_entry_added")[0].detail
    kno.post(f"/knowledge/{entry_id}/edit", {"title": "Reset the X200", "body": "Hold it.",
                                              f"cf{model}": "X300", f"cf{until}": ""})
    assert fields.values_of("knowledge", entry_id) == {model: "X300"}
    changed = actions(box, "knowledge_entry_changed")[0].detail
    assert "X200" in changed and "X300" in changed
    kno.post(f"/knowledge/{entry_id}/delete", {})
    assert fields.values_of("knowledge", entry_id) == {}


def test_an_entry_whose_values_cannot_be_written_is_not_kept_without_them(box, monkeypatch):
    from firmware.store.custom_fields import CustomFields  # noqa: PLC0415

    model = CustomFields(box.deps.store).add("knowledge", "Product model", "text")
    kb = Knowledge(box.deps.store)
    before = [(entry.id, entry.title) for entry in kb.entries(None, limit=None)]
    kno = box.signed_in("kno")
    kno.get("/knowledge/new")
    # The disk fills up as the custom values are written, after the entry itself.
    monkeypatch.setattr(CustomFields, "write", fails_on_a_full_disk)
    monkeypatch.setattr(CustomFields, "write_new", fails_on_a_full_disk)
    added = kno.post("/knowledge/new", {"title": "Reset the X200", "body": "Hold it.",
                                        f"cf{model}": "X200"})
    assert added.status == 503 and "could not be saved" in added.text
    first_id, first_title = before[0]
    edited = kno.post(f"/knowledge/{first_id}/edit", {"title": "Renamed", "body": "New.",
                                                       f"cf{model}": "X300"})
    assert edited.status == 503
    imported = _upload(kno, "kb.xlsx", _workbook([["Title", "Product model"], ["Fine", "X1"]]))
    assert imported.status == 503
    assert [(entry.id, entry.title) for entry in kb.entries(None, limit=None)] == before
    assert kb.entry(first_id).title == first_title
    assert not box.deps.audit.entries(action="knowledge_entry_added")
    assert not box.deps.audit.entries(action="knowledge_entry_changed")


def test_the_entries_custom_fields_go_out_and_come_back_in_excel(box):
    from firmware.store.custom_fields import CustomFields  # noqa: PLC0415

    fields = CustomFields(box.deps.store)
    model = fields.add("knowledge", "Product model", "text")
    until = fields.add("knowledge", "Valid until", "date")
    fields.add("customer", "Not for entries", "text")
    kb = Knowledge(box.deps.store)
    first = kb.entries(None, limit=None)[0]
    fields.set_values("knowledge", first.id, {model: "=X200", until: "2027-06-30"}, "kno")
    kno = box.signed_in("kno")
    template = load_workbook(io.BytesIO(kno.get("/knowledge/import/template.xlsx").body))
    assert [cell.value for cell in template.active[1]] == [
        "Title", "Category", "Keywords", "Answer", "Product model", "Valid until"]
    exported = kno.get("/knowledge.xlsx").body
    rows = [list(row) for row in load_workbook(io.BytesIO(exported)).active
            .iter_rows(values_only=True)]
    assert rows[0][4:] == ["Product model", "Valid until"]
    assert [row[4:] for row in rows if row[0] == first.title] == [["'=X200", "2027-06-30"]]
    bad = _upload(kno, "kb.xlsx", _workbook([["Title", "Valid until"], ["Fine", "2027-01-01"],
                                             ["Late", "1985.5.6"]], "Notes"))
    assert bad.status == 400 and "Notes sheet, row 3: Valid until" in bad.text
    assert kb.count() == 2
    answer = _upload(kno, "knowledge.xlsx", exported)
    assert "2 entries were imported." in answer.text
    copies = [entry for entry in kb.entries(None, limit=None)
              if entry.title == first.title and entry.id != first.id]
    assert [fields.values_of("knowledge", copy.id) for copy in copies] == [
        {model: "=X200", until: "2027-06-30"}]  # as typed: the guard is the sheet's only
