"""Every source a data file can cite is described in docs/clinical-sources.md."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "clinical-sources.md"


def test_every_source_id_is_in_the_clinical_sources_document():
    sources = tomllib.loads(resources.files("ithaca.data").joinpath("sources.toml").read_text())
    text = DOC.read_text(encoding="utf-8")
    missing = [source_id for source_id in sources["sources"] if f"`{source_id}`" not in text]
    assert missing == []
