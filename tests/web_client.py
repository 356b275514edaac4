"""Driving the web app directly, as WSGI, with a browser's cookies: no server, no threads.

``WebClient(app)`` keeps cookies like a browser and offers ``get``,
``post`` (a form, with the page's CSRF token unless told otherwise) and
``post_json``. ``web_box(tmp_path)`` makes a web app over a fresh data
folder with an engine link fed by hand, and signs users in.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit
from wsgiref.util import setup_testing_defaults

from firmware.datafolder import DataFolder
from firmware.store.db import Store
from webui import auth
from webui.app import make_app
from webui.deps import WebDeps
from webui.engine_link import EngineLink
from webui.permissions import FLAGS

HOST = "box.test"
PASSWORD = "correct horse battery"


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    header_list: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")

    def csrf(self) -> str:
        """The CSRF token the page carries (meta tag or form field)."""
        match = re.search(r'name="csrf(?:-token)?" (?:content|value)="([^"]+)"', self.text)
        assert match, f"no CSRF token in the page:\n{self.text[:2000]}"
        return match.group(1)


class WebClient:
    def __init__(self, app, address: str = "192.0.2.10") -> None:
        self.app = app
        self.address = address
        self.cookies: dict[str, str] = {}
        self.csrf_token = ""

    def _environ(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> dict:
        parts = urlsplit(path)
        environ: dict = {}
        setup_testing_defaults(environ)
        environ.update(
            REQUEST_METHOD=method,
            PATH_INFO=parts.path,
            QUERY_STRING=parts.query,
            REMOTE_ADDR=self.address,
            HTTP_HOST=HOST,
            SERVER_NAME=HOST,
            CONTENT_LENGTH=str(len(body)),
        )
        environ["wsgi.input"] = io.BytesIO(body)
        if self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
        return environ

    def _keep_cookies(self, headers: list[tuple[str, str]]) -> None:
        for name, value in headers:
            if name.lower() != "set-cookie":
                continue
            cookie = SimpleCookie()
            cookie.load(value)
            for key, morsel in cookie.items():
                expired = morsel["max-age"] == "0" or "1970" in morsel["expires"]
                if expired or morsel.value == "":
                    self.cookies.pop(key, None)
                else:
                    self.cookies[key] = morsel.value

    def request(
        self,
        method: str,
        path: str,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        *,
        read_body: bool = True,
    ):
        """One request; the response, or with ``read_body=False`` its status, headers, body."""
        environ = self._environ(method, path, body, headers or {})
        captured: dict = {}

        def start_response(status, response_headers, exc_info=None):
            captured["status"] = int(status.split()[0])
            captured["headers"] = response_headers

        result = self.app(environ, start_response)
        self._keep_cookies(captured["headers"])
        headers_dict = dict(captured["headers"])
        if not read_body:
            return captured["status"], headers_dict, result
        try:
            data = b"".join(
                chunk.encode() if isinstance(chunk, str) else chunk for chunk in result
            )
        finally:
            if hasattr(result, "close"):
                result.close()
        response = Response(captured["status"], headers_dict, data, captured["headers"])
        if "text/html" in headers_dict.get("Content-Type", ""):
            found = re.search(r'name="csrf-token" content="([^"]+)"', response.text)
            if found:
                self.csrf_token = found.group(1)
        return response

    def get(self, path: str, headers: dict[str, str] | None = None) -> Response:
        return self.request("GET", path, headers=headers)

    def post(
        self,
        path: str,
        form: dict | list | None = None,
        *,
        csrf: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        fields = list(form.items()) if isinstance(form, dict) else list(form or [])
        token = self.csrf_token if csrf is None else csrf
        if token:
            fields.append(("csrf", token))
        body = urlencode(fields).encode()
        form_headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return self.request("POST", path, body, form_headers)

    def post_json(self, path: str, value, headers: dict[str, str] | None = None) -> Response:
        all_headers = {
            "X-CSRF-Token": self.csrf_token,
            "Accept": "application/json",
            "Content-Type": "application/json",
            **(headers or {}),
        }
        return self.request("POST", path, json.dumps(value).encode(), all_headers)

    def stream(self, path: str):
        """Open a streaming response (an event stream); returns status, headers, iterator."""
        return self.request("GET", path, read_body=False)


@dataclass
class WebBox:
    """A web app over a fresh data folder, its engine link fed by the test."""

    data_dir: Path
    deps: WebDeps
    app: object

    def client(self, address: str = "192.0.2.10") -> WebClient:
        return WebClient(self.app, address)

    def add_user(self, username: str, level: str = "operator", **options) -> int:
        permissions = options.pop("permissions", frozenset())
        if permissions == "all":
            permissions = frozenset(FLAGS)
        user = self.deps.accounts.create_user(
            username, auth.hash_password(options.pop("password", PASSWORD)), level,
            permissions=frozenset(permissions), **options,
        )
        return user.id

    def signed_in(self, username: str, password: str = PASSWORD) -> WebClient:
        client = self.client()
        page = client.get("/login")
        assert page.status == 200, page.status
        answer = client.post("/login", {"username": username, "password": password})
        assert answer.status == 303, (answer.status, answer.text[:500])
        client.get("/account")  # the signed-in page's CSRF token
        return client

    def close(self) -> None:
        self.deps.store.close()


def web_box(tmp_path: Path, **deps_options) -> WebBox:
    folder = DataFolder(tmp_path)
    store = Store(folder.database)
    link = EngineLink(folder.bus_socket)
    deps = WebDeps(folder, store, link, secure_cookies=False, **deps_options)
    return WebBox(tmp_path, deps, make_app(deps))
