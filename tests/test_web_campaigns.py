"""The Campaigns pages as each role uses them: who may, a campaign's form and target list,
a dialling task and a text message made for it, a call of it marked interested, its
results from real attempts and messages, the comparison and its export; every form's
CSRF refusal, audit entry and bad input."""

from __future__ import annotations

import io
import json
import re
from html import unescape

import pytest
from openpyxl import load_workbook

from firmware.store.campaigns import Campaigns
from firmware.store.crm import CustomerNumber
from firmware.store.dialling import DiallingTasks
from firmware.store.orders import LineDraft, Orders
from firmware.store.products import Products
from firmware.store.scopes import EVERYTHING
from firmware.store.sms import SmsStore
from tests.calls_box import T0, make_office


class Clock:
    def __init__(self) -> None:
        self.now = T0 + 3600

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def office(tmp_path):
    clock = Clock()
    made = make_office(tmp_path, calls_per_line=3, clock=clock)
    made.clock = clock
    accounts = made.deps.accounts
    accounts.update_user(made.ids["ana"], permissions=set(
        accounts.user(made.ids["ana"]).permissions) | {"pop"})
    lea = accounts.user(made.ids["lea"])
    accounts.update_user(made.ids["lea"], permissions=set(lea.permissions) | {
        "campaigns", "dial_tasks", "sms", "customers_view"})
    customers = made.deps.customers
    for name, number, group, adder in (("Wang", "13900000001", "VIP", "ana"),
                                       ("Li", "13900000002", "VIP", "ana"),
                                       ("Zhao", "13900000003", "Retail", "cai")):
        customers.create({"name": name, "category": group, "grade": "A"},
                         [CustomerNumber(number, "+86" + number)], added_by=made.ids[adder])
    yield made
    made.box.close()


def store(office) -> Campaigns:
    return Campaigns(office.deps.store, office.clock)


def customer(office, name: str) -> int:
    return next(c.id for c in office.deps.customers.search(EVERYTHING, limit=None)
                if c.name == name)


def entries(office, action: str):
    return office.deps.audit.entries(action=action)


def make(client, **changes):
    form = {"name": "Spring sale", "starts_on": "2026-01-01", "ends_on": "2026-01-31",
            "groups": "VIP", "notes": "", **changes}
    return client.post("/campaigns/new", form)


def test_only_the_flag_or_admin_works_campaigns(office):
    campaign = store(office).create("Old", "2026-01-01", "2026-01-31")
    ana = office.signed_in("ana")
    assert 'href="/campaigns"' not in ana.get("/").text
    for path in ("/campaigns", "/campaigns/new", f"/campaigns/{campaign}",
                 f"/campaigns/{campaign}/edit", "/campaigns/compare",
                 "/campaigns/compare.xlsx"):
        assert ana.get(path).status == 403, path
    for path in ("/campaigns/new", f"/campaigns/{campaign}/edit",
                 f"/campaigns/{campaign}/delete", f"/campaigns/{campaign}/targets",
                 f"/campaigns/{campaign}/task"):
        assert ana.post(path, {"name": "x", "q": "Wang"}).status == 403, path
    assert store(office).get(campaign).name == "Old"
    for name in ("lea", "adm", "boss"):
        client = office.signed_in(name)
        assert 'href="/campaigns"' in client.get("/").text, name
        assert client.get(f"/campaigns/{campaign}").status == 200, name
    # Admin without dial_tasks: no dialling task for the campaign.
    admin = office.signed_in("adm")
    assert admin.post(f"/campaigns/{campaign}/task").status == 403
    assert office.signed_in("lea").get("/campaigns/99999").status == 404


