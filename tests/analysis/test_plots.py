"""Sweep figures: they return Figures with labelled axes, legends, bands and annotated cells, and render."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from market_sim.analysis import plot_heatmap, plot_indices, plot_over_time
from tests.analysis.test_summary import make_sweep


def render(fig: Figure) -> None:
    fig.savefig(io.BytesIO(), format="png")


def test_plot_over_time_draws_mean_lines_and_bands():
    runs, ts = make_sweep(
        arms=("open", "closed"),
        replicates=4,
        months=24,
        value=lambda arm, p, r, m: (0.6 if arm == "open" else 0.3) * (1 - np.exp(-m / 6)) + 0.02 * r,
    )
    fig = plot_over_time(runs, ts, "share_open", units={"share_open": "open-weight token share (fraction)"})
    render(fig)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "month"
    assert ax.get_ylabel() == "open-weight token share (fraction)"
    assert ax.get_title()
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["closed (n=4)", "open (n=4)"]
    assert "95% CI over replicates" in labels[2]
    bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
    assert len(bands) == 2
    assert len(ax.get_lines()) == 2
    x = ax.get_lines()[0].get_xdata()
    assert pd.Timestamp(x[0]) == pd.Timestamp("2023-01-01")

    fig = plot_over_time(runs, ts, "share_open", ylabel="share", title="t")
    assert (fig.axes[0].get_ylabel(), fig.axes[0].get_title()) == ("share", "t")


def test_plot_heatmap_shows_the_mean_grid():
    points = [{"developers.count": c, "market.choice_noise": n} for n in (0.1, 0.3, 0.5) for c in (1000, 2000)]

    def value(arm, p, r, m):
        return points[p]["developers.count"] / 1000 + points[p]["market.choice_noise"] + 0.1 * r

    runs, ts = make_sweep(points=points, replicates=3, months=12, value=value)
    fig = plot_heatmap(runs, ts, "share_open", x="developers.count", y="market.choice_noise")
    render(fig)
    ax, cbar_ax = fig.axes
    assert ax.get_xlabel() == "simulated developers"  # labels from market_sim.labels
    assert ax.get_ylabel() == "market.choice_noise"  # a key without a label stays as it is
    assert cbar_ax.get_ylabel() == "open-weight token share (fraction)"
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (3, 2)
    assert grid[2, 1] == pytest.approx(2.0 + 0.5 + 0.1)
    assert len(ax.texts) == 6
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1000", "2000"]


def test_plot_heatmap_needs_an_arm_when_there_are_several():
    runs, ts = make_sweep(arms=("a", "b"), points=[{"x.a": 1, "x.b": 2}])
    with pytest.raises(ValueError, match="arm="):
        plot_heatmap(runs, ts, "share_open", x="x.a", y="x.b")
    with pytest.raises(ValueError, match="not a swept parameter"):
        plot_heatmap(runs, ts, "share_open", x="x.a", y="seed", arm="a")
    assert isinstance(plot_heatmap(runs, ts, "share_open", x="x.a", y="x.b", arm="a"), Figure)


def test_plot_indices_sobol_and_morris():
    sobol = pd.DataFrame(
        {
            "arm": "",
            "metric": "share_open",
            "parameter": ["x1", "x2", "x3"],
            "S1": [0.31, 0.44, 0.0],
            "S1_conf": [0.05, 0.04, 0.03],
            "ST": [0.56, 0.44, 0.24],
            "ST_conf": [0.06, 0.03, 0.02],
        }
    )
    fig = plot_indices(sobol)
    render(fig)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "parameter"
    assert "Sobol" in ax.get_ylabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["first order S1", "total order ST"]
    assert len(ax.patches) == 6
    assert "open-weight token share" in ax.get_title()

    morris = pd.DataFrame(
        {
            "arm": "",
            "metric": ["profit_meta"] * 2 + ["lag_months"] * 2,
            "parameter": ["a", "b"] * 2,
            "mu_star": [10.0, 1.0, 3.0, 4.0],
            "mu_star_conf": [0.5, 0.1, 0.2, 0.3],
            "sigma": [0.0, 0.2, 1.0, 0.5],
            "mu": [10.0, 1.0, -3.0, 4.0],
        }
    )
    fig = plot_indices(morris, units={"lag_months": "months"}, title="screening")
    render(fig)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_ylabel() == "μ*, σ (months)"
    assert fig.axes[0].get_legend() is not None
    assert len(fig.axes[0].patches) == 2
    with pytest.raises(ValueError, match="S1"):
        plot_indices(pd.DataFrame({"parameter": ["a"]}))
