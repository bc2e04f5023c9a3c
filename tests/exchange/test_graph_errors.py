"""Every refusal reaches the user explained: a token for the wrong resource (401), a mailbox the user
has no rights to and a token without a mail permission (403), a mailbox that does not exist (404)."""

from __future__ import annotations

import pytest

from grooper_nb.auth import flows
from grooper_nb.errors.graph import GraphError
from grooper_nb.exchange.client import Exchange
from grooper_nb.profile import connect
from tests.exchange.conftest import SHARED, ropc


def _explained(exc: GraphError, status: int, code: str) -> None:
    assert exc.status == status and exc.error == code
    assert exc.explanation is not None and exc.explanation.fix
    assert exc.request_id  # kept for a support case
    text = str(exc)
    assert code in text and exc.explanation.docs.startswith("https://learn.microsoft.com/")


def test_a_token_for_another_resource_is_an_explained_401(app_profile) -> None:
    asked: list[bool] = []

    def ews_token(force_refresh: bool) -> str:
        asked.append(force_refresh)
        scopes = ["https://outlook.office365.com/.default"]
        return flows.client_credentials(
            app_profile, scopes, use_cache=not force_refresh
        ).access_token.reveal()

    mail = Exchange(app_profile, SHARED, get_token=ews_token)
    with pytest.raises(GraphError) as caught:
        mail.folders()
    _explained(caught.value, 401, "InvalidAuthenticationToken")
    assert asked == [False, True]  # refreshed once, then explained instead of looping


def test_a_mailbox_without_delegate_rights_is_an_explained_403(delegated) -> None:
    profile, signed_in = delegated
    with pytest.raises(GraphError) as caught:
        Exchange(profile, SHARED, account=signed_in).folders()
    _explained(caught.value, 403, "ErrorAccessDenied")


def test_a_token_without_a_mail_permission_is_an_explained_403(state_dir: str, user: dict) -> None:
    bootstrap = connect(app="Grooper NB Bootstrap", sandbox_dir=state_dir)  # directory scopes, no Mail.*
    signed_in = ropc(bootstrap, user)
    with pytest.raises(GraphError) as caught:
        Exchange(bootstrap, None, account=signed_in).messages("inbox", progress=False)
    _explained(caught.value, 403, "ErrorAccessDenied")


def test_a_mailbox_nobody_has_is_an_explained_404(app_profile) -> None:
    with pytest.raises(GraphError) as caught:
        Exchange(app_profile, "nobody@contoso.onmicrosoft.com").folders()
    assert caught.value.status == 404


def test_app_only_cannot_use_me(app_profile) -> None:
    with pytest.raises(GraphError) as caught:
        Exchange(app_profile, None).folders()
    assert caught.value.status == 400 and "delegated" in str(caught.value)
