"""Customers to and from Excel: export content and safety, the template, imports of broken files."""

from __future__ import annotations

import io
import re
import uuid
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from firmware.store.crm import CustomerNumber, Customers
from firmware.store.scopes import EVERYTHING
from tests.web_client import web_box
from webui.pages import customer_sheets

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

pytestmark = pytest.mark.usefixtures("quick_passwords")


@pytest.fixture
def box(tmp_path):
    made = web_box(tmp_path)
    made.deps.config()
    made.ids = {
        "ana": made.add_user("ana", permissions={"customers_view", "customers_add",
                                                 "customers_export"}, language="en"),
        "ben": made.add_user("ben", permissions={"customers_view", "customers_add"},
                             language="zh-CN"),
    }
    made.ana = made.signed_in("ana")
    yield made
    made.close()


def sheet_rows(body: bytes) -> list[list]:
    workbook = load_workbook(io.BytesIO(body), read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


def multipart(filename: str, data: bytes, csrf: str) -> tuple[bytes, dict[str, str]]:
    boundary = uuid.uuid4().hex
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def upload(client, filename: str, data: bytes):
    client.get("/customers/import")
    body, headers = multipart(filename, data, client.csrf_token)
    return client.request("POST", "/customers/import", body, headers)


def workbook_bytes(rows: list[list], title: str = "Customers") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---- export ------------------------------------------------------------------------------------


def test_the_export_holds_the_current_search_and_is_audited(box):
    customers = box.deps.customers
    ana = box.ids["ana"]
    customers.create({"name": "Zhang San", "company": "Acme", "birthday": "1985-04-23",
                      "email": "z@acme.cn"},
                     [CustomerNumber("13800138000", "+8613800138000", "mobile"),
                      CustomerNumber("95588", None, "")], added_by=ana)
    customers.create({"name": "Li Si", "company": "Other"}, [], added_by=ana)
    customers.create({"name": "Hidden", "company": "Acme"}, [], added_by=box.ids["ben"])
    answer = box.ana.get("/customers.xlsx?q=Acme")
    assert answer.status == 200 and answer.headers["Content-Type"] == XLSX
    assert "attachment" in answer.headers["Content-Disposition"]
    rows = sheet_rows(answer.body)
    assert rows[0][:10] == ["Name", "Company", "Group", "Level", "Birthday", "Gender", "Email",
                            "Address", "Notes", "Numbers"]
    assert [row[0] for row in rows[1:]] == ["Zhang San"]  # the search; ben's customer hidden
    assert rows[1][4] == "1985-04-23" and rows[1][9] == "mobile: 13800138000; 95588"
    assert rows[1][10] == "ana"
    entry = box.deps.audit.entries(action="customers_exported")[0]
    assert entry.username == "ana" and entry.target == "1 customers" and "Acme" in entry.detail


def test_the_export_cannot_carry_a_formula(box):
    hostile = ["=HYPERLINK(\"http://evil\")", "+1+1", "-2+3", "@SUM(A1)", "\tx"]
    box.deps.customers.create(
        {"name": hostile[0], "company": hostile[1], "address": hostile[2], "notes": hostile[3],
         "category": hostile[4]},
        [CustomerNumber("+8613800138000", "+8613800138000", "")], added_by=box.ids["ana"])
    answer = box.ana.get("/customers.xlsx")
    with zipfile.ZipFile(io.BytesIO(answer.body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula cell at all
    row = sheet_rows(answer.body)[1]
    assert row[0] == "'" + hostile[0] and row[1] == "'+1+1" and row[7] == "'-2+3"
    assert row[8] == "'@SUM(A1)" and row[2] == "'\tx" and row[9] == "'+8613800138000"


def test_an_exported_file_imports_back_without_doubling(box):
    box.deps.customers.create({"name": "=Round Trip"},
                              [CustomerNumber("13800138000", "+8613800138000", "mobile")],
                              added_by=box.ids["ana"])
    exported = box.ana.get("/customers.xlsx").body
    again = upload(box.ana, "customers.xlsx", exported)
    assert again.status == 200 and "0 customers were imported" in again.text
    assert "=Round Trip is already in the list with the same numbers" in again.text
    box.deps.customers.delete(1)
    restored = upload(box.ana, "customers.xlsx", exported)
    assert "1 customer was imported" in restored.text
    customer = box.deps.customers.search(EVERYTHING)[0]
    assert customer.name == "=Round Trip"  # the apostrophe came off again
    assert [(n.number, n.label) for n in customer.numbers] == [("13800138000", "mobile")]


# ---- import ------------------------------------------------------------------------------------


def test_the_template_is_in_the_users_language(box):
    english = sheet_rows(box.ana.get("/customers/import/template.xlsx").body)
    assert english[0][0] == "Name" and len(english) == 1
    chinese = sheet_rows(box.signed_in("ben").get("/customers/import/template.xlsx").body)
    assert chinese[0][:3] == ["姓名", "公司", "分组"]


def test_good_rows_are_imported_and_bad_rows_reported_by_number(box):
    data = workbook_bytes([
        ["姓名", "Company", "Numbers", "Birthday", "Email", "Favourite colour"],
        ["Zhang San", "Acme", "手机：138 0013 8000; office: 010 6512 3456", "1985-04-23", ""],
        ["", "No name Ltd", "13912345678", "", ""],
        ["Li Si", "", 13912345678, "1985-02-30", ""],
        [None, None, None, None, None],
        ["Wang Wu", "", "12", "", "not-an-email"],
        ["Zhao Liu", "", "+8613800138000", "", ""],
        ["Sun Qi", "", "", "", "sun@example.cn", "blue"],
    ])
    answer = upload(box.ana, "people.xlsx", data)
    assert answer.status == 200
    text = answer.text
    assert "3 customers were imported" in text
    assert "Favourite colour" in text  # an unknown column is named, not silently dropped
    reasons = dict(
        (int(number), why) for number, why in
        re.findall(r"<tr><td>(\d+)</td><td class=\"wrap\">([^<]*)</td>", text)
    )
    assert set(reasons) == {3, 4, 6}
    assert "needs a name" in reasons[3]
    assert "Birthday" in reasons[4] and "YYYY-MM-DD" in reasons[4]
    assert "not a phone number" in reasons[6] and "not an email address" in reasons[6]
    names = {c.name: c for c in box.deps.customers.search(EVERYTHING)}
    # A number may be shared, as the customer form allows: Zhao Liu has Zhang San's.
    assert set(names) == {"Zhang San", "Sun Qi", "Zhao Liu"}
    assert [(n.number_e164, n.label) for n in names["Zhang San"].numbers] == [
        ("+8613800138000", "手机"), ("+861065123456", "office")]
    assert names["Sun Qi"].added_by == box.ids["ana"]
    assert box.deps.audit.entries(action="customers_imported")[0].target == "3 customers"


def test_a_csv_from_chinese_excel_imports(box):
    data = "姓名,公司,号码\n张三,某公司,13800138000\n".encode("gb18030")
    answer = upload(box.ana, "客户.csv", data)
    assert "1 customer was imported" in answer.text
    assert box.deps.customers.search(EVERYTHING)[0].company == "某公司"


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("customers.xlsx", b"Name,Company\nZhang,Acme\n", "not an Excel workbook"),
        ("customers.xlsx", b"PK\x03\x04 this is not really a zip", "not an Excel workbook"),
        ("customers.xlsx", b"", "The file is empty"),
        ("customers.csv", b"\x00\x01\x02\xff\xfe binary", "neither an Excel workbook nor a CSV"),
        ("customers.csv", b"Company,Email\nAcme,a@b.cn\n", "no Name column"),
    ],
    ids=["text-named-xlsx", "broken-zip", "empty", "binary", "csv-without-name"],
)
def test_broken_files_are_refused_with_the_reason(box, filename, data, message):
    answer = upload(box.ana, filename, data)
    assert answer.status == 400 and message in answer.text
    assert box.deps.customers.count(EVERYTHING) == 0


def test_a_workbook_without_the_columns_or_with_another_sheet_is_refused(box):
    missing = workbook_bytes([["Company", "Numbers"], ["Acme", "13800138000"]])
    answer = upload(box.ana, "c.xlsx", missing)
    assert answer.status == 400 and "No sheet has a header row with a Name column" in answer.text
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert "not an Excel workbook" in upload(box.ana, "c.xlsx", zipped.getvalue()).text
    # The data on a second sheet, after a cover sheet, is found.
    workbook = Workbook()
    workbook.active.append(["Read me first"])
    workbook.create_sheet("Data").append(["Name"])
    workbook["Data"].append(["Found Later"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert "1 customer was imported" in upload(box.ana, "c.xlsx", buffer.getvalue()).text


def test_a_failure_half_way_adds_nothing(box, monkeypatch):
    real = Customers._write_numbers
    calls = []

    def fail_on_the_third(connection, customer_id, numbers):
        calls.append(customer_id)
        if len(calls) == 3:
            raise OSError("disk full")
        real(connection, customer_id, numbers)

    monkeypatch.setattr(Customers, "_write_numbers", staticmethod(fail_on_the_third))
    rows = [["Name", "Numbers"]] + [[f"P{i}", f"1391234567{i}"] for i in range(5)]
    assert upload(box.ana, "c.xlsx", workbook_bytes(rows)).status == 500
    assert len(calls) == 3 and box.deps.customers.count(EVERYTHING) == 0


def test_uploads_are_capped(box, monkeypatch):
    monkeypatch.setattr(customer_sheets, "MAX_UPLOAD_BYTES", 1000)
    answer = upload(box.ana, "big.csv", b"Name\n" + b"x\n" * 2000)
    assert answer.status == 413 and "too big" in answer.text
    monkeypatch.setattr(customer_sheets, "MAX_ROWS", 3)
    rows = upload(box.ana, "many.csv", b"Name\n" + b"x\n" * 10)
    assert rows.status == 400 and "Too many rows" in rows.text


def test_a_zip_bomb_is_not_opened(box, monkeypatch):
    monkeypatch.setattr(customer_sheets, "MAX_UNPACKED_BYTES", 10_000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", "0" * 200_000)
    answer = upload(box.ana, "bomb.xlsx", buffer.getvalue())
    assert answer.status == 400 and "too big" in answer.text


def test_a_number_another_user_owns_is_imported_and_never_told(box):
    """One rule with the customer form: numbers may be shared. Whether a customer the
    importer may not see has the number is never said (nor looked at)."""
    box.deps.customers.create({"name": "Secret Client"},
                              [CustomerNumber("13800138000", "+8613800138000", "")],
                              added_by=box.ids["ben"])
    data = workbook_bytes([["Name", "Numbers"], ["Zhang San", "13800138000"],
                           ["Zhang San", "138 0013 8000"]])
    answer = upload(box.ana, "people.xlsx", data)
    assert "1 customer was imported" in answer.text
    assert "Secret Client" not in answer.text and "belongs" not in answer.text
    assert "Zhang San is already in the list with the same numbers" in answer.text  # row 3
    both = box.deps.customers.by_number("+8613800138000", "13800138000", EVERYTHING)
    assert {customer.name for customer in both} == {"Zhang San", "Secret Client"}
