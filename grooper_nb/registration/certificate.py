"""A self-signed certificate for an app registration: the private part stays on disk, the public part goes
to Entra ID.

Entra ID accepts a self-signed certificate as an app credential; only the public certificate is uploaded
(https://learn.microsoft.com/entra/identity-platform/howto-create-self-signed-certificate). The PEM file
written here holds certificate and private key together, 0600, in the shape
:meth:`grooper_nb.credentials.CertificateCredential.from_file` reads (``GROOPER_NB_CERTIFICATE``).
"""

from __future__ import annotations

import base64
import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

__all__ = ["GeneratedCertificate", "generate_certificate"]


@dataclass(frozen=True)
class GeneratedCertificate:
    """Where the PEM (certificate + key) was written, and what Graph's ``keyCredentials`` needs."""

    path: Path
    thumbprint: str
    not_after: dt.datetime
    der_base64: str

    def key_credential(self, display_name: str) -> dict[str, str]:
        """The ``keyCredential`` for the public part (https://learn.microsoft.com/graph/api/resources/keycredential)."""
        return {
            "type": "AsymmetricX509Cert",
            "usage": "Verify",
            "key": self.der_base64,
            "displayName": display_name,
        }


def generate_certificate(path: str | os.PathLike, common_name: str, days: int = 365) -> GeneratedCertificate:
    """A 2048-bit RSA self-signed certificate valid ``days``, written with its key to ``path`` (0600)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    target = Path(path)
    write_private(target, pem)
    der = cert.public_bytes(serialization.Encoding.DER)
    return GeneratedCertificate(
        path=target,
        thumbprint=cert.fingerprint(hashes.SHA1()).hex().upper(),  # noqa: S303 -- Entra's thumbprint is SHA-1
        not_after=cert.not_valid_after_utc,
        der_base64=base64.b64encode(der).decode("ascii"),
    )


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (0600 before the first byte)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, data)
    finally:
        os.close(fd)
