"""Figures a reviewer accepts: labels with units from one table, honest bands, numeric legends, formats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from market_sim import Scenario, labels, plots, run
from market_sim.analysis import plot_over_time
from market_sim.cli import main
from tests.analysis.test_summary import make_sweep


@pytest.fixture(scope="module")
def runs3():
    small = Scenario.default().with_overrides({"developers.count": 400, "researchers.count": 60, "run.months": 8})
    return [run(small, seed=s) for s in (1, 2, 3)]


def test_every_metric_of_a_run_has_a_label_with_unit(runs3):
    names = {"meta": "Meta"}
    for column in runs3[0].timeseries.columns:
        if column in ("month", "date"):
            continue
        text, unit = labels.parts(column, names)
        assert text != column, f"{column} has no label in market_sim.labels"
        assert unit or column in ("community_stock",), column
    assert labels.label("profit_meta", names, scale=1e9) == "Meta profit incl. complement (USD bn/month)"
    assert labels.label("vendors.meta.pricing.markup") == "markup over cost (fraction)"
    assert labels.label("a_new_metric") == "a_new_metric"
    assert labels.label("price_closed_small") == "closed API price, small models (USD/Mtok)"


def test_money_is_scaled_not_offset():
    assert labels.money_scale("profit_openai", [2.5e8, -1e8]) == 1e6
    assert labels.money_scale("share_open", [0.5]) == 1.0
    runs, ts = make_sweep(arms=("a",), replicates=3, months=6, value=lambda arm, p, r, m: 3e8 + 1e7 * r)
    ts = ts.rename(columns={"share_open": "profit_openai"})
    fig = plot_over_time(runs, ts, "profit_openai", by="arm")
    fig.canvas.draw()
    ax = fig.axes[0]
    assert ax.get_ylabel() == "openai profit incl. complement (USD M/month)"
    assert ax.yaxis.get_offset_text().get_text() == ""
    assert 290 < ax.get_lines()[0].get_ydata()[0] < 330


def test_legend_order_is_numeric_and_pooled_bands_say_so():
    runs, ts = make_sweep(
        arms=("every_18", "every_4", "every_9"),
        points=[{"developers.count": 1000}, {"developers.count": 2000}],
        replicates=2,
        months=6,
        value=lambda arm, p, r, m: 0.1 * p + 0.01 * r,
    )
    fig = plot_over_time(runs, ts, "share_open", by="arm")
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [t.split(" ")[0] for t in texts[:3]] == ["every_4", "every_9", "every_18"]
    assert texts[3] == "95% CI over replicates, pooled over 2 design points"
    fig = plot_over_time(runs, ts, "share_open", by=["point", "arm"])
    assert fig.axes[0].get_legend().get_texts()[-1].get_text() == "95% CI over replicates"


def test_long_titles_are_wrapped_to_the_figure():
    runs, ts = make_sweep(arms=("a",), replicates=2, months=6, value=lambda arm, p, r, m: 0.1)
    title = "Open-weight adoption with and without the community (propensity 0.04, absorb_open 0.5, fork share 0.3)"
    fig = plot_over_time(runs, ts, "share_open", title=title)
    fig.canvas.draw()
    box = fig.axes[0].title.get_window_extent()
    assert "\n" in fig.axes[0].get_title() and box.x0 >= 0 and box.x1 <= fig.bbox.width


def test_headline_figure_has_bands_and_a_projection_marker(runs3):
    fig = plots.plot_adoption_bands([r.timeseries for r in runs3], runs3[0].vendors, projection_from="2023-05")
    ax = fig.axes[0]
    assert len(ax.collections) == len(runs3[0].vendors)  # one band per vendor
    marker = [line for line in ax.get_lines() if line.get_linestyle() == ":"]
    assert len(marker) == 1 and "projection" in " ".join(t.get_text() for t in ax.texts)
    assert "mean of 3 seeds" in ax.get_title()


def test_bands_over_seeds_per_arm(runs3):
    fig = plots.plot_bands({"a": [r.timeseries for r in runs3]}, "share_open")
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "a (n=3 seeds)"
    assert len(fig.axes[0].collections) == 1


def test_figures_in_svg_and_pdf_on_request(tmp_path):
    from market_sim.sweep import SerialExecutor, SweepSpec, run_sweep

    spec = SweepSpec.from_dict(
        {"sweep": {"months": 3, "replicates": 2, "metrics": ["share_open"]}, "fixed": {"developers.count": 300}}
    )
    run_sweep(spec, str(tmp_path / "s"), SerialExecutor(), progress=False)
    assert main(["analyze", str(tmp_path / "s"), "--format", "svg", "pdf"]) == 0
    figures = tmp_path / "s" / "figures"
    assert {p.suffix for p in figures.glob("over_time_share_open.*")} == {".png", ".svg", ".pdf"}
    assert (figures / "over_time_share_open.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert (figures / "over_time_share_open.pdf").read_bytes()[:4] == b"%PDF"
    assert np.isfinite(pd.read_csv(tmp_path / "s" / "summary.csv")["mean"]).all()
    fig = plots.plot_prices(run(months=2).timeseries)
    assert plots.save_figure(fig, tmp_path / "after.png") == [tmp_path / "after.png"]  # the request ended with it
