"""Client credentials: a secret's value or a certificate with its private key, validated when loaded.

A profile (:mod:`grooper_nb.profile`) carries one of these, or none for a public client::

    from grooper_nb.credentials import CertificateCredential, SecretCredential
    SecretCredential("Xq8Q~…")                                            # the secret's Value
    CertificateCredential.from_file("grooper.pfx", password="...")        # PFX / PKCS#12
    CertificateCredential.from_file("grooper.pem")                        # cert + key in one PEM
    CertificateCredential.from_pem("cert.pem", "key.pem")                 # separate PEM files

Both refuse what integrators paste by mistake, with a :class:`ProfileError` that says what it is and
what to give instead: the secret's *ID* (a GUID, with or without braces) instead of its value, an empty
value, a public certificate alone (``.cer``), a key that does not match, an expired certificate. No
message ever contains a secret value or a private key; a path that looks like a secret is masked.
(``from grooper_nb.profile import SecretCredential, CertificateCredential`` keeps working.)
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from grooper_nb._ids import is_guid, shown
from grooper_nb._redact import Secret, reveal

__all__ = ["CertificateCredential", "Credential", "ProfileError", "SecretCredential"]


class ProfileError(ValueError):
    """A profile setting is wrong; the message says which one and how to fix it (never its secret)."""


@dataclass(frozen=True, repr=False)
class SecretCredential:
    """A client secret's *value* (never its ID): ``SecretCredential("…")``."""

    secret: Secret
    secret_id: str | None = None  # the keyId, when known (sandbox)
    kind = "secret"

    def __init__(self, secret: str | Secret, secret_id: str | None = None) -> None:
        s = secret if isinstance(secret, Secret) else Secret(secret, label="client secret")
        value = s.reveal()
        if not value.strip():
            raise ProfileError(
                "The client secret is empty (GROOPER_NB_CLIENT_SECRET= with nothing after it, or "
                "client_secret=''). Set it to the secret's Value; for a public client (no secret) leave "
                "it unset or pass credential='none'."
            )
        if is_guid(value):
            raise ProfileError(
                "The client secret looks like a GUID: that is the secret's ID, not its value. Copy the "
                "'Value' column (shown only once, right after creating the secret) from Certificates & "
                "secrets; if it is gone, create a new secret."
            )
        if value != value.strip():
            raise ProfileError("The client secret has leading or trailing whitespace; copy it again.")
        if len(value) > 1 and value[0] == value[-1] and value[0] in "'\"":
            raise ProfileError(
                "The client secret is wrapped in quotes, which are not part of it; remove them."
            )
        object.__setattr__(self, "secret", Secret(value, label="client secret"))
        object.__setattr__(self, "secret_id", secret_id)

    def for_msal(self) -> str:
        """What MSAL's ``client_credential=`` takes (the plain value; do not print it)."""
        return self.secret.reveal()

    def secrets(self) -> list[Secret]:
        return [self.secret]

    def describe(self) -> str:
        return "client secret" + (f" (id {self.secret_id})" if self.secret_id else "")

    def __repr__(self) -> str:
        return f"SecretCredential({self.secret!r})"


_PrivateKey = rsa.RSAPrivateKey


class CertificateCredential:
    """A certificate and its private key, for client credentials / auth code with a client assertion.

    Build it from files (the key never prints)::

        CertificateCredential.from_file("grooper.pfx", password="...")          # PFX / PKCS#12
        CertificateCredential.from_file("grooper.pem")                          # cert + key in one PEM
        CertificateCredential.from_pem("cert.pem", "key.pem", password=None)    # separate PEM files

    Validation: the key must be RSA and match the certificate; the certificate must be valid now.
    MSAL then signs a PS256 client assertion with ``x5t#S256`` (and ``x5c``).
    """

    kind = "certificate"

    def __init__(
        self,
        certificate: x509.Certificate,
        private_key: _PrivateKey,
        source: str | None = None,
        *,
        now: dt.datetime | None = None,
    ) -> None:
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ProfileError(
                f"The private key{_src(source)} is {type(private_key).__name__}; Entra client assertions "
                "need an RSA key."
            )
        spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        if certificate.public_key().public_bytes(*spki) != private_key.public_key().public_bytes(*spki):
            raise ProfileError(
                f"The certificate{_src(source)} does not match its private key (different public keys). "
                "Use the key that was generated with this certificate."
            )
        now = now or dt.datetime.now(dt.timezone.utc)
        if certificate.not_valid_after_utc < now:
            raise ProfileError(
                f"The certificate{_src(source)} (thumbprint {_sha1(certificate)}) expired on "
                f"{certificate.not_valid_after_utc:%Y-%m-%d}. Create a new certificate, upload its public "
                "part to the app registration (Certificates & secrets), and point GROOPER_NB_CERTIFICATE "
                "at it."
            )
        if certificate.not_valid_before_utc > now:
            raise ProfileError(
                f"The certificate{_src(source)} is not valid before "
                f"{certificate.not_valid_before_utc:%Y-%m-%d %H:%M} UTC (check this machine's clock)."
            )
        self.certificate = certificate
        self._key = private_key
        self.source = source

    # -- constructors ---------------------------------------------------------------------------------
    @classmethod
    def from_pem(
        cls,
        certificate: str | os.PathLike | bytes,
        private_key: str | os.PathLike | bytes | None = None,
        password: str | Secret | None = None,
    ) -> CertificateCredential:
        """From PEM data or files; ``private_key`` may be omitted when the certificate file holds both."""
        cert_bytes, cert_src = _read(certificate)
        key_bytes, key_src = _read(private_key) if private_key is not None else (cert_bytes, cert_src)
        try:
            cert = x509.load_pem_x509_certificate(cert_bytes)
        except ValueError:
            raise ProfileError(f"No PEM certificate found{_src(cert_src)}.") from None
        if private_key is None and b"PRIVATE KEY-----" not in key_bytes:
            raise ProfileError(
                f"The PEM{_src(cert_src)} is a public certificate only, without its private key. Use the "
                ".pfx, a PEM that holds the private key too, or set GROOPER_NB_PRIVATE_KEY to the key file."
            )
        pw = reveal(password)
        try:
            key = serialization.load_pem_private_key(key_bytes, password=pw.encode() if pw else None)
        except TypeError:
            raise ProfileError(
                f"The private key{_src(key_src)} is encrypted; set GROOPER_NB_CERTIFICATE_PASSWORD."
                if not pw
                else f"The private key{_src(key_src)} is not encrypted; drop the password."
            ) from None
        except ValueError:
            msg = (
                f"The password for the private key{_src(key_src)} is wrong, or there is no PEM private key "
                "there."
                if pw
                else f"No PEM private key found{_src(key_src)} (set GROOPER_NB_PRIVATE_KEY)."
            )
            raise ProfileError(msg) from None
        return cls(cert, key, source=cert_src)

    @classmethod
    def from_pfx(
        cls, pfx: str | os.PathLike | bytes, password: str | Secret | None = None
    ) -> CertificateCredential:
        """From a PFX/PKCS#12 file (or bytes) and its passphrase."""
        data, src = _read(pfx)
        pw = reveal(password)
        try:
            key, cert, _extra = pkcs12.load_key_and_certificates(data, pw.encode() if pw else None)
        except ValueError:
            raise ProfileError(
                f"Could not open the PFX{_src(src)}: wrong passphrase (GROOPER_NB_CERTIFICATE_PASSWORD) or "
                "not a PKCS#12 file."
            ) from None
        if cert is None or key is None:
            raise ProfileError(f"The PFX{_src(src)} must contain both the certificate and its private key.")
        return cls(cert, key, source=src)

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike,
        password: str | Secret | None = None,
        private_key: str | os.PathLike | None = None,
    ) -> CertificateCredential:
        """PFX (``.pfx``/``.p12``, or binary content) or PEM, decided by the file itself."""
        p = Path(path).expanduser()
        if not p.is_file():
            what = "is a directory, not a file" if p.is_dir() else "does not exist"
            raise ProfileError(f"Certificate file {shown(str(path))} {what} (GROOPER_NB_CERTIFICATE).")
        data = p.read_bytes()
        if b"-----BEGIN" in data[:64] and p.suffix.lower() not in (".pfx", ".p12"):
            return cls.from_pem(p, private_key, password)
        if _is_der_certificate(data):
            raise ProfileError(
                f"{p.name} is a public certificate only (DER, as a .cer export), without its private key. "
                "That part is what you upload to the app registration; to sign in, point "
                "GROOPER_NB_CERTIFICATE at the .pfx/.p12 (with GROOPER_NB_CERTIFICATE_PASSWORD) or at a "
                "PEM that holds the private key (or set GROOPER_NB_PRIVATE_KEY)."
            )
        return cls.from_pfx(p, password)

    # -- facts --------------------------------------------------------------------------------------
    @property
    def thumbprint(self) -> str:
        """SHA-1 thumbprint, upper-case hex (as the Azure portal shows it)."""
        return _sha1(self.certificate)

    @property
    def thumbprint_sha256(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def not_after(self) -> dt.datetime:
        return self.certificate.not_valid_after_utc

    def certificate_pem(self) -> str:
        return self.certificate.public_bytes(serialization.Encoding.PEM).decode()

    def for_msal(self) -> dict[str, str]:
        """MSAL's ``client_credential=`` dict (contains the private key: never print it)."""
        key_pem = self._key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        return {"private_key": key_pem, "public_certificate": self.certificate_pem()}

    def secrets(self) -> list[Secret]:
        return []

    def describe(self) -> str:
        return f"certificate {self.thumbprint} ({self.subject}, expires {self.not_after:%Y-%m-%d})"

    def __repr__(self) -> str:
        return (
            f"CertificateCredential(subject={self.subject!r}, thumbprint={self.thumbprint!r}, "
            f"not_after={self.not_after:%Y-%m-%d})"
        )

    def __reduce__(self):
        raise TypeError("CertificateCredential holds a private key and is not picklable")


Credential = SecretCredential | CertificateCredential


def _sha1(cert: x509.Certificate) -> str:
    return cert.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - a thumbprint, not security


def _is_der_certificate(data: bytes) -> bool:
    try:
        x509.load_der_x509_certificate(data)
    except ValueError:
        return False
    return True


def _src(source: str | None) -> str:
    return f" ({source})" if source else ""


def _read(value: str | os.PathLike | bytes) -> tuple[bytes, str | None]:
    if isinstance(value, bytes):
        return value, None
    if isinstance(value, str) and "-----BEGIN" in value:
        return value.encode(), None
    p = Path(value).expanduser()
    if not p.is_file():
        raise ProfileError(f"File {shown(str(value))} does not exist.")
    return p.read_bytes(), str(p)
