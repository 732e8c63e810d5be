from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.questions.schemas import Body


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    body: Body
    # Honeypot: hidden on the website, so only bots fill it in.
    website: str | None = None


class ReplyPatch(msgspec.Struct, forbid_unknown_fields=True):
    body: Body
    # The version the editor started from; a stale one means someone else edited meanwhile (409).
    version: int | UnsetType = UNSET


class ReplyModerationIn(msgspec.Struct, forbid_unknown_fields=True):
    published: bool


class VoteIn(msgspec.Struct, forbid_unknown_fields=True):
    value: Annotated[Literal[1, -1], Meta(description="1 for up, -1 for down")]


class ReplyVoteState(msgspec.Struct):
    upvotes: int
    downvotes: int
    my_vote: int
