"""Accounts: register, log in, JWTs for the website, revocable API tokens for support and automation."""

from tests.factories import PASSWORD, auth, make_profile


async def test_register_then_login_then_me(client):
    r = await client.post(
        "/api/v1/auth/register", json={"email": "ada@example.com", "password": "s3cret-enough", "display_name": "Ada"}
    )
    assert r.status_code == 201
    assert r.json()["display_name"] == "Ada" and r.json()["role"] == "member"
    assert "password" not in r.text and "hash" not in r.text

    r = await client.post("/api/v1/auth/login", json={"email": "ADA@example.com", "password": "s3cret-enough"})
    assert r.status_code == 200
    token = r.json()
    assert token["token_type"] == "Bearer" and token["access_token"]

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == "ada@example.com"


async def test_password_is_stored_hashed_with_argon2(client, db_session):
    from sqlalchemy import select

    from forum.models import Profile

    await client.post("/api/v1/auth/register", json={"email": "h@example.com", "password": "s3cret-enough", "display_name": "H"})
    stored = await db_session.scalar(select(Profile.password_hash).where(Profile.email == "h@example.com"))
    assert stored.startswith("$argon2") and "s3cret-enough" not in stored


async def test_duplicate_email_is_a_conflict(client, db_session):
    await make_profile(db_session, email="taken@example.com")
    r = await client.post("/api/v1/auth/register", json={"email": "Taken@example.com", "password": "s3cret-enough", "display_name": "X"})
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_bad_registration_names_the_field(client):
    r = await client.post("/api/v1/auth/register", json={"email": "not-an-email", "password": "short", "display_name": "X"})
    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} & {"email", "password"}


async def test_honeypot_registration_is_rejected(client):
    r = await client.post(
        "/api/v1/auth/register",
        json={"email": "bot@example.com", "password": "s3cret-enough", "display_name": "Bot", "website": "http://spam"},
    )
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "website"
    login = await client.post("/api/v1/auth/login", json={"email": "bot@example.com", "password": "s3cret-enough"})
    assert login.status_code == 401


async def test_wrong_password_and_unknown_email_look_the_same(client, db_session):
    await make_profile(db_session, email="known@example.com")
    wrong = await client.post("/api/v1/auth/login", json={"email": "known@example.com", "password": "nope-nope"})
    unknown = await client.post("/api/v1/auth/login", json={"email": "who@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


async def test_login_with_the_factory_password(client, db_session):
    await make_profile(db_session, email="f@example.com")
    r = await client.post("/api/v1/auth/login", json={"email": "f@example.com", "password": PASSWORD})
    assert r.status_code == 200


async def test_garbage_token_is_401_not_anonymous(client):
    r = await client.get("/api/v1/questions", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401


async def test_api_token_lifecycle(client, db_session):
    engineer = await make_profile(db_session, role="support")
    created = await client.post("/api/v1/me/tokens", json={"name": "zendesk bridge"}, headers=auth(engineer))
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("fat_")

    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.status_code == 200 and me.json()["id"] == engineer.id

    listed = await client.get("/api/v1/me/tokens", headers=auth(engineer))
    assert [t["name"] for t in listed.json()] == ["zendesk bridge"]
    assert listed.json()[0]["token"] is None, "the secret is shown only once"

    revoked = await client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=auth(engineer))
    assert revoked.status_code == 204
    after = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert after.status_code == 401


async def test_cannot_revoke_someone_elses_token(client, db_session):
    owner = await make_profile(db_session)
    other = await make_profile(db_session)
    created = await client.post("/api/v1/me/tokens", json={"name": "mine"}, headers=auth(owner))
    r = await client.delete(f"/api/v1/me/tokens/{created.json()['id']}", headers=auth(other))
    assert r.status_code == 404


async def test_admin_sets_roles_member_cannot(client, db_session):
    admin = await make_profile(db_session, role="admin")
    member = await make_profile(db_session)
    r = await client.patch(f"/api/v1/profiles/{member.id}", json={"role": "support"}, headers=auth(member))
    assert r.status_code == 403
    r = await client.patch(f"/api/v1/profiles/{member.id}", json={"role": "support"}, headers=auth(admin))
    assert r.status_code == 200 and r.json()["role"] == "support"


async def test_profile_edit_and_public_view(client, db_session):
    member = await make_profile(db_session)
    r = await client.patch("/api/v1/me", json={"bio": "I like funnels", "avatar_url": "https://example.com/a.png"}, headers=auth(member))
    assert r.status_code == 200
    public = await client.get(f"/api/v1/profiles/{member.id}")
    assert public.json()["bio"] == "I like funnels"
    assert "email" not in public.json()
    bad = await client.patch("/api/v1/me", json={"avatar_url": "javascript:alert(1)"}, headers=auth(member))
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "avatar_url"


async def test_display_names_and_avatars_are_what_they_seem(client, db_session):
    """No control characters or bidi overrides in a name shown next to every post; an avatar is an http(s) URL with a host."""
    member = await make_profile(db_session, display_name="Ada")
    for body, field in [
        ({"display_name": "Ada\u202e"}, "display_name"),
        ({"display_name": "Ada\u0007"}, "display_name"),
        ({"avatar_url": "http://"}, "avatar_url"),
        ({"avatar_url": 'https://example.com/a.png" onerror="alert(1)'}, "avatar_url"),
        ({"avatar_url": "https://exa mple.com/a.png"}, "avatar_url"),
    ]:
        r = await client.patch("/api/v1/me", json=body, headers=auth(member))
        assert r.status_code == 400 and field in [e["field"] for e in r.json()["errors"]], (body, r.text)
    r = await client.post("/api/v1/auth/register", json={"email": "rlo@example.com", "password": "a-long-password", "display_name": "\u202egnp.exe"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "display_name"
    shown = (await client.get(f"/api/v1/profiles/{member.id}")).json()
    assert (shown["display_name"], shown["avatar_url"]) == ("Ada", None)
    fine = {"display_name": "Zoë 👩\u200d💻", "avatar_url": "https://cdn.example.com:8443/a/b.png?size=64"}
    assert (await client.patch("/api/v1/me", json=fine, headers=auth(member))).status_code == 200


async def test_blank_token_names_are_refused_and_a_blank_bio_is_none(client, db_session):
    member = await make_profile(db_session)
    r = await client.post("/api/v1/me/tokens", json={"name": "   "}, headers=auth(member))
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "name"
    assert (await client.get("/api/v1/me/tokens", headers=auth(member))).json() == []
    r = await client.patch("/api/v1/me", json={"bio": " \u200b "}, headers=auth(member))
    assert r.status_code == 200 and r.json()["bio"] is None
