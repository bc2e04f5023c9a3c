"""The browser harness itself: JupyterLab renders ipywidgets and a click in Chromium reaches the kernel."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_clicking_a_widget_button_in_the_browser_runs_the_kernel_callback(jupyterlab) -> None:
    lab = jupyterlab(
        [
            "import ipywidgets as w\n"
            "clicks = []\n"
            "label = w.Label('waiting')\n"
            "button = w.Button(description='Sign in')\n"
            "def on_click(_):\n"
            "    clicks.append(1)\n"
            "    label.value = f'clicked {len(clicks)}'\n"
            "button.on_click(on_click)\n"
            "w.VBox([button, label])",
            "import os\n"
            "print('CLICKS=%d SANDBOX=%s' % (len(clicks), os.environ.get('GROOPER_NB_SANDBOX_DIR')))",
        ]
    )
    lab.run_all()
    widget = lab.cell(0)
    expect(widget.locator(".widget-label")).to_have_text("waiting")

    widget.get_by_role("button", name="Sign in").click()
    expect(widget.locator(".widget-label")).to_have_text("clicked 1")

    # The kernel's own state changed, not just the page, and the kernel knows the run's sandbox.
    lab.run_cell(1)
    expect(lab.output(1)).to_contain_text("CLICKS=1")
    expect(lab.output(1)).to_contain_text(f"SANDBOX={os.environ['GROOPER_NB_SANDBOX_DIR']}")
