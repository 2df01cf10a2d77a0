"""Helpers for the web vault tests: a vault in a store, custodian clients, testimony files, a temp-file spy."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from typing import Any

import docx
from fastapi.testclient import TestClient

from nkwatch.vault import keys

from .helpers import signed_in

FAST = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}  # Argon2id cheap enough for tests
PASSPHRASE = "a long vault passphrase"


def init_vault(store: Any) -> None:
    with store.session() as s:
        keys.init_vault(s, passphrase=PASSPHRASE, kdf=FAST)


def unlocked_client(app: Any, username: str = "custodian") -> tuple[TestClient, str]:
    c, csrf = signed_in(app, username)
    r = c.post("/vault/unlock", data={"passphrase": PASSPHRASE, "csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return c, csrf


def flash(html: str) -> str:
    m = re.search(r'class="flash"[^>]*>([^<]*)', html)
    return m.group(1) if m else ""


def docx_bytes(text: str, pad: int = 0) -> bytes:
    """A DOCX holding `text`, padded with `pad` random bytes in a media part (a large file, short text).

    Its parts are stored uncompressed, so the text is in the file's bytes as it is: a copy of the upload
    anywhere on disk is then found by a plain search (a deflated DOCX would hide it from one)."""
    d = docx.Document()
    for para in text.split("\n"):
        d.add_paragraph(para)
    deflated = io.BytesIO()
    d.save(deflated)
    buf = io.BytesIO()
    with zipfile.ZipFile(deflated) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for item in src.infolist():
            z.writestr(item.filename, src.read(item.filename))
        if pad:
            z.writestr("word/media/scan.bin", os.urandom(pad))
    return buf.getvalue()


class TempFiles:
    """Records every temporary file Python makes (Starlette's upload spool rolls over through
    tempfile.TemporaryFile, which is unlinked at once and so invisible to a scan of the folder) and keeps it
    on disk, named, under `folder`, so that a scan of that folder sees every byte that went to disk."""

    def __init__(self, monkeypatch: Any, folder: str):
        self.made: list[str] = []
        real_named = tempfile.NamedTemporaryFile

        def kept(*args: Any, **kwargs: Any) -> Any:
            kwargs.pop("delete", None)
            if kwargs.get("dir") is None:
                kwargs["dir"] = folder
            f = real_named(*args, delete=False, **kwargs)
            self.made.append(f.name)
            return f

        monkeypatch.setattr(tempfile, "TemporaryFile", kept)
        monkeypatch.setattr(tempfile, "NamedTemporaryFile", kept)
        monkeypatch.setattr(tempfile, "tempdir", folder)
