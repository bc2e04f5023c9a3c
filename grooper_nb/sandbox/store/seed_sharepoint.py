"""The seed tenant's SharePoint Online (docs/sandbox.md, "SharePoint"): sites, libraries, lists, files.

On the tenant's host (``contoso.sharepoint.com``):

* the root site "Communication site" (path ``""``) with a small "Documents" library;
* the team site ``/sites/finance`` ("Finance"): library "Documents" (URL ``Shared Documents``) with
  nested folders (``Invoices/2024/Q4``, ``Invoices/2025/Q1`` ... ``Q4``, ``Contracts/Acme``,
  ``Contracts/Fabrikam``, ``Reports``, ``Site Photos``) and about 60 files: one-page PDF invoices,
  Word and Excel files (minimal valid OOXML packages) and PNG photos, authored and edited by directory
  users, some at version 2.0 or 3.0; a custom list "Vendors" with typed columns (text, number, dateTime,
  choice, person, lookup to the list "Regions", boolean);
* the communication site ``/sites/intranet`` ("Intranet") with a few files.

On the ``-my`` host, a OneDrive for each licensed user (every user with a mailbox), at
``/personal/<upn with . and @ as _>``, library "Documents" (URL ``Documents``) with a few files.

Randomness comes from ``random.Random(f"sharepoint/{seed}")``, a stream of its own, so every directory
and mail id stays what it was. Times are relative to the day the tenant is seeded.

``scale``: ``small`` (the above, what tests use), ``large`` (a library "Archive" on ``/sites/finance``
with :data:`LARGE` files seven folders deep) or an integer N (N files there). The archive is written with
one ``executemany`` per table in one transaction.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

from .seed_mail import VENDORS, make_pdf, make_png
from .sharepoint import LIBRARY, LIST

if TYPE_CHECKING:
    from . import Store

__all__ = ["LARGE", "archive_files", "make_docx", "make_xlsx", "onedrive_path", "seed_sharepoint"]

LARGE = 20_000
DAYS = 548  # about 18 months

PDF = "application/pdf"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

REGIONS = ["North America", "Europe", "Asia Pacific", "Latin America"]
STATUSES = ["Active", "On hold", "Retired"]
MORE_VENDORS = [
    "Contoso Pharmaceuticals",
    "Litware Inc.",
    "Proseware",
    "Wide World Importers",
    "Woodgrove Bank",
]
VENDOR_COLUMNS = [
    # (internal name, display name, type, choices)
    ("Title", "Vendor", "text", None),
    ("VendorNumber", "Vendor number", "number", None),
    ("ContractStart", "Contract start", "dateTime", None),
    ("Status", "Status", "choice", STATUSES),
    ("AccountManager", "Account manager", "person", None),
    ("Region", "Region", "lookup", None),
    ("Preferred", "Preferred", "boolean", None),
]


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _guid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def onedrive_path(upn: str) -> str:
    """A OneDrive's server-relative path: ``/personal/`` + the UPN with ``.`` and ``@`` as ``_``.

    >>> onedrive_path("megan.bowen@contoso.onmicrosoft.com")
    '/personal/megan_bowen_contoso_onmicrosoft_com'
    """
    return "/personal/" + upn.lower().replace(".", "_").replace("@", "_")


def _zip(parts: dict[str, str]) -> bytes:
    """A deterministic zip (fixed timestamps) of ``parts``: an OOXML package."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, text in parts.items():
            package.writestr(zipfile.ZipInfo(name, date_time=(2021, 3, 1, 0, 0, 0)), text)
    return out.getvalue()


_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="{target}"/></Relationships>'
)


def make_docx(text: str) -> bytes:
    """A minimal valid Word document (ECMA-376 package) with one paragraph of ``text``."""
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/word/document.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
            ),
            "_rels/.rels": _RELS.format(target="word/document.xml"),
            "word/document.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
            ),
        }
    )


def make_xlsx(rows: list[tuple[str, float]]) -> bytes:
    """A minimal valid Excel workbook (ECMA-376 package): one sheet, a text and a number per row."""
    cells = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{label}</t></is></c>'
        f'<c r="B{n}"><v>{value}</v></c></row>'
        for n, (label, value) in enumerate(rows, 1)
    )
    return _zip(
        {
            "[Content_Types].xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" '
                'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
            ),
            "_rels/.rels": _RELS.format(target="xl/workbook.xml"),
            "xl/workbook.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
            ),
            "xl/worksheets/sheet1.xml": (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"<sheetData>{cells}</sheetData></worksheet>"
            ),
        }
    )


