"""Will this token work for that Grooper connection?

Each Grooper connection type is a :class:`Target`, i.e. an entry of the connection catalogue
(:data:`grooper_nb.connections.CONNECTIONS`): the resource it needs (Graph, Exchange Online,
SharePoint Online), whether it needs a user's (delegated) token, an app-only token or either, which
scopes or app roles suffice, and its special rules. One function, :func:`judge`, compares a token with a
target and returns a :class:`Verdict`: pass or fail with every reason in plain words and the fix::

    >>> report = inspect_token(graph_token, profile)              # doctest: +SKIP
    >>> print(report.verdict("exchange_ews_delegated"))           # doctest: +SKIP
    FAIL Exchange via EWS, delegated
      - wrong_audience: aud is https://graph.microsoft.com but EWS needs https://outlook.office365.com:
        request https://outlook.office365.com/EWS.AccessAsUser.All

Reason codes (``Verdict.codes``):

* ``wrong_audience`` — the token is for another API (its ``aud``, see
  https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference);
* ``wrong_sharepoint_host`` — a token for another tenant's host, where the target lives on the tenant's
  own host (``tenant_host``: SharePoint answers 401);
* ``app_only_token`` / ``delegated_token`` — the wrong kind of token for the target;
* ``missing_scope`` / ``missing_role`` — the right kind, without the permission (delegated vs
  application permission mix-ups are named in the fix);
* ``insufficient_permission`` — a permission that reaches the API but not what Grooper needs from it
  (the target's ``too_weak``, e.g. Mail.ReadBasic*: no message bodies or attachments), naming the one
  to add;
* ``no_permissions`` — neither ``scp`` nor ``roles``: nothing was consented;
* ``secret_app_only`` — an app-only token from a client secret (``appidacr``/``azpacr`` = 1) for a target
  whose API accepts certificates only (``certificate_required``: SharePoint REST answers "Unsupported app
  only token.", https://learn.microsoft.com/sharepoint/dev/solution-guidance/security-apponly-azuread);
* any validation code from :mod:`grooper_nb.tokens.verify` (``expired``, ``not_yet_valid``,
  ``wrong_tenant``, ``wrong_issuer``, ``bad_signature``, ``unknown_kid``, ``alg_none``, ...);
* ``unreadable`` — an encrypted or opaque token, whose claims cannot be judged;
* ``id_token`` — an ID token passed where an access token belongs (MSAL results carry both).

**A verdict passes only for a token whose signature was verified.** Anyone can write a token with the
right claims; only the tenant's signature makes them true (Microsoft's validation steps:
https://learn.microsoft.com/entra/identity-platform/access-tokens#validate-tokens). When nothing else
stands in the way but the signature was *not* verified (``verify=False``, keys out of reach, a Graph
token no one but Graph can check), the verdict's ``status`` is ``unverified``: ``ok`` is False, its
headline says UNVERIFIED and "would work if genuine", and ``would_work_if_genuine`` is True.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from grooper_nb.clouds import Cloud, get_cloud
from grooper_nb.connections import CONNECTIONS, Connection, fill, get_connection, resource_url
from grooper_nb.tokens.verify import Reason

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.tokens.report import TokenReport

__all__ = [
    "EXCHANGE_EWS_APP",
    "EXCHANGE_EWS_DELEGATED",
    "GRAPH_MAIL_APP",
    "GRAPH_MAIL_DELEGATED",
    "ONEDRIVE",
    "SHAREPOINT_GRAPH",
    "SHAREPOINT_REST_APP",
    "SHAREPOINT_REST_DELEGATED",
    "TARGETS",
    "Reason",
    "Target",
    "Verdict",
    "get_target",
    "judge",
]

EXCHANGE_EWS_DELEGATED = "exchange_ews_delegated"
EXCHANGE_EWS_APP = "exchange_ews_app"
GRAPH_MAIL_DELEGATED = "graph_mail_delegated"
GRAPH_MAIL_APP = "graph_mail_app"
SHAREPOINT_GRAPH = "sharepoint_graph"
SHAREPOINT_REST_DELEGATED = "sharepoint_rest_delegated"
SHAREPOINT_REST_APP = "sharepoint_rest_app"
ONEDRIVE = "onedrive"


Target = Connection  # what the inspector judges a token against: a Grooper connection

# Every connection of the catalogue, under the name the inspector has always used for them.
TARGETS: dict[str, Target] = CONNECTIONS


def get_target(target: str | Target) -> Target:
    """A :class:`Target` by name (``exchange_ews_delegated``, ...); also accepts the title."""
    return get_connection(target)


_IF_GENUINE = "would work if genuine (signature not verified)"
_WORDS = {"pass": "PASS", "fail": "FAIL", "unverified": "UNVERIFIED"}
_COLORS = {"pass": "#2e7d32", "fail": "#c62828", "unverified": "#ef6c00"}


@dataclass
class Verdict:
    """Pass/fail for one target, with every reason and notes worth knowing even when it passes.

    ``ok`` is True only for a token whose signature was verified. ``unverified`` marks the third case:
    no reason against it, but the signature was not verified, so it only *would work if genuine*."""

    target: Target
    ok: bool
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unverified: bool = False

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.reasons if r.code == code), None)

    @property
    def status(self) -> str:
        """``pass``, ``fail``, or ``unverified`` (nothing against it but an unverified signature)."""
        if self.ok:
            return "pass"
        return "unverified" if self.would_work_if_genuine else "fail"

    @property
    def would_work_if_genuine(self) -> bool:
        return self.unverified and not self.reasons

    @property
    def label(self) -> str:
        """One cell of a table: ``pass``, ``fail: <codes>`` or ``would work if genuine (...)``."""
        if self.status == "unverified":
            return _IF_GENUINE
        return "pass" if self.ok else "fail: " + ", ".join(self.codes)

    @property
    def headline(self) -> str:
        tail = f" — {_IF_GENUINE}" if self.status == "unverified" else ""
        return f"{_WORDS[self.status]} {self.target.title}{tail}"

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"  - {r}" for r in self.reasons]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Verdict({self.target.name}: {self.status}, reasons={self.codes})"

    def _repr_html_(self) -> str:
        color = _COLORS[self.status]
        items = "".join(
            f"<li><code>{escape(r.code)}</code> {escape(r.message)}"
            + (f"<br><b>Fix:</b> {escape(r.fix)}" if r.fix else "")
            + "</li>"
            for r in self.reasons
        )
        notes = "".join(f"<li><i>{escape(n)}</i></li>" for n in self.notes)
        tail = f" — <b>{escape(_IF_GENUINE)}</b>" if self.status == "unverified" else ""
        return (
            f"<div style='border-left:4px solid {color};padding:4px 8px'>"
            f"<b style='color:{color}'>{_WORDS[self.status]}</b> {escape(self.target.title)}{tail}"
            f"<ul>{items}{notes}</ul></div>"
        )


_UNKNOWN_HOST = (
    "The tenant's SharePoint host is not known here ('<your-tenant>' stands for it): set "
    "GROOPER_NB_SHAREPOINT_HOST, or pass sharepoint_host= to inspect_token()."
)
_NO_SCP_OR_ROLES = "Either scp or roles claim need to be present in the token."

# Validation codes that are about the token as such (not about this target's audience).
_TOKEN_CODES = (
    "alg_none",
    "hs256_key_confusion",
    "unsupported_alg",
    "missing_kid",
    "unknown_kid",
    "bad_signature",
    "truncated",
    "wrong_issuer",
    "wrong_tenant",
    "expired",
    "not_yet_valid",
    "bad_time_claim",
    "malformed",
)


@dataclass(frozen=True)
class _Case:
    """One verdict being made: the report, the target, and the target's requests for this cloud."""

    report: TokenReport
    target: Target
    cloud: Cloud

    @property
    def host(self) -> str | None:
        return self.report.sharepoint_host

    def request(self, app_only: bool) -> str:
        line = self.target.request_line(app_only)
        return fill(line, self.cloud, self.host) if line else ""

    @property
    def request_for_token(self) -> str:
        """What to request for this token's kind (app-only or not), or whatever the target requests."""
        t = self.target
        app = t.mode == "app" or (t.mode == "either" and bool(self.report.app_only))
        return self.request(app) or self.request(False) or self.request(True)


