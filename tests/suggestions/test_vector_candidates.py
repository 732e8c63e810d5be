"""One statement gives the nearest questions and the exact similarities of what full text found."""

from forum.suggestions import repository
from forum.suggestions.service import encode_query
from tests.suggestions.test_suggestions_api import seed

FLAGS = "How do I bootstrap feature flags on first page load?"
BANANA = "What is the best recipe for banana bread?"


async def test_nearest_and_the_similarity_of_text_only_candidates(client, db_session, ask_and_answer, run_jobs, test_settings):
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    flags, banana = created[FLAGS]["id"], created[BANANA]["id"]
    query = await encode_query(db_session, test_settings, "feature flags flicker on page load", "")

    found = await repository.question_vector_candidates(
        db_session, query.model, query.vector, query.subject_vector, limit=1, ef_search=40, extra_ids=[banana]
    )

    assert found.nearest == [flags]
    assert set(found.scores) == {flags, banana}, "the text-only candidate is scored on the same scale"
    assert found.scores[flags].similarity > 0.5 > found.scores[banana].similarity
    assert found.scores[flags].fields["subject"] > 0.5 and "answer" in found.scores[flags].fields


async def test_excluded_questions_are_not_returned_as_nearest(client, db_session, ask_and_answer, run_jobs, test_settings):
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    flags = created[FLAGS]["id"]
    query = await encode_query(db_session, test_settings, "feature flags flicker on page load", "")

    found = await repository.question_vector_candidates(
        db_session, query.model, query.vector, query.subject_vector, limit=3, ef_search=40, exclude_ids=[flags]
    )

    assert len(found.nearest) == 3 and flags not in found.nearest and flags not in found.scores


async def test_without_the_vector_search_only_the_given_candidates_are_scored(client, db_session, ask_and_answer, run_jobs, test_settings):
    _, created = await seed(db_session, ask_and_answer, run_jobs)
    banana = created[BANANA]["id"]
    query = await encode_query(db_session, test_settings, "feature flags flicker on page load", "")

    found = await repository.question_vector_candidates(
        db_session, query.model, query.vector, query.subject_vector, limit=3, ef_search=40, extra_ids=[banana], search=False
    )

    assert found.nearest == [] and set(found.scores) == {banana}