class _Library:
    """Items of one library drawn from the SharePoint stream: folders made on demand, ids numbered."""

    def __init__(self, rng: random.Random, today: dt.datetime, people: list[str], site: dict, lib: dict):
        self.rng, self.today, self.people = rng, today, people
        self.list_id = lib["id"]
        self.root = f"{site['path']}/{lib['url_name']}"
        self.folders: dict[str, str] = {}  # folder path under the root -> unique id
        self.rows: list[dict[str, Any]] = []

    def _times(self) -> tuple[str, str]:
        created = self.today - dt.timedelta(seconds=self.rng.randrange(DAYS * 86400))
        modified = min(self.today, created + dt.timedelta(seconds=self.rng.randrange(30 * 86400)))
        return _iso(created), _iso(modified)

    def _base(self, path: str, name: str) -> dict[str, Any]:
        parent = path.rpartition("/")[0]
        created, modified = self._times()
        author = self.rng.choice(self.people)
        return {
            "list_id": self.list_id,
            "id": len(self.rows) + 1,
            "unique_id": _guid(self.rng),
            "name": name,
            "parent_unique_id": self.folder(parent) if parent else None,
            "server_relative_url": f"{self.root}/{path}",
            "created": created,
            "modified": modified,
            "author_user_id": author,
            "editor_user_id": author if self.rng.random() < 0.6 else self.rng.choice(self.people),
        }

    def folder(self, path: str) -> str:
        """The unique id of the folder at ``path`` (``A/B``), made with its parents if new."""
        if path not in self.folders:
            base = self._base(path, path.rpartition("/")[2])
            base["id"] = len(self.rows) + 1
            self.folders[path] = base["unique_id"]
            self.rows.append({**base, "is_folder": True, "etag": f'"{{{base["unique_id"].upper()}}},0"'})
        return self.folders[path]

    def file(self, path: str, content: bytes, mime_type: str) -> None:
        base = self._base(path, path.rpartition("/")[2])
        base["id"] = len(self.rows) + 1
        major = self.rng.choice((1, 1, 1, 2, 3))
        self.rows.append(
            {
                **base,
                "is_folder": False,
                "size": len(content),
                "mime_type": mime_type,
                "version": f"{major}.0",
                "etag": f'"{{{base["unique_id"].upper()}}},{major}"',
                "content": content,
            }
        )


