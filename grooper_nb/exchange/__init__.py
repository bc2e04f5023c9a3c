"""Exchange mailboxes into DataFrames, through Graph mail or EWS, in one schema (:mod:`.schema`).

:class:`Exchange` (:mod:`.client`) is the front end; :func:`export_messages` and :func:`read_export`
(:mod:`.export`) a resumable export; :func:`ews_readiness` (:mod:`.readiness`) whether a mailbox can
move from EWS to Graph; :class:`GraphBackend` (:mod:`.graph`) the Graph mail backend. They
are imported on first use, so ``import grooper_nb.exchange`` stays light. See docs/exchange.md.
"""

from __future__ import annotations

import importlib
from typing import Any

from grooper_nb.exchange.schema import ATTACHMENTS, FOLDERS, MESSAGES, describe

_LAZY = {
    "Exchange": "grooper_nb.exchange.client",
    "IncompleteListing": "grooper_nb.exchange.client",
    "ExportSummary": "grooper_nb.exchange.export",
    "export_messages": "grooper_nb.exchange.export",
    "read_export": "grooper_nb.exchange.export",
    "GraphBackend": "grooper_nb.exchange.graph",
    "EwsBackend": "grooper_nb.exchange.ews",
    "ews_status": "grooper_nb.exchange.ews",
    "Readiness": "grooper_nb.exchange.readiness",
    "ews_readiness": "grooper_nb.exchange.readiness",
}

__all__ = ["ATTACHMENTS", "FOLDERS", "MESSAGES", "describe", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'grooper_nb.exchange' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
