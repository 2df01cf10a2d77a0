"""Accounts: users and roles, passwords (Argon2id), browser sessions, API tokens, sign-in rate limits.

Used by the web app and by `nkwatch user ...`. Secrets never reach the database: a password is kept as an
Argon2id hash, a session cookie and an API token as their SHA-256 (they are long random values, so a fast
hash is enough, and a lookup is one indexed query).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from nkwatch.store.models import ROLES, ApiToken, LoginAttempt, User, WebSession, utcnow

SESSION_HOURS = 12
TOKEN_PREFIX = "nkw_"
# Failed sign-ins allowed in WINDOW before further tries are refused: per user name, and per client address
# (higher, since an office may share one address).
WINDOW = timedelta(minutes=15)
MAX_FAILS_USER = 5
MAX_FAILS_ADDRESS = 20

# What each role may do. A custodian is an editor who will also hold the witness vault's keys.
PERMISSIONS: dict[str, frozenset[str]] = {
    "viewer": frozenset({"read"}),
    "analyst": frozenset({"read", "add", "export"}),
    "editor": frozenset({"read", "add", "export", "review"}),
    "custodian": frozenset({"read", "add", "export", "review", "vault"}),
    "admin": frozenset({"read", "add", "export", "review", "users"}),
}
assert set(PERMISSIONS) == set(ROLES)

_hasher = PasswordHasher()  # argon2-cffi's defaults are Argon2id with RFC 9106's low-memory parameters
# Verified against when a user name is unknown, so that a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


def sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)  # SQLite gives naive datetimes back


# --- users -------------------------------------------------------------------------------------------------


def check_password_strength(password: str) -> None:
    if len(password) < 10:
        raise AccountError("a password needs at least 10 characters")


def add_user(s: Session, username: str, password: str, role: str) -> User:
    username = username.strip()
    if not username or len(username) > 64 or any(ch.isspace() for ch in username):
        raise AccountError("a user name is 1 to 64 characters without spaces")
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    check_password_strength(password)
    if s.scalar(select(User.id).where(User.username == username)) is not None:
        raise AccountError(f"user {username!r} exists already")
    user = User(username=username, password_hash=_hasher.hash(password), role=role, disabled=False)
    s.add(user)
    s.flush()
    return user


def get_user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username))
    if user is None:
        raise AccountError(f"no user {username!r}")
    return user


def list_users(s: Session) -> list[User]:
    return list(s.scalars(select(User).order_by(User.username)))


def set_password(s: Session, user: User, password: str) -> None:
    check_password_strength(password)
    user.password_hash = _hasher.hash(password)
    end_sessions(s, user)


def set_disabled(s: Session, user: User, disabled: bool) -> None:
    """Disable (or enable again) an account; disabling signs it out everywhere and revokes its tokens."""
    user.disabled = disabled
    if disabled:
        end_sessions(s, user)
        for t in s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)):
            t.revoked = True


def set_role(s: Session, user: User, role: str) -> None:
    if role not in ROLES:
        raise AccountError(f"role {role!r} is not one of {', '.join(ROLES)}")
    user.role = role


def end_sessions(s: Session, user: User) -> None:
    s.execute(delete(WebSession).where(WebSession.user_id == user.id))


def generate_password() -> str:
    return secrets.token_urlsafe(12)


# --- signing in --------------------------------------------------------------------------------------------


class RateLimited(AccountError):
    pass


def authenticate(s: Session, username: str, password: str, address: str) -> User | None:
    """The user whose name and password these are, or None. Refuses (RateLimited) after too many failures
    for this name or from this address in the last WINDOW; every failure is recorded for that count."""
    since = utcnow() - WINDOW
    keys = {f"user:{username[:64]}": MAX_FAILS_USER, f"ip:{address}": MAX_FAILS_ADDRESS}
    for key, limit in keys.items():
        n = s.scalar(select(func.count()).select_from(LoginAttempt)
                     .where(LoginAttempt.key == key, LoginAttempt.at >= since))  # fmt: skip
        if (n or 0) >= limit:
            raise RateLimited("too many failed sign-ins: wait 15 minutes and try again")
    user = s.scalar(select(User).where(User.username == username))
    ok = False
    try:
        ok = _hasher.verify(user.password_hash if user else _DUMMY_HASH, password) and user is not None
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None or user.disabled:
        for key in keys:
            s.add(LoginAttempt(key=key, at=utcnow()))
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.last_login_at = utcnow()
    s.execute(delete(LoginAttempt).where(LoginAttempt.key == f"user:{username}"))
    # Old attempts are of no use past the window; clearing them here keeps the table small.
    s.execute(delete(LoginAttempt).where(LoginAttempt.at < since))
    return user


@dataclass(frozen=True)
class NewSession:
    token: str  # goes into the cookie; only its SHA-256 is stored
    csrf: str
    expires_at: datetime


def start_session(s: Session, user: User) -> NewSession:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(hours=SESSION_HOURS)
    s.add(WebSession(id=sha256(token), user_id=user.id, csrf_token=csrf, created_at=utcnow(), expires_at=expires))
    s.execute(delete(WebSession).where(WebSession.expires_at < utcnow()))  # housekeeping, one indexed delete
    return NewSession(token, csrf, expires)


def session_user(s: Session, token: str) -> tuple[User, str, datetime] | None:
    """The signed-in user of a session cookie, the session's CSRF token and when it expires (UTC); None if
    unknown or expired."""
    row = s.execute(select(User, WebSession.csrf_token, WebSession.expires_at)
                    .join(WebSession, WebSession.user_id == User.id)
                    .where(WebSession.id == sha256(token))).first()  # fmt: skip
    if row is None:
        return None
    user, csrf, expires = row
    if user.disabled or _aware(expires) < utcnow():
        return None
    return user, csrf, _aware(expires)


def end_session(s: Session, token: str) -> None:
    s.execute(delete(WebSession).where(WebSession.id == sha256(token)))


# --- API tokens --------------------------------------------------------------------------------------------


def create_token(s: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `user`. The token itself is returned once and never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name.strip()[:120] or "token", token_hash=sha256(token), revoked=False)
    s.add(row)
    s.flush()
    return row, token


def token_user(s: Session, token: str) -> User | None:
    row = s.execute(select(User, ApiToken).join(ApiToken, ApiToken.user_id == User.id)
                    .where(ApiToken.token_hash == sha256(token), ApiToken.revoked.is_(False))).first()  # fmt: skip
    if row is None or row[0].disabled:
        return None
    user, tok = row
    now = utcnow()
    # Written at most once an hour: a write on every API call would serialise readers on SQLite.
    if tok.last_used_at is None or _aware(tok.last_used_at) < now - timedelta(hours=1):
        tok.last_used_at = now
    return user


def user_tokens(s: Session, user: User) -> list[ApiToken]:
    return list(s.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_token(s: Session, user: User, token_id: int) -> None:
    tok = s.get(ApiToken, token_id)
    if tok is None or tok.user_id != user.id:
        raise AccountError("no such token")
    tok.revoked = True