def seed_sharepoint(store: Store, *, seed: int, scale: str = "small") -> None:
    """Write the seed tenant's sites, libraries, lists and files into ``store`` (after its users)."""
    rng = random.Random(f"sharepoint/{seed}")  # noqa: S311 - determinism is the point
    tenant = store.directory.tenant
    host = tenant["sharepoint_host"].lower()
    label, _, rest = host.partition(".")
    my_host = f"{label}-my.{rest}"
    today = dt.datetime.now(dt.timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    users = sorted(store.directory.users(), key=lambda u: u["userPrincipalName"])
    people = [u["id"] for u in users if u.get("accountEnabled", True)]
    founded = _iso(dt.datetime(2021, 3, 1, tzinfo=dt.timezone.utc))
    sp = store.sharepoint

    def site(path: str, title: str, kind: str, **more: Any) -> dict:
        return sp.add_site(
            host=more.pop("host", host),
            path=path,
            title=title,
            kind=kind,
            created=founded,
            site_id=_guid(rng),
            web_id=_guid(rng),
            **more,
        )

    def library(owner: dict, title: str = "Documents", url_name: str = "Shared Documents") -> _Library:
        lib = sp.add_list(
            owner["id"], title=title, url_name=url_name, template=LIBRARY, created=founded, list_id=_guid(rng)
        )
        return _Library(rng, today, people, owner, lib)

    written = []
    root = site("", "Communication site", "root", description="The tenant's root site")
    lib = library(root)
    _few_files(lib, "Welcome")
    written.append(lib)

    finance = site(
        "/sites/finance", "Finance", "team", description="Finance team: invoices, contracts, reports"
    )
    lib = library(finance)
    _finance_files(lib)
    written.append(lib)
    _vendor_lists(store, rng, finance, people, founded)

    intranet = site("/sites/intranet", "Intranet", "communication", description="Company news and policies")
    lib = library(intranet)
    _few_files(lib, "Policy")
    written.append(lib)

    licensed = [u for u in users if (u.get("_sandbox") or {}).get("has_mailbox")]
    for user in licensed:
        drive = site(
            onedrive_path(user["userPrincipalName"]),
            user["displayName"],
            "onedrive",
            host=my_host,
            owner_user_id=user["id"],
        )
        lib = library(drive, url_name="Documents")
        lib.people = [user["id"]]
        _few_files(lib, user["givenName"])
        written.append(lib)

    files = archive_files(scale)
    if files:
        lib = library(finance, title="Archive", url_name="Archive")
        _archive(lib, files)
        written.append(lib)
    for lib in written:
        sp.bulk_add_items(lib.rows)
    store.db.set_meta(
        "sharepoint", {"sites": len(sp.sites()), "items": sum(len(w.rows) for w in written), "archive": files}
    )


def archive_files(scale: str) -> int:
    """How many files ``scale`` puts in the Finance site's "Archive" library (0: no archive)."""
    if scale == "small":
        return 0
    if scale == "large":
        return LARGE
    return int(scale)


def _few_files(lib: _Library, word: str) -> None:
    rng = lib.rng
    lib.file(f"{word} guide.docx", make_docx(f"{word} guide"), DOCX)
    lib.file(f"Notes/{word} notes.pdf", make_pdf(f"{word} notes"), PDF)
    lib.file(f"Notes/{word} budget.xlsx", make_xlsx([("Budget", rng.randrange(1000, 9999))]), XLSX)
    colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
    lib.file(f"Photos/IMG_{rng.randrange(1000, 9999)}.png", make_png(colour), PNG)


def _finance_files(lib: _Library) -> None:
    """About 60 files in nested folders: invoices by year and quarter, contracts, reports, photos."""
    rng = lib.rng
    quarters = ["2024/Q4", "2025/Q1", "2025/Q2", "2025/Q3", "2025/Q4"]
    numbers = rng.sample(range(10000, 99999), 40)
    for n, number in enumerate(numbers):
        vendor = VENDORS[n % len(VENDORS)][0]
        lib.file(
            f"Invoices/{quarters[n % len(quarters)]}/INV-{number}.pdf",
            make_pdf(f"Invoice INV-{number} {vendor}"),
            PDF,
        )
    for vendor in ("Acme", "Fabrikam"):
        lib.file(
            f"Contracts/{vendor}/{vendor} master agreement.docx",
            make_docx(f"{vendor} master agreement"),
            DOCX,
        )
        lib.file(
            f"Contracts/{vendor}/{vendor} price list.xlsx",
            make_xlsx([("Widget", 12.5), ("Gadget", 40)]),
            XLSX,
        )
        lib.file(f"Contracts/{vendor}/{vendor} signed.pdf", make_pdf(f"{vendor} signed contract"), PDF)
    for month in ("January", "February", "March", "April"):
        rows = [(v[0], rng.randrange(100, 90000)) for v in VENDORS]
        lib.file(f"Reports/Spend {month} 2025.xlsx", make_xlsx(rows), XLSX)
    for _ in range(6):
        colour = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
        lib.file(f"Site Photos/IMG_{rng.randrange(1000, 9999)}.png", make_png(colour), PNG)
    lib.file("Finance handbook.docx", make_docx("Finance handbook"), DOCX)
    lib.file("Budget 2025.xlsx", make_xlsx([("Travel", 12000), ("Software", 48000)]), XLSX)


def _vendor_lists(store: Store, rng: random.Random, site: dict, people: list[str], founded: str) -> None:
    """The custom lists "Regions" and "Vendors" (typed columns; Region looks up Regions)."""
    sp = store.sharepoint
    regions = sp.add_list(
        site["id"],
        title="Regions",
        url_name="Lists/Regions",
        template=LIST,
        created=founded,
        list_id=_guid(rng),
    )
    sp.add_column(regions["id"], "Title", display_name="Region", type="text")
    vendors = sp.add_list(
        site["id"],
        title="Vendors",
        url_name="Lists/Vendors",
        template=LIST,
        created=founded,
        list_id=_guid(rng),
    )
    for name, display, kind, choices in VENDOR_COLUMNS:
        lookup = regions["id"] if kind == "lookup" else None
        sp.add_column(
            vendors["id"], name, display_name=display, type=kind, choices=choices, lookup_list_id=lookup
        )
    rows = [
        _list_item(rng, site, regions, n, {"Title": title}, people, founded)
        for n, title in enumerate(REGIONS, 1)
    ]
    names = [v[0] for v in VENDORS] + MORE_VENDORS
    for n, name in enumerate(names, 1):
        start = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc) + dt.timedelta(days=rng.randrange(2000))
        fields = {
            "Title": name,
            "VendorNumber": 1000 + n,
            "ContractStart": _iso(start),
            "Status": rng.choice(STATUSES),
            "AccountManager": rng.choice(people),
            "Region": rng.randrange(1, len(REGIONS) + 1),
            "Preferred": rng.random() < 0.4,
        }
        rows.append(_list_item(rng, site, vendors, n, fields, people, founded))
    sp.bulk_add_items(rows)


def _list_item(
    rng: random.Random, site: dict, record: dict, n: int, fields: dict, people: list[str], founded: str
) -> dict[str, Any]:
    unique_id = _guid(rng)
    author = rng.choice(people)
    return {
        "list_id": record["id"],
        "id": n,
        "unique_id": unique_id,
        "name": fields["Title"],
        "server_relative_url": f"{site['path']}/{record['url_name']}/{n}_.000",
        "is_folder": False,
        "created": founded,
        "modified": founded,
        "author_user_id": author,
        "editor_user_id": author,
        "etag": '"1"',
        "fields": fields,
    }


def _archive(lib: _Library, files: int) -> None:
    """``files`` scanned invoices seven levels deep: year/quarter/month/vendor/batch/scans/file."""
    rng = lib.rng
    leaves = [
        f"{year}/Q{q}/{year}-{(q - 1) * 3 + m:02d}/{vendor}/Batch {b}/Scans"
        for year in range(2021, 2026)
        for q in range(1, 5)
        for m in range(1, 4)
        for vendor in ("Acme", "Fabrikam", "Northwind", "Tailspin")
        for b in (1, 2)
    ]
    pdf = make_pdf("Archived invoice scan")  # one shared body keeps the large seed fast and small
    for n in range(files):
        leaf = leaves[n % len(leaves)]
        lib.file(f"{leaf}/SCAN-{n + 1:06d}-{rng.randrange(1000, 9999)}.pdf", pdf, PDF)
