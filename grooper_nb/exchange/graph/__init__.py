"""Exchange mailboxes through Microsoft Graph mail: :class:`GraphBackend` (the backend), with one
module per concern: :mod:`.api` (URLs, token, errors), :mod:`.folders` (the tree), :mod:`.records`
(Graph JSON to the schema), :mod:`.delta` (changes since the last round)."""

from grooper_nb.exchange.graph.backend import GraphBackend

__all__ = ["GraphBackend"]
