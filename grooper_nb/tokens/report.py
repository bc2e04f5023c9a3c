"""``TokenReport``: everything the inspector found out about one token, in one object.

Built by :func:`grooper_nb.tokens.inspect_token`. In a notebook it renders verdicts first, then the
summary, validation, claims with explanations and the header. It never shows the raw token: ask with
:meth:`TokenReport.reveal` (or the ``raw`` :class:`~grooper_nb._redact.Secret`)::

    report = inspect_token(result, profile)
    report.version, report.token_type, report.audience.name, report.client_auth
    report.validation.status            # valid | invalid | unverifiable | not_verified
    report.verdict("sharepoint_rest_app")  # pass/fail + reasons + fixes
    report.claims_frame()               # pandas: claim, value, meaning

Microsoft's references: access-token claims, v1 vs v2
(https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference), signing keys
(https://learn.microsoft.com/entra/identity-platform/access-tokens), and why SharePoint REST cares
about ``appidacr`` (https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from typing import Any

from grooper_nb._redact import JWT_RE, Secret, mask
from grooper_nb.clouds import Cloud
from grooper_nb.tokens._time import relative
from grooper_nb.tokens.claims import Audience, client_auth_method, explain, resolve_audience
from grooper_nb.tokens.decode import DecodedToken
from grooper_nb.tokens.verdict import _COLORS, _WORDS, TARGETS, Target, Verdict, judge
from grooper_nb.tokens.verify import Validation, token_version

__all__ = ["Lifetime", "TokenReport"]


def _dt(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(value, tz=timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


@dataclass(frozen=True)
class Lifetime:
    """``iat``/``nbf``/``exp`` as aware UTC datetimes and relative to ``now``, with the clock skew."""

    now: datetime
    issued_at: datetime | None
    not_before: datetime | None
    expires_at: datetime | None
    leeway: int
    server_time_offset: float | None  # local clock minus the STS's clock (from its Date header)

    def _rel(self, when: datetime | None) -> str:
        return relative((when - self.now).total_seconds()) if when else "—"

    @property
    def expires_in(self) -> float | None:
        """Seconds until ``exp`` (negative once expired)."""
        return (self.expires_at - self.now).total_seconds() if self.expires_at else None

    @property
    def lifetime(self) -> float | None:
        if self.expires_at and self.issued_at:
            return (self.expires_at - self.issued_at).total_seconds()
        return None

    def rows(self) -> list[tuple[str, str, str]]:
        def fmt(d: datetime | None) -> str:
            return d.strftime("%Y-%m-%d %H:%M:%S UTC") if d else "—"

        out = [
            ("issued (iat)", fmt(self.issued_at), self._rel(self.issued_at)),
            ("not before (nbf)", fmt(self.not_before), self._rel(self.not_before)),
            ("expires (exp)", fmt(self.expires_at), self._rel(self.expires_at)),
            ("judged at", fmt(self.now), f"allowed clock skew ±{self.leeway} s"),
        ]
        if self.server_time_offset is not None:
            off = self.server_time_offset
            word = "ahead of" if off > 0 else "behind"
            out.append(
                (
                    "this clock vs the STS",
                    f"{abs(off):.0f} s {word}" if abs(off) >= 1 else "in step",
                    "from the issuer's HTTP Date header",
                )
            )
        return out


class TokenReport:
    """The inspection of one token; see the module docstring. Never displays the raw token."""

    def __init__(
        self,
        decoded: DecodedToken,
        validation: Validation,
        *,
        cloud: Cloud,
        now: datetime,
        sharepoint_host: str | None = None,
        target: str | None = None,
        verified_with_profile: bool = False,
    ) -> None:
        self._decoded = decoded
        self.validation = validation
        self.cloud = cloud
        self.sharepoint_host = sharepoint_host
        self.target = target
        self.verified_with_profile = verified_with_profile
        self.header: dict[str, Any] = dict(decoded.header)
        self.claims: dict[str, Any] = dict(decoded.claims or {})
        self.kind = decoded.kind
        self.source = decoded.source
        c = self.claims
        self.version = token_version(c) if self.kind == "jws" else None
        self.audience: Audience = (
            resolve_audience(c.get("aud")) if self.kind == "jws" else resolve_audience(None)
        )
        self.tenant_id = c.get("tid")
        self.issuer = c.get("iss")
        self.client_id = c.get("appid") or c.get("azp")
        self.client_auth_claim = "appidacr" if "appidacr" in c else ("azpacr" if "azpacr" in c else None)
        code = c.get(self.client_auth_claim) if self.client_auth_claim else None
        self.client_auth_code = str(code) if code is not None else None
        self.client_auth = client_auth_method(code)
        scp = c.get("scp")
        self.scopes: list[str] = scp.split() if isinstance(scp, str) else []
        roles = c.get("roles")
        self.roles: list[str] = [str(r) for r in roles] if isinstance(roles, list) else []
        # Access tokens always name their client (appid v1 / azp v2); ID tokens never do
        # (https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference).
        self.is_id_token = (
            self.kind == "jws" and "aud" in c and not any(k in c for k in ("appid", "azp", "scp", "roles"))
        )
        idtyp = c.get("idtyp")
        if idtyp == "app":
            self.app_only: bool | None = True
        elif idtyp == "user" or self.scopes:
            self.app_only = False
        elif self.roles:
            self.app_only = True
        else:
            self.app_only = None
        self.times = Lifetime(
            now=now,
            issued_at=_dt(c.get("iat")),
            not_before=_dt(c.get("nbf")),
            expires_at=_dt(c.get("exp")),
            leeway=validation.leeway,
            server_time_offset=validation.server_time_offset,
        )

    # ------------------------------------------------------------------ facts
    @property
    def raw(self) -> Secret:
        """The token as a :class:`Secret` (masked when printed)."""
        return self._decoded.raw

    def reveal(self) -> str:
        """The raw token string. Only call this when you mean to copy it somewhere safe."""
        return self._decoded.raw.reveal()

    @property
    def token_type(self) -> str:
        """``app-only``, ``delegated``, ``ID token`` or ``unknown`` (from idtyp, then scp/roles)."""
        if self.is_id_token:
            return "ID token"
        return {True: "app-only", False: "delegated", None: "unknown"}[self.app_only]

    @property
    def subject(self) -> str:
        c = self.claims
        if self.app_only:
            name = c.get("app_displayname") or self.client_id
            return f"app {name}" if name else "an app"
        for key in ("upn", "preferred_username", "unique_name", "email", "name"):
            if isinstance(c.get(key), str):
                return c[key]
        return str(c.get("oid") or c.get("sub") or "unknown subject")

    @property
    def is_graph_nonce_token(self) -> bool:
        return "nonce" in self.header

    @property
    def expired(self) -> bool:
        return "expired" in self.validation.reasons

    # ------------------------------------------------------------------ verdicts
    def verdict(self, target: str | Target | None = None) -> Verdict:
        """Pass/fail for a Grooper connection type (see :data:`grooper_nb.tokens.TARGETS`)."""
        target = target or self.target
        if target is None:
            raise ValueError(f"Name a target: one of {', '.join(TARGETS)}.")
        return judge(self, target)

    def verdicts(self) -> list[Verdict]:
        """The verdict for every target, in :data:`TARGETS` order."""
        return [judge(self, t) for t in TARGETS]

    def passing_targets(self) -> list[str]:
        return [v.target.name for v in self.verdicts() if v.ok]

    # ------------------------------------------------------------------ tables
    def claim_rows(self) -> list[dict[str, Any]]:
        """One dict per claim: ``claim``, ``value`` (times also as ISO), ``meaning``."""
        rows = []
        for name, value in self.claims.items():
            shown = value
            if name in ("iat", "nbf", "exp", "auth_time", "xms_tcdt") and _dt(value):
                shown = f"{value} ({_dt(value).isoformat()})"
            rows.append({"claim": name, "value": shown, "meaning": explain(name, value)})
        return rows

    def header_rows(self) -> list[dict[str, Any]]:
        return [
            {"field": k, "value": v, "meaning": explain(k, None, where="header")}
            for k, v in self.header.items()
        ]

    def claims_frame(self):
        """The claims as a pandas DataFrame (columns ``claim``, ``value``, ``meaning``)."""
        import pandas as pd

        rows = self.claim_rows()
        return pd.DataFrame(
            [
                {**r, "value": r["value"] if isinstance(r["value"], str) else json.dumps(r["value"])}
                for r in rows
            ],
            columns=["claim", "value", "meaning"],
        )

    def summary(self) -> dict[str, Any]:
        """The headline facts as a plain dict (safe to print: no token)."""
        return {
            "format": {"jws": "JWT (signed)", "jwe": "encrypted (JWE)", "opaque": "opaque"}[self.kind],
            "version": self.version,
            "audience": self.audience.describe(),
            "aud": self.audience.value,
            "token_type": self.token_type,
            "subject": self.subject,
            "client_id": self.client_id,
            "client_auth": self.client_auth,
            "tenant_id": self.tenant_id,
            "issuer": self.issuer,
            "scopes": self.scopes,
            "roles": self.roles,
            "expires": self.times._rel(self.times.expires_at),
            "validation": self.validation.status,
            "signature": self.validation.signature,
            "rejections": self.validation.reasons,
        }

    # ------------------------------------------------------------------ display
    def __repr__(self) -> str:
        if self.kind != "jws":
            return f"TokenReport({self.kind} token {mask(self.reveal())}, {self.validation.status})"
        return (
            f"TokenReport({self.version} {self.audience.describe()} {_token_noun(self.token_type)} "
            f"for {self.subject}, "
            f"expires {self.times._rel(self.times.expires_at)}, {self.validation.status})"
        )

    def _summary_html(self) -> str:
        rows = [(k.replace("_", " "), v) for k, v in self.summary().items() if k not in ("rejections",)]
        body = "".join(
            f"<tr><th style='text-align:left'>{escape(k)}</th><td>{escape(_show(v))}</td></tr>"
            for k, v in rows
        )
        return f"<table>{body}</table>"

    def _validation_html(self) -> str:
        v = self.validation
        color = {"valid": "#2e7d32", "invalid": "#c62828"}.get(v.status, "#ef6c00")
        checks = "".join(
            f"<tr><td>{escape(c.name)}</td><td>{escape(c.status)}</td><td>{escape(c.detail)}</td></tr>"
            for c in v.checks
        )
        rej = "".join(
            f"<li><code>{escape(r.code)}</code> {escape(r.message)}"
            + (f"<br><b>Fix:</b> {escape(r.fix)}" if r.fix else "")
            + "</li>"
            for r in v.rejections
        )
        times = "".join(
            f"<tr><td>{escape(a)}</td><td>{escape(b)}</td><td>{escape(c)}</td></tr>"
            for a, b, c in self.times.rows()
        )
        return (
            f"<p><b style='color:{color}'>{escape(v.status)}</b> — signature: {escape(v.signature)}"
            f"{'<br>' + escape(v.signature_detail) if v.signature_detail else ''}</p>"
            f"{'<ul>' + rej + '</ul>' if rej else ''}"
            f"<table><tr><th>check</th><th>result</th><th>detail</th></tr>{checks}</table>"
            f"<table><tr><th>time</th><th>absolute</th><th>relative</th></tr>{times}</table>"
        )

    def _claims_html(self) -> str:
        body = "".join(
            f"<tr><td><code>{escape(r['claim'])}</code></td><td>{escape(_show(r['value']))}</td>"
            f"<td>{escape(r['meaning'])}</td></tr>"
            for r in self.claim_rows()
        )
        return f"<table><tr><th>claim</th><th>value</th><th>meaning</th></tr>{body}</table>"

    def _header_html(self) -> str:
        body = "".join(
            f"<tr><td><code>{escape(r['field'])}</code></td><td>{escape(_show(r['value']))}</td>"
            f"<td>{escape(r['meaning'])}</td></tr>"
            for r in self.header_rows()
        )
        return f"<table><tr><th>field</th><th>value</th><th>meaning</th></tr>{body}</table>"

    def _verdicts_html(self, target: str | None = None) -> str:
        if target or self.target:
            return judge(self, target or self.target)._repr_html_()
        rows = []
        for v in self.verdicts():
            color = _COLORS[v.status]
            first = v.reasons[0].message if v.reasons else (v.notes[0] if v.notes else "")
            if v.status == "unverified":
                first = f"{v.label}. {first}"
            rows.append(
                f"<tr><td style='color:{color}'><b>{_WORDS[v.status]}</b></td>"
                f"<td>{escape(v.target.title)}</td><td>{escape(first)}</td></tr>"
            )
        return f"<table><tr><th></th><th>Grooper target</th><th>why</th></tr>{''.join(rows)}</table>"

    def _repr_html_(self) -> str:
        html = (
            "<div><h4>Verdict</h4>"
            f"{self._verdicts_html()}"
            "<h4>Summary</h4>"
            f"{self._summary_html()}"
            "<h4>Validation</h4>"
            f"{self._validation_html()}"
            "<details><summary>Claims</summary>"
            f"{self._claims_html()}</details>"
            "<details><summary>Header</summary>"
            f"{self._header_html()}</details>"
            "</div>"
        )
        # Belt and braces: a claim value that itself looks like a JWT must not reach an output.
        return JWT_RE.sub(lambda m: escape(f"<token {mask(m.group(0))}>"), html)


def _token_noun(token_type: str) -> str:
    """``'app-only'`` -> ``'app-only token'``; ``'ID token'`` stays ``'ID token'``."""
    return token_type if token_type.endswith("token") else f"{token_type} token"


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    if isinstance(value, list) and all(isinstance(x, str) for x in value):
        return ", ".join(value) if value else "—"
    return json.dumps(value, default=str)
