"""Read a form (urlencoded or multipart) with a size limit counted as the body arrives.

Starlette's own `request.form()` takes in a body of any size, spooling each file over 1 MB to a temporary
file: a client with the right to post could fill the disk before any route checks a size. Every route reads
its form through `read_form` instead, which refuses the body past the limit (at once when Content-Length
says so, else as soon as the count passes it).

For the witness vault a temporary file is itself a leak: a testimony's plain text would lie in the temp
folder (unlinked, but its blocks stay on the disk). Its routes use `memory_form`, which keeps files in
memory (a spool whose limit is above the body limit never rolls over to disk). The parsed form is cached on
the request, so the CSRF check and the route share one parse.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.formparsers import FormParser, MultiPartException, MultiPartParser

_CACHE = "nkw_memory_form"


class TooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"The upload is larger than the limit of {limit / (1024 * 1024):.0f} MB; nothing was stored.")
        self.limit = limit


class FormError(Exception):
    """The form could not be read (malformed multipart body); the message says what, never the content."""


async def _capped(request: Request, limit: int) -> AsyncIterator[bytes]:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(limit)  # refused before reading a byte
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise TooLarge(limit)
        yield chunk


def form_limit(request: Request) -> int:
    """The most bytes a form may have: the upload limit and room for the other fields."""
    from nkwatch.web.state import web_state

    return web_state(request).max_upload_bytes + (256 << 10)


async def read_form(request: Request, limit: int | None = None) -> FormData:
    """The request's form; raises TooLarge past `limit` bytes of body (by default `form_limit`). Files over
    1 MB are spooled to a temporary file, as Starlette does: for public documents, never for testimony."""
    return await _form(request, form_limit(request) if limit is None else limit, spool=1 << 20)


async def memory_form(request: Request, limit: int) -> FormData:
    """The request's form, read into memory only; raises TooLarge past `limit` bytes of body."""
    return await _form(request, limit, spool=limit + 1)  # the body is capped at `limit`: no file reaches the disk


async def _form(request: Request, limit: int, spool: int) -> FormData:
    cached = getattr(request.state, _CACHE, None)
    if cached is not None:
        return cached
    ctype = request.headers.get("content-type", "")
    stream = _capped(request, limit)
    try:
        if ctype.startswith("multipart/form-data"):
            parser = MultiPartParser(request.headers, stream, max_files=20, max_fields=100, max_part_size=limit)
            parser.spool_max_size = spool
            form = await parser.parse()
        elif ctype.startswith("application/x-www-form-urlencoded"):
            form = await FormParser(request.headers, stream, max_part_size=limit).parse()
        else:
            form = FormData()
    except MultiPartException as e:
        raise FormError(str(e)) from None
    setattr(request.state, _CACHE, form)
    return form


class _NotNumber(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotNumber(f"{name} is not a number JSON allows")


async def memory_json(request: Request, limit: int) -> dict[str, Any]:
    """A JSON object body, read into memory with the same limit (FastAPI is not asked to parse it, so that
    the permission check comes before the body is read)."""
    raw = bytearray()
    async for chunk in _capped(request, limit):
        raw += chunk
    try:
        data = json.loads(bytes(raw) or b"{}", parse_constant=_no_constant)
    except ValueError as e:
        raise FormError(f"the body is not valid JSON ({e})" if isinstance(e, _NotNumber) else
                        "the body is not valid JSON") from None
    except RecursionError:  # "[[[[...": Python's decoder recurses once a level
        raise FormError("the body is JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise FormError("send a JSON object")
    return data
