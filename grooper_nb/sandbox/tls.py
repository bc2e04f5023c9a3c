"""The sandbox's own certificate authority and the server certificate for the hosts it impersonates.

Clients reach the sandbox with the production host names (``login.microsoftonline.com``,
``graph.microsoft.com``, ...), so the TLS server needs a certificate for those names that the client
trusts. The sandbox makes a private CA per state dir, signs one server certificate with every
impersonated name as a SAN, and writes a bundle (certifi's CAs + the sandbox CA) that clients point
``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE`` / ``CURL_CA_BUNDLE`` at. The CA is never installed
system-wide; its key stays in ``DIR/ca/ca-key.pem`` with mode 0600 (docs/sandbox.md, "State dir")::

    ca = ensure_ca(state_dir / "ca")
    cert, key = ensure_server_cert(ca, ["login.microsoftonline.com", "127.0.0.1"])
    bundle = write_bundle(ca, state_dir / "ca" / "bundle.pem")
    ctx = server_context(cert, key)          # for werkzeug's server

Keys and certificates come from :mod:`._x509`; files are written by :mod:`._files`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ._files import write_private, write_public

__all__ = ["CA", "ensure_ca", "ensure_server_cert", "server_context", "write_bundle"]

_CA_DAYS = 3650
_SERVER_DAYS = 397
_RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class CA:
    """Paths of the sandbox CA's certificate and (0600) private key."""

    cert_path: Path
    key_path: Path


def ensure_ca(ca_dir: Path) -> CA:
    """Load the CA in ``ca_dir`` or create it (``ca.pem`` + ``ca-key.pem`` at 0600).

    The directory itself is made 0700. An existing CA is kept as is (its key mode is re-asserted),
    so bundles handed out earlier stay valid across restarts and resets.
    """
    from . import _x509

    ca_dir = Path(ca_dir)
    ca_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(ca_dir, 0o700)
    ca = CA(ca_dir / "ca.pem", ca_dir / "ca-key.pem")
    if ca.cert_path.exists() and ca.key_path.exists():
        os.chmod(ca.key_path, 0o600)
        return ca
    key, cert = _x509.self_signed(
        f"grooper-nb sandbox CA {os.urandom(4).hex()}",
        organization="grooper-nb sandbox",
        days=_CA_DAYS,
        ca=True,
    )
    # Key first: a cert without its key is never left as a "complete" CA.
    write_private(ca.key_path, _x509.key_pem(key))
    write_public(ca.cert_path, _x509.cert_pem(cert))
    return ca


def _sans(hosts: Sequence[str]):
    from cryptography import x509

    names = []
    for host in dict.fromkeys(h.lower() for h in hosts):
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def _server_cert_is_current(cert_path: Path, key_path: Path, ca_cert, hosts: Sequence[str]) -> bool:
    from cryptography import x509

    if not (cert_path.exists() and key_path.exists()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    return (
        cert.issuer == ca_cert.subject
        and cert.not_valid_after_utc - dt.datetime.now(dt.timezone.utc) > _RENEW_BEFORE
        and set(san) == set(_sans(hosts))
    )


def ensure_server_cert(ca: CA, hosts: Sequence[str]) -> tuple[Path, Path]:
    """A server certificate signed by ``ca`` whose SANs are exactly ``hosts`` (DNS names or IPs).

    Reuses ``server.pem``/``server-key.pem`` next to the CA when they match; otherwise issues new
    ones. Returns ``(cert_path, key_path)``; the key is written 0600.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    from . import _x509

    cert_path = ca.cert_path.with_name("server.pem")
    key_path = ca.cert_path.with_name("server-key.pem")
    ca_cert = x509.load_pem_x509_certificate(ca.cert_path.read_bytes())
    if _server_cert_is_current(cert_path, key_path, ca_cert, hosts):
        os.chmod(key_path, 0o600)
        return cert_path, key_path
    ca_key = serialization.load_pem_private_key(ca.key_path.read_bytes(), password=None)
    key, cert = _x509.server_certificate(ca_key, ca_cert, _sans(hosts), days=_SERVER_DAYS)
    write_private(key_path, _x509.key_pem(key))
    write_public(cert_path, _x509.cert_pem(cert))
    return cert_path, key_path


def write_bundle(ca: CA, bundle_path: Path) -> Path:
    """Write certifi's public CAs followed by the sandbox CA to ``bundle_path``.

    With this one file as ``REQUESTS_CA_BUNDLE``/``SSL_CERT_FILE``/``CURL_CA_BUNDLE`` a client trusts
    the sandbox and still every public site, so a preset bundle variable never has to be fought
    (requests lets those variables override ``verify=``:
    https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification).
    """
    import certifi

    public = Path(certifi.where()).read_bytes()
    sandbox = ca.cert_path.read_bytes()
    bundle_path = Path(bundle_path)
    write_public(bundle_path, public.rstrip(b"\n") + b"\n\n# grooper-nb sandbox CA\n" + sandbox)
    return bundle_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A TLS 1.2+ server context presenting the sandbox server certificate."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert_path), str(key_path))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx
