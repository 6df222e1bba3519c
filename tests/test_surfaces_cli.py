"""Newcomer rough edges of the CLI: study outputs, analyze, [fixed] overrides, summary labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from market_sim import Scenario, run
from market_sim.cli import _figures, build_parser, format_summary, main
from market_sim.errors import SpecError
from market_sim.sweep import SerialExecutor, SweepSpec, run_sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = {"developers.count": 300, "researchers.count": 60, "market.demand_sample": 200}


@pytest.mark.parametrize("study", ["calibrate", "validate", "sensitivity"])
def test_studies_write_under_outputs_unless_asked(study, capsys):
    name = {"calibrate": "calibration", "validate": "validation", "sensitivity": "sensitivity"}[study]
    args = build_parser().parse_args([study])
    assert args.report == Path("outputs") / name / f"{name}.md"
    assert _figures(args) == Path("outputs") / name / "figures"
    asked = build_parser().parse_args([study, "--report", f"docs/{name}.md"])
    assert _figures(asked) == Path("docs/figures")
    with pytest.raises(SystemExit):
        main([study, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"outputs/{name}/" in text and f"--report docs/{name}.md" in text


def _sweep(tmp_path: Path, **sweep) -> Path:
    spec = SweepSpec.from_dict(
        {
            "sweep": {"name": "t", "months": 3, "replicates": 2, "seed": 1, **sweep},
            "fixed": TINY,
            "arms": {"open": {"vendors.meta.openness": "always_open"}, "closed": {}},
        }
    )
    run_sweep(spec, str(tmp_path / "s"), SerialExecutor(), progress=False)
    return tmp_path / "s"


def test_fixed_overrides_apply_to_every_run(tmp_path):
    out = _sweep(tmp_path, metrics=["share_open", "developers", "hhi"])
    ts = pd.read_parquet(next((out / "timeseries").glob("*.parquet")))
    assert ts["developers"].max() <= 300
    from market_sim.sweep import load_sweep

    spec = SweepSpec.from_dict(load_sweep(out).spec)
    assert spec.base_scenario().get("developers.count") == 300
    with pytest.raises(SpecError, match=r"^fixed: developers.count = -1 is not allowed"):
        SweepSpec.from_dict({"sweep": {}, "fixed": {"developers.count": -1}})
    with pytest.raises(SpecError, match=r"^\[fixed\] = 3 is not allowed"):
        SweepSpec.from_dict({"sweep": {}, "fixed": 3})


def test_analyze_uses_the_spec_metrics_and_merges(tmp_path):
    out = _sweep(tmp_path, metrics=["share_open", "developers", "hhi"])
    assert main(["analyze", str(out)]) == 0
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["metric"]) == {"share_open", "developers", "hhi"}
    assert main(["analyze", str(out), "--metrics", "hhi", "--window", "2"]) == 0
    merged = pd.read_csv(out / "summary.csv")
    assert set(zip(merged["metric"], merged["window_months"], strict=True)) == {
        ("share_open", 12),
        ("developers", 12),
        ("hhi", 12),
        ("hhi", 2),
    }
    assert set(pd.read_csv(out / "paired_differences.csv")["metric"]) == {"share_open", "developers", "hhi"}


def test_analyze_of_a_run_folder_says_so(tmp_path, capsys):
    run(Scenario.default().with_overrides(TINY), months=2).save(tmp_path / "r")
    assert main(["analyze", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("market-sim: error: ") and "is a run folder (written by market-sim run), not a sweep" in err


def test_run_summary_labels_profit_and_margin():
    text = format_summary(run(Scenario.default().with_overrides(TINY), months=2))
    assert "profit* $M/mo" in text and "* profit = model revenue + complement revenue" in text
    assert "closed API margin (p - c)/p" in text and "over serving cost only" in text


def test_example_scenario_file_runs_as_documented():
    scenario = Scenario.load(ROOT / "docs" / "my_scenario.toml")
    assert scenario.months == 48 and scenario.get("vendors.meta.openness")["strategy"] == "always_closed"
    assert scenario.get("vendors.openai.pricing") == {"strategy": "markup", "markup": 0.8}
    assert "docs/my_scenario.toml" in (ROOT / "README.md").read_text(encoding="utf-8")
