"""The support API (role support or admin; the target matrix is changed by admins only).

`{ref}` is a question's id or permalink, as in the questions API.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.exceptions import NotFoundException
from litestar.params import Parameter
from sqlalchemy.ext.asyncio import AsyncSession

from forum.dependencies import require_admin, require_support
from forum.errors import ConflictError, UnprocessableError
from forum.fields import Id32
from forum.models import Organisation, Profile, ResponseTarget
from forum.questions import repository as questions
from forum.settings import Settings
from forum.support import cases, repository, targets
from forum.support.repository import QueueFilters
from forum.support.schemas import (
    AnswerIn,
    CaseOut,
    ConvertIn,
    DocsGapIn,
    HandOverIn,
    LinkIn,
    MetricsOut,
    OrganisationIn,
    OrganisationOut,
    OrganisationPatch,
    PersonRef,
    QueuePage,
    ResolveIn,
    RotationIn,
    RotationOut,
    SeverityName,
    TargetOut,
    TargetsIn,
    TeamRef,
)


def _target_out(t: ResponseTarget) -> TargetOut:
    return TargetOut(severity=t.severity, priority=t.priority, responder=t.responder, respond_within_minutes=t.respond_within_minutes)


def _organisation_out(org: Organisation, settings: Settings) -> OrganisationOut:
    return OrganisationOut(id=org.id, name=org.name, plan=org.plan, priority=targets.priority_for(org.plan, settings), created_at=org.created_at)


def _rotation_out(rotation, team, hero) -> RotationOut:
    return RotationOut(
        team=TeamRef(id=team.id, slug=team.slug, name=team.name), hero=PersonRef(id=hero.id, display_name=hero.display_name),
        week_start=rotation.week_start,
    )


class SupportController(Controller):
    path = "/api/v1/support"
    tags = ["support"]

    @get("/queue", raises=[NotFoundException, UnprocessableError])
    async def queue(
        self,
        user: Profile,
        db_session: AsyncSession,
        team: str | None = None,
        topic: str | None = None,
        severity: SeverityName | None = None,
        breached: bool | None = None,
        flagged_only: Annotated[bool, Parameter(description="False: every question whose clock runs, flagged or not")] = True,
        page: Annotated[int, Parameter(ge=1, le=10_000)] = 1,
        page_size: Annotated[int, Parameter(ge=1, le=100)] = 50,
    ) -> QueuePage:
        """Open, flagged questions without a first response, soonest due first."""
        require_support(user)
        team_id = (await targets.team_by_slug(db_session, team)).id if team else None
        topic_id = None
        if topic is not None:
            topic_id = await questions.topic_id_by_slug(db_session, topic)
            if topic_id is None:
                raise NotFoundException(f"No topic {topic!r}")
        filters = QueueFilters(flagged_only=flagged_only, team_id=team_id, topic_id=topic_id, severity=severity, breached=breached)
        return await cases.queue(db_session, filters, page, page_size)

    @get("/cases/{ref:str}")
    async def show(self, ref: str, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.find(db_session, user, ref)

    @post("/cases/{ref:str}/claim", status_code=200, raises=[ConflictError])
    async def claim(self, ref: str, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.case_out(db_session, await cases.claim(db_session, user, ref))

    @post("/cases/{ref:str}/handover", status_code=200, raises=[ConflictError, UnprocessableError])
    async def hand_over(self, ref: str, data: HandOverIn, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.case_out(db_session, await cases.hand_over(db_session, user, ref, data))

    @post("/cases/{ref:str}/answer")
    async def answer(self, ref: str, data: AnswerIn, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.case_out(db_session, await cases.answer(db_session, user, ref, data))

    @post("/cases/{ref:str}/convert", raises=[ConflictError])
    async def convert(self, ref: str, data: ConvertIn, user: Profile, db_session: AsyncSession, settings: Settings) -> CaseOut:
        """Create the ticket with the full context and queue its delivery to Zendesk."""
        require_support(user)
        return await cases.case_out(db_session, await cases.convert(db_session, settings, user, ref, data.message))

    @post("/cases/{ref:str}/link", raises=[ConflictError])
    async def link(self, ref: str, data: LinkIn, user: Profile, db_session: AsyncSession, settings: Settings) -> CaseOut:
        """Record an existing Zendesk ticket for the question; nothing is sent."""
        require_support(user)
        return await cases.case_out(db_session, await cases.link(db_session, settings, user, ref, data.zendesk_ticket_id, data.note))

    @post("/cases/{ref:str}/resolve", status_code=200, raises=[ConflictError])
    async def resolve(self, ref: str, data: ResolveIn, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.case_out(db_session, await cases.resolve(db_session, user, ref, data.note))

    @put("/cases/{ref:str}/docs-gap")
    async def docs_gap(self, ref: str, data: DocsGapIn, user: Profile, db_session: AsyncSession) -> CaseOut:
        require_support(user)
        return await cases.case_out(db_session, await cases.docs_gap(db_session, user, ref, data.docs_gap, data.note))

    @get("/metrics")
    async def metrics(
        self, user: Profile, db_session: AsyncSession, settings: Settings, days: Annotated[int | None, Parameter(ge=1, le=3650)] = None
    ) -> MetricsOut:
        """First-response times per severity x priority against target, breaches, deflection, conversions."""
        require_support(user)
        return await cases.metrics(db_session, days or settings.support_metrics_days)

    @get("/targets")
    async def get_targets(self, user: Profile, db_session: AsyncSession) -> list[TargetOut]:
        require_support(user)
        return [_target_out(t) for t in await targets.matrix(db_session)]

    @put("/targets")
    async def put_targets(self, data: TargetsIn, user: Profile, db_session: AsyncSession) -> list[TargetOut]:
        """Replace the given cells (admins). Due times already promised are kept."""
        require_admin(user)
        return [_target_out(t) for t in await targets.update_matrix(db_session, data.cells)]

    @get("/rotations", raises=[UnprocessableError])
    async def get_rotations(
        self, user: Profile, db_session: AsyncSession, team: str | None = None, week: date | None = None
    ) -> list[RotationOut]:
        """The support heroes of the week holding `week` (default: this week)."""
        require_support(user)
        return [_rotation_out(*row) for row in await targets.rotations(db_session, team, week)]

    @put("/rotations", raises=[UnprocessableError])
    async def put_rotation(self, data: RotationIn, user: Profile, db_session: AsyncSession) -> RotationOut:
        require_support(user)
        return _rotation_out(*await targets.set_rotation(db_session, data))

    @get("/organisations")
    async def list_organisations(self, user: Profile, db_session: AsyncSession, settings: Settings) -> list[OrganisationOut]:
        require_support(user)
        return [_organisation_out(o, settings) for o in await repository.organisations(db_session)]

    @post("/organisations", raises=[UnprocessableError])
    async def create_organisation(self, data: OrganisationIn, user: Profile, db_session: AsyncSession, settings: Settings) -> OrganisationOut:
        require_support(user)
        return _organisation_out(await targets.create_organisation(db_session, settings, data), settings)

    @get("/organisations/{organisation_id:int}")
    async def get_organisation(self, organisation_id: Id32, user: Profile, db_session: AsyncSession, settings: Settings) -> OrganisationOut:
        require_support(user)
        return _organisation_out(await targets.organisation(db_session, organisation_id), settings)

    @patch("/organisations/{organisation_id:int}", raises=[UnprocessableError])
    async def update_organisation(
        self, organisation_id: Id32, data: OrganisationPatch, user: Profile, db_session: AsyncSession, settings: Settings
    ) -> OrganisationOut:
        """Rename, or set the plan (which sets its members' priority; waiting questions are re-assessed)."""
        require_support(user)
        return _organisation_out(await targets.update_organisation(db_session, settings, organisation_id, data), settings)

    @delete("/organisations/{organisation_id:int}")
    async def delete_organisation(self, organisation_id: Id32, user: Profile, db_session: AsyncSession) -> None:
        require_admin(user)
        await targets.delete_organisation(db_session, organisation_id)
