"""Person-facing pages of the identity host (filled in below)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__)
