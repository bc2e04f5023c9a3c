"""The token endpoint (filled in below)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("token", __name__)
