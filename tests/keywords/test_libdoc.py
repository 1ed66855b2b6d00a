"""STYLE.md: every keyword library's docs build with libdoc, and every keyword is documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from robot.libdocpkg import LibraryDocumentation

KEYWORDS = Path(__file__).resolve().parents[2] / "keywords"
LIBRARIES = sorted(
    f"keywords.{p.stem if p.is_file() else p.name}"
    for p in KEYWORDS.iterdir()
    if (p.suffix == ".py" and p.stem != "__init__" and not p.stem.startswith("_"))
    or (p.is_dir() and (p / "__init__.py").exists())
)


def test_there_are_keyword_libraries():
    assert "keywords.referrals" in LIBRARIES


@pytest.mark.parametrize("library", LIBRARIES)
def test_library_documents_itself_and_every_keyword(library, tmp_path):
    doc = LibraryDocumentation(library)
    assert len(doc.doc) > 200, f"{library}: the module docstring is the user manual"
    undocumented = [kw.name for kw in doc.keywords if not kw.doc.strip()]
    assert not undocumented, f"{library}: keywords without docs: {undocumented}"
    doc.save(str(tmp_path / "doc.html"), "HTML")
    assert (tmp_path / "doc.html").stat().st_size > 10_000
