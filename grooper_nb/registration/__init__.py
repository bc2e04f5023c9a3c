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
"""

from __future__ import annotations

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
    "Permission",
    "RegistrationPlan",
    "lookup",
    "plan",
    "registration_plan",
    "registration_requirements",
    "requirements",
]
