"""Administration (the ``admin`` flag): the overview, users and groups.

Guards, checked on the server whatever the form sent:

- the box always keeps at least one active super user: the last one cannot
  be demoted, deactivated or deleted;
- an admin cannot lock themselves out: lowering their own level, taking
  away their own ``admin`` flag, deactivating or deleting their own account
  are refused with the reason;
- only a super user makes, changes, resets or deletes a super user, so an
  admin who is not super cannot take over a super's account.

Every change is written to the audit log (``user_changed``), passwords never.
"""

from __future__ import annotations

from urllib.parse import urlencode

from firmware.store.accounts import LEVELS, AccountError, User
from firmware.store.audit import structured_detail
from webui import auth
from webui.context import Ctx, row_id
from webui.i18n import LANGUAGES
from webui.permissions import FLAGS, OPERATOR_DEFAULTS

NAME_LIMIT = 64
GROUP_NAME_LIMIT = 60
LEVEL_RANK = {"operator": 0, "leader": 1, "super": 2}


def flag_descriptions(t) -> dict[str, str]:
    """What each permission flag lets a user do, in the user's language."""
    return {
        "pop": t("The caller's card pops up when one of their lines rings"),
        "customers_view": t("See the customer list and customer cards"),
        "customers_add": t("Add customers, and import them from Excel"),
        "customers_edit": t("Edit customers, and delete anyone's contact records they see"),
        "customers_delete": t("Delete customers"),
        "customers_export": t("Export customers to Excel"),
        "contacts": t("Read and add contact records"),
        "recordings_listen": t("Listen to recordings"),
        "recordings_download": t("Download and export recordings"),
        "live_listen": t("Listen to a call on a line as it happens"),
        "record": t("Start and stop recording a call by hand, on lines recording by hand"),
        "survey": t("Hand the caller to the satisfaction survey at the end of a call"),
        "dial": t("Call a customer or a caller back: the box dials on their line"),
        "voicemail": t("Voicemail messages of their lines: listen, mark heard, delete"),
        "sms": t("Text messages of the customers and numbers they see: send, to groups too, cancel and send again; leaders approve held ones"),  # noqa: E501
        "all_lines": t("Calls and recordings of every line, not only their own lines"),
        "share": t("Customers and contact records everyone added, not only their own"),
        "audit": t("The audit log, verifying recordings, bulk export"),
        "reports": t("Reports: charts of the calls of their lines, and their Excel export"),
        "firewall": t("Manage the call firewall: see, add and remove numbers of its lists (its rules: admins only); leaders approve their group's changes"),  # noqa: E501
        "dial_tasks": t("Dialling tasks: make them, add their numbers, start and pause them, export their results"),  # noqa: E501
        "service": t("Service tickets of the customers they see: open, work, reassign, resolve; leaders their group's queue"),  # noqa: E501
        "campaigns": t("Marketing campaigns: target lists, their dialling tasks and messages, results side by side"),  # noqa: E501
        "quality": t("Quality inspection: scoring templates and tasks, score sampled calls (their recordings play), decide appeals, every operator's results"),  # noqa: E501
        "knowledge": t("The knowledge base: add, change and delete entries and categories, import and export them"),  # noqa: E501
        "sales": t("Opportunities and orders of the customers they see, the sales report; products read-only"),  # noqa: E501
        "products": t("Edit products and their stock"),
        "admin": t("Users, groups and the device settings"),
    }


def level_names(t) -> dict[str, str]:
    return {"super": t("Super"), "leader": t("Leader"), "operator": t("Operator")}


def level_help(t) -> dict[str, str]:
    return {
        "super": t("Sees and may do everything, whatever the flags say."),
        "leader": t("Sees what the users of their group added, and their group's lines."),
        "operator": t("Sees what they added themselves, and their own lines."),
    }


def _target(ctx: Ctx, user_id: int) -> User:
    user = ctx.deps.accounts.user(user_id)
    if user is None:
        ctx.fail(404, "Not found.")
    return user


def _only_super_for_super(ctx: Ctx, user: User) -> None:
    if user.level == "super" and not ctx.principal.is_super:
        ctx.fail(403, "Only a super user may change a super user.")


