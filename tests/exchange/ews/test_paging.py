"""Paging and throttling as the sandbox's request log sees them: FindItem pages of 1000 with a resumable
offset, GetItem in batches of 100, and ErrorServerBusy waited out as long as EWS asks.

The module adds a folder of 1050 messages to the shared mailbox and switches faults on, on its own sandbox.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest

from grooper_nb.errors import EwsError
from grooper_nb.exchange.ews import EwsBackend, ews_status
from grooper_nb.exchange.ews.find_item import PAGE_SIZE
from grooper_nb.exchange.ews.get_item import BATCH_SIZE
from grooper_nb.http import RetryPolicy
from grooper_nb.profile import connect
from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.mail import message_row
from tests.exchange.ews.conftest import SHARED

BULK = 1050  # more than one FindItem page


@pytest.fixture(scope="module")
def bulk_folder(store: Store) -> str:
    """A top-level folder "Bulk" of :data:`BULK` messages in the shared mailbox, one a minute apart."""
    box = store.mail.mailbox(SHARED)
    folder_id = store.mail.add_folder(box["id"], "Bulk")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    seq = store.mail.last_change()
    rows = []
    for n in range(BULK):
        when = (start + dt.timedelta(minutes=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
        data = {
            "id": f"AAMkAGbulk{n:05d}",
            "parentFolderId": folder_id,
            "subject": f"Bulk {n}",
            "internetMessageId": f"<bulk-{n}@contoso.onmicrosoft.com>",
            "receivedDateTime": when,
            "sentDateTime": when,
            "createdDateTime": when,
            "lastModifiedDateTime": when,
            "importance": "normal",
            "isRead": n % 2 == 0,
            "isDraft": False,
            "hasAttachments": False,
            "categories": [],
            "from": {"emailAddress": {"name": "Acme Billing", "address": "billing@acme.example.com"}},
            "sender": {"emailAddress": {"name": "Acme Billing", "address": "billing@acme.example.com"}},
            "toRecipients": [{"emailAddress": {"name": "Invoices", "address": SHARED}}],
            "ccRecipients": [],
            "bccRecipients": [],
            "body": {"contentType": "html", "content": "<p>bulk</p>"},
        }
        rows.append(message_row(box["id"], data, seq + n + 1))
    store.mail.bulk_add(rows, [])
    return folder_id


@pytest.fixture
def state_dir(private_sandbox: dict) -> Iterator[str]:
    yield private_sandbox["state_dir"]
    launcher.clear_faults(private_sandbox["state_dir"])


def _ews_requests(state_dir: str, since: int) -> list[dict]:
    return launcher.requests(state_dir, host="ews", since=since)["entries"]


def _bulk(backend: EwsBackend) -> dict:
    return next(f for f in backend.folders() if f["path"] == "Bulk")


def test_more_than_a_page_is_read_in_find_item_pages_and_get_item_batches(
    app_ews: EwsBackend, bulk_folder: str, state_dir: str
) -> None:
    folder = _bulk(app_ews)
    assert folder["total_count"] == BULK
    since = launcher.requests(state_dir)["last"]
    pages = list(app_ews.message_pages(folder))
    assert [len(p.records) for p in pages] == [PAGE_SIZE, BULK - PAGE_SIZE]
    assert [p.resume for p in pages] == [str(PAGE_SIZE), None]
    assert {p.total for p in pages} == {BULK}
    ids = [r["internet_message_id"] for p in pages for r in p.records]
    assert ids == [f"<bulk-{n}@contoso.onmicrosoft.com>" for n in reversed(range(BULK))]  # newest first
    get_items = math.ceil(PAGE_SIZE / BATCH_SIZE) + math.ceil((BULK - PAGE_SIZE) / BATCH_SIZE)
    logged = _ews_requests(state_dir, since)
    assert len(logged) == len(pages) + get_items  # 2 FindItem + 11 GetItem, every one answered 200
    assert {e["status"] for e in logged} == {200}


def test_a_listing_resumes_from_the_offset_without_losing_or_repeating_a_row(
    app_ews: EwsBackend, bulk_folder: str
) -> None:
    folder = _bulk(app_ews)
    first = next(app_ews.message_pages(folder))
    rest = list(app_ews.message_pages(folder, resume=first.resume))
    seen = [r["internet_message_id"] for r in first.records] + [
        r["internet_message_id"] for p in rest for r in p.records
    ]
    assert len(seen) == len(set(seen)) == BULK


def test_a_date_range_pages_only_the_matching_messages(app_ews: EwsBackend, bulk_folder: str) -> None:
    since = dt.datetime(2026, 1, 1, 1, 0, tzinfo=dt.timezone.utc)  # message 60
    until = since + dt.timedelta(hours=2)  # up to message 179
    pages = list(app_ews.message_pages(_bulk(app_ews), since=since, until=until))
    assert [p.total for p in pages] == [120] and [r["subject"] for r in pages[0].records][-1] == "Bulk 60"


def _throttled_backend(private_sandbox: dict, waits: list[float], attempts: int = 4) -> EwsBackend:
    """An app-only backend whose session records the waits it is asked for instead of sleeping."""
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    profile.session.retry = RetryPolicy(max_attempts=attempts, sleep=waits.append)
    return EwsBackend(profile, SHARED)


def test_error_server_busy_is_waited_out_as_back_off_milliseconds_asks(
    private_sandbox: dict, state_dir: str
) -> None:
    waits: list[float] = []
    backend = _throttled_backend(private_sandbox, waits)
    backend.folders()  # the token and the first answer, before the fault
    launcher.set_fault(state_dir, "throttle", host="ews", retry_after=3, count=2)
    since = launcher.requests(state_dir)["last"]
    folders = backend.folders()
    assert any(f["well_known_name"] == "inbox" for f in folders)
    assert waits == [3.0, 3.0]  # BackOffMilliseconds 3000 (and Retry-After 3), twice
    logged = [(e["status"], e["fault"]) for e in _ews_requests(state_dir, since)]
    assert logged[:3] == [(429, "throttle"), (429, "throttle"), (200, None)]


def test_error_server_busy_past_the_retries_is_explained_with_its_back_off(
    private_sandbox: dict, state_dir: str
) -> None:
    waits: list[float] = []
    backend = _throttled_backend(private_sandbox, waits, attempts=1)
    launcher.set_fault(state_dir, "throttle", host="ews", retry_after=2)
    with pytest.raises(EwsError) as caught:
        backend.folders()
    error = caught.value
    assert (error.error, error.back_off_ms, error.status) == ("ErrorServerBusy", 2000, 429)
    assert error.retry_after == 2.0 and "BackOffMilliseconds" in error.fix and waits == []


def test_the_readiness_check_says_throttled_rather_than_broken(private_sandbox: dict, state_dir: str) -> None:
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=private_sandbox["state_dir"])
    profile.session.retry = RetryPolicy(max_attempts=1, sleep=lambda _s: None)
    launcher.set_fault(state_dir, "throttle", host="ews", retry_after=1)
    status = ews_status(profile, SHARED)
    assert (status.state, status.ok, status.error.back_off_ms) == ("throttled", False, 1000)
