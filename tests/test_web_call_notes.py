"""A call's page and its note on the web: whoever may see the call changes the note (another
line's call is "not found", a form without its token is refused), every change is in the
audit log, the call log's search finds a word of a note, the CSV export carries notes with
formulas neutralised; contact records link calls and customers both ways, each link shown
only to those who may see what it leads to."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urlencode

import pytest

from firmware.store.audit import parse_detail
from firmware.store.call_notes import MAX_CALL_NOTES
from firmware.store.scopes import EVERYTHING
from tests.calls_box import make_office


@pytest.fixture
def office(tmp_path):
    made = make_office(tmp_path, calls_per_line=3)
    yield made
    made.box.close()


def shown_calls(page) -> list[int]:
    return [int(found) for found in re.findall(r'data-call="(\d+)"', page.text)]


def note_entries(office):
    return office.deps.audit.entries(action="call_notes_changed")


def test_whoever_sees_the_call_changes_its_note_and_it_is_audited(office):
    call = office.calls[1][0]
    ana = office.signed_in("ana")
    page = ana.get(f"/calls/{call}")
    assert page.status == 200 and f'action="/calls/{call}/notes"' in page.text
    answer = ana.post(f"/calls/{call}/notes", {"notes": "Wants a quote <b>today</b>"})
    assert answer.status == 303 and answer.location.endswith(f"/calls/{call}?done=saved#note")
    page = ana.get(f"/calls/{call}?done=saved")
    assert "Wants a quote &lt;b&gt;today&lt;/b&gt;" in page.text and "<b>today" not in page.text
    assert office.deps.store.call(call).notes == "Wants a quote <b>today</b>"
    # Saving the same note again changes nothing and writes nothing.
    ana.post(f"/calls/{call}/notes", {"notes": "Wants a quote <b>today</b>"})
    entries = note_entries(office)
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.username, entry.user_id, entry.target, entry.address) == (
        "ana", office.ids["ana"], f"call {call}", "192.0.2.10")
    assert parse_detail(entry.detail)["changes"] == [["notes", "", "Wants a quote <b>today</b>"]]
    # The leader of ana's group sees line 1 and may change it too.
    lea = office.signed_in("lea")
    assert lea.post(f"/calls/{call}/notes", {"notes": "quoted"}).status == 303
    assert office.deps.store.call(call).notes == "quoted"
    # The call log shows the note and links the call's page.
    log = ana.get("/calls")
    assert "quoted" in log.text and f'href="/calls/{call}#note"' in log.text


def test_another_lines_call_is_not_found_and_its_note_stays(office):
    theirs = office.calls[3][0]
    office.deps.store.update_call(theirs, notes="cai's note")
    ana = office.signed_in("ana")
    assert ana.get(f"/calls/{theirs}").status == 404
    assert ana.post(f"/calls/{theirs}/notes", {"notes": "changed"}).status == 404
    assert ana.get(f"/calls/{10**9}").status == 404
    nol = office.signed_in("nol")
    assert nol.post(f"/calls/{theirs}/notes", {"notes": "changed"}).status == 404
    assert office.deps.store.call(theirs).notes == "cai's note"
    assert note_entries(office) == []
    assert office.signed_in("cai").get(f"/calls/{theirs}").status == 200


def test_a_note_needs_the_forms_token_and_a_length_within_the_limit(office):
    call = office.calls[1][1]
    ana = office.signed_in("ana")
    assert ana.post(f"/calls/{call}/notes", {"notes": "x"}, csrf="").status == 403
    assert ana.post(f"/calls/{call}/notes", {"notes": "x"}, csrf="forged").status == 403
    too_long = ana.post(f"/calls/{call}/notes", {"notes": "y" * (MAX_CALL_NOTES + 1)})
    assert too_long.status == 400
    assert f"at most {MAX_CALL_NOTES} characters" in too_long.text
    assert "y" * 50 in too_long.text  # what was typed is given back to correct
    assert office.deps.store.call(call).notes == "" and note_entries(office) == []
    signed_out = office.box.client()
    assert signed_out.post(f"/calls/{call}/notes", {"notes": "x"}).status in (401, 403)


def test_the_call_logs_search_finds_a_word_of_a_note(office):
    first, second = office.calls[1][0], office.calls[1][1]
    ana = office.signed_in("ana")
    ana.post(f"/calls/{first}/notes", {"notes": "Complaint about the invoice"})
    ana.post(f"/calls/{second}/notes", {"notes": "客户要求退款"})
    assert shown_calls(ana.get("/calls?note=invoice")) == [first]
    assert shown_calls(ana.get("/calls?note=INVOICE")) == [first]
    assert shown_calls(ana.get("/calls?" + urlencode({"note": "退款"}))) == [second]
    assert shown_calls(ana.get("/calls?note=nothing")) == []
    assert 'name="note"' in ana.get("/calls").text
    # Only among the calls one may see.
    assert shown_calls(office.signed_in("cai").get("/calls?note=invoice")) == []


def test_the_csv_export_carries_notes_with_formulas_neutralised(office):
    first, second = office.calls[1][0], office.calls[1][1]
    ana = office.signed_in("ana")
    ana.post(f"/calls/{first}/notes", {"notes": '=HYPERLINK("http://evil","x")'})
    ana.post(f"/calls/{second}/notes", {"notes": "line one\nline two, with a comma"})
    answer = ana.get("/calls.csv?line=1")
    rows = list(csv.reader(io.StringIO(answer.body.decode("utf-8-sig"))))
    notes_at = rows[0].index("Notes")
    by_number = {row[5]: row[notes_at] for row in rows[1:]}
    numbers = {call: office.deps.store.call(call).number for call in (first, second)}
    assert by_number[numbers[first]] == "'=HYPERLINK(\"http://evil\",\"x\")"
    assert by_number[numbers[second]] == "line one\nline two, with a comma"
    for start in ("+1", "-2", "@SUM(A1)"):
        ana.post(f"/calls/{first}/notes", {"notes": start})
        rows = list(csv.reader(io.StringIO(ana.get("/calls.csv?line=1").body.decode("utf-8-sig"))))
        assert {row[5]: row[notes_at] for row in rows[1:]}[numbers[first]] == "'" + start


def test_contact_records_link_their_call_and_the_call_lists_them(office):
    store, accounts = office.deps.store, office.deps.accounts
    accounts.update_user(office.ids["ana"], permissions={"recordings_listen", "customers_view",
                                                        "contacts", "pop"})
    call = office.calls[1][0]  # from the number of "Customer of ana"
    customer = office.deps.customers.search(EVERYTHING, text="Customer of ana")[0]
    ana = office.signed_in("ana")
    page = ana.get(f"/calls/{call}")
    assert f'action="/customers/{customer.id}/contacts"' in page.text
    answer = ana.post(f"/customers/{customer.id}/contacts",
                      {"kind": "call", "call_id": str(call), "from": "call",
                       "text": "asked for the catalogue"})
    assert answer.status == 303 and answer.location.endswith(f"/calls/{call}?done=contact#contacts")
    contact = office.deps.customers.contacts(EVERYTHING, call_id=call)[0]
    assert (contact.call_id, contact.customer_id) == (call, customer.id)
    assert contact.recording_id == office.recordings[call]
    assert "asked for the catalogue" in ana.get(f"/calls/{call}").text
    card = ana.get(f"/customers/{customer.id}").text
    assert f'href="/calls/{call}"' in card
    assert f'href="/calls/{call}"' in ana.get(f"/pop/{call}").text  # the caller's card too
    # ben sees every customer (share) but only line 2: the record, not a link to the call.
    accounts.update_user(office.ids["ben"], permissions={"customers_view", "contacts", "share"})
    card = office.signed_in("ben").get(f"/customers/{customer.id}").text
    assert "asked for the catalogue" in card and f'href="/calls/{call}"' not in card
    # A record of a customer cai may not see is not listed on the call cai sees.
    theirs = office.calls[3][0]
    office.deps.customers.add_contact(customer.id, "note", "boss wrote this about line 3",
                                      added_by=office.ids["boss"], call_id=theirs)
    accounts.update_user(office.ids["cai"], permissions={"recordings_listen", "customers_view",
                                                        "contacts"})
    page = office.signed_in("cai").get(f"/calls/{theirs}").text
    assert "boss wrote this" not in page
    assert "boss wrote this" in office.signed_in("boss").get(f"/calls/{theirs}").text
    assert store.call(theirs) is not None
