"""The one schema of a mailbox as DataFrames, whichever API filled it (Graph mail or EWS).

Three tables: folders, messages and attachments. Every column is declared once here, with its type, the
Graph property and the EWS element it comes from, and what it means. :func:`frame` turns records (plain
dicts, as a backend yields them) into a DataFrame with exactly these columns in this order and these
dtypes, so a Graph listing and an EWS listing of one mailbox compare with ``DataFrame.equals`` once the
columns each API encodes its own way (:data:`PER_API`: ids and ``source``) are dropped, which
:func:`comparable` does.

Decided once, for both APIs:

* **Time** is timezone-aware UTC, truncated to whole seconds. Graph sends UTC
  (https://learn.microsoft.com/graph/api/resources/message); EWS always carries a zone, which is
  converted (https://learn.microsoft.com/exchange/client-developer/exchange-web-services/time-zones-and-ews-in-exchange),
  and may send milliseconds (``DateTimePrecision``), which are dropped.
* **Addresses** are lower-cased; ``importance`` is lower-case (``low``/``normal``/``high``);
  ``categories`` and recipient lists are sorted tuples of strings (empty tuple when there are none).
* **Ids** are each API's own (``id`` with ``source``); they are never compared across APIs. The key
  of "the same message" is (``mailbox``, ``folder_path``, ``internet_message_id``, ``received``):
  ``internetMessageId`` is set when the message is sent and does not depend on the API.
* **Sizes**: ``size_bytes`` is Exchange's message size (MAPI ``PidTagMessageSize``, EWS ``item:Size``,
  Graph's extended property ``Integer 0x0E08``), the sum of the message's property sizes, not the
  length of its MIME form
  (https://learn.microsoft.com/office/client-developer/outlook/mapi/pidtagmessagesize-canonical-property).
* **Folder paths** are display names joined with ``/`` from the top of the mailbox
  (``msgfolderroot``): ``Inbox/Vendors/Acme``. Display names are localised, so a path is for people;
  ``well_known_name`` is the stable handle where there is one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from grooper_nb.tables import build, utc
from grooper_nb.tables import describe as describe_columns

__all__ = [
    "ATTACHMENTS",
    "FOLDERS",
    "MESSAGES",
    "MESSAGE_KEY",
    "PER_API",
    "Column",
    "addresses",
    "comparable",
    "describe",
    "empty",
    "frame",
    "utc",
]


@dataclass(frozen=True)
class Column:
    """One column: its name, pandas dtype, where Graph and EWS keep it, and what it means."""

    name: str
    dtype: str  # "string", "datetime", "Int64", "boolean", "tuple"
    graph: str
    ews: str
    meaning: str


# fmt: off
FOLDERS: tuple[Column, ...] = (
    Column("mailbox", "string", "(the mailbox asked for)", "(the mailbox asked for)",
           "SMTP address of the mailbox, lower-case."),
    Column("source", "string", "'graph'", "'ews'", "Which API filled the row."),
    Column("id", "string", "id", "folder:FolderId/@Id", "The folder's id in that API's encoding."),
    Column("parent_id", "string", "parentFolderId", "folder:ParentFolderId/@Id",
           "The parent folder's id (the mailbox root for a top-level folder)."),
    Column("display_name", "string", "displayName", "folder:DisplayName", "The name Outlook shows."),
    Column("path", "string", "(built from parents)", "(built from parents)",
           "Display names from the top of the mailbox, joined with '/'."),
    Column("well_known_name", "string", "(GET /mailFolders/{name})", "DistinguishedFolderId",
           "inbox, sentitems, archive, deleteditems, drafts, ... or missing."),
    Column("total_count", "Int64", "totalItemCount", "folder:TotalCount", "Items in the folder."),
    Column("unread_count", "Int64", "unreadItemCount", "folder:UnreadCount", "Unread items."),
    Column("child_folder_count", "Int64", "childFolderCount", "folder:ChildFolderCount",
           "Direct subfolders."),
)

MESSAGES: tuple[Column, ...] = (
    Column("mailbox", "string", "(the mailbox asked for)", "(the mailbox asked for)",
           "SMTP address of the mailbox, lower-case."),
    Column("source", "string", "'graph'", "'ews'", "Which API filled the row."),
    Column("id", "string", "id", "item:ItemId/@Id", "The message's id in that API's encoding."),
    Column("change_key", "string", "changeKey", "item:ItemId/@ChangeKey", "Changes on every edit."),
    Column("folder_id", "string", "parentFolderId", "item:ParentFolderId/@Id",
           "The folder's id in that API's encoding."),
    Column("folder_path", "string", "(folders table)", "(folders table)", "The folder's path."),
    Column("internet_message_id", "string", "internetMessageId", "message:InternetMessageId",
           "The Message-ID header, byte-exact: the key across APIs."),
    Column("conversation_id", "string", "conversationId", "item:ConversationId/@Id",
           "The conversation (thread) id in that API's encoding."),
    Column("subject", "string", "subject", "item:Subject", "Subject line."),
    Column("sender_address", "string", "sender/emailAddress/address", "message:Sender (GetItem)",
           "Who sent it (a delegate may send for the mailbox owner), lower-case."),
    Column("sender_name", "string", "sender/emailAddress/name", "message:Sender", "Sender's name."),
    Column("from_address", "string", "from/emailAddress/address", "message:From (GetItem)",
           "The mailbox the message is from, lower-case."),
    Column("from_name", "string", "from/emailAddress/name", "message:From", "From's name."),
    Column("to", "tuple", "toRecipients", "message:ToRecipients (GetItem)",
           "To addresses, lower-case, sorted."),
    Column("cc", "tuple", "ccRecipients", "message:CcRecipients (GetItem)",
           "Cc addresses, lower-case, sorted."),
    Column("bcc", "tuple", "bccRecipients", "message:BccRecipients (GetItem)",
           "Bcc addresses (only on the sender's copy), lower-case, sorted."),
    Column("received", "datetime", "receivedDateTime", "item:DateTimeReceived", "UTC, whole seconds."),
    Column("sent", "datetime", "sentDateTime", "item:DateTimeSent", "UTC, whole seconds."),
    Column("created", "datetime", "createdDateTime", "item:DateTimeCreated", "UTC, whole seconds."),
    Column("last_modified", "datetime", "lastModifiedDateTime", "item:LastModifiedTime",
           "UTC, whole seconds."),
    Column("size_bytes", "Int64", "singleValueExtendedProperties 'Integer 0x0E08'", "item:Size",
           "Exchange's message size (PidTagMessageSize)."),
    Column("has_attachments", "boolean", "hasAttachments", "item:HasAttachments",
           "True when it has a non-inline attachment."),
    Column("attachment_count", "Int64", "attachments (expanded: id, isInline)", "item:Attachments (GetItem)",
           "Attachments of every kind, inline ones included."),
    Column("is_read", "boolean", "isRead", "message:IsRead", "Read or not."),
    Column("is_draft", "boolean", "isDraft", "item:IsDraft", "A draft, never sent."),
    Column("importance", "string", "importance", "item:Importance", "low, normal or high."),
    Column("categories", "tuple", "categories", "item:Categories (GetItem)", "Outlook categories, sorted."),
)

ATTACHMENTS: tuple[Column, ...] = (
    Column("mailbox", "string", "(the mailbox asked for)", "(the mailbox asked for)",
           "SMTP address of the mailbox, lower-case."),
    Column("source", "string", "'graph'", "'ews'", "Which API filled the row."),
    Column("message_id", "string", "(the message's id)", "AttachmentId/@RootItemId",
           "The message's id in that API's encoding."),
    Column("internet_message_id", "string", "(the message's)", "(the message's)",
           "The message's Message-ID: the key across APIs."),
    Column("attachment_id", "string", "id", "AttachmentId/@Id", "Its id in that API's encoding."),
    Column("kind", "string", "@odata.type", "(element name)", "file, item or reference."),
    Column("name", "string", "name", "Name", "File name."),
    Column("content_type", "string", "contentType", "ContentType", "MIME type (none on item attachments)."),
    Column("size_bytes", "Int64", "size", "Size", "Size in bytes."),
    Column("is_inline", "boolean", "isInline", "IsInline", "Shown in the body (a signature logo, ...)."),
    Column("content_id", "string", "contentId", "ContentId", "The cid: an inline attachment is referred by."),
    Column("last_modified", "datetime", "lastModifiedDateTime", "LastModifiedTime", "UTC, whole seconds."),
)
# fmt: on

MESSAGE_KEY = ("mailbox", "folder_path", "internet_message_id", "received")
TABLES = {"folders": FOLDERS, "messages": MESSAGES, "attachments": ATTACHMENTS}

# The columns each API fills in its own encoding (ids, which API): never compared across APIs. Every
# other column holds the same value whichever API filled the row.
PER_API: dict[str, frozenset[str]] = {
    "folders": frozenset({"source", "id", "parent_id"}),
    "messages": frozenset({"source", "id", "change_key", "folder_id", "conversation_id"}),
    "attachments": frozenset({"source", "message_id", "attachment_id"}),
}
# How comparable() orders rows: a key that names one row (attachments: a message's attachments by name,
# then by what tells two files of one name apart).
_ORDER = {
    "folders": ("mailbox", "path"),
    "messages": MESSAGE_KEY,
    "attachments": ("mailbox", "internet_message_id", "name", "size_bytes", "content_id", "is_inline"),
}


def addresses(values: Iterable[str | None] | None) -> tuple[str, ...]:
    """Addresses lower-cased and sorted, empty ones dropped."""
    return tuple(sorted(v.strip().lower() for v in values or () if v and v.strip()))


def frame(records: Iterable[Mapping[str, Any]], table: str) -> pd.DataFrame:
    """Records (dicts keyed by column name) as the DataFrame of ``table`` ("folders", "messages",
    "attachments"): exactly its columns, in order, with its dtypes. A key a record lacks is missing
    (``<NA>``); a key the schema does not know is an error, so a typo cannot silently drop a column."""
    return build(records, TABLES[table], table)


def empty(table: str) -> pd.DataFrame:
    """The table with no rows, with its columns and dtypes."""
    return frame([], table)


def comparable(df: pd.DataFrame, table: str) -> pd.DataFrame:
    """``df`` (a table of this schema) without its :data:`PER_API` columns, rows in a fixed order and a
    fresh index: a Graph listing and an EWS listing of one mailbox are then ``DataFrame.equals``."""
    if table not in TABLES:
        raise KeyError(f"No table {table!r}: one of {', '.join(TABLES)}.")
    kept = [c.name for c in TABLES[table] if c.name not in PER_API[table]]
    missing = set(kept) - set(df.columns)
    if missing:
        raise KeyError(f"Not a {table} table of this schema: it lacks {', '.join(sorted(missing))}.")
    out = df[kept].sort_values(list(_ORDER[table]), na_position="last", kind="stable")
    return out.reset_index(drop=True)


def describe(table: str) -> pd.DataFrame:
    """The table's columns as a DataFrame (column, type, Graph property, EWS element, meaning): the
    documentation a notebook shows."""
    return describe_columns(TABLES[table], "ews")
