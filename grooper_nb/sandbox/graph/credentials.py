"""An application's secrets and certificates: ``addPassword``, ``removePassword``, ``addKey`` and the
``keyCredentials`` a PATCH writes.

* A secret's ``secretText`` is answered once, by ``addPassword``; the tenant keeps only its SHA-256
  (``_secretHash``, never served), and ``passwordCredentials`` list ``hint``, ``keyId``, dates only. The
  token endpoint checks ``client_secret`` against the same list, so a secret works at once and a removed
  one fails with AADSTS7000215.
* ``addKey`` needs a proof of possession: a JWT signed by one of the app's current certificates, with
  ``aud`` ``00000002-0000-0000-c000-000000000000`` and ``iss`` the application's object id, valid for at
  most ten minutes (https://learn.microsoft.com/graph/application-rollkey-prooftoken). An app with no
  valid certificate cannot prove anything: its first certificate goes in with ``PATCH keyCredentials``.
* A served ``keyCredential`` has ``key`` null, as Graph lists them; ``customKeyIdentifier`` is the
  certificate's SHA-1 thumbprint, base64.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
import string
import time
import uuid
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import current_app, request

from ..keys import thumbprint_sha1
from ..store import hash_secret
from . import GRAPH
from .access import WRITE_APPS, caller, need_admin
from .odata import GraphError, bad_request, json_body, public

__all__ = ["key_credentials"]

PROOF_AUDIENCE = "00000002-0000-0000-c000-000000000000"
PROOF_MAX_LIFETIME = 600
SECRET_LIFETIME = dt.timedelta(days=730)  # Graph's default: two years


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str | None, default: dt.datetime) -> dt.datetime:
    if not text:
        return default
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError:
        raise bad_request(f"Invalid date time value '{text}'.") from None


def _new_secret() -> str:
    """Entra's current secretText shape: three characters, ``8Q~``, 34 more (40 in all)."""
    alphabet = string.ascii_letters + string.digits + "_-.~"
    head = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(3))
    return f"{head}8Q~" + "".join(secrets.choice(alphabet) for _ in range(34))


def _application(object_id: str) -> dict[str, Any]:
    from .applications import application_or_404  # applications imports this module

    return application_or_404(object_id)


@GRAPH.post("/applications/<object_id>/addPassword")
def add_password(object_id: str):
    """https://learn.microsoft.com/graph/api/application-addpassword?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app = _application(object_id)
    body = request.get_json(silent=True)  # the body is optional
    wanted = (body.get("passwordCredential") if isinstance(body, dict) else None) or {}
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    start = _parse(wanted.get("startDateTime"), now)
    end = _parse(wanted.get("endDateTime"), start + SECRET_LIFETIME)
    secret = _new_secret()
    credential = {
        "customKeyIdentifier": None,
        "displayName": wanted.get("displayName"),
        "endDateTime": _iso(end),
        "hint": secret[:3],
        "keyId": str(uuid.uuid4()),
        "startDateTime": _iso(start),
        "_secretHash": hash_secret(secret),
    }
    app["passwordCredentials"].append(credential)
    current_app.config["STORE"].applications.save_application(app)
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential",
        **public(credential),
        "secretText": secret,
    }


@GRAPH.post("/applications/<object_id>/removePassword")
def remove_password(object_id: str):
    """https://learn.microsoft.com/graph/api/application-removepassword?view=graph-rest-1.0"""
    need_admin(WRITE_APPS)
    app = _application(object_id)
    key_id = str(json_body().get("keyId") or "").lower()
    kept = [c for c in app["passwordCredentials"] if c["keyId"].lower() != key_id]
    if len(kept) == len(app["passwordCredentials"]):
        raise bad_request(f"No password credential found with keyId '{key_id}'.")
    app["passwordCredentials"] = kept
    current_app.config["STORE"].applications.save_application(app)
    return "", 204


# -- certificates --------------------------------------------------------------------------------------


