"""The questions' full text reads the word still being typed as the words it begins, weighted by how
many questions hold each (the question vocabulary, counted again by a scheduled job)."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from forum.models import Job
from forum.suggestions import repository, service
from tests.factories import make_profile, make_question


async def count_vocabulary(session) -> None:
    await session.execute(text("REFRESH MATERIALIZED VIEW question_vocabulary"))


async def fulltext(session, query_text: str, unfinished_word: str = "") -> list[int]:
    hits = await repository.fulltext_questions(session, query_text, limit=10, max_terms=24, unfinished_word=unfinished_word)
    return [h.key for h in hits]


async def test_an_unfinished_word_finds_the_questions_of_the_words_it_begins(db_session):
    asker = await make_profile(db_session)
    flicker = await make_question(db_session, asker, "Feature flag flickers on page load", "The old variant shows first.")
    await make_question(db_session, asker, "Invoices in euros", "Can I be billed in EUR?")
    await count_vocabulary(db_session)

    assert await fulltext(db_session, "flick") == [], "read whole, no question holds it"
    assert await fulltext(db_session, "flick", unfinished_word="flick") == [flicker.id]
    # A finished word still finds what it found before.
    assert await fulltext(db_session, "invoices", unfinished_word="invoices") == await fulltext(db_session, "invoices") != []


async def test_the_likeliest_completion_counts_most(db_session):
    asker = await make_profile(db_session)
    replays = [
        await make_question(db_session, asker, f"Something is wrong {n}", f"My session replay {what}.")
        for n, what in enumerate(("is blank", "skips", "has no network tab"))
    ]
    # In the subject, which counts six times the body: read in full, "report" would win.
    report = await make_question(db_session, asker, "Monthly report export", "How do I download it?")
    await count_vocabulary(db_session)

    found = await fulltext(db_session, "rep", unfinished_word="rep")

    assert set(found) == {q.id for q in replays} | {report.id}
    assert found[-1] == report.id, "three questions say replay, one says report"


async def test_a_typed_draft_reaches_the_questions_full_text(db_session, test_settings, embedder):
    asker = await make_profile(db_session)
    flicker = await make_question(db_session, asker, "Feature flag flickers on page load", "The old variant shows first.")
    await count_vocabulary(db_session)

    typed = await service.encode_query(db_session, test_settings, "why does it flick", None, as_typed=True)
    finished = await service.encode_query(db_session, test_settings, "why does it flick ", None, as_typed=True)

    fulltext_only = ("fulltext",)
    ranked = await service.rank_questions(db_session, test_settings, typed, limit=5, systems=fulltext_only)
    assert [c.key for c in ranked] == [flicker.id]
    assert typed.unfinished_word == "flick" and finished.unfinished_word == ""
    assert await service.rank_questions(db_session, test_settings, finished, limit=5, systems=fulltext_only) == []


async def test_the_vocabulary_is_counted_again_on_a_schedule(db_session, run_jobs):
    asker = await make_profile(db_session)
    await make_question(db_session, asker, "Heatmaps missing on mobile", "Nothing shows.")

    await db_session.execute(text("INSERT INTO jobs (kind, payload) VALUES ('suggestions_vocabulary', '{\"scheduled\": true}')"))
    await run_jobs()

    counted = (await db_session.execute(text("SELECT questions FROM question_vocabulary WHERE lexeme = 'heatmap'"))).scalar()
    assert counted == 1
    as_written = await repository.question_word_counts(db_session, "heatm", limit=4)
    assert as_written.longer == [("heatmaps", 1)], "the words as written too, for completing a draft's last word"
    following = (
        await db_session.scalars(select(Job).where(Job.kind == "suggestions_vocabulary", Job.status == "queued"))
    ).all()
    assert len(following) == 1
    assert following[0].run_at > datetime.now(UTC) + timedelta(minutes=50), "the next count is an hour away"
