"""The OpenAPI document describes the errors as they are sent: problem details, per operation, by status."""

import pytest

from tests.factories import auth, make_profile

PROBLEM = {"$ref": "#/components/schemas/ProblemDetails"}


@pytest.fixture
async def openapi(client):
    r = await client.get("/schema/openapi.json")
    assert r.status_code == 200
    return r.json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation


def schemas_in(value):
    if isinstance(value, dict):
        yield value
        value = list(value.values())
    if isinstance(value, list):
        for inner in value:
            yield from schemas_in(inner)


def errors_of(document, path, method):
    responses = document["paths"][path][method]["responses"]
    return {int(status): response for status, response in responses.items() if int(status) >= 400}


def assert_problems(errors, statuses):
    assert statuses <= errors.keys(), sorted(errors)
    for status in statuses:
        assert errors[status]["content"] == {"application/problem+json": {"schema": PROBLEM}}, status


async def test_asking_documents_its_errors(openapi):
    errors = errors_of(openapi, "/api/v1/questions", "post")
    assert_problems(errors, {400, 401, 403, 409, 413, 415, 422, 429})
    assert errors[429]["headers"]["Retry-After"]["schema"] == {"type": "integer"}


async def test_statuses_follow_what_an_operation_takes(openapi):
    assert_problems(errors_of(openapi, "/api/v1/questions/{ref}", "get"), {400, 401, 404})
    assert_problems(errors_of(openapi, "/api/v1/questions", "get"), {400, 401, 403, 404})
    assert_problems(errors_of(openapi, "/api/v1/questions/{ref}", "delete"), {401, 403, 404, 429})
    assert_problems(errors_of(openapi, "/api/v1/auth/register", "post"), {400, 409, 413, 429})
    assert_problems(errors_of(openapi, "/api/v1/auth/login", "post"), {400, 401, 413, 429})
    assert_problems(errors_of(openapi, "/api/v1/support/queue", "get"), {400, 401, 403, 404, 422})
    assert errors_of(openapi, "/api/v1/topics", "get") == {}, "a plain read of a list fails only on the server"
    assert 429 not in errors_of(openapi, "/api/v1/questions", "get"), "reads are not rate-limited"
    assert not {413, 415} & errors_of(openapi, "/api/v1/questions/{ref}/upvote", "post").keys(), "no body"
    # Anyone signed in may read and change their own account: no 403 to document there.
    assert set(errors_of(openapi, "/api/v1/me", "get")) == {401}
    assert 403 not in errors_of(openapi, "/api/v1/me", "patch") and 403 not in errors_of(openapi, "/api/v1/me/tokens", "post")
    assert 403 in errors_of(openapi, "/api/v1/profiles/{profile_id}", "patch"), "an admin's"


async def test_every_error_is_problem_details_and_litestars_default_is_gone(openapi):
    for name, operation in operations(openapi):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {"schema": PROBLEM}}, (name, status)
                assert int(status) != 429 or "Retry-After" in response["headers"], name
    assert not [schema for schema in schemas_in(openapi) if "status_code" in schema.get("properties", {})], "Litestar's own"


async def test_problem_details_is_one_component(openapi):
    schemas = openapi["components"]["schemas"]
    problem = schemas["ProblemDetails"]
    assert set(problem["required"]) == {"type", "title", "status", "detail", "instance"}
    assert problem["properties"]["errors"]["oneOf"][0]["items"] == {"$ref": "#/components/schemas/FieldProblem"}
    assert set(schemas["FieldProblem"]["required"]) == {"field", "pointer", "detail"}
    assert "source" in schemas["FieldProblem"]["properties"]


async def test_a_sent_problem_matches_the_documented_one(openapi, client, db_session):
    schemas = openapi["components"]["schemas"]
    asker = await make_profile(db_session)
    r = await client.get("/api/v1/questions?page=0&status=closed", headers=auth(asker))
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert set(schemas["ProblemDetails"]["required"]) <= body.keys() <= schemas["ProblemDetails"]["properties"].keys()
    for error in body["errors"]:
        assert set(schemas["FieldProblem"]["required"]) <= error.keys() <= schemas["FieldProblem"]["properties"].keys()
    assert {error.get("source") for error in body["errors"]} == {"query"}
