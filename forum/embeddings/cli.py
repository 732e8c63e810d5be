"""`forum embed`: backfill question vectors and switch the embedding model without downtime.

    forum embed                      # status: each model, and how many questions it covers
    forum embed --backfill           # queue embed jobs for every question missing an up-to-date vector
    forum embed --model NAME         # start a switch: NAME is filled through the queue, queries keep the old model
    forum embed --activate NAME      # switch queries to NAME once it covers every question (--force: even before)
    forum embed --drop NAME          # forget a retired model's vectors and index
    --run                            # also handle the queued jobs here, instead of waiting for `forum worker`

Switching is explicit (--activate) so that an operator can compare the two models before
queries move; the old model stays as 'retired' and can be activated again until it is dropped.
"""

from __future__ import annotations

import asyncio

import click

from forum.settings import Settings


@click.command("embed")
@click.option("--backfill", is_flag=True, help="Queue embed jobs for questions missing an up-to-date vector.")
@click.option("--model", "new_model", metavar="NAME", help="Start switching to this sentence-transformers name or path.")
@click.option("--activate", metavar="NAME", help="Make NAME the model queries use.")
@click.option("--force", is_flag=True, help="With --activate: even if some questions lack its vectors.")
@click.option("--drop", metavar="NAME", help="Delete a retired model's vectors and index.")
@click.option("--run", "run_jobs", is_flag=True, help="Handle the queued jobs in this process until none is left.")
def embed_command(backfill: bool, new_model: str | None, activate: str | None, force: bool, drop: str | None, run_jobs: bool) -> None:
    """Question embeddings: status, backfill and model switches."""
    try:
        asyncio.run(_embed(Settings.from_env(), backfill, new_model, activate, force, drop, run_jobs))
    except Exception as exc:
        from forum.embeddings.service import ModelSwitchError

        if isinstance(exc, ModelSwitchError):
            raise click.ClickException(str(exc)) from exc
        raise


async def _embed(
    settings: Settings, backfill: bool, new_model: str | None, activate: str | None, force: bool, drop: str | None, run_jobs: bool
) -> None:
    from forum import db
    from forum.embeddings import repository, service
    from forum.jobs.worker import Worker

    engine = db.create_engine(db.resolve_database_url(settings), pool_size=2)
    sessionmaker = db.create_sessionmaker(engine)
    try:
        if new_model:
            name = service.model_name_for(new_model)
            embedder = await service.aload_embedder(name, settings)
            # Built before any vector of the model exists and without blocking writes.
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await repository.create_model_index(autocommit, name, embedder.dim, concurrently=True)
            async with sessionmaker() as session, session.begin():
                model, queued = await service.start_model_switch(session, settings, name, create_index=False)
            click.echo(f"{model.name} ({model.dim} dims) is {model.status}; queued {queued} embed job(s).")
            # The docs index is small and bounded: its vectors of the new model are filled here, so
            # docs suggestions keep working the moment the model is activated.
            from docs_index.indexer import fill_vectors

            async def same_embedder(_model: repository.ModelRow) -> service.Embedder:
                return embedder

            async with sessionmaker() as session, session.begin():
                filled = await fill_vectors(session, model, same_embedder, settings.docs_embed_batch_size)
            click.echo(f"Filled docs vectors of {filled} chunk(s) for {model.name}.")
        if backfill:
            async with sessionmaker() as session, session.begin():
                queued = await repository.enqueue_backfill(session)
            click.echo(f"Queued {queued} embed job(s).")
        if run_jobs:
            handled = await Worker(sessionmaker, settings, kinds=[repository.EMBED_QUESTION]).run_until_idle()
            click.echo(f"Handled {handled} embed job(s).")
        if activate:
            name = service.model_name_for(activate)
            async with sessionmaker() as session, session.begin():
                await service.activate_model(session, name, force=force)
            click.echo(f"Queries now use {name}.")
        if drop:
            name = service.model_name_for(drop)
            async with sessionmaker() as session, session.begin():
                await service.drop_model(session, name, drop_index=False)
            async with engine.connect() as conn:
                autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await repository.drop_model_index(autocommit, name, concurrently=True)
            click.echo(f"Dropped {name}.")
        async with sessionmaker() as session:
            for model, embedded, total in await repository.model_coverage(session):
                click.echo(f"{model.status:8} {model.name} ({model.dim} dims): {embedded}/{total} questions")
    finally:
        await engine.dispose()