def judge(report: TokenReport, target: str | Target) -> Verdict:
    """Compare a :class:`~grooper_nb.tokens.report.TokenReport` with a target; see the module docstring.

    The checks run in order, each a small function below: the token's form, the token as such, ID token,
    audience (and tenant host), delegated vs app-only and the permission, the certificate rule; then the
    notes that hold even when the verdict passes.
    """
    case = _Case(report, get_target(target), get_cloud(report.cloud))
    verdict = Verdict(target=case.target, ok=False)
    if case.target.tenant_host and not case.host:
        verdict.notes.append(_UNKNOWN_HOST)
    unreadable = _unreadable(case)
    if unreadable:
        verdict.reasons.append(unreadable)
        return verdict
    verdict.reasons.extend(r for r in report.validation.rejections if r.code in _TOKEN_CODES)
    if report.is_id_token:
        verdict.reasons.append(_ID_TOKEN)
        return verdict
    wrong_resource = _audience(case, verdict)
    verdict.reasons.extend(_permission(case, wrong_resource))
    verdict.reasons.extend(_certificate(case))
    verdict.notes.extend(_notes(case))
    # Claims are only as true as the signature over them: never a pass on an unverified one.
    verdict.unverified = not report.validation.signature_verified
    verdict.ok = not verdict.reasons and not verdict.unverified
    return verdict


