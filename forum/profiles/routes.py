from __future__ import annotations

from litestar import Controller, get, patch
from litestar.exceptions import NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_admin
from forum.openapi import OWN_ACCOUNT_ONLY
from forum.errors import UnprocessableError
from forum.fields import Id32
from forum.models import Organisation, Profile, Team
from forum.profiles.schemas import MeOut, MePatch, ProfileAdminPatch, ProfileOut, me_out, profile_out


class ProfileController(Controller):
    path = "/api/v1"
    tags = ["profiles"]

    @get("/me", opt={OWN_ACCOUNT_ONLY: True})
    async def me(self, user: Profile) -> MeOut:
        return me_out(user)

    @patch("/me", opt={OWN_ACCOUNT_ONLY: True})
    async def update_me(self, user: Profile, data: MePatch, db_session: AsyncSession) -> MeOut:
        changes = _set_fields(data)
        for key, value in changes.items():
            setattr(user, key, value)
        await db_session.flush()
        return me_out(user)

    @get("/profiles/{profile_id:int}")
    async def get_profile(self, profile_id: Id32, db_session: AsyncSession) -> ProfileOut:
        profile = await db_session.get(Profile, profile_id)
        if profile is None:
            raise NotFoundException(f"No profile {profile_id}")
        return profile_out(profile)

    @patch("/profiles/{profile_id:int}", raises=[UnprocessableError])
    async def update_profile(
        self, profile_id: Id32, data: ProfileAdminPatch, user: Profile, db_session: AsyncSession
    ) -> MeOut:
        """Admins set roles and teams; support may also be given this through a role change."""
        require_admin(user)
        profile = await db_session.get(Profile, profile_id)
        if profile is None:
            raise NotFoundException(f"No profile {profile_id}")
        changes = _set_fields(data)
        if changes.get("team_id") is not None and await db_session.get(Team, changes["team_id"]) is None:
            raise UnprocessableError("team_id", "no such team")
        if changes.get("organisation_id") is not None and await db_session.get(Organisation, changes["organisation_id"]) is None:
            raise UnprocessableError("organisation_id", "no such organisation")
        for key, value in changes.items():
            setattr(profile, key, value)
        await db_session.flush()
        return me_out(profile)


def _set_fields(struct: object) -> dict:
    import msgspec

    return {k: v for k, v in msgspec.structs.asdict(struct).items() if v is not msgspec.UNSET}
