"""The tutorial notebook (docs/tutorial.md, jupytext) executes top to bottom without warnings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_tutorial_executes():
    jupytext = pytest.importorskip("jupytext")
    from nbclient import NotebookClient

    nb = jupytext.read(DOCS / "tutorial.md")
    start = time.perf_counter()
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(DOCS)}}).execute()
    seconds = time.perf_counter() - start
    assert seconds < 300, f"tutorial took {seconds:.0f} s (limit 5 min)"
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    stderr = [o.get("text", "") for cell in code for o in cell.outputs if o.get("name") == "stderr"]
    assert not stderr, f"the tutorial printed warnings or errors: {stderr}"
    first = code[0].outputs[-1]["data"]["text/plain"]
    assert first.startswith("RunResult(seed=1, months=36 (2023-01..2025-12)") and len(first) < 200
    images = [o for cell in code for o in cell.outputs if "image/png" in o.get("data", {})]
    assert len(images) == 2, "expected the adoption figure and the band figure, once each"