def test_a_campaign_is_made_with_its_targets_and_audited(office):
    lea = office.signed_in("lea")
    done = make(lea)
    assert done.status == 303, done.text[:2000]
    campaign_id = int(re.search(r"/campaigns/(\d+)", done.location).group(1))
    # lea (Sales' leader) sees ana's customers: Wang and Li of VIP, not cai's Zhao.
    assert sorted(store(office).target_ids(campaign_id, EVERYTHING)) == sorted(
        [customer(office, "Wang"), customer(office, "Li")])
    [entry] = entries(office, "campaign_added")
    assert entry.target == f"campaign {campaign_id}" and '"targets":2' in entry.detail
    page = lea.get(done.location)
    assert "Wang" in page.text and "Zhao" not in page.text
    added = lea.post(f"/campaigns/{campaign_id}/targets", {"q": "Zhao"})
    assert added.status == 200 and "0 customers added" in added.text  # lea cannot see Zhao
    boss = office.signed_in("boss")
    assert boss.post(f"/campaigns/{campaign_id}/targets", {"q": "Zhao"}).status == 200
    assert store(office).results(campaign_id).targets == 3
    assert "You see 2 of them." in lea.get(f"/campaigns/{campaign_id}").text
    zhao = customer(office, "Zhao")
    assert lea.post(f"/campaigns/{campaign_id}/targets/{zhao}/delete").status == 404
    assert boss.post(f"/campaigns/{campaign_id}/targets/{zhao}/delete").status == 303
    assert len(entries(office, "campaign_targets_added")) == 2
    assert len(entries(office, "campaign_target_removed")) == 1
    edited = lea.post(f"/campaigns/{campaign_id}/edit", {
        "name": "Spring sale", "starts_on": "2026-01-01", "ends_on": "2026-02-28",
        "groups": "VIP", "notes": "longer"})
    assert edited.status == 303
    [entry] = entries(office, "campaign_changed")
    assert "2026-02-28" in entry.detail


@pytest.mark.parametrize(("form", "problem"), [
    ({"starts_on": "1985.5.6"}, "Write the first day as YYYY-MM-DD."),
    ({"ends_on": "2026-02-30"}, "Write the last day as YYYY-MM-DD."),
    ({"starts_on": "1985-05-06"}, "Write the first day as YYYY-MM-DD."),
    ({"ends_on": "2025-12-31"}, "The last day comes before the first."),
    ({"name": ""}, "Write the campaign's name."),
    ({"name": "n" * 100_000}, "A campaign's name is at most 100 characters."),
    ({"notes": "n" * 100_000}, "The notes are at most 2000 characters."),
])
def test_bad_input_is_one_line_naming_the_field(office, form, problem):
    answer = make(office.signed_in("lea"), **form)
    assert answer.status == 400
    assert problem in unescape(answer.text)
    assert "Traceback" not in answer.text
    assert not store(office).all() and not entries(office, "campaign_added")


def test_every_form_without_its_token_is_refused(office):
    campaign = store(office).create("Old", "2026-01-01", "2026-01-31")
    lea = office.signed_in("lea")
    call = office.calls[1][0]
    for path, form in (("/campaigns/new", {"name": "x"}),
                       (f"/campaigns/{campaign}/edit", {"name": "x"}),
                       (f"/campaigns/{campaign}/delete", {}),
                       (f"/campaigns/{campaign}/targets", {"q": "Wang"}),
                       (f"/campaigns/{campaign}/task", {}),
                       (f"/calls/{call}/campaign", {"campaign": str(campaign)})):
        assert lea.post(path, form, csrf="").status == 403, path
        assert lea.post(path, form, csrf="forged").status == 403, path
    assert [c.name for c in store(office).all()] == ["Old"]
    assert store(office).results(campaign).targets == 0


def _attempt(office, task_id: int, dial: str, result: str, call_id: int | None) -> None:
    tasks = DiallingTasks(office.deps.store, office.clock)
    number = next(n for n in tasks.numbers(task_id) if n.dial == dial)
    attempt = tasks.open_attempt(number.id, 1, office.clock.now)
    tasks.close_attempt(attempt.id, result, office.clock.now + 30, call_id=call_id)


