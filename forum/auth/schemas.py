from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from forum.fields import Input

Email = Annotated[str, Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Password = Annotated[str, Meta(min_length=8, max_length=200)]
# Shown next to every post: no control characters, and no bidi embedding, override or isolate
# (U+202A-U+202E, U+2066-U+2069), which would turn the text after the name around.
DisplayName = Annotated[str, Meta(min_length=1, max_length=80, pattern=r"^[^\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]*$")]


class RegisterIn(Input):
    email: Email
    password: Password
    display_name: DisplayName
    # Honeypot: hidden on the website, so only bots fill it in.
    website: str | None = None


class LoginIn(Input):
    email: Annotated[str, Meta(max_length=320)]
    password: Annotated[str, Meta(max_length=200)]


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str
    expires_in: int


class ApiTokenIn(Input):
    name: Annotated[str, Meta(min_length=1, max_length=100)]


class ApiTokenOut(msgspec.Struct):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    # Only present in the response that creates it: the secret is never stored.
    token: str | None = None
