"""Quality inspection (the ``quality`` flag): scoring templates and inspection tasks.

Who may do what (checked here, on the server, for every page):

- ``quality`` (an inspector): make and change templates (a template a task uses is
  never changed: a change makes its next version and retires it), retire them, make
  tasks (with a preview of how many calls the rule samples), score the sampled calls of
  the tasks they inspect, decide appeals of those, and read every operator's results.
  An inspector hears a sampled call of a task they inspect whatever lines they see
  otherwise: the task is the grant. Nothing else of those lines opens to them (the call
  log and /recordings still go by their lines).
- an operator reads their own results and appeals them (``webui.pages.quality_samples``);
  a leader reads their group's and decides their appeals; admins read everyone's.

The tasks a rule may name are every active user with lines: quality inspection is the
office's, not a group's. Every change is audited; input a page cannot take is answered
with one line naming the field.
"""

from __future__ import annotations

import math
import re

from firmware.store.audit import structured_detail
from firmware.store.quality import (
    MOST_DAYS,
    MOST_ITEMS,
    MOST_MAX_SCORE,
    MOST_WEIGHT,
    NAME_LIMIT,
    ItemDraft,
    Quality,
    QualityError,
    Rule,
    Task,
    Template,
)
from webui.context import Ctx

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
DAY_S = 86400
BLANK_ROWS = 3  # empty item rows a template's form offers
TYPED_LIMIT = 200  # characters of a short field kept to be shown back


def quality(ctx: Ctx) -> Quality:
    return Quality(ctx.deps.store)


def error_text(ctx: Ctx, error: QualityError) -> str:
    return ctx.t(error.template, **error.values)


def inspects(ctx: Ctx, task: Task) -> bool:
    """Scores this task's calls: an inspector of it with the flag, or a super user."""
    return ctx.can("quality") and (ctx.principal.is_super or ctx.user.id in task.inspector_ids)


def sees_every_result(ctx: Ctx) -> bool:
    return ctx.can("quality") or ctx.can("admin")


def result_operators(ctx: Ctx) -> frozenset[int] | None:
    """Whose results this user reads: None for everyone's, else these users'."""
    if sees_every_result(ctx):
        return None
    if ctx.user.level == "leader":
        return ctx.principal.group_member_ids | {ctx.user.id}
    return frozenset({ctx.user.id})


def reads_others(ctx: Ctx) -> bool:
    """Reads more than their own results (the Results page)."""
    return sees_every_result(ctx) or ctx.user.level == "leader"


def user_names(ctx: Ctx) -> dict[int, str]:
    return {user.id: user.shown_name for user in ctx.deps.accounts.users()}


def _refuse_unless_inspector(ctx: Ctx) -> None:
    if not ctx.can("quality"):
        ctx.fail(403, "You do not have permission for this.")


# ---- the overview -----------------------------------------------------------------------


def quality_page(ctx: Ctx) -> str:
    """Inspectors: the tasks and the open appeals; others go to what they may read."""
    if not ctx.can("quality"):
        ctx.redirect("/quality/results" if reads_others(ctx) else "/quality/mine")
    store = quality(ctx)
    tasks = store.tasks()
    mine = [task for task in tasks if inspects(ctx, task)]
    others = [task for task in tasks if not inspects(ctx, task)]
    appeals = [(appeal, sample) for appeal, sample in store.open_appeals()
               if any(task.id == sample.task_id for task in mine)]
    return ctx.render("quality.tpl", mine=mine, others=others, appeals=appeals,
                      names=user_names(ctx), notice=ctx.query("done"))


# ---- templates ----------------------------------------------------------------------------


def templates_page(ctx: Ctx) -> str:
    _refuse_unless_inspector(ctx)
    return ctx.render("quality_templates.tpl", templates=quality(ctx).templates(),
                      notice=ctx.query("done"))


def _template_of(ctx: Ctx, template_id: int) -> Template:
    template = quality(ctx).template(template_id)
    if template is None:
        ctx.fail(404, "Not found.")
    return template


def _typed_items(template: Template | None) -> list[dict[str, str]]:
    rows = [{"text": item.text, "weight": f"{item.weight:g}", "max": str(item.max_score)}
            for item in (template.items if template else ())]
    return rows + [{"text": "", "weight": "", "max": ""}] * BLANK_ROWS