def _certificate(raw: Any) -> x509.Certificate:
    try:
        der = base64.b64decode(str(raw), validate=True)
        return x509.load_der_x509_certificate(der)
    except (binascii.Error, ValueError):
        raise bad_request("Invalid value specified for property 'key' of resource 'KeyCredential'.") from None


def new_key_credential(wanted: dict[str, Any]) -> dict[str, Any]:
    """A stored keyCredential for a requested one (``type``, ``usage``, ``key`` base64 DER)."""
    if wanted.get("type") != "AsymmetricX509Cert" or wanted.get("usage") != "Verify":
        raise bad_request(
            "Only keyCredentials of type 'AsymmetricX509Cert' and usage 'Verify' are supported."
        )
    cert = _certificate(wanted.get("key"))
    der = cert.public_bytes(serialization.Encoding.DER)
    return {
        "customKeyIdentifier": base64.b64encode(thumbprint_sha1(der)).decode(),
        "displayName": wanted.get("displayName") or cert.subject.rfc4514_string(),
        "endDateTime": _iso(cert.not_valid_after_utc),
        "key": base64.b64encode(der).decode(),
        "keyId": str(wanted.get("keyId") or uuid.uuid4()),
        "startDateTime": _iso(cert.not_valid_before_utc),
        "type": "AsymmetricX509Cert",
        "usage": "Verify",
    }


def key_credentials(app: dict[str, Any], wanted: Any) -> list[dict[str, Any]]:
    """The app's keyCredentials after a PATCH: the list replaces the old one; an entry without ``key``
    that names an existing ``keyId`` keeps that certificate (what a client sends back from a GET)."""
    if not isinstance(wanted, list):
        raise bad_request("Property 'keyCredentials' must be a collection.")
    existing = {c["keyId"].lower(): c for c in app.get("keyCredentials", [])}
    out = []
    for entry in wanted:
        key_id = str((entry or {}).get("keyId") or "").lower()
        if not (entry or {}).get("key") and key_id in existing:
            out.append(existing[key_id])
        else:
            out.append(new_key_credential(entry or {}))
    return out


def _valid_certificates(app: dict[str, Any]) -> list[x509.Certificate]:
    now = time.time()
    out = []
    for cred in app.get("keyCredentials", []):
        cert = x509.load_der_x509_certificate(base64.b64decode(cred["key"]))
        if cert.not_valid_before_utc.timestamp() <= now <= cert.not_valid_after_utc.timestamp():
            out.append(cert)
    return out


def _check_proof(app: dict[str, Any], proof: str) -> None:
    certificates = _valid_certificates(app)
    if not certificates:
        raise bad_request(
            "The application has no valid certificate to prove possession with; add its first certificate "
            "with PATCH /applications/{id} (keyCredentials)."
        )
    for cert in certificates:
        try:
            claims = jwt.decode(
                proof,
                cert.public_key(),
                algorithms=["RS256"],
                audience=PROOF_AUDIENCE,
                issuer=app["id"],
                options={"require": ["aud", "iss", "nbf", "exp"]},
            )
        except jwt.InvalidTokenError:
            continue
        if claims["exp"] - claims["nbf"] <= PROOF_MAX_LIFETIME:
            return
    raise GraphError(
        400, "Request_BadRequest", "Proof of possession token validation failed: invalid or expired proof."
    )


@GRAPH.post("/applications/<object_id>/addKey")
def add_key(object_id: str):
    """https://learn.microsoft.com/graph/api/application-addkey?view=graph-rest-1.0"""
    app = _application(object_id)
    who = caller()
    if not (who.app_only and who.app_id.lower() == app["appId"].lower()):  # an app may roll its own keys
        need_admin(WRITE_APPS)
    body = json_body()
    _check_proof(app, str(body.get("proof") or ""))
    credential = new_key_credential(body.get("keyCredential") or {})
    app["keyCredentials"].append(credential)
    current_app.config["STORE"].applications.save_application(app)
    return {
        "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.keyCredential",
        **{**credential, "key": None},
    }
