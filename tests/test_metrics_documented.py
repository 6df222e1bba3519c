"""Every timeseries column is documented in docs/metrics.md (per-vendor columns as ``name_<v>``)."""

from pathlib import Path

from market_sim import Scenario, run

DOC = Path(__file__).resolve().parents[1] / "docs" / "metrics.md"


def test_every_column_is_in_docs_metrics():
    scenario = Scenario.default().with_overrides({"run.months": 2, "developers.count": 300})
    ts = run(scenario, seed=1).timeseries
    text = DOC.read_text(encoding="utf-8")
    vendors = scenario.vendor_ids
    missing = []
    for column in ts.columns:
        name = column
        for v in vendors:
            if column.endswith(f"_{v}"):
                name = column[: -len(v)] + "<v>"
        if f"`{name}`" not in text:
            missing.append(column)
    assert not missing, f"undocumented columns: {missing}"
    assert f"there are {len(ts.columns)} columns" in text
