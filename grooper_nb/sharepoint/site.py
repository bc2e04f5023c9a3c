"""Where a site and a library are, whichever API found them: :class:`Site` and :class:`Library`.

Both APIs name the same things differently: Graph a site by ``"host,site-guid,web-guid"`` and a library
by its drive id (``"b!..."``); SharePoint REST by URL and list GUID. These small records keep both,
so a library listed through one API can be read or downloaded through the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote, urlsplit

__all__ = ["Library", "Site", "split_site_url"]

_MANAGED_PATHS = ("sites", "teams", "personal")


def split_site_url(url: str) -> tuple[str, str]:
    """(host, site path) of a site or library URL: the site path is ``/sites/{name}``, ``/teams/{name}``
    or ``/personal/{name}`` (SharePoint's managed paths), else ``""`` (the root site).

    >>> split_site_url("https://contoso.sharepoint.com/sites/finance/Shared Documents/A")
    ('contoso.sharepoint.com', '/sites/finance')
    """
    parts = urlsplit(url if "://" in url else f"https://{url}")
    if not parts.hostname:
        raise ValueError(
            f"{url!r} is not a SharePoint URL; pass e.g. https://contoso.sharepoint.com/sites/finance"
        )
    segments = [s for s in unquote(parts.path).split("/") if s]
    if len(segments) >= 2 and segments[0].lower() in _MANAGED_PATHS:
        return parts.hostname.lower(), f"/{segments[0]}/{segments[1]}"
    return parts.hostname.lower(), ""


@dataclass(frozen=True)
class Site:
    """A site: ``host`` and server-relative ``path`` ("" for a root site), GUIDs lower-case."""

    host: str
    path: str
    site_id: str | None = None
    web_id: str | None = None
    title: str | None = None
    created: str | None = None

    @property
    def url(self) -> str:
        return f"https://{self.host}{quote(self.path)}"

    @property
    def graph_id(self) -> str:
        """Graph's composite id, or the ``host:/path:`` form when the GUIDs are not known yet."""
        if self.site_id and self.web_id:
            return f"{self.host},{self.site_id},{self.web_id}"
        return f"{self.host}:{quote(self.path)}:" if self.path else self.host

    def record(self, source: str) -> dict:
        return {
            "source": source,
            "site_id": self.site_id,
            "web_id": self.web_id,
            "id": f"{self.host},{self.site_id},{self.web_id}" if source == "graph" else None,
            "host": self.host,
            "path": self.path,
            "title": self.title,
            "web_url": self.url,
            "created": self.created,
        }


@dataclass(frozen=True)
class Library:
    """A document library: its ``site``, ``title`` and server-relative ``root_url``; the REST ``list_id``
    and the Graph ``drive_id`` when known."""

    site: Site
    title: str
    root_url: str
    list_id: str | None = None
    drive_id: str | None = None

    @property
    def web_url(self) -> str:
        return f"https://{self.site.host}{quote(self.root_url)}"

    def record(self, source: str) -> dict:
        return {
            "source": source,
            "site_id": self.site.site_id,
            "web_id": self.site.web_id,
            "list_id": self.list_id,
            "drive_id": self.drive_id,
            "title": self.title,
            "root_url": self.root_url,
            "web_url": self.web_url,
        }
