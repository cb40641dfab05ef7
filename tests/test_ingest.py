"""Incremental ingestion into a real Chroma store in a tmp folder."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from docgen import make_text

from briefer.core.errors import CorpusError
from briefer.corpus.workspace import Workspace

Make = Callable[..., Workspace]


def _docs(folder: Path, n: int = 4, paragraphs: int = 6) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"doc{i}.txt").write_text(
            f"Report Number {i} On Regional Affairs\n\n" + make_text(seed=100 + i,
                                                                       paragraphs=paragraphs),
            encoding="utf-8")
    return folder


def _ids_by_source(ws: Workspace) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for chunk in ws.store.iter_chunks():
        out.setdefault(chunk.source, set()).add(chunk.id)
    return out


def assert_consistent(ws: Workspace, folder: Path | None = None) -> None:
    """Store and manifest agree: no duplicates, no orphans, counts and hashes match."""
    manifest = ws.manifest
    assert manifest.pending == []
    chunks = list(ws.store.iter_chunks())
    ids = [c.id for c in chunks]
    assert len(ids) == len(set(ids)), "duplicate chunk ids"
    assert len(chunks) == ws.store.count()
    positions = Counter((c.source, c.position) for c in chunks)
    assert max(positions.values(), default=1) == 1, "two chunks at one position of a document"
    assert {c.source for c in chunks} == set(manifest.docs)
    assert sum(d["chunks"] for d in manifest.docs.values()) == ws.store.count()
    per_source = Counter(c.source for c in chunks)
    for source, entry in manifest.docs.items():
        assert per_source[source] == entry["chunks"], source
        hashes = {c.doc_hash for c in chunks if c.source == source}
        assert hashes == {entry["sha256"]}, source
        assert sorted(c.position for c in chunks if c.source == source) == list(
            range(entry["chunks"]))
        if folder is not None:
            data = (folder / source).read_bytes()
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_first_ingest_adds_then_unchanged(make_workspace: Make, tmp_path: Path) -> None:
    folder = _docs(tmp_path / "docs")
    ws = make_workspace()
    first = ws.ingest([folder])
    assert sorted(first.added) == [f"doc{i}.txt" for i in range(4)]
    assert first.updated == first.unchanged == first.removed == first.skipped == []
    assert first.chunks_added == first.chunks_total == ws.store.count() > 4
    assert first.chunks_removed == 0
    assert first.store == str(tmp_path / "store")
    assert_consistent(ws, folder)

    second = ws.ingest([folder])
    assert sorted(second.unchanged) == sorted(first.added)
    assert second.added == second.updated == second.removed == []
    assert second.chunks_added == 0 and second.chunks_removed == 0
    assert second.chunks_total == first.chunks_total
    assert_consistent(ws, folder)

    # a fresh Workspace on the same folder sees the same state
    again = make_workspace().ingest([folder])
    assert sorted(again.unchanged) == sorted(first.added)
    assert again.chunks_added == 0


def test_modified_file_is_updated(make_workspace: Make, tmp_path: Path) -> None:
    folder = _docs(tmp_path / "docs")
    ws = make_workspace()
    ws.ingest([folder])
    before = _ids_by_source(ws)
    total_before = ws.store.count()

    target = folder / "doc1.txt"
    target.write_text("A Completely Rewritten Report On Other Things\n\n"
                      + make_text(seed=999, paragraphs=3), encoding="utf-8")
    summary = ws.ingest([folder])
    assert summary.updated == ["doc1.txt"]
    assert summary.added == [] and sorted(summary.unchanged) == ["doc0.txt", "doc2.txt",
                                                                 "doc3.txt"]
    assert summary.chunks_removed == len(before["doc1.txt"])
    after = _ids_by_source(ws)
    assert before["doc1.txt"].isdisjoint(after["doc1.txt"])
    all_ids = {cid for ids in after.values() for cid in ids}
    assert not before["doc1.txt"] & all_ids, "old chunk ids of the updated file are still there"
    assert summary.chunks_added == len(after["doc1.txt"])
    assert ws.store.count() == total_before - len(before["doc1.txt"]) + len(after["doc1.txt"])
    assert summary.chunks_total == ws.store.count()
    for other in ("doc0.txt", "doc2.txt", "doc3.txt"):
        assert after[other] == before[other]
    assert_consistent(ws, folder)


def test_small_edit_keeps_counts_right(make_workspace: Make, tmp_path: Path) -> None:
    # an edit at the end leaves most chunk texts (and ids) the same: no duplicates either way
    folder = _docs(tmp_path / "docs", n=2)
    ws = make_workspace()
    ws.ingest([folder])
    target = folder / "doc0.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\n\nOne more closing line.",
                      encoding="utf-8")
    summary = ws.ingest([folder])
    assert summary.updated == ["doc0.txt"]
    assert_consistent(ws, folder)


def test_prune_removes_deleted_files(make_workspace: Make, tmp_path: Path) -> None:
    folder = _docs(tmp_path / "docs")
    ws = make_workspace()
    ws.ingest([folder])
    gone = _ids_by_source(ws)["doc2.txt"]
    total = ws.store.count()
    (folder / "doc2.txt").unlink()

    kept = ws.ingest([folder])
    assert kept.removed == []
    assert "doc2.txt" in ws.manifest.docs
    assert gone <= {c.id for c in ws.store.iter_chunks()}
    assert ws.store.count() == total

    pruned = ws.ingest([folder], prune=True)
    assert pruned.removed == ["doc2.txt"]
    assert pruned.chunks_removed == len(gone)
    assert "doc2.txt" not in ws.manifest.docs
    remaining = {c.id for c in ws.store.iter_chunks()}
    assert not gone & remaining
    assert ws.store.count() == total - len(gone) == pruned.chunks_total
    assert_consistent(ws, folder)


def test_corrupt_pdf_is_skipped(make_workspace: Make, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    (folder / "good.txt").write_text("A Good Plain Text Document\n\n" + make_text(seed=7),
                                     encoding="utf-8")
    ws = make_workspace()
    summary = ws.ingest([folder])
    assert summary.added == ["good.txt"]
    assert [s.path for s in summary.skipped] == ["broken.pdf"]
    assert "corrupt PDF" in summary.skipped[0].reason
    assert any(w.startswith("broken.pdf:") for w in summary.warnings)
    assert set(ws.manifest.docs) == {"good.txt"}
    assert_consistent(ws, folder)


def test_corrupt_docx_is_skipped(make_workspace: Make, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "broken.docx").write_bytes(b"this is not a zip file at all")
    (folder / "good.txt").write_text("A Good Plain Text Document\n\n" + make_text(seed=8),
                                     encoding="utf-8")
    ws = make_workspace()
    summary = ws.ingest([folder])
    assert summary.added == ["good.txt"]
    assert [s.path for s in summary.skipped] == ["broken.docx"]


def test_skipped_kinds_do_not_stop_ingest(make_workspace: Make, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "blob.txt").write_bytes(b"\x00\x01binary")
    (folder / "data.xyz").write_text("unknown", encoding="utf-8")
    (folder / ".hidden.txt").write_text("hidden words here", encoding="utf-8")
    (folder / "sub" / "nested.md").write_text("# Nested Markdown Note Title\n\n"
                                              + make_text(seed=9, paragraphs=2),
                                              encoding="utf-8")
    (folder / "latin.txt").write_bytes(b"caf\xe9 au lait is served here every single morning.")
    ws = make_workspace()
    summary = ws.ingest([folder])
    assert sorted(summary.added) == ["latin.txt", "sub/nested.md"]
    assert sorted(s.path for s in summary.skipped) == [".hidden.txt", "blob.txt", "data.xyz",
                                                       "empty.txt"]
    assert any("latin.txt" in w and "UTF-8" in w for w in summary.warnings)
    assert_consistent(ws, folder)


def test_single_file_path(make_workspace: Make, tmp_path: Path) -> None:
    folder = _docs(tmp_path / "docs", n=2)
    ws = make_workspace()
    summary = ws.ingest([folder / "doc1.txt"])
    assert summary.added == ["doc1.txt"]
    assert_consistent(ws, folder)


def test_empty_folder_is_corpus_error(make_workspace: Make, tmp_path: Path) -> None:
    folder = tmp_path / "nothing"
    folder.mkdir()
    with pytest.raises(CorpusError, match="no files"):
        make_workspace().ingest([folder])


def test_missing_path_is_corpus_error(make_workspace: Make, tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        make_workspace().ingest([tmp_path / "does-not-exist"])


def test_lexical_index_follows_the_store(make_workspace: Make, tmp_path: Path) -> None:
    folder = _docs(tmp_path / "docs", n=3)
    ws = make_workspace()
    ws.ingest([folder])
    assert set(ws.lexical().ids) == {c.id for c in ws.store.iter_chunks()}
    (folder / "doc0.txt").unlink()
    ws.ingest([folder], prune=True)
    assert set(ws.lexical().ids) == {c.id for c in ws.store.iter_chunks()}
    assert (tmp_path / "store" / "bm25" / "meta.json").is_file()


def test_files_cut_by_an_older_chunking_are_cut_again(make_workspace: Make,
                                                      tmp_path: Path) -> None:
    """A store ingested before the chunking changed: unchanged files are cut again (once), so
    an upgrade does not leave old passages behind; a file no longer there keeps its chunks."""
    folder = _docs(tmp_path / "docs")
    ws = make_workspace()
    ws.ingest([folder])
    manifest = ws.manifest
    for entry in manifest.docs.values():
        entry.pop("chunking")  # as a store written by an older version records it
    manifest.save()
    (folder / "doc3.txt").rename(tmp_path / "doc3.txt")  # gone from the folder, kept in store
    assert make_workspace().cut_otherwise() == 4  # what `brief`, `ask` and the REPL note

    again = make_workspace().ingest([folder])
    assert sorted(again.updated) == ["doc0.txt", "doc1.txt", "doc2.txt"]
    assert again.removed == [] and "doc3.txt" in make_workspace().manifest.docs
    then = make_workspace().ingest([folder])
    assert sorted(then.unchanged) == ["doc0.txt", "doc1.txt", "doc2.txt"] and not then.updated
    assert make_workspace().cut_otherwise() == 1  # doc3.txt: its folder no longer holds it
