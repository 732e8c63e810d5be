"""Bring the stored docs index in line with a docs tree, re-embedding only what changed.

    report = await index_docs(session, root, load_embedder=loader)   # caller commits

1. Pages whose fingerprint (docs_index/scan.py) is unchanged are not even parsed.
2. A changed page's new chunks are matched to its stored ones by content hash (kept, maybe moved),
   then leftovers by URL (an edited section: rewritten in place, so it keeps its id and
   indexed_at while updated_at moves); the rest are inserted or deleted.
3. Chunks lacking a vector of a filled model (active, or pending during a model switch) first
   borrow one from a row with the same text, and only then are encoded, in batches.
Pages no longer in the tree are deleted with their chunks.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from forum.embeddings import repository as embeddings
from forum.embeddings.embedder import Embedder, aload_embedder
from forum.embeddings.repository import ModelRow
from forum.settings import Settings

from . import store
from .chunk import DEFAULT_MAX_CHARS, Chunk
from .scan import ParsedPage, parse_pages, scan_tree
from .slug import page_url

EmbedderLoader = Callable[[ModelRow], Awaitable[Embedder]]


@dataclass
class IndexReport:
    pages: int = 0  # page files in the tree
    pages_parsed: int = 0  # the rest were unchanged and skipped
    pages_deleted: int = 0
    chunks: int = 0  # stored after the run
    embedded: int = 0  # chunks whose text (or heading) the model encoded, per filled model
    reused: int = 0  # chunks whose vectors were kept or borrowed from a row with the same text
    deleted: int = 0  # chunks deleted
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"{self.pages} pages ({self.pages_parsed} parsed, {self.pages_deleted} deleted), {self.chunks} chunks: "
            f"{self.embedded} embedded, {self.reused} reused, {self.deleted} deleted; "
            f"{len(self.warnings)} warnings; {self.seconds:.2f}s"
        )


@dataclass
class _PagePlan:
    keep: list[tuple[int, Chunk]] = field(default_factory=list)  # (stored id, chunk): same text
    rewrite: list[tuple[int, Chunk]] = field(default_factory=list)  # same URL, new text
    insert: list[Chunk] = field(default_factory=list)
    delete: list[int] = field(default_factory=list)


def plan_page(stored: Sequence[store.StoredChunk], chunks: Sequence[Chunk]) -> _PagePlan:
    plan = _PagePlan()
    by_hash: dict[str, deque[store.StoredChunk]] = defaultdict(deque)
    for row in stored:
        by_hash[row.content_hash].append(row)
    unmatched: list[Chunk] = []
    for chunk in chunks:
        if by_hash[chunk.content_hash]:
            plan.keep.append((by_hash[chunk.content_hash].popleft().id, chunk))
        else:
            unmatched.append(chunk)
    by_url: dict[str, deque[int]] = defaultdict(deque)
    for rows in by_hash.values():
        for row in rows:
            by_url[row.url].append(row.id)
    for chunk in unmatched:
        if by_url[chunk.url]:
            plan.rewrite.append((by_url[chunk.url].popleft(), chunk))
        else:
            plan.insert.append(chunk)
    plan.delete = [chunk_id for ids in by_url.values() for chunk_id in ids]
    return plan


async def index_docs(
    session: AsyncSession,
    root: Path,
    *,
    load_embedder: EmbedderLoader,
    url_prefix: str = "/docs",
    max_chars: int = DEFAULT_MAX_CHARS,
    embed_batch_size: int = 256,
    models: Sequence[ModelRow] | None = None,
) -> IndexReport:
    """Index the tree at `root` for `models` (default: every filled model). The embedder of a
    model is only loaded when some chunk needs encoding, so an unchanged re-index never loads it."""
    started = time.perf_counter()
    root = Path(root)
    if not root.is_dir():
        raise NotADirectoryError(f"not a docs folder: {root}")
    await store.lock_index(session)
    targets = list(models) if models is not None else await embeddings.filled_models(session)
    scanned = scan_tree(root, url_prefix=url_prefix, max_chars=max_chars)
    stored = await store.stored_pages(session)
    report = IndexReport(pages=len(scanned.pages), warnings=list(scanned.warnings))

    changed = [f for f in scanned.pages if f.path not in stored or stored[f.path].content_hash != f.fingerprint]
    parsed, parse_warnings = parse_pages(root, changed, url_prefix=url_prefix, max_chars=max_chars)
    report.pages_parsed = len(parsed)
    parsed_by_path = {p.source.path: p for p in parsed}
    for f in scanned.pages:
        if f.path in parsed_by_path:
            report.warnings.extend(parsed_by_path[f.path].page.warnings)
        elif f.path in stored:
            report.warnings.extend(stored[f.path].warnings)  # still true: the page did not change
    report.warnings.extend(parse_warnings)

    old_chunks = await store.stored_chunks(session, [stored[p.source.path].id for p in parsed if p.source.path in stored])
    doomed_chunks: list[int] = []
    for p in parsed:
        previous = stored.get(p.source.path)
        doomed_chunks.extend(await _sync_page(session, p, previous, old_chunks.get(previous.id, []) if previous else [], url_prefix))

    # Deletions come after the borrowing, so that text which moved keeps its vector, and before
    # the encoding, so that nothing about to go is encoded.
    present = {f.path for f in scanned.pages} | scanned.unreadable
    gone = [page.id for path, page in stored.items() if path not in present]
    for model in targets:
        await store.ensure_vector_index(session, model)
        await store.copy_vectors_by_hash(session, model.name)
    report.deleted = await store.delete_chunks(session, doomed_chunks) + await store.delete_pages(session, gone)
    for model in targets:
        report.embedded += await fill_vectors(session, model, load_embedder, embed_batch_size)
    report.pages_deleted = len(gone)
    report.chunks = await store.count_chunks(session)
    report.reused = report.chunks * len(targets) - report.embedded
    report.seconds = time.perf_counter() - started
    return report


async def index_docs_with_settings(
    session: AsyncSession, root: Path, settings: Settings, *, url_prefix: str | None = None, max_chars: int | None = None
) -> IndexReport:
    """index_docs as the app configures it: its models, URL prefix, chunk size and batch size."""
    return await index_docs(
        session,
        root,
        load_embedder=lambda model: aload_embedder(model.name, settings),
        url_prefix=url_prefix or settings.docs_url_prefix,
        max_chars=max_chars or settings.docs_max_chars,
        embed_batch_size=settings.docs_embed_batch_size,
    )


async def _sync_page(
    session: AsyncSession, parsed: ParsedPage, previous: store.StoredPage | None, old: list[store.StoredChunk], url_prefix: str
) -> list[int]:
    """Write one changed page and its chunks; returns the ids of its chunks to delete."""
    plan = plan_page(old, parsed.chunks)
    old_by_id = {row.id: row for row in old}
    moves = [
        (chunk_id, chunk)
        for chunk_id, chunk in plan.keep
        if (old_by_id[chunk_id].ordinal, old_by_id[chunk_id].url, old_by_id[chunk_id].anchor, old_by_id[chunk_id].heading_path)
        != (chunk.ordinal, chunk.url, chunk.anchor, list(chunk.heading_path))
    ]
    content_changed = bool(plan.rewrite or plan.insert or plan.delete) or previous is None or previous.title != parsed.page.title
    page_id = await store.save_page(
        session,
        path=parsed.source.path,
        title=parsed.page.title,
        url=page_url(parsed.source.path, url_prefix),
        content_hash=parsed.source.fingerprint,
        warnings=list(parsed.page.warnings),
        changed=content_changed,
    )
    await store.move_chunks(session, moves)
    await store.rewrite_chunks(session, plan.rewrite)
    await store.insert_chunks(session, page_id, plan.insert)
    return plan.delete


async def fill_vectors(session: AsyncSession, model: ModelRow, load_embedder: EmbedderLoader, batch_size: int = 256) -> int:
    """Give every stored docs chunk its vectors of `model` for its current text; returns how many
    chunks needed encoding. What a model switch calls to fill the docs for a pending model."""
    # One writer at a time, as for a re-index: both write vectors, and every write to the docs tables
    # also updates the index's one token row (migration 0010), so two writers could deadlock.
    await store.lock_index(session)
    await store.ensure_vector_index(session, model)
    await store.copy_vectors_by_hash(session, model.name)
    missing = await store.chunks_missing_vectors(session, model.name)
    if not missing:
        return 0
    embedder = await load_embedder(model)
    if embedder.dim != model.dim:
        raise ValueError(f"model {model.name} encodes {embedder.dim} dimensions but {model.dim} are recorded")
    # The parts of a long section share one heading: each distinct text is encoded once.
    by_text: dict[tuple[str, str], list[store.ChunkToEmbed]] = defaultdict(list)
    for item in missing:
        by_text[(item.kind, item.content_hash)].append(item)
    groups = list(by_text.values())
    for start in range(0, len(groups), batch_size):
        batch = groups[start : start + batch_size]
        vectors = await embedder.aencode([group[0].text for group in batch])
        await store.save_vectors(session, model, [(item, vector) for group, vector in zip(batch, vectors) for item in group])
    return len({item.id for item in missing})
