"""``linerec web``: the web UI served by cheroot, a threaded WSGI server, over HTTPS.

Plain HTTP is allowed only on a loopback address (development, ``linerec
run``); anywhere else the box serves HTTPS with its own certificate
(``webui.tls``). Each open page holds one server thread for its event
stream, so the pool is sized well above the number of browsers expected.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from webui.app import make_app
from webui.deps import WebDeps, open_deps
from webui.streams import EVENT_STREAMS, LISTENERS
from webui.tls import ensure_certificate

log = logging.getLogger(__name__)

# Every event stream and every live listen holds one; the rest serve pages.
SERVER_THREADS = EVENT_STREAMS + LISTENERS + 40
MAX_REQUEST_BODY_BYTES = 8 * 1024 * 1024


class InsecureBindError(ValueError):
    """Plain HTTP was asked for on an address other machines can reach."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class WebServer:
    """The app on cheroot; ``start`` serves in a thread, ``stop`` ends it."""

    deps: WebDeps
    host: str
    port: int
    tls: bool = True

    def __post_init__(self) -> None:
        if not self.tls and not is_loopback(self.host):
            raise InsecureBindError(
                f"plain HTTP only on a loopback address, not {self.host!r}: drop --http to "
                "serve HTTPS, or bind to 127.0.0.1"
            )
        self.server = wsgi.Server(
            (self.host, self.port),
            make_app(self.deps),
            numthreads=SERVER_THREADS,
            server_name="linerec",
            timeout=30,
        )
        # Bodies past this are refused before any page reads them (the largest is an import).
        self.server.max_request_body_size = MAX_REQUEST_BODY_BYTES
        if self.tls:
            cert, key = ensure_certificate(self.deps.folder)
            self.server.ssl_adapter = BuiltinSSLAdapter(str(cert), str(key))
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = self.host if self.host not in ("0.0.0.0", "::") else "localhost"
        if ":" in host:
            host = f"[{host}]"
        port = self.server.bind_addr[1]
        return f"{'https' if self.tls else 'http'}://{host}:{port}/"

    def start(self) -> None:
        self.server.prepare()  # binds now, so a taken port fails here, not in the thread
        self._thread = threading.Thread(target=self.server.serve, name="web", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.deps.engine.stop()  # ends the event streams, which hold server threads
        self.server.stop()
        if self._thread is not None:
            self._thread.join(10)
        self.deps.store.close()


def open_server(data_dir: Path, host: str, port: int, tls: bool) -> WebServer:
    deps = open_deps(data_dir, secure_cookies=tls)
    try:
        return WebServer(deps, host, port, tls)
    except BaseException:
        deps.engine.stop()
        deps.store.close()
        raise
