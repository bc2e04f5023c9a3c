"""The sandbox's own certificate authority and the server certificate for the hosts it impersonates.

Clients reach the sandbox with the production host names (``login.microsoftonline.com``,
``graph.microsoft.com``, ...), so the TLS server needs a certificate for those names that the client
trusts. The sandbox makes a private CA per state dir, signs one server certificate with every
impersonated name as a SAN, and writes a bundle (certifi's CAs + the sandbox CA) that clients point
``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE`` / ``CURL_CA_BUNDLE`` at. The CA is never installed
system-wide; its key stays in ``DIR/ca/ca-key.pem`` with mode 0600 (docs/sandbox.md, "State dir").
The CA certificate carries critical NameConstraints (RFC 5280 section 4.2.1.10) permitting only the
impersonated hosts (:func:`.hosts.ca_permitted_names`) and loopback, so its key can vouch for nothing
else::

    ca = ensure_ca(state_dir / "ca", ["login.microsoftonline.com", "sharepoint.com", "127.0.0.1"])
    cert, key = ensure_server_cert(ca, ["login.microsoftonline.com", "127.0.0.1"])
    bundle = write_bundle(ca, state_dir / "ca" / "bundle.pem")
    ctx = server_context(cert, key)          # for werkzeug's server

Keys and certificates come from :mod:`._x509`; files are written by :mod:`._files`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import os
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import _x509
from ._files import write_private, write_public

__all__ = ["CA", "ensure_ca", "ensure_server_cert", "server_context", "write_bundle"]

log = logging.getLogger("grooper_nb.sandbox.tls")

_CA_DAYS = 3650
_SERVER_DAYS = 397
_RENEW_BEFORE = dt.timedelta(days=30)


@dataclass(frozen=True)
class CA:
    """Paths of the sandbox CA's certificate and (0600) private key."""

    cert_path: Path
    key_path: Path


def ensure_ca(ca_dir: Path, permitted: Sequence[str]) -> CA:
    """Load the CA in ``ca_dir`` or create it (``ca.pem`` + ``ca-key.pem`` at 0600).

    ``permitted``: the DNS subtrees and IP addresses the CA may vouch for (its NameConstraints).
    The directory itself is made 0700. An existing CA is kept, so bundles handed out earlier stay
    valid across restarts and resets; if its NameConstraints differ from ``permitted`` (a CA made
    before them, or a host added), its certificate is reissued with the same key and subject, which
    every server certificate it signed still chains to. A CA with only one of its two files, or a
    file that is not PEM, is an error naming the file: a silent new CA would break every bundle
    handed out.
    """
    ca_dir = Path(ca_dir)
    ca_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(ca_dir, 0o700)
    ca = CA(ca_dir / "ca.pem", ca_dir / "ca-key.pem")
    cert_there, key_there = ca.cert_path.exists(), ca.key_path.exists()
    if not cert_there and not key_there:
        return _new_ca(ca, permitted)
    fix = (
        f"remove {ca_dir} to make a new CA; clients then need the new {ca_dir / 'bundle.pem'} "
        "(or restore the file)"
    )
    for missing, other in ((ca.key_path, ca.cert_path), (ca.cert_path, ca.key_path)):
        if not missing.exists():
            raise _x509.BrokenFile(
                f"the sandbox CA file {missing} is missing while {other} is still there, and the CA is "
                f"in every bundle handed out, so no new CA is made silently: {fix}"
            )
    os.chmod(ca.key_path, 0o600)
    key, cert = _x509.load_key(ca.key_path, fix), _x509.load_cert(ca.cert_path, fix)
    if cert.public_key().public_numbers() != key.public_key().public_numbers():
        raise _x509.BrokenFile(f"{ca.cert_path} is not the certificate of {ca.key_path}; {fix}")
    if _constraints(cert) != set(_x509.permitted_subtrees(permitted)):
        log.warning("reissuing the sandbox CA certificate %s with the current name constraints", ca.cert_path)
        renewed = _x509.ca_certificate(key, cert.subject, permitted, days=_CA_DAYS)
        write_public(ca.cert_path, _x509.cert_pem(renewed))
    return ca


def _new_ca(ca: CA, permitted: Sequence[str]) -> CA:
    key = _x509.new_key()
    subject = _x509.name(f"grooper-nb sandbox CA {os.urandom(4).hex()}", "grooper-nb sandbox")
    cert = _x509.ca_certificate(key, subject, permitted, days=_CA_DAYS)
    # Key first: a cert without its key is never left as a "complete" CA.
    write_private(ca.key_path, _x509.key_pem(key))
    write_public(ca.cert_path, _x509.cert_pem(cert))
    return ca


def _constraints(cert) -> set | None:
    from cryptography import x509

    try:
        value = cert.extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return None
    return None if value.excluded_subtrees else set(value.permitted_subtrees or [])


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
    cert_path = ca.cert_path.with_name("server.pem")
    key_path = ca.cert_path.with_name("server-key.pem")
    fix = f"remove {ca.cert_path.parent} to make a new CA"
    ca_cert = _x509.load_cert(ca.cert_path, fix)
    if _server_cert_is_current(cert_path, key_path, ca_cert, hosts):
        os.chmod(key_path, 0o600)
        return cert_path, key_path
    ca_key = _x509.load_key(ca.key_path, fix)
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
