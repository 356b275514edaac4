"""The web process: HTTPS with the box's own certificate, plain HTTP only on loopback."""

from __future__ import annotations

import ssl
import subprocess
import sys
import urllib.request

import pytest

from firmware.datafolder import DataFolder
from firmware.store.db import Store
from webui.deps import WebDeps
from webui.engine_link import EngineLink
from webui.server import InsecureBindError, WebServer, is_loopback
from webui.tls import ensure_certificate


def deps_for(root) -> WebDeps:
    folder = DataFolder(root)
    return WebDeps(folder, Store(folder.database), EngineLink(folder.bus_socket))


def test_the_certificate_is_made_once_and_its_key_kept_private(tmp_path):
    folder = DataFolder(tmp_path)
    cert, key = ensure_certificate(folder)
    assert (cert, key) == (tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem")
    assert key.stat().st_mode & 0o077 == 0
    first = cert.read_bytes()
    ensure_certificate(folder)
    assert cert.read_bytes() == first  # kept, not made again at every start
    from cryptography import x509  # noqa: PLC0415

    certificate = x509.load_pem_x509_certificate(first)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)


def test_the_box_serves_https(tmp_path):
    server = WebServer(deps_for(tmp_path), "127.0.0.1", 0, tls=True)
    server.start()
    try:
        context = ssl.create_default_context(cafile=str(DataFolder(tmp_path).tls_certificate))
        context.check_hostname = False  # the certificate names the host, not 127.0.0.1's name
        url = server.url.replace("localhost", "127.0.0.1") + "login"
        with urllib.request.urlopen(url, context=context, timeout=10) as answer:
            assert answer.status == 200
            assert answer.headers["Strict-Transport-Security"]
            assert "Secure" in answer.headers["Set-Cookie"]
    finally:
        server.stop()


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.1", "::"])
def test_plain_http_is_refused_off_loopback(tmp_path, host):
    with pytest.raises(InsecureBindError, match="loopback"):
        WebServer(deps_for(tmp_path), host, 0, tls=False)


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("box.local")


def test_linerec_web_refuses_plain_http_on_the_lan(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "firmware", "web", "--data", str(tmp_path), "--host", "0.0.0.0",
         "--http"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 2
    assert "plain HTTP only on a loopback address" in result.stderr
