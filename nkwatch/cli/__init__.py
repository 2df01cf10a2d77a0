"""The nkwatch command line: thin layers over the library, one module per part of the flow."""

from nkwatch.cli import incidents, review  # noqa: F401 - registers the link, incident, review and audit commands
from nkwatch.cli.main import app

__all__ = ["app"]
