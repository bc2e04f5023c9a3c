"""Exchange mailboxes into DataFrames, through Graph mail or EWS, in one schema (:mod:`.schema`)."""

from grooper_nb.exchange.schema import ATTACHMENTS, FOLDERS, MESSAGES, describe

__all__ = ["ATTACHMENTS", "FOLDERS", "MESSAGES", "describe"]
