"""Password hashing and the two kinds of bearer token: short-lived JWTs and revocable API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from litestar.exceptions import NotAuthorizedException
from litestar.security.jwt import Token

API_TOKEN_PREFIX = "fat_"
_hasher = PasswordHasher()
# Verifying against a real hash when the email is unknown keeps login timing from revealing accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_jwt(profile_id: int, secret: str, ttl: timedelta) -> str:
    token = Token(sub=str(profile_id), exp=datetime.now(UTC) + ttl, iat=datetime.now(UTC))
    return token.encode(secret=secret, algorithm="HS256")


def read_jwt_subject(encoded: str, secret: str) -> int:
    try:
        token = Token.decode(encoded_token=encoded, secret=secret, algorithm="HS256")
        return int(token.sub)
    except (NotAuthorizedException, ValueError) as exc:
        raise NotAuthorizedException("Invalid or expired token") from exc


def new_api_token() -> tuple[str, str, str]:
    """Returns (secret shown once, its sha256 for storage, a prefix to recognise it by)."""
    secret = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, hash_api_token(secret), secret[:12]


def hash_api_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def is_api_token(bearer: str) -> bool:
    return bearer.startswith(API_TOKEN_PREFIX)
