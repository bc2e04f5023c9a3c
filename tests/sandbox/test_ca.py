"""The sandbox CA can vouch only for the hosts the sandbox impersonates (RFC 5280 section 4.2.1.10).

Its key sits in the state dir; should it leak, NameConstraints keep it from minting a certificate that
any client trusting the bundle would accept for another site. Checked with the ``cryptography``
library's own path validation against the real CA of the shared sandbox.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from grooper_nb.sandbox import _x509

IMPERSONATED = {"login.microsoftonline.com", "graph.microsoft.com", "outlook.office365.com", "sharepoint.com"}


def _ca(sandbox: dict) -> tuple[x509.Certificate, object]:
    ca_dir = Path(sandbox["state_dir"]) / "ca"
    cert = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    key = serialization.load_pem_private_key((ca_dir / "ca-key.pem").read_bytes(), password=None)
    return cert, key


def _verify(ca_cert: x509.Certificate, leaf: x509.Certificate, name: x509.GeneralName) -> None:
    verifier = (
        PolicyBuilder()
        .store(Store([ca_cert]))
        .time(dt.datetime.now(dt.timezone.utc))
        .build_server_verifier(name)
    )
    verifier.verify(leaf, [])


def test_the_ca_carries_critical_name_constraints_naming_only_the_impersonated_hosts(sandbox: dict) -> None:
    ca_cert, _ = _ca(sandbox)
    extension = ca_cert.extensions.get_extension_for_class(x509.NameConstraints)
    assert extension.critical
    permitted = extension.value.permitted_subtrees or []
    dns = {n.value for n in permitted if isinstance(n, x509.DNSName)}
    ips = {n.value for n in permitted if isinstance(n, x509.IPAddress)}
    assert dns == IMPERSONATED | {"localhost"}
    assert ips == {ipaddress.ip_network("127.0.0.1/32")}
    assert {type(n) for n in permitted} == {x509.DNSName, x509.IPAddress}


@pytest.mark.parametrize(
    "name",
    ["evil.example", "login.microsoftonline.com.evil.example", "microsoft.com", "notsharepoint.com"],
)
def test_a_leaf_the_ca_key_mints_for_another_name_fails_path_validation(sandbox: dict, name: str) -> None:
    ca_cert, ca_key = _ca(sandbox)
    _, leaf = _x509.server_certificate(ca_key, ca_cert, [x509.DNSName(name)], days=1)
    with pytest.raises(VerificationError):
        _verify(ca_cert, leaf, x509.DNSName(name))


def test_a_leaf_for_another_ip_fails_path_validation(sandbox: dict) -> None:
    ca_cert, ca_key = _ca(sandbox)
    ip = ipaddress.ip_address("10.0.0.1")
    _, leaf = _x509.server_certificate(ca_key, ca_cert, [x509.IPAddress(ip)], days=1)
    with pytest.raises(VerificationError):
        _verify(ca_cert, leaf, x509.IPAddress(ip))


@pytest.mark.parametrize(
    "name", ["graph.microsoft.com", "contoso.sharepoint.com", "contoso-my.sharepoint.com"]
)
def test_the_server_certificate_still_validates_for_the_impersonated_hosts(sandbox: dict, name: str) -> None:
    ca_cert, _ = _ca(sandbox)
    leaf = x509.load_pem_x509_certificate((Path(sandbox["state_dir"]) / "ca" / "server.pem").read_bytes())
    _verify(ca_cert, leaf, x509.DNSName(name))


def test_a_ca_made_before_name_constraints_gets_them_keeping_its_key_and_subject(own_state_dir: Path) -> None:
    """An older state dir's CA had no constraint: the next start reissues its certificate with the same
    key and subject, so the server certificate (and anything trusting that key) keeps working."""
    from grooper_nb.sandbox import launcher

    ca_dir = own_state_dir / "ca"
    ca_dir.mkdir(parents=True, mode=0o700)
    key, cert = _x509.self_signed("grooper-nb sandbox CA 0ld", organization="grooper-nb sandbox", ca=True)
    (ca_dir / "ca-key.pem").write_bytes(_x509.key_pem(key))
    (ca_dir / "ca.pem").write_bytes(_x509.cert_pem(cert))
    launcher.ensure_running(own_state_dir)
    renewed = x509.load_pem_x509_certificate((ca_dir / "ca.pem").read_bytes())
    assert renewed.subject == cert.subject and renewed.public_key() == cert.public_key()
    assert renewed.extensions.get_extension_for_class(x509.NameConstraints).critical