def _unreadable(case: _Case) -> Reason | None:
    kind = case.report.kind
    if kind == "jws":
        return None
    return Reason(
        "unreadable",
        f"This is an {'encrypted' if kind == 'jwe' else 'opaque'} token; its audience and "
        "permissions cannot be read, so no verdict is possible.",
        "Judge it by calling the API; or get a regular (JWT) access token for a work account.",
    )


_ID_TOKEN = Reason(
    "id_token",
    "This is an ID token, not an access token (no appid/azp, scp or roles; its aud is the "
    "client app itself): it tells the app who signed in, and no API accepts it.",
    "Pass the access token: TokenResult.access_token, or result['access_token'] of an MSAL "
    "result — not its id_token.",
)


def _audience(case: _Case, verdict: Verdict) -> bool:
    """Add the audience reason (or the tenant-host reason/note); True when the token is for another API."""
    t, aud = case.target, case.report.audience
    request = case.request_for_token
    if aud.kind != t.resource:
        verdict.reasons.append(
            Reason(
                "wrong_audience",
                f"aud is {aud.value} but {t.api} needs {resource_url(t, case.cloud, case.host)}: "
                f"request {request}",
                f"A token is good for one resource only; this one is for {aud.describe()}. Get a new "
                f"token with scope {request}" + (" (client credentials)." if "/.default" in request else "."),
            )
        )
        return True
    if t.tenant_host:
        _tenant_host(case, verdict, request)
    return False


def _tenant_host(case: _Case, verdict: Verdict, request: str) -> None:
    aud, host = case.report.audience, case.host
    if aud.host and host and aud.host.lower() != host.lower():
        verdict.reasons.append(
            Reason(
                "wrong_sharepoint_host",
                f"aud is https://{aud.host} but this tenant's SharePoint is https://{host}: "
                "SharePoint answers 401 to a token for another host.",
                f"Request {request} (the tenant's own SharePoint host).",
            )
        )
    elif not host:
        verdict.notes.append(
            f"The token's host ({aud.host or 'not named'}) was not compared with the tenant's."
        )


def _permission(case: _Case, wrong_resource: bool) -> list[Reason]:
    """Delegated vs app-only, then the scope or role itself.

    For a token of another resource only the kind is judged: its scopes and roles are that resource's
    permissions, and the audience reason already says what to request."""
    report, t = case.report, case.target
    if not report.scopes and not report.roles and not wrong_resource:
        return [_no_permissions(case)]
    if t.mode == "delegated" and report.app_only:
        return [_app_only_token(case)]
    if t.mode == "app" and not report.app_only:
        return [_delegated_token(case)]
    if wrong_resource:
        return []
    if report.app_only:
        return _missing(case, list(report.roles), t.roles, "application")
    return _missing(case, list(report.scopes), t.scopes, "delegated")


