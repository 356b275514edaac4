"""One request as the handlers see it, and the guard every route passes through.

Every route of ``webui.app`` is declared with an ``Access``: public, signed
in, or signed in with a permission flag. ``guard`` wraps each handler so
that, before it runs, the session is resolved, the access is checked on
the server, and a state-changing request's CSRF token is verified. The
handler receives a ``Ctx``: the dependencies, the signed-in principal, the
translator, and helpers to render, redirect and refuse.
"""

from __future__ import annotations

import html
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import bottle

from firmware.store.accounts import Session
from webui import auth
from webui.deps import WebDeps
from webui.i18n import Translator, negotiate
from webui.permissions import Principal, principal_of
from webui.storage import STORAGE_ERRORS, Failure, storage_failure

log = logging.getLogger(__name__)

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_ID = 2**63 - 1  # the largest id SQLite holds
MAX_FORM_PARTS = 1000  # the largest form (a line's schedule, a user's lines) has far fewer



def row_id(text: str) -> int | None:
    """``text`` (a query or form value) as a row's id, or None if no row can have it: not
    ASCII digits alone ("²" is a digit to ``isdigit``), or over what SQLite holds."""
    if not (text.isascii() and text.isdigit() and len(text) <= 19):
        return None
    number = int(text)
    return number if number <= MAX_ID else None

@dataclass(frozen=True)
class Access:
    """Who may use a route."""

    signed_in: bool = True
    flag: str | None = None  # a permission flag the user needs, besides signing in
    form_before_sign_in: bool = False  # a public form (set-up, sign-in): double-submit CSRF
    max_body: int | None = None  # an upload's limit, checked before its body is read


PUBLIC = Access(signed_in=False)
PUBLIC_FORM = Access(signed_in=False, form_before_sign_in=True)
SIGNED_IN = Access()


def need(flag: str, *, max_body: int | None = None) -> Access:
    return Access(flag=flag, max_body=max_body)


