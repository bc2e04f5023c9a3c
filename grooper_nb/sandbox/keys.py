"""Token signing keys and JWT minting for the sandbox's identity platform.

The JWKS and the token header rules of https://learn.microsoft.com/entra/identity-platform/access-tokens:

* Two RSA-2048 keys, each with a self-signed certificate, live in ``{state_dir}/keys/`` (private keys
  0600). ``kid`` == ``x5t`` == base64url(SHA-1 of the certificate DER), 27 characters, as Entra's.
  The first key signs; the second is published only, as Entra publishes keys ahead of rotation.
* v1.0 tokens carry ``x5t`` and ``kid`` in the header, v2.0 tokens only ``kid``.
* **Microsoft Graph's header ``nonce``.** Graph access tokens are not meant to be validated by
  third parties (same page). The sandbox reproduces that the way Microsoft does it: the header that is
  *transmitted* carries a random ``nonce``; the signature is computed over a header in which that nonce
  is replaced by ``base64url(SHA-256(nonce as ASCII))`` (no padding). Exact convention, for anyone verifying::

      header = json.loads(b64url_decode(seg0)); header["nonce"] = b64url(sha256(header["nonce"]))
      signing_input = b64url(json.dumps(header, separators=(",", ":"))) + "." + seg1

  A naive JWT library verifying the token as transmitted fails with "Signature verification failed";
  :func:`SigningKeys.verify` knows the convention (the sandbox's own resource servers use it).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from . import _x509
from ._files import write_private, write_public

__all__ = [
    "SigningKey",
    "SigningKeys",
    "b64url",
    "b64url_decode",
    "make_self_signed",
    "thumbprint_sha1",
    "thumbprint_sha256",
]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint_sha1(cert_der: bytes) -> bytes:
    return hashlib.sha1(cert_der).digest()  # noqa: S324 - x5t is SHA-1 by definition (RFC 7515 section 4.1.7)


def thumbprint_sha256(cert_der: bytes) -> bytes:
    return hashlib.sha256(cert_der).digest()


def make_self_signed(common_name: str, *, days: int = 730) -> tuple[bytes, bytes]:
    """A fresh RSA-2048 key and self-signed certificate, as ``(key_pem, cert_pem)``."""
    key, cert = _x509.self_signed(common_name, days=days)
    return _x509.key_pem(key), _x509.cert_pem(cert)


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def kid(self) -> str:
        return b64url(thumbprint_sha1(self.der))

    def jwk(self, issuer: str) -> dict[str, Any]:
        numbers = self.private_key.public_key().public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes(3, "big").lstrip(b"\0")),
            "x5c": [base64.b64encode(self.der).decode("ascii")],
            "issuer": issuer,
        }


class SigningKeys:
    """The tenant's two signing keys; ``SigningKeys.load_or_create(state_dir)``."""

    def __init__(self, keys: list[SigningKey]):
        self.keys = keys
        self.active = keys[0]

    @classmethod
    def load_or_create(cls, state_dir: Path) -> SigningKeys:
        folder = Path(state_dir) / "keys"
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
        keys = []
        for n in (1, 2):
            key_path, cert_path = folder / f"signing-{n}.key.pem", folder / f"signing-{n}.cert.pem"
            if not (key_path.exists() and cert_path.exists()):
                key_pem, cert_pem = make_self_signed(f"sandbox token signing key {n}")
                write_private(key_path, key_pem)
                write_public(cert_path, cert_pem)
            fix = f"run `python -m grooper_nb.sandbox reset --state-dir {Path(state_dir)}` for new keys"
            keys.append(SigningKey(_x509.load_key(key_path, fix), _x509.load_cert(cert_path, fix)))
        return cls(keys)

    def jwks(self, issuer: str) -> dict[str, Any]:
        return {"keys": [k.jwk(issuer) for k in self.keys]}

    def by_kid(self, kid: str) -> SigningKey | None:
        return next((k for k in self.keys if k.kid == kid), None)

    # -- minting -------------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any], *, version: str = "2.0", graph_nonce: bool = False) -> str:
        """A compact RS256 JWS of ``claims``; see the module docstring for v1/v2 headers and ``nonce``."""
        key = self.active
        header: dict[str, Any] = {"typ": "JWT"}
        if graph_nonce:
            header["nonce"] = b64url(secrets.token_bytes(32))
        header["alg"] = "RS256"
        if version == "1.0":
            header["x5t"] = key.kid
        header["kid"] = key.kid
        payload_seg = b64url(json.dumps(claims, separators=(",", ":")).encode())
        signed_header = dict(header)
        if graph_nonce:
            signed_header["nonce"] = b64url(hashlib.sha256(header["nonce"].encode("ascii")).digest())
        signing_input = f"{_seg(signed_header)}.{payload_seg}".encode("ascii")
        signature = key.private_key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return f"{_seg(header)}.{payload_seg}.{b64url(signature)}"

    def verify(self, token: str) -> dict[str, Any]:
        """Claims of a token this sandbox signed (signature only; callers check aud/exp/...).

        Raises ``jwt.InvalidTokenError`` on anything else. Understands the Graph ``nonce`` convention.
        """
        try:
            header_seg, payload_seg, sig_seg = token.split(".")
            header = json.loads(b64url_decode(header_seg))
            claims = json.loads(b64url_decode(payload_seg))
            signature = b64url_decode(sig_seg)
        except (ValueError, TypeError) as exc:
            raise jwt.DecodeError("not a compact JWS") from exc
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise jwt.DecodeError("the header and the claims of a JWT are JSON objects")
        key = self.by_kid(str(header.get("kid", "")))
        if key is None or header.get("alg") != "RS256":
            raise jwt.InvalidSignatureError("unknown signing key")
        if "nonce" in header:
            header = dict(header, nonce=b64url(hashlib.sha256(str(header["nonce"]).encode()).digest()))
            header_seg = _seg(header)
        try:
            key.private_key.public_key().verify(
                signature, f"{header_seg}.{payload_seg}".encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
            )
        except Exception as exc:
            raise jwt.InvalidSignatureError("Signature verification failed") from exc
        return claims


def _seg(header: dict[str, Any]) -> str:
    return b64url(json.dumps(header, separators=(",", ":")).encode())
