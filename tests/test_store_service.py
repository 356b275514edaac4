"""Service tickets and campaigns in the store: states, overdue, the timeline, who sees
what; a campaign's targets and its results from real dialling attempts, text messages
and marks, and orders counted only once the orders table can name a campaign."""

from __future__ import annotations

import pytest

from firmware.store.accounts import Accounts
from firmware.store.campaigns import CampaignError, Campaigns, check_day
from firmware.store.crm import CustomerNumber, Customers
from firmware.store.db import Store
from firmware.store.dialling import DiallingTasks, NewNumber
from firmware.store.dialling_rules import TaskSettings
from firmware.store.firewall import TimeWindow
from firmware.store.scopes import EVERYTHING, OwnerScope
from firmware.store.service import (
    EVERY_TICKET,
    ServiceError,
    ServiceTickets,
    TicketFilter,
    TicketScope,
)
from firmware.store.sms import SmsStore

NOW = 1_767_225_600.0


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def office(tmp_path):
    with Store(tmp_path / "linerec.db") as store:
        accounts = Accounts(store)
        group = accounts.create_group("Support").id
        other = accounts.create_group("Sales").id
        ana = accounts.create_user("ana", "x", "operator", group_id=group).id
        lea = accounts.create_user("lea", "x", "leader", group_id=group).id
        ben = accounts.create_user("ben", "x", "operator", group_id=other).id
        customers = Customers(store)
        mine = customers.create({"name": "Ana's customer", "category": "VIP", "grade": "A"},
                                [CustomerNumber("13800138000", "+8613800138000")], ana)
        theirs = customers.create({"name": "Ben's customer", "category": "Retail"},
                                  [CustomerNumber("13900139000", "+8613900139000")], ben)
        clock = Clock()
        yield {"store": store, "group": group, "other": other, "ana": ana, "lea": lea,
               "ben": ben, "mine": mine, "theirs": theirs, "clock": clock,
               "tickets": ServiceTickets(store, clock), "campaigns": Campaigns(store, clock)}


def test_a_ticket_goes_through_its_states_with_its_timeline(office):
    tickets, clock = office["tickets"], office["clock"]
    ticket_id = tickets.open(office["mine"], kind="complaint", subject="  Noisy   line ",
                             text="It hums.", priority="high", group_id=office["group"],
                             assignee_id=office["ana"], due_at=NOW + 3600,
                             by_id=office["ana"], by_name="ana")
    ticket = tickets.get(ticket_id, EVERY_TICKET)
    assert (ticket.subject, ticket.state, ticket.group_name, ticket.assignee_name) == (
        "Noisy line", "open", "Support", "ana")
    clock.now += 60
    tickets.add_step(ticket_id, "Called back, asked for a photo.", by_id=office["ana"],
                     by_name="ana")
    assert tickets.set_state(ticket_id, "waiting", by_id=office["ana"], by_name="ana") == (
        "open", "waiting")
    with pytest.raises(ServiceError) as refused:
        tickets.set_state(ticket_id, "resolved", by_id=office["ana"], by_name="ana")
    assert refused.value.template == "Write the result before resolving or closing the ticket."
    clock.now += 60
    tickets.set_state(ticket_id, "resolved", result="Replaced the handset.",
                      by_id=office["ana"], by_name="ana")
    ticket = tickets.get(ticket_id, EVERY_TICKET)
    assert (ticket.state, ticket.result, ticket.resolved_at) == (
        "resolved", "Replaced the handset.", NOW + 120)
    tickets.set_state(ticket_id, "in_progress", by_id=office["lea"], by_name="lea")
    assert tickets.get(ticket_id, EVERY_TICKET).resolved_at is None  # reopened
    steps = tickets.steps(ticket_id)
    assert [(step.kind, step.text) for step in steps] == [
        ("opened", ""), ("step", "Called back, asked for a photo."),
        ("state", "open>waiting"), ("state", "waiting>resolved"),
        ("state", "resolved>in_progress")]
    assert steps[-1].user_name == "lea"


def test_overdue_is_open_past_its_due_time_and_counted_per_queue(office):
    tickets, clock = office["tickets"], office["clock"]
    late = tickets.open(office["mine"], kind="repair", subject="Late", due_at=NOW + 60,
                        group_id=office["group"])
    tickets.open(office["mine"], kind="question", subject="Not yet", due_at=NOW + 7200,
                 assignee_id=office["ana"])
    done = tickets.open(office["theirs"], kind="feedback", subject="Done", due_at=NOW + 60,
                        group_id=office["other"])
    tickets.set_state(done, "closed", result="Thanked.", by_id=None, by_name="")
    clock.now = NOW + 120
    assert tickets.get(late, EVERY_TICKET).overdue(clock.now)
    assert not tickets.get(done, EVERY_TICKET).overdue(clock.now)
    assert tickets.overdue_count(EVERY_TICKET) == 1
    assert tickets.overdue_count(EVERY_TICKET, group_id=office["other"]) == 0
    assert tickets.overdue_count(EVERY_TICKET, assignee_id=office["ana"],
                                 group_id=office["group"]) == 1
    listed = tickets.search(EVERY_TICKET, TicketFilter(overdue=True))
    assert [t.id for t in listed] == [late]
    everything = tickets.search(EVERY_TICKET)
    assert everything[0].id == late and everything[-1].id == done  # overdue first, done last


