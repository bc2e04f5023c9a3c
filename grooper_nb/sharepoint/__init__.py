"""SharePoint and OneDrive documents and lists into DataFrames, through Microsoft Graph or SharePoint REST.

``SharePoint(profile, via="graph"|"rest")`` and ``OneDrive(profile, user)`` (:mod:`.client`) read sites,
libraries, documents and lists into the one schema of :mod:`.schema`; ``access_check`` (:mod:`.access`)
tries a site through both APIs with the profile's tokens and explains every refusal. See
docs/sharepoint.md.
"""

from grooper_nb.sharepoint.access import access_check
from grooper_nb.sharepoint.client import OneDrive, SharePoint
from grooper_nb.sharepoint.site import Library, Site

__all__ = ["Library", "OneDrive", "SharePoint", "Site", "access_check"]
