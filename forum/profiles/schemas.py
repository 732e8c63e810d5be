from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from forum.auth.schemas import DisplayName
from forum.fields import Id32, Input
from forum.models import Profile

RoleName = Literal["member", "moderator", "support", "admin"]
# An absolute http(s) URL with a host, and nothing that would end the attribute or tag it is written into.
Url = Annotated[str, Meta(max_length=500, pattern=r"^https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?::[0-9]{1,5})?(?:[/?#][^\s\"'<>\\^`{|}]*)?$")]


class AuthorOut(msgspec.Struct):
    """The short form of a profile shown next to every question and reply."""

    id: int
    display_name: str
    avatar_url: str | None
    role: str


class ProfileOut(msgspec.Struct):
    id: int
    display_name: str
    avatar_url: str | None
    bio: str | None
    role: str
    team_id: int | None
    reputation: int
    created_at: datetime


class MeOut(ProfileOut):
    email: str = ""
    organisation_id: int | None = None


class MePatch(Input):
    display_name: DisplayName | UnsetType = UNSET
    avatar_url: Url | None | UnsetType = UNSET
    bio: Annotated[str, Meta(max_length=2000)] | None | UnsetType = UNSET


class ProfileAdminPatch(Input):
    role: RoleName | UnsetType = UNSET
    team_id: Id32 | None | UnsetType = UNSET
    organisation_id: Id32 | None | UnsetType = UNSET


def author_out(profile: Profile) -> AuthorOut:
    return AuthorOut(id=profile.id, display_name=profile.display_name, avatar_url=profile.avatar_url, role=profile.role)


def profile_out(profile: Profile) -> ProfileOut:
    return ProfileOut(
        id=profile.id,
        display_name=profile.display_name,
        avatar_url=profile.avatar_url,
        bio=profile.bio,
        role=profile.role,
        team_id=profile.team_id,
        reputation=profile.reputation,
        created_at=profile.created_at,
    )


def me_out(profile: Profile) -> MeOut:
    return MeOut(**msgspec.structs.asdict(profile_out(profile)), email=profile.email, organisation_id=profile.organisation_id)