def test_a_reader_sees_the_tickets_of_their_customers_their_own_and_their_queue(office):
    tickets = office["tickets"]
    of_theirs = tickets.open(office["theirs"], kind="question", subject="Ben's")
    queued = tickets.open(office["theirs"], kind="question", subject="In Support's queue",
                          group_id=office["group"])
    given = tickets.open(office["theirs"], kind="question", subject="Given to ana",
                         assignee_id=office["ana"])
    own = tickets.open(office["mine"], kind="question", subject="Ana's own")
    ana = TicketScope(owners=OwnerScope(added_by=frozenset({office["ana"]})),
                      user_id=office["ana"])
    lea = TicketScope(owners=OwnerScope(added_by=frozenset({office["ana"], office["lea"]})),
                      user_id=office["lea"], queue_group=office["group"])
    assert {t.id for t in tickets.search(ana)} == {given, own}
    assert {t.id for t in tickets.search(lea)} == {queued, own}
    assert tickets.get(of_theirs, ana) is None and tickets.get(of_theirs, lea) is None
    assert [t.id for t in tickets.search(lea, TicketFilter(view="group"),
                                         group_id=office["group"])] == [queued]
    assert [t.id for t in tickets.search(ana, TicketFilter(view="mine"),
                                         user_id=office["ana"])] == [given]
    assert tickets.count(EVERY_TICKET, TicketFilter(text="ana")) == 2


@pytest.mark.parametrize(("changes", "problem"), [
    ({"kind": "praise"}, "Choose what kind of ticket it is."),
    ({"priority": "asap"}, "Choose a priority of the list."),
    ({"subject": "   "}, "Write the title."),
    ({"subject": "x" * 201}, "The title is at most {n} characters."),
    ({"text": "x" * 4001}, "The description is at most {n} characters."),
    ({"group_id": 999}, "Choose a group of the list."),
    ({"assignee_id": 999}, "Choose who handles it from the list."),
])
def test_bad_tickets_are_refused_by_name(office, changes, problem):
    fields = {"kind": "question", "subject": "Fine", **changes}
    with pytest.raises(ServiceError) as refused:
        office["tickets"].open(office["mine"], **fields)
    assert refused.value.template == problem


def test_reassigning_writes_what_changed_on_the_timeline(office):
    tickets = office["tickets"]
    ticket_id = tickets.open(office["mine"], kind="repair", subject="Broken")
    changes = tickets.assign(ticket_id, group_id=office["group"], assignee_id=office["lea"],
                             due_at=NOW + 86400, by_id=office["lea"], by_name="lea")
    assert changes == [("group", None, office["group"]), ("assignee", None, office["lea"]),
                       ("due_at", None, NOW + 86400)]
    assert tickets.assign(ticket_id, group_id=office["group"], assignee_id=office["lea"],
                          due_at=NOW + 86400, by_id=office["lea"], by_name="lea") == []
    assert tickets.steps(ticket_id)[-1].kind == "assigned"


# ---- campaigns ----------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["1985.5.6", "2026-02-30", "1985-05-06", "26-1-1", ""])
def test_a_bad_day_is_refused(day):
    with pytest.raises(CampaignError):
        check_day(day, "starts_on")


def test_a_campaign_is_checked_and_its_targets_come_from_groups_levels_and_choices(office):
    campaigns = office["campaigns"]
    with pytest.raises(CampaignError) as refused:
        campaigns.create("Spring", "2026-03-31", "2026-03-01")
    assert refused.value.template == "The last day comes before the first."
    with pytest.raises(CampaignError):
        campaigns.create(" ", "2026-03-01", "2026-03-31")
    campaign_id = campaigns.create("Spring", "2026-03-01", "2026-03-31", levels=["A"])
    ana_sees = OwnerScope(added_by=frozenset({office["ana"]}))
    assert campaigns.refresh_targets(campaign_id, ana_sees) == 1
    assert campaigns.choose(campaign_id, [office["theirs"]]) == 1
    assert campaigns.choose(campaign_id, [office["theirs"]]) == 0
    campaigns.update(campaign_id, "Spring", "2026-03-01", "2026-03-31", groups=["Nobody"])
    assert campaigns.refresh_targets(campaign_id, EVERYTHING) == 1  # the chosen one stays
    assert campaigns.target_ids(campaign_id, EVERYTHING) == [office["theirs"]]
    assert campaigns.target_ids(campaign_id, ana_sees) == []


