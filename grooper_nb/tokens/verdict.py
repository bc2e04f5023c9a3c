"""Will this token work for that Grooper connection? (anchors-survey §3 item 2; pain points 4, 5, 11, 13)

Each Grooper connection type (or the API it calls) is a :class:`Target`: a small declarative entry
naming the resource it needs (Graph, Exchange Online, SharePoint Online), whether it needs a user's
(delegated) token, an app-only token or either, and which scopes or app roles suffice. One function,
:func:`judge`, compares a token with a target and returns a :class:`Verdict`: pass or fail with every
reason in plain words and the fix::

    >>> report = inspect_token(graph_token, profile)              # doctest: +SKIP
    >>> print(report.verdict("exchange_ews_delegated"))           # doctest: +SKIP
    FAIL Exchange via EWS, delegated
      - wrong_audience: aud is https://graph.microsoft.com but EWS needs https://outlook.office365.com:
        request https://outlook.office365.com/EWS.AccessAsUser.All

Reason codes (``Verdict.codes``):

* ``wrong_audience`` — the token is for another API (§2 ``aud``; pain point 5);
* ``wrong_sharepoint_host`` — a SharePoint token for another tenant's host (§7: 401 on tenant B);
* ``app_only_token`` / ``delegated_token`` — the wrong kind of token for the target (pain point 13);
* ``missing_scope`` / ``missing_role`` — the right kind, without the permission (delegated vs
  application permission mix-ups are named in the fix);
* ``insufficient_permission`` — a permission that reaches the API but not what Grooper needs from it
  (Mail.ReadBasic*: no message bodies or attachments), naming the one to add;
* ``no_permissions`` — neither ``scp`` nor ``roles``: nothing was consented;
* ``secret_app_only`` — SharePoint REST app-only with a client secret (``appidacr``/``azpacr`` = 1):
  "Unsupported app only token." (§7; pain point 4);
* any validation code from :mod:`grooper_nb.tokens.verify` (``expired``, ``not_yet_valid``,
  ``wrong_tenant``, ``wrong_issuer``, ``bad_signature``, ``unknown_kid``, ``alg_none``, ...);
* ``unreadable`` — an encrypted or opaque token, whose claims cannot be judged;
* ``id_token`` — an ID token passed where an access token belongs (MSAL results carry both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from grooper_nb.clouds import Cloud, get_cloud
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


@dataclass(frozen=True)
class Target:
    """What one Grooper connection (or API) needs from a token.

    ``resource``: graph | exchange | sharepoint. ``mode``: delegated | app | either.
    ``scopes`` / ``roles``: any one of them suffices; ``too_weak`` ones reach the resource but do not
    suffice (``too_weak_why`` says why). ``request`` is the scope to ask for (per mode), with
    ``{graph}``, ``{exchange}``, ``{sharepoint}`` filled in from the profile's cloud and tenant.
    """

    name: str
    title: str
    api: str  # how the fix sentence names the API: "EWS", "Graph", "SharePoint REST"
    resource: str
    mode: str
    scopes: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    request_delegated: str = ""
    request_app: str = ""
    grooper: str = ""
    notes: tuple[str, ...] = ()
    # Permissions that reach the resource but not what Grooper needs from it, and why (a fail reason
    # ``insufficient_permission`` naming the permission to add instead).
    too_weak: tuple[str, ...] = ()
    too_weak_why: str = ""


# learn.microsoft.com/graph/permissions-reference (Mail.ReadBasic*): everything but body, bodyPreview,
# uniqueBody and attachments.
_READ_BASIC_WHY = (
    "Mail.ReadBasic permissions read messages without their body, body preview and attachments, and "
    "Grooper imports exactly those (the message body and its attached documents)"
)
_SITES = ("Sites.Read.All", "Sites.ReadWrite.All", "Sites.Manage.All", "Sites.FullControl.All")

TARGETS: dict[str, Target] = {
    t.name: t
    for t in (
        Target(
            EXCHANGE_EWS_DELEGATED,
            "Exchange via EWS, delegated",
            "EWS",
            "exchange",
            "delegated",
            scopes=("EWS.AccessAsUser.All",),
            request_delegated="{exchange}/EWS.AccessAsUser.All",
            grooper="Exchange connection (Exchange Online, OAuth): auth code, scopes EWS.AccessAsUser.All "
            "offline_access; Grooper keeps the refresh token.",
            notes=("The signed-in user needs delegate access to every mailbox in Grooper's MailboxList.",),
        ),
        Target(
            EXCHANGE_EWS_APP,
            "Exchange via EWS, app-only",
            "EWS",
            "exchange",
            "app",
            roles=("full_access_as_app",),
            request_app="{exchange}/.default",
            grooper="Server-to-server EWS (client credentials).",
            notes=(
                "EWS app-only calls must impersonate: send the ExchangeImpersonation SOAP header and the "
                "X-AnchorMailbox HTTP header with the mailbox's SMTP address (§8.1).",
                "full_access_as_app reaches every mailbox in the tenant.",
            ),
        ),
        Target(
            GRAPH_MAIL_DELEGATED,
            "Graph mail, delegated",
            "Graph",
            "graph",
            "delegated",
            scopes=("Mail.Read", "Mail.ReadWrite", "Mail.Read.Shared", "Mail.ReadWrite.Shared"),
            request_delegated="{graph}/Mail.Read",
            grooper="Reading mail through Microsoft Graph as the signed-in user (the EWS successor).",
            notes=("Other users' mailboxes need Mail.Read.Shared and delegate access.",),
            too_weak=("Mail.ReadBasic", "Mail.ReadBasic.Shared"),
            too_weak_why=_READ_BASIC_WHY,
        ),
        Target(
            GRAPH_MAIL_APP,
            "Graph mail, app-only",
            "Graph",
            "graph",
            "app",
            roles=("Mail.Read", "Mail.ReadWrite"),
            request_app="{graph}/.default",
            grooper="Server-to-server mail import through Graph (client credentials).",
            notes=("Use /users/{id}/messages: app-only tokens have no /me.",),
            too_weak=("Mail.ReadBasic.All", "Mail.ReadBasic"),
            too_weak_why=_READ_BASIC_WHY,
        ),
        Target(
            SHAREPOINT_GRAPH,
            "SharePoint via Graph",
            "Graph",
            "graph",
            "either",
            scopes=(*_SITES, "Files.Read.All", "Files.ReadWrite.All"),
            roles=(*_SITES, "Sites.Selected", "Files.Read.All", "Files.ReadWrite.All"),
            request_delegated="{graph}/Sites.ReadWrite.All",
            request_app="{graph}/.default",
            grooper="SharePoint connection over Graph (/sites, /drives): scopes Files.ReadWrite.All "
            "Sites.ReadWrite.All offline_access.",
        ),
        Target(
            SHAREPOINT_REST_DELEGATED,
            "SharePoint REST, delegated",
            "SharePoint REST",
            "sharepoint",
            "delegated",
            scopes=(
                "AllSites.Read",
                "AllSites.Write",
                "AllSites.Manage",
                "AllSites.FullControl",
                "MyFiles.Read",
                "MyFiles.Write",
                *_SITES,
            ),
            request_delegated="{sharepoint}/AllSites.Read",
            grooper="SharePoint connection over SharePoint REST (/_api) as the signed-in user.",
            notes=("Writing documents back needs AllSites.Write (or Sites.ReadWrite.All) on SharePoint.",),
        ),
        Target(
            SHAREPOINT_REST_APP,
            "SharePoint REST, app-only",
            "SharePoint REST",
            "sharepoint",
            "app",
            roles=(*_SITES, "Sites.Selected"),
            request_app="{sharepoint}/.default",
            grooper="Server-to-server SharePoint REST (client credentials with a certificate).",
            notes=("SharePoint REST accepts app-only tokens only from certificate credentials (§7).",),
        ),
        Target(
            ONEDRIVE,
            "OneDrive (Graph)",
            "Graph",
            "graph",
            "either",
            scopes=(
                "Files.Read",
                "Files.ReadWrite",
                "Files.Read.All",
                "Files.ReadWrite.All",
                "Sites.Read.All",
                "Sites.ReadWrite.All",
            ),
            roles=("Files.Read.All", "Files.ReadWrite.All", "Sites.Read.All", "Sites.ReadWrite.All"),
            request_delegated="{graph}/Files.ReadWrite.All",
            request_app="{graph}/.default",
            grooper="OneDrive connection (Microsoft Graph): OneDrive for Business and SharePoint libraries.",
        ),
    )
}


def get_target(target: str | Target) -> Target:
    """A :class:`Target` by name (``exchange_ews_delegated``, ...); also accepts the title."""
    if isinstance(target, Target):
        return target
    key = str(target).strip()
    if key in TARGETS:
        return TARGETS[key]
    for t in TARGETS.values():
        if key.lower() in (t.title.lower(), t.name.replace("_", " ")):
            return t
    raise ValueError(f"Unknown target {target!r}. Use one of: {', '.join(TARGETS)}.")


@dataclass
class Verdict:
    """Pass/fail for one target, with every reason and notes worth knowing even when it passes."""

    target: Target
    ok: bool
    reasons: list[Reason] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def reason(self, code: str) -> Reason | None:
        return next((r for r in self.reasons if r.code == code), None)

    @property
    def headline(self) -> str:
        word = "PASS" if self.ok else "FAIL"
        return f"{word} {self.target.title}"

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [self.headline]
        lines += [f"  - {r}" for r in self.reasons]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Verdict({self.target.name}: {'pass' if self.ok else 'fail'}, reasons={self.codes})"

    def _repr_html_(self) -> str:
        color = "#2e7d32" if self.ok else "#c62828"
        items = "".join(
            f"<li><code>{escape(r.code)}</code> {escape(r.message)}"
            + (f"<br><b>Fix:</b> {escape(r.fix)}" if r.fix else "")
            + "</li>"
            for r in self.reasons
        )
        notes = "".join(f"<li><i>{escape(n)}</i></li>" for n in self.notes)
        return (
            f"<div style='border-left:4px solid {color};padding:4px 8px'>"
            f"<b style='color:{color}'>{'PASS' if self.ok else 'FAIL'}</b> {escape(self.target.title)}"
            f"<ul>{items}{notes}</ul></div>"
        )


def _sharepoint_root(cloud: Cloud, sharepoint_host: str | None) -> str:
    """``https://contoso.sharepoint.com``; when the host is unknown, a visible stand-in for the reader
    (never sent anywhere): ``https://<your-tenant>.sharepoint.com``."""
    return (
        f"https://{sharepoint_host}"
        if sharepoint_host
        else f"https://<your-tenant>.{cloud.sharepoint_suffix}"
    )


