"""grooper-nb: the integrator's workbench for Grooper + Microsoft 365 (Entra ID OAuth).

Notebook-facing API (imported lazily, so ``import grooper_nb`` starts nothing, reads no secret and
touches no network)::

    from grooper_nb import connect
    profile = connect()            # no tenant configured -> the embedded sandbox tenant
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> module that defines it
_EXPORTS: dict[str, str] = {
    "get_cloud": "grooper_nb.clouds",
    "Secret": "grooper_nb._redact",
    "inspect_token": "grooper_nb.tokens",
    "compare_tokens": "grooper_nb.tokens",
    "TokenInspector": "grooper_nb.widgets.token_inspector",
    # profiles and sign-in
    "connect": "grooper_nb.profile",
    "Profile": "grooper_nb.profile",
    "AuthError": "grooper_nb.errors.aadsts",
    "TokenResult": "grooper_nb.auth.result",
    "admin_consent_url": "grooper_nb.auth.flows",
    "auth_code_interactive": "grooper_nb.auth.flows",
    "auth_code_start": "grooper_nb.auth.flows",
    "client_credentials": "grooper_nb.auth.flows",
    "device_code": "grooper_nb.auth.flows",
    "on_behalf_of": "grooper_nb.auth.flows",
    "ropc": "grooper_nb.auth.flows",
    "silent": "grooper_nb.auth.flows",
    "LoginPanel": "grooper_nb.widgets.login_panel",
    # connection types and explained errors
    "CONNECTIONS": "grooper_nb.connections",
    "Connection": "grooper_nb.connections",
    "ExplainedError": "grooper_nb.errors",
    "explain_error": "grooper_nb.errors",
    # registering (or auditing) Grooper's Entra ID app
    "RegistrationPlan": "grooper_nb.registration",
    "registration_plan": "grooper_nb.registration",
    "registration_requirements": "grooper_nb.registration",
    # Exchange mailboxes into DataFrames (Graph mail or EWS)
    "Exchange": "grooper_nb.exchange.client",
    "export_messages": "grooper_nb.exchange.export",
    "read_export": "grooper_nb.exchange.export",
    "ews_readiness": "grooper_nb.exchange.readiness",
    # SharePoint and OneDrive documents and lists (Graph or SharePoint REST)
    "SharePoint": "grooper_nb.sharepoint",
    "OneDrive": "grooper_nb.sharepoint",
    "access_check": "grooper_nb.sharepoint",
    # runbooks: what notebook cells call
    "JWT_RE": "grooper_nb._redact",
    "CheckFailed": "grooper_nb.runbook",
    "app_profile": "grooper_nb.runbook",
    "check": "grooper_nb.runbook",
    "outcome_table": "grooper_nb.runbook",
    "token_table": "grooper_nb.runbook",
    "verdict_matrix": "grooper_nb.tokens.matrix",
    "app_credentials": "grooper_nb.runbook",
    "wrapped": "grooper_nb.runbook",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grooper_nb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
