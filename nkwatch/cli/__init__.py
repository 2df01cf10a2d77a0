"""The nkwatch command line: thin layers over the library, one module per part of the flow."""

import nkwatch.cli.estimate  # noqa: F401 - registers `nkwatch estimate`
import nkwatch.cli.watch  # noqa: F401 - registers `nkwatch watch`
from nkwatch.cli import demo, incidents, review, users, vault, web  # noqa: F401 - registers the other commands
from nkwatch.cli.main import app

__all__ = ["app"]
