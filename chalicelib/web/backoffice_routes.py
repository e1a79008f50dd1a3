"""Back office pages (filled in below)."""

from chalice import Blueprint

bp = Blueprint(__name__)
