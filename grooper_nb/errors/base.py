"""The shape every explained Microsoft error shares: :class:`Explanation` and :class:`ExplainedError`.

A catalogue (one per source: :mod:`.aadsts`, :mod:`.graph`, :mod:`.ews`, :mod:`.sharepoint`) is a
tuple of small declarative :class:`Explanation` entries: what the error means (Microsoft's words), its
likely cause *in a Grooper setup*, the fix, and Microsoft's documentation page.

An :class:`ExplainedError` is what a caller catches: it keeps what Microsoft sent (the code, HTTP
status, request/trace/correlation IDs, timestamp, ``x-ms-diagnostics``, ``Retry-After``), adds the
catalogue's explanation, and renders as an HTML card in a notebook::

    try:
        ...
    except ExplainedError as err:
        err            # HTML card in Jupyter: meaning, likely cause, fix, link, IDs
        err.fix        # what to do
        err.request_id # what Microsoft support asks for

Nothing it shows contains a secret: Microsoft's message, the hints and the diagnostics go through
:func:`scrub` (JWT-shaped strings, ``Bearer`` values and ``secret=``/``password=``-style parameters are
masked) before they are stored.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar

from grooper_nb._redact import Secret, redact

__all__ = [
    "ExplainedError",
    "Explanation",
    "body_text",
    "http_facts",
    "lookup",
    "parse_xml",
    "retry_after",
    "scrub",
]

_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]{8,}=*")
_SECRET_PARAM = re.compile(
    r"(?i)\b(client_secret|password|refresh_token|access_token|client_assertion|code_verifier|assertion)"
    r"(\s*[=:]\s*\"?)[^\s&\"',;]+"
)


def scrub(text: str | None, secrets: Iterable[str | Secret | None] = ()) -> str:
    """``text`` without tokens or secrets: JWTs, ``Bearer`` values, ``secret=...`` parameters and each of
    ``secrets`` are replaced by masks."""
    out = redact(str(text or ""), secrets)
    out = _BEARER.sub(lambda m: f"{m.group(1)} <redacted>", out)
    return _SECRET_PARAM.sub(lambda m: f"{m.group(1)}{m.group(2)}<redacted>", out)


@dataclass(frozen=True)
class Explanation:
    """What an error means, why it usually happens with Grooper, and what to do.

    ``code`` is Microsoft's code (an AADSTS number, or a string such as ``ErrorAccessDenied``; None for
    codeless OAuth and local errors); ``error`` is the OAuth ``error`` an AADSTS code normally rides on
    ("" elsewhere); ``status`` the HTTP status it usually comes with; ``docs`` Microsoft's page for it.
    """

    code: int | str | None
    name: str
    error: str
    meaning: str
    cause: str  # likely cause in a Grooper setup
    fix: str
    docs: str | None = None
    status: int | None = None

    @property
    def url(self) -> str | None:
        return self.docs


@dataclass(eq=False)
class ExplainedError(Exception):
    """A failed call to a Microsoft service, explained; subclasses set ``source`` and find the entry.

    Attributes keep what Microsoft sent: ``error`` (its code, e.g. ``ErrorAccessDenied``),
    ``description`` (its message, scrubbed), ``status``, ``request_id``, ``client_request_id``,
    ``trace_id``, ``correlation_id``, ``timestamp``, ``diagnostics`` (``x-ms-diagnostics``),
    ``retry_after`` (seconds); plus local ``hints``. The explanation adds ``meaning``,
    ``grooper_cause``, ``fix`` and ``docs_url``.
    """

    source: ClassVar[str] = "microsoft"
    label: ClassVar[str] = "Microsoft"

    error: str
    description: str = ""
    status: int | None = None
    request_id: str | None = None
    client_request_id: str | None = None
    trace_id: str | None = None
    correlation_id: str | None = None
    timestamp: str | None = None
    diagnostics: str | None = None
    retry_after: float | None = None
    hints: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.description = scrub(self.description)
        self.diagnostics = scrub(self.diagnostics) if self.diagnostics else self.diagnostics
        self.hints = [scrub(h) for h in self.hints]
        super().__init__(str(self))

    # -- explanation (subclasses override lookup/explanation) ---------------------------------------
    @property
    def explanation(self) -> Explanation | None:
        return None

    @property
    def code(self) -> int | str | None:
        return self.error or None

    @property
    def meaning(self) -> str:
        e = self.explanation
        return e.meaning if e else (self._said() or self.error)

    @property
    def grooper_cause(self) -> str:
        e = self.explanation
        return e.cause if e else "Not in the catalogue; see Microsoft's message and documentation."

    @property
    def fix(self) -> str:
        e = self.explanation
        return e.fix if e else "Look the code up in Microsoft's documentation for this API."

    @property
    def docs_url(self) -> str | None:
        e = self.explanation
        return e.docs if e else None

    def _said(self) -> str:
        """Microsoft's own message, as it is worth showing."""
        return self.description.strip()

    # -- display --------------------------------------------------------------------------------------
    def _title(self) -> str:
        status = f" (HTTP {self.status})" if self.status else ""
        return f"{self.label} {self.error}{status}"

    def _prefix(self) -> str:
        return ""

    def _ids(self) -> list[tuple[str, Any]]:
        """The identifiers support asks for, as (label, value), shown when present."""
        return [
            ("request ID", self.request_id),
            ("client request ID", self.client_request_id),
            ("trace ID", self.trace_id),
            ("correlation ID", self.correlation_id),
            ("timestamp", self.timestamp),
            ("x-ms-diagnostics", self.diagnostics),
            ("retry after (s)", self.retry_after),
        ]

    def _html_ids(self) -> list[tuple[str, Any]]:
        return self._ids()

    def _link_text(self) -> str:
        return f"Microsoft's documentation for {self.error}"

    def _lead_html(self) -> str:
        """A line shown first, before the catalogue's general meaning (none by default)."""
        return ""

    def __str__(self) -> str:
        parts = [f"{self._prefix()}{self._title()}: {self.meaning}"]
        parts.append(f"Likely cause: {self.grooper_cause}")
        parts.append(f"Fix: {self.fix}")
        parts.extend(f"Hint: {h}" for h in self.hints)
        ids = [f"{k}: {v}" for k, v in self._ids() if v is not None and v != ""]
        if ids:
            parts.append("(" + ", ".join(ids) + ")")
        return "\n".join(parts)

    def __repr__(self) -> str:
        ident = self.request_id or self.correlation_id
        return f"{type(self).__name__}({self._title()!r}, id={ident!r})"

    def _css_class(self) -> str:
        return f"grooper-nb-error grooper-nb-{self.source}-error"

    def _context_html(self) -> str:
        return ""

    def _repr_html_(self) -> str:
        esc = html.escape
        url = self.docs_url
        link = (
            f' <a href="{esc(url)}" target="_blank" rel="noopener">{esc(self._link_text())}</a>'
            if url
            else ""
        )
        hints = "".join(f"<li>{esc(h)}</li>" for h in self.hints)
        ids = " · ".join(
            f"{k} <code>{esc(str(v))}</code>" for k, v in self._html_ids() if v is not None and v != ""
        )
        said = self._said()
        return (
            f'<div class="{self._css_class()}" style="border-left:4px solid #c62828;padding:6px 10px;'
            'background:#fff5f5">'
            f"<div><b>{esc(self._title())}</b>{self._context_html()}{link}</div>"
            + self._lead_html()
            + f'<div><b>Meaning:</b> <span class="meaning">{esc(self.meaning)}</span></div>'
            f'<div><b>Likely cause:</b> <span class="cause">{esc(self.grooper_cause)}</span></div>'
            f'<div><b>Fix:</b> <span class="fix">{esc(self.fix)}</span></div>'
            + (f'<ul class="hints">{hints}</ul>' if hints else "")
            + (f'<div style="color:#555"><small>Microsoft said: {esc(said)}</small></div>' if said else "")
            + (f'<div style="color:#555"><small>{ids}</small></div>' if ids else "")
            + "</div>"
        )

    def to_dict(self) -> dict[str, Any]:
        """Plain fields (for a DataFrame row or a log record); contains no secret."""
        e = self.explanation
        return {
            "source": self.source,
            "error": self.error,
            "status": self.status,
            "name": e.name if e else None,
            "meaning": self.meaning,
            "grooper_cause": self.grooper_cause,
            "fix": self.fix,
            "docs_url": self.docs_url,
            "hints": list(self.hints),
            "description": self._said(),
            "request_id": self.request_id,
            "client_request_id": self.client_request_id,
            "trace_id": self.trace_id,
            "correlation_id": self.correlation_id,
            "timestamp": self.timestamp,
            "diagnostics": self.diagnostics,
            "retry_after": self.retry_after,
        }

    def __reduce__(self):
        state = {f.name: getattr(self, f.name) for f in fields(self)}
        return (_rebuild, (type(self), state))


