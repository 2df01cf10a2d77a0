"""What every request of one app shares: the store, the originals folder, public mode, the templates."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from jinja2 import Environment

from nkwatch.store.db import Store
from nkwatch.web.cache import ReadCache
from nkwatch.web.keyring import Keyring


@dataclass
class WebState:
    store: Store
    originals: Path
    public: bool
    templates: Environment
    secure_cookies: bool  # set the Secure flag (behind HTTPS); off for http://127.0.0.1
    max_upload_bytes: int
    keyring: Keyring = field(default_factory=Keyring)  # unlocked witness vaults: memory only, per process
    cache: ReadCache = field(init=False)  # what requests read alike, until the store changes

    def __post_init__(self) -> None:
        self.cache = ReadCache(self.store)


def web_state(request: Request) -> WebState:
    return request.app.state.nk
