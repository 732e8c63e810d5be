"""Who may use the support API, and bad input to the target matrix."""

from __future__ import annotations

import pytest

from tests.factories import auth, make_question

SUPPORT_ENDPOINTS = [
    ("GET", "/api/v1/support/queue", None),
    ("GET", "/api/v1/support/cases/{q}", None),
    ("POST", "/api/v1/support/cases/{q}/claim", None),
    ("POST", "/api/v1/support/cases/{q}/handover", {"to_team": "customer-success"}),
    ("POST", "/api/v1/support/cases/{q}/answer", {"body": "hi"}),
    ("POST", "/api/v1/support/cases/{q}/convert", {"message": "m"}),
    ("POST", "/api/v1/support/cases/{q}/link", {"zendesk_ticket_id": 1}),
    ("POST", "/api/v1/support/cases/{q}/resolve", {}),
    ("PUT", "/api/v1/support/cases/{q}/docs-gap", {"docs_gap": True}),
    ("GET", "/api/v1/support/metrics", None),
    ("GET", "/api/v1/support/targets", None),
    ("PUT", "/api/v1/support/targets", {"cells": [{"severity": "low", "priority": "low", "responder": "automated", "respond_within_minutes": None}]}),
    ("GET", "/api/v1/support/rotations", None),
    ("PUT", "/api/v1/support/rotations", {"team": "customer-success", "profile_id": 1}),
    ("GET", "/api/v1/support/organisations", None),
    ("POST", "/api/v1/support/organisations", {"name": "Acme", "plan": "paid"}),
    ("GET", "/api/v1/support/organisations/{org}", None),
    ("PATCH", "/api/v1/support/organisations/{org}", {"plan": "enterprise"}),
    ("DELETE", "/api/v1/support/organisations/{org}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), SUPPORT_ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in SUPPORT_ENDPOINTS])
async def test_members_get_403_and_anonymous_401(client, world, db_session, method, path, body):
    question = await make_question(db_session, world.customers["high"])
    url = path.format(q=question.id, org=world.orgs["high"].id)
    kwargs = {"json": body} if body is not None else {}
    for viewer in (world.member, world.customers["high"]):
        r = await client.request(method, url, headers=auth(viewer), **kwargs)
        assert r.status_code == 403, (viewer.role, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    assert (await client.request(method, url, **kwargs)).status_code == 401
    assert world.orgs["high"].plan == "enterprise"


async def test_the_matrix_and_deleting_organisations_are_for_admins(client, world):
    cell = {"severity": "medium", "priority": "low", "responder": "support_hero", "respond_within_minutes": 3 * 24 * 60}
    assert (await client.put("/api/v1/support/targets", json={"cells": [cell]}, headers=auth(world.engineer))).status_code == 403
    assert (await client.delete(f"/api/v1/support/organisations/{world.orgs['low'].id}", headers=auth(world.engineer))).status_code == 403
    assert (await client.get("/api/v1/support/targets", headers=auth(world.engineer))).status_code == 200
    assert (await client.put("/api/v1/support/targets", json={"cells": [cell]}, headers=auth(world.admin))).status_code == 200
    assert (await client.delete(f"/api/v1/support/organisations/{world.orgs['low'].id}", headers=auth(world.admin))).status_code == 204


BAD_MATRICES = [
    ({"cells": [{"severity": "low", "priority": "low", "responder": "automated", "respond_within_minutes": 60}]}, "respond_within_minutes"),
    ({"cells": [{"severity": "low", "priority": "high", "responder": "support_hero", "respond_within_minutes": None}]}, "respond_within_minutes"),
    ({"cells": [{"severity": "urgent", "priority": "low", "responder": "support_hero", "respond_within_minutes": 60}]}, "cells[0].severity"),
    ({"cells": [{"severity": "low", "priority": "low", "responder": "robot", "respond_within_minutes": None}]}, "cells[0].responder"),
    ({"cells": [{"severity": "low", "priority": "low", "responder": "support_hero", "respond_within_minutes": 0}]}, "cells[0].respond_within_minutes"),
    ({"cells": [{"severity": "low", "priority": "low", "responder": "support_hero", "respond_within_minutes": 60}] * 2}, "cells"),
    ({"cells": []}, "cells"),
]


@pytest.mark.parametrize(("body", "field"), BAD_MATRICES)
async def test_a_bad_matrix_is_refused_naming_the_field_and_changes_nothing(client, world, body, field):
    before = (await client.get("/api/v1/support/targets", headers=auth(world.admin))).json()
    # A valid cell first: the whole request must fail, not just the bad part.
    good = {"severity": "high", "priority": "low", "responder": "customer_success", "respond_within_minutes": 30}
    r = await client.put("/api/v1/support/targets", json={"cells": [good, *body["cells"]]} if body["cells"] else body,
                         headers=auth(world.admin))
    assert r.status_code == 400, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    # The bad cell is the second one sent.
    assert r.json()["errors"][0]["field"] == field.replace("cells[0]", "cells[1]")
    assert (await client.get("/api/v1/support/targets", headers=auth(world.admin))).json() == before
    assert len(before) == 12