def _is_last_active_super(ctx: Ctx, user: User) -> bool:
    supers = ctx.deps.accounts.active_supers()
    return user.active and user.level == "super" and [u.id for u in supers] == [user.id]


def _line_numbers(ctx: Ctx) -> list[int]:
    return [line.number for line in ctx.deps.config().lines]


# ---- overview --------------------------------------------------------------------------


def overview(ctx: Ctx) -> str:
    users = ctx.deps.accounts.users()
    config = ctx.deps.config()
    return ctx.render(
        "admin.tpl",
        users=users,
        groups=ctx.deps.accounts.groups(),
        config=config,
        connected=ctx.deps.engine.connected,
        prompts=ctx.deps.prompts.prompts(),
    )


# ---- users -----------------------------------------------------------------------------


def users_page(ctx: Ctx) -> str:
    return ctx.render(
        "admin_users.tpl",
        users=ctx.deps.accounts.users(),
        levels=level_names(ctx.t),
        notice=ctx.query("done"),
        name=ctx.query("name")[:NAME_LIMIT],
    )


def _user_form(ctx: Ctx, target: User | None, typed: dict, problem: str = "",
               status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render(
        "admin_user.tpl",
        target=target,
        typed=typed,
        problem=problem,
        flags=FLAGS,
        descriptions=flag_descriptions(ctx.t),
        levels=level_names(ctx.t),
        level_help=level_help(ctx.t),
        groups=ctx.deps.accounts.groups(),
        lines=_line_numbers(ctx),
        line_names={line.number: line.given_name for line in ctx.deps.config().lines},
        languages=LANGUAGES,
        notice=ctx.query("done"),
    )


def _typed_of(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "level": user.level,
        "group_id": user.group_id,
        "flags": set(user.permissions),
        "lines": set(user.lines),
        "language": user.language,
        "active": user.active,
    }


def _typed_from_form(ctx: Ctx) -> dict:
    group = ctx.form("group_id")
    return {
        "username": ctx.form("username")[: NAME_LIMIT + 1],
        "display_name": ctx.form("display_name")[: NAME_LIMIT + 1],
        "level": ctx.form("level"),
        "group_id": row_id(group),
        "flags": {flag for flag in ctx.form_list("flag") if flag in FLAGS},
        "lines": {int(n) for n in ctx.form_list("line") if n.isdigit() and 1 <= int(n) <= 64},
        "language": ctx.form("language"),
        "active": ctx.form("active") == "yes",
    }


def _form_problem(ctx: Ctx, typed: dict, target: User | None) -> str | None:
    """What is wrong with the user form (English, translated by the caller), or None."""
    if typed["level"] not in LEVELS:
        return "Choose a level."
    if typed["language"] not in LANGUAGES:
        return "Choose a language."
    if len(typed["display_name"]) > NAME_LIMIT or not typed["display_name"].isprintable():
        return "The display name has at most 64 characters."
    if typed["group_id"] is not None and ctx.deps.accounts.group(typed["group_id"]) is None:
        return "Choose a group."
    if typed["level"] == "super" and not ctx.principal.is_super:
        return "Only a super user may make another user super."
    return None if target is None else _lockout_problem(ctx, typed, target)


def _lockout_problem(ctx: Ctx, typed: dict, target: User) -> str | None:
    """Whether the change would lock its author, or everyone, out of the box."""
    me = ctx.user
    if target.id == me.id:
        if LEVEL_RANK[typed["level"]] < LEVEL_RANK[target.level]:
            return "You cannot lower your own level: ask another admin."
        if not typed["active"]:
            return "You cannot deactivate your own account."
        if not ctx.principal.is_super and "admin" not in typed["flags"]:
            return "You cannot take away your own admin permission."
    demoted = typed["level"] != "super" or not typed["active"]
    if demoted and _is_last_active_super(ctx, target):
        return "This is the last active super user: make another user super first."
    return None


# What a new user's fields are compared with, for the audit log.
NOBODY = {"display_name": "", "level": None, "language": None, "group_id": None,
          "flags": set(), "lines": set()}


def _changes(ctx: Ctx, before: dict, after: dict, what: str = "") -> str:
    """The audit log's account of a change (``structured_detail``): each field before and
    after (the group by its name), the permissions added and taken away, the lines."""
    def group_name(group_id: int | None) -> str | None:
        group = ctx.deps.accounts.group(group_id) if group_id is not None else None
        return group.name if group else None

    changes: list[tuple] = []
    for key in ("display_name", "level", "language", "active"):
        if key in before and before.get(key) != after.get(key):
            changes.append((key, before.get(key), after.get(key)))
    if before.get("group_id") != after.get("group_id"):
        changes.append(("group", group_name(before.get("group_id")),
                        group_name(after.get("group_id"))))
    if before["lines"] != after["lines"]:
        changes.append(("lines", sorted(before["lines"]), sorted(after["lines"])))
    added = sorted(after["flags"] - before["flags"])
    removed = sorted(before["flags"] - after["flags"])
    if not (what or changes or added or removed):
        what = "unchanged"
    return structured_detail(what=what, changes=changes, flags_added=added or None,
                             flags_removed=removed or None)


def new_user_page(ctx: Ctx) -> str:
    typed = {
        "username": "", "display_name": "", "level": "operator", "group_id": None,
        "flags": set(OPERATOR_DEFAULTS), "lines": set(), "active": True,
        # A new user reads the box in the language of the admin who adds them.
        "language": ctx.user.language,
    }
    return _user_form(ctx, None, typed)


def new_user_submit(ctx: Ctx) -> str:
    typed = _typed_from_form(ctx)
    typed["active"] = True
    password = ctx.request.forms.getunicode("password") or ""
    repeated = ctx.request.forms.getunicode("password_again") or ""
    username = typed["username"]
    problem = None
    if not username or len(username) > NAME_LIMIT or not username.isprintable():
        problem = "Choose a user name (up to 64 characters)."
    if problem is None:
        problem = _form_problem(ctx, typed, None)
    if problem is None and password != repeated:
        problem = "The two passwords are not the same."
    if problem is None:
        problem = auth.password_problem(password, username)
    if problem is None and ctx.deps.accounts.user_by_name(username) is not None:
        problem = "The user name {name} is taken."
    if problem:
        message = ctx.t(problem, n=auth.MIN_PASSWORD_LENGTH, name=username)
        return _user_form(ctx, None, typed, message, status=400)
    try:
        user = ctx.deps.accounts.create_user(
            username,
            auth.hash_password(password),
            typed["level"],
            display_name=typed["display_name"],
            group_id=typed["group_id"],
            permissions=frozenset(typed["flags"]),
            language=typed["language"],
            lines=frozenset(typed["lines"]),
        )
    except AccountError:  # taken a moment ago
        message = ctx.t("The user name {name} is taken.", name=username)
        return _user_form(ctx, None, typed, message, status=400)
    ctx.audit("user_changed", target=user.username,
              detail=_changes(ctx, NOBODY, typed, "created"))
    ctx.redirect("/admin/users?" + urlencode({"done": "added", "name": user.username}))


def user_page(ctx: Ctx, user_id: int) -> str:
    target = _target(ctx, user_id)
    return _user_form(ctx, target, _typed_of(target))


def user_submit(ctx: Ctx, user_id: int) -> str:
    target = _target(ctx, user_id)
    _only_super_for_super(ctx, target)
    typed = _typed_from_form(ctx)
    typed["username"] = target.username
    problem = _form_problem(ctx, typed, target)
    if problem:
        return _user_form(ctx, target, typed, ctx.t(problem), status=400)
    ctx.deps.accounts.update_user(
        target.id,
        display_name=typed["display_name"],
        level=typed["level"],
        group_id=typed["group_id"],
        permissions=frozenset(typed["flags"]),
        language=typed["language"],
        active=typed["active"],
        lines=frozenset(typed["lines"]),
    )
    if not typed["active"]:
        ctx.deps.accounts.delete_sessions_of(target.id)
    ctx.audit("user_changed", target=target.username,
              detail=_changes(ctx, _typed_of(target), typed))
    ctx.redirect(f"/admin/users/{target.id}?done=saved")


def user_password(ctx: Ctx, user_id: int) -> str:
    """An admin sets a user's new password; every session of that user ends."""
    target = _target(ctx, user_id)
    _only_super_for_super(ctx, target)
    password = ctx.request.forms.getunicode("password") or ""
    repeated = ctx.request.forms.getunicode("password_again") or ""
    problem = "The two passwords are not the same." if password != repeated else None
    if problem is None:
        problem = auth.password_problem(password, target.username)
    if problem:
        message = ctx.t(problem, n=auth.MIN_PASSWORD_LENGTH)
        return _user_form(ctx, target, _typed_of(target), message, status=400)
    ctx.deps.accounts.set_password_hash(target.id, auth.hash_password(password))
    keep = ctx.session.token_hash if target.id == ctx.user.id else None
    ended = ctx.deps.accounts.delete_sessions_of(target.id, keep=keep)
    ctx.audit("user_changed", target=target.username,
              detail=structured_detail(what="password_reset", sessions_ended=ended))
    ctx.redirect(f"/admin/users/{target.id}?done=password")


def _delete_problem(ctx: Ctx, target: User) -> str | None:
    if target.id == ctx.user.id:
        return "You cannot delete your own account."
    if _is_last_active_super(ctx, target):
        return "This is the last active super user: make another user super first."
    return None


def delete_user_page(ctx: Ctx, user_id: int) -> str:
    target = _target(ctx, user_id)
    _only_super_for_super(ctx, target)
    problem = _delete_problem(ctx, target)
    return ctx.render("admin_user_delete.tpl", target=target,
                      problem=ctx.t(problem) if problem else "")


def delete_user_submit(ctx: Ctx, user_id: int) -> str:
    target = _target(ctx, user_id)
    _only_super_for_super(ctx, target)
    problem = _delete_problem(ctx, target)
    if problem:
        ctx.response.status = 400
        return ctx.render("admin_user_delete.tpl", target=target, problem=ctx.t(problem))
    ctx.deps.accounts.delete_user(target.id)
    ctx.audit("user_changed", target=target.username, detail=structured_detail(what="deleted"))
    ctx.redirect("/admin/users?done=deleted")


# ---- groups ------------------------------------------------------------------------------


def groups_page(ctx: Ctx, problem: str = "", status: int = 200) -> str:
    ctx.response.status = status
    return ctx.render("admin_groups.tpl", groups=ctx.deps.accounts.groups(), problem=problem,
                      notice=ctx.query("done"))


def _group_name(ctx: Ctx) -> str | None:
    name = ctx.form("name")
    if not name or len(name) > GROUP_NAME_LIMIT or not name.isprintable():
        return None
    return name


def group_add(ctx: Ctx) -> str:
    name = _group_name(ctx)
    if name is None:
        return groups_page(ctx, ctx.t("A group name has 1 to {n} characters.",
                                      n=GROUP_NAME_LIMIT), 400)
    try:
        ctx.deps.accounts.create_group(name)
    except AccountError:
        return groups_page(ctx, ctx.t("The group name {name} is taken.", name=name), 400)
    ctx.audit("user_changed", target=f"group {name}", detail=structured_detail(what="created"))
    ctx.redirect("/admin/groups?done=added")


def group_rename(ctx: Ctx, group_id: int) -> str:
    group = ctx.deps.accounts.group(group_id)
    if group is None:
        ctx.fail(404, "Not found.")
    name = _group_name(ctx)
    if name is None:
        return groups_page(ctx, ctx.t("A group name has 1 to {n} characters.",
                                      n=GROUP_NAME_LIMIT), 400)
    try:
        ctx.deps.accounts.rename_group(group.id, name)
    except AccountError:
        return groups_page(ctx, ctx.t("The group name {name} is taken.", name=name), 400)
    ctx.audit("user_changed", target=f"group {group.name}",
              detail=structured_detail(changes=[("name", group.name, name)]))
    ctx.redirect("/admin/groups?done=saved")


def group_delete(ctx: Ctx, group_id: int) -> str:
    group = ctx.deps.accounts.group(group_id)
    if group is None:
        ctx.fail(404, "Not found.")
    if ctx.form("confirm") != "yes":
        return groups_page(ctx, ctx.t("Tick the box to confirm."), 400)
    ctx.deps.accounts.delete_group(group.id)
    ctx.audit("user_changed", target=f"group {group.name}",
              detail=structured_detail(what="deleted", members=group.members))
    ctx.redirect("/admin/groups?done=deleted")
