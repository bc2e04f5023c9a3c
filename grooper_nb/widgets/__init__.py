"""ipywidgets for the workbench. Widgets import the core (profile, auth, tokens); never the reverse."""

from grooper_nb.widgets.login_panel import LoginPanel
from grooper_nb.widgets.token_inspector import TokenInspector

__all__ = ["LoginPanel", "TokenInspector"]
