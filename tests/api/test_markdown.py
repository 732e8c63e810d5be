"""User Markdown becomes HTML that cannot run script, whatever the input."""

import re

import pytest

from forum.markdown import markdown_to_text, render_markdown
from tests.factories import auth, make_profile

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![img](javascript:alert(1))",
    "[a [nested](javascript:alert(1)) link](https://ok.example)",
    '<iframe src="https://evil.example"></iframe>',
    "<svg onload=alert(1)>",
    '[x](https://ok.example "title" onclick="alert(1)")',
    "<style>body{display:none}</style>",
    "[ref]\n\n[ref]: javascript:alert(1)",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_markdown_renders_inert(source):
    html = render_markdown(source)
    lowered = html.lower()
    assert "<script" not in lowered and "<iframe" not in lowered and "<svg" not in lowered and "<style" not in lowered
    assert not re.search(r"<[^>]+\son\w+\s*=", lowered), "no event-handler attribute survives inside a tag"
    assert not re.search(r'(href|src)="\s*(javascript|data|vbscript):', lowered)


def test_links_get_nofollow_ugc_noopener():
    html = render_markdown("[docs](https://posthog.com/docs) and https://example.com/auto")
    assert html.count('rel="nofollow ugc noopener"') == 2
    assert 'href="https://posthog.com/docs"' in html


def test_code_blocks_are_escaped_not_executed():
    html = render_markdown("```html\n<script>alert(1)</script>\n```")
    assert "&lt;script&gt;" in html and "<script>" not in html


def test_huge_and_deeply_nested_input_renders_quickly_and_safely():
    html = render_markdown("> " * 5000 + "deep")
    # markdown-it caps nesting, so a hostile post cannot make the page (or the parser) explode.
    assert html.count("<blockquote>") <= 100
    assert "<em>" in render_markdown("*x* " * 20_000)


def test_plain_text_for_embeddings_drops_markup_keeps_code():
    text = markdown_to_text("# Title\n\nSome **bold** [link](https://x.example)\n\n```py\nprint(1)\n```")
    assert "Title" in text and "bold" in text and "link" in text and "print(1)" in text
    assert "**" not in text and "https://x.example" not in text


async def test_the_api_stores_sanitised_html(client, db_session):
    asker = await make_profile(db_session)
    r = await client.post(
        "/api/v1/questions",
        json={"subject": "XSS?", "body": '<script>alert(1)</script> [x](javascript:alert(1)) <b onclick="x">hi</b>'},
        headers=auth(asker),
    )
    html = r.json()["body_html"]
    assert "<script" not in html and "onclick=" not in html.replace("&quot;", "").split("&lt;b")[0]
    assert 'href="javascript' not in html
    assert "&lt;script&gt;" in html, "raw HTML is shown as text, not dropped silently"


def test_plain_text_keeps_words_apart_across_lines_and_markup():
    text = markdown_to_text("I tried `JOIN persons` and **bootstrap** now\nnext line")
    assert text == "I tried JOIN persons and bootstrap now next line"


def test_an_excerpt_of_a_long_body_reads_as_its_start_and_says_there_is_more():
    from forum.questions.schemas import excerpt

    opening = "Set **`person_profiles`** to `identified_only`, then [call identify](https://posthog.com/docs) on login."
    body = opening + "\n\n" + "\n\n".join(f"Paragraph {n} explains one more detail of the setup." for n in range(400))

    assert excerpt(body, 60) == "Set person_profiles to identified_only, then call identify…"
    screenshots = "\n\n".join(f"![](https://example.com/{'step' * 30}/{n}.png)" for n in range(200))
    assert excerpt(opening + "\n\n" + screenshots + "\n\nThe last words.", 300).endswith("call identify on login.…")
    assert excerpt(opening, 200) == "Set person_profiles to identified_only, then call identify on login."