def _text_the_targets(office, lea, campaign_id: int) -> None:
    """A text message to the campaign's targets, prefilled from the campaign's page; the
    first one delivered."""
    assert f"/messages/new?campaign={campaign_id}" in lea.get(f"/campaigns/{campaign_id}").text
    compose = lea.get(f"/messages/new?campaign={campaign_id}")
    assert "Spring sale" in compose.text and 'value="campaign" checked' in compose.text
    shown = lea.post("/messages/new", {"step": "preview", "to": "campaign",
                                       "campaign": str(campaign_id), "text": "Hi $name$"})
    assert shown.status == 200, shown.text[:2000]
    form = re.search(r'<form method="post" action="/messages/new" class="row send-form">(.*?)'
                     r'</form>', shown.text, re.S).group(1)
    fields = [(name, unescape(value)) for name, value in re.findall(
        r'<input type="hidden" name="(\w+)" value="([^"]*)">', form) if name != "csrf"]
    assert lea.post("/messages/new", fields).status == 303
    sms = SmsStore(office.deps.store)
    sent = sms.outgoing(limit=None)
    assert len(sent) == 2
    assert store(office).message_states(campaign_id) == {"queued": 2}
    first = sent[0].id
    sms.begin(first, 1, now=office.clock.now)
    sms.part_sent(first, 1, 9, now=office.clock.now)
    sms.report(9, number=sent[0].number, number_e164=sent[0].number_e164,
               outcome="delivered", status=0, meaning="delivered", now=office.clock.now)


def test_a_call_is_marked_only_for_a_campaign_id_that_can_be_one(office):
    ana = office.signed_in("ana")
    call = office.deps.store.start_call(1, "out", started_at=office.clock.now,
                                        number="13900000001", number_e164="+8613900000001")
    ana.get(f"/calls/{call}")
    for not_an_id in ("²", "１", ""):  # digits to isdigit, not ids
        assert ana.post(f"/calls/{call}/campaign", {"campaign": not_an_id,
                                                    "outcome": "interested"}).status == 404


def test_results_come_from_its_tasks_attempts_messages_and_marked_calls(office):
    lea, ana = office.signed_in("lea"), office.signed_in("ana")
    campaign_id = int(re.search(r"/campaigns/(\d+)", make(lea).location).group(1))
    made = lea.post(f"/campaigns/{campaign_id}/task")
    assert made.status == 303 and made.location.endswith("/edit")
    task_id = int(re.search(r"/tasks/(\d+)", made.location).group(1))
    tasks = DiallingTasks(office.deps.store, office.clock)
    assert len(tasks.numbers(task_id)) == 2
    assert f'href="/campaigns/{campaign_id}"' in lea.get(f"/tasks/{task_id}").text
    assert store(office).campaign_of_task(task_id) == campaign_id
    [entry] = entries(office, "campaign_task_made")
    assert f'"task":{task_id}' in entry.detail
    task = tasks.task(task_id)
    tasks.update(task_id, task.name, task.settings, script="", lines=[1], operators=[])
    tasks.start(task_id)
    call = office.deps.store.start_call(1, "out", started_at=office.clock.now,
                                        number="13900000001", number_e164="+8613900000001")
    _attempt(office, task_id, "13900000001", "handed_over", call)
    _attempt(office, task_id, "13900000002", "no_answer", None)
    # The operator on the line marks the call of the campaign.
    page = ana.get(f"/calls/{call}")
    assert f'action="/calls/{call}/campaign"' in page.text and "Spring sale" in page.text
    card = ana.get(f"/pop/{call}")
    assert 'class="pop-campaign row"' in card.text and "Spring sale" in card.text
    marked = ana.post(f"/calls/{call}/campaign", {"campaign": str(campaign_id),
                                                  "outcome": "interested"},
                      headers={"Accept": "application/json"})
    assert marked.status == 200 and marked.json()["outcome"] == "interested"
    assert 'value="interested" selected' in ana.get(f"/pop/{call}").text
    [entry] = entries(office, "campaign_outcome_set")
    assert entry.target == f"call {call}" and "interested" in entry.detail
    assert ana.post(f"/calls/{call}/campaign", {"campaign": str(campaign_id),
                                                "outcome": "maybe"}).status == 400
    other = store(office).create("Not this call's", "2025-01-01", "2025-01-31")
    assert ana.post(f"/calls/{call}/campaign", {"campaign": str(other),
                                                "outcome": "interested"}).status == 404
    cai = office.signed_in("cai")  # line 3: does not see the call
    assert cai.post(f"/calls/{call}/campaign", {"campaign": str(campaign_id),
                                                "outcome": "interested"}).status == 404
    _text_the_targets(office, lea, campaign_id)
    results = store(office).results(campaign_id)
    assert (results.targets, results.calls, results.reached_calls, results.reached_messages,
            results.interested, results.orders) == (2, 2, 1, 1, 1, 0)
    # An order placed for the campaign counts, with its value.
    target = next(c for c in office.deps.customers.search(EVERYTHING) if c.category == "VIP")
    pen = Products(office.deps.store).create({"code": "PEN", "name": "Pen", "price_cents": 250},
                                             stock=10)
    Orders(office.deps.store).place(
        customer_id=target.id, customer_name=target.name, operator_id=None,
        ordered_on="2026-01-05", payment="cash", lines=[LineDraft(pen, 4)], state="confirmed",
        note="", opportunity_id=None, campaign_id=campaign_id, created_by=None)
    assert (store(office).results(campaign_id).orders,
            store(office).results(campaign_id).order_cents) == (1, 1000)
    page = lea.get(f"/campaigns/{campaign_id}")
    assert re.search(r'data-figure="orders"><th>[^<]*</th><td class="numeric">1<', page.text)
    # Whoever places orders picks the campaign from those running.
    boss = office.signed_in("boss")
    campaign_page = boss.get(f"/campaigns/{campaign_id}").text
    assert f'href="/orders/new?campaign={campaign_id}"' in campaign_page
    form = boss.get(f"/orders/new?customer={target.id}&campaign={campaign_id}").text
    choices = re.search(r'<select name="campaign">(.*?)</select>', form, re.S).group(1)
    assert f'<option value="{campaign_id}" selected>Spring sale</option>' in choices
    assert f'<option value="{other}"' not in choices  # ran in 2025
    assert boss.post("/orders/new", {"customer": str(target.id), "ordered_on": "2026-01-05",
                                     "payment": "cash", "state": "new",
                                     "operator": str(office.ids["boss"]), "campaign": "99999",
                                     "product": str(pen), "quantity": "1", "unit_price": ""}
                     ).status == 400
    assert re.search(r'data-figure="order_value"><th>[^<]*</th><td class="numeric">10\.00<',
                     page.text)
    assert re.search(r'data-figure="interested"><th>[^<]*</th><td class="numeric">1<',
                     page.text)


