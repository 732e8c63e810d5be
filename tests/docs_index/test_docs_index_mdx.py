"""MDX cleaning: what survives of a page once front matter, ESM and JSX are gone."""

import logging
from pathlib import Path

from docs_index import chunk_page, iter_pages, parse_page, read_page


def test_front_matter_title_and_fallbacks():
    assert parse_page("---\ntitle: Funnels\nsidebar: Docs\n---\n\nBody\n", "a.mdx").title == "Funnels"
    # Unquoted colon makes this invalid YAML; the title line must still be found.
    broken = "---\ntitle: Funnels: the guide\nfoo: [unclosed\n---\nBody\n"
    page = parse_page(broken, "a.mdx")
    assert page.title == "Funnels: the guide"
    assert page.body.strip() == "Body"
    assert parse_page("# Heading one\n\nBody\n", "a.md").title == "Heading one"
    assert parse_page("Just text\n", "product-analytics/cutting-costs.mdx").title == "Cutting costs"


def test_imports_and_exports_are_removed_including_multiline_blocks():
    text = """---
title: T
---
import { CalloutBox } from 'components/Docs/CalloutBox'
import {
  Foo,
  Bar,
} from "components/Foo"
export const SettingsLight =
  "https://example.com/light.png";
export const meta = {
  tags: ["a", "b"],

  nested: { deep: [1, 2, 3] },
}

First paragraph stays.

export const other = "x"

Last paragraph stays; import your data from Amplitude is prose.
"""
    body = parse_page(text, "p.mdx").body
    assert "First paragraph stays." in body
    assert "Last paragraph stays; import your data from Amplitude is prose." in body
    for leftover in ("import", "export", "SettingsLight", "example.com", "nested", "deep", "tags"):
        assert leftover not in body.replace("import your data", "")


def test_nested_components_keep_their_text():
    text = """Intro.

<Tab.Group tabs={['Web', 'Node']}>
  <Tab.List>
    <Tab>Web</Tab>
    <Tab>Node</Tab>
  </Tab.List>
  <Tab.Panels>
    <Tab.Panel>

    Inside the **panel** with a [link](/docs/x).

    <CalloutBox icon="IconInfo" title="Heads up" type="info">Some **text** in a <span
      className="x">callout</span></CalloutBox>

    </Tab.Panel>
  </Tab.Panels>
</Tab.Group>
"""
    page = parse_page(text, "p.mdx")
    (chunk,) = chunk_page(page)
    # Tab labels are dropped, the callout title is kept as bold text.
    assert chunk.text == "Intro.\n\nInside the **panel** with a link.\n\n**Heads up** Some **text** in a callout"


def test_self_closing_components_vanish_even_with_tricky_attributes():
    text = """Before.

<ProductScreenshot
    imageLight={funnelStepsLight}
    alt="a > b, and /> inside a string"
    style={{ width: "50%", label: '}' }}
/>

After <Badge text="new" /> inline.
"""
    body = parse_page(text, "p.mdx").body
    assert "Before." in body
    assert "After  inline." in body
    for leftover in ("ProductScreenshot", "funnelStepsLight", "inside a string", "50%", "Badge", "/>"):
        assert leftover not in body


def test_code_is_kept_verbatim_and_never_parsed_as_headings_or_jsx():
    text = """---
title: Setup
---
Use `<PostHogProvider>` and `a < b` inline.

```jsx
import posthog from 'posthog-js'
# not a heading
<PostHogProvider client={posthog}>
  <App />
</PostHogProvider>
```

## Real heading

Text.
"""
    chunks = chunk_page(parse_page(text, "setup.mdx"))
    assert [c.heading_path for c in chunks] == [[], ["Real heading"]]
    intro = chunks[0]
    assert intro.has_code and not chunks[1].has_code
    assert "`<PostHogProvider>`" in intro.text and "`a < b`" in intro.text
    assert (
        "```jsx\nimport posthog from 'posthog-js'\n# not a heading\n"
        "<PostHogProvider client={posthog}>\n  <App />\n</PostHogProvider>\n```"
    ) in intro.text


def test_html_comments_and_jsx_spaces_are_dropped():
    body = parse_page("One{' '}two <!-- hidden note --> three {/* hidden too */}four\n", "p.mdx").body
    assert body.strip() == "One two  three four"


def test_missing_snippet_warns_and_keeps_the_rest(caplog):
    text = """import Missing from '../_snippets/not-there.mdx'
import { ProductScreenshot } from 'components/ProductScreenshot'

Before the snippet.

<Missing />

After the snippet.
"""
    with caplog.at_level(logging.WARNING):
        page = parse_page(text, "guide.mdx", source=Path("/nonexistent/docs/guide.mdx"), root=Path("/nonexistent/docs"))
    assert len(page.warnings) == 1
    assert "guide.mdx" in page.warnings[0] and "not-there.mdx" in page.warnings[0]
    assert any("not-there.mdx" in r.getMessage() for r in caplog.records)
    assert "Before the snippet." in page.body and "After the snippet." in page.body
    assert "Missing" not in page.body


def test_resolvable_snippet_is_inlined_and_snippet_folders_are_not_pages(tmp_path):
    (tmp_path / "_snippets").mkdir()
    (tmp_path / "_snippets" / "intro.mdx").write_text(
        "---\ntitle: ignored\n---\nimport X from 'components/X'\n\n<X />\nShared **snippet** text.\n"
    )
    (tmp_path / "_snippets" / "loop.mdx").write_text("import Loop from './loop.mdx'\n\nLoop text.\n\n<Loop />\n")
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "index.mdx").write_text(
        "---\ntitle: Guide\n---\nimport Intro from '../_snippets/intro.mdx'\n"
        "import Loop from '../\\_snippets/loop.mdx'\n\nStart.\n\n<Intro />\n\n<Loop />\n"
    )
    assert [p.relative_to(tmp_path).as_posix() for p in iter_pages(tmp_path)] == ["guide/index.mdx"]
    page = read_page(tmp_path / "guide" / "index.mdx", tmp_path)
    assert "Shared **snippet** text." in page.body
    assert "Loop text." in page.body  # inlined once; the self-import is refused
    assert page.body.count("Loop text.") == 1
    assert any("cycle" in w for w in page.warnings)
    assert "ignored" not in page.body and "<" not in page.body


def test_a_stray_angle_bracket_does_not_swallow_following_paragraphs():
    body = parse_page("Values <x for small inputs.\n\nBig values > 10 are fine.\n", "notes.md").body
    assert "Big values > 10 are fine." in body
