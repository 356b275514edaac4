"""Dialling tasks: the list, a task's page, its settings, starting and pausing, numbers
from customers.

Who: a user with the ``dial_tasks`` flag (or a super user) makes and manages every
task; an operator sees the tasks they are assigned to, read only. Every change is
in the audit log. The runner in the engine (``firmware.engine.dialling_tasks``)
reads the tasks from the store at each round: a change here needs no command.
"""

from __future__ import annotations

from urllib.parse import urlencode

from firmware.store.audit import structured_detail
from firmware.store.campaigns import Campaigns
from firmware.store.dialling import DiallingTasks, Task
from firmware.store.dialling_rules import (
    FINAL_RESULTS,
    HOLD_RANGE_S,
    MACHINE_ACTIONS,
    MAX_ATTEMPTS,
    MAX_GAP_S,
    MAX_LINES,
    MAX_NAME,
    MAX_SCRIPT,
    RULE_RESULTS,
    WEEKDAYS,
    DiallingError,
    RetryRule,
    TaskSettings,
)
from webui.audit_text import schedule
from webui.context import Ctx
from webui.pages.dial_numbers import Checker
from webui.pages.firewall import blocked_text, known_prompts

PAGE_SIZE = 50
WINDOW_ROWS = 4
MOST_CUSTOMERS = 5000
STATE_NAMES = {"draft": "Draft", "running": "Running", "paused": "Paused", "done": "Done"}
NUMBER_STATES = {"waiting": "Waiting", "dialling": "Calling now", "done": "Done"}
# An attempt's result, and a number's once it is done.
RESULT_NAMES = {
    "handed_over": "Talked with an operator",
    "human": "A person answered; no operator in time",
    "machine": "Answering machine",
    "fax": "Fax",
    "busy": "Busy",
    "no_answer": "No answer",
    "sit": "Not in service",
    "notsure": "Answered; not sure who",
    "no_dial_tone": "No dial tone",
    "failed": "Failed",
    "blocked": "Blocked by the call firewall",
    "not_placed": "Not placed: the line was busy",
}
MACHINE_NAMES = {"mark": "Mark it and stop", "message": "Leave a message, then stop",
                 "retry": "Try again by the rule"}
NOTICES = {
    "created": "The task is made. Add its numbers, then start it.",
    "saved": "Saved. A running task calls by the new settings from its next call.",
    "started": "The task runs: the box calls its numbers inside its calling windows.",
    "paused": "The task is paused: calls under way end as they will, no new ones start.",
    "imported": "The file's numbers are added.",
}


def tasks_of(ctx: Ctx) -> DiallingTasks:
    return DiallingTasks(ctx.deps.store, ctx.deps.clock)


def manages(ctx: Ctx) -> bool:
    return ctx.can("dial_tasks")


def sees_tasks(ctx: Ctx) -> bool:
    """Whether the menu shows Dialling tasks: the user manages them or is assigned one (the
    menu never breaks a page: a store that cannot say shows it to managers only)."""
    if manages(ctx):
        return True
    try:
        return bool(tasks_of(ctx).tasks(operator=ctx.user.id))
    except Exception:
        return False


def need_manage(ctx: Ctx) -> None:
    if not manages(ctx):
        ctx.fail(403, "You do not have permission for this.")


def task_seen(ctx: Ctx, task_id: int) -> Task:
    """The task, if this user manages tasks or is one of its operators; 404 otherwise."""
    task = tasks_of(ctx).task(task_id)
    if task is None or not (manages(ctx) or ctx.user.id in task.operators):
        ctx.fail(404, "Not found.")
    return task


def problem_text(ctx: Ctx, error: DiallingError) -> str:
    return ctx.t(error.template, **error.values)


def task_facts(task: Task) -> dict[str, object]:
    """A task's settings for its audit entry."""
    settings = task.settings
    return {
        "name": task.name,
        "lines": list(task.lines),
        "operators": list(task.operators),
        "schedule": [window.document() for window in settings.windows],
        "max_lines": settings.max_lines,
        "gap_s": settings.gap_s,
        "max_attempts": settings.max_attempts,
        "hold_s": settings.hold_s,
        "machine": settings.machine,
        "machine_prompt": settings.machine_prompt,
        "retry_rules": "; ".join(f"{result} {rule.retries}×{rule.after_min} min"
                                 for result, rule in settings.rules.items()),
    }


