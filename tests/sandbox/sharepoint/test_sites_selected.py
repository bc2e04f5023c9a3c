"""``Sites.Selected``: an app reaches only the sites an administrator granted it.

This module turns the server-to-server app's SharePoint permission from ``Sites.Read.All`` into
``Sites.Selected`` in its own sandbox. Grants are written through the store, as Graph's
``POST /sites/{id}/permissions`` writes them (https://learn.microsoft.com/graph/api/site-post-permissions).
"""

from __future__ import annotations

import pytest

from grooper_nb.errors import sharepoint as sp_errors
from tests.helpers import seeded_app
from tests.sandbox.sharepoint.conftest import S2S, SHAREPOINT_APP_ID
from tests.sandbox.sharepoint.sp_helpers import FINANCE, ROOT, props

INTRANET = f"{ROOT}/sites/intranet"


@pytest.fixture(scope="module")
def selected_token(store, private_sandbox, app_token_for) -> str:
    """A certificate token of the server-to-server app holding SharePoint's Sites.Selected only."""
    app = seeded_app(private_sandbox, S2S)
    client = store.directory.service_principal(app["client_id"])
    spo = store.directory.service_principal(SHAREPOINT_APP_ID)
    for assignment in store.applications.app_role_assignments(
        principal_id=client["id"], resource_id=spo["id"]
    ):
        store.applications.delete_app_role_assignment(spo["id"], assignment["id"])
    role = next(r for r in spo["appRoles"] if r["value"] == "Sites.Selected")
    store.applications.create_app_role_assignment(client["id"], spo["id"], role["id"])
    return app_token_for(ROOT)


def test_without_a_grant_every_site_is_access_denied(rest, selected_token) -> None:
    resp = rest.get(f"{FINANCE}/_api/web", selected_token)
    assert resp.status_code == 403
    assert sp_errors.from_response(resp).error == "AccessDenied"


def test_a_grant_opens_that_site_only_until_it_is_revoked(
    rest, selected_token, store, private_sandbox
) -> None:
    app = seeded_app(private_sandbox, S2S)
    finance = store.sharepoint.site_by_url("contoso.sharepoint.com", "/sites/finance")
    grant = store.sharepoint.grant_site(finance["id"], app["client_id"], ["read"], S2S)
    try:
        assert props(rest.ok(f"{FINANCE}/_api/web", selected_token))["Title"] == "Finance"
        assert rest.get(f"{INTRANET}/_api/web", selected_token).status_code == 403
    finally:
        store.sharepoint.revoke_site_grant(finance["id"], grant["id"])
    assert rest.get(f"{FINANCE}/_api/web", selected_token).status_code == 403