class Answer(Exception):  # noqa: N818 - not an error: a finished answer leaving the handler
    """Raised by ``Ctx.redirect`` and ``Ctx.fail``: the guard turns it into the response.

    Unlike raising Bottle's own HTTPResponse, this keeps the cookies the
    request has set so far (a new session, a form token).
    """

    def __init__(self, status: int, body: str = "", headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class Ctx:
    """The request in hand: who asks, in which language, and the helpers to answer."""

    def __init__(self, deps: WebDeps, request: bottle.BaseRequest, response: bottle.BaseResponse):
        self.deps = deps
        self.request = request
        self.response = response
        self.session: Session | None = None
        self.principal: Principal | None = None
        self.session_token: str | None = None
        self.form_token = ""  # the double-submit token for forms shown before sign-in
        language = negotiate(request.headers.get("Accept-Language", ""))
        self.t = Translator(language, deps.utc_offset_s())

    # ---- who is asking ----------------------------------------------------------

    @property
    def user(self):
        return self.principal.user if self.principal else None

    @property
    def address(self) -> str:
        return self.request.environ.get("REMOTE_ADDR", "")

    def sign_in_as(self, principal: Principal, session: Session, token: str | None) -> None:
        self.principal = principal
        self.session = session
        self.session_token = token
        self.t = Translator(principal.user.language, self.deps.utc_offset_s())

    @property
    def csrf(self) -> str:
        """The token forms and scripts of this page send back."""
        return self.session.csrf_token if self.session else self.form_token

    def can(self, flag: str) -> bool:
        return self.principal is not None and self.principal.can(flag)

    def new_voicemail(self) -> int:
        """New voicemail messages this user may hear (the menu's badge); 0 without the
        flag, or when the store cannot say (the badge never breaks a page)."""
        if not self.can("voicemail"):
            return 0
        try:
            return self.deps.voicemails.count_new(self.principal.line_scope())
        except Exception as error:
            logging.getLogger(__name__).warning("voicemail cannot be counted: %s", error)
            return 0

    # ---- reading the request ----------------------------------------------------

    def form(self, name: str, default: str = "") -> str:
        value = self.request.forms.getunicode(name)
        return default if value is None else value.strip()

    def form_list(self, name: str) -> list[str]:
        """Every value of a repeated field, as text (Bottle keeps form values as Latin-1
        strings: recoded from UTF-8 as ``form`` does, so Chinese arrives as typed)."""
        return [
            _recoded(value).strip()
            for value in self.request.forms.getall(name)
            if isinstance(value, str)
        ]

    def query(self, name: str, default: str = "") -> str:
        value = self.request.query.getunicode(name)
        return default if value is None else value.strip()

    def json_body(self) -> dict[str, Any]:
        try:
            body = json.loads(self.request.body.read(1 << 20) or b"{}")
        except ValueError:
            self.fail(400, "The request is not valid JSON.")
        if not isinstance(body, dict):
            self.fail(400, "The request is not a JSON object.")
        return body

    @property
    def wants_json(self) -> bool:
        accept = self.request.headers.get("Accept", "")
        return "application/json" in accept or self.request.path.startswith("/api/")

    # ---- answering --------------------------------------------------------------

    def render(self, template: str, **values: Any) -> str:
        return bottle.template(
            template,
            template_lookup=[str(TEMPLATES_DIR)],
            ctx=self,
            _=self.t,
            user=self.user,
            csrf=self.csrf,
            **values,
        )

    def redirect(self, location: str) -> None:
        raise Answer(303, headers={"Location": location})

    def fail(self, status: int, message: str, **values: object) -> None:
        """Stop here with ``status`` and ``message`` (English; shown translated)."""
        text = self.t(message, **values)
        if self.wants_json:
            raise Answer(status, json.dumps({"error": text}), {"Content-Type": "application/json"})
        raise Answer(status, self.render("error.tpl", status=status, message=text))

    def json(self, value: Any, status: int = 200) -> str:
        self.response.status = status
        self.response.content_type = "application/json"
        return json.dumps(value, ensure_ascii=False)

    def set_cookie(self, name: str, value: str, **options: Any) -> None:
        """A cookie for this box's pages alone: sent back to the box only (path /), never
        read by scripts, never sent along from another site, and over TLS only when the
        box serves TLS. ``options`` adds to these (``max_age``)."""
        self.response.set_cookie(
            name,
            value,
            path="/",
            httponly=True,
            samesite="strict",
            secure=self.deps.secure_cookies,
            **options,
        )

    def audit(self, action: str, target: str = "", detail: str = "") -> None:
        user = self.user
        self.deps.audit.record(
            action,
            username=user.username if user else "",
            user_id=user.id if user else None,
            target=target,
            detail=detail,
            address=self.address,
        )


def _recoded(value: str) -> str:
    """A form value as the UTF-8 text the browser sent (Bottle decodes it as Latin-1)."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _same_origin(request: bottle.BaseRequest) -> bool:
    """A state-changing request must not come from another site's page."""
    origin = request.headers.get("Origin") or request.headers.get("Referer")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("Host", "")
    return urlsplit(origin).netloc == host


def _resolve_session(ctx: Ctx) -> None:
    token = ctx.request.get_cookie(auth.SESSION_COOKIE)
    found = ctx.deps.sessions.resolve(token)
    if found is None:
        return
    session, user = found
    ctx.sign_in_as(principal_of(user, ctx.deps.accounts), session, token)


def _form_token(ctx: Ctx) -> None:
    """The double-submit token of a form shown before sign-in: a cookie and a field alike."""
    token = ctx.request.get_cookie(auth.LOGIN_CSRF_COOKIE)
    if not token or len(token) > 128:
        import secrets  # noqa: PLC0415 - only when a new form token is needed

        token = secrets.token_urlsafe(24)
        ctx.set_cookie(auth.LOGIN_CSRF_COOKIE, token)
    ctx.form_token = token


def _check_size(ctx: Ctx, access: Access) -> None:
    """Refuse an upload larger than its route takes by its Content-Length, before any of
    it is read (the server's own limit, ``webui.server``, bounds every other body)."""
    if access.max_body is None or ctx.request.method in SAFE_METHODS:
        return
    length = ctx.request.content_length
    if length < 0 or length > access.max_body:
        ctx.fail(413, "The file is too big: at most {n} MB.",
                 n=access.max_body // (1024 * 1024))  # the file within the form: whole MB


def _check_body(ctx: Ctx) -> None:
    """Refuse a form with more fields than any page has, before it is parsed: parsing a
    body of a hundred thousand parts takes the server seconds."""
    if ctx.request.method in SAFE_METHODS:
        return
    content_type = ctx.request.content_type or ""
    if content_type.startswith("multipart/form-data"):
        boundary = content_type.partition("boundary=")[2].split(";")[0].strip().strip('"')
        separator = b"--" + boundary.encode("latin-1", "replace")
        parts = _count_in_body(ctx.request, separator) if boundary else 0
    elif content_type.startswith("application/x-www-form-urlencoded"):
        parts = _count_in_body(ctx.request, b"&") + 1
    else:
        return
    if parts > MAX_FORM_PARTS:
        ctx.fail(413, "This form has too many fields.")


def _count_in_body(request: bottle.BaseRequest, separator: bytes) -> int:
    """How often ``separator`` occurs in the body, read in blocks (bounded memory)."""
    body = request.body  # bottle keeps it in memory, or in a temporary file when large
    body.seek(0)
    count, tail = 0, b""
    keep = len(separator) - 1  # a separator cut by a block's end is found with the next
    while block := body.read(1 << 16):
        data = tail + block
        count += data.count(separator)
        tail = data[-keep:] if keep else b""
    body.seek(0)
    return count


def _check_csrf(ctx: Ctx, access: Access) -> None:
    if ctx.request.method in SAFE_METHODS:
        return
    given = ctx.request.forms.get("csrf") or ctx.request.headers.get("X-CSRF-Token")
    expected = ctx.session.csrf_token if ctx.session else ctx.form_token
    if not _same_origin(ctx.request) or not expected or not auth.same_token(expected, given):
        log.warning("refused a request without a valid CSRF token: %s %s",
                    ctx.request.method, ctx.request.path)
        ctx.fail(403, "This form has expired. Go back, reload the page and try again.")


def _answer(ctx: Ctx, answer: Answer) -> str:
    ctx.response.status = answer.status
    for name, value in answer.headers.items():
        ctx.response.set_header(name, value)
    return answer.body


def _storage_answer(ctx: Ctx, failure: Failure, error: BaseException) -> Answer:
    """A page saying what is wrong with the box's storage (503: it may pass), never a 500."""
    log.warning(
        "%s %s: storage %s: %s", ctx.request.method, ctx.request.path, failure.kind, error
    )
    ctx.deps.storage.failed(failure)
    try:
        ctx.fail(503, failure.message, **failure.values)
    except Answer as answer:
        answer.headers.setdefault("Retry-After", "30")
        return answer
    except Exception:  # the page itself needs what failed (a broken configuration)
        text = ctx.t(failure.message, **failure.values)
        body = f"<!doctype html><meta charset=utf-8><title>503</title><p>{html.escape(text)}</p>"
        return Answer(503, body, {"Retry-After": "30"})
    raise AssertionError("fail always answers")


def guard(deps: WebDeps, access: Access, handler: Callable[..., Any]) -> Callable[..., Any]:
    """``handler(ctx, **url_arguments)`` behind the access check; see the module docstring."""

    def checked(ctx: Ctx, url_arguments: dict[str, Any]) -> Any:
        if any(isinstance(value, int) and not 0 <= value <= MAX_ID for value in
               url_arguments.values()):
            ctx.fail(404, "Not found.")  # no row has such an id (SQLite's ids fit in 63 bits)
        _resolve_session(ctx)
        if access.form_before_sign_in:
            _form_token(ctx)
        if access.signed_in and ctx.principal is None:
            if deps.accounts.user_count() == 0:
                ctx.redirect("/setup")
            if ctx.request.method == "GET" and not ctx.wants_json:
                ctx.redirect("/login?next=" + quote(ctx.request.fullpath, safe="/"))
            ctx.fail(401, "Please sign in.")
        if access.flag is not None and not ctx.can(access.flag):
            ctx.fail(403, "You do not have permission for this.")
        _check_size(ctx, access)
        _check_body(ctx)
        _check_csrf(ctx, access)
        return handler(ctx, **url_arguments)

    def guarded(**url_arguments: Any) -> Any:
        ctx = Ctx(deps, bottle.request, bottle.response)
        try:
            return checked(ctx, url_arguments)
        except Answer as answer:
            return _answer(ctx, answer)
        except STORAGE_ERRORS as error:
            failure = storage_failure(error)
            if failure is None:
                raise
            return _answer(ctx, _storage_answer(ctx, failure, error))

    guarded.__name__ = handler.__name__
    guarded.__doc__ = handler.__doc__
    return guarded
