"""Docs sections are suggested next to questions, linked with the anchor the docs site uses."""

from pathlib import Path

from docs_index.indexer import index_docs

PAGES = {
    "feature-flags/bootstrapping.md": """---
title: Bootstrapping feature flags
---

Flags load asynchronously, so the first render can show the wrong variant.

## Bootstrap flags from your server

Evaluate the flags on your server and pass them to `init` with the `bootstrap` option, so they are
ready before the first page load and nothing flickers.

## Troubleshooting

If flags are still undefined, check the distinct id you bootstrap with.
""",
    "billing/invoices.md": """---
title: Invoices
---

## Download an invoice

Invoices are listed in the billing settings of your organization; each has a PDF download link.
""",
    "session-replay/privacy.md": """---
title: Privacy controls
---

## Mask inputs

All input fields are masked by default in recordings.
""",
}


def write_tree(root: Path) -> Path:
    for rel, text in PAGES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


async def test_docs_sections_are_suggested_with_anchor_links(client, db_session, embedder, tmp_path):
    async def load(model):
        return embedder

    report = await index_docs(db_session, write_tree(tmp_path), load_embedder=load)
    assert report.chunks >= 4

    r = await client.post("/api/v1/suggestions", json={"subject": "my feature flags flicker on the first page load"})
    docs = r.json()["docs"]
    assert docs, r.text
    assert docs[0]["url"] == "/docs/feature-flags/bootstrapping#bootstrap-flags-from-your-server"
    assert docs[0]["page_title"] == "Bootstrapping feature flags" and docs[0]["heading"] == "Bootstrap flags from your server"
    assert "bootstrap" in docs[0]["snippet"]
    assert len({d["url"].split("#")[0] for d in docs}) == len(docs), "one section per page"

    invoice = (await client.post("/api/v1/suggestions", json={"subject": "where can I get a PDF of my invoice"})).json()["docs"]
    assert invoice[0]["url"] == "/docs/billing/invoices#download-an-invoice"

    unrelated = (await client.post("/api/v1/suggestions", json={"subject": "best banana bread recipe with walnuts"})).json()
    assert unrelated["docs"] == [], "weak docs matches are left out"
