"""Is this mailbox ready to leave EWS? :func:`ews_readiness` answers in one :class:`Readiness`.

Grooper's Exchange connection reads mail through Exchange Web Services. Microsoft is retiring EWS in
Exchange Online: since 2026-10-01 it is blocked unless the organization allows it (``EWSEnabled``) and
allow-lists the app (``EWSAllowedAppIDs``), and on 2027-04-01 it is switched off for good, with no
exception (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange
describes the two settings; the two dates are from Microsoft's EWS retirement announcement on the Exchange
Team blog, UNCONFIRMED here: the announcement's own address was not found to cite). So before that date
the same mailbox must be read through Microsoft Graph mail instead, and the move is safe when:

1. **EWS still answers** (:func:`~grooper_nb.exchange.ews.status.ews_status`), so today's listing can be
   compared; when it is blocked, the verdict says so and the comparison is skipped with the reason;
2. **Graph lists the same messages** (parity): per folder the counts through each API, and every message
   one side has and the other lacks, by the key of :mod:`.schema` (``mailbox``, ``folder_path``,
   ``internet_message_id``, ``received``);
3. **the app holds the Graph permission** Grooper would need instead (the ``graph_mail_app`` or
   ``graph_mail_delegated`` connection of :mod:`grooper_nb.connections`), judged on the profile's current
   Graph token by :mod:`grooper_nb.tokens` (a delegated read of another user's mailbox needs
   ``Mail.Read.Shared``: https://learn.microsoft.com/graph/permissions-reference).

Nothing here raises for a refusal: an EWS or Graph error becomes part of the verdict, with the
explained error kept on the object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from html import escape
from typing import TYPE_CHECKING, Any

import pandas as pd

from grooper_nb.connections import get_connection
from grooper_nb.exchange.schema import MESSAGE_KEY

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.exchange.ews.status import EwsStatus
    from grooper_nb.profile import Profile
    from grooper_nb.tokens.report import TokenReport

__all__ = ["EWS_BLOCKED_BY_DEFAULT", "EWS_SWITCHED_OFF", "Readiness", "ews_readiness"]

EWS_BLOCKED_BY_DEFAULT = date(2026, 10, 1)
EWS_SWITCHED_OFF = date(2027, 4, 1)
CONTROL_ACCESS = (
    "https://learn.microsoft.com/exchange/client-developer/exchange-web-services/"
    "how-to-control-access-to-ews-in-exchange"
)
GRAPH_MAIL = "https://learn.microsoft.com/graph/api/resources/mail-api-overview"
PERMISSIONS = "https://learn.microsoft.com/graph/permissions-reference"
SHARED_SCOPES = ("Mail.Read.Shared", "Mail.ReadWrite.Shared")
_COLORS = {"ready": "#2e7d32", "not ready": "#ef6c00", "blocked": "#c62828"}


@dataclass
class Readiness:
    """What :func:`ews_readiness` found. ``status``: ``ready`` (Graph lists what EWS lists and the token
    holds the permission), ``not ready`` (something to do first: :attr:`actions`) or ``blocked`` (EWS no
    longer answers this app: Graph is the only way). Tables: :attr:`parity` (per folder),
    :attr:`missing` (messages on one side only), :attr:`permissions` (Graph permissions needed)."""

    mailbox: str
    app_only: bool
    client_id: str
    today: date
    ews: EwsStatus
    parity: pd.DataFrame | None = None
    missing: pd.DataFrame | None = None
    parity_skipped: str | None = None
    permissions: pd.DataFrame = field(default_factory=pd.DataFrame)
    graph_ready: bool = False
    graph_problem: str | None = None
    errors: dict[str, Exception] = field(default_factory=dict)

    # -- facts ---------------------------------------------------------------------------------------
    @property
    def days_left(self) -> int:
        """Days from :attr:`today` until EWS in Exchange Online is switched off (negative: past)."""
        return (EWS_SWITCHED_OFF - self.today).days

    @property
    def ews_allowed(self) -> bool:
        return self.ews.ok

    @property
    def parity_ok(self) -> bool | None:
        """True when both APIs list the same messages; None when the comparison was skipped."""
        if self.parity is None or self.missing is None:
            return None
        return self.missing.empty and bool((self.parity["difference"] == 0).all())

    @property
    def status(self) -> str:
        if self.ews.state in ("blocked_for_tenant", "app_not_allowed") or self.days_left <= 0:
            return "blocked"
        return "ready" if self.graph_ready and self.parity_ok else "not ready"

    @property
    def verdict(self) -> str:
        """One sentence: where this mailbox stands."""
        mode = "app-only" if self.app_only else "delegated"
        ews = {
            "reachable": "EWS answers",
            "blocked_for_tenant": "EWS is blocked for the organization",
            "app_not_allowed": "EWS is blocked for this app (not in EWSAllowedAppIDs)",
        }.get(self.ews.state, f"EWS fails ({self.ews.state})")
        graph = "Graph holds the permission" if self.graph_ready else "Graph lacks the permission"
        if self.parity_ok is None:
            parity = "parity not checked"
        elif self.parity_ok:
            parity = "Graph lists the same messages"
        else:
            parity = f"Graph and EWS differ on {len(self.missing)} messages"
        return f"{self.status.upper()}: {self.mailbox} ({mode}): {ews}; {graph}; {parity}."

    @property
    def actions(self) -> list[str]:
        """What to do before 2027-04-01, most urgent first."""
        return _actions(self)

    # -- display -------------------------------------------------------------------------------------
    def summary(self) -> pd.DataFrame:
        """The facts as a two-column table (no missing values)."""
        rows = [
            ("mailbox", self.mailbox),
            ("mode", "app-only" if self.app_only else "delegated"),
            ("app (client id)", self.client_id),
            ("EWS", f"{self.ews.state}: {self.ews.message}"),
            ("Graph permission", "held" if self.graph_ready else (self.graph_problem or "missing")),
            ("parity", _parity_words(self)),
            ("EWS blocked by default since", EWS_BLOCKED_BY_DEFAULT.isoformat()),
            ("EWS switched off on", EWS_SWITCHED_OFF.isoformat()),
            ("days left", str(self.days_left)),
        ]
        return pd.DataFrame(rows, columns=["what", "finding"])

    def __str__(self) -> str:
        lines = [self.verdict, *(f"  - {a}" for a in self.actions)]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Readiness({self.mailbox!r}, status={self.status!r}, ews={self.ews.state!r})"

    def _repr_html_(self) -> str:
        color = _COLORS[self.status]
        actions = "".join(f"<li>{escape(a)}</li>" for a in self.actions)
        parts = [
            f"<div style='border-left:4px solid {color};padding:4px 8px'>",
            f"<b style='color:{color}'>{escape(self.verdict)}</b>",
            f"<p><b>Before {EWS_SWITCHED_OFF.isoformat()} ({self.days_left} days left):</b></p>",
            f"<ol>{actions}</ol>",
            _table(self.summary(), index=False),
            "<p><b>Graph permissions Grooper needs instead</b></p>",
            _table(self.permissions, index=False),
        ]
        if self.parity is not None:
            parts += ["<p><b>Messages per folder, EWS vs Graph</b></p>", _table(self.parity, index=False)]
        if self.missing is not None and not self.missing.empty:
            parts += ["<p><b>Messages on one side only</b></p>", _table(self.missing.head(20), index=False)]
        parts.append(
            f"<p><small>EWS access settings: <a href='{CONTROL_ACCESS}'>{CONTROL_ACCESS}</a>; Graph mail: "
            f"<a href='{GRAPH_MAIL}'>{GRAPH_MAIL}</a>. The dates are Microsoft's EWS retirement "
            "announcement's.</small></p></div>"
        )
        return "".join(parts)


def _table(frame: pd.DataFrame, index: bool) -> str:
    return frame.astype(object).where(frame.notna(), "—").to_html(index=index, escape=True)


def _parity_words(r: Readiness) -> str:
    if r.parity_ok is None:
        return f"skipped: {r.parity_skipped}"
    if r.parity_ok:
        return f"clean: {int(r.parity['ews'].sum())} messages in {len(r.parity)} folders on both sides"
    only_ews = int((r.missing["only_in"] == "ews").sum())
    only_graph = int((r.missing["only_in"] == "graph").sum())
    return f"{only_ews} messages only through EWS, {only_graph} only through Graph"


# -- actions -----------------------------------------------------------------------------------------
def _actions(r: Readiness) -> list[str]:
    out = [_ews_action(r)]
    if not r.graph_ready:
        out.append(_permission_action(r))
    if r.parity_ok is False:
        out.append(
            f"Look at the {len(r.missing)} messages in `missing` (only_in says which API has them) before "
            "switching: a folder one API cannot see, or mail that arrived between the two listings."
        )
    elif r.parity_ok is None:
        out.append(f"Compare the listings once both APIs answer ({r.parity_skipped}).")
    out.append(
        "Switch Grooper's mail import from the EWS connection to Graph mail "
        f"({'graph_mail_app' if r.app_only else 'graph_mail_delegated'}) and run it side by side once."
    )
    return out


def _ews_action(r: Readiness) -> str:
    off = EWS_SWITCHED_OFF.isoformat()
    if r.days_left <= 0:
        return f"EWS in Exchange Online was switched off on {off}: only Graph reads this mailbox now."
    if r.ews.state == "blocked_for_tenant":
        return (
            f"EWS is blocked for the organization (EWSEnabled): Grooper's EWS connection fails today. Move "
            f"to Graph now; only as a stopgap until {off} may an administrator set EWSEnabled to true and "
            f"add {r.client_id} to EWSAllowedAppIDs ({CONTROL_ACCESS})."
        )
    if r.ews.state == "app_not_allowed":
        return (
            f"EWS is on but app {r.client_id} is not in the organization's EWSAllowedAppIDs: Grooper's EWS "
            f"connection fails today. Move to Graph now; as a stopgap until {off} an administrator may add "
            f"the app to EWSAllowedAppIDs ({CONTROL_ACCESS})."
        )
    if r.ews.ok:
        return (
            f"EWS still answers, but only until {off} ({r.days_left} days): it is switched off for good "
            "then, with no exception."
        )
    return f"EWS fails for another reason ({r.ews.state}: {r.ews.message}); fix it or move to Graph first."


def _permission_action(r: Readiness) -> str:
    needed = r.permissions.loc[r.permissions["needed"] == "yes", "permission"].tolist()
    kind = "application" if r.app_only else "delegated"
    which = " or ".join(needed) or "a Graph mail permission"
    return (
        f"Give app {r.client_id} the {kind} Microsoft Graph permission {which} with administrator consent, "
        f"then get a new token ({PERMISSIONS}). {r.graph_problem or ''}".strip()
    )


# -- permissions -------------------------------------------------------------------------------------
def _needed(app_only: bool, shared: bool) -> tuple[str, ...]:
    """The permissions any one of which lets Grooper read the mailbox through Graph."""
    connection = get_connection("graph_mail_app" if app_only else "graph_mail_delegated")
    if app_only:
        return connection.roles
    return SHARED_SCOPES if shared else connection.scopes


def permission_table(app_only: bool, shared: bool, report: TokenReport | None) -> pd.DataFrame:
    """One row per Graph mail permission of the connection: kind, whether it suffices for this mailbox,
    whether the current token carries it."""
    connection = get_connection("graph_mail_app" if app_only else "graph_mail_delegated")
    listed = connection.roles if app_only else connection.scopes
    needed = _needed(app_only, shared)
    held = set((report.roles if app_only else report.scopes) or ()) if report is not None else set()
    rows = [
        {
            "connection": connection.key,
            "permission": p,
            "kind": "application" if app_only else "delegated",
            "needed": "yes" if p in needed else "no (not for this mailbox)",
            "in current token": "yes" if p in held else "no",
        }
        for p in listed
    ]
    return pd.DataFrame(rows, columns=["connection", "permission", "kind", "needed", "in current token"])


def _graph_report(profile: Profile, app_only: bool, account: Any) -> tuple[TokenReport | None, str | None]:
    """The profile's current Graph token, inspected; or why there is none."""
    from grooper_nb.auth import flows
    from grooper_nb.tokens import inspect_token

    scopes = [f"{profile.cloud.graph_url}/.default"]
    try:
        if app_only:
            result = flows.client_credentials(profile, scopes)
        else:
            result = flows.silent(profile, scopes, account=account)
    except Exception as exc:  # noqa: BLE001 -- an explained AuthError: part of the verdict
        return None, f"No Graph token: {exc}"
    return inspect_token(result, profile), None


