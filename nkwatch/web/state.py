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


def public_withheld_ids(request: Request) -> frozenset[str]:
    """The incidents a public visitor may not see (nkwatch.vault.policy.withheld_incidents), read once per
    change of the store: a claim joining an incident, or a consent withdrawn, is a change."""
    from nkwatch.vault.policy import PUBLIC, withheld_incidents

    st = web_state(request)

    def read() -> frozenset[str]:
        with st.store.session() as s:
            return withheld_incidents(s, PUBLIC)

    return st.cache.get(("public-withheld",), read)