def _fill(template: str, cloud: Cloud, sharepoint_host: str | None) -> str:
    sp = _sharepoint_root(cloud, sharepoint_host)
    return template.format(graph=cloud.graph_url, exchange=cloud.exchange_url, sharepoint=sp)


def _resource_url(target: Target, cloud: Cloud, sharepoint_host: str | None) -> str:
    return _fill("{" + target.resource + "}", cloud, sharepoint_host)


_UNKNOWN_HOST = (
    "The tenant's SharePoint host is not known here ('<your-tenant>' stands for it): set "
    "GROOPER_NB_SHAREPOINT_HOST, or pass sharepoint_host= to inspect_token()."
)


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
    "malformed",
)


def _too_weak(t: Target, held: list[str], kind: str, needed: str) -> Reason:
    return Reason(
        "insufficient_permission",
        f"The token holds {', '.join(held)}, but {t.title} needs {needed}: {t.too_weak_why}.",
        f"Add {needed} as {'an' if kind == 'application' else 'a'} *{kind.capitalize()}* permission, "
        f"grant {'admin ' if kind == 'application' else ''}consent, then get a new token.",
    )


def judge(report: TokenReport, target: str | Target) -> Verdict:
    """Compare a :class:`~grooper_nb.tokens.report.TokenReport` with a target; see the module docstring."""
    t = get_target(target)
    cloud = get_cloud(report.cloud)
    sp_host = report.sharepoint_host
    verdict = Verdict(target=t, ok=False)
    add = verdict.reasons.append
    request_d = _fill(t.request_delegated, cloud, sp_host) if t.request_delegated else ""
    request_a = _fill(t.request_app, cloud, sp_host) if t.request_app else ""
    need_url = _resource_url(t, cloud, sp_host)

    if t.resource == "sharepoint" and not sp_host:
        verdict.notes.append(_UNKNOWN_HOST)

    if report.kind != "jws":
        add(
            Reason(
                "unreadable",
                f"This is an {'encrypted' if report.kind == 'jwe' else 'opaque'} token; its audience and "
                "permissions cannot be read, so no verdict is possible.",
                "Judge it by calling the API; or get a regular (JWT) access token for a work account.",
            )
        )
        return verdict

    # 1. The token as such: signature, issuer, tenant, lifetime.
    for rej in report.validation.rejections:
        if rej.code in _TOKEN_CODES:
            add(rej)

    if report.is_id_token:
        add(
            Reason(
                "id_token",
                "This is an ID token, not an access token (no appid/azp, scp or roles; its aud is the "
                "client app itself): it tells the app who signed in, and no API accepts it.",
                "Pass the access token: TokenResult.access_token, or result['access_token'] of an MSAL "
                "result — not its id_token.",
            )
        )
        return verdict

    # 2. The audience.
    aud = report.audience
    request_for_mode = (
        request_a if (t.mode == "app" or (t.mode == "either" and report.app_only)) else request_d
    )
    request_for_mode = request_for_mode or request_d or request_a
    wrong_resource = aud.kind != t.resource
    if wrong_resource:
        add(
            Reason(
                "wrong_audience",
                f"aud is {aud.value} but {t.api} needs {need_url}: request {request_for_mode}",
                f"A token is good for one resource only; this one is for {aud.describe()}. Get a new "
                f"token with scope {request_for_mode}"
                + (" (client credentials)." if "/.default" in request_for_mode else "."),
            )
        )
    elif t.resource == "sharepoint":
        if aud.host and sp_host and aud.host.lower() != sp_host.lower():
            add(
                Reason(
                    "wrong_sharepoint_host",
                    f"aud is https://{aud.host} but this tenant's SharePoint is https://{sp_host}: "
                    "SharePoint answers 401 to a token for another host.",
                    f"Request {request_for_mode} (the tenant's own SharePoint host).",
                )
            )
        elif not sp_host:
            verdict.notes.append(
                f"The token's host ({aud.host or 'not named'}) was not compared with the tenant's."
            )

    # 3. Delegated vs app-only, and the permission itself.
    scopes, roles = report.scopes, report.roles
    if not scopes and not roles and not wrong_resource:
        if report.app_only:
            named = " or ".join(t.roles[:2]) or "an application permission"
            add(
                Reason(
                    "no_permissions",
                    "The app-only token carries no roles: the app holds no *Application* permission on "
                    f"{aud.describe()} (delegated permissions do not count for client credentials), so the "
                    "API answers 401 'Either scp or roles claim need to be present in the token.'",
                    f"Add {named} as an Application permission, grant admin consent, then get a new "
                    "client-credentials token.",
                )
            )
        else:
            add(
                Reason(
                    "no_permissions",
                    "The token carries neither scp nor roles: no permission on this resource was "
                    "consented, so the API answers 401 'Either scp or roles claim need to be present in "
                    "the token.'",
                    f"Add the {t.title} permission to the app registration, grant consent, then request a "
                    "new token.",
                )
            )
    elif t.mode == "delegated" and report.app_only:
        alt = (
            " For server-to-server EWS use target exchange_ews_app (full_access_as_app + impersonation)."
            if t.resource == "exchange"
            else ""
        )
        add(
            Reason(
                "app_only_token",
                f"This is an app-only token (roles {', '.join(roles) or 'none'}), but {t.title} needs a "
                f"signed-in user's token with scp {' or '.join(t.scopes[:2])}.",
                f"Sign a user in (auth code or device code) requesting {request_d}.{alt}",
            )
        )
    elif t.mode == "app" and not report.app_only:
        add(
            Reason(
                "delegated_token",
                f"This is a delegated (user) token (scp {' '.join(scopes) or 'none'}), but {t.title} is "
                f"app-only: it needs the application permission {' or '.join(t.roles[:2])} in roles.",
                f"Get a token with client credentials (secret or certificate) requesting {request_a}.",
            )
        )
    elif wrong_resource:
        pass  # its scopes/roles are another resource's permissions; the audience reason says it all
    elif report.app_only:
        weak = [r for r in roles if r in t.too_weak]
        if not set(roles) & set(t.roles) and weak:
            add(_too_weak(t, weak, "application", t.roles[0]))
        elif not set(roles) & set(t.roles):
            named = " or ".join(t.roles[:2])
            add(
                Reason(
                    "missing_role",
                    f"roles are {', '.join(roles) or 'none'} but {t.title} needs the application permission "
                    f"{named}.",
                    f"Add {named} as an *Application* permission (a Delegated permission of the same "
                    "name does not count for app-only tokens), grant admin consent, then get a new "
                    "client-credentials token.",
                )
            )
    else:
        weak = [sc for sc in scopes if sc in t.too_weak]
        if not set(scopes) & set(t.scopes) and weak:
            add(_too_weak(t, weak, "delegated", t.scopes[0]))
        elif not set(scopes) & set(t.scopes):
            named = " or ".join(t.scopes[:2])
            add(
                Reason(
                    "missing_scope",
                    f"scp is '{' '.join(scopes)}' but {t.title} needs the delegated permission {named}.",
                    f"Add {named} as a *Delegated* permission (an Application permission does not appear in "
                    f"user tokens), consent to it, then request {request_d}.",
                )
            )

    # 4. SharePoint REST refuses secret-based app-only tokens (§7).
    if t.name == SHAREPOINT_REST_APP and report.app_only and report.client_auth_code == "1":
        add(
            Reason(
                "secret_app_only",
                f"app-only token obtained with a client secret ({report.client_auth_claim}=1): "
                "SharePoint REST answers 'Unsupported app only token.'; use a certificate",
                "Upload a certificate to the app registration and get the token with client credentials + "
                "certificate (appidacr=2). Graph (/sites, /drives) does accept secret-based app-only tokens.",
            )
        )

    # 5. Notes that hold even when the verdict passes.
    verdict.notes.extend(t.notes)
    if t.name == ONEDRIVE and report.app_only:
        verdict.notes.append("App-only tokens have no /me/drive; address drives as /users/{id}/drive.")
    if t.name == SHAREPOINT_GRAPH and "Sites.Selected" in roles:
        verdict.notes.append(
            "Sites.Selected reaches only the sites granted to the app via /sites/{id}/permissions."
        )
    status = report.validation.status
    if status == "not_verified":
        verdict.notes.append("The signature was not verified: " + report.validation.signature_detail)
    elif status == "unverifiable":
        verdict.notes.append(report.validation.signature_detail)
    verdict.ok = not verdict.reasons
    return verdict
