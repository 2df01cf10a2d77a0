"""Who is asking, and may they: the one place where routes declare what they need.

Every route depends on `require(permission)`; the authorisation test walks `app.routes` and fails on a route
that does not. `require` authenticates (session cookie or bearer token), checks the role's permissions
(nkwatch.web.accounts.PERMISSIONS) and, for a state-changing request made with a cookie, the CSRF token.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request

from nkwatch.web import accounts
from nkwatch.web.state import WebState, web_state

SESSION_COOKIE = "nkw_session"
LOGIN_CSRF_COOKIE = "nkw_login_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """The person (or public visitor) behind a request."""

    role: str  # one of ROLES, "anonymous", or "public" (an anonymous visitor of a public server)
    permissions: frozenset[str] = field(default_factory=frozenset)
    user_id: int | None = None
    username: str | None = None
    csrf: str | None = None  # the session's CSRF token; None for bearer tokens (no ambient credentials)
    via: str | None = None  # "session" or "token"

    @property
    def signed_in(self) -> bool:
        return self.user_id is not None

    @property
    def public(self) -> bool:
        """Sees only published incidents and their quotes."""
        return self.role == "public"

    def can(self, permission: str) -> bool:
        return permission in self.permissions


ANONYMOUS = Principal(role="anonymous")
PUBLIC = Principal(role="public", permissions=frozenset({"read"}))


class AuthRequired(Exception):
    """Nobody is signed in: pages send the browser to sign in, the API answers 401."""


class Forbidden(Exception):
    def __init__(self, message: str = "You do not have permission to do this."):
        super().__init__(message)
        self.message = message


def identify(request: Request) -> Principal:
    """The principal of this request (cached on it): a bearer token, else a session cookie, else anonymous."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    principal = ANONYMOUS
    header = request.headers.get("authorization", "")
    token = request.cookies.get(SESSION_COOKIE)
    st = web_state(request)
    if header[:7].lower() == "bearer ":
        bearer = header[7:].strip()
        # Keyed by the hour as well: token_user notes a token's last use at most once an hour.
        hour = datetime.now(UTC).strftime("%Y%m%d%H")
        found = st.cache.get(("token", accounts.sha256(bearer), hour), lambda: _token_principal(st, bearer))
        if found is None:
            raise AuthRequired("invalid or revoked token")
        principal = found
    elif token:
        known = st.cache.get(("session", accounts.sha256(token)), lambda: _session_principal(st, token))
        if known is not None and known[1] > datetime.now(UTC):
            principal = known[0]
    request.state.principal = principal
    return principal


def _token_principal(st: WebState, token: str) -> Principal | None:
    with st.store.session() as s:
        user = accounts.token_user(s, token)
        return None if user is None else Principal(user.role, accounts.PERMISSIONS[user.role], user.id, user.username,
                                                   via="token")  # fmt: skip


def _session_principal(st: WebState, token: str) -> tuple[Principal, datetime] | None:
    """The session's principal and when the session expires (checked on each use of a cached answer)."""
    with st.store.session() as s:
        found = accounts.session_user(s, token)
        if not found:
            return None
        user, csrf, expires = found
        return Principal(user.role, accounts.PERMISSIONS[user.role], user.id, user.username, csrf=csrf,
                         via="session"), expires  # fmt: skip


async def _submitted_csrf(request: Request, in_memory: bool = False) -> str:
    value = request.headers.get(CSRF_HEADER)
    if value:
        return value
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        from nkwatch.web.memform import form_limit, memory_form, read_form

        # the form is kept on the request: the route reads it again for free
        if in_memory:  # the vault's forms: never spooled to a temporary file
            form = await memory_form(request, form_limit(request))
        else:
            form = await read_form(request)
        v = form.get("csrf")
        return v if isinstance(v, str) else ""
    return ""


def require(permission: str, *, public: bool = False, memory_form: bool = False) -> Callable:
    """A dependency: the request's principal, if it holds `permission`; `public=True` also lets anonymous
    visitors of a public server read (they get the PUBLIC principal, which sees only published incidents).
    `memory_form=True` reads a submitted form into memory only (the route must then read it with
    nkwatch.web.memform.memory_form): for forms that carry what may never touch the disk."""

    async def dependency(request: Request) -> Principal:
        p = identify(request)
        if not p.signed_in:
            if public and permission == "read" and web_state(request).public and request.method in SAFE_METHODS:
                request.state.principal = PUBLIC
                return PUBLIC
            raise AuthRequired()
        if not p.can(permission):
            raise Forbidden()
        if request.method not in SAFE_METHODS and p.via == "session":
            sent = await _submitted_csrf(request, memory_form)
            if not (p.csrf and sent and secrets.compare_digest(sent, p.csrf)):
                raise Forbidden("The form was out of date or not sent by this site (CSRF check). Reload and retry.")
        return p

    dependency.permission = permission  # type: ignore[attr-defined]  # read by the authorisation test
    dependency.public = public  # type: ignore[attr-defined]
    return dependency


def open_to_all() -> Callable:
    """For the few routes anyone must reach (sign-in page, static files): marks them as deliberately open."""

    async def dependency(request: Request) -> Principal:
        return identify(request)

    dependency.permission = None  # type: ignore[attr-defined]
    dependency.public = True  # type: ignore[attr-defined]
    return dependency
