"""RSA keys and X.509 certificates: the one place the sandbox makes them.

Used for the token-signing keys (:mod:`.keys`), the seeded apps' client certificates (:mod:`.store.seed`), and
the sandbox CA and its server certificate (:mod:`.tls`)::

    key, cert = self_signed("sandbox token signing key 1", days=730)
    ca_key, ca_cert = self_signed("grooper-nb sandbox CA", organization="grooper-nb sandbox", ca=True)
    pem = key_pem(key), cert_pem(cert)

RSA 2048 keeps a cold start on a 2-core machine well under a second.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

__all__ = [
    "BrokenFile",
    "builder",
    "ca_certificate",
    "cert_pem",
    "key_pem",
    "load_cert",
    "load_key",
    "name",
    "new_key",
    "permitted_subtrees",
    "self_signed",
    "server_certificate",
]

KEY_BITS = 2048


class BrokenFile(ValueError):
    """A key or certificate file of the state dir that cannot be read; the message names it and the fix."""


def load_cert(path: Path, fix: str) -> x509.Certificate:
    """The PEM certificate in ``path``; :class:`BrokenFile` naming ``path`` and ``fix`` if it is not one."""
    try:
        return x509.load_pem_x509_certificate(Path(path).read_bytes())
    except ValueError as exc:
        raise BrokenFile(f"{path} is not a PEM certificate ({exc}); {fix}") from None


def load_key(path: Path, fix: str) -> rsa.RSAPrivateKey:
    """The unencrypted PEM RSA key in ``path``; :class:`BrokenFile` naming ``path`` and ``fix`` if not."""
    try:
        key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (ValueError, TypeError) as exc:
        raise BrokenFile(f"{path} is not an unencrypted PEM private key ({exc}); {fix}") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise BrokenFile(f"{path} holds a {type(key).__name__}, not an RSA key; {fix}")
    return key


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """PKCS#8 PEM, unencrypted (the files holding it are 0600)."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)] if organization else []
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=not ca,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def builder(subject: x509.Name, public_key, *, days: int) -> x509.CertificateBuilder:
    """A certificate valid from yesterday (tolerates clock skew) for ``days`` days."""
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=days))
    )


def self_signed(
    common_name: str, *, days: int = 730, organization: str | None = None, ca: bool = False
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A fresh key and a certificate it signs itself; with ``ca``, one that may sign server certificates."""
    key = new_key()
    subject = name(common_name, organization)
    cert = builder(subject, key.public_key(), days=days).issuer_name(subject)
    if ca:
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            cert.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(ca=True), critical=True)
            .add_extension(ski, critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False
            )
        )
    return key, cert.sign(key, hashes.SHA256())


def permitted_subtrees(permitted: Sequence[str]) -> list[x509.GeneralName]:
    """``permitted`` (DNS subtrees and IP addresses, as text) as NameConstraints subtrees."""
    subtrees: list[x509.GeneralName] = []
    for entry in dict.fromkeys(p.lower() for p in permitted):
        try:
            subtrees.append(x509.IPAddress(ipaddress.ip_network(entry)))
        except ValueError:
            subtrees.append(x509.DNSName(entry))
    return subtrees


def ca_certificate(
    key: rsa.RSAPrivateKey, subject: x509.Name, permitted: Sequence[str], *, days: int
) -> x509.Certificate:
    """A self-signed CA certificate for ``key`` that may vouch only for the names in ``permitted``.

    ``permitted`` holds DNS subtrees (``"sharepoint.com"`` covers every name ending in
    ``.sharepoint.com``) and IP addresses. NameConstraints is marked critical, as RFC 5280 section
    4.2.1.10 requires of a conforming CA, so a client that does not understand it refuses the chain
    rather than ignoring the limit; once an IP subtree is given, every other IP is outside it.
    """
    subtrees = permitted_subtrees(permitted)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        builder(subject, key.public_key(), days=days)
        .issuer_name(subject)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(
            x509.NameConstraints(permitted_subtrees=subtrees, excluded_subtrees=None), critical=True
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    return cert.sign(key, hashes.SHA256())


def server_certificate(
    ca_key: rsa.RSAPrivateKey, ca_cert: x509.Certificate, sans: list[x509.GeneralName], *, days: int
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A TLS server certificate for ``sans``, signed by the CA."""
    from cryptography.x509.oid import ExtendedKeyUsageOID

    key = new_key()
    first = sans[0].value if sans else "localhost"
    cert = (
        builder(name(str(first)), key.public_key(), days=days)
        .issuer_name(ca_cert.subject)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert
