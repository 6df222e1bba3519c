"""The report helpers shared by the studies (market_sim.studies.report_helpers)."""

from pathlib import Path

import pandas as pd

from market_sim.studies.report_helpers import markdown_table, relative_link, save_figure_at, table_lines


def test_table_lines_header_rule_and_rows():
    assert table_lines(["a", "b"], [[1, "x"], [2.5, None]]) == ["| a | b |", "|---|---|", "| 1 | x |", "| 2.5 | None |"]
    assert table_lines(["a", "n"], [], ("---", "---:"))[1] == "|---|---:|"


def test_markdown_table_includes_the_index():
    frame = pd.DataFrame({"x": [1, 2]}, index=pd.Index(["p", "q"], name="k"))
    assert markdown_table(frame) == "| k | x |\n|---|---|\n| p | 1 |\n| q | 2 |"


def test_relative_link_from_the_report_folder(tmp_path):
    report = tmp_path / "docs" / "r.md"
    assert relative_link(tmp_path / "docs" / "figures" / "f.png", report) == "figures/f.png"
    assert relative_link(tmp_path / "elsewhere" / "f.png", report) == "../elsewhere/f.png"


def test_save_figure_at_creates_the_folder(tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    fig.subplots().plot([0, 1])
    path = save_figure_at(fig, tmp_path / "new" / "f.png", dpi=20)
    assert path == Path(tmp_path / "new" / "f.png") and path.stat().st_size > 0
