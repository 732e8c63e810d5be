"""The generated docs issue as Markdown files and as GitHub issues posted through the job queue."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from forum.gaps import service
from forum.gaps.export import export_gaps
from forum.gaps.service import GITHUB_ISSUE_JOB
from forum.jobs.worker import Worker
from tests.factories import auth
from tests.gaps.conftest import EXPORTS, MASKING
from tests.gaps.fake_github import FakeGitHub


@pytest.fixture
def github():
    fake = FakeGitHub().start()
    yield fake
    fake.stop()


@pytest.fixture
def github_settings(settings, github):
    return settings.replace(
        gaps_github_api_url=github.url, gaps_github_token=github.token, gaps_github_timeout_seconds=0.5,
        job_backoff_base_seconds=10, job_backoff_jitter=0,
    )


async def _two_gaps(forum, db_session, settings, replay_topic):
    masking = await forum.ask_all(MASKING, topic=replay_topic, views=30)
    await forum.answer(masking[0], "Set `maskAllInputs: true` when you call init.", by=forum.support)
    await forum.ask_all(EXPORTS, days_ago=40)
    await service.detect(db_session, settings)
    gaps, _ = await service.list_gaps(db_session)
    return gaps, masking


async def test_markdown_export_writes_one_issue_per_gap(forum, db_session, settings, replay_topic, tmp_path):
    gaps, masking = await _two_gaps(forum, db_session, settings, replay_topic)
    report = await export_gaps(db_session, settings, fmt="markdown", out_dir=tmp_path)
    assert [p.name.split("-")[1] for p in report.written] == [str(g.id) for g in gaps]
    first = report.written[0].read_text()
    assert first.startswith(f"# {gaps[0].title}\n")
    for heading in ("## Summary", "## Evidence", "## Where the answer belongs", "## Proposed outline", "## Answers already given"):
        assert heading in first
    # Evidence rows link each question and give the day it was asked.
    for question in masking:
        assert f"](https://forum.example.com/questions/{question.permalink})" in first
        assert question.created_at.date().isoformat() in first
    assert "maskAllInputs" in first and "Devi Support (support)" in first

    report = await export_gaps(db_session, settings, fmt="github", out_dir=tmp_path / "gh", gap_ids=[gaps[1].id])
    [path] = report.written
    payload = json.loads(path.read_text())
    assert payload["title"] == gaps[1].title and payload["body"].startswith(f"<!-- forum-docs-gap:{gaps[1].id} -->")


async def _post(sessionmaker, settings) -> int:
    return await Worker(sessionmaker, settings, kinds=[GITHUB_ISSUE_JOB]).run_until_idle()


async def _job(session):
    row = await session.execute(
        text("SELECT status, attempts, last_error, extract(epoch FROM run_at - now()) AS delay FROM jobs "
             "WHERE kind = :k ORDER BY id DESC LIMIT 1"), {"k": GITHUB_ISSUE_JOB}
    )
    return row.one()


async def test_github_export_posts_each_gap_once_and_marks_it_filed(forum, api, db_session, sessionmaker, github_settings, github, replay_topic):
    gaps, _ = await _two_gaps(forum, db_session, github_settings, replay_topic)
    report = await export_gaps(db_session, github_settings, github_repo="acme/docs")
    assert report.queued == 2 and github.requests() == []  # nothing is sent before the worker runs
    # Asked twice before the worker ran: still one job per gap.
    assert (await export_gaps(db_session, github_settings, github_repo="acme/docs")).queued == 2
    assert await _post(sessionmaker, github_settings) == 2

    created = github.created()
    assert [i["title"] for i in created] == [g.title for g in gaps]
    assert {label["name"] for label in created[0]["labels"]} == {"docs", "docs-gap"}
    assert "## Where the answer belongs" in created[0]["body"]
    listed = (await api.get("/api/v1/gaps?status=filed", headers=auth(forum.support))).json()["items"]
    assert {g["filed_url"] for g in listed} == {"https://github.com/acme/docs/issues/1", "https://github.com/acme/docs/issues/2"}

    again = await export_gaps(db_session, github_settings, github_repo="acme/docs", gap_ids=[g.id for g in gaps])
    assert (again.queued, again.already_posted) == (0, 2)
    await _post(sessionmaker, github_settings)
    assert len(github.created()) == 2


async def test_a_timed_out_create_is_found_on_retry_instead_of_posted_twice(forum, db_session, sessionmaker, github_settings, github, replay_topic):
    gaps, _ = await _two_gaps(forum, db_session, github_settings, replay_topic)
    await export_gaps(db_session, github_settings, github_repo="acme/docs", gap_ids=[gaps[0].id])
    github.plan("POST", "slow")  # GitHub creates the issue but answers after the client gave up
    await _post(sessionmaker, github_settings)
    job = await _job(db_session)
    assert job.status == "queued" and job.attempts == 1 and "did not answer" in job.last_error
    assert len(github.created()) == 1

    await db_session.execute(text("UPDATE jobs SET run_at = now() WHERE kind = :k AND status = 'queued'"), {"k": GITHUB_ISSUE_JOB})
    await _post(sessionmaker, github_settings)
    assert (await _job(db_session)).status == "done"
    assert len(github.created()) == 1
    assert (await service.get_gap(db_session, gaps[0].id)).filed_url == "https://github.com/acme/docs/issues/1"


async def test_rate_limited_posting_waits_as_long_as_github_says(forum, db_session, sessionmaker, github_settings, github, replay_topic):
    gaps, _ = await _two_gaps(forum, db_session, github_settings, replay_topic)
    await export_gaps(db_session, github_settings, github_repo="acme/docs", gap_ids=[gaps[0].id])
    github.plan("GET", "429:42")
    await _post(sessionmaker, github_settings)
    job = await _job(db_session)
    assert job.status == "queued" and 41 <= job.delay <= 43
    assert github.created() == []


async def test_without_a_token_the_issue_waits_instead_of_being_dropped(forum, db_session, sessionmaker, github_settings, github, replay_topic):
    gaps, _ = await _two_gaps(forum, db_session, github_settings, replay_topic)
    unconfigured = github_settings.replace(gaps_github_token=None)
    await export_gaps(db_session, unconfigured, github_repo="acme/docs", gap_ids=[gaps[0].id])
    await _post(sessionmaker, unconfigured)
    job = await _job(db_session)
    assert job.status == "queued" and "FORUM_GAPS_GITHUB_TOKEN" in job.last_error
    assert github.requests() == []
    row = await db_session.execute(text("SELECT status, last_error FROM docs_gap_issues WHERE gap_id = :g"), {"g": gaps[0].id})
    status, error = row.one()
    assert status == "pending" and "FORUM_GAPS_GITHUB_TOKEN" in error
