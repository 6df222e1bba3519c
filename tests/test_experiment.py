"""The experiment framework: verdict rule, reports, and one experiment end to end (minimal mode)."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from market_sim.cli import main
from market_sim.studies.experiment import VERDICTS, Effect, ExperimentContext, load_experiments, run_experiment
from market_sim.sweep import SweepSpec


def effect(lo, hi):
    return Effect("C0", "x", "a", "b", f"[{lo}, {hi}]", 5, (lo + hi) / 2, lo, hi)


@pytest.mark.parametrize(
    "bounds, predicted, expected",
    [
        ([(0.1, 0.3), (0.2, 0.5)], +1, "supported"),
        ([(0.1, 0.3), (-0.1, 0.5)], +1, "depends"),
        ([(-0.1, 0.3), (-0.4, -0.2)], +1, "not supported"),
        ([(-0.3, -0.1)], -1, "supported"),
        ([(-0.3, 0.1)], -1, "not supported"),
    ],
)
def test_verdict_rule(tmp_path, bounds, predicted, expected):
    ctx = ExperimentContext("t", tmp_path, {}, quick=True)
    v = ctx.verdict("C0", [effect(lo, hi) for lo, hi in bounds], predicted)
    assert v.verdict == expected and v.verdict in VERDICTS


def test_every_experiment_is_well_formed():
    experiments = load_experiments()
    assert "commoditization" in experiments
    for name, module in experiments.items():
        assert module.NAME == name and module.QUESTION and module.CLAIMS
        for raw in module.specs(quick=True).values():
            SweepSpec.from_dict(raw, base_dir=module.PATH.parent)  # valid before any run


def test_commoditization_minimal_run_writes_report_with_computed_verdicts(tmp_path):
    original = load_experiments()["commoditization"]
    module = SimpleNamespace(**vars(original))  # the experiment with smaller specs
    quick_specs = original.specs

    def minimal(quick):
        specs = quick_specs(True)
        for raw in specs.values():
            raw["sweep"].update(replicates=2, months=8)
            raw["parameters"] = {
                "vendors.meta.initial_capability": [3.3],
                "developers.count": [400],
                "researchers.count": [100],
                "market.demand_sample": [200],
            }
        return specs

    module.specs = minimal
    ctx = run_experiment(module, tmp_path / "c", quick=True, executor_args={"workers": 1}, progress=False)
    assert {v.claim for v in ctx.verdicts} == {"C19", "C20", "C20-price", "C20-revenue", "C24"}
    assert all(v.verdict in VERDICTS for v in ctx.verdicts)
    report = (tmp_path / "c" / "report.md").read_text()
    assert "## Verdicts" in report and "Rule:" in report and "| C24 |" in report
    first = report.splitlines()[0]
    assert first.startswith("**Preview (quick mode, 2 seeds per point)") and "may reverse" in first
    for name, _ in ctx.figures:
        assert (tmp_path / "c" / name).stat().st_size > 5_000


@pytest.mark.parametrize("flag", ["--report", "--claims"])
def test_quick_results_never_write_findings_unless_asked(flag, tmp_path, capsys):
    target = tmp_path / "findings.md"
    assert main(["experiment", "lock_in", "--quick", flag, str(target), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert f"{flag} with --quick is not allowed" in err and "--allow-quick-report" in err
    assert not target.exists() and not (tmp_path / "o").exists()  # refused before any run


def test_cli_experiment_list_and_unknown(capsys):
    assert main(["experiment", "list"]) == 0
    assert "commoditization" in capsys.readouterr().out
    assert main(["experiment", "nosuch"]) == 2
    assert "unknown experiment 'nosuch'" in capsys.readouterr().err


def test_claims_table_is_filled_from_computed_verdicts(tmp_path):
    from market_sim.studies.experiment import Verdict, update_claims_doc

    doc = tmp_path / "claims.md"
    doc.write_text(
        "| ID | claim | experiment | verdict |\n|---|---|---|---|\n| C2 | lock-in | planned | not yet tested |\n"
    )
    ctx = ExperimentContext("lock_in", tmp_path, {}, quick=True)
    ctx.verdicts = [Verdict("C2a", "", "supported", ""), Verdict("C2b", "", "depends", "")]
    update_claims_doc(doc, [(SimpleNamespace(NAME="lock_in"), ctx)], "quick mode")
    row = doc.read_text().splitlines()[2]
    assert row == "| C2 | lock-in | `lock_in` | lock_in: C2a supported; lock_in: C2b depends (quick mode) |"


def test_paired_across_points_pairs_on_columns_and_replicate(tmp_path):
    from scipy import stats

    from market_sim.errors import SpecError

    # arms x growth x replicates; value = growth * (1 + replicate) + 100 in arm "y", so growth 3 - 1 pairs to
    # 2 (1 + replicate) in both arms: 2, 4, 6 over replicates 0-2
    rows = [(arm, g, r) for arm in ("x", "y") for g in (1.0, 3.0) for r in range(3)]
    runs = pd.DataFrame(rows, columns=["arm", "growth", "replicate"]).assign(status="ok", point=lambda f: f["growth"])
    runs.loc[(runs["arm"] == "y") & (runs["growth"] == 3.0) & (runs["replicate"] == 2), "status"] = "failed"
    runs["run_id"] = range(len(runs))
    ok = runs[runs["status"] == "ok"]
    value = ok["growth"] * (1 + ok["replicate"]) + 100 * (ok["arm"] == "y")
    ts = pd.DataFrame({"run_id": ok["run_id"], "month": 0, "v": value})
    result = SimpleNamespace(runs=runs, timeseries=lambda: ts)
    ctx = ExperimentContext("t", tmp_path, {"main": result}, quick=True)

    def last_v(t):
        return float(t["v"].iloc[-1])

    effects = ctx.paired_across_points(
        "C0", "main", "v", last_v, {"growth": 3.0}, {"growth": 1.0}, ["arm"], label=lambda p: f"arm {p['arm']}"
    )
    assert ctx.effects == effects and [e.point for e in effects] == ["arm x", "arm y"]
    x, y = effects
    assert (x.arm_a, x.arm_b) == ("growth = 3", "growth = 1")
    assert (x.n, x.mean, y.n, y.mean) == (3, 4.0, 2, 3.0)  # arm y: replicate 2 has no partner and is dropped
    half = stats.t.ppf(0.975, 2) * 2 / np.sqrt(3)
    assert x.ci_low == pytest.approx(4 - half) and x.ci_high == pytest.approx(4 + half)

    named = ctx.paired_across_points("C0", "main", "v", last_v, {"growth": 1.0}, {"growth": 3.0}, ["arm"], "a", "b")
    assert [(e.arm_a, e.arm_b, e.point, e.mean) for e in named] == [
        ("a", "b", "arm = x", -4.0),
        ("a", "b", "arm = y", -3.0),
    ]
    with pytest.raises(SpecError, match="selects no run"):
        ctx.paired_across_points("C0", "main", "v", last_v, {"growth": 2.0}, {"growth": 1.0}, ["arm"])
    with pytest.raises(SpecError, match="several runs"):  # not paired on arm: two runs per replicate on each side
        ctx.paired_across_points("C0", "main", "v", last_v, {"growth": 3.0}, {"growth": 1.0}, ["point"])
