"""One sandbox for the Exchange tests, its shared mailbox grown to more than 5,000 messages.

``--scale 5000`` puts 5,000 more messages in ``invoices@contoso.onmicrosoft.com`` (21 folders), so a
listing really runs four folders at once and an export really takes many pages. Faults are switched on
per service; :func:`no_faults` switches them off around every test, so a fault never outlives the test
that wanted it. Tokens are real: the server-to-server app's application ``Mail.Read`` (client
credentials) and a user's delegated ``Mail.Read`` through the middle-tier app (ROPC), over real MSAL.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from grooper_nb.auth import flows
from grooper_nb.exchange.client import Exchange
from grooper_nb.http import RetryPolicy
from grooper_nb.profile import Profile, connect
from grooper_nb.sandbox import launcher
from grooper_nb.sandbox.store import Store
from tests.helpers import own_sandbox, plain_user

SHARED = "invoices@contoso.onmicrosoft.com"
EXTRA = 5000
GRAPH_DEFAULT = "https://graph.microsoft.com/.default"


@pytest.fixture(scope="package")
def mail_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """The start JSON of this package's sandbox (``--scale 5000``)."""
    with own_sandbox(tmp_path_factory, "exchange", "--scale", str(EXTRA)) as info:
        yield info


@pytest.fixture(scope="package")
def state_dir(mail_sandbox: dict) -> str:
    return mail_sandbox["state_dir"]


@pytest.fixture(scope="package")
def store(mail_sandbox: dict) -> Iterator[Store]:
    """The tenant's store, opened beside the running service (what the server holds)."""
    opened = Store.open(Path(mail_sandbox["state_dir"]))
    yield opened
    opened.close()


@pytest.fixture(autouse=True)
def no_faults(state_dir: str) -> Iterator[None]:
    launcher.clear_faults(state_dir)
    yield
    launcher.clear_faults(state_dir)


@pytest.fixture
def waits() -> list[float]:
    """The waits the retry policy of :func:`app_profile` was asked for (recorded, never slept)."""
    return []


@pytest.fixture
def app_profile(state_dir: str, waits: list[float]) -> Profile:
    """The server-to-server app (application Mail.Read), its session's waits recorded instead of slept."""
    profile = connect(app="Grooper Server-to-Server", sandbox_dir=state_dir)
    profile.session.retry = RetryPolicy(max_attempts=8, sleep=waits.append)
    return profile


@pytest.fixture
def shared(app_profile: Profile) -> Exchange:
    """The shared mailbox, app-only through Graph."""
    return Exchange(app_profile, SHARED)


@pytest.fixture(scope="package")
def user(mail_sandbox: dict) -> dict:
    return plain_user(mail_sandbox)


def ropc(profile: Profile, user: dict, scopes: list[str] | None = None) -> flows.TokenResult:
    """grooper_nb's ROPC flow for a seeded user (``/.default`` of Graph unless ``scopes``), quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", flows.RopcWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        return flows.ropc(profile, user["upn"], user["password"], scopes or [GRAPH_DEFAULT], warn=False)


@pytest.fixture(scope="package")
def delegated(state_dir: str, user: dict) -> tuple[Profile, flows.TokenResult]:
    """The middle-tier app (delegated Mail.Read) and an ordinary user signed in to it."""
    profile = connect(app="Grooper Middle-Tier API", sandbox_dir=state_dir)
    return profile, ropc(profile, user)


def mailbox_ids(store: Store, address: str, folder_id: str | None = None) -> list[str]:
    """The internetMessageIds the server holds for a mailbox (or one folder of it)."""
    from grooper_nb.sandbox.store.mail import MessageQuery

    box = store.mail.mailbox(address)
    found, _ = store.mail.messages(box["id"], folder_id, MessageQuery(top=1_000_000))
    return [m["internetMessageId"] for m in found]


def switch_on_the_faults(state_dir: str, host: str) -> int:
    """The acceptance's faults on ``host``: a fifth of requests 429, a burst of three 503s, the token
    expiring mid-export; the request log's position before them (for :func:`faults_met`)."""
    since = launcher.requests(state_dir)["last"]
    launcher.set_fault(state_dir, "throttle", host=host, rate=0.2, seed=11, retry_after=1)
    launcher.set_fault(state_dir, "unavailable", host=host, count=3, after=5, retry_after=1)
    launcher.set_fault(state_dir, "token_expiry", host=host, after=15)
    return since


def faults_met(state_dir: str, host: str, since: int) -> dict[str, int]:
    """How many of ``host``'s requests after ``since`` each fault answered (from the request log)."""
    met: dict[str, int] = {}
    for entry in launcher.requests(state_dir, host=host, since=since)["entries"]:
        if entry.get("fault"):
            met[entry["fault"]] = met.get(entry["fault"], 0) + 1
    return met


def assert_exactly_the_servers(df, store: Store) -> None:
    """``df`` holds every message of the shared mailbox the server holds, each once."""
    server = mailbox_ids(store, SHARED)
    assert len(server) > 5000
    assert not df["internet_message_id"].duplicated().any()
    assert sorted(df["internet_message_id"]) == sorted(server)
