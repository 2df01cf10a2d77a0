"""Signing in and out, one's own account (password, API tokens), and the users page for admins."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from nkwatch.store.models import ROLES, User
from nkwatch.web import accounts
from nkwatch.web.memform import read_form
from nkwatch.web.render import page, redirect
from nkwatch.web.security import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Forbidden, Principal, open_to_all, require
from nkwatch.web.state import web_state

router = APIRouter()
OPEN = Depends(open_to_all())
READ = Depends(require("read"))
ADMIN = Depends(require("users"))


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


def _login_page(request: Request, error: str | None = None, status: int = 200, username: str = "") -> Response:
    # Signing in is itself protected from cross-site forgery: a random value in a cookie and in the form
    # must match (there is no session yet to hold a CSRF token).
    token = secrets.token_urlsafe(24)
    resp = page(request, "login.html", status_code=status, error=error, login_csrf=token, username=username,
                next=_safe_next(request.query_params.get("next")))  # fmt: skip
    resp.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                    secure=web_state(request).secure_cookies)  # fmt: skip
    return resp


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, p: Principal = OPEN) -> Response:
    if p.signed_in:
        return redirect(request, _safe_next(request.query_params.get("next")))
    return _login_page(request)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login")
async def login(request: Request, p: Principal = OPEN) -> Response:
    form = await read_form(request)
    username, password = str(form.get("username") or "").strip(), str(form.get("password") or "")
    sent, expected = str(form.get("csrf") or ""), request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not expected or not secrets.compare_digest(sent, expected):
        return _login_page(request, "The sign-in form had expired. Please try again.", 403, username)
    st = web_state(request)
    try:
        with st.store.session() as s:
            user = accounts.authenticate(s, username, password, client_address(request))
            new = accounts.start_session(s, user) if user else None
    except accounts.RateLimited as e:
        return _login_page(request, str(e).capitalize() + ".", 429, username)
    if new is None:
        return _login_page(request, "Wrong user name or password.", 401, username)
    resp = redirect(request, _safe_next(str(form.get("next") or "/")), f"Signed in as {username}")
    resp.set_cookie(SESSION_COOKIE, new.token, httponly=True, samesite="strict", path="/",
                    max_age=accounts.SESSION_HOURS * 3600, secure=st.secure_cookies)  # fmt: skip
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, p: Principal = READ) -> Response:
    from nkwatch.web.vault import lock_session

    lock_session(request)  # the witness vault unlocked in this session locks with it
    with web_state(request).store.session() as s:
        accounts.end_session(s, request.cookies.get(SESSION_COOKIE) or "")
    resp = redirect(request, "/login", "Signed out")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/account", response_class=HTMLResponse)
def account_page(request: Request, p: Principal = READ) -> HTMLResponse:
    return _account(request, p)


@router.get("/account/api", response_class=HTMLResponse)
def api_reference(request: Request, p: Principal = READ) -> HTMLResponse:
    """The JSON API described for people: every route of the OpenAPI description with its parameters, drawn
    on the server (interactive API consoles load their scripts from a CDN: not offline, not under our CSP)."""
    spec = request.app.openapi()
    routes = []
    for path, methods in spec.get("paths", {}).items():
        if not path.startswith("/api/"):
            continue  # the pages' own routes are in the description too; they are not the API
        for method, op in methods.items():
            params = [{"name": x["name"], "in": x["in"], "required": x.get("required", False),
                       "type": (x.get("schema") or {}).get("type", "")} for x in op.get("parameters", [])]  # fmt: skip
            body = sorted((op.get("requestBody") or {}).get("content", {}))
            routes.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                           "description": op.get("description", ""), "params": params, "body": body})  # fmt: skip
    routes.sort(key=lambda r: (r["path"], r["method"]))
    return page(request, "api.html", routes=routes, info=spec.get("info", {}))


def _account(request: Request, p: Principal, new_token: str | None = None) -> HTMLResponse:
    with web_state(request).store.session() as s:
        user = s.get(User, p.user_id)
        tokens = [{"id": t.id, "name": t.name, "created_at": t.created_at, "last_used_at": t.last_used_at,
                   "revoked": t.revoked} for t in accounts.user_tokens(s, user)]  # fmt: skip
    return page(request, "account.html", tokens=tokens, new_token=new_token)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(request: Request, p: Principal = READ) -> HTMLResponse:
    form = await read_form(request)
    with web_state(request).store.session() as s:
        _, token = accounts.create_token(s, s.get(User, p.user_id), str(form.get("name") or "token"))
    return _account(request, p, new_token=token)  # shown once, on this page only


@router.post("/account/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, p: Principal = READ) -> Response:
    with web_state(request).store.session() as s:
        try:
            accounts.revoke_token(s, s.get(User, p.user_id), token_id)
        except accounts.AccountError as e:
            raise LookupError(str(e)) from e
    return redirect(request, "/account", "Token revoked")


@router.post("/account/password")
async def change_password(request: Request, p: Principal = READ) -> Response:
    form = await read_form(request)
    with web_state(request).store.session() as s:
        user = s.get(User, p.user_id)
        if accounts.authenticate(s, user.username, str(form.get("current") or ""), client_address(request)) is None:
            return redirect(request, "/account", "The current password is wrong")
        try:
            accounts.set_password(s, user, str(form.get("new") or ""))
        except accounts.AccountError as e:
            return redirect(request, "/account", str(e).capitalize())
    web_state(request).keyring.lock_user(p.user_id or 0)  # every session was ended: so are its vaults
    resp = redirect(request, "/login", "Password changed: sign in again")
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, p: Principal = ADMIN) -> HTMLResponse:
    with web_state(request).store.session() as s:
        rows = [{"id": u.id, "username": u.username, "role": u.role, "disabled": u.disabled,
                 "created_at": u.created_at, "last_login_at": u.last_login_at} for u in accounts.list_users(s)]
    return page(request, "users.html", rows=rows, roles=ROLES)


@router.post("/users")
async def add_user(request: Request, p: Principal = ADMIN) -> Response:
    form = await read_form(request)
    try:
        with web_state(request).store.session() as s:
            accounts.add_user(s, str(form.get("username") or ""), str(form.get("password") or ""),
                              str(form.get("role") or "viewer"))  # fmt: skip
    except accounts.AccountError as e:
        return redirect(request, "/users", f"Not added: {e}")
    return redirect(request, "/users", f"User {form.get('username')} added")


@router.post("/users/{user_id}/update")
async def update_user(request: Request, user_id: int, p: Principal = ADMIN) -> Response:
    form = await read_form(request)
    with web_state(request).store.session() as s:
        user = s.get(User, user_id)
        if user is None:
            raise LookupError("no such user")
        if user.id == p.user_id:
            raise Forbidden("You cannot change your own account here (ask another admin).")
        try:
            if form.get("role"):
                accounts.set_role(s, user, str(form.get("role")))
            if form.get("disabled") in ("0", "1"):
                accounts.set_disabled(s, user, form.get("disabled") == "1")
        except accounts.AccountError as e:
            return redirect(request, "/users", f"Not changed: {e}")
        name = user.username
    web_state(request).keyring.lock_user(user_id)  # a changed role or a disabled account: its vaults lock
    return redirect(request, "/users", f"User {name} updated")
