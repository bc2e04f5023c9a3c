"""The notebook views of a mailbox: no missing value shown, every message counted, a PDF recognised."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from grooper_nb.exchange import schema
from grooper_nb.exchange.views import folder_tree, monthly_volume, pdf_facts


@pytest.fixture(scope="module")
def state_dir(sandbox: dict) -> str:
    """These tests need no sandbox of their own; the package's autouse fixture clears faults here."""
    return sandbox["state_dir"]


def _folder(path: str, well_known: str | None = None, total: int | None = 3) -> dict:
    return {
        "path": path,
        "display_name": path.rsplit("/", 1)[-1],
        "well_known_name": well_known,
        "total_count": total,
        "unread_count": None,
    }


def test_the_tree_indents_by_depth_and_shows_no_missing_value():
    folders = schema.frame(
        [_folder("Inbox/Vendors/Acme"), _folder("Inbox", "inbox"), _folder("Inbox/Vendors", total=None)],
        "folders",
    )
    tree = folder_tree(folders)
    assert list(tree["path"]) == ["Inbox", "Inbox/Vendors", "Inbox/Vendors/Acme"]
    assert list(tree["folder"]) == ["Inbox", "\u2003Vendors", "\u2003\u2003Acme"]
    assert list(tree["well_known_name"]) == ["inbox", "—", "—"]
    assert not tree.isna().any().any()


def test_volume_counts_every_message_by_month_and_folder():
    def msg(path: str, month: int) -> dict:
        return {"folder_path": path, "received": datetime(2026, month, 3, tzinfo=timezone.utc)}

    messages = schema.frame([msg("Inbox", 1), msg("Inbox", 1), msg("Archive", 2)], "messages")
    table = monthly_volume(messages)
    assert table.loc["2026-01", "Inbox"] == 2 and table.loc["2026-01", "Archive"] == 0
    assert int(table.to_numpy().sum()) == 3


def test_pdf_facts_tell_a_pdf_from_other_bytes():
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages >> endobj\n"
    pdf += b"3 0 obj << /Type /Page /Parent 2 0 R >> endobj\ntrailer\n%%EOF\n"
    facts = pdf_facts(pdf)
    assert facts["is_pdf"] and facts["pages"] == 1 and facts["ends_with_eof"] and facts["bytes"] == len(pdf)
    assert not pdf_facts(b"\x89PNG\r\n")["is_pdf"]
