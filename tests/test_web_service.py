"""The Service pages as each role uses them: who sees tickets, opening one from a call and
the caller's card, the queues and overdue tickets, steps, states, reassigning, the
customer card's list, the export; every form's CSRF refusal, audit entry and bad input."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook

from firmware.store.scopes import EVERYTHING
from firmware.store.service import EVERY_TICKET, ServiceTickets
from tests.calls_box import T0, make_office


class Clock:
    def __init__(self) -> None:
        self.now = T0 + 86400

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def office(tmp_path):
    clock = Clock()
    made = make_office(tmp_path, calls_per_line=3, clock=clock)
    made.clock = clock
    accounts = made.deps.accounts
    for name in ("ana", "lea", "cai"):
        user = accounts.user(made.ids[name])
        accounts.update_user(made.ids[name],
                             permissions=set(user.permissions) | {"service", "pop"})
    yield made
    made.box.close()


def customer_of(office, adder: str) -> int:
    return next(c.id for c in office.deps.customers.search(EVERYTHING, limit=None)
                if c.name == f"Customer of {adder}")


def tickets(office) -> ServiceTickets:
    return ServiceTickets(office.deps.store, office.clock)


def entries(office, action: str):
    return office.deps.audit.entries(action=action)


def open_form(**changes) -> dict:
    return {"kind": "complaint", "subject": "The line hums", "text": "Since Monday.",
            "priority": "high", "group": "", "assignee": "", "due": "2026-01-03T10:00",
            **changes}


def test_without_the_flag_an_operator_sees_nothing_of_tickets(office):
    ticket = tickets(office).open(customer_of(office, "ana"), kind="question", subject="Q")
    ben = office.signed_in("ben")  # no service flag
    assert "/service" not in ben.get("/").text
    for path in ("/service", "/service/new", f"/service/{ticket}", "/service.xlsx"):
        assert ben.get(path).status == 403, path
    for path in (f"/service/{ticket}/steps", f"/service/{ticket}/state",
                 f"/service/{ticket}/assign", "/service/new"):
        assert ben.post(path, {"text": "x", "state": "closed"}).status == 403, path
    call = office.calls[1][0]
    ana = office.box.signed_in("ana")
    assert 'href="/service"' in ana.get("/").text
    office.deps.accounts.update_user(office.ids["ana"], permissions={"customers_view", "pop"})
    assert "/service/new" not in ana.get(f"/calls/{call}").text
    assert "/service/new" not in ana.get(f"/customers/{customer_of(office, 'ana')}").text


def test_a_ticket_opened_from_a_call_is_audited_and_on_the_customer_card(office):
    ana = office.signed_in("ana")
    call, customer = office.calls[1][0], customer_of(office, "ana")
    page = ana.get(f"/calls/{call}")
    assert f"/service/new?customer={customer}&amp;call={call}" in page.text
    form = ana.get(f"/service/new?customer={customer}&call={call}")
    assert form.status == 200 and "Customer of ana" in form.text
    done = ana.post("/service/new", open_form(customer=str(customer), call=str(call),
                                              assignee=str(office.ids["ana"])))
    assert done.status == 303, done.text[:2000]
    ticket_id = int(re.search(r"/service/(\d+)", done.location).group(1))
    ticket = tickets(office).get(ticket_id, EVERY_TICKET)
    assert (ticket.call_id, ticket.customer_id, ticket.kind, ticket.assignee_id) == (
        call, customer, "complaint", office.ids["ana"])
    [entry] = entries(office, "ticket_opened")
    assert entry.target == f"ticket {ticket_id}" and "The line hums" in entry.detail
    shown = ana.get(done.location)
    assert "The line hums" in shown.text and "Opened the ticket." in shown.text
    assert f'href="/calls/{call}"' in shown.text
    card = ana.get(f"/customers/{customer}")
    assert f'href="/service/{ticket_id}"' in card.text


def test_the_callers_card_opens_a_ticket_with_the_customer_and_call(office):
    ana = office.signed_in("ana")
    call, customer = office.calls[1][0], customer_of(office, "ana")
    card = ana.get(f"/pop/{call}")
    assert card.status == 200
    assert f"/service/new?customer={customer}&amp;call={call}" in card.text


def test_customers_and_calls_outside_ones_scope_are_not_found(office):
    cai = office.signed_in("cai")  # Support, line 3, sees only their own customers
    ana_customer, line1_call = customer_of(office, "ana"), office.calls[1][0]
    ticket = tickets(office).open(ana_customer, kind="question", subject="Ana's")
    assert cai.get(f"/service/{ticket}").status == 404
    assert cai.get(f"/service/new?customer={ana_customer}").status == 404
    for form in ({"customer": str(ana_customer)},
                 {"customer": str(customer_of(office, "cai")), "call": str(line1_call)},
                 {"customer": "99999999"}, {"customer": "12345678901234567890123"}):
        assert cai.post("/service/new", open_form(**form)).status == 404, form
    for path in (f"/service/{ticket}/steps", f"/service/{ticket}/state",
                 f"/service/{ticket}/assign"):
        assert cai.post(path, {"text": "x", "state": "closed", "result": "x"}).status == 404
    assert "Ana&#039;s" not in cai.get("/service?view=all&state=").text
    assert not entries(office, "ticket_step_added")


def test_a_leader_works_their_groups_queue_and_an_admin_sees_all(office):
    sales = office.deps.accounts.user(office.ids["lea"]).group_id
    queued = tickets(office).open(customer_of(office, "cai"), kind="repair",
                                  subject="In Sales' queue", group_id=sales)
    lea, ana = office.signed_in("lea"), office.signed_in("ana")
    assert "In Sales&#039; queue" in lea.get("/service").text  # a leader's default: the queue
    assert lea.get(f"/service/{queued}").status == 200
    assert ana.get(f"/service/{queued}").status == 404  # an operator: not their customer
    assert ana.get("/service?view=group").status == 200
    admin, boss = office.signed_in("adm"), office.signed_in("boss")
    assert admin.get(f"/service/{queued}").status == 200
    assert "In Sales&#039; queue" in boss.get("/service").text
    done = lea.post(f"/service/{queued}/assign", {"group": str(sales),
                                                   "assignee": str(office.ids["ana"]),
                                                   "due": "2026-01-05 12:00"})
    assert done.status == 303
    assert ana.get(f"/service/{queued}").status == 200  # now assigned to ana
    [entry] = entries(office, "ticket_assigned")
    assert "ana" in entry.detail
    page = lea.get(f"/service/{queued}")
    assert "Handled by: ana" in page.text


def test_overdue_tickets_are_red_and_counted_on_the_menu(office):
    ana = office.signed_in("ana")
    customer = customer_of(office, "ana")
    late = tickets(office).open(customer, kind="repair", subject="Late one",
                                assignee_id=office.ids["ana"], due_at=office.clock.now + 60)
    tickets(office).open(customer, kind="repair", subject="Fine one",
                         assignee_id=office.ids["ana"], due_at=office.clock.now + 86400)
    page = ana.get("/service")
    assert 'class="overdue"' not in page.text
    office.clock.now += 120
    page = ana.get("/service")
    assert re.search(rf'<tr class="overdue" data-ticket="{late}">', page.text)
    assert page.text.count('class="overdue"') == 1
    badge = re.search(r'href="/service"[^>]*>[^<]*<span class="count-badge"[^>]*>(\d+)<',
                      page.text)
    assert badge and badge.group(1) == "1"
    only = ana.get("/service?overdue=1")
    assert "Late one" in only.text and "Fine one" not in only.text
    tickets(office).set_state(late, "resolved", result="Done.", by_id=None, by_name="")
    assert 'class="overdue"' not in ana.get("/service").text


def test_steps_and_states_make_the_timeline_and_are_audited(office):
    ana = office.signed_in("ana")
    ticket = tickets(office).open(customer_of(office, "ana"), kind="feedback",
                                  subject="Likes it")
    assert ana.post(f"/service/{ticket}/steps", {"text": "Thanked them."}).status == 303
    refused = ana.post(f"/service/{ticket}/state", {"state": "resolved", "result": ""})
    assert refused.status == 400
    assert "Write the result before resolving or closing the ticket." in refused.text
    assert ana.post(f"/service/{ticket}/state", {"state": "closed",
                                                 "result": "Nothing to do."}).status == 303
    page = ana.get(f"/service/{ticket}")
    assert "Thanked them." in page.text and "State: Waiting to be handled → Closed" in page.text
    assert [e.action for e in office.deps.audit.entries() if e.target == f"ticket {ticket}"
            ] == ["ticket_state_changed", "ticket_step_added"]
    again = ana.post(f"/service/{ticket}/state", {"state": "closed", "result": "Nothing to do."})
    assert again.status == 303 and "unchanged" in again.location
    assert len(entries(office, "ticket_state_changed")) == 1


@pytest.mark.parametrize(("form", "problem"), [
    ({"due": "1985.5.6"}, "Write the due time as YYYY-MM-DD HH:MM."),
    ({"due": "1985-05-06T10:00"}, "Write the due time as YYYY-MM-DD HH:MM."),
    ({"due": "2026-02-30T10:00"}, "Write the due time as YYYY-MM-DD HH:MM."),
    ({"subject": "x" * 100_000}, "The title is at most 200 characters."),
    ({"subject": ""}, "Write the title."),
    ({"text": "y" * 100_000}, "The description is at most 4000 characters."),
    ({"kind": "praise"}, "Choose what kind of ticket it is."),
    ({"priority": "<script>"}, "Choose a priority of the list."),
    ({"group": "99999"}, "Choose a group of the list."),
    ({"group": "abc"}, "Choose a group of the list."),
    ({"assignee": "99999"}, "Choose who handles it from the list."),
])
def test_bad_input_is_one_line_naming_the_field(office, form, problem):
    ana = office.signed_in("ana")
    answer = ana.post("/service/new", open_form(customer=str(customer_of(office, "ana")),
                                                **form))
    assert answer.status == 400
    assert problem in answer.text.replace("&#039;", "'")
    assert "Traceback" not in answer.text
    assert not entries(office, "ticket_opened")


def test_bad_steps_and_reassignments_are_refused(office):
    ana = office.signed_in("ana")
    ticket = tickets(office).open(customer_of(office, "ana"), kind="question", subject="Q")
    assert ana.post(f"/service/{ticket}/steps", {"text": ""}).status == 400
    long = ana.post(f"/service/{ticket}/steps", {"text": "z" * 50_000})
    assert long.status == 400 and "A step is at most 4000 characters." in long.text
    assert ana.post(f"/service/{ticket}/state", {"state": "gone"}).status == 400
    bad = ana.post(f"/service/{ticket}/assign", {"due": "1985.5.6"})
    assert bad.status == 400 and "Write the due time" in bad.text
    assert ana.get("/service/99999999").status == 404
    assert ana.get("/service/99999999999999999999").status == 404
    assert not entries(office, "ticket_step_added") and not entries(office, "ticket_assigned")


def test_every_form_without_its_token_is_refused(office):
    ana = office.signed_in("ana")
    ticket = tickets(office).open(customer_of(office, "ana"), kind="question", subject="Q")
    forms = {
        "/service/new": open_form(customer=str(customer_of(office, "ana"))),
        f"/service/{ticket}/steps": {"text": "x"},
        f"/service/{ticket}/state": {"state": "closed", "result": "x"},
        f"/service/{ticket}/assign": {"due": ""},
    }
    for path, form in forms.items():
        assert ana.post(path, form, csrf="").status == 403, path
        assert ana.post(path, form, csrf="forged").status == 403, path
    assert len(tickets(office).search(EVERY_TICKET)) == 1
    assert tickets(office).steps(ticket)[-1].kind == "opened"


def test_the_export_is_the_list_with_formulas_neutralised_and_audited(office):
    ana = office.signed_in("ana")
    tickets(office).open(customer_of(office, "ana"), kind="question",
                         subject="=HYPERLINK(\"http://x\")")
    answer = ana.get("/service.xlsx?view=all&state=")
    assert answer.status == 200
    assert answer.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.body)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Ticket", "Customer", "Kind", "Title")
    assert rows[1][3].startswith("'=HYPERLINK")
    [entry] = entries(office, "tickets_exported")
    assert '"rows":1' in entry.detail
    cai = office.signed_in("cai")
    rows = list(load_workbook(io.BytesIO(cai.get("/service.xlsx?view=all&state=").body)
                              ).active.iter_rows(values_only=True))
    assert len(rows) == 1  # cai sees none of ana's