def _template_form(ctx: Ctx, template: Template | None, typed: dict, problem: str = "",
                   status: int = 200) -> str:
    ctx.response.status = status
    rows = typed["items"]
    if len(rows) < MOST_ITEMS:
        rows = rows + [{"text": "", "weight": "", "max": ""}] * min(
            BLANK_ROWS, MOST_ITEMS - len(rows))
    return ctx.render("quality_template.tpl", scoring=template, typed={**typed, "items": rows},
                      problem=problem, name_limit=NAME_LIMIT, notice=ctx.query("done"))


def new_template_page(ctx: Ctx) -> str:
    _refuse_unless_inspector(ctx)
    return _template_form(ctx, None, {"name": "", "items": _typed_items(None)[:0]})


def template_page(ctx: Ctx, template_id: int) -> str:
    _refuse_unless_inspector(ctx)
    template = _template_of(ctx, template_id)
    return _template_form(ctx, template, {"name": template.name,
                                          "items": _typed_items(template)[:len(template.items)]})


def _read_template_form(ctx: Ctx) -> tuple[dict, list[ItemDraft] | None, str]:
    """The form as typed, the items read (None when one cannot be), and the problem."""
    texts, weights, highs = (ctx.form_list(name) for name in ("text", "weight", "max"))
    count = max(len(texts), len(weights), len(highs))
    typed_rows, drafts, problem = [], [], ""

    def at(values: list[str], index: int) -> str:
        return values[index][:TYPED_LIMIT] if index < len(values) else ""

    for index in range(min(count, MOST_ITEMS + BLANK_ROWS)):
        row = {"text": at(texts, index), "weight": at(weights, index), "max": at(highs, index)}
        if not any(row.values()):
            continue
        typed_rows.append(row)
        position = len(typed_rows)
        weight = _number(row["weight"] or "1")
        high = row["max"] if row["max"].isdigit() and len(row["max"]) <= 4 else None
        if weight is None and not problem:
            problem = ctx.t("Item {n}: the weight is a number above 0, at most {most}.",
                            n=position, most=MOST_WEIGHT)
        elif high is None and not problem:
            problem = ctx.t("Item {n}: the highest score is a whole number from 1 to {most}.",
                            n=position, most=MOST_MAX_SCORE)
        if weight is not None and high is not None:
            drafts.append(ItemDraft(texts[index] if index < len(texts) else "", weight,
                                    int(high)))
    typed = {"name": ctx.form("name")[:TYPED_LIMIT], "items": typed_rows}
    if count > MOST_ITEMS + BLANK_ROWS and not problem:
        problem = ctx.t("A template has at most {most} items.", most=MOST_ITEMS)
    return typed, None if problem else drafts, problem


def _number(text: str) -> float | None:
    if len(text) > 12:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _items_text(template: Template | None, drafts: list[ItemDraft] | None = None) -> list[str]:
    items = drafts if drafts is not None else (template.items if template else ())
    return [f"{item.text} ({item.weight:g}, {item.max_score})" for item in items]


def new_template_submit(ctx: Ctx) -> str:
    _refuse_unless_inspector(ctx)
    typed, drafts, problem = _read_template_form(ctx)
    if drafts is None:
        return _template_form(ctx, None, typed, problem, 400)
    try:
        template_id = quality(ctx).add_template(typed["name"], drafts, by=ctx.user.id,
                                                now=ctx.deps.clock())
    except QualityError as error:
        return _template_form(ctx, None, typed, error_text(ctx, error), 400)
    made = quality(ctx).template(template_id)
    ctx.audit("quality_template_added", f"quality template {template_id}",
              structured_detail("created", name=made.name, items=_items_text(made)))
    ctx.redirect(f"/quality/templates/{template_id}?done=added")
    return ""


