"""Which part of a long docs section is shown under its link (forum/suggestions/snippets.py)."""

from forum.suggestions.snippets import snippet

SECTION = (
    "Funnels show how many users complete a series of steps.\n"
    "Why a later step can have more users\n"
    "A later step counts everyone who did the earlier steps in order, within the conversion window."
)


def test_the_opening_is_shown_unless_a_later_sentence_matches_more():
    assert snippet(SECTION, ["funnel", "step"], 80).startswith("Funnels show")
    assert snippet(SECTION, [], 80).startswith("Funnels show")
    assert snippet(SECTION, ["convers", "window"], 80) == "…A later step counts everyone who did the earlier steps in order, within the…"


def test_a_short_stem_matches_only_its_own_word():
    """"us" (from "us") must not pull the snippet to a sentence about "users"."""
    assert snippet("Contact us by email.\nUsers can export data.", ["us"], 80).startswith("Contact us")
    assert snippet("Contact support by email.\nUsers can export data.", ["user", "export"], 80) == "…Users can export data."


def test_a_short_section_is_shown_whole():
    assert snippet("Masked by default.", ["mask"], 80) == "Masked by default."
