"""Writes are rate limited per signed-in user and per client IP; suggestions have their own budget; reads are not."""

from tests.conftest import app_client
from tests.factories import auth, make_profile, make_question


async def test_writes_per_user_are_limited_with_retry_after(test_settings, sessionmaker, db_session):
    asker = await make_profile(db_session)
    q = await make_question(db_session, asker)
    settings = test_settings.replace(rate_limit_writes_per_user=3)
    async with app_client(settings, sessionmaker) as client:
        codes = [(await client.post(f"/api/v1/questions/{q.id}/follow", headers=auth(asker))).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = await client.post(f"/api/v1/questions/{q.id}/follow", headers=auth(asker))
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert int(limited.headers["retry-after"]) > 0
        assert (await client.get("/api/v1/questions")).status_code == 200, "reads are never limited"


async def test_writes_per_ip_are_limited_across_accounts(test_settings, sessionmaker, db_session):
    asker = await make_profile(db_session)
    q = await make_question(db_session, asker)
    people = [await make_profile(db_session) for _ in range(3)]
    settings = test_settings.replace(rate_limit_writes_per_ip=2)
    async with app_client(settings, sessionmaker) as client:
        codes = [(await client.post(f"/api/v1/questions/{q.id}/follow", headers=auth(p))).status_code for p in people]
        assert codes == [200, 200, 429]


async def test_new_tokens_do_not_reset_the_budget(test_settings, sessionmaker, db_session):
    from datetime import timedelta

    from forum.auth import tokens

    asker = await make_profile(db_session)
    q = await make_question(db_session, asker)
    settings = test_settings.replace(rate_limit_writes_per_user=2)

    def fresh_token(n: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.issue_jwt(asker.id, settings.jwt_secret, timedelta(minutes=10 + n))}"}

    async with app_client(settings, sessionmaker) as client:
        codes = [(await client.post(f"/api/v1/questions/{q.id}/follow", headers=fresh_token(n))).status_code for n in range(3)]
        assert codes == [200, 200, 429]


async def test_typing_a_question_does_not_use_up_the_writes_that_post_it(test_settings, sessionmaker, db_session):
    asker = await make_profile(db_session)
    settings = test_settings.replace(rate_limit_writes_per_user=2, rate_limit_writes_per_ip=2, rate_limit_suggestions_per_ip=5)
    async with app_client(settings, sessionmaker) as client:
        typed = ["How", "How do I", "How do I filter", "How do I filter events"]
        codes = [(await client.post("/api/v1/suggestions", json={"subject": s}, headers=auth(asker))).status_code for s in typed]
        assert codes == [200, 200, 200, 200]
        posted = await client.post(
            "/api/v1/questions", json={"subject": "How do I filter events", "body": "By property?"}, headers=auth(asker)
        )
        assert posted.status_code == 201

        # Suggestions have a budget of their own per IP address.
        codes = [(await client.post("/api/v1/suggestions", json={"subject": "filter"})).status_code for _ in range(2)]
        assert codes == [200, 429]