def _no_permissions(case: _Case) -> Reason:
    t, report = case.target, case.report
    if report.app_only:
        named = " or ".join(t.roles[:2]) or "an application permission"
        return Reason(
            "no_permissions",
            "The app-only token carries no roles: the app holds no *Application* permission on "
            f"{report.audience.describe()} (delegated permissions do not count for client credentials), so "
            f"the API answers 401 '{_NO_SCP_OR_ROLES}'",
            f"Add {named} as an Application permission, grant admin consent, then get a new "
            "client-credentials token.",
        )
    return Reason(
        "no_permissions",
        "The token carries neither scp nor roles: no permission on this resource was "
        f"consented, so the API answers 401 '{_NO_SCP_OR_ROLES}'",
        f"Add the {t.title} permission to the app registration, grant consent, then request a new token.",
    )


def _app_only_token(case: _Case) -> Reason:
    t, roles = case.target, case.report.roles
    return Reason(
        "app_only_token",
        f"This is an app-only token (roles {', '.join(roles) or 'none'}), but {t.title} needs a "
        f"signed-in user's token with scp {' or '.join(t.scopes[:2])}.",
        f"Sign a user in (auth code or device code) requesting {case.request(False)}."
        + t.app_only_alternative,
    )


def _delegated_token(case: _Case) -> Reason:
    t, scopes = case.target, case.report.scopes
    return Reason(
        "delegated_token",
        f"This is a delegated (user) token (scp {' '.join(scopes) or 'none'}), but {t.title} is "
        f"app-only: it needs the application permission {' or '.join(t.roles[:2])} in roles.",
        f"Get a token with client credentials (secret or certificate) requesting {case.request(True)}.",
    )


def _missing(case: _Case, held: list[str], accepted: tuple[str, ...], kind: str) -> list[Reason]:
    """No accepted permission held: name what is too weak, or what is missing."""
    t = case.target
    if set(held) & set(accepted):
        return []
    weak = [p for p in held if p in t.too_weak]
    if weak:
        return [_too_weak(t, weak, kind, accepted[0])]
    named = " or ".join(accepted[:2])
    if kind == "application":
        return [
            Reason(
                "missing_role",
                f"roles are {', '.join(held) or 'none'} but {t.title} needs the application permission "
                f"{named}.",
                f"Add {named} as an *Application* permission (a Delegated permission of the same "
                "name does not count for app-only tokens), grant admin consent, then get a new "
                "client-credentials token.",
            )
        ]
    return [
        Reason(
            "missing_scope",
            f"scp is '{' '.join(held)}' but {t.title} needs the delegated permission {named}.",
            f"Add {named} as a *Delegated* permission (an Application permission does not appear in "
            f"user tokens), consent to it, then request {case.request(False)}.",
        )
    ]


def _too_weak(t: Target, held: list[str], kind: str, needed: str) -> Reason:
    return Reason(
        "insufficient_permission",
        f"The token holds {', '.join(held)}, but {t.title} needs {needed}: {t.too_weak_why}.",
        f"Add {needed} as {'an' if kind == 'application' else 'a'} *{kind.capitalize()}* permission, "
        f"grant {'admin ' if kind == 'application' else ''}consent, then get a new token.",
    )


def _certificate(case: _Case) -> list[Reason]:
    """An API that takes app-only tokens from certificate credentials only refuses a secret's token."""
    t, report = case.target, case.report
    if not (t.certificate_required and report.app_only and report.client_auth_code == "1"):
        return []
    return [
        Reason(
            "secret_app_only",
            f"app-only token obtained with a client secret ({report.client_auth_claim}=1): "
            f"{t.api} answers '{t.secret_refusal}'; use a certificate",
            "Upload a certificate to the app registration and get the token with client credentials + "
            "certificate (appidacr=2). Graph (/sites, /drives) does accept secret-based app-only tokens.",
        )
    ]


def _notes(case: _Case) -> list[str]:
    """Notes that hold even when the verdict passes: the target's own, then the signature's."""
    t, report = case.target, case.report
    notes = list(t.notes)
    if report.app_only:
        notes.extend(t.app_only_notes)
    held = set(report.roles) | set(report.scopes)
    notes.extend(note for permission, note in t.permission_notes if permission in held)
    validation = report.validation
    if validation.status == "not_verified":
        notes.append("The signature was not verified: " + validation.signature_detail)
    elif validation.status == "unverifiable":
        notes.append(validation.signature_detail)
    return notes
