"""Registering (or auditing) Grooper's Entra ID app: which permissions, which manifest, which commands.

Pure functions over the connection catalogue (:mod:`grooper_nb.connections`); nothing here reaches a
tenant::

    from grooper_nb.registration import plan, requirements
    requirements()                                   # what Grooper's usual connections need, and why
    plan(app="Grooper Azure AD Connector 2021")      # consent to Grooper's multi-tenant connector
    plan(["graph_mail_app"], app="Grooper (Contoso)", cloud="usgov")   # a custom app in US Gov

* :mod:`.permissions`: Microsoft's permission IDs, each with its source page;
* :mod:`.requirements`: the permissions a set of connections needs, as a DataFrame;
* :mod:`.plan`: :class:`RegistrationPlan`, the manifest fragment, Azure CLI, consent URL and Exchange
  PowerShell; :mod:`.commands` quotes them for their shells.

Those are pure. Three modules reach the tenant through Microsoft Graph, as a signed-in administrator::

    create_app(admin, plan(["graph_mail_app"], app="Grooper (Contoso)"), write_env="grooper.env")
    audit(admin, connections=["exchange_ews_delegated", "onedrive"])

* :mod:`.graph`: :class:`GraphClient`, the profile's session with a bearer token, paging and explained
  errors;
* :mod:`.create`: :func:`create_app` (idempotent) and its :class:`Registration`; :mod:`.consent` grants
  admin consent; :mod:`.certificate` makes a self-signed certificate;
* :mod:`.audit`: :func:`audit`, a DataFrame of findings with their fixes.
"""

from __future__ import annotations

from .audit import audit
from .create import Registration, create_app
from .graph import GraphClient
from .permissions import PERMISSIONS, Permission, lookup
from .plan import CONNECTOR_APP, RegistrationPlan, plan
from .requirements import DEFAULT_CONNECTIONS, requirements

# The names the ``grooper_nb`` top level exports them under (``from grooper_nb import registration_plan``).
registration_plan = plan
registration_requirements = requirements

__all__ = [
    "CONNECTOR_APP",
    "DEFAULT_CONNECTIONS",
    "PERMISSIONS",
    "GraphClient",
    "Permission",
    "Registration",
    "RegistrationPlan",
    "audit",
    "create_app",
    "lookup",
    "plan",
    "registration_plan",
    "registration_requirements",
    "requirements",
]