def _graph_holds(report: TokenReport | None, app_only: bool, shared: bool) -> tuple[bool, str | None]:
    if report is None:
        return False, None
    target = "graph_mail_app" if app_only else "graph_mail_delegated"
    verdict = report.verdict(target)
    held = set((report.roles if app_only else report.scopes) or ())
    if not verdict.ok:
        return False, f"The current Graph token fails {target}: {', '.join(verdict.codes)}."
    if not app_only and shared and not held & set(SHARED_SCOPES):
        return False, "The current Graph token has no Mail.Read.Shared: it opens only the user's own mailbox."
    return True, None


# -- parity ------------------------------------------------------------------------------------------
def _listing(
    profile: Profile, mailbox: str, via: str, account: Any, since, until
) -> tuple[pd.DataFrame, ...]:
    from grooper_nb.exchange.client import Exchange

    mail = Exchange(profile, mailbox, via, account=account)
    folders = mail.folders()
    messages = mail.messages(since=since, until=until, progress=False)
    return folders, messages


def parity_tables(
    ews_folders: pd.DataFrame,
    ews_messages: pd.DataFrame,
    graph_folders: pd.DataFrame,
    graph_messages: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(messages per folder through each API with the difference, messages one side lacks by the key)."""
    paths = sorted(set(ews_folders["path"].dropna()) | set(graph_folders["path"].dropna()))
    ews = ews_messages.groupby("folder_path").size()
    graph = graph_messages.groupby("folder_path").size()
    per_folder = pd.DataFrame({"folder_path": paths})
    per_folder["ews"] = per_folder["folder_path"].map(ews).fillna(0).astype("Int64")
    per_folder["graph"] = per_folder["folder_path"].map(graph).fillna(0).astype("Int64")
    per_folder["difference"] = per_folder["ews"] - per_folder["graph"]
    key = list(MESSAGE_KEY)
    both = ews_messages[[*key, "subject"]].merge(
        graph_messages[[*key, "subject"]], on=key, how="outer", indicator=True, suffixes=("_ews", "_graph")
    )
    one_side = both[both["_merge"] != "both"].copy()
    one_side["only_in"] = one_side["_merge"].map({"left_only": "ews", "right_only": "graph"}).astype("string")
    one_side["subject"] = one_side["subject_ews"].fillna(one_side["subject_graph"])
    missing = one_side[["only_in", *key, "subject"]].reset_index(drop=True)
    return per_folder, missing


_API = {"ews": "EWS", "graph": "Graph"}


def _short(exc: Exception) -> str:
    """An explained error in a few words (its code and status); the whole error is in ``r.errors``."""
    code, status = getattr(exc, "error", None), getattr(exc, "status", None)
    if code:
        return f"{code} (HTTP {status})" if status else str(code)
    text = str(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _parity(r: Readiness, profile: Profile, account: Any, since, until) -> None:
    """Fill ``r.parity`` and ``r.missing``, or ``r.parity_skipped`` with the reason."""
    if not r.ews.ok:
        r.parity_skipped = f"EWS does not answer ({r.ews.state}): nothing to compare Graph with"
        return
    listings = {}
    for via in ("ews", "graph"):
        try:
            listings[via] = _listing(profile, r.mailbox, via, account, since, until)
        except Exception as exc:  # noqa: BLE001 -- an explained GraphError/EwsError: part of the verdict
            r.errors[via] = exc
            r.parity_skipped = f"the {_API[via]} listing failed: {_short(exc)}"
            return
    r.parity, r.missing = parity_tables(*listings["ews"], *listings["graph"])


# -- the entry point ---------------------------------------------------------------------------------
def ews_readiness(
    profile: Profile,
    mailbox: str,
    *,
    account: Any = None,
    since: datetime | None = None,
    until: datetime | None = None,
    parity: bool = True,
    today: date | None = None,
) -> Readiness:
    """Whether ``mailbox`` can move from EWS to Graph mail for this app: EWS's state, parity of the two
    listings (messages received in [``since``, ``until``) when given; ``parity=False`` skips it), the
    Graph permissions needed and held, and what to do before 2027-04-01 (counted from ``today``).
    Delegated with ``account`` (a sign-in result), else app-only when the profile has a credential."""
    from grooper_nb.exchange.ews.status import ews_status

    status = ews_status(profile, mailbox, account=account)
    app_only = status.app_only
    shared = not app_only and _is_other_mailbox(account, status.mailbox)
    report, problem = _graph_report(profile, app_only, account)
    ready, why = _graph_holds(report, app_only, shared)
    r = Readiness(
        mailbox=status.mailbox,
        app_only=app_only,
        client_id=str(profile.client_id),
        today=today or date.today(),
        ews=status,
        permissions=permission_table(app_only, shared, report),
        graph_ready=ready,
        graph_problem=problem or why,
    )
    if status.error is not None:
        r.errors["ews_status"] = status.error
    if parity:
        _parity(r, profile, account, since, until)
    else:
        r.parity_skipped = "not asked (parity=False)"
    return r


def _is_other_mailbox(account: Any, mailbox: str) -> bool:
    """True unless the signed-in account is the mailbox's owner (then Mail.Read suffices)."""
    data = getattr(account, "account", account)
    username = data.get("username") if isinstance(data, Mapping) else None
    return not username or username.strip().lower() != mailbox.strip().lower()
