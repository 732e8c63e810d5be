"""Chunking: sections, anchors, URLs, size cap and content hashes."""

import hashlib
import re

from docs_index import Slugger, chunk_page, page_url, parse_page


def chunks_of(text, path="product-analytics/funnels.mdx", **kwargs):
    return chunk_page(parse_page(text, path), **kwargs)


def test_page_urls():
    assert page_url("product-analytics/funnels.mdx") == "/docs/product-analytics/funnels"
    assert page_url("product-analytics/index.mdx") == "/docs/product-analytics"
    assert page_url("billing/common-questions.md") == "/docs/billing/common-questions"
    assert page_url("index.mdx") == "/docs"
    assert page_url("a/b.md", prefix="/handbook/") == "/handbook/a/b"


def test_anchors_follow_github_slugger():
    s = Slugger()
    assert s.slug("Why is my feature flag not working?") == "why-is-my-feature-flag-not-working"
    assert s.slug("Track across marketing website & app") == "track-across-marketing-website--app"
    assert s.slug("Step 1: Decode your cURL command") == "step-1-decode-your-curl-command"
    assert s.slug("snake_case and kebab-case (v2.0)") == "snake_case-and-kebab-case-v20"
    assert s.slug("Setup") == "setup"
    assert s.slug("Setup") == "setup-1"
    assert s.slug("Setup") == "setup-2"


def test_sections_headings_and_urls():
    text = """---
title: Funnels
---
# Funnels

Intro text before any section.

## Setup

Setup text.

### Conversion window

Window text.

## Setup

Second setup.

## What's `posthog.init()` for?

Init text.

## Empty section

<ProductScreenshot imageLight={x} />

## Setup

Third setup.
"""
    chunks = chunks_of(text)
    got = [(c.heading_path, c.url) for c in chunks]
    base = "/docs/product-analytics/funnels"
    assert got == [
        ([], base),
        (["Setup"], f"{base}#setup"),
        (["Setup", "Conversion window"], f"{base}#conversion-window"),
        (["Setup"], f"{base}#setup-1"),
        (["What's posthog.init() for?"], f"{base}#whats-posthoginit-for"),
        (["Setup"], f"{base}#setup-2"),  # the empty section still counts for numbering
    ]
    assert chunks[0].text == "Intro text before any section."
    assert chunks[0].anchor is None
    assert all(c.page_title == "Funnels" for c in chunks)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_links_become_text_and_images_disappear():
    text = "See [the funnel docs](/docs/funnels) or <https://posthog.com>.\n\n![A screenshot](/img.png)\n"
    (chunk,) = chunks_of(text)
    assert chunk.text == "See the funnel docs or https://posthog.com."


def test_oversize_section_splits_between_paragraphs():
    paragraphs = [f"Paragraph {i} " + "word " * 40 + "end." for i in range(12)]
    text = "## Big section\n\n" + "\n\n".join(paragraphs) + "\n"
    chunks = chunks_of(text, max_chars=600)
    assert len(chunks) > 1
    assert all(len(c.text) <= 600 for c in chunks)
    assert {c.url for c in chunks} == {"/docs/product-analytics/funnels#big-section"}
    # Every paragraph lands whole in exactly one chunk, in order.
    found = [p for c in chunks for p in c.text.split("\n\n")]
    assert found == [p.strip() for p in paragraphs]


def test_section_just_over_the_cap_splits_evenly():
    paragraphs = [f"Paragraph {i} " + "word " * 22 + "end." for i in range(5)]  # ~130 chars each
    chunks = chunks_of("## Section\n\n" + "\n\n".join(paragraphs) + "\n", max_chars=600)
    # Greedy filling would give 4 paragraphs + a 1-paragraph scrap; both halves should carry context.
    assert [c.text.count("Paragraph") for c in chunks] in ([3, 2], [2, 3])


def test_code_fence_is_not_cut_when_it_fits_and_is_flagged():
    code = "\n".join(f"posthog.capture('event_{i}')" for i in range(15))
    text = "## Install\n\n" + "Some prose. " * 30 + "\n\nRun this:\n\n```js\n" + code + "\n```\n\nMore prose after.\n"
    chunks = chunks_of(text, max_chars=500)
    with_code = [c for c in chunks if "```" in c.text]
    assert len(with_code) == 1 and with_code[0].has_code
    assert with_code[0].text.startswith("Run this:")  # the lead-in moves with its code
    assert "```js\n" + code + "\n```" in with_code[0].text
    assert not any(c.has_code for c in chunks if c not in with_code)


def test_code_fence_larger_than_the_cap_is_split_into_valid_fences():
    code = "\n".join(f"line_{i} = {i}" for i in range(200))
    chunks = chunks_of("## Big code\n\n```python\n" + code + "\n```\n", max_chars=400)
    assert len(chunks) > 1
    lines = []
    for c in chunks:
        assert c.has_code and len(c.text) <= 400
        assert re.fullmatch(r"```python\n[^`]*\n```", c.text)
        lines += c.text.split("\n")[1:-1]
    assert lines == code.split("\n")


def test_content_hash_covers_embed_text_and_context():
    text = "## Setup\n\nSame words.\n"
    (a,) = chunks_of("---\ntitle: Funnels\n---\n" + text)
    (b,) = chunks_of("---\ntitle: Funnels\n---\n" + text)
    (c,) = chunks_of("---\ntitle: Trends\n---\n" + text)
    (d,) = chunks_of("---\ntitle: Funnels\n---\n" + text.replace("Setup", "Install"))
    assert a.embed_text == "Funnels > Setup\n\nSame words."
    assert a.content_hash == hashlib.sha256(a.embed_text.encode()).hexdigest() == b.content_hash
    assert len({a.content_hash, c.content_hash, d.content_hash}) == 3
