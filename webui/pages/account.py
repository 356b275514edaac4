"""First-run set-up, sign-in and sign-out, and a user's own account (password, language)."""

from __future__ import annotations

from urllib.parse import urlsplit

from firmware.store.accounts import AccountError
from firmware.store.audit import structured_detail
from firmware.store.pop_rules import CLOSE_AFTER_MAX_S, PopRules, PopRulesError
from webui import auth
from webui.context import Ctx
from webui.i18n import LANGUAGES
from webui.permissions import FLAGS, principal_of


def _safe_next(target: str) -> str:
    """Only a path on this box: never a redirect to another site after sign-in.

    Browsers read a backslash as a slash (``/\\host`` is ``//host``, another site) and
    a control character would break the header: a target with either goes home.
    """
    parts = urlsplit(target)
    odd = any(character == "\\" or ord(character) < 0x20 or ord(character) == 0x7F
              for character in target)
    if odd or parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


def _start_session(ctx: Ctx, user) -> None:
    token, session = ctx.deps.sessions.start(
        user, ctx.address, ctx.request.headers.get("User-Agent", "")
    )
    ctx.set_cookie(auth.SESSION_COOKIE, token, max_age=auth.MAX_AGE_S)
    ctx.sign_in_as(principal_of(user, ctx.deps.accounts), session, token)


# ---- first run ---------------------------------------------------------------------


def setup_page(ctx: Ctx) -> str:
    """The first visit to a new box: make the first (super) account. Gone once one exists."""
    if ctx.deps.accounts.user_count():
        ctx.fail(404, "Not found.")
    return ctx.render("setup.tpl", problem="", username="admin", languages=LANGUAGES)


def setup_submit(ctx: Ctx) -> str:
    if ctx.deps.accounts.user_count():
        ctx.fail(404, "Not found.")
    username = ctx.form("username")
    password = ctx.request.forms.getunicode("password") or ""
    repeated = ctx.request.forms.getunicode("password_again") or ""
    language = ctx.form("language", "zh-CN")
    problem = _new_account_problem(username, password, repeated, language)
    if problem:
        return ctx.render(
            "setup.tpl", problem=ctx.t(problem, n=auth.MIN_PASSWORD_LENGTH),
            username=username, languages=LANGUAGES,
        )
    try:
        user = ctx.deps.accounts.create_user(
            username,
            auth.hash_password(password),
            "super",
            permissions=frozenset(FLAGS),
            language=language,
            only_if_first=True,
        )
    except AccountError:  # someone else finished the set-up a moment ago
        ctx.redirect("/login")
    _start_session(ctx, user)
    ctx.audit("sign_in", detail=structured_detail(what="first_account"))
    ctx.redirect("/setup/box")  # then the box itself: country, time zone, lines, storage


def _new_account_problem(username: str, password: str, repeated: str, language: str) -> str | None:
    if not username or len(username) > 64 or not username.isprintable():
        return "Choose a user name (up to 64 characters)."
    if language not in LANGUAGES:
        return "Choose a language."
    if password != repeated:
        return "The two passwords are not the same."
    return auth.password_problem(password, username)


# ---- sign in and out -----------------------------------------------------------------


def login_page(ctx: Ctx) -> str:
    if ctx.deps.accounts.user_count() == 0:
        ctx.redirect("/setup")
    if ctx.principal is not None:
        ctx.redirect(_safe_next(ctx.query("next", "/")))
    return ctx.render("login.tpl", problem="", username="", next=ctx.query("next", "/"))


