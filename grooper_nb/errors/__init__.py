"""Every Microsoft error explained: one declarative catalogue per source, one exception shape.

================  ==========================================  =========================================
source            catalogue (codes)                           exception, parser
================  ==========================================  =========================================
``aadsts``        :mod:`.aadsts` (AADSTS numbers, OAuth       :class:`~.aadsts.AuthError` (raised by
                  errors)                                     the sign-in flows)
``graph``         :mod:`.graph` (``ErrorAccessDenied``, ...)  :class:`~.graph.GraphError`,
                                                              :func:`.graph.from_response`
``ews``           :mod:`.ews` (``ResponseCode`` values)       :class:`~.ews.EwsError`,
                                                              :func:`.ews.from_response`
``sharepoint``    :mod:`.sharepoint` (REST failures)          :class:`~.sharepoint.SharePointError`,
                                                              :func:`.sharepoint.from_response`
================  ==========================================  =========================================

Each entry (:class:`~.base.Explanation`) says what the error means, its likely cause in a Grooper
setup, the fix and Microsoft's documentation page; each exception is an
:class:`~.base.ExplainedError` that keeps Microsoft's code, status and request IDs and renders as HTML::

    >>> from grooper_nb.errors import explain
    >>> explain("aadsts", 7000215).name
    'InvalidClientSecret'
    >>> explain("ews", "ErrorServerBusy").docs.startswith("https://learn.microsoft.com/")
    True
"""

from __future__ import annotations

from grooper_nb.errors import aadsts, ews, graph, sharepoint
from grooper_nb.errors.aadsts import AuthError
from grooper_nb.errors.base import ExplainedError, Explanation
from grooper_nb.errors.ews import EwsError
from grooper_nb.errors.graph import GraphError
from grooper_nb.errors.sharepoint import SharePointError

__all__ = [
    "SOURCES",
    "AuthError",
    "EwsError",
    "ExplainedError",
    "Explanation",
    "GraphError",
    "SharePointError",
    "explain",
    "explain_error",
]

SOURCES = ("aadsts", "graph", "ews", "sharepoint")


def explain(source: str, code: int | str) -> Explanation | None:
    """The catalogue entry for ``code`` from ``source`` (aadsts | graph | ews | sharepoint), or None.

    AADSTS takes a number, ``"AADSTS7000215"`` or a codeless OAuth error; the others take the code as
    Microsoft sends it (case-insensitive).
    """
    modules = {"aadsts": aadsts, "graph": graph, "ews": ews, "sharepoint": sharepoint}
    if source not in modules:
        raise ValueError(f"Unknown error source {source!r}. Use one of: {', '.join(SOURCES)}.")
    return modules[source].explain(code)


explain_error = explain  # the name ``grooper_nb`` exports it under, next to inspect_token()
