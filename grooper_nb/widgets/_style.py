"""The CSS the widgets share: links that look like links.

An ipywidgets ``HTML`` value is not rendered as Markdown/HTML output, so JupyterLab's styles for links
(``.jp-RenderedHTMLCommon a``) do not reach it: a link there shows in body text colour without an
underline, and nobody sees it is a link. Each widget includes this rule, scoped to its own CSS class, with
JupyterLab's own link colour (``--jp-content-link-color``; blue where that variable is not defined).
"""

from __future__ import annotations

import ipywidgets as w

__all__ = ["LINK_COLOR", "link_style"]

LINK_COLOR = "var(--jp-content-link-color, #1976d2)"


def link_style(css_class: str) -> w.HTML:
    """An (invisible) ``HTML`` widget holding the rule that styles every link inside ``.css_class``."""
    scope = f".{css_class} a, .{css_class} a:visited"
    return w.HTML(
        f"<style>{scope} {{ color: {LINK_COLOR}; text-decoration: underline; }} "
        f".{css_class} a:hover {{ text-decoration-thickness: 2px; }}</style>",
        layout=w.Layout(height="0px", margin="0px"),
    )
