"""`forum worker`: run the job worker until SIGTERM/SIGINT (or, with --until-idle, until the queue is empty)."""

from __future__ import annotations

import asyncio
import logging
import signal

import click

from forum.settings import Settings

log = logging.getLogger(__name__)


@click.command("worker")
@click.option("--until-idle", is_flag=True, help="Handle the jobs that are due, then exit (cron, one-off backfills).")
def worker_command(until_idle: bool) -> None:
    """Run the durable job worker (embeddings and every other queued job)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    handled = asyncio.run(run_worker(Settings.from_env(), until_idle=until_idle))
    if until_idle:
        click.echo(f"Handled {handled} job(s).")


async def run_worker(settings: Settings, *, until_idle: bool = False) -> int:
    from forum import db
    from forum.jobs.worker import Worker

    engine = db.create_engine(db.resolve_database_url(settings), pool_size=2)
    worker = Worker(db.create_sessionmaker(engine), settings)
    try:
        if until_idle:
            return await worker.run_until_idle()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await worker.start()
        log.info("worker started (poll every %.1fs)", settings.worker_poll_seconds)
        await stopping.wait()
        log.info("stopping: finishing the job in hand")
        await worker.stop()
        return 0
    finally:
        await engine.dispose()