def _rebuild(cls: type[ExplainedError], state: dict[str, Any]) -> ExplainedError:
    return cls(**state)


def lookup(catalogue: Mapping[str, Explanation], code: str | None) -> Explanation | None:
    """A catalogue entry by code, ignoring case (services are not consistent about it)."""
    if not code:
        return None
    hit = catalogue.get(code)
    if hit is not None:
        return hit
    low = code.strip().lower()
    return next((e for k, e in catalogue.items() if k.lower() == low), None)


def retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (Microsoft sends seconds, sometimes fractional); None if absent/odd."""
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def http_facts(resp: Any) -> dict[str, Any]:
    """What every Microsoft response carries about itself, from a ``requests.Response``: the status
    and the identifying headers (``request-id``, ``client-request-id``, ``x-ms-diagnostics``,
    ``Retry-After``, ``Date``)."""
    headers = getattr(resp, "headers", None) or {}
    return {
        "status": getattr(resp, "status_code", None),
        "request_id": headers.get("request-id") or headers.get("SPRequestGuid"),
        "client_request_id": headers.get("client-request-id"),
        "diagnostics": headers.get("x-ms-diagnostics"),
        "retry_after": retry_after(headers.get("Retry-After")),
        "timestamp": headers.get("Date"),
    }


def body_text(resp: Any) -> str:
    """The response body as text ("" when there is none or it cannot be decoded)."""
    try:
        return resp.text or ""
    except (AttributeError, UnicodeDecodeError, ValueError):
        return ""


def parse_xml(text: str) -> ET.Element | None:
    """The root element of an XML reply, or None when it is not XML.

    A document type declaration is refused rather than parsed: Microsoft's replies never carry one,
    and refusing it rules out entity-expansion attacks from whoever answered instead.
    """
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        return None
    try:
        return ET.fromstring(text.encode("utf-8"))  # noqa: S314 - no DTD can reach here (checked above)
    except ET.ParseError:
        return None