# ---- the list ---------------------------------------------------------------------------


def tasks_page(ctx: Ctx) -> str:
    store = tasks_of(ctx)
    tasks = store.tasks() if manages(ctx) else store.tasks(operator=ctx.user.id)
    if not tasks and not manages(ctx):
        ctx.fail(403, "You do not have permission for this.")
    return ctx.render("tasks.tpl", tasks=tasks,
                      progress={task.id: store.progress(task.id) for task in tasks},
                      manages=manages(ctx), state_names=STATE_NAMES, result_names=RESULT_NAMES)


# ---- one task ---------------------------------------------------------------------------


def task_page(ctx: Ctx, task_id: int, *, notice: str = "", problem: str = "",
              status: int = 200) -> str:
    """The task's page; ``notice`` and ``problem`` in the reader's language already (a
    notice may also come as a key of ``NOTICES`` in the query's ``done``)."""
    task = task_seen(ctx, task_id)
    store = tasks_of(ctx)
    show = ctx.query("show")
    if show not in ("", *NUMBER_STATES, *FINAL_RESULTS):
        show = ""
    page = max(1, int(ctx.query("page")) if ctx.query("page").isdigit() else 1)
    numbers = store.numbers(task_id, show=show, limit=PAGE_SIZE + 1,
                            offset=(page - 1) * PAGE_SIZE)
    more = len(numbers) > PAGE_SIZE
    numbers = numbers[:PAGE_SIZE]
    users = {user.id: user for user in ctx.deps.accounts.users()}
    scope = ctx.principal.owner_scope()
    customers = {}
    if ctx.can("customers_view"):
        customers = {n.customer_id: ctx.deps.customers.get(n.customer_id, scope)
                     for n in numbers if n.customer_id is not None}
    if not notice and ctx.query("done") in NOTICES:
        notice = ctx.t(NOTICES[ctx.query("done")])
    ctx.response.status = status
    return ctx.render(
        "task.tpl", task=task, progress=store.progress(task_id), numbers=numbers,
        attempts=store.attempts_of(n.id for n in numbers), customers=customers,
        show=show, page=page, more=more, shown=store.count_numbers(task_id, show=show),
        query=lambda **changes: urlencode({"show": show, "page": page, **changes}),
        users=users, manages=manages(ctx), notice=notice,
        problem=problem, state_names=STATE_NAMES, number_states=NUMBER_STATES,
        result_names=RESULT_NAMES, machine_names=MACHINE_NAMES, rule_results=RULE_RESULTS,
        blocked_text=blocked_text, windows_text=schedule(
            ctx.t, [window.document() for window in task.settings.windows]),
        prompt_names={str(p.id): p.name for p in ctx.deps.prompts.prompts()},
        line_names={line.number: line.given_name for line in ctx.deps.config().lines},
        groups=ctx.deps.customers.categories(scope) if ctx.can("customers_view") else [],
        campaign=_campaign_of(ctx, task_id),
    )


def _campaign_of(ctx: Ctx, task_id: int):
    """The campaign the task was made for, shown to those who work campaigns."""
    if not (ctx.can("campaigns") or ctx.can("admin")):
        return None
    store = Campaigns(ctx.deps.store)
    campaign_id = store.campaign_of_task(task_id)
    return store.get(campaign_id) if campaign_id is not None else None


def task_start(ctx: Ctx, task_id: int) -> str:
    """Start a draft task, or resume a paused one."""
    need_manage(ctx)
    task = task_seen(ctx, task_id)
    try:
        was = tasks_of(ctx).start(task_id)
    except DiallingError as error:
        return task_page(ctx, task_id, problem=problem_text(ctx, error), status=409)
    ctx.audit("dial_task_started", f"dialling task {task_id}",
              structured_detail("resumed" if was == "paused" else "started", name=task.name))
    ctx.redirect(f"/tasks/{task_id}?done=started")
    return ""


def task_pause(ctx: Ctx, task_id: int) -> str:
    need_manage(ctx)
    task = task_seen(ctx, task_id)
    try:
        tasks_of(ctx).pause(task_id)
    except DiallingError as error:
        return task_page(ctx, task_id, problem=problem_text(ctx, error), status=409)
    ctx.audit("dial_task_paused", f"dialling task {task_id}", structured_detail(name=task.name))
    ctx.redirect(f"/tasks/{task_id}?done=paused")
    return ""


