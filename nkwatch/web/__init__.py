"""The web application (FastAPI, server-rendered pages, a JSON API under /api): `create_app`, `nkwatch serve`."""

from nkwatch.web.app import create_app

__all__ = ["create_app"]
