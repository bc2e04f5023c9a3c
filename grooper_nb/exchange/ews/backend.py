"""The EWS backend of :class:`~grooper_nb.exchange.Exchange`: one mailbox through Exchange Web Services.

It implements :class:`~grooper_nb.exchange.backend.Backend` with the operation modules of this package:

* :meth:`EwsBackend.folders`: ``FindFolder`` ``Deep`` from ``msgfolderroot`` (:mod:`.find_folder`), the mail
  folders only (``FolderClass`` ``IPF.Note`` and its subclasses: Graph's ``mailFolders`` are those too),
  paths built from the parents, and ``well_known_name`` from one ``GetFolder`` asking for every
  distinguished id Graph also names (:data:`WELL_KNOWN`);
* :meth:`EwsBackend.message_pages`: ``FindItem`` pages of 1000 (:mod:`.find_item`) for the columns it can
  give, then ``GetItem`` in batches of 100 (:mod:`.get_item`) for recipients, sender and From addresses,
  categories and the attachment count; the resume token is the paging offset, counted in the view of
  the same ``since``/``until`` (resume with the same range);
* :meth:`EwsBackend.attachments` (``GetItem`` ``item:Attachments``) and :meth:`EwsBackend.download`
  (``GetAttachment``).

**The Archive folder.** Graph names the mailbox's Archive folder (Outlook's one-click archive) with the
well-known name ``archive`` (https://learn.microsoft.com/graph/api/resources/mailfolder); EWS has no
``DistinguishedFolderId`` for it (its ``archive*`` ids name the separate *archive mailbox*,
https://learn.microsoft.com/exchange/client-developer/web-service-reference/distinguishedfolderid).
So that both listings agree, a top-level mail folder named "Archive" that no distinguished id claimed is
reported with ``well_known_name`` ``archive``. This matches by display name, which Outlook localises: in
a mailbox whose Archive folder is called otherwise (Archiv, Archives, ...) EWS leaves the name missing
where Graph says ``archive``; the path still matches.

A delegated backend (a user's ``EWS.AccessAsUser.All`` token) names the mailbox in its folder ids and
reaches its user's own mailbox and those it has Full Access to; an app-only backend (``full_access_as_app``)
impersonates the mailbox (:mod:`.soap`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..backend import MessagePage
from .find_folder import find_folders
from .find_item import find_item_page, received_between
from .get_attachment import get_attachment
from .get_folder import get_folders
from .get_item import get_items
from .records import attachment_record, detail_fields, folder_class, folder_record, message_record
from .soap import SoapClient, children, distinguished_xml, folder_id_xml, t
from .tokens import token_provider

if TYPE_CHECKING:  # pragma: no cover
    from grooper_nb.auth.result import TokenResult
    from grooper_nb.profile import Profile

__all__ = ["WELL_KNOWN", "EwsBackend"]

Record = dict[str, Any]

# DistinguishedFolderIds that are mail folders and that Graph also names as well-known folders
# (https://learn.microsoft.com/graph/api/resources/mailfolder, "Use well-known folder names").
WELL_KNOWN = (
    "inbox",
    "sentitems",
    "deleteditems",
    "drafts",
    "junkemail",
    "outbox",
    "conversationhistory",
    "scheduled",
    "syncissues",
    "conflicts",
    "localfailures",
    "serverfailures",
)
ARCHIVE_NAME = "Archive"


def is_mail_folder(klass: str) -> bool:
    """``IPF.Note`` or a subclass of it (``IPF.Note.OutlookHomepage``)."""
    return klass == "IPF.Note" or klass.startswith("IPF.Note.")


def _paths(records: list[Record], top_id: str | None) -> None:
    """Fill ``path``: display names from the top of the mailbox, joined with '/'."""
    by_id = {r["id"]: r for r in records}

    def path(record: Record) -> str:
        if "path" not in record:
            parent = by_id.get(record["parent_id"])
            if parent is None or record["parent_id"] == top_id:
                record["path"] = record["display_name"] or ""
            else:
                record["path"] = f"{path(parent)}/{record['display_name']}"
        return record["path"]

    for record in records:
        path(record)


class EwsBackend:
    """One mailbox through EWS: ``EwsBackend(profile, "invoices@contoso.com", account=result)``.

    ``account``: the signed-in user whose cached token is used (delegated). Without it, a profile with a
    client secret or certificate calls as the app and impersonates ``mailbox``. ``get_token(force_refresh)
    -> str`` replaces both (then say ``app_only=True`` for an app-only token).
    """

    source = "ews"

    def __init__(
        self,
        profile: Profile,
        mailbox: str,
        *,
        account: TokenResult | Mapping[str, Any] | None = None,
        get_token: Callable[[bool], str] | None = None,
        app_only: bool | None = None,
    ) -> None:
        if not mailbox or "@" not in mailbox:
            raise ValueError(f"mailbox must be an SMTP address (name@domain), got {mailbox!r}.")
        self.profile = profile
        self.mailbox = mailbox.strip().lower()
        if app_only is None:
            app_only = account is None and get_token is None and profile.credential is not None
        self.app_only = app_only
        get_token = get_token or token_provider(profile, app_only=app_only, account=account)
        self.client = SoapClient(
            profile.session,
            profile.cloud.exchange_url,
            get_token,
            impersonate=self.mailbox if app_only else None,
            anchor=self.mailbox,
        )

    # -- folders -------------------------------------------------------------------------------------
    def distinguished(self, name: str) -> str:
        """``t:DistinguishedFolderId`` of this mailbox (naming the mailbox for a delegated caller)."""
        return distinguished_xml(name, None if self.app_only else self.mailbox)

    def _well_known(self) -> tuple[str | None, dict[str, str]]:
        """``(msgfolderroot's id, {folder id: well-known name})`` from one GetFolder."""
        names = ("msgfolderroot", *WELL_KNOWN)
        found = get_folders(self.client, [self.distinguished(n) for n in names])
        ids = {name: _folder_id(f) for name, f in zip(names, found, strict=False) if f is not None}
        top = ids.pop("msgfolderroot", None)
        return top, {folder_id: name for name, folder_id in ids.items() if folder_id}

    def folders(self) -> list[Record]:
        top, well_known = self._well_known()
        found = find_folders(self.client, self.distinguished("msgfolderroot"))
        everything = [{"mailbox": self.mailbox, **folder_record(f)} for f in found]
        _paths(everything, top)  # over every folder: a mail folder may sit under one that is not
        records = [r for r, f in zip(everything, found, strict=True) if is_mail_folder(folder_class(f))]
        for record in records:
            record["well_known_name"] = well_known.get(record["id"])
        _name_archive(records, top)
        return records

    # -- messages ------------------------------------------------------------------------------------
    def message_pages(
        self,
        folder: Mapping[str, Any],
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        resume: str | None = None,
    ) -> Iterator[MessagePage]:
        offset = _offset(resume)
        restriction = received_between(since, until)
        parent = folder_id_xml(folder["id"])
        while True:
            page = find_item_page(self.client, parent, offset, restriction)
            records = self._complete(page.items, folder)
            resume = None if page.last else str(page.next_offset)
            yield MessagePage(records, resume, page.total)
            if resume is None:
                return
            offset = page.next_offset

    def _complete(self, items: list, folder: Mapping[str, Any]) -> list[Record]:
        """FindItem's records with GetItem's columns added (a message deleted in between is dropped)."""
        records = [message_record(item) for item in items]
        details = get_items(self.client, [r["id"] for r in records])
        out = []
        for record in records:
            if record["id"] not in details:
                continue
            extra = {"mailbox": self.mailbox, "folder_path": folder.get("path")}
            out.append({**extra, **record, **detail_fields(details[record["id"]])})
        return out

    # -- attachments -------------------------------------------------------------------------------
    def attachments(self, message: Mapping[str, Any]) -> list[Record]:
        items = get_items(self.client, [message["id"]], ("item:Attachments",), missing_ok=False)
        item = items.get(message["id"])
        owner = {"mailbox": self.mailbox, **message}
        return [attachment_record(a, owner) for a in children(item, "Attachments")]

    def download(self, message: Mapping[str, Any], attachment: Mapping[str, Any]) -> bytes:
        if attachment.get("kind") not in (None, "file"):
            raise ValueError(
                f"Attachment {attachment.get('name')!r} is a {attachment.get('kind')} attachment: only file "
                "attachments have bytes to download."
            )
        return get_attachment(self.client, attachment["attachment_id"])

    def __repr__(self) -> str:
        mode = "app-only" if self.app_only else "delegated"
        return f"EwsBackend({self.mailbox!r}, {mode})"


def _folder_id(elem: Any) -> str | None:
    found = elem.find(t("FolderId"))
    return found.get("Id") if found is not None else None


def _name_archive(records: list[Record], top: str | None) -> None:
    """The top-level folder named "Archive" is Graph's ``archive`` (see the module's docstring)."""
    taken = {r["well_known_name"] for r in records}
    if "archive" in taken:
        return
    for record in records:
        if (
            record["parent_id"] == top
            and record["display_name"] == ARCHIVE_NAME
            and not record["well_known_name"]
        ):
            record["well_known_name"] = "archive"
            return


def _offset(resume: str | None) -> int:
    """The paging offset a resume token holds."""
    if resume is None or resume == "":
        return 0
    if not str(resume).isdigit():
        raise ValueError(
            f"resume={resume!r} is not an EWS resume token: pass the MessagePage.resume an EWS listing gave "
            "(a paging offset such as '1000'), or None to start at the first page."
        )
    return int(resume)