def task_customers(ctx: Ctx, task_id: int) -> str:
    """Add the first number of every customer of a group, or of a search, the user sees."""
    need_manage(ctx)
    if not ctx.can("customers_view"):
        ctx.fail(403, "You do not have permission for this.")
    task_seen(ctx, task_id)
    group, text = ctx.form("group")[:60], ctx.form("q")[:100]
    if not group and not text:
        return task_page(ctx, task_id, status=400,
                         problem=ctx.t("Choose a customer group, or search for customers."))
    found = ctx.deps.customers.search(ctx.principal.owner_scope(), text=text, category=group,
                                      limit=MOST_CUSTOMERS + 1)
    if len(found) > MOST_CUSTOMERS:
        return task_page(ctx, task_id, status=400, problem=ctx.t(
            "More than {n} customers match: narrow the search.", n=MOST_CUSTOMERS))
    checker = Checker.of(ctx)
    numbers = [checker.of_customer(customer) for customer in found]
    given = [number for number in numbers if number is not None]
    try:
        report = tasks_of(ctx).add_numbers(task_id, given)
    except DiallingError as error:
        return task_page(ctx, task_id, problem=problem_text(ctx, error), status=409)
    ctx.audit("dial_task_numbers_added", f"dialling task {task_id}", structured_detail(
        group=group or None, search=text or None, customers=len(found), added=report.added,
        merged=report.merged, blocked=report.blocked))
    notice = ctx.t(
        "{added} numbers added ({blocked} of them blocked by the call firewall), {merged} already in the task, {none} customers without a number the box can dial.",  # noqa: E501
        added=report.added, blocked=report.blocked, merged=report.merged,
        none=len(found) - len(given))
    return task_page(ctx, task_id, notice=notice)


# ---- the settings form --------------------------------------------------------------------


def _typed_of(task: Task | None) -> dict:
    settings = task.settings if task is not None else TaskSettings()
    return {
        "name": task.name if task is not None else "",
        "script": task.script if task is not None else "",
        "lines": list(task.lines) if task is not None else [],
        "operators": list(task.operators) if task is not None else [],
        "windows": [window.document() for window in settings.windows],
        "max_lines": str(settings.max_lines),
        "gap_s": str(settings.gap_s),
        "max_attempts": str(settings.max_attempts),
        "hold_s": str(settings.hold_s),
        "machine": settings.machine,
        "prompt": settings.machine_prompt or "",
        "rules": {result: {"retries": str(rule.retries), "after_min": str(rule.after_min)}
                  for result, rule in settings.rules.items()},
    }


def _typed(ctx: Ctx) -> dict:
    windows = []
    for index in range(WINDOW_ROWS):
        days = [day for day in ctx.form_list(f"window-{index}-days") if day in WEEKDAYS]
        start, end = ctx.form(f"window-{index}-start")[:5], ctx.form(f"window-{index}-end")[:5]
        if days or start or end:
            windows.append({"days": days, "start": start, "end": end})
    prompt = ctx.form("prompt")[:64]
    if prompt and prompt not in known_prompts(ctx):
        ctx.fail(400, "Choose a prompt of the list.")
    return {
        "name": ctx.form("name")[: MAX_NAME * 2],
        "script": ctx.form("script")[: MAX_SCRIPT * 2],
        "lines": sorted({int(v) for v in ctx.form_list("line") if v.isdigit() and len(v) < 4}),
        "operators": sorted({int(v) for v in ctx.form_list("operator")
                             if v.isdigit() and len(v) < 12}),
        "windows": windows,
        "max_lines": ctx.form("max_lines")[:6],
        "gap_s": ctx.form("gap_s")[:6],
        "max_attempts": ctx.form("max_attempts")[:6],
        "hold_s": ctx.form("hold_s")[:6],
        "machine": ctx.form("machine")[:10],
        "prompt": prompt,
        "rules": {result: {"retries": ctx.form(f"rule-{result}-retries")[:6],
                           "after_min": ctx.form(f"rule-{result}-after")[:6]}
                  for result in RULE_RESULTS},
    }