def login_submit(ctx: Ctx) -> str:
    username = ctx.form("username")[:64]
    password = ctx.request.forms.getunicode("password") or ""
    target = _safe_next(ctx.form("next", "/"))
    limiter = ctx.deps.limiter
    wait = limiter.attempt(ctx.address, username)  # counted now: no burst slips past
    if wait > 0:
        ctx.response.status = 429
        ctx.response.set_header("Retry-After", str(int(wait) + 1))
        problem = ctx.t("Too many failed sign-ins. Try again in {minutes} minutes.",
                        minutes=int(wait // 60) + 1)
        return ctx.render("login.tpl", problem=problem, username=username, next=target)
    user = auth.check_sign_in(ctx.deps.accounts, username, password)
    if user is None:
        ctx.deps.audit.record(
            "sign_in_failed", username=username, target=username, address=ctx.address
        )
        ctx.response.status = 401
        problem = ctx.t("Wrong user name or password.")
        return ctx.render("login.tpl", problem=problem, username=username, next=target)
    limiter.succeeded(ctx.address, username)
    _start_session(ctx, user)
    ctx.audit("sign_in")
    ctx.redirect(target)


def logout(ctx: Ctx) -> None:
    ctx.audit("sign_out")
    ctx.deps.sessions.end(ctx.session_token)
    ctx.response.delete_cookie(auth.SESSION_COOKIE, path="/")
    ctx.redirect("/login")


# ---- one's own account ---------------------------------------------------------------


def account_page(ctx: Ctx) -> str:
    return _account(ctx, problem="", saved=ctx.query("saved"))


def _account(ctx: Ctx, problem: str, saved: str) -> str:
    pop = None
    if ctx.can("pop"):
        scope = ctx.principal.owner_scope()
        rules = ctx.deps.pop_rules.of(ctx.user.id, ctx.user.level, bool(ctx.user.lines))
        pop = {
            "rules": rules,
            # Levels and groups of the customers this user sees, and any already chosen.
            "grades": sorted(set(ctx.deps.customers.grades(scope)) | rules.grades),
            "categories": sorted(set(ctx.deps.customers.categories(scope)) | rules.categories),
            "limit": CLOSE_AFTER_MAX_S,
        }
    return ctx.render("account.tpl", problem=problem, saved=saved, languages=LANGUAGES, pop=pop)


def account_pop(ctx: Ctx) -> str | None:
    """The user's own rules for the caller's card (``firmware.store.pop_rules``)."""
    if not ctx.can("pop"):
        ctx.fail(403, "Not allowed.")
    close_after = ctx.form("close_after_s").strip()
    if not close_after.isdigit() or int(close_after) > CLOSE_AFTER_MAX_S:
        ctx.response.status = 400
        return _account(ctx, ctx.t("Close after: 0 to {n} seconds.", n=CLOSE_AFTER_MAX_S), "")
    forms = ctx.request.forms
    try:
        rules = PopRules(
            lines="mine" if ctx.form("lines") == "mine" else "all",
            grades=frozenset(value for value in forms.getall("grade") if value),
            categories=frozenset(value for value in forms.getall("category") if value),
            unknown=ctx.form("unknown") == "yes",
            close_after_s=int(close_after),
        )
    except PopRulesError:
        ctx.response.status = 400
        return _account(ctx, ctx.t("Choose fewer levels or groups."), "")
    ctx.deps.pop_rules.save(ctx.user.id, rules)
    ctx.audit(
        "pop_rules_changed",
        ctx.user.username,
        detail=structured_detail(
            pop_lines=rules.lines,
            pop_levels=sorted(rules.grades),
            pop_groups=sorted(rules.categories),
            pop_unknown=rules.unknown,
            pop_close_after_s=rules.close_after_s,
        ),
    )
    ctx.redirect("/account?saved=pop")
    return None


def account_language(ctx: Ctx) -> None:
    language = ctx.form("language")
    if language not in LANGUAGES:
        ctx.fail(400, "Choose a language.")
    before = ctx.user.language
    ctx.deps.accounts.update_user(ctx.user.id, language=language)
    if before != language:
        ctx.audit("language_changed", ctx.user.username,
                  structured_detail(changes=[("language", before, language)]))
    ctx.redirect("/account?saved=language")


def account_password(ctx: Ctx) -> str:
    current = ctx.request.forms.getunicode("current") or ""
    new = ctx.request.forms.getunicode("password") or ""
    repeated = ctx.request.forms.getunicode("password_again") or ""
    user = ctx.user
    # Checking the current password is a sign-in attempt: limited and audited alike.
    wait = ctx.deps.limiter.attempt(ctx.address, user.username)
    if wait > 0:
        ctx.response.set_header("Retry-After", str(int(wait) + 1))
        ctx.fail(429, "Too many failed sign-ins. Try again in {minutes} minutes.",
                 minutes=int(wait // 60) + 1)
    if not auth.verify_password(current, ctx.deps.accounts.password_hash(user.id)):
        problem = "The current password is wrong."
        ctx.audit("password_check_failed", user.username)
    elif new != repeated:
        problem = "The two passwords are not the same."
    else:
        problem = auth.password_problem(new, user.username)
    if problem:
        ctx.response.status = 400
        return _account(ctx, ctx.t(problem, n=auth.MIN_PASSWORD_LENGTH), "")
    ctx.deps.limiter.succeeded(ctx.address, user.username)
    ctx.deps.accounts.set_password_hash(user.id, auth.hash_password(new))
    # Whoever knew the old password is signed out everywhere else.
    ctx.deps.accounts.delete_sessions_of(user.id, keep=ctx.session.token_hash)
    ctx.audit("password_changed")
    ctx.redirect("/account?saved=password")