def _task_with_attempts(office, campaign_id: int, results: dict[str, str]) -> int:
    tasks = DiallingTasks(office["store"], office["clock"])
    settings = TaskSettings(windows=(TimeWindow(("mon",), "09:00", "18:00"),))
    task_id = tasks.create("For the campaign", settings, lines=[1])
    office["campaigns"].link_task(campaign_id, task_id)
    customers = {"13800138000": office["mine"], "13900139000": office["theirs"]}
    tasks.add_numbers(task_id, [NewNumber(d, "+86" + d, d, customer_id=customers.get(d))
                                for d in results])
    tasks.start(task_id)
    for number in tasks.numbers(task_id):
        attempt = tasks.open_attempt(number.id, 1, NOW)
        tasks.close_attempt(attempt.id, results[number.dial], NOW + 30)
    return task_id


def test_results_count_real_attempts_messages_marks_and_orders(office):
    campaigns, store = office["campaigns"], office["store"]
    campaign_id = campaigns.create("Spring", "2026-01-01", "2026-01-31", groups=["VIP"])
    other = campaigns.create("Autumn", "2026-09-01", "2026-09-30")
    campaigns.refresh_targets(campaign_id, EVERYTHING)
    campaigns.choose(campaign_id, [office["theirs"]])
    _task_with_attempts(office, campaign_id, {"13800138000": "handed_over",
                                              "13900139000": "no_answer", "10086": "human"})
    _task_with_attempts(office, other, {"13900139000": "human"})
    sms = SmsStore(store)
    delivered = sms.enqueue("13900139000", "Hello", number_e164="+8613900139000", now=NOW)
    queued = sms.enqueue("13800138000", "Hello", number_e164="+8613800138000", now=NOW)
    campaigns.link_messages(campaign_id, [delivered, queued])
    sms.begin(delivered, 1, now=NOW)
    sms.part_sent(delivered, 1, 42, now=NOW + 1)
    sms.report(42, number="13900139000", number_e164="+8613900139000", outcome="delivered",
               status=0, meaning="delivered", now=NOW + 2)
    call = store.start_call(1, "out", started_at=NOW, number="13800138000")
    campaigns.set_outcome(campaign_id, call, office["mine"], "interested", by_id=None,
                          by_name="ana")
    later = store.start_call(1, "in", started_at=NOW + 600, number="13900139000")
    assert campaigns.set_outcome(campaign_id, later, office["theirs"], "not_interested",
                                 by_id=None, by_name="ana") == ""
    results = campaigns.results(campaign_id)
    assert (results.targets, results.tasks, results.calls, results.reached_calls) == (2, 1, 3, 2)
    assert (results.messages, results.reached_messages) == (2, 1)
    assert results.reached == 3  # ana's customer, ben's (by message), and 10086
    assert (results.interested, results.not_interested) == (1, 1)
    assert (results.orders, results.order_cents) == (0, 0)
    assert campaigns.results(other).reached_calls == 1
    # Orders naming the campaign count, with their value; cancelled ones do not.
    with store.transaction() as connection:
        connection.executemany(
            "INSERT INTO orders (customer_name, operator_id, ordered_on, state, payment, "
            "total_cents, campaign_id, created_at, updated_at) "
            "VALUES ('x', NULL, '2026-01-05', ?, 'cash', ?, ?, 0, 0)",
            [("new", 1000, campaign_id), ("done", 2550, campaign_id),
             ("cancelled", 9999, campaign_id), ("done", 700, other), ("done", 1, None)])
    assert (campaigns.results(campaign_id).orders, campaigns.results(campaign_id).order_cents
            ) == (2, 3550)


def test_a_call_belongs_to_its_tasks_campaign_and_to_those_of_its_customer_that_run(office):
    campaigns, store = office["campaigns"], office["store"]
    running = campaigns.create("January", "2026-01-01", "2026-01-31")
    past = campaigns.create("Last year", "2025-01-01", "2025-01-31")
    for campaign_id in (running, past):
        campaigns.choose(campaign_id, [office["mine"]])
    call = store.start_call(1, "in", started_at=NOW, number="13800138000")
    assert [c.id for c in campaigns.of_call(call, office["mine"], "2026-01-01")] == [running]
    with pytest.raises(CampaignError):
        campaigns.set_outcome(running, call, office["mine"], "maybe", by_id=None, by_name="")
