"""Jinja2 templates shipped as package data: `email/` for the newsletter, `web/` for the archive."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent
