"""The one leak scan every secret-discipline test uses: what counts as secret, and where it must not show.

What counts as secret: every password, client secret and expired secret the sandbox seeded (plus
40-character pieces of the seeded private keys), and every value a test or a notebook kernel was issued
(tokens, PKCE verifiers, device codes). Where it must not show: any text the test collected (reprs,
HTML, logs, exception messages) and an executed notebook's outputs and widget state.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

import ipywidgets

from grooper_nb._redact import JWT_RE, Secret

__all__ = [
    "JWT_RE",
    "MIN_LEN",
    "displays",
    "leaked",
    "sandbox_secrets",
    "scan",
    "tokens_of",
    "widget_states",
]

MIN_LEN = 8  # shorter values could match ordinary text by chance


def sandbox_secrets(sandbox: dict) -> set[str]:
    """Passwords, client secrets, expired secrets, and 40-char pieces of every seeded private key."""
    found = {u["password"] for u in sandbox["users"] if u.get("password")}
    for app in sandbox["apps"]:
        found |= {app[k] for k in ("client_secret", "expired_client_secret") if app.get(k)}
        if app.get("private_key_pem"):
            pem = Path(app["private_key_pem"]).read_text()
            body = "".join(line for line in pem.splitlines() if not line.startswith("-----"))
            found |= {body[i : i + 40] for i in range(0, len(body) - 40, 40)}
    return found


def leaked(issued: Iterable[str], haystack: str) -> list[str]:
    """The issued values found in ``haystack``, masked for the failure message."""
    hits = sorted({v for v in issued if v and len(v) >= MIN_LEN and v in haystack})
    return [repr(Secret(v, label="leaked")) for v in hits]


def tokens_of(result) -> set[str]:
    """The raw access, refresh and ID tokens of a ``TokenResult``."""
    return {s.reveal() for s in (result.access_token, result.refresh_token, result.id_token) if s}


def displays(obj) -> list[str]:
    """Every way a notebook or a log shows an object."""
    out = [repr(obj), str(obj)]
    for attr in ("_repr_html_", "summary", "to_dict", "accounts"):
        fn = getattr(obj, attr, None)
        if callable(fn):
            out.append(repr(fn()))
    if isinstance(obj, BaseException):
        out += [str(a) for a in obj.args]
    return out


def widget_states(widget) -> list[str]:
    """The state a frontend (or a saved notebook) gets for ``widget`` and all its descendants."""
    out = [json.dumps(widget.get_state(), default=str)]
    for child in getattr(widget, "children", ()):
        if isinstance(child, ipywidgets.Widget):
            out += widget_states(child)
    return out


def scan(nb, issued: set[str]) -> list[str]:
    """What an executed notebook shows that it must not: JWT-looking strings and issued values, in its
    outputs and its metadata (where the widget state is kept)."""
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    shown = json.dumps(outputs) + json.dumps(nb.metadata, default=str)
    return [f"JWT-looking string {m[:12]}…" for m in JWT_RE.findall(shown)] + leaked(issued, shown)
