"""A third-party EWS client against the sandbox: exchangelib, unmodified, through the sandbox's proxy.

exchangelib (https://github.com/ecederstrand/exchangelib) is what many Python integrations use for EWS.
It reaches the sandbox with nothing but the start JSON's ``env`` (``HTTPS_PROXY``,
``REQUESTS_CA_BUNDLE``) and an explicit endpoint, as it would a real tenant without Autodiscover. It
lists the inbox and fetches each message's Internet message id, and the ids must be the store's:
delegated with a token from grooper_nb's ROPC flow over MSAL, and app-only with exchangelib fetching its
own client-credentials token from the sandbox's identity host and impersonating the mailbox.
"""

from __future__ import annotations

import time

import pytest

from grooper_nb.profile import Profile
from grooper_nb.sandbox.store import Store
from grooper_nb.sandbox.store.mail import MessageQuery
from tests.helpers import seeded_app
from tests.sandbox.ews.ews_helpers import EWS_SCOPE, EWS_URL
from tests.sandbox.graph.graph_helpers import ropc_token

exchangelib = pytest.importorskip("exchangelib")


def _config(credentials) -> exchangelib.Configuration:
    from exchangelib.version import EXCHANGE_O365, Version

    return exchangelib.Configuration(
        service_endpoint=EWS_URL,
        credentials=credentials,
        auth_type=exchangelib.OAUTH2,
        version=Version(build=EXCHANGE_O365),
    )


def _stored_ids(store: Store, upn: str) -> list[str]:
    box = store.mail.mailbox(upn)
    inbox = store.mail.folder(box["id"], "inbox")
    page, _ = store.mail.messages(box["id"], inbox["id"], MessageQuery(top=1000))
    return [m["internetMessageId"] for m in page]


def test_exchangelib_lists_the_inbox_with_a_delegated_token(
    private_env: dict, connector: Profile, megan: dict, store: Store
) -> None:
    from oauthlib.oauth2 import OAuth2Token

    token = OAuth2Token(
        {
            "access_token": ropc_token(connector, megan, [EWS_SCOPE]),
            "token_type": "Bearer",
            "expires_in": 3600,
            "expires_at": time.time() + 3600,
        }
    )
    credentials = exchangelib.OAuth2AuthorizationCodeCredentials(access_token=token)
    account = exchangelib.Account(
        primary_smtp_address=megan["upn"],
        config=_config(credentials),
        autodiscover=False,
        access_type=exchangelib.DELEGATE,
    )
    inbox = account.inbox
    assert inbox.name == "Inbox"
    assert inbox.total_count == len(_stored_ids(store, megan["upn"]))
    ids = [m.message_id for m in inbox.all().order_by("-datetime_received").only("message_id", "subject")]
    assert ids == _stored_ids(store, megan["upn"])


def test_exchangelib_impersonates_with_its_own_app_token(
    private_env: dict, private_sandbox: dict, megan: dict, store: Store
) -> None:
    app = seeded_app(private_sandbox, "Grooper Server-to-Server")
    credentials = exchangelib.OAuth2Credentials(
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        tenant_id=private_sandbox["tenant"]["id"],
        identity=exchangelib.Identity(primary_smtp_address=megan["upn"]),
    )
    account = exchangelib.Account(
        primary_smtp_address=megan["upn"],
        config=_config(credentials),
        autodiscover=False,
        access_type=exchangelib.IMPERSONATION,
    )
    messages = list(account.inbox.all().order_by("-datetime_received")[:5])
    assert [m.message_id for m in messages] == _stored_ids(store, megan["upn"])[:5]
    with_files = next(m for m in account.inbox.all().order_by("-datetime_received") if m.has_attachments)
    box_id = store.mail.mailbox(megan["upn"])["id"]
    page, _ = store.mail.messages(box_id, store.mail.folder(box_id, "inbox")["id"], MessageQuery(top=1000))
    stored = next(m for m in page if m["internetMessageId"] == with_files.message_id)
    assert [a.content for a in with_files.attachments] == [
        a["_content"] for a in store.mail.attachments(stored["id"])
    ]
