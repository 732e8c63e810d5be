"""The `forum` command as an operator uses it on a fresh install: make the first admin, then a token."""

from __future__ import annotations

import asyncio

from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from forum.app import create_app
from forum.cli import main
from forum.models import Profile
from forum.settings import PROJECT_ROOT, Settings
from forum.settings_doc import settings_docs


async def _forum(database_url: str, *args: str):
    # The CLI runs its own event loop (asyncio.run), so it cannot share the test's loop.
    runner = CliRunner()
    return await asyncio.to_thread(runner.invoke, main, list(args), env={"DATABASE_URL": database_url})


async def test_first_admin_and_api_token_work_against_the_api(
    database_url: str, test_settings: Settings, committed_sessionmaker: async_sessionmaker[AsyncSession]
) -> None:
    email = "first-admin@cli.example"
    # The app opens its own engine and commits for real: the CLI's rows live outside any test transaction.
    app = create_app(test_settings)
    try:
        async with AsyncTestClient(app=app) as client:
            created = await _forum(
                database_url, "users", "create", "--email", email, "--password", "s3cret-passw0rd", "--name", "Ops", "--role", "admin"
            )
            assert created.exit_code == 0, created.output

            again = await _forum(database_url, "users", "create", "--email", email, "--password", "x" * 12, "--name", "Ops")
            assert again.exit_code != 0 and "already exists" in again.output

            login = await client.post("/api/v1/auth/login", json={"email": email, "password": "s3cret-passw0rd"})
            assert login.status_code == 200

            issued = await _forum(database_url, "tokens", "create", email, "support automation")
            assert issued.exit_code == 0, issued.output
            me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued.output.strip()}"})
            assert me.status_code == 200 and me.json()["role"] == "admin"

            unknown = await _forum(database_url, "tokens", "create", "nobody@cli.example", "x")
            assert unknown.exit_code != 0 and "No account" in unknown.output
    finally:
        async with committed_sessionmaker() as session, session.begin():
            await session.execute(delete(Profile).where(Profile.email == email))


async def test_db_current_reports_the_migrated_revision(database_url: str) -> None:
    result = await _forum(database_url, "db", "current")
    assert result.exit_code == 0, result.output
    assert "(head)" in result.output


def test_readme_documents_every_setting() -> None:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    missing = [doc.env_var for doc in settings_docs() if f"`{doc.env_var}`" not in readme]
    assert not missing, f"README.md lacks {missing}: run `forum config --write-readme README.md`"
