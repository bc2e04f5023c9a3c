"""Exchange Web Services, spoken directly: SOAP 1.1 over the profile's HTTP session, one module per
operation (as exchangelib has one per service), so a notebook sees the exact ``ResponseCode``,
``x-ms-diagnostics`` and ``request-id`` Grooper would meet.

:class:`EwsBackend` is the backend ``Exchange(profile, mailbox, via="ews")`` plugs in; :func:`ews_status`
says whether EWS is usable for the app and mailbox at all.
"""

from grooper_nb.exchange.ews.backend import EwsBackend
from grooper_nb.exchange.ews.status import EwsStatus, ews_status

__all__ = ["EwsBackend", "EwsStatus", "ews_status"]
