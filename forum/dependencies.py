"""Who is asking: resolved once per request from the Authorization header, inside the request's transaction."""

from __future__ import annotations

from litestar import Request
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from sqlalchemy.ext.asyncio import AsyncSession

from forum.auth import service as auth_service
from forum.models import Profile, Role
from forum.settings import Settings


def provide_settings(request: Request) -> Settings:
    return request.app.state.settings


async def provide_viewer(request: Request, db_session: AsyncSession) -> Profile | None:
    """The signed-in profile, or None for anonymous readers. A bad token is an error, not anonymity."""
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise NotAuthorizedException("Authorization must be 'Bearer <token>'")
    return await auth_service.viewer_from_bearer(db_session, request.app.state.settings, credentials.strip())


async def provide_user(viewer: Profile | None) -> Profile:
    if viewer is None:
        raise NotAuthorizedException("Sign in to do this")
    return viewer


def require_staff(profile: Profile) -> None:
    if not profile.is_staff:
        raise PermissionDeniedException("Only moderators can do this")


def require_support(profile: Profile) -> None:
    if profile.role not in {Role.SUPPORT, Role.ADMIN}:
        raise PermissionDeniedException("Only support engineers can do this")


def require_admin(profile: Profile) -> None:
    if profile.role != Role.ADMIN:
        raise PermissionDeniedException("Only admins can do this")
