"""Keeping secrets out of outputs, logs, exceptions and ``repr``.

Two tools:

* :class:`Secret` wraps a value that must never print. ``repr``/``str``/``format`` show a mask; the value
  comes out only through :meth:`Secret.reveal`, so every place that uses a secret is greppable::

      >>> s = Secret("Xq8~secretvalue", label="client secret")
      >>> s
      Secret(client secret: 'Xq8~…' 15 chars)
      >>> f"{s}"
      '<client secret: Xq8~… 15 chars>'
      >>> s.reveal()
      'Xq8~secretvalue'

* :func:`mask` makes the display form of a token or secret (first characters and the length), and
  :func:`redact` scrubs JWT-looking strings and known secret values out of free text (error messages
  from servers can echo what was sent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["JWT_RE", "Secret", "mask", "redact", "reveal"]

# Three base64url segments, the first two starting like JSON ("eyJ" = '{"'): how a JWT/JWS looks in text.
JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_SHOWN = 4


def mask(value: str | None, shown: int = _SHOWN) -> str:
    """``'eyJ0eXAiOiJKV1Qi…'`` -> ``'eyJ0…(1234 chars)'``. Short values show nothing but their length."""
    if value is None:
        return "None"
    if len(value) <= shown * 3:
        return f"…({len(value)} chars)"
    return f"{value[:shown]}…({len(value)} chars)"


class Secret:
    """A string that refuses to be displayed. Compare, hash and ``reveal()`` it; never print it."""

    __slots__ = ("_label", "_value")

    def __init__(self, value: str, label: str = "secret") -> None:
        if isinstance(value, Secret):
            value = value.reveal()
        if not isinstance(value, str):
            raise TypeError(f"{label} must be a string, not {type(value).__name__}")
        self._value = value
        self._label = label

    def reveal(self) -> str:
        """The real value. Call it only where the value is sent to the server that needs it."""
        return self._value

    @property
    def label(self) -> str:
        return self._label

    def __len__(self) -> int:
        return len(self._value)

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return self._value == other._value
        return NotImplemented

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def _masked(self) -> str:
        return (
            f"{self._value[:_SHOWN]}… {len(self._value)} chars"
            if len(self._value) > 3 * _SHOWN
            else (f"{len(self._value)} chars")
        )

    def __repr__(self) -> str:
        shown = self._masked()
        if "…" in shown:
            head, rest = shown.split(" ", 1)
            return f"Secret({self._label}: {head!r} {rest})"
        return f"Secret({self._label}: {shown})"

    def __str__(self) -> str:
        return f"<{self._label}: {self._masked()}>"

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __reduce__(self):  # pickling would be a way to print it; refuse
        raise TypeError("Secret values are not picklable")

    # Immutable, so a copy is the same object; copying must not fall back to the refused pickling
    # (dataclasses.asdict, which pandas uses to tabulate the sandbox's users, deep-copies each field).
    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: dict) -> Secret:
        return self

    def _repr_html_(self) -> str:
        from html import escape

        return f"<code>{escape(str(self))}</code>"


def reveal(value: str | Secret | None) -> str | None:
    """The plain value of a :class:`Secret` or a plain string (``None`` stays ``None``)."""
    if isinstance(value, Secret):
        return value.reveal()
    return value


def redact(text: str, secrets: Iterable[str | Secret | None] = ()) -> str:
    """Replace JWT-looking strings and each given secret value in ``text`` with masks."""
    out = JWT_RE.sub(lambda m: f"<token {mask(m.group(0))}>", text)
    for s in secrets:
        v = reveal(s)
        if v and len(v) >= 6:
            out = out.replace(v, f"<redacted {len(v)} chars>")
    return out