def template_submit(ctx: Ctx, template_id: int) -> str:
    _refuse_unless_inspector(ctx)
    template = _template_of(ctx, template_id)
    typed, drafts, problem = _read_template_form(ctx)
    if drafts is None:
        return _template_form(ctx, template, typed, problem, 400)
    if typed["name"].strip() == template.name and _items_text(None, [
            ItemDraft(draft.text.strip(), draft.weight, draft.max_score) for draft in drafts
    ]) == _items_text(template):
        ctx.redirect(f"/quality/templates/{template_id}?done=saved")  # nothing changed
    try:
        changed_id = quality(ctx).change_template(template_id, typed["name"], drafts,
                                                  by=ctx.user.id, now=ctx.deps.clock())
    except QualityError as error:
        return _template_form(ctx, template, typed, error_text(ctx, error), 400)
    changed = quality(ctx).template(changed_id)
    changes = []
    if changed.name != template.name:
        changes.append(("name", template.name, changed.name))
    if _items_text(changed) != _items_text(template):
        changes.append(("items", _items_text(template), _items_text(changed)))
    if changed_id == template_id:
        ctx.audit("quality_template_changed", f"quality template {template_id}",
                  structured_detail(changes=changes) if changes else
                  structured_detail("unchanged"))
        ctx.redirect(f"/quality/templates/{template_id}?done=saved")
    ctx.audit("quality_template_versioned", f"quality template {changed_id}",
              structured_detail(changes=changes, version=changed.version,
                                replaces=template_id))
    ctx.redirect(f"/quality/templates/{changed_id}?done=versioned")
    return ""


def template_retire(ctx: Ctx, template_id: int) -> str:
    _refuse_unless_inspector(ctx)
    template = _template_of(ctx, template_id)
    if quality(ctx).retire_template(template_id, now=ctx.deps.clock()):
        ctx.audit("quality_template_retired", f"quality template {template_id}",
                  structured_detail(name=template.name, version=template.version))
    ctx.redirect("/quality/templates?done=retired")
    return ""


# ---- tasks --------------------------------------------------------------------------------


def rule_operators(ctx: Ctx) -> list:
    """Whom a rule may name: every active user with lines, by name."""
    return sorted((user for user in ctx.deps.accounts.users() if user.active and user.lines),
                  key=lambda user: (user.shown_name.lower(), user.id))


def inspector_choices(ctx: Ctx) -> list:
    """Who may inspect: active users with the flag, and super users."""
    return sorted((user for user in ctx.deps.accounts.users() if user.active and (
        user.level == "super" or "quality" in user.permissions)),
        key=lambda user: (user.shown_name.lower(), user.id))


def _task_typed(ctx: Ctx) -> dict:
    today = ctx.t.iso_date(ctx.deps.clock())
    first = ctx.t.iso_date(ctx.deps.clock() - 30 * DAY_S)
    return {"name": "", "template": "", "operators": [], "group": "", "from": first,
            "to": today, "share": "10", "min_duration": "0", "recorded_only": True,
            "inspectors": [str(ctx.user.id)]}


def _task_form(ctx: Ctx, typed: dict, problem: str = "", preview=None, status: int = 200
               ) -> str:
    ctx.response.status = status
    return ctx.render(
        "quality_task_form.tpl", typed=typed, problem=problem, preview=preview,
        templates=quality(ctx).templates(include_retired=False),
        operators=rule_operators(ctx), groups=ctx.deps.accounts.groups(),
        inspectors=inspector_choices(ctx), names=user_names(ctx), name_limit=NAME_LIMIT,
    )


def new_task_page(ctx: Ctx) -> str:
    _refuse_unless_inspector(ctx)
    typed = _task_typed(ctx)
    chosen = ctx.query("template")
    if chosen.isdigit():
        typed["template"] = chosen
    return _task_form(ctx, typed)


def _whole(text: str, lowest: int, highest: int) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 and lowest <= int(text) <= highest \
        else None


