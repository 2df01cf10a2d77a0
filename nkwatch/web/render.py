"""Templates (Jinja2, autoescaped), flash messages and the page response every route returns."""

from __future__ import annotations

from importlib import resources
from typing import Any
from urllib.parse import quote, unquote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from nkwatch import vocab
from nkwatch.web import present, widgets
from nkwatch.web.security import identify
from nkwatch.web.state import web_state

FLASH_COOKIE = "nkw_flash"
NAV = [  # (path, label, permission); public visitors see the entries that need only "read" and allow them
    ("/", "Overview", "read"), ("/incidents", "Incidents", "read"), ("/claims", "Claims", "read"),
    ("/sources", "Sources", "read"), ("/review", "Review", "review"), ("/upload", "Add sources", "add"),
    ("/export", "Export", "export"), ("/vault", "Vault", "vault"), ("/users", "Users", "users"),
]  # fmt: skip
PUBLIC_NAV = {"/", "/incidents"}


def make_templates() -> Environment:
    folder = resources.files("nkwatch.web").joinpath("templates")
    env = Environment(loader=FileSystemLoader(str(folder)), autoescape=select_autoescape(default=True),
                      trim_blocks=True, lstrip_blocks=True, auto_reload=False)  # fmt: skip
    env.filters.update(label=present.label, place=present.place_name, pct=lambda v: f"{(v or 0) * 100:.0f}%",
                       num=lambda v: "" if v is None else f"{v:,.0f}", short=lambda v: (v or "")[:12],
                       marked=present.marked,
                       httpurl=present.http_url)  # fmt: skip
    env.globals.update(vocab=vocab, terms=vocab.terms, quote=quote, num_input=_num_input, **widgets.GLOBALS)
    return env


def _num_input(v: float | None) -> str:
    """A number as a form field shows it: 2000.0 -> 2000, None -> empty."""
    return "" if v is None else str(int(v)) if float(v).is_integer() else str(v)


def url_with(request: Request, **changes: Any) -> str:
    """This page's address with some query parameters changed (None removes one): shareable links."""
    params = dict(request.query_params)
    for k, v in changes.items():
        if v is None or v == "":
            params.pop(k, None)
        else:
            params[k] = str(v)
    return request.url.path + ("?" + urlencode(params) if params else "")


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    st = web_state(request)
    p = getattr(request.state, "principal", None) or identify(request)
    nav = [(path, text) for path, text, perm in NAV
           if (p.can(perm) and (not p.public or path in PUBLIC_NAV))]  # fmt: skip
    flash = request.cookies.get(FLASH_COOKIE)
    html = st.templates.get_template(template).render(
        request=request, principal=p, nav=nav, flash=unquote(flash) if flash else None, public_mode=st.public,
        url_with=lambda **kw: url_with(request, **kw), path=request.url.path, **context,
    )
    resp = HTMLResponse(html, status_code=status_code)
    if flash:
        resp.delete_cookie(FLASH_COOKIE, path="/")
    return resp


def redirect(request: Request, url: str, message: str | None = None) -> RedirectResponse:
    """303 to `url` (a path on this site) with a one-time message for the next page."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"  # never redirect off the site
    resp = RedirectResponse(url, status_code=303)
    if message:
        resp.set_cookie(FLASH_COOKIE, quote(message[:300]), httponly=True, samesite="strict", path="/",
                        secure=web_state(request).secure_cookies)  # fmt: skip
    return resp
