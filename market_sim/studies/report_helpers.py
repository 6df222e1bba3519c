"""Report helpers shared by the studies: Markdown tables, links between files, saving figures."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd

from market_sim.plots import save_figure


def table_lines(
    header: Sequence[str], rows: Iterable[Sequence[object]], align: Sequence[str] | None = None
) -> list[str]:
    """A Markdown table as lines: ``| a | b |``, the rule (``---`` per column, or ``align``'s
    ``---:`` etc.), then one line per row (cells as ``str``)."""
    rule = "|" + "".join(f"{a}|" for a in (align or ["---"] * len(header)))
    return ["| " + " | ".join(header) + " |", rule, *("| " + " | ".join(map(str, r)) + " |" for r in rows)]


def markdown_table(frame: pd.DataFrame) -> str:
    """A DataFrame as a Markdown table (index included)."""
    header = [frame.index.name or "", *map(str, frame.columns)]
    rows = [[str(i), *map(str, row)] for i, row in zip(frame.index, frame.to_numpy(), strict=True)]
    return "\n".join(table_lines(header, rows))


def relative_link(path: Path, report: Path) -> str:
    """``path`` as a link from ``report``'s folder (POSIX, relative: '../figures/x.png' if need be)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(report).resolve().parent)).as_posix()


def save_figure_at(fig, path: Path, dpi: int = 100, close: bool = False) -> Path:
    """Save ``fig`` at ``path`` (creating its folder; SVG/PDF beside it as :func:`market_sim.plots.save_figure`
    says); ``close`` closes it in pyplot. Returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_figure(fig, path, dpi=dpi)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    return path