def _read_task_form(ctx: Ctx) -> tuple[dict, dict | None, str]:
    """The form as typed; what it asks for (None when a field cannot be read), and the
    first field that cannot, in one line."""
    t = ctx.t
    typed = {
        "name": ctx.form("name")[:TYPED_LIMIT], "template": ctx.form("template")[:20],
        "operators": [value[:20] for value in ctx.form_list("operators")[:500]],
        "group": ctx.form("group")[:20], "from": ctx.form("from")[:40],
        "to": ctx.form("to")[:40], "share": ctx.form("share")[:20],
        "min_duration": ctx.form("min_duration")[:20],
        "recorded_only": ctx.form("recorded_only") == "yes",
        "inspectors": [value[:20] for value in ctx.form_list("inspectors")[:500]],
    }
    allowed = {user.id: user for user in rule_operators(ctx)}
    checks = []
    template = _whole(typed["template"], 1, 2**62)
    checks.append((template is None, "Template: choose one from the list.", {}))
    operator_ids = {int(value) for value in typed["operators"] if value.isdigit()
                    and len(value) < 19}
    group_id = _whole(typed["group"], 1, 2**62) if typed["group"] else None
    checks.append((bool(typed["group"]) and (group_id is None or ctx.deps.accounts.group(
        group_id) is None), "Group: choose one from the list.", {}))
    checks.append((bool(operator_ids - set(allowed)) or len(operator_ids) != len(
        typed["operators"]), "Operators: choose them from the list.", {}))
    if group_id is not None:
        operator_ids |= {user_id for user_id, user in allowed.items()
                         if user.group_id == group_id}
    since = t.local_midnight(typed["from"]) if ISO_DAY.fullmatch(typed["from"]) else None
    last = t.local_midnight(typed["to"]) if ISO_DAY.fullmatch(typed["to"]) else None
    checks.append((since is None, "From: {value} is not a date; write it as YYYY-MM-DD.",
                   {"value": typed["from"]}))
    checks.append((last is None, "To: {value} is not a date; write it as YYYY-MM-DD.",
                   {"value": typed["to"]}))
    share = _whole(typed["share"], 1, 100)
    checks.append((share is None, "Share: a whole number from 1 to 100.", {}))
    min_duration = _whole(typed["min_duration"] or "0", 0, 86400)
    checks.append((min_duration is None, "Minimum talk time: 0 to {most} seconds.",
                   {"most": 86400}))
    inspectors = {int(value) for value in typed["inspectors"] if value.isdigit()
                  and len(value) < 19}
    choices = {user.id for user in inspector_choices(ctx)}
    checks.append((not inspectors, "Inspectors: choose at least one.", {}))
    checks.append((bool(inspectors - choices) or len(inspectors) != len(typed["inspectors"]),
                   "Inspectors: choose them from the list.", {}))
    for wrong, message, values in checks:
        if wrong:
            return typed, None, t(message, **values)
    if last < since:
        return typed, None, t("To: the last day comes before the first.")
    if (last - since) / DAY_S + 1 > MOST_DAYS:
        return typed, None, t("To: a task covers at most {n} days.", n=MOST_DAYS)
    rule = Rule(frozenset(operator_ids), since, last + DAY_S, share, min_duration,
                typed["recorded_only"])
    return typed, {"rule": rule, "template": template, "group": group_id,
                   "inspectors": inspectors}, ""


def new_task_submit(ctx: Ctx) -> str:
    """Preview what the rule samples, or make the task (and its sample)."""
    _refuse_unless_inspector(ctx)
    typed, asked, problem = _read_task_form(ctx)
    if asked is None:
        return _task_form(ctx, typed, problem, status=400)
    store = quality(ctx)
    try:
        store.check_rule(asked["rule"])
    except QualityError as error:
        return _task_form(ctx, typed, error_text(ctx, error), status=400)
    if ctx.form("action") != "create":
        return _task_form(ctx, typed, preview=store.preview(asked["rule"]))
    try:
        task_id = store.create_task(
            typed["name"], asked["template"], asked["rule"], day_from=typed["from"],
            day_to=typed["to"], inspector_ids=asked["inspectors"], group_id=asked["group"],
            by=ctx.user.id, now=ctx.deps.clock())
    except QualityError as error:
        return _task_form(ctx, typed, error_text(ctx, error), status=400)
    task = store.task(task_id)
    names = user_names(ctx)
    ctx.audit("quality_task_created", f"quality task {task_id}", structured_detail(
        "created", name=task.name, template=f"{task.template_name} (v{task.template_version})",
        operators=[names.get(user_id, str(user_id)) for user_id in task.operator_ids],
        inspectors=[names.get(user_id, str(user_id)) for user_id in task.inspector_ids],
        **{"from": task.day_from, "to": task.day_to}, share=task.share,
        min_duration_s=task.min_duration_s, recorded_only=task.recorded_only,
        samples=task.samples))
    ctx.redirect(f"/quality/tasks/{task_id}?done=created")
    return ""


def task_of(ctx: Ctx, task_id: int) -> Task:
    task = quality(ctx).task(task_id)
    if task is None:
        ctx.fail(404, "Not found.")
    return task


def task_page(ctx: Ctx, task_id: int) -> str:
    _refuse_unless_inspector(ctx)
    task = task_of(ctx, task_id)
    return ctx.render("quality_task.tpl", task=task, samples=quality(ctx).samples(task_id),
                      inspects=inspects(ctx, task), names=user_names(ctx),
                      scoring=quality(ctx).template(task.template_id),
                      notice=ctx.query("done"))