def test_the_comparison_has_a_chart_a_table_and_an_export(office):
    lea = office.signed_in("lea")
    first = int(re.search(r"/campaigns/(\d+)", make(lea).location).group(1))
    second = int(re.search(r"/campaigns/(\d+)", make(
        lea, name="=SUM(A1:A9)", groups="Retail").location).group(1))
    page = lea.get(f"/campaigns/compare?id={first}&id={second}&id=abc&id=99999")
    assert page.status == 200
    chart = json.loads(unescape(re.search(
        r'<script type="application/json" id="campaign-data">(.*?)</script>', page.text,
        re.S).group(1)))
    assert chart["names"] == ["Spring sale", "=SUM(A1:A9)"]
    assert chart["series"][0]["values"] == [2, 0]
    assert "campaigns.js" in page.text and "uPlot.iife.min.js" in page.text
    export = lea.get(f"/campaigns/compare.xlsx?id={first}&id={second}")
    assert export.status == 200
    rows = list(load_workbook(io.BytesIO(export.body)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Campaign" and rows[1][0] == "Spring sale"
    assert rows[2][0] == "'=SUM(A1:A9)"
    assert rows[1][3] == 2  # targets
    [entry] = entries(office, "campaigns_exported")
    assert '"rows":2' in entry.detail
    assert lea.post(f"/campaigns/{second}/delete").status == 303
    assert [c.id for c in store(office).all()] == [first]
    assert len(entries(office, "campaign_deleted")) == 1


def test_texting_a_campaigns_targets_takes_the_campaigns_flag(office):
    campaign = store(office).create("Spring", "2026-01-01", "2026-01-31", groups=["VIP"])
    store(office).refresh_targets(campaign, EVERYTHING)
    accounts = office.deps.accounts
    accounts.update_user(office.ids["ana"], permissions={"sms", "customers_view"})
    ana = office.signed_in("ana")
    assert "Spring" not in ana.get(f"/messages/new?campaign={campaign}").text
    refused = ana.post("/messages/new", {"step": "preview", "to": "campaign",
                                         "campaign": str(campaign), "text": "Hi"})
    assert refused.status == 400 and "Choose the campaign to send to." in refused.text
    assert not SmsStore(office.deps.store).outgoing(limit=None)
