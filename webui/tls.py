"""The box's own TLS certificate: self-signed, made on first start, kept in the data folder.

Browsers warn about a self-signed certificate once; after that the LAN
traffic (passwords, recordings) is encrypted. The key never leaves the box
(``tls/key.pem``, readable by the box's user only). An admin may replace
both files with a certificate from the office's own authority.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import socket
from pathlib import Path

from firmware.datafolder import DataFolder
from firmware.store.files import write_atomically

VALID_DAYS = 3650


def _local_addresses() -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    addresses = {ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1")}
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            addresses.add(ipaddress.ip_address(info[4][0].split("%")[0]))
    except (OSError, ValueError):
        pass
    return sorted(addresses, key=str)


def ensure_certificate(folder: DataFolder) -> tuple[Path, Path]:
    """The certificate and key files, made now if the box has none yet."""
    cert_path, key_path = folder.tls_certificate, folder.tls_key
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    from cryptography import x509  # noqa: PLC0415 - only on the first start
    from cryptography.hazmat.primitives import hashes, serialization  # noqa: PLC0415
    from cryptography.hazmat.primitives.asymmetric import ec  # noqa: PLC0415
    from cryptography.x509.oid import NameOID  # noqa: PLC0415

    hostname = socket.gethostname() or "linerec"
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, hostname),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "linerec"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    alternative_names = [x509.DNSName(hostname), x509.DNSName("localhost")]
    alternative_names += [x509.IPAddress(address) for address in _local_addresses()]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(cert_path.parent, 0o700)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_atomically(key_path, key_bytes)
    os.chmod(key_path, 0o600)
    write_atomically(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path
