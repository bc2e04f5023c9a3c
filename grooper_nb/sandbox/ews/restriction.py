"""A FindItem ``Restriction`` read into the mail store's query: comparisons of ``item:DateTimeReceived``.

https://learn.microsoft.com/exchange/client-developer/web-service-reference/restriction: a search
expression of ``And``, ``IsEqualTo``, ``IsGreaterThan``, ``IsGreaterThanOrEqualTo``, ``IsLessThan`` and
``IsLessThanOrEqualTo`` (each a ``FieldURI`` and a ``FieldURIOrConstant/Constant Value``). The sandbox
evaluates exactly that subset on the received time, the one a client pages a date range with; anything
else (``Or``, ``Not``, ``Contains``, another property) is ``ErrorInvalidRestriction``, because a page that
silently ignored part of a search would be wrong without saying so.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from .soap import TNS, EwsError

__all__ = ["restriction_where"]

_OPS = {
    "IsEqualTo": "eq",
    "IsGreaterThan": "gt",
    "IsGreaterThanOrEqualTo": "ge",
    "IsLessThan": "lt",
    "IsLessThanOrEqualTo": "le",
}
_FIELDS = {"item:DateTimeReceived": "receivedDateTime"}


def _invalid(why: str) -> EwsError:
    return EwsError("ErrorInvalidRestriction", f"The restriction is not supported by the sandbox: {why}.")


def _instant(value: str | None) -> str:
    """An xs:dateTime constant as the store writes times (UTC, whole seconds, ``Z``)."""
    try:
        moment = dt.datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        raise EwsError("ErrorInvalidValueForProperty", f"'{value}' is not a date and time.") from None
    if moment.tzinfo is None:  # EWS reads a time without a zone in the request's time zone: UTC here
        moment = moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _comparison(elem: ET.Element, op: str) -> tuple[str, str, Any]:
    uri = elem.find(f"{{{TNS}}}FieldURI")
    field = _FIELDS.get(uri.get("FieldURI") or "") if uri is not None else None
    constant = elem.find(f"{{{TNS}}}FieldURIOrConstant/{{{TNS}}}Constant")
    if field is None or constant is None:
        raise _invalid("only item:DateTimeReceived compared with a constant is evaluated")
    return field, op, _instant(constant.get("Value"))


def _clauses(elem: ET.Element) -> list[tuple[str, str, Any]]:
    name = elem.tag.rpartition("}")[2]
    if name == "And":
        return [clause for child in elem for clause in _clauses(child)]
    if name in _OPS:
        return [_comparison(elem, _OPS[name])]
    raise _invalid(f"{name} is not evaluated")


def restriction_where(restriction: ET.Element | None) -> list[tuple[str, str, Any]]:
    """The store's ``where`` clauses for an ``m:Restriction`` (none when there is no restriction)."""
    if restriction is None:
        return []
    return [clause for child in restriction for clause in _clauses(child)]
