"""The assessment's signals: explainable (weight and evidence), driven by settings, and fed by the
database for "no good match" and "repeated asking"."""

from __future__ import annotations

import pytest

from forum.settings import Settings
from forum.support.assessment import Evidence, assess
from tests.factories import auth
from tests.support.conftest import TEXTS

SETTINGS = Settings()


@pytest.mark.parametrize("severity", ["critical", "high", "medium", "low"])
def test_the_shared_test_texts_grade_as_intended(severity):
    result = assess(*TEXTS[severity], SETTINGS)
    assert result.severity == severity and result.flagged is (severity != "low")


def test_each_signal_carries_its_setting_weight_and_the_words_behind_it():
    result = assess("Charged twice for March", "Our card was charged twice. Please refund the duplicate.", SETTINGS)
    by_name = {s.signal: s for s in result.signals}
    assert by_name["account_request"].weight == SETTINGS.support_weight_account_request
    assert by_name["account_request"].evidence == "please refund"
    assert by_name["account_context"].evidence == "our card"
    assert result.score == pytest.approx(1 - (1 - 0.6) * (1 - 0.3) * (1 - 0.4), abs=1e-4)


def test_weights_and_threshold_are_settings():
    text = ("Cohort count is wrong", "Our cohort shows 12,000 people but we have 3,400 customers.")
    assert assess(*text, SETTINGS).flagged
    assert not assess(*text, SETTINGS.replace(support_flag_threshold=0.9)).flagged
    assert not assess(*text, SETTINGS.replace(support_weight_malfunction=0.0, support_weight_account_context=0.0)).flagged


def test_a_how_to_framing_lowers_weak_signals_but_not_a_reported_problem():
    how_to = assess("How do I change our plan?", "Where in the settings is it?", SETTINGS)
    assert how_to.signals[-1].signal == "how_to" and how_to.signals[-1].weight == -SETTINGS.support_how_to_discount
    problem = assess("How do I get back into our organisation?", "I'm locked out since the SSO change.", SETTINGS)
    assert problem.flagged and "how_to" not in {s.signal for s in problem.signals}


def test_outages_security_and_data_loss_are_critical_urgency_is_high():
    assert assess("Possible data breach", "A shared link exposes our users' emails.", SETTINGS).severity == "critical"
    assert assess("Events lost", "We lost two days of events after the migration.", SETTINGS).severity == "critical"
    assert assess("Production down: capture returns 500", "Since the deploy nothing is recorded.", SETTINGS).severity == "critical"
    assert assess("How do I scroll down in a recording?", "The player only shows the top.", SETTINGS).severity != "critical"
    assert assess("Export fails", "The CSV export fails with 'timeout' and our board meeting is tomorrow.", SETTINGS).severity == "high"
    assert assess("Export fails", "The CSV export fails with 'timeout'.", SETTINGS).severity == "medium"


def test_database_evidence_signals():
    weak = Evidence(best_match_similarity=0.31, best_match="Funnels › Steps", repeat_of=(7, "Export is broken", 0.91))
    names = {s.signal: s for s in assess("Export", "The export.", SETTINGS, weak).signals}
    assert names["no_good_match"].evidence == "closest: 'Funnels › Steps' at 0.31"
    assert names["repeated"].evidence == "asked #7 'Export is broken' recently (0.91 similar)"
    strong = Evidence(best_match_similarity=0.8, repeat_of=(7, "Other", 0.5))
    assert {s.signal for s in assess("Export", "The export.", SETTINGS, strong).signals} == set()
    assert {s.signal for s in assess("Export", "The export.", SETTINGS, Evidence()).signals} == set(), "absent, not computed"


async def test_asking_again_and_nothing_answered_nearby_show_as_signals(client, world, ask, run_jobs, case_of):
    answered = await ask(world.member, "How do I roll out a feature flag to 10% of users?", "Gradual rollout question.")
    reply = (await client.post(f"/api/v1/questions/{answered['id']}/replies", json={"body": "Set the rollout percentage."},
                               headers=auth(world.customers["high"]))).json()
    await client.post(f"/api/v1/questions/{answered['id']}/solution", json={"reply_id": reply["id"]}, headers=auth(world.member))
    customer = world.customers["medium"]
    first = await ask(customer, "Session recordings are blank on Safari", "Replays of Safari visitors show a white screen.")
    await run_jobs()
    again = await ask(customer, "Safari session replays are still blank", "Recordings of our Safari users are white screens.")
    await run_jobs()

    reasons = {r["signal"]: r for r in (await case_of(again["id"]))["item"]["reasons"]}
    assert f"asked #{first['id']}" in reasons["repeated"]["evidence"]
    assert reasons["no_good_match"]["weight"] == SETTINGS.support_weight_no_good_match
    first_reasons = {r["signal"] for r in (await case_of(first["id"]))["item"]["reasons"]}
    assert "repeated" not in first_reasons and "no_good_match" in first_reasons

    near = await ask(world.customers["low"], "Roll out a flag to 10% of users", "How do I do a gradual rollout of a feature flag?")
    await run_jobs()
    assert "no_good_match" not in {r["signal"] for r in (await case_of(near["id"]))["item"]["reasons"]}
    suggested = (await case_of(near["id"]))["suggestions"]["questions"]
    assert suggested[0]["id"] == answered["id"], "what the suggestions offered is kept for the ticket"
