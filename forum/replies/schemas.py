from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.fields import Input
from forum.questions.schemas import Body


class ReplyIn(Input):
    body: Body
    # Honeypot: hidden on the website, so only bots fill it in.
    website: str | None = None


class ReplyPatch(Input):
    body: Body
    # The version the editor started from; a stale one means someone else edited meanwhile (409).
    version: int | UnsetType = UNSET


class ReplyModerationIn(Input):
    published: bool


class VoteIn(Input):
    value: Annotated[Literal[1, -1], Meta(description="1 for up, -1 for down")]


class ReplyVoteState(msgspec.Struct):
    upvotes: int
    downvotes: int
    my_vote: int