def _settings_from(typed: dict) -> TaskSettings:
    rules = {}
    for result, rule in typed["rules"].items():
        rules[result] = RetryRule(_number(rule["retries"]), _number(rule["after_min"]))
    return TaskSettings(
        windows=tuple(typed["windows"]), max_lines=_number(typed["max_lines"]),
        gap_s=_number(typed["gap_s"]), max_attempts=_number(typed["max_attempts"]),
        hold_s=_number(typed["hold_s"]), machine=typed["machine"],
        machine_prompt=typed["prompt"] or None, rules=rules)


def _number(text: str) -> int | str:
    """A whole number as typed; anything else as it is, for the store to refuse by name."""
    return int(text) if text.isdigit() else text


def _check_people(ctx: Ctx, typed: dict) -> None:
    """Only lines the box has and active users may be assigned."""
    lines = {line.number for line in ctx.deps.config().lines}
    users = {user.id for user in ctx.deps.accounts.users() if user.active}
    if not set(typed["lines"]) <= lines or not set(typed["operators"]) <= users:
        ctx.fail(400, "Choose lines and operators of the lists.")


def form_page(ctx: Ctx, task: Task | None, *, typed: dict | None = None, problem: str = "",
              status: int = 200) -> str:
    typed = typed or _typed_of(task)
    windows = [*typed["windows"], *({"days": [], "start": "", "end": ""}
                                    for _ in range(WINDOW_ROWS))][:WINDOW_ROWS]
    ctx.response.status = status
    return ctx.render(
        "task_form.tpl", task=task, typed=typed, windows=windows, problem=problem,
        weekdays=WEEKDAYS, lines=ctx.deps.config().lines,
        users=[user for user in ctx.deps.accounts.users() if user.active],
        rule_results=RULE_RESULTS, result_names=RESULT_NAMES, machine_names=MACHINE_NAMES,
        machine_actions=MACHINE_ACTIONS, limits={
            "max_lines": MAX_LINES, "gap_s": MAX_GAP_S, "max_attempts": MAX_ATTEMPTS,
            "hold_low": HOLD_RANGE_S[0], "hold_high": HOLD_RANGE_S[1], "name": MAX_NAME,
            "script": MAX_SCRIPT})


def new_task_page(ctx: Ctx) -> str:
    need_manage(ctx)
    return form_page(ctx, None)


def new_task_submit(ctx: Ctx) -> str:
    need_manage(ctx)
    typed = _typed(ctx)
    _check_people(ctx, typed)
    try:
        task_id = tasks_of(ctx).create(
            typed["name"], _settings_from(typed), script=typed["script"], lines=typed["lines"],
            operators=typed["operators"], owner_id=ctx.user.id, owner_name=ctx.user.shown_name)
    except DiallingError as error:
        return form_page(ctx, None, typed=typed, problem=problem_text(ctx, error), status=400)
    task = tasks_of(ctx).task(task_id)
    ctx.audit("dial_task_created", f"dialling task {task_id}",
              structured_detail(**task_facts(task)))
    ctx.redirect(f"/tasks/{task_id}?done=created")
    return ""


def edit_task_page(ctx: Ctx, task_id: int) -> str:
    need_manage(ctx)
    return form_page(ctx, task_seen(ctx, task_id))


def edit_task_submit(ctx: Ctx, task_id: int) -> str:
    need_manage(ctx)
    before = task_seen(ctx, task_id)
    typed = _typed(ctx)
    _check_people(ctx, typed)
    try:
        tasks_of(ctx).update(task_id, typed["name"], _settings_from(typed),
                             script=typed["script"], lines=typed["lines"],
                             operators=typed["operators"])
    except DiallingError as error:
        return form_page(ctx, before, typed=typed, problem=problem_text(ctx, error),
                         status=400)
    after = tasks_of(ctx).task(task_id)
    old, new = task_facts(before), task_facts(after)
    changes = [(name, old[name], new[name]) for name in new if old[name] != new[name]]
    if before.script != after.script:
        changes.append(("script", before.script, after.script))
    ctx.audit("dial_task_changed", f"dialling task {task_id}",
              structured_detail(changes=changes, name=after.name))
    ctx.redirect(f"/tasks/{task_id}?done=saved")
    return ""
